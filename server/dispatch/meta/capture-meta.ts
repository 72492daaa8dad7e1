/**
 * Captures COMMAND INFO and COMMAND DOCS from a running real Redis 7.0 for the commands hashslot
 * implements, and writes them as a TypeScript data module (command-meta.generated.ts).
 *
 * Why captured and not hand-written: clients (ioredis, redis-cli, cluster proxies) read arity,
 * flags, key specs and docs from COMMAND, and any difference changes their behaviour. These are
 * facts about Redis's interface, kept as data; the dispatcher reads arity, flags and key
 * positions from the same data, so each command is declared exactly once.
 *
 * Usage (a dev tool, not run by the server):
 *   redis-server --port 16390 --save '' --enable-debug-command yes --cluster-enabled yes \
 *     --cluster-config-file /tmp/capture-nodes.conf &   (so DEBUG HELP and CLUSTER HELP are captured)
 *   node dist/server/commands/meta/capture-meta.js 16390 [output.ts]
 * Subcommands are kept only where hashslot implements them (IMPLEMENTED below lists them as
 * "container|sub").
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { decodeRespValue, type RespValue } from '../../../protocol/resp-value';

/** Every command hashslot implements; a container lists its implemented subcommands. */
export const IMPLEMENTED: readonly string[] = [
  // connection
  'ping', 'echo', 'quit', 'select', 'hello', 'auth', 'reset',
  'acl|setuser', 'acl|getuser', 'acl|deluser', 'acl|users', 'acl|list', 'acl|whoami', 'acl|cat', 'acl|dryrun',
  'acl|genpass', 'acl|log', 'acl|load', 'acl|save', 'acl|help',
  'client|id', 'client|setname', 'client|getname', 'client|list', 'client|info', 'client|kill',
  'client|no-evict', 'client|reply', 'client|pause', 'client|unpause', 'client|unblock', 'client|help',
  'client|tracking', 'client|caching', 'client|getredir', 'client|trackinginfo',
  'slowlog|get', 'slowlog|len', 'slowlog|reset', 'slowlog|help', 'monitor',
  'latency|latest', 'latency|history', 'latency|reset', 'latency|graph', 'latency|doctor', 'latency|histogram', 'latency|help',
  // server
  'info', 'config|get', 'config|set', 'config|resetstat', 'config|rewrite', 'config|help',
  'dbsize', 'flushdb', 'flushall', 'time', 'swapdb', 'shutdown', 'debug', 'lastsave',
  'module|list', 'module|load', 'module|loadex', 'module|unload', 'module|help',
  'object|encoding', 'object|refcount', 'object|idletime', 'object|freq', 'object|help',
  'memory|usage', 'memory|stats', 'memory|doctor', 'memory|purge', 'memory|malloc-stats', 'memory|help',
  'function|flush', 'function|list', 'function|dump', 'function|restore', 'function|load', 'function|delete', 'function|kill', 'function|stats', 'function|help', 'fcall', 'fcall_ro', 'command', 'command|count', 'command|info', 'command|docs', 'command|list',
  'command|getkeys', 'command|getkeysandflags', 'command|help',
  // keys
  'del', 'unlink', 'exists', 'type', 'rename', 'renamenx', 'copy', 'move', 'touch', 'keys', 'scan',
  'randomkey', 'expire', 'pexpire', 'expireat', 'pexpireat', 'ttl', 'pttl', 'expiretime',
  'pexpiretime', 'persist',
  // strings
  'get', 'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'getex', 'mget', 'mset', 'msetnx',
  'append', 'strlen', 'incr', 'decr', 'incrby', 'decrby', 'incrbyfloat', 'getrange', 'setrange',
  'substr', 'lcs',
  // cluster
  'asking', 'readonly', 'readwrite',
  'cluster|info', 'cluster|nodes', 'cluster|slots', 'cluster|shards', 'cluster|myid', 'cluster|keyslot',
  'cluster|countkeysinslot', 'cluster|getkeysinslot', 'cluster|meet', 'cluster|addslots', 'cluster|addslotsrange',
  'cluster|delslots', 'cluster|delslotsrange', 'cluster|flushslots', 'cluster|forget', 'cluster|replicate',
  'cluster|replicas', 'cluster|slaves', 'cluster|count-failure-reports', 'cluster|set-config-epoch',
  'cluster|bumpepoch', 'cluster|reset', 'cluster|saveconfig', 'cluster|links', 'cluster|help', 'cluster|setslot', 'cluster|failover',
  // replication
  'replicaof', 'slaveof', 'psync', 'sync', 'replconf', 'wait', 'role',
  // persistence
  'save', 'bgsave', 'bgrewriteaof', 'dump', 'restore', 'restore-asking', 'migrate',
  // transactions
  'multi', 'exec', 'discard', 'watch', 'unwatch',
  // hashes
  'hset', 'hsetnx', 'hget', 'hmget', 'hmset', 'hdel', 'hlen', 'hstrlen', 'hexists', 'hkeys', 'hvals',
  'hgetall', 'hincrby', 'hincrbyfloat', 'hrandfield', 'hscan',
  // sets
  'sadd', 'srem', 'scard', 'sismember', 'smismember', 'smembers', 'spop', 'srandmember', 'smove',
  'sinter', 'sintercard', 'sunion', 'sdiff', 'sinterstore', 'sunionstore', 'sdiffstore', 'sscan',
  // pub/sub
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'publish', 'ssubscribe', 'sunsubscribe',
  'spublish', 'pubsub|channels', 'pubsub|numsub', 'pubsub|numpat', 'pubsub|shardchannels',
  'pubsub|shardnumsub', 'pubsub|help',
  // lists
  'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lindex', 'lset', 'lrange', 'ltrim',
  'lrem', 'linsert', 'lpos', 'lmove', 'rpoplpush', 'lmpop',
  'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop',
  // sorted sets
  'zadd', 'zincrby', 'zrem', 'zremrangebyrank', 'zremrangebyscore', 'zremrangebylex', 'zscore', 'zmscore',
  'zcard', 'zcount', 'zlexcount', 'zrank', 'zrevrank', 'zrandmember', 'zscan', 'zrange', 'zrangestore',
  'zrevrange', 'zrangebyscore', 'zrevrangebyscore', 'zrangebylex', 'zrevrangebylex', 'zunion', 'zinter',
  'zdiff', 'zunionstore', 'zinterstore', 'zdiffstore', 'zintercard', 'zpopmin', 'zpopmax', 'zmpop',
  'bzpopmin', 'bzpopmax', 'bzmpop',
  // geo
  'geoadd', 'geodist', 'geohash', 'geopos', 'georadius', 'georadius_ro', 'georadiusbymember',
  'georadiusbymember_ro', 'geosearch', 'geosearchstore',
  // streams
  'xadd', 'xtrim', 'xdel', 'xlen', 'xrange', 'xrevrange', 'xsetid', 'xread', 'xreadgroup', 'xack',
  'xpending', 'xclaim', 'xautoclaim', 'xgroup|create', 'xgroup|setid', 'xgroup|destroy',
  'xgroup|createconsumer', 'xgroup|delconsumer', 'xgroup|help', 'xinfo|stream', 'xinfo|groups',
  'xinfo|consumers', 'xinfo|help',
  // bitmaps
  'setbit', 'getbit', 'bitcount', 'bitpos', 'bitop', 'bitfield', 'bitfield_ro',
  // hyperloglog
  'pfadd', 'pfcount', 'pfmerge', 'pfdebug', 'pfselftest',
  // sort
  'sort', 'sort_ro',
  // scripting
  'eval', 'evalsha', 'eval_ro', 'evalsha_ro',
  'script|load', 'script|exists', 'script|flush', 'script|kill', 'script|help',
];

function topLevelNames(): string[] {
  return [...new Set(IMPLEMENTED.map((n) => n.split('|')[0] as string))];
}

async function query(port: number, argv: string[]): Promise<RespValue> {
  const socket = net.connect(port, '127.0.0.1');
  const encode = (args: string[]): string =>
    `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');
  socket.write(encode(['HELLO', '3']) + encode(argv));
  let buf = Buffer.alloc(0);
  for await (const chunk of socket) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    const hello = decodeRespValue(buf, 0);
    if (hello === null) continue;
    const reply = decodeRespValue(buf, hello[1]);
    if (reply === null) continue;
    socket.destroy();
    return reply[0];
  }
  throw new Error('connection closed before the reply');
}

/** Removes subcommands hashslot does not implement from a COMMAND INFO / DOCS entry. */
function keepImplementedSubcommands(name: string, info: RespValue): RespValue {
  if (!Array.isArray(info) || info.length < 10) return info;
  const subs = info[9];
  if (!Array.isArray(subs)) return info;
  const kept = subs.filter((s) => Array.isArray(s) && IMPLEMENTED.includes(String(s[0])));
  void name;
  return [...info.slice(0, 9), kept];
}

function keepImplementedDocs(docs: RespValue): RespValue {
  if (docs === null || typeof docs !== 'object' || Array.isArray(docs) || !('%' in docs)) return docs;
  const fields = docs['%'];
  const out: RespValue[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const key = fields[i] as RespValue;
    let value = fields[i + 1] as RespValue;
    if (key === 'subcommands' && value !== null && typeof value === 'object' && '%' in value) {
      const subs = value['%'];
      const kept: RespValue[] = [];
      for (let j = 0; j < subs.length; j += 2) {
        if (IMPLEMENTED.includes(String(subs[j]))) kept.push(subs[j] as RespValue, subs[j + 1] as RespValue);
      }
      value = { '%': kept };
    }
    out.push(key, value);
  }
  return { '%': out };
}

/** One command per line: readable diffs when the capture is regenerated. */
function asModuleObject(entries: Record<string, RespValue>): string {
  const lines = Object.entries(entries).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  return `{\n${lines.join('\n')}\n}`;
}

/** Every command Redis lists that `info` (what hashslot implements) lacks: name -> categories. */
async function commandsOnlyNamedByAcl(port: number, info: Record<string, RespValue>): Promise<Record<string, RespValue>> {
  const all = await query(port, ['COMMAND', 'INFO']);
  const out: Record<string, RespValue> = {};
  if (!Array.isArray(all)) throw new Error('no COMMAND INFO reply');
  const entries = all.filter((e): e is RespValue[] => Array.isArray(e)).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  for (const entry of entries) {
    const name = String(entry[0]);
    const implemented = name in info;
    if (!implemented) out[name] = entry[6] ?? null;
    const subs = entry[9];
    if (!Array.isArray(subs)) continue;
    const sorted = subs.filter((s): s is RespValue[] => Array.isArray(s)).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    for (const sub of sorted) if (!IMPLEMENTED.includes(String(sub[0]))) out[String(sub[0])] = sub[6] ?? null;
  }
  return out;
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 6379);
  const names = topLevelNames();
  const info: Record<string, RespValue> = {};
  const docs: Record<string, RespValue> = {};
  for (const name of names) {
    const i = await query(port, ['COMMAND', 'INFO', name]);
    if (!Array.isArray(i) || !Array.isArray(i[0])) throw new Error(`no COMMAND INFO for ${name}`);
    info[name] = keepImplementedSubcommands(name, i[0]);
    const d = await query(port, ['COMMAND', 'DOCS', name]);
    if (d === null || typeof d !== 'object' || Array.isArray(d) || !('%' in d)) {
      throw new Error(`no COMMAND DOCS for ${name}`);
    }
    docs[name] = keepImplementedDocs(d['%'][1] as RespValue);
  }
  const aclOnly = await commandsOnlyNamedByAcl(port, info);
  const help: Record<string, RespValue> = {};
  for (const container of ['acl', 'client', 'config', 'object', 'memory', 'slowlog', 'latency', 'debug', 'command', 'function', 'cluster', 'pubsub', 'xgroup', 'xinfo', 'module']) {
    help[container] = await query(port, [container, 'HELP']);
  }
  const out =
    process.argv[3] ?? path.resolve(__dirname, '../../../../server/dispatch/meta/command-meta.generated.ts');
  const body =
    `/* Generated by capture-meta.ts from a real Redis 7.0.15: COMMAND INFO and COMMAND DOCS */\n` +
    `/* for the commands hashslot implements. Data, not code; regenerate rather than edit. */\n` +
    `import type { RespValue } from '../../../protocol/resp-value';\n\n` +
    `export const COMMAND_INFO: Record<string, RespValue> = ${asModuleObject(info)};\n\n` +
    `export const COMMAND_DOCS: Record<string, RespValue> = ${asModuleObject(docs)};\n\n` +
    `/** The replies of CLIENT HELP, CONFIG HELP, ...: the container's usage text. */\n` +
    `export const HELP_REPLIES: Record<string, RespValue> = ${asModuleObject(help)};\n\n` +
    `/**\n * Commands and subcommands Redis has and hashslot does not run, with their ACL categories:\n` +
    ` * ACL rules may name them and count them (server/acl/acl-commands.ts), as Redis does.\n */\n` +
    `export const ACL_ONLY_COMMANDS: Record<string, RespValue> = ${asModuleObject(aclOnly)};\n`;
  fs.writeFileSync(out, body);
  console.log(`wrote ${names.length} commands to ${out}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
