/*
 * DEBUG SEGFAULT, PANIC, ASSERT and OOM against a real redis-server: what a test harness sees of
 * a crash on purpose must be the same. The client gets no reply (the connection closes), the
 * process dies by the same signal (SIGSEGV, or SIGABRT), and the log carries the bug report
 * framing and the crash's own line, with a backtrace that names debugCommand (Redis's checks for
 * a crash report look for these, tests/integration/logging.tcl).
 *
 * Each crash needs its own pair of servers.
 */
import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import { encodeCommand, escapeBytes } from '../../bench/harness/resp';
import { delay, type ServerProcess } from '../../bench/harness/server-process';
import { startTarget, targetName } from '../helpers/target';

/** The subcommand, and the line of its report both logs must show. */
const CRASHES: ReadonlyArray<readonly [string, RegExp]> = [
  ['SEGFAULT', /# Redis 7\.0\.15 crashed by signal: 11/],
  ['PANIC', /# Guru Meditation: DEBUG PANIC called at Unix time \d+ /],
  ['ASSERT', /# === ASSERTION FAILED ===\n.*# ==> \S+ '1 == 2' is not true/],
  ['OOM', /# Out Of Memory allocating 9223372036854775807 bytes!/],
];

const REPORT = /=== REDIS BUG REPORT START: Cut & paste starting from here ===[\s\S]*Backtrace:[\s\S]*debugCommand[\s\S]*------ INFO OUTPUT ------[\s\S]*=== REDIS BUG REPORT END\. Make sure to include from START to END\. ===/;

/** Sends the crash, reads until the server closes, waits for the process to end. */
async function crash(server: ServerProcess, sub: string): Promise<string> {
  const client = await RawClient.connect(server.port);
  // Redis crashes whatever follows the subcommand: OOM is sent with an argument to check that.
  client.write(encodeCommand(sub === 'OOM' ? ['DEBUG', sub, 'extra'] : ['DEBUG', sub]));
  const reply = await client.readUntilClose(20_000);
  client.close();
  const deadline = Date.now() + 20_000;
  while (server.exitStatus() === null && Date.now() < deadline) await delay(20);
  const log = server.output();
  return [
    `reply: "${escapeBytes(reply)}"`,
    `ended: ${server.exitStatus() ?? 'still running'}`,
    `report: ${REPORT.test(log)}`,
  ].join('\n');
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  for (const [sub, line] of CRASHES) {
    t.test(`DEBUG ${sub}`, async (tt) => {
      // No memory test after the report: it only makes redis-server slower to die.
      const args = ['--crash-memcheck-enabled', 'no'];
      const servers = await Promise.all([startRealRedis(args), startTarget(args)]);
      tt.teardown(() => Promise.all(servers.map((s) => s.stop())).then(() => undefined));
      const [redis, target] = servers as [ServerProcess, ServerProcess];
      const [expected, actual] = await Promise.all([crash(redis, sub), crash(target, sub)]);
      tt.match(redis.output(), line, 'redis-server logs the crash line');
      tt.match(target.output(), line, `${targetName()} logs it too`);
      tt.equal(expected, `reply: ""\nended: signal ${sub === 'SEGFAULT' ? 'SIGSEGV' : 'SIGABRT'}\nreport: true`, 'redis-server: no reply, the signal, a report');
      tt.equal(actual, expected, `${targetName()}: the same`);
    });
  }
}
