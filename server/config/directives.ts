/**
 * The table of every configuration directive redis-server 7.0.15 accepts, declared once.
 *
 * Each entry gives the canonical name, its aliases (old `slave-*` names and the pre-listpack
 * `ziplist` names, answered by CONFIG GET under their own name), the value codec, the default
 * exactly as `CONFIG GET` prints it on a freshly started 7.0.15, and whether CONFIG SET may
 * change it. Names, defaults, ranges, enum choices and mutability were all read off a real
 * server: `CONFIG GET *`, then CONFIG SET of each name to its own value (immutable and
 * protected ones refuse) and to out-of-range values (the error states the range).
 *
 * The value types flow from the table into Config's accessors: `ValueOf<'port'>` is `number`,
 * `ValueOf<'loglevel'>` is the union of its four levels, and so on. Many directives are only
 * stored (tls-*, lazyfree-*, ...): a script written for redis-server that sets them still works
 * and CONFIG GET answers like Redis, even where hashslot has no such feature.
 */
import {
  type Codec, boolCodec, intCodec, memoryCodec, enumCodec, stringCodec, octalCodec, dirCodec,
  memoryOrPercentCodec, INT_MIN, INT_MAX, UINT_MAX, LLONG_MAX, ULLONG_MAX,
} from './codecs';
import {
  saveCodec, bindCodec, clientBufferLimitCodec, oomScoreAdjValuesCodec, percentilesCodec,
  notifyKeyspaceEventsCodec, replicaofCodec, hostnameCodec,
} from './special-codecs';

export interface Directive<N extends string = string, T = unknown> {
  readonly name: N;
  /** Other names for the same setting; CONFIG GET answers under the name asked for. */
  readonly aliases: readonly string[];
  readonly codec: Codec<T>;
  /** The default as CONFIG GET prints it; parsed through the codec to build the value. */
  readonly defaultText: string;
  /** CONFIG SET refuses with "can't set immutable config". */
  readonly immutable: boolean;
  /** CONFIG SET refuses with "can't set protected config" unless enable-protected-configs. */
  readonly protectedConfig: boolean;
  /** Left out of `CONFIG GET *` but answered when asked for by exact name (test knobs). */
  readonly hidden: boolean;
  /** CONFIG REWRITE writes it even at its default (dir, latency-tracking-info-percentiles). */
  readonly forceRewrite: boolean;
  /** Adjusts a parsed value the way Redis silently does (hz to 1..500, ...). */
  clamp?(value: T, source: 'file' | 'set'): T;
}

interface Options<T> {
  aliases?: readonly string[];
  immutable?: boolean;
  protectedConfig?: boolean;
  hidden?: boolean;
  forceRewrite?: boolean;
  clamp?: (value: T, source: 'file' | 'set') => T;
}

function def<N extends string, T>(name: N, codec: Codec<T>, defaultText: string, o: Options<T> = {}): Directive<N, T> {
  const d: Directive<N, T> = {
    name, codec, defaultText,
    aliases: o.aliases ?? [],
    immutable: o.immutable ?? false,
    protectedConfig: o.protectedConfig ?? false,
    hidden: o.hidden ?? false,
    forceRewrite: o.forceRewrite ?? false,
  };
  return o.clamp === undefined ? d : { ...d, clamp: o.clamp };
}

const bool = <N extends string>(name: N, dflt: boolean, o?: Options<boolean>): Directive<N, boolean> =>
  def(name, boolCodec, dflt ? 'yes' : 'no', o);
const int = <N extends string>(name: N, min: bigint, max: bigint, dflt: number, o?: Options<number>): Directive<N, number> =>
  def(name, intCodec(min, max), String(dflt), o);
const mem = <N extends string>(name: N, min: bigint, max: bigint, dflt: number, o?: Options<number>): Directive<N, number> =>
  def(name, memoryCodec(min, max), String(dflt), o);
const enm = <N extends string, V extends string>(name: N, values: readonly V[], dflt: V, o?: Options<V>): Directive<N, V> =>
  def(name, enumCodec(values), dflt, o);
const str = <N extends string>(name: N, dflt: string, o?: Options<string>): Directive<N, string> =>
  def(name, stringCodec, dflt, o);

const IMMUTABLE = { immutable: true } as const;
const LL = LLONG_MAX;
const YES_NO_LOCAL = ['no', 'yes', 'local'] as const;
const SHUTDOWN = ['default', 'save', 'nosave', 'now', 'force'] as const;
const MAX_HZ = 500;

export const DIRECTIVES = [
  // --- network and process -----------------------------------------------------------------
  int('port', 0n, 65535n, 6379),
  def('bind', bindCodec, '* -::*'),
  str('bind-source-addr', ''),
  bool('protected-mode', true),
  int('tcp-backlog', 0n, INT_MAX, 511, IMMUTABLE),
  str('unixsocket', '', IMMUTABLE),
  def('unixsocketperm', octalCodec, '0', IMMUTABLE),
  int('timeout', 0n, INT_MAX, 0),
  int('tcp-keepalive', 0n, INT_MAX, 300),
  int('socket-mark-id', 0n, UINT_MAX, 0, IMMUTABLE),
  int('maxclients', 1n, UINT_MAX, 10000),
  bool('daemonize', false, IMMUTABLE),
  enm('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', IMMUTABLE),
  str('pidfile', '', IMMUTABLE),
  enm('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice'),
  str('logfile', '', IMMUTABLE),
  bool('syslog-enabled', false, IMMUTABLE),
  str('syslog-ident', 'redis', IMMUTABLE),
  enm('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', IMMUTABLE),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  int('databases', 1n, INT_MAX, 16, IMMUTABLE),
  bool('always-show-logo', false, IMMUTABLE),
  bool('set-proc-title', true, IMMUTABLE),
  str('proc-title-template', '{title} {listen-addr} {server-mode}'),
  str('ignore-warnings', ''),
  bool('disable-thp', true, IMMUTABLE),
  int('io-threads', 1n, 128n, 1, IMMUTABLE),
  bool('io-threads-do-reads', false, IMMUTABLE),
  str('server_cpulist', '', IMMUTABLE),
  str('bio_cpulist', '', IMMUTABLE),
  str('aof_rewrite_cpulist', '', IMMUTABLE),
  str('bgsave_cpulist', '', IMMUTABLE),
  int('hz', 0n, INT_MAX, 10, { clamp: (v) => Math.min(Math.max(v, 1), MAX_HZ) }),
  bool('dynamic-hz', true),
  bool('jemalloc-bg-thread', true),
  // "relative" is another name for yes: Redis keeps one value for both and prints "yes".
  enm('oom-score-adj', ['no', 'yes', 'relative', 'absolute'], 'no', { clamp: (v) => (v === 'relative' ? 'yes' : v) }),
  def('oom-score-adj-values', oomScoreAdjValuesCodec, '0 200 800'),
  enm('shutdown-on-sigint', SHUTDOWN, 'default'),
  enm('shutdown-on-sigterm', SHUTDOWN, 'default'),
  int('shutdown-timeout', 0n, INT_MAX, 10),
  // --- security ------------------------------------------------------------------------------
  str('requirepass', ''),
  str('aclfile', '', IMMUTABLE),
  int('acllog-max-len', 0n, LL, 128),
  enm('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels'),
  enm('enable-protected-configs', YES_NO_LOCAL, 'no', IMMUTABLE),
  enm('enable-debug-command', YES_NO_LOCAL, 'no', IMMUTABLE),
  enm('enable-module-command', YES_NO_LOCAL, 'no', IMMUTABLE),
  enm('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no'),
  // --- clients and protocol ------------------------------------------------------------------
  mem('client-query-buffer-limit', 1048576n, LL, 1073741824),
  mem('proto-max-bulk-len', 1048576n, LL, 536870912),
  def('client-output-buffer-limit', clientBufferLimitCodec,
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'),
  def('maxmemory-clients', memoryOrPercentCodec, '0'),
  int('tracking-table-max-keys', 0n, LL, 1000000),
  int('busy-reply-threshold', 0n, LL, 5000, { aliases: ['lua-time-limit'] }),
  // --- memory and eviction -------------------------------------------------------------------
  mem('maxmemory', 0n, ULLONG_MAX, 0),
  enm('maxmemory-policy', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl',
    'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], 'noeviction'),
  int('maxmemory-samples', 1n, INT_MAX, 5),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10),
  int('lfu-log-factor', 0n, INT_MAX, 10),
  int('lfu-decay-time', 0n, INT_MAX, 1),
  int('active-expire-effort', 1n, 10n, 1),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('activerehashing', true),
  bool('activedefrag', false),
  mem('active-defrag-ignore-bytes', 1n, LL, 104857600),
  int('active-defrag-threshold-lower', 0n, 1000n, 10),
  int('active-defrag-threshold-upper', 0n, 1000n, 100),
  int('active-defrag-cycle-min', 1n, 99n, 1),
  int('active-defrag-cycle-max', 1n, 99n, 25),
  int('active-defrag-max-scan-fields', 1n, LL, 1000),
  // --- encodings -----------------------------------------------------------------------------
  int('hash-max-listpack-entries', 0n, LL, 512, { aliases: ['hash-max-ziplist-entries'] }),
  mem('hash-max-listpack-value', 0n, LL, 64, { aliases: ['hash-max-ziplist-value'] }),
  int('list-max-listpack-size', INT_MIN, INT_MAX, -2, { aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', 0n, INT_MAX, 0),
  int('set-max-intset-entries', 0n, LL, 512),
  int('zset-max-listpack-entries', 0n, LL, 128, { aliases: ['zset-max-ziplist-entries'] }),
  mem('zset-max-listpack-value', 0n, LL, 64, { aliases: ['zset-max-ziplist-value'] }),
  mem('hll-sparse-max-bytes', 0n, LL, 3000),
  mem('stream-node-max-bytes', 0n, LL, 4096),
  int('stream-node-max-entries', 0n, LL, 100),
  // --- persistence ---------------------------------------------------------------------------
  def('save', saveCodec, '3600 1 300 100 60 10000'),
  def('dir', dirCodec, '.', { protectedConfig: true, forceRewrite: true }),
  str('dbfilename', 'dump.rdb', { protectedConfig: true }),
  bool('stop-writes-on-bgsave-error', true),
  bool('rdbcompression', true),
  bool('rdbchecksum', true, IMMUTABLE),
  bool('rdb-del-sync-files', false),
  bool('rdb-save-incremental-fsync', true),
  bool('appendonly', false),
  str('appendfilename', 'appendonly.aof', IMMUTABLE),
  str('appenddirname', 'appendonlydir', IMMUTABLE),
  enm('appendfsync', ['everysec', 'always', 'no'], 'everysec'),
  bool('no-appendfsync-on-rewrite', false),
  int('auto-aof-rewrite-percentage', 0n, INT_MAX, 100),
  mem('auto-aof-rewrite-min-size', 0n, LL, 67108864),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('aof-timestamp-enabled', false),
  bool('aof-disable-auto-gc', false),
  // --- replication ---------------------------------------------------------------------------
  def('replicaof', replicaofCodec, '', { aliases: ['slaveof'], immutable: true }),
  str('masterauth', ''),
  str('masteruser', ''),
  bool('replica-serve-stale-data', true, { aliases: ['slave-serve-stale-data'] }),
  bool('replica-read-only', true, { aliases: ['slave-read-only'] }),
  bool('replica-ignore-maxmemory', true, { aliases: ['slave-ignore-maxmemory'] }),
  bool('replica-lazy-flush', false, { aliases: ['slave-lazy-flush'] }),
  int('replica-priority', 0n, INT_MAX, 100, { aliases: ['slave-priority'] }),
  str('replica-announce-ip', '', { aliases: ['slave-announce-ip'] }),
  int('replica-announce-port', 0n, 65535n, 0, { aliases: ['slave-announce-port'] }),
  bool('replica-announced', true),
  bool('replica-ignore-disk-write-errors', false),
  int('repl-ping-replica-period', 1n, INT_MAX, 10, { aliases: ['repl-ping-slave-period'] }),
  int('repl-timeout', 1n, INT_MAX, 60),
  bool('repl-disable-tcp-nodelay', false),
  mem('repl-backlog-size', 1n, LL, 1048576, { clamp: (v, source) => (source === 'set' ? Math.max(v, 16384) : v) }),
  int('repl-backlog-ttl', 0n, LL, 3600),
  bool('repl-diskless-sync', true),
  int('repl-diskless-sync-delay', 0n, INT_MAX, 5),
  int('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0),
  enm('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled'),
  int('min-replicas-to-write', 0n, INT_MAX, 0, { aliases: ['min-slaves-to-write'] }),
  int('min-replicas-max-lag', 0n, INT_MAX, 10, { aliases: ['min-slaves-max-lag'] }),
  enm('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore'),
  // --- cluster -------------------------------------------------------------------------------
  bool('cluster-enabled', false, IMMUTABLE),
  str('cluster-config-file', 'nodes.conf', IMMUTABLE),
  int('cluster-port', 0n, 65535n, 0, IMMUTABLE),
  int('cluster-node-timeout', 0n, LL, 15000),
  int('cluster-replica-validity-factor', 0n, INT_MAX, 10, { aliases: ['cluster-slave-validity-factor'] }),
  int('cluster-migration-barrier', 0n, INT_MAX, 1),
  bool('cluster-allow-replica-migration', true),
  bool('cluster-require-full-coverage', true),
  bool('cluster-replica-no-failover', false, { aliases: ['cluster-slave-no-failover'] }),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  str('cluster-announce-ip', ''),
  def('cluster-announce-hostname', hostnameCodec, ''),
  int('cluster-announce-port', 0n, 65535n, 0),
  int('cluster-announce-bus-port', 0n, 65535n, 0),
  int('cluster-announce-tls-port', 0n, 65535n, 0),
  enm('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip'),
  mem('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0),
  // --- monitoring ----------------------------------------------------------------------------
  def('notify-keyspace-events', notifyKeyspaceEventsCodec, ''),
  int('slowlog-log-slower-than', -1n, LL, 10000),
  int('slowlog-max-len', 0n, LL, 128),
  int('latency-monitor-threshold', 0n, LL, 0),
  bool('latency-tracking', true),
  def('latency-tracking-info-percentiles', percentilesCodec, '50 99 99.9', { forceRewrite: true }),
  // --- tls (stored only) ---------------------------------------------------------------------
  int('tls-port', 0n, 65535n, 0),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', ''),
  str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''),
  str('tls-client-key-file-pass', ''),
  str('tls-dh-params-file', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  int('tls-session-cache-size', 0n, INT_MAX, 20480),
  int('tls-session-cache-timeout', 0n, INT_MAX, 300),
  enm('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),
  bool('tls-replication', false),
  bool('tls-cluster', false),
  // --- hidden test knobs (answered by exact name only) ----------------------------------------
  int('key-load-delay', INT_MIN, INT_MAX, 0, { hidden: true }),
  int('rdb-key-save-delay', INT_MIN, INT_MAX, 0, { hidden: true }),
  int('loading-process-events-interval-bytes', 1024n, INT_MAX, 2097152, { hidden: true }),
] as const;

/** Every canonical directive name. */
export type DirectiveName = (typeof DIRECTIVES)[number]['name'];
type DirectiveEntry = (typeof DIRECTIVES)[number];

/** The typed value of a directive: `ValueOf<'port'>` is number, `ValueOf<'bind'>` string[]... */
export type ValueOf<N extends DirectiveName> =
  Extract<DirectiveEntry, { name: N }> extends Directive<N, infer T> ? T : never;

type NamesWhere<V> = { [N in DirectiveName]: [ValueOf<N>] extends [V] ? N : never }[DirectiveName];
export type BoolDirective = NamesWhere<boolean>;
export type NumberDirective = NamesWhere<number>;
export type StringDirective = NamesWhere<string>;

/**
 * Directives a config file may contain that are not settings: `include` is handled by the file
 * reader; the others are accepted and kept for the parts of the server that own them.
 * Deprecated names are accepted and ignored, as 7.0 does.
 */
export const DEPRECATED_DIRECTIVES: ReadonlySet<string> = new Set([
  'list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands',
]);

/** Lookup by canonical name or alias, lower-cased. */
export const DIRECTIVE_BY_NAME: ReadonlyMap<string, Directive> = (() => {
  const m = new Map<string, Directive>();
  for (const d of DIRECTIVES) {
    m.set(d.name, d);
    for (const a of d.aliases) m.set(a, d);
  }
  return m;
})();

export function findDirective(name: string): Directive | undefined {
  return DIRECTIVE_BY_NAME.get(name.toLowerCase());
}
