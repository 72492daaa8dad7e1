/**
 * The list family: pushes and pops at both ends, access by index and range, trimming, removal,
 * insertion, LPOS, and the moves between lists (LMOVE, RPOPLPUSH, LMPOP). The blocking forms
 * (BLPOP, BLMOVE, ...) are built on the same operations; list-ops.ts says how they hook in.
 *
 * Indexes follow Redis: 0 is the head, -1 the tail, and a range [start, end] is inclusive and
 * clipped to the list. The order in which a command checks its arguments and its key is Redis's
 * and is visible to clients (LRANGE k x 1 on a missing key is an integer error, LINDEX k x on a
 * missing key is a null), so each handler parses and looks up in the order Redis 7.0 does.
 *
 * Replication: commands are propagated as they are, except LMPOP, which a replica receives as
 * the LPOP or RPOP with the count of elements actually popped (what Redis 7.0 sends). A command
 * that changed nothing is not propagated at all (list-ops.ts).
 */
import type { ByteString } from '../../storage/bytes';
import type { ListValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError, wrongArity } from '../dispatch/errors';
import { at, int64Arg, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import {
  listEndArg,
  moveElement,
  noteInsertedInPlace,
  noteRemoved,
  popElements,
  pushElements,
  readList,
  writableList,
  type ListEnd,
} from './list-ops';
import { NotifyFlag } from '../config/special-codecs';

const LIST_ERR = {
  countNotPositive: 'ERR value is out of range, must be positive',
  indexOutOfRange: 'ERR index out of range',
  rankZero:
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  countNegative: "ERR COUNT can't be negative",
  maxlenNegative: "ERR MAXLEN can't be negative",
  numkeysNotPositive: 'ERR numkeys should be greater than 0',
  mpopCountNotPositive: 'ERR count should be greater than 0',
} as const;

/** The largest value of a C long, the bound Redis puts on counts. */
const LONG_MAX = 9223372036854775807;
const LONG_MIN_BIG = -9223372036854775808n;

function replyElements(ctx: CommandContext, elements: readonly ByteString[]): void {
  ctx.reply.array(elements.length);
  for (const e of elements) ctx.reply.bulk(e);
}

// -------------------------------------------------------------------------------------------------
// Pushes and pops

/** LPUSH, RPUSH, and with `onlyExisting` LPUSHX, RPUSHX. */
function pushCommand(end: ListEnd, onlyExisting: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const key = at(argv, 1);
    const list = writableList(ctx, key);
    if (list === undefined && onlyExisting) {
      ctx.reply.integer(0);
      return;
    }
    ctx.reply.integer(pushElements(ctx, key, list, argv, 2, end));
  };
}

/** LPOP and RPOP: one element as a bulk string, or with a count an array of up to count. */
function popCommand(end: ListEnd, name: string) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    if (argv.length > 3) throw new ReplyError(wrongArity(name));
    const key = at(argv, 1);
    const countArg = argv[2];
    let count = 1;
    if (countArg !== undefined) {
      count = intArg(countArg, LIST_ERR.countNotPositive);
      if (count < 0) throw new ReplyError(LIST_ERR.countNotPositive);
    }
    const list = writableList(ctx, key);
    if (list === undefined) {
      if (countArg === undefined) ctx.reply.nullBulk();
      else ctx.reply.nullArray();
      return;
    }
    if (countArg === undefined) {
      ctx.reply.bulk(popElements(ctx, key, list, 1, end)[0] as ByteString);
      return;
    }
    // A count of 0 answers an empty array and changes nothing (so nothing is propagated).
    replyElements(ctx, count === 0 ? [] : popElements(ctx, key, list, count, end));
  };
}

/** LMPOP's and BLMPOP's arguments after the command (and timeout): the keys, the end, the count. */
export interface MpopArgs {
  readonly keys: ByteString[];
  readonly end: ListEnd;
  readonly count: number;
}

/** Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at argv[numKeysIndex]. */
export function parseMpopArgs(argv: readonly ByteString[], numKeysIndex: number): MpopArgs {
  const numKeys = intArg(at(argv, numKeysIndex), LIST_ERR.numkeysNotPositive);
  if (numKeys < 1) throw new ReplyError(LIST_ERR.numkeysNotPositive);
  const endIndex = numKeysIndex + numKeys + 1;
  if (endIndex >= argv.length) syntaxError();
  const end = listEndArg(at(argv, endIndex));
  let count = -1;
  for (let j = endIndex + 1; j < argv.length; j++) {
    if (isWord(argv[j], 'count') && j + 1 < argv.length && count === -1) {
      count = intArg(at(argv, ++j), LIST_ERR.mpopCountNotPositive);
      if (count < 1) throw new ReplyError(LIST_ERR.mpopCountNotPositive);
    } else {
      syntaxError();
    }
  }
  return { keys: argv.slice(numKeysIndex + 1, endIndex), end, count: count === -1 ? 1 : count };
}

/**
 * Pops up to `count` from `end` of the list at `key` and replies [key, [elements]]; returns the
 * command a replica is sent: LPOP/RPOP key popped-count (what Redis 7.0 sends for LMPOP).
 */
export function mpopFrom(ctx: CommandContext, key: ByteString, list: ListValue, end: ListEnd, count: number): ByteString[] {
  const popped = popElements(ctx, key, list, count, end);
  ctx.reply.array(2);
  ctx.reply.bulk(key);
  replyElements(ctx, popped);
  return [end === 'left' ? 'LPOP' : 'RPOP', key, String(popped.length)];
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first non-empty list. */
function lmpopCommand(ctx: CommandContext, argv: ByteString[]): void {
  const { keys, end, count } = parseMpopArgs(argv, 1);
  for (const key of keys) {
    const list = writableList(ctx, key);
    if (list === undefined) continue;
    ctx.propagateAs(mpopFrom(ctx, key, list, end, count));
    return;
  }
  ctx.reply.nullArray();
}

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT. */
function lmoveCommand(ctx: CommandContext, argv: ByteString[]): void {
  moveCommand(ctx, at(argv, 1), at(argv, 2), listEndArg(at(argv, 3)), listEndArg(at(argv, 4)));
}

/** RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT. */
function rpoplpushCommand(ctx: CommandContext, argv: ByteString[]): void {
  moveCommand(ctx, at(argv, 1), at(argv, 2), 'right', 'left');
}

function moveCommand(ctx: CommandContext, src: ByteString, dst: ByteString, from: ListEnd, to: ListEnd): void {
  const srcList = writableList(ctx, src);
  if (srcList === undefined) {
    ctx.reply.nullBulk();
    return;
  }
  const dstList = writableList(ctx, dst);
  ctx.reply.bulk(moveElement(ctx, src, srcList, dst, dstList, from, to));
}

// -------------------------------------------------------------------------------------------------
// Length, index and range

function llenCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readList(ctx, at(argv, 1))?.items.length ?? 0);
}

/** A possibly negative index made absolute; -1 when it falls outside a list of `length`. */
function absoluteIndex(index: number, length: number): number {
  const i = index < 0 ? length + index : index;
  return i < 0 || i >= length ? -1 : i;
}

function lindexCommand(ctx: CommandContext, argv: ByteString[]): void {
  const list = readList(ctx, at(argv, 1));
  if (list === undefined) {
    ctx.reply.nullBulk();
    return;
  }
  const i = absoluteIndex(intArg(at(argv, 2)), list.items.length);
  if (i < 0) ctx.reply.nullBulk();
  else ctx.reply.bulk(list.items.peekAt(i) as ByteString);
}

function lsetCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const list = writableList(ctx, key);
  if (list === undefined) throw new ReplyError(ERR.noSuchKey);
  const i = absoluteIndex(intArg(at(argv, 2)), list.items.length);
  if (i < 0) throw new ReplyError(LIST_ERR.indexOutOfRange);
  list.items.splice(i, 1, at(argv, 3));
  ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.list, 'lset', key);
  ctx.reply.ok();
}

function lrangeCommand(ctx: CommandContext, argv: ByteString[]): void {
  let start = intArg(at(argv, 2));
  let end = intArg(at(argv, 3));
  const list = readList(ctx, at(argv, 1));
  if (list === undefined) {
    ctx.reply.array(0);
    return;
  }
  const items = list.items;
  const length = items.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    ctx.reply.array(0);
    return;
  }
  if (end >= length) end = length - 1;
  ctx.reply.array(end - start + 1);
  replyBulkRun(ctx, list, start, end);
}

/** Elements below this size are encoded into one string and appended with a single write. */
const SMALL_ELEMENT_BYTES = 1024;

/**
 * The bulk strings of elements [start, end]. Appending each element's header, bytes and CRLF
 * separately costs three buffer writes per element; LRANGE of 100 short elements (the common
 * case, and redis-benchmark's LRANGE_100) is markedly faster encoded as one string first.
 */
function replyBulkRun(ctx: CommandContext, list: ListValue, start: number, end: number): void {
  const items = list.items;
  let run = '';
  for (let i = start; i <= end; i++) {
    const item = items.peekAt(i) as ByteString;
    if (item.length < SMALL_ELEMENT_BYTES) {
      run += '$' + item.length + '\r\n' + item + '\r\n';
      continue;
    }
    if (run !== '') ctx.reply.raw(run);
    run = '';
    ctx.reply.bulk(item);
  }
  if (run !== '') ctx.reply.raw(run);
}

function ltrimCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  let start = intArg(at(argv, 2));
  let end = intArg(at(argv, 3));
  const list = writableList(ctx, key);
  if (list === undefined) {
    ctx.reply.ok();
    return;
  }
  const items = list.items;
  const length = items.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  let dropHead: number;
  let dropTail: number;
  if (start > end || start >= length) {
    dropHead = length;
    dropTail = 0;
  } else {
    if (end >= length) end = length - 1;
    dropHead = start;
    dropTail = length - end - 1;
  }
  if (dropHead + dropTail === length) {
    items.clear();
  } else {
    for (let i = 0; i < dropHead; i++) items.shift();
    for (let i = 0; i < dropTail; i++) items.pop();
  }
  // Redis announces ltrim even when nothing was trimmed, but counts no change then.
  if (dropHead + dropTail > 0) noteRemoved(ctx, key, list, 'ltrim');
  else ctx.notifyKeyEvent(NotifyFlag.list, 'ltrim', key);
  ctx.reply.ok();
}

// -------------------------------------------------------------------------------------------------
// Searching: LREM, LINSERT, LPOS

/** LREM key count element: count > 0 from the head, < 0 from the tail, 0 every occurrence. */
function lremCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const count = intArg(at(argv, 2));
  const element = at(argv, 3);
  const list = writableList(ctx, key);
  if (list === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const limit = count === 0 ? Infinity : Math.abs(count);
  const removed = count < 0 ? removeFromTail(list, element, limit) : removeFromHead(list, element, limit);
  if (removed > 0) noteRemoved(ctx, key, list, 'lrem');
  ctx.reply.integer(removed);
}

/** Removes up to `limit` occurrences scanning from the head: one O(n) pass and a rebuild. */
function removeFromHead(list: ListValue, element: ByteString, limit: number): number {
  const items = list.items;
  const kept: ByteString[] = [];
  let removed = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items.peekAt(i) as ByteString;
    if (item === element && removed < limit) removed++;
    else kept.push(item);
  }
  if (removed > 0) refill(list, kept, false);
  return removed;
}

function removeFromTail(list: ListValue, element: ByteString, limit: number): number {
  const items = list.items;
  const kept: ByteString[] = [];
  let removed = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items.peekAt(i) as ByteString;
    if (item === element && removed < limit) removed++;
    else kept.push(item);
  }
  if (removed > 0) refill(list, kept, true);
  return removed;
}

function refill(list: ListValue, kept: readonly ByteString[], reversed: boolean): void {
  const items = list.items;
  items.clear();
  if (reversed) for (let i = kept.length - 1; i >= 0; i--) items.push(kept[i] as ByteString);
  else for (const item of kept) items.push(item);
}

/** LINSERT key BEFORE|AFTER pivot element: the new length, -1 without the pivot, 0 without the key. */
function linsertCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const where = at(argv, 2);
  let after: boolean;
  if (isWord(where, 'after')) after = true;
  else if (isWord(where, 'before')) after = false;
  else syntaxError();
  const pivot = at(argv, 3);
  const list = writableList(ctx, key);
  if (list === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const items = list.items;
  let found = -1;
  for (let i = 0; i < items.length; i++) {
    if (items.peekAt(i) === pivot) {
      found = i;
      break;
    }
  }
  if (found < 0) {
    ctx.reply.integer(-1);
    return;
  }
  const position = after ? found + 1 : found;
  const element = at(argv, 4);
  if (position === items.length) items.push(element);
  else if (position === 0) items.unshift(element);
  else items.splice(position, 0, element);
  noteInsertedInPlace(ctx, key);
  ctx.reply.integer(items.length);
}

interface LposOptions {
  /** Which match to start from: 1 the first, -1 the first from the tail. Never 0. */
  rank: number;
  /** Matches to return, 0 for all; null when COUNT was not given (a single index is answered). */
  count: number | null;
  /** Elements to compare at most, 0 for no limit. */
  maxLen: number;
}

function parseLposOptions(argv: readonly ByteString[]): LposOptions {
  const o: LposOptions = { rank: 1, count: null, maxLen: 0 };
  let rankIsLongMin = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const hasValue = j + 1 < argv.length;
    if (isWord(opt, 'rank') && hasValue) {
      const rank = int64Arg(at(argv, ++j));
      if (rank === 0n) throw new ReplyError(LIST_ERR.rankZero);
      o.rank = Number(rank);
      rankIsLongMin = rank === LONG_MIN_BIG;
    } else if (isWord(opt, 'count') && hasValue) {
      const count = intArg(at(argv, ++j), LIST_ERR.countNegative);
      if (count < 0) throw new ReplyError(LIST_ERR.countNegative);
      o.count = count;
    } else if (isWord(opt, 'maxlen') && hasValue) {
      const maxLen = intArg(at(argv, ++j), LIST_ERR.maxlenNegative);
      if (maxLen < 0) throw new ReplyError(LIST_ERR.maxlenNegative);
      o.maxLen = maxLen;
    } else {
      syntaxError();
    }
  }
  if (rankIsLongMin) {
    // Redis negates a negative rank to count from the tail. The most negative long stays
    // negative there, so every match qualifies (as with -1) and the "enough matches" test
    // overflows and never stops the scan: COUNT n gives all the matches, like COUNT 0.
    o.rank = -1;
    if (o.count !== null) o.count = 0;
  }
  return o;
}

/** LPOS key element [RANK rank] [COUNT count] [MAXLEN len]. */
function lposCommand(ctx: CommandContext, argv: ByteString[]): void {
  const element = at(argv, 2);
  const o = parseLposOptions(argv);
  const list = readList(ctx, at(argv, 1));
  if (list === undefined) {
    if (o.count === null) ctx.reply.nullBulk();
    else ctx.reply.array(0);
    return;
  }
  const items = list.items;
  const length = items.length;
  const fromTail = o.rank < 0;
  const skip = Math.abs(o.rank) - 1;
  const scanned = o.maxLen === 0 ? length : Math.min(o.maxLen, length);
  const wanted = o.count === null ? 1 : o.count === 0 ? LONG_MAX : o.count;
  const found: number[] = [];
  let matches = 0;
  for (let step = 0; step < scanned && found.length < wanted; step++) {
    const index = fromTail ? length - 1 - step : step;
    if (items.peekAt(index) !== element) continue;
    if (matches++ >= skip) found.push(index);
  }
  if (o.count !== null) {
    ctx.reply.array(found.length);
    for (const index of found) ctx.reply.integer(index);
  } else if (found.length === 0) {
    ctx.reply.nullBulk();
  } else {
    ctx.reply.integer(found[0] as number);
  }
}

export const listCommands: CommandImpl[] = [
  cmd('lpush', pushCommand('left', false)),
  cmd('rpush', pushCommand('right', false)),
  cmd('lpushx', pushCommand('left', true)),
  cmd('rpushx', pushCommand('right', true)),
  cmd('lpop', popCommand('left', 'lpop')),
  cmd('rpop', popCommand('right', 'rpop')),
  cmd('llen', llenCommand),
  cmd('lindex', lindexCommand),
  cmd('lset', lsetCommand),
  cmd('lrange', lrangeCommand),
  cmd('ltrim', ltrimCommand),
  cmd('lrem', lremCommand),
  cmd('linsert', linsertCommand),
  cmd('lpos', lposCommand),
  cmd('lmove', lmoveCommand),
  cmd('rpoplpush', rpoplpushCommand),
  cmd('lmpop', lmpopCommand),
];
