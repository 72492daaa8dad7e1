/*
 * Differential tests for the HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST), every reply compared byte for byte with a real redis-server.
 *
 * A sketch is a plain string, so most cases read its bytes back with GET or GETRANGE: the sparse
 * opcodes after each PFADD, the moment it turns dense (hll-sparse-max-bytes, tried at several
 * limits one element at a time), the cached count in bytes 8..15 and its "stale" bit, the result
 * of PFMERGE over sparse, dense and missing sources. Hand-made and corrupt sketches are in
 * hyperloglog-crafted.test.ts.
 *
 * What a command leaves behind is compared too: OBJECT ENCODING (every HLL command but the
 * several-key PFCOUNT leaves the string raw), INFO's rdb_changes_since_last_save (Redis's dirty
 * counter: one per raised register in PFADD, one for a PFCOUNT that refreshed its cache, one
 * for PFDEBUG's conversions), WATCH, keyspace events, and DUMP payloads moved between the two
 * servers in both directions.
 */

import t from 'tap';
import { check, dualRun, error, type Pair, type Step } from './harness';
import { inBothProtocols } from './random-picks';
import type { Comparator } from './compare';
import { escapeMultiline, type Arg } from '../../bench/harness/resp';
import { SYNC_MARKER_COMMAND, messagesUntilMarker, withKeyspaceEvents } from './keyspace-subscriber';
import { cache, changes, denseSketch, elements, sparseSketch, xzero } from './hll-strings';

const dual = dualRun(t);


inBothProtocols(dual, 'PFADD builds the same sparse bytes', [
  ['PFADD', 'h', 'a', 'b', 'c'],
  ['GET', 'h'],
  ['PFADD', 'h', 'a'],
  ['PFADD', 'h'],
  ['PFADD', 'new'],
  ['GET', 'new'],
  ['PFCOUNT', 'new'],
  ['PFADD', 'h', '', Buffer.from([0xff, 0x00, 0x80]), 'x'.repeat(100)],
  ['GET', 'h'],
  ['PFCOUNT', 'h'],
  ['GET', 'h'],
  ['PFDEBUG', 'DECODE', 'h'],
  ['PFDEBUG', 'ENCODING', 'h'],
  ['OBJECT', 'ENCODING', 'h'],
  ['OBJECT', 'ENCODING', 'new'],
  ['STRLEN', 'h'],
  ['TYPE', 'h'],
  ['PFADD', 'h', ...elements('e', 40)],
  ['GET', 'h'],
  ['PFDEBUG', 'DECODE', 'h'],
  ['PFCOUNT', 'h'],
  ['SET', 'ttl', 'x'],
  ['DEL', 'ttl'],
  ['PFADD', 'ttl', 'a'],
  ['EXPIRE', 'ttl', '100'],
  ['PFADD', 'ttl', 'b'],
  ['TTL', 'ttl'],
]);

dual.case('PFADD hashes every tail length of MurmurHash64A the same', async (pair) => {
  for (let length = 0; length <= 25; length++) {
    const element = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length) & 0xff));
    await pair.do('PFADD', 'h', element);
    await pair.do('PFADD', `single${length}`, element);
    await pair.do('GET', `single${length}`);
  }
  await pair.do('GET', 'h');
  await pair.do('PFCOUNT', 'h');
});

/** Adds elements one at a time under a limit until the sketch has been dense for a while. */
async function promoteOneByOne(pair: Pair, limit: string, key: string): Promise<void> {
  await pair.do('CONFIG', 'SET', 'hll-sparse-max-bytes', limit);
  for (let i = 0; i < 400; i++) {
    await pair.do('PFADD', key, `el:${i}`);
    await pair.do('STRLEN', key);
    await pair.do('PFDEBUG', 'ENCODING', key);
    if (i % 25 === 0) await pair.do('GET', key);
    if (limit !== '3000' && i > 120) break;
  }
  await pair.do('GET', key);
  await pair.do('PFCOUNT', key);
}

dual.case('sparse sketches turn dense past hll-sparse-max-bytes, one element at a time', async (pair) => {
  for (const limit of ['0', '18', '19', '20', '21', '25', '40', '100', '3000']) await promoteOneByOne(pair, limit, `k${limit}`);
  await pair.do('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
});

dual.case('large cardinalities cross into dense and count the same', async (pair) => {
  for (let round = 0; round < 40; round++) {
    await pair.do('PFADD', 'big', ...elements(`r${round}:`, 1000));
    await pair.do('PFCOUNT', 'big');
    await pair.do('PFDEBUG', 'ENCODING', 'big');
    if (round % 8 === 0) await pair.do('GET', 'big');
  }
  await pair.do('GET', 'big');
  await pair.do('PFADD', 'mid', ...elements('m', 5000));
  await pair.do('PFCOUNT', 'mid');
  await pair.do('PFCOUNT', 'mid', 'big');
  await pair.do('PFMERGE', 'both', 'mid', 'big');
  await pair.do('GET', 'both');
  await pair.do('PFCOUNT', 'both');
});

dual.case('PFCOUNT caches the count in the header, and which commands count as changes', [
  ['SAVE'],
  ['PFADD', 'h', 'a', 'b', 'c'],
  changes(),
  cache('h'),
  ['PFCOUNT', 'h'],
  cache('h'),
  changes(),
  ['PFCOUNT', 'h'],
  changes(),
  ['PFADD', 'h', 'a'],
  changes(),
  cache('h'),
  ['PFADD', 'h', 'd'],
  cache('h'),
  changes(),
  ['PFADD', 'h', 'e', 'f', 'g', 'a'],
  changes(),
  ['PFCOUNT', 'h', 'missing'],
  cache('h'),
  changes(),
  ['PFADD', 'new', 'x', 'y', 'z'],
  changes(),
  ['PFADD', 'empty'],
  changes(),
  ['PFMERGE', 'm', 'h'],
  changes(),
  ['PFMERGE', 'm'],
  changes(),
  cache('m'),
  ['PFCOUNT', 'm'],
  changes(),
  ['PFDEBUG', 'ENCODING', 'm'],
  changes(),
  ['PFDEBUG', 'TODENSE', 'm'],
  changes(),
  ['PFDEBUG', 'TODENSE', 'm'],
  changes(),
  ['PFDEBUG', 'GETREG', 'h'],
  changes(),
  ['PFDEBUG', 'ENCODING', 'h'],
]);

dual.case('HLL commands leave the string raw, except PFCOUNT of several keys', async (pair) => {
  await pair.do('PFADD', 'src', 'a', 'b');
  const [sparse] = await pair.both((c) => c.call('GET', 'src'));
  const bytes = sparse.subarray(sparse.indexOf('\r\n') + 2, sparse.length - 2);
  const commands: Arg[][] = [
    ['PFCOUNT', 'k', 'other'],
    ['PFCOUNT', 'k'],
    ['PFADD', 'k', 'a'],
    ['PFADD', 'k', 'zz'],
    ['PFMERGE', 'k'],
    ['PFMERGE', 'other', 'k'],
    ['PFDEBUG', 'ENCODING', 'k'],
    ['PFDEBUG', 'DECODE', 'k'],
  ];
  for (const command of commands) {
    await pair.do('SET', 'k', bytes);
    await pair.do('OBJECT', 'ENCODING', 'k');
    await pair.do(...command);
    await pair.do('OBJECT', 'ENCODING', 'k');
  }
});

inBothProtocols(dual, 'PFMERGE over sparse, dense and missing sources', [
  ['PFADD', 's1', 'a', 'b', 'c'],
  ['PFADD', 's2', 'c', 'd', 'e'],
  ['PFMERGE', 'm', 's1', 's2'],
  ['GET', 'm'],
  ['PFDEBUG', 'ENCODING', 'm'],
  ['PFCOUNT', 'm'],
  ['PFADD', 'big', ...elements('e', 3000)],
  ['PFDEBUG', 'ENCODING', 'big'],
  ['PFMERGE', 'm2', 's1', 'big'],
  ['GET', 'm2'],
  ['PFDEBUG', 'ENCODING', 'm2'],
  ['PFMERGE', 's1', 'big'],
  ['GET', 's1'],
  ['PFMERGE', 'm3'],
  ['GET', 'm3'],
  ['PFMERGE', 'm3', 'missing1', 'missing2'],
  ['GET', 'm3'],
  ['PFCOUNT', 's2'],
  ['PFMERGE', 's2'],
  ['GET', 's2'],
  ['PFMERGE', 'm4', 's2', 'm', 's2'],
  ['GET', 'm4'],
  ['CONFIG', 'SET', 'hll-sparse-max-bytes', '30'],
  ['PFADD', 's3', ...elements('x', 6)],
  ['PFADD', 's4', ...elements('y', 6)],
  ['PFDEBUG', 'ENCODING', 's3'],
  ['PFMERGE', 'm5', 's3', 's4'],
  ['PFDEBUG', 'ENCODING', 'm5'],
  ['GET', 'm5'],
  ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'],
  ['PFCOUNT', 's1', 's2', 'big', 'missing'],
  ['PFCOUNT', 'missing', 'missing2'],
  ['PFCOUNT', 'missing'],
]);

inBothProtocols(dual, 'errors: wrong types and strings that are not sketches', [
  ['RPUSH', 'list', 'a'],
  ['SET', 'str', 'hello'],
  ['SET', 'int', '12345'],
  ['SET', 'short', 'HYLL'],
  ['SET', 'header-only', sparseSketch([])],
  ['SET', 'bad-encoding', Buffer.concat([Buffer.from('HYLL\x02', 'latin1'), Buffer.alloc(20)])],
  ['SET', 'dense-too-short', Buffer.concat([Buffer.from('HYLL\x00', 'latin1'), Buffer.alloc(200)])],
  ['SET', 'dense-too-long', Buffer.concat([denseSketch(() => 1), Buffer.from('x')])],
  ['SET', 'bad-magic', Buffer.concat([Buffer.from('HYLl\x01', 'latin1'), Buffer.alloc(13)])],
  ['PFADD', 'h', 'a'],
  error('PFADD', 'list', 'a'),
  error('PFADD', 'list'),
  error('PFADD', 'str', 'a'),
  error('PFADD', 'int', 'a'),
  error('PFADD', 'short', 'a'),
  error('PFADD', 'header-only', 'a'),
  error('PFADD', 'bad-encoding', 'a'),
  error('PFADD', 'dense-too-short', 'a'),
  error('PFADD', 'dense-too-long', 'a'),
  error('PFADD', 'bad-magic', 'a'),
  error('PFCOUNT', 'list'),
  error('PFCOUNT', 'str'),
  error('PFCOUNT', 'header-only'),
  error('PFCOUNT', 'h', 'str'),
  error('PFCOUNT', 'missing', 'list'),
  error('PFCOUNT', 'h', 'header-only'),
  error('PFCOUNT', 'header-only', 'list'),
  error('PFCOUNT', 'list', 'header-only'),
  error('PFMERGE', 'list'),
  error('PFMERGE', 'list', 'h'),
  error('PFMERGE', 'h', 'str'),
  error('PFMERGE', 'dest', 'h', 'int'),
  error('PFMERGE', 'dest', 'header-only'),
  ['EXISTS', 'dest'],
  error('PFDEBUG', 'ENCODING', 'list'),
  error('PFDEBUG', 'GETREG', 'str'),
  error('PFDEBUG', 'nosuch', 'missing'),
  error('PFDEBUG', 'nosuch', 'h'),
  error('PFDEBUG', 'nosuch', 'str'),
  error('PFDEBUG', 'no\r\nsuch', 'h'),
  error('PFDEBUG', 'getreg\x00', 'missing'),
  error('PFDEBUG', Buffer.from('nul\x00after', 'latin1'), 'h'),
  ['PFDEBUG', Buffer.from('encoding\x00after', 'latin1'), 'h'],
  ['PFDEBUG', 'EnCoDiNg', 'h'],
  error('PFADD'),
  error('PFCOUNT'),
  error('PFMERGE'),
  error('PFDEBUG', 'GETREG'),
  error('PFDEBUG', 'GETREG', 'h', 'x'),
  error('PFSELFTEST', 'x'),
  ['GET', 'str'],
  ['OBJECT', 'ENCODING', 'int'],
]);

dual.case('PFDEBUG GETREG, TODENSE, DECODE and ENCODING', [
  ['PFADD', 'h', ...elements('g', 30)],
  ['PFDEBUG', 'DECODE', 'h'],
  ['PFDEBUG', 'ENCODING', 'h'],
  ['PFDEBUG', 'GETREG', 'h'],
  ['PFDEBUG', 'ENCODING', 'h'],
  ['GET', 'h'],
  ['PFADD', 'h2', 'a'],
  ['PFDEBUG', 'todense', 'h2'],
  ['PFDEBUG', 'todense', 'h2'],
  ['GET', 'h2'],
  ['PFDEBUG', 'getreg', 'h2'],
  ['PFADD', 'h3'],
  ['PFDEBUG', 'DECODE', 'h3'],
  ['PFDEBUG', 'GETREG', 'h3'],
  ['PFSELFTEST'],
]);

dual.case('WATCH sees a PFCOUNT that refreshed its cache, not PFDEBUG conversions', [
  ['PFADD', 'h', 'a', 'b'],
  ['WATCH', 'h'],
  ['PFCOUNT', 'h'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'h'],
  ['PFCOUNT', 'h'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'h'],
  ['PFADD', 'h', 'a'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'h'],
  ['PFDEBUG', 'TODENSE', 'h'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'h'],
  ['PFADD', 'h', 'c'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'm'],
  ['PFMERGE', 'm', 'h'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['MULTI'],
  ['PFADD', 'x', 'a'],
  ['PFCOUNT', 'x'],
  ['PFCOUNT', 'x', 'h'],
  ['PFMERGE', 'y', 'x', 'h'],
  ['PFCOUNT', 'list'],
  ['EXEC'],
]);

dual.case('keyspace events: pfadd for PFADD and PFMERGE, nothing for reads', (pair) =>
  withKeyspaceEvents(pair, dual.running, 'KEA', async (subs) => {
    const steps: Arg[][] = [
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h'],
      ['PFADD', 'empty'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'empty'],
      ['PFMERGE', 'm', 'h', 'empty'],
      ['PFMERGE', 'm'],
      ['PFDEBUG', 'TODENSE', 'm'],
      ['PFDEBUG', 'GETREG', 'h'],
      ['SET', 'bad', sparseSketch([...xzero(100)])],
      ['PFADD', 'bad', 'a'],
      ['PFADD', 'bad', ...elements('q', 20)],
    ];
    for (const step of steps) await pair.do(...step);
    await pair.do(...SYNC_MARKER_COMMAND);
    const [expected, actual] = await pair.both((_c, side) => messagesUntilMarker(subs[side]));
    pair.same(actual instanceof Error ? actual.message : actual, expected, 'notifications');
  }),
);

dual.case('keyspace events: the new-key event comes before pfadd', (pair) =>
  withKeyspaceEvents(pair, dual.running, 'KEAn', async (subs) => {
    await pair.do('PFADD', 'h', 'a');
    await pair.do('PFMERGE', 'm', 'h');
    await pair.do('PFMERGE', 'm', 'h');
    await pair.do(...SYNC_MARKER_COMMAND);
    const [expected, actual] = await pair.both((_c, side) => messagesUntilMarker(subs[side]));
    pair.same(actual instanceof Error ? actual.message : actual, expected, 'notifications');
  }),
);

/** The bulk payload of a reply, e.g. DUMP's. */
function bulkPayload(reply: Buffer): Buffer {
  const start = reply.indexOf('\r\n') + 2;
  return reply.subarray(start, reply.length - 2);
}

dual.case('sketches move between redis-server and hashslot with DUMP/RESTORE and GET/SET', async (pair, tt) => {
  // Each direction: the sketch one server made is given to both servers (DUMP → RESTORE, GET →
  // SET), so both then hold the other's bytes as well as their own, and must answer the same.
  const directions = [
    { from: pair.redis, label: 'made by redis-server' },
    { from: pair.target, label: 'made by hashslot' },
  ];
  await pair.do('PFADD', 'sparse', ...elements('s', 50));
  await pair.do('PFADD', 'dense', ...elements('d', 4000));
  await pair.do('PFCOUNT', 'sparse');
  for (const [n, { from, label }] of directions.entries()) {
    const keys: string[] = [];
    for (const key of ['sparse', 'dense']) {
      const payload = bulkPayload(await from.call('DUMP', key));
      const bytes = bulkPayload(await from.call('GET', key));
      for (const to of [pair.redis, pair.target]) {
        tt.equal((await to.call('RESTORE', `${key}:moved${n}`, '0', payload)).toString('latin1'), '+OK\r\n', `${label}: RESTORE ${key}`);
        tt.equal((await to.call('SET', `${key}:set${n}`, bytes)).toString('latin1'), '+OK\r\n', `${label}: SET ${key}`);
      }
      keys.push(`${key}:moved${n}`, `${key}:set${n}`);
    }
    for (const key of keys) {
      await pair.do('GET', key);
      await pair.do('PFCOUNT', key);
      await pair.do('PFADD', key, 'one more', 'and another');
      await pair.do('GET', key);
      await pair.do('PFCOUNT', key);
    }
    await pair.do('PFCOUNT', ...keys);
    await pair.do('PFMERGE', `all${n}`, ...keys);
    await pair.do('GET', `all${n}`);
    await pair.do('DEBUG', 'RELOAD');
    await pair.do('GET', `all${n}`);
    await pair.do('PFCOUNT', `all${n}`);
  }
});

dual.case('PFCOUNT from scripts: may replicate, so refused in read-only scripts', [
  ['PFADD', 'h', 'a', 'b'],
  ['EVAL', "return redis.call('pfcount', KEYS[1])", '1', 'h'],
  error('EVAL_RO', "return redis.call('pfcount', KEYS[1])", '1', 'h'),
  error('EVAL', "#!lua flags=no-writes\nreturn redis.call('pfcount', KEYS[1])", '1', 'h'),
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1]) ~= nil", '1', 'h'],
  error('EVAL_RO', "return redis.call('pfadd', KEYS[1], 'x')", '1', 'h'),
  ['EVAL', "return redis.pcall('pfcount', KEYS[1], 'list')", '2', 'h', 'list'],
  ['EVAL', "return redis.call('pfadd', KEYS[1], 'c')", '1', 'h'],
  ['GET', 'h'],
]);

/** Compares only keyspace_hits and keyspace_misses of INFO stats. */
const lookupCounters: Comparator = (redis, target) => {
  const pick = (b: Buffer): string => (b.toString('latin1').match(/keyspace_(hits|misses):\d+/g) ?? [escapeMultiline(b)]).join(' ');
  return { expected: pick(redis), actual: pick(target) };
};
const lookups = (): Step => check(lookupCounters, 'INFO', 'stats');

dual.case('which lookups count as keyspace hits and misses', [
  ['PFADD', 'h', 'a'],
  ['CONFIG', 'RESETSTAT'],
  ['PFADD', 'h', 'b'],
  ['PFADD', 'new', 'b'],
  lookups(),
  ['PFCOUNT', 'h'],
  ['PFCOUNT', 'missing'],
  lookups(),
  ['PFCOUNT', 'h', 'missing', 'new'],
  lookups(),
  ['PFMERGE', 'dest', 'h', 'missing'],
  ['PFMERGE', 'dest2'],
  lookups(),
  ['PFDEBUG', 'ENCODING', 'h'],
  error('PFDEBUG', 'ENCODING', 'missing'),
  lookups(),
]);

dual.case('error replies are counted under their codes (INFO errorstats)', [
  ['CONFIG', 'RESETSTAT'],
  ['SET', 'str', 'foo'],
  ['SET', 'bad', sparseSketch([...xzero(100)])],
  error('PFADD', 'str', 'a'),
  error('PFCOUNT', 'bad'),
  error('PFDEBUG', 'nosuch', 'bad'),
  error('PFDEBUG', 'GETREG', 'missing'),
  ['INFO', 'errorstats'],
]);
