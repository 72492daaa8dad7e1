/**
 * DEBUG's test hooks and the client-eviction report:
 *
 *   AOF-FLUSH-SLEEP <µs>             stall before each AOF write(2), as if the disk were slow
 *   REPLYBUFFER RESIZING <0|1>       turn the clients cron's reply-buffer pass off or on
 *   REPLYBUFFER PEAK-RESET-TIME <ms|NEVER|RESET>
 *                                    how often that pass forgets a reply buffer's peak
 *   LEAK <string>                    keep a copy of the string for good (Redis leaks it)
 *   SET-DISABLE-DENY-SCRIPTS <0|1>   let scripts call the commands flagged noscript (DEBUG,
 *                                    CONFIG, CLIENT...), most of them (scripting/redis-api.ts)
 *   CLIENT-EVICTION                  the maxmemory-clients buckets: the clients that can be
 *                                    evicted grouped by tot-mem, a bucket per power of two
 *
 * The settings live in server/debug-hooks.ts, read by the code whose behaviour they change.
 * Numbers are read as Redis reads them: AOF-FLUSH-SLEEP, RESIZING and SET-DISABLE-DENY-SCRIPTS
 * with C's atoi (anything goes, junk is 0), PEAK-RESET-TIME as a strict integer.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { DEFAULT_PEAK_RESET_MS } from '../debug-hooks';
import { at, atoi, int64Arg, isWord } from './args';
import { EVICTION_BUCKETS, evictionBucketOf, evictionBucketRange } from '../memory/client-eviction';

export const HOOK_SUBCOMMANDS = ['AOF-FLUSH-SLEEP', 'REPLYBUFFER', 'LEAK', 'CLIENT-EVICTION', 'SET-DISABLE-DENY-SCRIPTS'] as const;

/** Handles `sub` if it is one of this file's subcommands with its arity; false otherwise. */
export function debugHooks(ctx: CommandContext, sub: string, argv: ByteString[]): boolean {
  const hooks = ctx.server.debugHooks;
  const argc = argv.length;
  if (sub === 'aof-flush-sleep' && argc === 3) {
    // Redis would hand a negative value to usleep as a huge unsigned one; here it means no stall.
    hooks.aofFlushSleepUs = Math.max(0, atoi(at(argv, 2)));
  } else if (sub === 'replybuffer' && argc === 4 && isWord(at(argv, 2), 'peak-reset-time')) {
    const value = at(argv, 3);
    if (isWord(value, 'never')) hooks.replyBufferPeakResetMs = -1;
    else if (isWord(value, 'reset')) hooks.replyBufferPeakResetMs = DEFAULT_PEAK_RESET_MS;
    else hooks.replyBufferPeakResetMs = Number(int64Arg(value));
  } else if (sub === 'replybuffer' && argc === 4 && isWord(at(argv, 2), 'resizing')) {
    hooks.replyBufferResizing = atoi(at(argv, 3)) !== 0;
  } else if (sub === 'leak' && argc === 3) {
    hooks.leaked.push(at(argv, 2));
  } else if (sub === 'set-disable-deny-scripts' && argc === 3) {
    hooks.scriptsMayCallNoscript = atoi(at(argv, 2)) !== 0;
  } else if (sub === 'client-eviction' && argc === 2) {
    ctx.reply.bulk(clientEvictionReport(ctx));
    return true;
  } else {
    return false;
  }
  ctx.reply.ok();
  return true;
}

/**
 * Which clients are in a bucket, as in Redis: normal and pub/sub clients (not replicas or the
 * master link, not CLIENT NO-EVICT ones), once a command of theirs finished or the clients cron
 * went over them; the one asking counts from its second command on.
 */
function clientEvictionReport(ctx: CommandContext): string {
  if (ctx.server.config.number('maxmemory-clients') === 0) throw new ReplyError('ERR maxmemory-clients is disabled.');
  const totals = new Array<number>(EVICTION_BUCKETS).fill(0);
  const counts = new Array<number>(EVICTION_BUCKETS).fill(0);
  for (const client of ctx.server.clients.values()) {
    const session = client.session;
    if (client.kind !== 'normal' || session.noEvict) continue;
    const finished = session === ctx.session ? session.commandsStarted - 1 : session.commandsStarted;
    if (finished === 0 && !client.memory.cronSeen) continue;
    const bytes = client.evictionMemoryBytes;
    const bucket = evictionBucketOf(bytes);
    totals[bucket] = (totals[bucket] as number) + bytes;
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  let text = '';
  for (let b = 0; b < EVICTION_BUCKETS; b++) {
    const [low, high] = evictionBucketRange(b);
    const range = b === EVICTION_BUCKETS - 1 ? `${low}+`.padEnd(23) : `${String(low).padStart(10)} - ${String(high).padStart(10)}`;
    text += `bucket ${range}: tot-mem: ${String(totals[b]).padStart(10)}, clients: ${counts[b]}\n`;
  }
  return text;
}
