/**
 * The operations every list command is built from: finding a list (or WRONGTYPE), pushing,
 * popping and moving elements, and the one place where "a list received elements" is announced.
 *
 * A list is a ListValue around a Denque (storage/values.ts): a ring buffer with O(1) push and pop
 * at both ends and O(1) access by index, which is what LPUSH/RPOP, LINDEX and LRANGE need. The
 * rare edits in the middle (LINSERT, LSET, LREM) cost O(n) at worst, as they do in Redis.
 *
 * Two rules hold for every list in the keyspace, and these helpers keep them:
 *  - a list is never empty: the command that takes its last element deletes the key;
 *  - every change is counted (db.set for a new key, db.markModified for an edit in place, db.delete
 *    for the last element), because the dispatcher propagates a write command to replicas only
 *    when the change counter moved. A command that ends up changing nothing (LPOP k 0, LTRIM that
 *    keeps everything, LREM that finds nothing) is therefore not propagated, exactly as in Redis.
 *
 * Pushes and the blocking commands
 * --------------------------------
 * BLPOP and friends wait for a list to receive elements. Every command that adds elements to a
 * list (LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT, the destination side of LMOVE and RPOPLPUSH) goes
 * through `pushElements`, which ends by calling `ctx.signalKeyReady`, the node's one wake-up
 * path (server/blocking.ts). Like Redis's "ready keys" it only notes the key; the waiting clients
 * are served once the current command (or EXEC) has finished, using `popElements`/`moveElement`
 * so that a served pop is counted and propagated like the non-blocking command.
 *
 * Keys that become lists without a push (RENAME, COPY, MOVE, RESTORE) do not pass through here:
 * the database announces every key a command creates (KeyspaceObserver.keyAdded), and the node
 * signals a new list's key as ready from there. A replica's full sync loads keys unannounced.
 */
import type { ByteString } from '../../storage/bytes';
import type { Database } from '../../storage/database';
import { ListValue, type StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { isWord } from './args';
import { NotifyFlag } from '../config/special-codecs';
import { newListShape } from '../debug-hooks';

/** Which end of a list: LEFT is the head (index 0), RIGHT the tail. */
export type ListEnd = 'left' | 'right';

/** The value as a list, or WRONGTYPE. */
export function asList(value: StoredValue): ListValue {
  if (typeof value === 'string' || value.kind !== 'list') throw new ReplyError(ERR.wrongType);
  return value;
}

/** A list for a read-only command: counts a keyspace hit or miss. */
export function readList(ctx: CommandContext, key: ByteString): ListValue | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asList(value);
}

/** A list for a writing command (no hit/miss statistics, as Redis's lookupKeyWrite). */
export function writableList(ctx: CommandContext, key: ByteString): ListValue | undefined {
  const value = ctx.db.get(key, ctx.nowMs);
  return value === undefined ? undefined : asList(value);
}

/** LEFT or RIGHT, case-insensitively, or a syntax error. */
export function listEndArg(arg: ByteString): ListEnd {
  if (isWord(arg, 'left')) return 'left';
  if (isWord(arg, 'right')) return 'right';
  throw new ReplyError(ERR.syntax);
}

/**
 * Pushes `elements[from..]` one by one at `end` of the list at `key` (so LPUSH k a b c leaves
 * c b a), creating the key when `list` is undefined. Returns the new length. The single entry
 * point for elements arriving in a list.
 */
export function pushElements(
  ctx: CommandContext,
  key: ByteString,
  list: ListValue | undefined,
  elements: readonly ByteString[],
  from: number,
  end: ListEnd,
): number {
  const db = ctx.db;
  const nowMs = ctx.nowMs;
  let target = list;
  if (target === undefined) {
    target = new ListValue(undefined, newListShape(ctx.config, ctx.server.debugHooks));
    db.set(key, target, nowMs);
  } else {
    db.markModified(key, nowMs);
  }
  const items = target.items;
  if (end === 'left') {
    for (let i = from; i < elements.length; i++) items.unshift(elements[i] as ByteString);
  } else {
    for (let i = from; i < elements.length; i++) items.push(elements[i] as ByteString);
  }
  ctx.notifyKeyEvent(NotifyFlag.list, end === 'left' ? 'lpush' : 'rpush', key);
  ctx.signalKeyReady(key);
  return items.length;
}

/** After an element was added in the middle of an existing list (LINSERT). */
export function noteInsertedInPlace(ctx: CommandContext, key: ByteString): void {
  ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.list, 'linsert', key);
  ctx.signalKeyReady(key);
}

/**
 * Records that command `event` (lpop, lrem, ltrim...) removed elements from the list at `key`:
 * deletes the key when the list is now empty (notifying del after the event), counts the
 * change otherwise.
 */
export function noteRemoved(ctx: CommandContext, key: ByteString, list: ListValue, event: string): void {
  const emptied = list.items.length === 0;
  if (emptied) ctx.db.delete(key);
  else ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.list, event, key);
  if (emptied) ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
}

function popEvent(end: ListEnd): string {
  return end === 'left' ? 'lpop' : 'rpop';
}

/** Pops up to `count` (> 0) elements from `end`, in popping order; deletes an emptied list. */
export function popElements(ctx: CommandContext, key: ByteString, list: ListValue, count: number, end: ListEnd): ByteString[] {
  const items = list.items;
  const n = Math.min(count, items.length);
  const popped = new Array<ByteString>(n);
  for (let i = 0; i < n; i++) popped[i] = (end === 'left' ? items.shift() : items.pop()) as ByteString;
  if (n > 0) noteRemoved(ctx, key, list, popEvent(end));
  return popped;
}

/**
 * LMOVE's core: pops one element from `from` of the source and pushes it at `to` of the
 * destination (which may be the same list: a rotation). The caller has checked both types and
 * that the source exists. `dstList` is the destination as looked up before the pop.
 */
export function moveElement(
  ctx: CommandContext,
  src: ByteString,
  srcList: ListValue,
  dst: ByteString,
  dstList: ListValue | undefined,
  from: ListEnd,
  to: ListEnd,
): ByteString {
  const element = (from === 'left' ? srcList.items.shift() : srcList.items.pop()) as ByteString;
  // Push before deciding about the source: for src === dst the list is not left empty.
  pushElements(ctx, dst, dstList, [element], 0, to);
  if (src !== dst) noteRemoved(ctx, src, srcList, popEvent(from));
  else ctx.notifyKeyEvent(NotifyFlag.list, popEvent(from), src);
  return element;
}
