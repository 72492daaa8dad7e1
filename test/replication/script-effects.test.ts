/*
 * Scripts replicate as their effects (Redis 7.0 has no other mode): a replica never receives
 * EVAL, it receives the writes the script made, as one execution unit.
 *
 *   EVAL "redis.call('set','a','1') redis.call('incr','a')" 0
 *       ──▶ replica:  MULTI │ set a 1 │ incr a │ EXEC      (as the script called them, lowercase)
 *   EVAL "return redis.call('set', KEYS[1], 'v')" 1 k
 *       ──▶ replica:  set k v                              (one write: alone)
 *   EVAL "return redis.call('get','k')" 0
 *       ──▶ replica:  nothing
 *
 * Three parts:
 *   1. The stream a raw fake replica reads (test/compat/propagation-forms.ts), redis-server's
 *      against hashslot's, byte for byte, for a table of scripts: one write, several, none, a
 *      no-op write, SELECT inside a script, rewritten writes (SET EX, EXPIRE, INCRBYFLOAT, SPOP),
 *      a script failing after its writes, EVAL inside MULTI, EVALSHA, FCALL, lazy expiry,
 *      PUBLISH and FLUSHALL from a script. redis.set_repl in its own table.
 *   2. A busy script (past busy-reply-threshold, so hashslot runs it in slices while other
 *      clients are answered -BUSY) still sends its writes as one MULTI/EXEC.
 *   3. End to end in the four master/replica combinations: EVAL writes on the master, a busy
 *      script among them, then the replica's DEBUG DIGEST equals the master's.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import { escapeBytes, type Arg } from '../../bench/harness/resp';
import { delay, type ServerProcess } from '../../bench/harness/server-process';
import { compareStreams, row, type Scenario } from '../compat/propagation-forms';
import { FakeReplica } from '../helpers/fake-replica';
import { startTarget, targetName } from '../helpers/target';
import { forEachSyncedPair } from './propagation-scaffold';
import { show, waitForSync, type ReplNode, type Test } from './replication-harness';

const sha1 = (body: string): string => createHash('sha1').update(body).digest('hex');

const WRITE_KEY = 'return redis.call("set", KEYS[1], ARGV[1])';
const LIBRARY = [
  '#!lua name=effects',
  "redis.register_function('two', function(keys, args)",
  "  redis.call('set', keys[1], args[1])",
  "  return redis.call('append', keys[1], args[1])",
  'end)',
].join('\n');

/** Keys set to expire 30 ms after the setup; the script runs once they are past it. */
function lazy(name: string, setup: Arg[][], ...run: Arg[][]): Scenario {
  return { name, setup, expireAfterMs: 60, run };
}

const effects: Scenario[] = [
  row('one write: sent alone', [], ['EVAL', WRITE_KEY, '1', 'k', 'v']),
  row('two writes: MULTI/EXEC', [], ['EVAL', 'redis.call("set", "a", "1") return redis.call("incr", "a")', '0']),
  row('writes of several types', [],
    ['EVAL', 'redis.call("rpush", "l", "x", "y") redis.call("hset", "h", "f", "v") redis.call("sadd", "s", "m") redis.call("zadd", "z", 1, "a") return redis.call("lpop", "l")', '0']),
  row('a script that only reads sends nothing', [['SET', 'r', '1']], ['EVAL', 'return redis.call("get", "r")', '0']),
  row('EVAL_RO sends nothing', [['SET', 'r', '1']], ['EVAL_RO', 'return {redis.call("get", "r"), redis.call("exists", "r")}', '0']),
  row('a write that changes nothing sends nothing', [], ['EVAL', 'return redis.call("del", "nosuch")', '0']),
  row('a no-op write and a write: the write alone', [], ['EVAL', 'redis.call("del", "nosuch") return redis.call("set", "k", "v")', '0']),
  row('SELECT inside a script, two databases', [],
    ['SELECT', '2'], ['EVAL', 'redis.call("set", "in2", "x") redis.call("select", 5) return redis.call("set", "in5", "y")', '0'], ['SET', 'after', 'z']),
  row('SELECT inside a script, one write', [], ['EVAL', 'redis.call("select", 3) return redis.call("set", "in3", "x")', '0'], ['SET', 'after', 'z']),
  row('SELECT inside a script back to the caller\'s database', [],
    ['SELECT', '4'], ['EVAL', 'redis.call("select", 6) redis.call("set", "a", "1") redis.call("select", 4) return redis.call("set", "b", "2")', '0'], ['SET', 'c', '3']),
  row('rewritten writes: SET EX, EXPIRE, INCRBYFLOAT, SPOP, GETDEL', [['SADD', 's', 'only'], ['SET', 'g', '1']],
    ['EVAL', 'redis.call("set", "e", "1", "EX", "100") redis.call("expire", "e", "200") redis.call("incrbyfloat", "f", "1.5") redis.call("getdel", "g") return redis.call("spop", "s")', '0']),
  row('a script failing after a write keeps the write', [], ['EVAL', 'redis.call("set", "x", "1") error("boom")', '0']),
  row('a redis.call error after two writes', [['SET', 's', 'text']],
    ['EVAL', 'redis.call("set", "x", "1") redis.call("set", "y", "2") return redis.call("incr", "s")', '0']),
  row('redis.pcall errors between writes', [['SET', 's', 'text']],
    ['EVAL', 'redis.call("set", "x", "1") redis.pcall("incr", "s") redis.pcall("nosuch") return redis.call("set", "y", "2")', '0']),
  row('EVAL inside MULTI/EXEC', [], ['MULTI'], ['SET', 'm', '1'], ['EVAL', 'redis.call("set", "x", "1") return redis.call("set", "y", "2")', '0'], ['EXEC']),
  row('EVALSHA', [['SCRIPT', 'LOAD', WRITE_KEY]], ['EVALSHA', sha1(WRITE_KEY), '1', 'k', 'v']),
  row('FCALL', [['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]], ['FCALL', 'two', '1', 'fk', 'fv']),
  lazy('lazy expiry inside a script that writes', [['SET', 'old', '1', 'PX', '30']], ['EVAL', 'redis.call("get", "old") return redis.call("set", "n", "1")', '0']),
  lazy('lazy expiry inside a script that only reads', [['SET', 'old', '1', 'PX', '30']], ['EVAL', 'return redis.call("get", "old")', '0']),
  row('PUBLISH from a script', [], ['EVAL', 'redis.call("publish", "ch", "m") return redis.call("set", "p", "1")', '0']),
  row('FLUSHALL from a script', [['SET', 'k', 'v']], ['EVAL', 'redis.call("set", "p", "1") return redis.call("flushall")', '0']),
];

/** What Redis 7.0.15 was seen to send for the forms this test is about. */
const PINNED: Record<string, string[][]> = {
  'one write: sent alone': [['set', 'k', 'v']],
  'two writes: MULTI/EXEC': [['MULTI'], ['set', 'a', '1'], ['incr', 'a'], ['EXEC']],
  'a script that only reads sends nothing': [],
  'SELECT inside a script, two databases': [['SELECT', '2'], ['MULTI'], ['set', 'in2', 'x'], ['SELECT', '5'], ['set', 'in5', 'y'], ['EXEC'], ['SELECT', '2'], ['SET', 'after', 'z']],
};

const setRepl: Scenario[] = [
  row('redis.set_repl(REPL_NONE) then REPL_ALL', [],
    ['EVAL', 'redis.set_repl(redis.REPL_NONE) redis.call("set", "x", "1") redis.set_repl(redis.REPL_ALL) return redis.call("set", "y", "2")', '0']),
  row('redis.set_repl(REPL_AOF): nothing to replicas', [], ['EVAL', 'redis.set_repl(redis.REPL_AOF) return redis.call("set", "x", "1")', '0']),
  row('redis.set_repl(REPL_REPLICA): replicas only', [],
    ['EVAL', 'redis.set_repl(redis.REPL_REPLICA) redis.call("set", "x", "1") return redis.call("set", "y", "1")', '0']),
];

// ─── A busy script's stream ─────────────────────────────────────────────────────────────────────

const BUSY_SCRIPT = 'redis.call("set", "a", "1") local i = 0 while i < 40000000 do i = i + 1 end redis.call("select", 3) redis.call("set", "b", "2") return i';
const DEADLINE_MS = 30_000;

/**
 * Runs BUSY_SCRIPT on `server` past a 100 ms threshold with a fake replica attached; returns the
 * stream it sent (escaped, up to a marker), the script's reply and what another client's PING
 * got meanwhile.
 */
async function captureBusy(server: ServerProcess): Promise<{ stream: string[]; reply: string; other: string }> {
  const replica = await FakeReplica.attach(server.port);
  const client = await RawClient.connect(server.port, '127.0.0.1', DEADLINE_MS);
  const other = await RawClient.connect(server.port);
  try {
    await client.call('CONFIG', 'SET', 'busy-reply-threshold', '100');
    await client.call('SET', 'marker:before', '1');
    await replica.readFramesUntil((argv) => argv[1] === 'marker:before');
    client.send('EVAL', BUSY_SCRIPT, '0');
    let otherReply = '';
    const deadline = Date.now() + DEADLINE_MS;
    while (!otherReply.startsWith('-BUSY') && Date.now() < deadline) {
      otherReply = (await other.call('PING')).toString('latin1');
      await delay(5);
    }
    const [reply] = await client.readReplies(1, DEADLINE_MS);
    await client.call('SELECT', '0');
    await client.call('SET', 'marker:after', '1');
    const frames = await replica.readFramesUntil((argv) => argv[1] === 'marker:after', DEADLINE_MS);
    frames.pop();
    return { stream: frames.map((f) => escapeBytes(f.raw)), reply: escapeBytes(reply ?? Buffer.alloc(0)), other: otherReply };
  } finally {
    replica.close();
    client.close();
    other.close();
  }
}

async function busyStreams(tt: Test): Promise<void> {
  const [redis, target] = await Promise.all([startRealRedis(), startTarget()]);
  tt.teardown(() => Promise.all([redis.stop(), target.stop()]).then(() => undefined));
  const [want, got] = await Promise.all([captureBusy(redis), captureBusy(target)]);
  tt.match(want.other, /^-BUSY /, 'redis-server: another client got -BUSY meanwhile (the test is right)');
  tt.equal(got.other, want.other, 'another client got -BUSY meanwhile');
  tt.equal(got.reply, want.reply, 'the script\'s reply');
  tt.same(got.stream, want.stream, 'the writes of the busy script, as one MULTI/EXEC');
}

// ─── End to end, four combinations ──────────────────────────────────────────────────────────────

const END_TO_END: Arg[][] = [
  ['EVAL', 'for i = 1, 50 do redis.call("set", "s:" .. i, i) end return 1', '0'],
  ['EVAL', 'redis.call("rpush", KEYS[1], unpack(ARGV)) return redis.call("lpop", KEYS[1])', '1', 'list', 'a', 'b', 'c'],
  ['EVAL', 'redis.call("hset", "h", "f1", "1", "f2", "2") redis.call("hincrbyfloat", "h", "f1", "0.5") return 1', '0'],
  ['EVAL', 'redis.call("sadd", "set", "x", "y", "z") return redis.call("spop", "set", 2)', '0'],
  ['EVAL', 'redis.call("zadd", "z", 1, "a", 2, "b") redis.call("zincrby", "z", 5, "a") return 1', '0'],
  ['EVAL', 'redis.call("set", "ttl", "v", "EX", "1000") redis.call("pexpire", "s:1", 500000) return 1', '0'],
  ['EVAL', 'redis.call("select", 7) redis.call("set", "in7", "x") redis.call("select", 9) return redis.call("incrby", "in9", 5)', '0'],
  ['EVAL', 'redis.call("del", "s:2", "s:3") return redis.call("incrbyfloat", "float", "2.25")', '0'],
  ['EVAL', 'redis.call("set", "bad", "text") redis.pcall("incr", "bad") return redis.call("append", "bad", "!")', '0'],
  ['EVALSHA', sha1(WRITE_KEY), '1', 'by-sha', 'v'],
];

async function endToEnd(tt: Test, master: ReplNode, replica: ReplNode): Promise<void> {
  tt.equal(await master.callText('SCRIPT', 'LOAD', WRITE_KEY), sha1(WRITE_KEY), 'SCRIPT LOAD');
  for (const argv of END_TO_END) {
    const reply = await master.call(...argv);
    tt.notMatch(show(reply), /^-/, `${String(argv[1]).slice(0, 60)} runs`);
  }
  // A busy script with the replica attached (its REPLCONF ACKs arrive while the master is busy).
  tt.equal(show(await master.call('CONFIG', 'SET', 'busy-reply-threshold', '100')), '+OK');
  const conn = await master.connect();
  try {
    const [reply] = await conn.pipeline([['EVAL', BUSY_SCRIPT, '0']], DEADLINE_MS);
    tt.equal(reply === undefined ? 'none' : show(reply), ':40000000', 'the busy script ends');
  } finally {
    conn.close();
  }
  await waitForSync(master, replica);
  for (const db of ['0', '3', '7', '9']) {
    const [m, r] = await Promise.all([master.call('SELECT', db), replica.call('SELECT', db)]);
    tt.equal(show(r), show(m), `SELECT ${db}`);
    const [dm, dr] = await Promise.all([master.callText('DBSIZE'), replica.callText('DBSIZE')]);
    tt.equal(dr, dm, `DBSIZE of db ${db} on the replica`);
  }
  await Promise.all([master.call('SELECT', '0'), replica.call('SELECT', '0')]);
  const [digestM, digestR] = await Promise.all([master.callText('DEBUG', 'DIGEST'), replica.callText('DEBUG', 'DIGEST')]);
  tt.not(digestM, '0'.repeat(40), 'the master holds data');
  tt.equal(digestR, digestM, 'DEBUG DIGEST: the replica holds what the master holds');
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('scripts replicate as their effects: the stream is Redis 7.0\'s', (tt) => compareStreams(tt, effects, PINNED));
  t.test('redis.set_repl chooses what replicas get', (tt) => compareStreams(tt, setRepl));
  t.test('a busy script\'s writes reach replicas as one MULTI/EXEC', busyStreams);
  forEachSyncedPair('EVAL writes, a busy script among them, reach the replica: same DEBUG DIGEST', endToEnd);
}
