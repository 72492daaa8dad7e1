/*
 * Shared by aof-base-commands.test.ts: the datasets whose AOF base files are compared, reading a
 * base file back into commands, grouping them by key, and a per-key record of a dataset (every
 * key's type, encoding, digest, deadline and contents) to compare a dataset after loading.
 *
 * Each case builds keys no other case uses, so the cases can also be run all together as one
 * dataset. `order: 'any'` marks a case whose SADD/HMSET/ZADD items Redis writes in its hash
 * table's order: those are compared as the sequence of command sizes plus the sorted items.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Arg } from '../../bench/harness/resp';
import { parseReply, type RespNode, escapeBytes } from '../../bench/harness/resp';
import type { RawClient } from '../../bench/harness/raw-client';
import { call } from './aof-helpers';

export interface BaseCase {
  name: string;
  commands: Arg[][];
  /** Redis writes this key's container items in its hash table's order. */
  order?: 'any';
  /**
   * A skiplist sorted set with -0 scores: whether Redis's own file keeps them depends on its
   * dict's order (aof-rewrite-commands.ts, sortedSetItems), so its own round trip is not compared.
   */
  redisMayLoseNegativeZero?: true;
}

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
/** 0..n-1 in a scrambled but fixed order. */
const scrambled = (n: number): number[] => range(n, (i) => String((i * 37) % n)).map(Number);

const EDGE_SCORES = [
  '0.1', 'a', '1e-300', 'b', 'inf', 'c', '-inf', 'd', '3', 'e', '-0', 'f', '1.5', 'g', '12345678901234567', 'h',
  '5e-324', 'i', '1.7976931348623157e308', 'j', '1e21', 'k', '1e17', 'l', '1e16', 'm', '0.000001', 'n', '1e-5', 'o',
  '-1.5e-7', 'p', '123456.789', 'q',
];

export const DATA_CASES: BaseCase[] = [
  { name: 'a string', commands: [['SET', 's', 'hello']] },
  { name: 'an integer string', commands: [['SET', 'n', '12345'], ['INCRBY', 'n', '-99999']] },
  { name: 'a float string', commands: [['SET', 'fl', '3'], ['INCRBYFLOAT', 'fl', '0.1']] },
  { name: 'a binary key and value', commands: [['SET', Buffer.from('k\r\n\x00\xff', 'latin1'), Buffer.from('v\x00\r\n$*\xfe', 'latin1')]] },
  { name: 'an empty string', commands: [['SET', 'empty', '']] },
  { name: 'a 100 KB string', commands: [['SET', 'big', 'x'.repeat(100_000)]] },
  { name: 'a string with a deadline', commands: [['SET', 'ttl', 'v'], ['PEXPIREAT', 'ttl', '4102444800000']] },
  { name: 'a list', commands: [['RPUSH', 'l', 'a', '1', '-2', '3.5', 'b', '9223372036854775807', '-9223372036854775808', '']] },
  { name: 'a list of 200 (64 per RPUSH)', commands: [['RPUSH', 'l200', ...range(200, (i) => (i % 3 === 0 ? String(i) : `e${i}`))], ['LPOP', 'l200']] },
  { name: 'a list of 10 KB elements (several quicklist nodes)', commands: [['RPUSH', 'lbig', ...range(5, (i) => String(i).repeat(10_000))]] },
  { name: 'a list with a deadline', commands: [['RPUSH', 'lttl', 'x'], ['PEXPIREAT', 'lttl', '4102444800123']] },
  { name: 'an intset, ascending', commands: [['SADD', 'iset', '3', '-5', '1', '2', '9223372036854775807', '-9223372036854775808']] },
  { name: 'an intset of 200 (64 per SADD)', commands: [['SADD', 'iset200', ...scrambled(200).map((i) => String(i * 1000 - 50_000))]] },
  { name: 'a set of one string', commands: [['SADD', 'sset', 'member']] },
  { name: 'a hash-table set of 200', order: 'any', commands: [['SADD', 'sset200', ...range(200, (i) => `m${i}`)]] },
  { name: 'a listpack sorted set with edge scores', commands: [['ZADD', 'zl', ...EDGE_SCORES]] },
  {
    name: 'a skiplist sorted set of 200 with edge scores',
    order: 'any',
    commands: [
      ['ZADD', 'zs', ...range(200, (i) => [String(i / 7), `m${i}`]).flat()],
      // Without -0: whether Redis's own file keeps it in a skiplist is chance (see zneg).
      ['ZADD', 'zs', ...EDGE_SCORES.filter((_, i, all) => all[i - (i % 2)] !== '-0')],
    ],
  },
  {
    name: 'a skiplist sorted set of a long member and -0 scores',
    order: 'any',
    redisMayLoseNegativeZero: true,
    commands: [['ZADD', 'zneg', '1', 'y'.repeat(100)], ['ZADD', 'zneg', '-0', 'a', '-0', 'b', '2', 'c', '0', 'd']],
  },
  {
    name: 'a skiplist sorted set of 200 with -0 scores',
    order: 'any',
    redisMayLoseNegativeZero: true,
    commands: [['ZADD', 'zneg200', ...range(200, (i) => [String(i - 100), `m${i}`]).flat()], ['ZADD', 'zneg200', '-0', 'n1', '-0', 'n2']],
  },
  { name: 'a skiplist sorted set of one long member', commands: [['ZADD', 'zlong', '-0', 'y'.repeat(100)]] },
  { name: 'a listpack hash, insertion order after a delete', commands: [['HSET', 'h', 'f1', 'v1', 'f2', '123', 'f3', '-7'], ['HDEL', 'h', 'f2'], ['HSET', 'h', 'f4', '', 'f1', 'new']] },
  { name: 'a hash of one long value', commands: [['HSET', 'hlong', 'f', 'z'.repeat(100)]] },
  { name: 'a hash-table hash of 200', order: 'any', commands: [['HSET', 'h200', ...range(200, (i) => [`f${i}`, String(i)]).flat()]] },
  { name: 'a stream with a deleted entry', commands: [['XADD', 'x', '1-1', 'a', '1', 'b', '2'], ['XADD', 'x', '2-1', 'a', '3', 'b', '4'], ['XADD', 'x', '3-0', 'c', '5'], ['XDEL', 'x', '2-1']] },
  { name: 'a stream whose entries are all deleted', commands: [['XADD', 'xdel', '5-5', 'f', 'v'], ['XDEL', 'xdel', '5-5']] },
  { name: 'an empty stream from XGROUP CREATE MKSTREAM', commands: [['XGROUP', 'CREATE', 'xmk', 'g', '$', 'MKSTREAM']] },
  { name: 'a stream trimmed by MAXLEN', commands: range(10, (i) => i).map((i) => ['XADD', 'xtrim', 'MAXLEN', '3', `${i + 1}-0`, 'f', String(i)]) },
  { name: 'a stream at the top of the ID range', commands: [['XADD', 'xtop', '18446744073709551615-18446744073709551614', 'f', 'v'], ['XADD', 'xtop', '18446744073709551615-18446744073709551615', 'g', 'w']] },
  {
    name: 'a stream with groups, consumers, pending entries',
    commands: [
      ...range(6, (i) => ['XADD', 'xg', `${i + 1}-0`, 'f', String(i)]),
      ['XGROUP', 'CREATE', 'xg', 'g0', '$'],
      ['XGROUP', 'CREATE', 'xg', 'g1', '0'],
      ['XGROUP', 'CREATE', 'xg', 'g2', '2-0', 'ENTRIESREAD', '2'],
      ['XGROUP', 'CREATECONSUMER', 'xg', 'g1', 'idle'],
      ['XREADGROUP', 'GROUP', 'g1', 'c1', 'COUNT', '2', 'STREAMS', 'xg', '>'],
      ['XREADGROUP', 'GROUP', 'g1', 'c2', 'COUNT', '2', 'STREAMS', 'xg', '>'],
      ['XCLAIM', 'xg', 'g1', 'c1', '0', '3-0', 'TIME', '1700000000000', 'RETRYCOUNT', '7', 'JUSTID'],
      ['XACK', 'xg', 'g1', '2-0'],
      // Delivery times of the servers' own clocks would differ: every pending entry gets a fixed one.
      ['XCLAIM', 'xg', 'g1', 'c1', '0', '1-0', 'TIME', '1700000000002', 'JUSTID'],
      ['XCLAIM', 'xg', 'g1', 'c2', '0', '4-0', 'TIME', '1700000000003', 'RETRYCOUNT', '0', 'JUSTID'],
      ['XREADGROUP', 'GROUP', 'g2', 'b', 'COUNT', '1', 'STREAMS', 'xg', '>'],
      ['XCLAIM', 'xg', 'g2', 'b', '0', '3-0', 'TIME', '1700000000001', 'RETRYCOUNT', '1', 'JUSTID'],
    ],
  },
  {
    name: 'a pending entry whose stream entry was deleted',
    commands: [
      ['XADD', 'xorphan', '1-0', 'f', 'v'], ['XADD', 'xorphan', '2-0', 'f', 'w'],
      ['XGROUP', 'CREATE', 'xorphan', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'xorphan', '>'],
      ['XCLAIM', 'xorphan', 'g', 'c', '0', '1-0', '2-0', 'TIME', '1700000000000', 'RETRYCOUNT', '2', 'JUSTID'],
      ['XDEL', 'xorphan', '1-0'],
    ],
  },
  { name: 'a stream with a deadline', commands: [['XADD', 'xttl', '1-0', 'f', 'v'], ['PEXPIREAT', 'xttl', '4102444800000']] },
  { name: 'a key in db 9', commands: [['SELECT', '9'], ['SET', 'db9', 'nine'], ['SELECT', '0']] },
];

/** The base file the manifest names, or null when there is none. */
export function readBase(dir: string): Buffer | null {
  const aofDir = path.join(dir, 'appendonlydir');
  const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
  const name = /^file (\S+) seq \d+ type b$/m.exec(manifest)?.[1];
  return name === undefined ? null : fs.readFileSync(path.join(aofDir, name));
}

/** The commands (and #-annotations, as one-element lists) of a base file without preamble. */
export function parseCommands(buf: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  let i = 0;
  const line = (): string => {
    const end = buf.indexOf('\r\n', i);
    if (end < 0) throw new Error(`no CRLF after offset ${i}`);
    const text = buf.toString('latin1', i, end);
    i = end + 2;
    return text;
  };
  while (i < buf.length) {
    const header = line();
    if (header.startsWith('#')) {
      out.push([Buffer.from(header, 'latin1')]);
      continue;
    }
    if (!header.startsWith('*')) throw new Error(`not a multibulk: ${header}`);
    const argv: Buffer[] = [];
    for (let n = Number(header.slice(1)); n > 0; n--) {
      const len = Number(line().slice(1));
      argv.push(buf.subarray(i, i + len));
      i += len + 2;
    }
    out.push(argv);
  }
  return out;
}

const show = (argv: readonly Buffer[]): string => argv.map((a) => (a.length > 200 ? `<${a.length} bytes ${escapeBytes(a.subarray(0, 20))}...>` : escapeBytes(a))).join(' ');

/** The key a rewrite command is about. */
function keyOf(argv: readonly Buffer[]): string {
  const name = argv[0]?.toString('latin1') ?? '';
  return escapeBytes((name === 'XGROUP' ? argv[2] : argv[1]) ?? Buffer.alloc(0));
}

const UNORDERED_COMMANDS = new Set(['SADD', 'HMSET', 'ZADD']);

/**
 * db/key → its commands as text, in order. For a key in `unorderedKeys`, its SADD/HMSET/ZADD
 * items are pooled and sorted (pairs kept together) after the list of command sizes.
 */
export function keyGroups(commands: readonly Buffer[][], unorderedKeys: ReadonlySet<string>): Map<string, string> {
  const groups = new Map<string, string[]>();
  const pooled = new Map<string, string[]>();
  let db = '?';
  for (const argv of commands) {
    const name = argv[0]?.toString('latin1') ?? '';
    if (name === 'SELECT') {
      db = argv[1]?.toString('latin1') ?? '?';
      continue;
    }
    if (argv.length === 1 || name === 'FUNCTION') continue;
    const key = keyOf(argv);
    const id = `db${db} ${key}`;
    let lines = groups.get(id);
    if (lines === undefined) groups.set(id, (lines = []));
    if (unorderedKeys.has(key) && UNORDERED_COMMANDS.has(name)) {
      const width = name === 'SADD' ? 1 : 2;
      lines.push(`${name} ${key} <${(argv.length - 2) / width} items>`);
      let items = pooled.get(id);
      if (items === undefined) pooled.set(id, (items = []));
      for (let i = 2; i < argv.length; i += width) items.push(show(argv.slice(i, i + width)));
      continue;
    }
    lines.push(show(argv));
  }
  const out = new Map<string, string>();
  for (const [id, lines] of groups) out.set(id, [...lines, ...(pooled.get(id)?.sort() ?? [])].join('\n'));
  return out;
}

/** A reply as text, the value after each `seen-time` replaced (the loader's clock sets it). */
function render(node: RespNode, sort = false): string {
  if (node.items.length === 0) return escapeBytes(node.raw);
  const items: string[] = [];
  for (let i = 0; i < node.items.length; i++) {
    const item = node.items[i] as RespNode;
    items.push(render(item));
    if (item.text.toString('latin1') === 'seen-time' && i + 1 < node.items.length) {
      items.push('<time>');
      i++;
    }
  }
  if (sort) items.sort();
  return `[${items.join(', ')}]`;
}

async function reply(client: RawClient, argv: Arg[], sort = false): Promise<string> {
  return render(parseReply(Buffer.from(await call(client, ...argv), 'latin1')), sort);
}

/** HGETALL's field/value pairs, sorted. */
async function fieldPairs(client: RawClient, key: Buffer): Promise<string> {
  const items = parseReply(Buffer.from(await call(client, 'HGETALL', key), 'latin1')).items.map((n) => escapeBytes(n.text));
  const pairs: string[] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push(`${items[i] ?? ''}=${items[i + 1] ?? ''}`);
  return pairs.sort().join(' ');
}

/**
 * Every key of every db, each with TYPE, OBJECT ENCODING, DEBUG DIGEST-VALUE, PEXPIRETIME and
 * its contents (members and fields sorted: a hash table's order is the server's own), plus
 * FUNCTION LIST.
 */
export async function datasetRecord(client: RawClient): Promise<Map<string, string>> {
  const record = new Map<string, string>();
  record.set('FUNCTION LIST', await reply(client, ['FUNCTION', 'LIST', 'WITHCODE']));
  for (let db = 0; db < 16; db++) {
    await call(client, 'SELECT', String(db));
    const keys = parseReply(Buffer.from(await call(client, 'KEYS', '*'), 'latin1')).items.map((n) => n.text);
    for (const key of keys) {
      const type = (await call(client, 'TYPE', key)).trim().slice(1);
      const raw = async (...argv: Arg[]): Promise<string> => escapeBytes(Buffer.from(await call(client, ...argv), 'latin1'));
      const lines = [type, await raw('OBJECT', 'ENCODING', key), await raw('DEBUG', 'DIGEST-VALUE', key), await raw('PEXPIRETIME', key)];
      if (type === 'string') lines.push(await raw('GET', key));
      if (type === 'list') lines.push(await reply(client, ['LRANGE', key, '0', '-1']));
      if (type === 'set') lines.push(await reply(client, ['SMEMBERS', key], true));
      if (type === 'zset') lines.push(await reply(client, ['ZRANGE', key, '0', '-1', 'WITHSCORES']));
      if (type === 'hash') lines.push(await fieldPairs(client, key));
      if (type === 'stream') lines.push(await reply(client, ['XINFO', 'STREAM', key, 'FULL']), await reply(client, ['XINFO', 'GROUPS', key]));
      record.set(`db${db} ${escapeBytes(key)}`, lines.join('\n'));
    }
  }
  await call(client, 'SELECT', '0');
  return record;
}
