/*
 * What each write on a container sends to replicas, byte for byte as Redis 7.0 sends it: lists,
 * hashes, sets and sorted sets, and the blocking pops, both when they find elements at once and
 * when a later push serves a client that waited. The runner and its normalizations are in
 * propagation-forms.ts; strings, keys and server-wide writes in propagation-forms.test.ts.
 *
 * The forms that differ from the command as received: a blocking pop replicates as the pop it
 * did (BLPOP → LPOP, BLMOVE → LMOVE, BZPOPMIN → ZPOPMIN, BLMPOP/LMPOP → LPOP/RPOP with a count,
 * BZMPOP/ZMPOP → ZPOPMIN/ZPOPMAX with a count); HINCRBYFLOAT replicates as HSET of the result;
 * SPOP replicates as one SREM per member it picked at random (several in MULTI/EXEC), or as DEL
 * when it took the whole set; a served BLMOVE's LMOVE spells LEFT/RIGHT in lower case.
 */
import t from 'tap';
import { redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import type { Arg } from '../../bench/harness/resp';
import { compareStreams, row, type Scenario } from './propagation-forms';

const LIST: Arg[] = ['RPUSH', 'l', 'a', 'b', 'c', 'd'];

const lists: Scenario[] = [
  row('LPUSH', [], ['LPUSH', 'l', 'a', 'b']),
  row('RPUSH', [], ['RPUSH', 'l', 'a', 'b']),
  row('LPUSHX on a missing key', [], ['LPUSHX', 'l', 'a']),
  row('RPUSHX', [LIST], ['RPUSHX', 'l', 'e']),
  row('LPOP', [LIST], ['LPOP', 'l']),
  row('LPOP with a count', [LIST], ['LPOP', 'l', '2']),
  row('LPOP with a count beyond the length', [LIST], ['LPOP', 'l', '10']),
  row('LPOP with a count of 0', [LIST], ['LPOP', 'l', '0']),
  row('LPOP on a missing key', [], ['LPOP', 'l']),
  row('RPOP', [LIST], ['RPOP', 'l']),
  row('RPOP with a count', [LIST], ['RPOP', 'l', '3']),
  row('LINSERT', [LIST], ['LINSERT', 'l', 'BEFORE', 'b', 'x']),
  row('LINSERT without the pivot', [LIST], ['LINSERT', 'l', 'AFTER', 'z', 'x']),
  row('LREM', [LIST], ['LREM', 'l', '0', 'b']),
  row('LREM of nothing', [LIST], ['LREM', 'l', '0', 'z']),
  row('LSET', [LIST], ['LSET', 'l', '1', 'x']),
  row('LTRIM', [LIST], ['LTRIM', 'l', '1', '2']),
  row('LTRIM keeping everything', [LIST], ['LTRIM', 'l', '0', '-1']),
  row('LTRIM removing everything', [LIST], ['LTRIM', 'l', '5', '9']),
  row('RPOPLPUSH', [LIST], ['RPOPLPUSH', 'l', 'm']),
  row('RPOPLPUSH onto itself', [LIST], ['RPOPLPUSH', 'l', 'l']),
  row('LMOVE', [LIST], ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT']),
  row('LMOVE of the last element', [['RPUSH', 'l', 'a']], ['LMOVE', 'l', 'm', 'RIGHT', 'LEFT']),
  row('LMPOP', [LIST], ['LMPOP', '2', 'z', 'l', 'LEFT', 'COUNT', '2']),
  row('LMPOP RIGHT without a count', [LIST], ['LMPOP', '1', 'l', 'RIGHT']),
  row('LMPOP of missing keys', [], ['LMPOP', '1', 'l', 'LEFT']),
  row('BLPOP finding elements', [LIST], ['BLPOP', 'z', 'l', '0']),
  row('BRPOP finding elements', [LIST], ['BRPOP', 'l', '0']),
  row('BLMOVE finding elements', [LIST], ['BLMOVE', 'l', 'm', 'RIGHT', 'LEFT', '0']),
  row('BLMOVE finding elements, ends in lower case', [LIST], ['BLMOVE', 'l', 'm', 'left', 'right', '0']),
  row('BRPOPLPUSH finding elements', [LIST], ['BRPOPLPUSH', 'l', 'm', '0']),
  row('BLMPOP finding elements', [LIST], ['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '3']),
  row('BLPOP in MULTI on a missing key', [], ['MULTI'], ['BLPOP', 'l', '0'], ['EXEC']),
  row('BLPOP and BLMOVE in MULTI finding elements', [LIST], ['MULTI'], ['BLPOP', 'l', '0'], ['BLMOVE', 'l', 'm', 'left', 'RIGHT', '0'], ['EXEC']),
];

/** A client blocked on `blocked`, served by `run`. */
function served(name: string, blocked: Arg[][], ...run: Arg[][]): Scenario {
  return { name, setup: [], blocked, run };
}

const blocking: Scenario[] = [
  served('BLPOP served by LPUSH', [['BLPOP', 'l', '0']], ['LPUSH', 'l', 'a', 'b']),
  served('BRPOP served by RPUSH', [['BRPOP', 'z', 'l', '0']], ['RPUSH', 'l', 'a', 'b']),
  served('two BLPOPs served by one RPUSH', [['BLPOP', 'l', '0'], ['BLPOP', 'l', '0']], ['RPUSH', 'l', 'a', 'b', 'c']),
  served('BLMOVE served', [['BLMOVE', 'l', 'm', 'LEFT', 'RIGHT', '0']], ['RPUSH', 'l', 'a']),
  served('BLMOVE served, ends in mixed case', [['BLMOVE', 'l', 'm', 'Right', 'lEFT', '0']], ['RPUSH', 'l', 'a', 'b']),
  served('BRPOPLPUSH served', [['BRPOPLPUSH', 'l', 'm', '0']], ['RPUSH', 'l', 'a', 'b']),
  served('BLMPOP served', [['BLMPOP', '0', '2', 'k', 'l', 'LEFT', 'COUNT', '2']], ['RPUSH', 'l', 'a', 'b', 'c']),
  served('BLPOP served by a MULTI', [['BLPOP', 'l', '0']], ['MULTI'], ['RPUSH', 'l', 'a'], ['SET', 'k', 'v'], ['EXEC']),
  served('BLPOP served by RPOPLPUSH', [['BLPOP', 'm', '0']], ['RPUSH', 'l', 'a'], ['RPOPLPUSH', 'l', 'm']),
  served('BZPOPMIN served by ZADD', [['BZPOPMIN', 'z', '0']], ['ZADD', 'z', '1', 'a', '2', 'b']),
  served('BZPOPMAX served by ZADD', [['BZPOPMAX', 'y', 'z', '0']], ['ZADD', 'z', '1', 'a', '2', 'b']),
  served('BZMPOP served by ZADD', [['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5']], ['ZADD', 'z', '1', 'a', '2', 'b']),
];

const hashes: Scenario[] = [
  row('HSET', [], ['HSET', 'h', 'f', 'v', 'g', 'w']),
  row('HSET of the value already there', [['HSET', 'h', 'f', 'v']], ['HSET', 'h', 'f', 'v']),
  row('HMSET', [], ['HMSET', 'h', 'f', 'v']),
  row('HSETNX', [], ['HSETNX', 'h', 'f', 'v']),
  row('HSETNX on an existing field', [['HSET', 'h', 'f', 'v']], ['HSETNX', 'h', 'f', 'w']),
  row('HDEL', [['HSET', 'h', 'f', 'v', 'g', 'w']], ['HDEL', 'h', 'f', 'x']),
  row('HDEL of a missing field', [['HSET', 'h', 'f', 'v']], ['HDEL', 'h', 'x']),
  row('HDEL of the last field', [['HSET', 'h', 'f', 'v']], ['HDEL', 'h', 'f']),
  row('HINCRBY', [], ['HINCRBY', 'h', 'f', '5']),
  row('HINCRBYFLOAT', [['HSET', 'h', 'f', '1']], ['HINCRBYFLOAT', 'h', 'f', '1.5']),
  row('HINCRBYFLOAT in exponent form', [], ['HINCRBYFLOAT', 'h', 'f', '1e3']),
];

const TEN: Arg[] = ['SADD', 's', ...Array.from({ length: 10 }, (_, i) => `m${i}`)];
const BIG: Arg[] = ['SADD', 's', ...Array.from({ length: 3000 }, (_, i) => `m${i}`)];
const INTS: Arg[] = ['SADD', 's', '1', '2', '3', '4', '5'];

function popped(name: string, setup: Arg[][], ...run: Arg[][]): Scenario {
  return { name, setup, run, random: true };
}

const sets: Scenario[] = [
  row('SADD', [], ['SADD', 's', 'a', 'b']),
  row('SADD of members already there', [['SADD', 's', 'a']], ['SADD', 's', 'a']),
  row('SREM', [['SADD', 's', 'a', 'b']], ['SREM', 's', 'a', 'z']),
  row('SREM of missing members', [['SADD', 's', 'a']], ['SREM', 's', 'z']),
  row('SMOVE', [['SADD', 's', 'a', 'b']], ['SMOVE', 's', 't', 'a']),
  row('SMOVE of a missing member', [['SADD', 's', 'a']], ['SMOVE', 's', 't', 'z']),
  popped('SPOP', [TEN], ['SPOP', 's']),
  popped('SPOP of the last member', [['SADD', 's', 'a']], ['SPOP', 's']),
  row('SPOP with a count of 0', [TEN], ['SPOP', 's', '0']),
  popped('SPOP with a count', [TEN], ['SPOP', 's', '3']),
  popped('SPOP with a count taking most', [TEN], ['SPOP', 's', '8']),
  popped('SPOP with a count from an intset', [INTS], ['SPOP', 's', '2']),
  row('SPOP with a count taking all', [TEN], ['SPOP', 's', '10']),
  row('SPOP with a count beyond the size', [TEN], ['SPOP', 's', '20']),
  popped('SPOP with a count above 1024', [BIG], ['SPOP', 's', '1500']),
  popped('SPOP with a count leaving a few', [BIG], ['SPOP', 's', '2990']),
  row('SPOP on a missing key', [], ['SPOP', 's', '3']),
  popped('SPOP in MULTI', [TEN], ['MULTI'], ['SPOP', 's', '2'], ['SPOP', 's'], ['EXEC']),
  row('SINTERSTORE', [['SADD', 'a', '1', '2'], ['SADD', 'b', '2']], ['SINTERSTORE', 'd', 'a', 'b']),
  row('SINTERSTORE of nothing over a key', [['SET', 'd', 'x']], ['SINTERSTORE', 'd', 'a', 'b']),
  row('SINTERSTORE of nothing', [], ['SINTERSTORE', 'd', 'a', 'b']),
  row('SUNIONSTORE', [['SADD', 'a', '1', '2'], ['SADD', 'b', '3']], ['SUNIONSTORE', 'd', 'a', 'b']),
  row('SDIFFSTORE', [['SADD', 'a', '1', '2'], ['SADD', 'b', '2']], ['SDIFFSTORE', 'd', 'a', 'b']),
  row('SDIFFSTORE of nothing over a key', [['SADD', 'd', 'x']], ['SDIFFSTORE', 'd', 'a']),
];

const ZSET: Arg[] = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'];

const zsets: Scenario[] = [
  row('ZADD', [], ['ZADD', 'z', '1', 'a', '2.5', 'b']),
  row('ZADD of the scores already there', [ZSET], ['ZADD', 'z', '1', 'a']),
  row('ZADD INCR', [ZSET], ['ZADD', 'z', 'INCR', '1.5', 'a']),
  row('ZADD INCR of 0', [ZSET], ['ZADD', 'z', 'INCR', '0', 'a']),
  row('ZADD XX GT CH', [ZSET], ['ZADD', 'z', 'XX', 'GT', 'CH', '5', 'a', '0', 'b']),
  row('ZADD NX of existing members', [ZSET], ['ZADD', 'z', 'NX', '9', 'a']),
  row('ZINCRBY', [ZSET], ['ZINCRBY', 'z', '0.25', 'b']),
  row('ZREM', [ZSET], ['ZREM', 'z', 'a', 'x']),
  row('ZREM of missing members', [ZSET], ['ZREM', 'z', 'x']),
  row('ZREMRANGEBYSCORE', [ZSET], ['ZREMRANGEBYSCORE', 'z', '2', '3']),
  row('ZREMRANGEBYRANK', [ZSET], ['ZREMRANGEBYRANK', 'z', '0', '0']),
  row('ZREMRANGEBYLEX', [['ZADD', 'z', '0', 'a', '0', 'b']], ['ZREMRANGEBYLEX', 'z', '-', '[a']),
  row('ZREMRANGEBYSCORE of nothing', [ZSET], ['ZREMRANGEBYSCORE', 'z', '10', '20']),
  row('ZPOPMIN', [ZSET], ['ZPOPMIN', 'z']),
  row('ZPOPMAX with a count', [ZSET], ['ZPOPMAX', 'z', '2']),
  row('ZPOPMIN on a missing key', [], ['ZPOPMIN', 'z']),
  row('ZMPOP', [ZSET], ['ZMPOP', '2', 'y', 'z', 'MIN', 'COUNT', '2']),
  row('ZMPOP MAX without a count', [ZSET], ['ZMPOP', '1', 'z', 'MAX']),
  row('BZPOPMIN finding elements', [ZSET], ['BZPOPMIN', 'z', '0']),
  row('BZPOPMAX finding elements', [ZSET], ['BZPOPMAX', 'y', 'z', '0']),
  row('BZPOPMIN in MULTI finding elements', [ZSET], ['MULTI'], ['BZPOPMIN', 'z', '0'], ['ZADD', 'z', '9', 'x'], ['EXEC']),
  row('BZMPOP finding elements', [ZSET], ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '10']),
  row('ZUNIONSTORE', [ZSET, ['ZADD', 'y', '5', 'a']], ['ZUNIONSTORE', 'd', '2', 'z', 'y', 'WEIGHTS', '1', '2']),
  row('ZINTERSTORE', [ZSET, ['ZADD', 'y', '5', 'a']], ['ZINTERSTORE', 'd', '2', 'z', 'y']),
  row('ZINTERSTORE of nothing over a key', [['SET', 'd', 'x']], ['ZINTERSTORE', 'd', '2', 'z', 'y']),
  row('ZDIFFSTORE', [ZSET, ['ZADD', 'y', '5', 'a']], ['ZDIFFSTORE', 'd', '2', 'z', 'y']),
  row('ZRANGESTORE', [ZSET], ['ZRANGESTORE', 'd', 'z', '0', '1']),
  row('ZRANGESTORE of nothing over a key', [['SET', 'd', 'x']], ['ZRANGESTORE', 'd', 'z', '0', '1']),
  row('ZRANGESTORE of nothing', [], ['ZRANGESTORE', 'd', 'z', '0', '1']),
];

/** What Redis 7.0.15 was seen to send for the forms this test was written for. */
const PINNED: Record<string, string[][]> = {
  'BLPOP served by LPUSH': [['LPUSH', 'l', 'a', 'b'], ['LPOP', 'l']],
  'HINCRBYFLOAT': [['HSET', 'h', 'f', '2.5']],
  'SPOP with a count taking all': [['DEL', 's']],
};

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  const tables = { lists, blocking, hashes, sets, zsets };
  for (const [name, scenarios] of Object.entries(tables)) {
    t.test(`${name}: the replication stream is Redis 7.0's`, (tt) => compareStreams(tt, scenarios, PINNED));
  }
}
