/**
 * "Pop now or block": the one shape of every blocking pop (BLPOP, BRPOP, BLMPOP, BLMOVE,
 * BRPOPLPUSH, BZPOPMIN, BZPOPMAX, BZMPOP). See server/blocking.ts for the waiting machinery.
 *
 *   1. Walk the keys in order. A key holding another type is WRONGTYPE (even when a later key
 *      could serve); a missing key is skipped; the first key holding the awaited type is popped
 *      at once, and the command is replicated as the non-blocking command `pop` returns.
 *   2. Every key missing: a session that may not wait (inside EXEC, a replication link, a
 *      socketless session) answers the null array (the null bulk string for BLMOVE and
 *      BRPOPLPUSH) at once, as Redis does.
 *   3. Otherwise the session blocks, with a serve function that repeats step 1's pop for the
 *      key that became ready and sends the non-blocking command to replicas. A pop that throws
 *      a client error then (BLMOVE whose destination now holds another type) answers it and
 *      unblocks the client without popping, as Redis does.
 *
 * `pop` writes the reply and returns what replicas must replay (LPOP key, ZPOPMIN key 2...);
 * `served` says whether it serves a client that waited (step 3) rather than popping at once.
 */
import type { ByteString } from '../../storage/bytes';
import type { ListValue, SortedSetValue, StoredValue } from '../../storage/values';
import type { BlockedType, ServeFn } from '../blocking';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';

/** The value a waiter of each type pops from. */
export type PopValue<T extends BlockedType> = T extends 'list' ? ListValue : T extends 'zset' ? SortedSetValue : never;

function holds<T extends BlockedType>(value: StoredValue, type: T): value is PopValue<T> {
  return typeof value !== 'string' && value.kind === type;
}

/** Whether nothing can be popped and the command cannot wait: its reply then. */
export type NoWaitReply = 'null-array' | 'null-bulk';

export function popOrBlock<T extends BlockedType>(
  ctx: CommandContext,
  argv: readonly ByteString[],
  keys: readonly ByteString[],
  deadlineMs: number,
  type: T,
  noWaitReply: NoWaitReply,
  pop: (key: ByteString, value: PopValue<T>, served: boolean) => ByteString[],
): void {
  for (const key of keys) {
    const value = ctx.db.get(key, ctx.nowMs);
    if (value === undefined) continue;
    if (!holds(value, type)) throw new ReplyError(ERR.wrongType);
    ctx.propagateAs(pop(key, value, false));
    return;
  }
  if (!ctx.mayBlock) {
    if (noWaitReply === 'null-bulk') ctx.reply.nullBulk();
    else ctx.reply.nullArray();
    return;
  }
  const serve: ServeFn = (key) => {
    const value = ctx.db.get(key, ctx.nowMs);
    if (value === undefined || !holds(value, type)) return 'empty';
    let replicated: ByteString[];
    try {
      replicated = pop(key, value, true);
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err;
      ctx.reply.error(err.text);
      return 'answered';
    }
    ctx.alsoPropagate(replicated);
    return 'served';
  };
  ctx.block(argv, keys, deadlineMs, serve, type);
}
