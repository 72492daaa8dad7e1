/**
 * INFO: Redis 7.0's sections, in Redis's order, with every field name Redis prints, so tools that
 * parse INFO (ioredis's ready check reads `loading:0`, monitoring agents read everything) find
 * what they expect. Values that have no meaning here (fork, AOF, allocator internals) are
 * reported as an idle Redis reports them.
 */
import * as os from 'node:os';
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { replicationInfoFields } from '../replication/replication-views';
import type { RedisNode } from '../node';
import { cmd, type CommandImpl } from '../dispatch/command';
import { REDIS_VERSION } from '../../storage/redis-version';
import { rdbInfoFields, saveProgressInfoFields } from '../persistence/snapshots';

type Fields = Array<[string, string | number]>;

const DEFAULT_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace',
];
const ALL_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats',
  'latencystats', 'cluster', 'keyspace',
];

/** Which sections a list of INFO arguments selects, in Redis's output order. */
function selectSections(args: readonly ByteString[]): string[] {
  if (args.length === 0) return DEFAULT_SECTIONS;
  const wanted = new Set<string>();
  for (const arg of args) {
    const name = arg.toLowerCase();
    if (name === 'default') DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
    else if (name === 'all' || name === 'everything') ALL_SECTIONS.forEach((s) => wanted.add(s));
    else wanted.add(name);
  }
  return ALL_SECTIONS.filter((s) => wanted.has(s));
}

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(2)}${units[unit]}`;
}

function serverSection(node: RedisNode): Fields {
  const now = node.clock();
  const uptime = Math.floor((now - node.startedAtMs) / 1000);
  return [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', 'hashslot'],
    ['redis_mode', node.config.bool('cluster-enabled') ? 'cluster' : 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.arch() === 'x64' ? 'x86_64' : os.arch()}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', node.runId],
    ['tcp_port', node.port],
    ['server_time_usec', now * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', node.config.number('hz')],
    ['configured_hz', node.config.number('hz')],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff],
    ['executable', node.executable],
    ['config_file', node.configFile],
    ['io_threads_active', 0],
  ];
}

function clientsSection(node: RedisNode): Fields {
  return [
    ['connected_clients', node.clients.size],
    // Two descriptors per other node of the table (one link each way), as Redis counts them.
    ['cluster_connections', node.cluster === null ? 0 : (node.cluster.state.nodes.size - 1) * 2],
    ['maxclients', node.config.number('maxclients')],
    ['client_recent_max_input_buffer', node.clientPeaks.maxInputBytes],
    ['client_recent_max_output_buffer', node.clientPeaks.maxOutputBytes],
    ['blocked_clients', [...node.clients.values()].filter((c) => c.isBlocked).length],
    ['tracking_clients', node.tracking.clients],
    ['clients_in_timeout_table', node.blocking.clientsWithTimeout],
  ];
}

function memorySection(node: RedisNode): Fields {
  // The Redis figures are modelled (memory/node-memory.ts); the process's own are hashslot_*.
  const mem = process.memoryUsage();
  const f = node.memory.figures();
  const used = f.used;
  const peak = node.memory.peak;
  const total = os.totalmem();
  const maxmemory = node.config.number('maxmemory');
  const scripting = node.scriptingMemory;
  const vmTotal = scripting.usedMemoryVmEval + scripting.usedMemoryVmFunctions;
  const scriptsTotal = scripting.usedMemoryScriptsEval + scripting.usedMemoryFunctions;
  const net = used - f.startup;
  const percent = (n: number, d: number): string => `${(d === 0 ? 0 : (n * 100) / d).toFixed(2)}%`;
  return [
    ['used_memory', used],
    ['used_memory_human', human(used)],
    ['used_memory_rss', mem.rss],
    ['used_memory_rss_human', human(mem.rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', human(peak)],
    ['used_memory_peak_perc', percent(used, peak)],
    ['used_memory_overhead', f.overheadTotal],
    ['used_memory_startup', f.startup],
    ['used_memory_dataset', f.dataset],
    ['used_memory_dataset_perc', percent(f.dataset, net)],
    ['allocator_allocated', used],
    ['allocator_active', used],
    ['allocator_resident', mem.rss],
    ['total_system_memory', total],
    ['total_system_memory_human', human(total)],
    ['used_memory_lua', scripting.usedMemoryVmEval],
    ['used_memory_vm_eval', scripting.usedMemoryVmEval],
    ['used_memory_lua_human', human(scripting.usedMemoryVmEval)],
    ['used_memory_scripts_eval', scripting.usedMemoryScriptsEval],
    ['number_of_cached_scripts', scripting.numberOfCachedScripts],
    ['number_of_functions', scripting.numberOfFunctions],
    ['number_of_libraries', scripting.numberOfLibraries],
    ['used_memory_vm_functions', scripting.usedMemoryVmFunctions],
    ['used_memory_vm_total', vmTotal],
    ['used_memory_vm_total_human', human(vmTotal)],
    ['used_memory_functions', scripting.usedMemoryFunctions],
    ['used_memory_scripts', scriptsTotal],
    ['used_memory_scripts_human', human(scriptsTotal)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', human(maxmemory)],
    ['maxmemory_policy', node.config.string('maxmemory-policy')],
    ['allocator_frag_ratio', '1.00'],
    ['allocator_frag_bytes', 0],
    ['allocator_rss_ratio', (mem.rss / Math.max(1, used)).toFixed(2)],
    ['allocator_rss_bytes', mem.rss - used],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', (mem.rss / Math.max(1, used)).toFixed(2)],
    ['mem_fragmentation_bytes', mem.rss - used],
    ['mem_not_counted_for_evict', f.clientsReplicas],
    ['mem_replication_backlog', f.backlog],
    ['mem_total_replication_buffers', f.backlog + f.clientsReplicas],
    ['mem_clients_slaves', f.clientsReplicas],
    ['mem_clients_normal', f.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', 'v8'],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
    // The process's real memory (V8 heap, buffers outside it, resident set): what benchmarks
    // comparing hashslot's footprint with Redis's read.
    ['hashslot_heap_used', mem.heapUsed],
    ['hashslot_heap_total', mem.heapTotal],
    ['hashslot_external', mem.external],
    ['hashslot_array_buffers', mem.arrayBuffers],
    ['hashslot_process_used', mem.heapUsed + mem.external],
    ['hashslot_rss', mem.rss],
  ];
}

function persistenceSection(node: RedisNode): Fields {
  return [
    ['loading', 0],
    ['async_loading', 0],
    ...saveProgressInfoFields(node),
    ...rdbInfoFields(node),
    ...node.aof.infoFields(),
  ];
}

function statsSection(node: RedisNode): Fields {
  const s = node.stats;
  const currentExceededMs = s.evictionExceededSinceMs < 0 ? 0 : node.time.monotonicMs() - s.evictionExceededSinceMs;
  const zeros = (names: string[]): Fields => names.map((n) => [n, 0]);
  return [
    ['total_connections_received', s.totalConnectionsReceived],
    ['total_commands_processed', s.totalCommandsProcessed],
    ['instantaneous_ops_per_sec', s.instantaneousOpsPerSec],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', s.netReplInputBytes],
    ['total_net_repl_output_bytes', s.netReplOutputBytes],
    ['instantaneous_input_kbps', '0.00'],
    ['instantaneous_output_kbps', '0.00'],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConnections],
    ['sync_full', s.syncFull],
    ['sync_partial_ok', s.syncPartialOk],
    ['sync_partial_err', s.syncPartialErr],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', (s.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', s.expiredTimeCapReachedCount],
    ['expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleMicros / 1000)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', s.evictedClients],
    ['total_eviction_exceeded_time', Math.floor(s.evictionExceededMs + currentExceededMs)],
    ['current_eviction_exceeded_time', Math.floor(currentExceededMs)],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', node.pubsub.size('channel')],
    ['pubsub_patterns', node.pubsub.size('pattern')],
    ['pubsubshard_channels', node.pubsub.size('shard')],
    ...zeros(['latest_fork_usec', 'total_forks']),
    ['migrate_cached_sockets', node.migrateSockets.size],
    ['slave_expires_tracked_keys', node.keyspace.replicaKeysWithExpire.size],
    ...zeros([
      'active_defrag_hits', 'active_defrag_misses',
      'active_defrag_key_hits', 'active_defrag_key_misses', 'total_active_defrag_time', 'current_active_defrag_time',
    ]),
    ['tracking_total_keys', node.tracking.totalKeys],
    ['tracking_total_items', node.tracking.totalItems],
    ['tracking_total_prefixes', node.tracking.totalPrefixes],
    ['unexpected_error_replies', s.unexpectedErrorReplies],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.totalCommandsProcessed],
    ['total_writes_processed', s.totalCommandsProcessed],
    ...zeros(['io_threaded_reads_processed', 'io_threaded_writes_processed', 'reply_buffer_shrinks', 'reply_buffer_expands']),
  ];
}

function replicationSection(node: RedisNode): Fields {
  return replicationInfoFields(node, node.replication);
}

function cpuSection(): Fields {
  const cpu = process.cpuUsage();
  const sys = (cpu.system / 1e6).toFixed(6);
  const user = (cpu.user / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', sys],
    ['used_cpu_user', user],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sys],
    ['used_cpu_user_main_thread', user],
  ];
}

function commandstatsSection(node: RedisNode): Fields {
  const out: Fields = [];
  for (const spec of node.commands.allWithSubcommands()) {
    const st = spec.stats;
    if (st.calls === 0 && st.rejectedCalls === 0 && st.failedCalls === 0) continue;
    const perCall = st.calls === 0 ? 0 : st.usec / st.calls;
    out.push([
      `cmdstat_${spec.fullName}`,
      `calls=${st.calls},usec=${Math.round(st.usec)},usec_per_call=${perCall.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
    ]);
  }
  return out;
}

function latencystatsSection(node: RedisNode): Fields {
  const out: Fields = [];
  for (const spec of node.commands.allWithSubcommands()) {
    const st = spec.stats;
    if (st.calls === 0) continue;
    const perCall = (st.usec / st.calls).toFixed(3);
    out.push([`latency_percentiles_usec_${spec.fullName}`, `p50=${perCall},p99=${perCall},p99.9=${perCall}`]);
  }
  return out;
}

function errorstatsSection(node: RedisNode): Fields {
  // Redis keeps them in a radix tree: listed in byte order of the prefix, not in order of first use.
  const sorted = [...node.stats.errorsByPrefix].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(([prefix, count]) => [`errorstat_${prefix}`, `count=${count}`]);
}

function keyspaceSection(node: RedisNode): Fields {
  const out: Fields = [];
  for (const db of node.keyspace.dbs) {
    if (db.size === 0) continue;
    out.push([`db${db.id}`, `keys=${db.size},expires=${db.expiresCount},avg_ttl=${db.averageTtl(node.nowMs)}`]);
  }
  return out;
}

const SECTION_TITLES: Record<string, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats',
  replication: 'Replication', cpu: 'CPU', modules: 'Modules', commandstats: 'Commandstats',
  errorstats: 'Errorstats', latencystats: 'Latencystats', cluster: 'Cluster', keyspace: 'Keyspace',
};

function sectionFields(node: RedisNode, section: string): Fields {
  switch (section) {
    case 'server': return serverSection(node);
    case 'clients': return clientsSection(node);
    case 'memory': return memorySection(node);
    case 'persistence': return persistenceSection(node);
    case 'stats': return statsSection(node);
    case 'replication': return replicationSection(node);
    case 'cpu': return cpuSection();
    case 'commandstats': return commandstatsSection(node);
    case 'errorstats': return errorstatsSection(node);
    case 'latencystats': return latencystatsSection(node);
    case 'cluster': return [['cluster_enabled', node.config.bool('cluster-enabled') ? 1 : 0]];
    case 'keyspace': return keyspaceSection(node);
    default: return [];
  }
}

/** The INFO text for the given section arguments. */
export function infoText(node: RedisNode, args: readonly ByteString[]): string {
  const parts: string[] = [];
  for (const section of selectSections(args)) {
    let text = `# ${SECTION_TITLES[section] ?? section}\r\n`;
    for (const [name, value] of sectionFields(node, section)) text += `${name}:${value}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}

export const infoCommands: CommandImpl[] = [
  cmd('info', (ctx: CommandContext, argv: ByteString[]) => {
    ctx.reply.verbatim(infoText(ctx.server, argv.slice(1)));
  }),
];
