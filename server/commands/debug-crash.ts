/**
 * DEBUG SEGFAULT, PANIC, ASSERT and OOM: crash the server on purpose, as test suites do to check
 * what a crash leaves behind (Redis's own logging tests, failover tests killing a primary). What
 * a harness can observe is made the same as redis-server 7.0.15's:
 *
 *   the client       gets no reply: the connection just closes
 *   the log          a bug report between "=== REDIS BUG REPORT START: Cut & paste starting from
 *                    here ===" and "=== REDIS BUG REPORT END. ..." with the crash's own lines
 *                    ("crashed by signal: 11", "Guru Meditation: ...", "=== ASSERTION FAILED ===",
 *                    "Out Of Memory allocating ..."), the stack (here the JavaScript one, which
 *                    names debugCommand as Redis's backtrace does) and INFO
 *   the process      dies by the signal: SIGSEGV for SEGFAULT (status 139 in a shell), SIGABRT
 *                    for the others (134); the pidfile stays, as after a real crash
 *
 * Only the process owner can kill the process (DebugHooks.crashProcess, set by the CLI). A node hosted
 * with others in one process (the simulator, in-process tests) closes instead, abruptly: no save,
 * no reply. The sections of Redis's report this model has nothing for (registers, the memory
 * test, code around EIP) are left out. RESTART and CRASH-AND-RECOVER are not offered: Redis
 * re-executes itself in place (same pid), which a Node process cannot do.
 */
import type { ByteString } from '../../storage/bytes';
import { REDIS_VERSION } from '../../storage/redis-version';
import type { CommandContext } from '../dispatch/command-context';
import { infoText } from './info';

/** The subcommands this file answers, as DEBUG HELP names them. */
export const CRASH_SUBCOMMANDS = ['SEGFAULT', 'PANIC', 'ASSERT', 'OOM'] as const;

const REPORT_START = '\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===';
const REPORT_END = [
  '',
  '=== REDIS BUG REPORT END. Make sure to include from START to END. ===',
  '',
  '       Please report the crash by opening an issue on github:',
  '',
  '           http://github.com/redis/redis/issues',
  '',
  '  If a Redis module was involved, please open in the module\'s repo instead.',
  '',
  '  Suspect RAM error? Use redis-server --test-memory to verify it.',
  '',
  '  Some other issues could be detected by redis-server --check-system',
  '',
].join('\n');

/** What serverPanic prints before its message. */
const PANIC_LINES = ['------------------------------------------------', '!!! Software Failure. Press left mouse button to continue'];

/** zmalloc's request in DEBUG OOM: LONG_MAX bytes. */
const OOM_BYTES = '9223372036854775807';

/** Handles `sub` if it is one of the crash subcommands (which, as in Redis, ignore any argument); false otherwise. */
export function debugCrash(ctx: CommandContext, sub: string, argv: readonly ByteString[]): boolean {
  const log = ctx.log;
  const warn = (line: string): void => log.warning(line);
  switch (sub) {
    case 'segfault':
      log.raw(REPORT_START, 'warning');
      warn(`Redis ${REDIS_VERSION} crashed by signal: 11, si_code: 2`);
      break;
    case 'panic':
      log.raw(REPORT_START, 'warning');
      for (const line of PANIC_LINES) warn(line);
      warn(`Guru Meditation: DEBUG PANIC called at Unix time ${Math.floor(ctx.server.clock() / 1000)} #debug-crash.ts`);
      break;
    case 'assert':
      log.raw(REPORT_START, 'warning');
      warn('=== ASSERTION FAILED CLIENT CONTEXT ===');
      warn('client->flags = 0');
      warn(`client->argc = ${argv.length}`);
      argv.forEach((arg, i) => warn(`client->argv[${i}] = "${arg}" (refcount: 1)`));
      warn('=== ASSERTION FAILED ===');
      warn("==> debug-crash.ts '1 == 2' is not true");
      break;
    case 'oom':
      warn(`Out Of Memory allocating ${OOM_BYTES} bytes!`);
      log.raw(REPORT_START, 'warning');
      for (const line of PANIC_LINES) warn(line);
      warn(`Guru Meditation: Redis aborting for OUT OF MEMORY. Allocating ${OOM_BYTES} bytes! #debug-crash.ts`);
      break;
    default:
      return false;
  }
  const stack = (new Error('DEBUG').stack ?? '').split('\n').slice(1).map((l) => l.trim());
  log.raw(`\n------ STACK TRACE ------\n\nBacktrace:\n${stack.join('\n')}`, 'warning');
  log.raw(`\n------ INFO OUTPUT ------\n${infoText(ctx.server, ['all']).replace(/\r\n/g, '\n')}`, 'warning');
  log.raw(REPORT_END, 'warning');
  const crash = ctx.server.debugHooks.crashProcess;
  if (crash !== null) crash(sub === 'segfault' ? 'SIGSEGV' : 'SIGABRT');
  else void ctx.server.close();
  return true;
}
