/*
 * Busy scripts against a real redis-server, reply bytes compared: a script that runs past
 * busy-reply-threshold (lua-time-limit) while other connections talk to the server.
 *
 *   script's client ── EVAL (loops) ─────────────────────────────────────────────── its reply
 *   other client             PING ─▶ -BUSY   GET ─▶ -BUSY   MULTI ─▶ +OK   SCRIPT KILL ─▶ +OK
 *                    └ threshold (100 ms) ┘
 *
 * What Redis does, and each case checks: past the threshold every command of another client is
 * answered -BUSY, except those flagged allow_busy (MULTI, DISCARD, WATCH, UNWATCH, AUTH, HELLO,
 * RESET, QUIT, SCRIPT KILL, SHUTDOWN NOSAVE...), which run; commands refused before the busy
 * check (unknown command, wrong arity) keep their own error. SCRIPT KILL stops a script that has
 * not written (its client gets "Script killed by user with SCRIPT KILL..." with the script's
 * line), answers UNKILLABLE to one that has, and NOTBUSY once nothing runs; SHUTDOWN NOSAVE then
 * ends the server. Below the threshold the others simply wait. A -BUSY inside MULTI dooms the
 * transaction. The script's own client gets its pipelined commands answered after the script.
 * INFO cannot be read while a script is busy (it is -BUSY too); its counters are compared after.
 *
 * Waiting: each case polls the other connection with PING until it answers -BUSY (the script is
 * then past the threshold), with a deadline; nothing sleeps for a fixed time. Scripts that must
 * end by themselves count to LONG_LOOP, about 1 s on redis-server and 2 s on hashslot.
 */
import t from 'tap';
import { compatTargetName, dualRun, error, mapExcept, Pair, rawClose, type Servers, type Test } from './harness';
import { infoLines } from './info-fields';
import { RawClient } from '../../bench/harness/raw-client';
import { startRealRedis } from '../../bench/harness/real-redis';
import { delay, type ServerProcess } from '../../bench/harness/server-process';
import { encodeCommands, escapeBytes, type Arg } from '../../bench/harness/resp';
import { startTarget } from '../helpers/target';

const dual = dualRun(t);

const THRESHOLD_MS = '100';
/** An endless loop, for the cases that kill it (the body on one line: see the line numbers case). */
const SPIN = 'local i = 0 while true do i = i + 1 end';
/** Iterations of a loop that must end by itself, well past the threshold on both servers. */
const LONG_LOOP = 40_000_000;
const COUNT_TO_LONG_LOOP = `local i = 0 while i < ${LONG_LOOP} do i = i + 1 end`;
const BUSY_DEADLINE_MS = 10_000;
/** How long a script that ends by itself may take, on a loaded machine. */
const SCRIPT_DEADLINE_MS = 30_000;
/** A known difference on hashslot; with HASHSLOT_COMPAT_TARGET=redis the case runs, checking itself. */
const onHashslot = (todo: string): { todo?: string } => (compatTargetName() === 'hashslot' ? { todo } : {});

// ─── Steps over two (or three) connections ──────────────────────────────────────────────────────

/** Another connection to each server, closed when the case ends. */
async function another(tt: Test, servers: Servers): Promise<Pair> {
  const [redis, target] = await Promise.all([RawClient.connect(servers.redis.port), RawClient.connect(servers.target.port)]);
  const pair = new Pair(tt, servers, redis, target);
  tt.teardown(() => pair.close());
  return pair;
}

/** Sends a request on both sides without reading its reply: the script runs from here on. */
function send(pair: Pair, ...commands: Arg[][]): void {
  const bytes = encodeCommands(commands);
  pair.redis.write(bytes);
  pair.target.write(bytes);
}

/**
 * Reads `count` replies on each side (those of requests sent earlier) and compares them; `tt`
 * and `todo` mark a comparison as a known difference.
 */
async function expectReplies(pair: Pair, label: string, count = 1, known?: { tt: Test; todo: string }): Promise<void> {
  const [r, h] = await pair.both(async (c) => Buffer.concat(await c.readReplies(count, SCRIPT_DEADLINE_MS)));
  const actual = h instanceof Error ? `<${h.message}>` : escapeBytes(h);
  if (known === undefined) pair.same(actual, escapeBytes(r), label);
  else known.tt.same(actual, escapeBytes(r), label, onHashslot(known.todo));
}

/**
 * Polls PING on `probe` until both servers answer -BUSY: the script started and passed the
 * threshold. (A PING read before the EVAL answers +PONG and is simply sent again.)
 */
async function waitBusy(probe: Pair): Promise<void> {
  const [, h] = await probe.both(async (c) => {
    const deadline = Date.now() + BUSY_DEADLINE_MS;
    for (;;) {
      const reply = (await c.call('PING')).toString('latin1');
      if (reply.startsWith('-BUSY')) return;
      if (Date.now() > deadline) throw new Error(`PING still answers "${escapeBytes(Buffer.from(reply, 'latin1'))}" after ${BUSY_DEADLINE_MS} ms`);
      await delay(5);
    }
  });
  if (h instanceof Error) throw h;
}

/** Polls `argv` on `probe` until it is no longer -BUSY (the script ended), then compares that reply. */
async function afterBusy(probe: Pair, ...argv: Arg[]): Promise<void> {
  const [r, h] = await probe.both(async (c) => {
    const deadline = Date.now() + SCRIPT_DEADLINE_MS;
    for (;;) {
      const reply = await c.call(...argv);
      if (!reply.toString('latin1').startsWith('-BUSY')) return reply;
      if (Date.now() > deadline) throw new Error(`still -BUSY after ${SCRIPT_DEADLINE_MS} ms`);
      await delay(10);
    }
  });
  probe.same(h instanceof Error ? `<${h.message}>` : escapeBytes(h), escapeBytes(r), `${argv.join(' ')} once the script ended`);
}

// ─── Killing a script ───────────────────────────────────────────────────────────────────────────

dual.case('SCRIPT KILL ends a looping script; meanwhile others get -BUSY, allow_busy commands run', async (pair, tt) => {
  const other = await another(tt, dual.running);
  const third = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  send(pair, ['EVAL', SPIN, '0']);
  await waitBusy(other);
  for (const argv of [
    ['GET', 'x'], ['SET', 'x', '1'], ['PING'], ['ECHO', 'x'], ['DBSIZE'], ['INFO', 'server'], ['CONFIG', 'GET', 'maxmemory'],
    ['SELECT', '1'], ['CLIENT', 'ID'], ['CLIENT', 'SETNAME', 'n'], ['CLIENT', 'KILL', 'ID', '12345'], ['COMMAND', 'COUNT'],
    ['EVAL', 'return 1', '0'], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], ['SCRIPT', 'LOAD', 'return 1'],
    ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'], ['SCRIPT', 'FLUSH'], ['FLUSHALL'], ['DEBUG', 'SLEEP', '0'],
    ['SUBSCRIBE', 'c'], ['UNSUBSCRIBE'], ['PUBLISH', 'c', 'm'], ['BLPOP', 'l', '1'],
  ]) {
    await other.step(error(...argv));
  }
  // Refused before the busy check, with their own errors.
  await other.step(error('NOSUCHCOMMAND'));
  await other.step(error('GET'));
  await other.step(error('SCRIPT', 'NOSUCHSUB'));
  // allow_busy: these run.
  await other.do('MULTI');
  await other.do('DISCARD');
  await other.do('WATCH', 'x');
  await other.do('UNWATCH');
  await other.step(error('AUTH', 'nopass'));
  await other.step(mapExcept(['id', 'version'], 'HELLO', '2'));
  await other.do('RESET');
  await third.step(rawClose('*1\r\n$4\r\nQUIT\r\n'));
  // The script is still running: killing it answers its client with Redis's error and line.
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'the killed script answers its client');
  await other.step(error('SCRIPT', 'KILL'));
  await other.do('PING');
  await pair.do('PING');
  await pair.do('GET', 'x');
});

// (A loop that calls a Lua function is left out: Redis stops it in the caller or in the callee,
// whichever its instruction-count hook happens to land in.)
dual.case('the killed script names the line it was running', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  for (const body of [
    'while true do end',
    'local function spin()\n  while true do end\nend\n\nspin()',
    'local t = {}\n\nwhile true do t[1] = (t[1] or 0) + 1 end\nreturn t[1]',
    'local t = {}\nfor i = 1, 1e15 do t[i % 10] = i end',
  ]) {
    send(pair, ['EVAL', body, '0']);
    await waitBusy(other);
    await other.do('SCRIPT', 'KILL');
    await expectReplies(pair, `killed: ${JSON.stringify(body)}`);
  }
  send(pair, ['EVAL', 'local i = 0\nwhile true do\n  i = i + 1\nend', '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'killed in a loop body of its own line');
  // Read-only by flag, by EVAL_RO, and by EVALSHA: all killable.
  send(pair, ['EVAL_RO', SPIN, '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'EVAL_RO killed');
  send(pair, ['EVAL', `#!lua flags=no-writes\n${SPIN}`, '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'a no-writes script killed');
  await pair.do('SCRIPT', 'LOAD', SPIN);
  send(pair, ['EVALSHA', '3fcf51a9b854b8f66cb8685600b0d7df968f4398', '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'EVALSHA killed');
});

dual.case('a script that read before looping is still killable; one that failed a write is not', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  await pair.do('SET', 's', 'text');
  send(pair, ['EVAL', `redis.call("get", "s") redis.call("exists", "s") ${SPIN}`, '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'a reader is killed');
  // Redis marks the script dirty before the write runs: a write that fails still counts.
  send(pair, ['EVAL', `redis.pcall("incr", "s") ${COUNT_TO_LONG_LOOP} return i`, '0']);
  await waitBusy(other);
  await other.step(error('SCRIPT', 'KILL'));
  await expectReplies(pair, 'a failed write makes it unkillable: it ends by itself');
});

// ─── Scripts that end by themselves ─────────────────────────────────────────────────────────────

dual.case('a script that wrote runs to its end: UNKILLABLE, -BUSY until then, its pipelined command after it', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  send(pair, ['EVAL', `redis.call("set", KEYS[1], ARGV[1]) ${COUNT_TO_LONG_LOOP} redis.call("incr", "n") return i`, '1', 'k', 'v'], ['GET', 'k'], ['GET', 'n']);
  await waitBusy(other);
  await other.step(error('SCRIPT', 'KILL'));
  await other.step(error('GET', 'k'));
  await afterBusy(other, 'GET', 'k');
  await expectReplies(pair, 'the script, then its pipelined GETs', 3);
  await other.do('GET', 'n');
  await other.step(error('SCRIPT', 'KILL'));
});

dual.case('below busy-reply-threshold the others wait for the script, no -BUSY', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', '60000');
  // A loop shorter than LONG_LOOP: the PING below waits for its end within the 5 s reply
  // deadline even on a loaded machine.
  send(pair, ['EVAL', `redis.call("set", "k", "v") local i = 0 while i < ${LONG_LOOP / 8} do i = i + 1 end return i`, '0']);
  // Whether read before or during the script, these are answered as if nothing were busy.
  await other.do('PING');
  await other.do('GET', 'k');
  await expectReplies(pair, 'the script');
  await other.do('GET', 'k');
});

dual.case('the script\'s client leaves while its script is busy: the script still ends and writes', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  send(pair, ['EVAL', `${COUNT_TO_LONG_LOOP} redis.call("set", "k", "written") return i`, '0']);
  await waitBusy(other);
  pair.redis.close();
  pair.target.close();
  await afterBusy(other, 'GET', 'k');
  await other.do('DBSIZE');
});

// ─── Transactions ───────────────────────────────────────────────────────────────────────────────

dual.case('a busy script inside MULTI/EXEC; another client\'s MULTI doomed by -BUSY', async (pair, tt) => {
  const other = await another(tt, dual.running);
  const third = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  await pair.do('MULTI');
  await pair.do('SET', 'k', 'v');
  await pair.do('EVAL', SPIN, '0');
  await pair.do('GET', 'k');
  send(pair, ['EXEC']);
  await waitBusy(other);
  await third.do('MULTI');
  await third.step(error('GET', 'k'));
  // Inside MULTI, SCRIPT KILL (allow_busy) passes the busy check and is queued like any command.
  await third.do('SCRIPT', 'KILL');
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'EXEC: SET, the killed script, GET');
  await third.step(error('EXEC'));
  await other.do('GET', 'k');
});

// ─── Functions ──────────────────────────────────────────────────────────────────────────────────

const SPIN_LIBRARY = [
  '#!lua name=spinlib',
  "redis.register_function('spin', function(keys, args)",
  '  local i = 0',
  '  while true do i = i + 1 end',
  'end)',
  "redis.register_function{function_name='spinro', callback=function() while true do end end, flags={'no-writes'}}",
].join('\n');

dual.case('a busy function: the FUNCTION KILL variant of -BUSY, FUNCTION KILL', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  await pair.do('FUNCTION', 'LOAD', SPIN_LIBRARY);
  send(pair, ['FCALL', 'spin', '0']);
  await waitBusy(other);
  for (const argv of [['GET', 'x'], ['FUNCTION', 'LIST'], ['FUNCTION', 'DELETE', 'spinlib'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'LOAD', 'return 1']]) {
    await other.step(error(...argv));
  }
  await other.do('FUNCTION', 'KILL');
  await expectReplies(pair, 'the killed function answers its client');
  send(pair, ['FCALL_RO', 'spinro', '0']);
  await waitBusy(other);
  await other.do('FUNCTION', 'KILL');
  await expectReplies(pair, 'FCALL_RO killed');
  await other.step(error('FUNCTION', 'KILL'));
  await pair.do('FUNCTION', 'DELETE', 'spinlib');
});

dual.case('SCRIPT KILL and FUNCTION KILL each refuse the other kind of script; FUNCTION STATS during EVAL', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  await pair.do('FUNCTION', 'LOAD', SPIN_LIBRARY);
  send(pair, ['EVAL', SPIN, '0']);
  await waitBusy(other);
  await other.step(error('FUNCTION', 'KILL'));
  await other.step(error('FUNCTION', 'STATS'));
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'the EVAL killed by SCRIPT KILL');
  send(pair, ['FCALL', 'spin', '0', 'x']);
  await waitBusy(other);
  await other.step(error('SCRIPT', 'KILL'));
  await other.do('FUNCTION', 'KILL');
  await expectReplies(pair, 'the function killed by FUNCTION KILL');
  await pair.do('FUNCTION', 'DELETE', 'spinlib');
});

dual.case('FUNCTION STATS names the busy function as registered and its command as the client typed it', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  await pair.do('FUNCTION', 'LOAD', "#!lua name=caselib\nredis.register_function{function_name='Spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}");
  // duration_ms differs: only its presence is compared.
  const noDuration = (reply: Buffer): string => escapeBytes(Buffer.from(reply.toString('latin1').replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:N'), 'latin1'));
  for (const command of [['fCall_Ro', 'sPIN', '1', 'kk', 'arg'], ['FCALL', 'spin', '0']]) {
    send(pair, command);
    await waitBusy(other);
    const [r, h] = await other.both((c) => c.call('FUNCTION', 'STATS'));
    other.same(h instanceof Error ? `<${h.message}>` : noDuration(h), noDuration(r), `FUNCTION STATS during ${command.join(' ')}`);
    await other.do('FUNCTION', 'KILL');
    await expectReplies(pair, `${command.join(' ')} killed`);
  }
  await pair.do('FUNCTION', 'DELETE', 'caselib');
});

// ─── pcall and the kill ─────────────────────────────────────────────────────────────────────────

dual.case('a pcall around the loop does not save the script from SCRIPT KILL', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  send(pair, ['EVAL', `local ok = pcall(function() ${SPIN} end)\nreturn "survived"`, '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'killed on the line after the pcall');
});

dual.case('a loop inside a coroutine or a wrap function is a busy script like any other', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  for (const body of [
    `local co = coroutine.create(function() ${SPIN} end)\nlocal ok, err = coroutine.resume(co)\nreturn 'after'`,
    `local f = coroutine.wrap(function() coroutine.yield(1) ${SPIN} end)\nf()\nf()\nreturn 'after'`,
    `local co = coroutine.create(function() return pcall(function() ${SPIN} end) end)\ncoroutine.resume(co)\nreturn 'after'`,
  ]) {
    send(pair, ['EVAL', body, '0']);
    await waitBusy(other);
    await other.step(error('GET', 'x'));
    await other.do('SCRIPT', 'KILL');
    await expectReplies(pair, `killed: ${JSON.stringify(body)}`);
    await other.do('PING');
  }
  // A coroutine that yields from inside its loop, resumed again and again by the main chunk.
  send(pair, ['EVAL', 'local co = coroutine.wrap(function() while true do coroutine.yield() end end)\nwhile true do co() end', '0']);
  await waitBusy(other);
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'a generator resumed for ever, killed');
});

// ─── INFO ───────────────────────────────────────────────────────────────────────────────────────


dual.case('INFO after busy scripts: error counts and rejected calls', async (pair, tt) => {
  const other = await another(tt, dual.running);
  await pair.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
  await pair.do('CONFIG', 'RESETSTAT');
  send(pair, ['EVAL', SPIN, '0']);
  await waitBusy(other);
  await other.step(error('GET', 'x'));
  await other.step(error('SET', 'x', '1'));
  await other.do('SCRIPT', 'KILL');
  await expectReplies(pair, 'killed');
  const [rErrors, hErrors] = await infoLines(pair, 'errorstats');
  pair.same(hErrors, rErrors, 'INFO errorstats: the -BUSY replies and the killed script\'s ERR');
  const [rCommands, hCommands] = await infoLines(pair, 'commandstats');
  const pick = (lines: string[] | Error, name: string): string | undefined =>
    lines instanceof Error ? lines.message : lines.find((line) => line.startsWith(`${name}:`));
  // (Not PING: waitBusy's first PING may have been read before the EVAL and answered.)
  for (const name of ['cmdstat_get', 'cmdstat_set', 'cmdstat_script|kill']) {
    pair.same(pick(hCommands, name), pick(rCommands, name), `INFO commandstats ${name}`);
  }
  pair.same(pick(hCommands, 'cmdstat_eval'), pick(rCommands, 'cmdstat_eval'), 'INFO commandstats cmdstat_eval');
  const [rStats, hStats] = await infoLines(pair, 'stats');
  pair.same(pick(hStats, 'total_error_replies'), pick(rStats, 'total_error_replies'), 'INFO stats total_error_replies');
});

// ─── Servers of their own: SHUTDOWN ─────────────────────────────────────────────────────────────

/**
 * A case on a redis-server and a target of its own, since it shuts them down: two connections
 * each (the script's and another), threshold already set.
 */
function withOwnServers(name: string, body: (script: Pair, other: Pair, servers: Servers) => Promise<void>, options: { todo?: string } = {}): void {
  if (!dual.enabled) return;
  void t.test(name, options, async (tt) => {
    const started: ServerProcess[] = [];
    tt.teardown(() => Promise.all(started.map((s) => s.stop())).then(() => undefined));
    const [redis, target] = await Promise.all([
      startRealRedis().then((s) => (started.push(s), s)),
      startTarget().then((s) => (started.push(s), s)),
    ]);
    const servers: Servers = { redis, target, targetName: compatTargetName() };
    const script = await another(tt, servers);
    const other = await another(tt, servers);
    await script.do('CONFIG', 'SET', 'busy-reply-threshold', THRESHOLD_MS);
    await body(script, other, servers);
  });
}

/** Waits for both processes to exit and compares how (the exit code). */
async function expectExited(pair: Pair, servers: Servers): Promise<void> {
  const exited = (s: ServerProcess): Promise<string> => Promise.race([
    s.exited().then(() => s.exitStatus() ?? 'running'),
    delay(BUSY_DEADLINE_MS).then(() => `still running after ${BUSY_DEADLINE_MS} ms`),
  ]);
  const [r, h] = await Promise.all([exited(servers.redis), exited(servers.target)]);
  pair.same(h, r, 'the server exited');
}

withOwnServers('a script that wrote answers UNKILLABLE; SHUTDOWN NOSAVE ends the server', async (script, other, servers) => {
  send(script, ['EVAL', `redis.call("set", "w", "1") ${SPIN}`, '0']);
  await waitBusy(other);
  await other.step(error('SCRIPT', 'KILL'));
  await other.step(error('SHUTDOWN', 'SAVE', 'bogus'));
  // Every byte until each server closes the connection (none: SHUTDOWN NOSAVE does not reply).
  const [rOther, hOther] = await other.both(async (c) => {
    c.send('SHUTDOWN', 'NOSAVE');
    return c.readUntilClose(BUSY_DEADLINE_MS);
  });
  other.same(hOther instanceof Error ? `<${hOther.message}>` : escapeBytes(hOther), escapeBytes(rOther), 'SHUTDOWN NOSAVE: the connection closes');
  const [rScript, hScript] = await script.both((c) => c.readUntilClose(BUSY_DEADLINE_MS));
  script.same(hScript instanceof Error ? `<${hScript.message}>` : escapeBytes(hScript), escapeBytes(rScript), 'the script\'s client gets no reply');
  await expectExited(other, servers);
});

withOwnServers('SHUTDOWN without NOSAVE during a busy script answers -BUSY', async (script, other, servers) => {
  send(script, ['EVAL', `redis.call("set", "w", "1") ${SPIN}`, '0']);
  await waitBusy(other);
  await other.step(error('SHUTDOWN'));
  await other.step(error('SHUTDOWN', 'SAVE'));
  await other.step(error('FUNCTION', 'KILL'));
  const [r] = await other.both(async (c) => {
    c.send('SHUTDOWN', 'NOSAVE');
    return c.readUntilClose(BUSY_DEADLINE_MS);
  });
  other.same(escapeBytes(r), '', 'SHUTDOWN NOSAVE closes the connection');
  await expectExited(other, servers);
});

withOwnServers('a repeat ... until loop is a busy script like any other', async (script, other) => {
  send(script, ['EVAL', 'local i = 0 repeat i = i + 1 until i < 0', '0']);
  await waitBusy(other);
  await other.step(error('GET', 'x'));
  await other.do('SCRIPT', 'KILL');
  await expectReplies(script, 'killed');
  await other.do('PING');
});
