/**
 * SORT and SORT_RO: the elements of a list, set or sorted set, sorted numerically (default) or
 * bytewise (ALPHA), optionally by weights read from other keys (BY pattern), sliced (LIMIT),
 * projected through other keys (GET patterns), and either answered or stored as a list (STORE).
 *
 *   parse options ─▶ look up the source ─▶ load elements ─▶ score them ─▶ sort ─▶ reply / STORE
 *
 * Details that are Redis 7.0's and clients can see:
 * - Options are read left to right and the first bad one answers: an unknown word, a LIMIT
 *   with a non-integer, and (in cluster mode) any GET or a BY with a '*' are refused before the
 *   source key is even looked up, so a syntax error wins over WRONGTYPE.
 * - "BY <pattern without '*'>" (usually "BY nosort") skips sorting: a list and a sorted set keep
 *   their own order (DESC reverses it, LIMIT ranges over it), a set its internal order. A set
 *   cannot be stored in that order (it is not reproducible on a replica), so with STORE it is
 *   sorted ALPHA instead, ignoring BY.
 * - Numeric scores are read with C's strtod rules (sort-score.ts); equal scores are ordered by
 *   the elements' bytes, so the result does not depend on the source's internal order. A weight
 *   key that is missing counts as 0. One element that is not a number fails the whole command,
 *   even when LIMIT would not have returned it.
 * - ALPHA compares with strcoll, which in the C locale is strcmp: bytes up to the first NUL.
 *   With STORE Redis compares whole byte strings instead (memcmp), so a stored result is
 *   identical everywhere. With BY, an element whose weight is missing sorts first.
 * - LIMIT: a negative offset is 0, a negative count means "all". With BY and a LIMIT that cuts
 *   the result, Redis sorts only as much as the range needs with a quicksort that is not stable
 *   (partial-quicksort.ts); every other sort is stable, so ties keep the source's order.
 * - STORE replaces the destination with a list (clearing its TTL), or deletes it when the result
 *   is empty, and answers the number of stored entries.
 */
import Denque from 'denque';
import { compareBytes, type ByteString } from '../../storage/bytes';
import { ListValue, type StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { partialQuicksort } from '../../storage/partial-quicksort';
import { inReplyOrder } from './sets';
import { compilePattern, cString, lookupByPattern, patternHasStar, type SortPattern } from './sort-pattern';
import { sortScore } from './sort-score';
import { convertZsetForSort, zsetMembersByRank, zsetMembersUnordered } from './sort-zset-order';

const CANT_CONVERT = "ERR One or more scores can't be converted into double";
const BY_DENIED_IN_CLUSTER = 'ERR BY option of SORT denied in Cluster mode.';
const GET_DENIED_IN_CLUSTER = 'ERR GET option of SORT denied in Cluster mode.';

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** The BY pattern when it sorts (has a '*'); null otherwise. */
  by: SortPattern | null;
  /** BY named a pattern without '*': keep the source's order. */
  dontSort: boolean;
  gets: SortPattern[];
  store: ByteString | null;
}

function parseOptions(ctx: CommandContext, argv: readonly ByteString[], readonly: boolean): SortOptions {
  const options: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, by: null, dontSort: false, gets: [], store: null };
  const inCluster = ctx.clusterEnabled;
  // BY and GET read keys no key spec names: only a user with access to every key may use them.
  let fullKeyAccess: boolean | null = null;
  const mayReadAnyKey = (): boolean => {
    const spec = ctx.server.commands.get(at(argv, 0).toLowerCase());
    fullKeyAccess ??= spec === undefined || ctx.server.acl.fullKeyAccess(ctx.session.user, spec, argv);
    return fullKeyAccess;
  };
  for (let j = 2; j < argv.length; j++) {
    const word = argv[j];
    const argsLeft = argv.length - j - 1;
    if (isWord(word, 'asc')) {
      options.desc = false;
    } else if (isWord(word, 'desc')) {
      options.desc = true;
    } else if (isWord(word, 'alpha')) {
      options.alpha = true;
    } else if (isWord(word, 'limit') && argsLeft >= 2) {
      options.limitStart = intArg(at(argv, j + 1));
      options.limitCount = intArg(at(argv, j + 2));
      j += 2;
    } else if (!readonly && isWord(word, 'store') && argsLeft >= 1) {
      options.store = at(argv, ++j);
    } else if (isWord(word, 'by') && argsLeft >= 1) {
      const pattern = at(argv, ++j);
      // A later BY replaces an earlier pattern, but once a BY without '*' was seen the result
      // stays unsorted whatever follows (as in Redis).
      if (patternHasStar(pattern)) {
        if (inCluster) throw new ReplyError(BY_DENIED_IN_CLUSTER);
        if (!mayReadAnyKey()) throw new ReplyError('ERR BY option of SORT denied due to insufficient ACL permissions.');
        options.by = compilePattern(pattern);
      } else {
        options.by = null;
        options.dontSort = true;
      }
    } else if (isWord(word, 'get') && argsLeft >= 1) {
      if (inCluster) throw new ReplyError(GET_DENIED_IN_CLUSTER);
      if (!mayReadAnyKey()) throw new ReplyError('ERR GET option of SORT denied due to insufficient ACL permissions.');
      options.gets.push(compilePattern(at(argv, ++j)));
    } else {
      syntaxError();
    }
  }
  return options;
}

// -------------------------------------------------------------------------------------------------
// Loading the elements

/** The source's elements in the order SORT starts from, or the LIMIT range of them when unsorted. */
interface Loaded {
  elements: ByteString[];
  /** The output range within `elements`, inclusive; end < start for nothing. */
  start: number;
  end: number;
}

/**
 * The output range Redis computes from LIMIT for `length` elements: a negative offset is 0, a
 * negative count is "to the end", an offset past the end gives nothing.
 */
function limitRange(options: SortOptions, length: number): [number, number] {
  let start = options.limitStart < 0 ? 0 : options.limitStart;
  let end = options.limitCount < 0 ? length - 1 : start + options.limitCount - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;
  return [start, end];
}

function loadElements(source: StoredValue | undefined, options: SortOptions): Loaded {
  if (source === undefined) return { elements: [], start: -1, end: -2 };
  if (typeof source === 'string' || source.kind === 'hash' || source.kind === 'stream') throw new ReplyError(ERR.wrongType);
  switch (source.kind) {
    case 'list': {
      const items = source.items;
      const [start, end] = limitRange(options, items.length);
      if (!options.dontSort) return { elements: items.toArray(), start, end };
      // Unsorted: just the range, walked from the tail for DESC.
      const elements: ByteString[] = [];
      for (let i = start; i <= end; i++) elements.push(items.peekAt(options.desc ? items.length - 1 - i : i) as ByteString);
      return { elements, start: 0, end: end - start };
    }
    case 'set': {
      const elements = inReplyOrder(source.members);
      const [start, end] = limitRange(options, elements.length);
      return { elements, start, end };
    }
    case 'zset': {
      convertZsetForSort(source);
      if (!options.dontSort) {
        const elements = zsetMembersUnordered(source);
        const [start, end] = limitRange(options, elements.length);
        return { elements, start, end };
      }
      const [start, end] = limitRange(options, source.size);
      const elements = zsetMembersByRank(source, start, end, options.desc);
      return { elements, start: 0, end: end - start };
    }
  }
}

// -------------------------------------------------------------------------------------------------
// Sorting

interface SortItem {
  element: ByteString;
  /** Numeric sort: the score (0 when the BY key is missing). */
  score: number;
  /** ALPHA with BY: the weight, null when missing. */
  weight: ByteString | null;
}

/** strcoll in the C locale: byte order of the parts before the first NUL. */
function collate(a: ByteString, b: ByteString): number {
  return compareBytes(cString(a), cString(b));
}

/**
 * The elements in sorted order (at least positions start..end of it); throws the conversion
 * error when a numeric sort meets a non-number.
 */
function sortElements(ctx: CommandContext, elements: ByteString[], options: SortOptions, start: number, end: number): ByteString[] {
  const by = options.by;
  let convertible = true;
  const items: SortItem[] = elements.map((element) => {
    const item: SortItem = { element, score: 0, weight: null };
    const weight = by === null ? element : lookupByPattern(ctx, by, element);
    if (weight === null) return item;
    if (options.alpha) {
      if (by !== null) item.weight = weight;
    } else {
      const score = sortScore(weight);
      if (score === null) convertible = false;
      else item.score = score;
    }
    return item;
  });
  if (!convertible) throw new ReplyError(CANT_CONVERT);
  const direction = options.desc ? -1 : 1;
  const compareText = options.store !== null ? compareBytes : collate;
  let compare: (a: SortItem, b: SortItem) => number;
  if (!options.alpha) {
    compare = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element));
  } else if (by !== null) {
    compare = (a, b) => {
      if (a.weight === null || b.weight === null) return a.weight === b.weight ? 0 : a.weight === null ? -1 : 1;
      return compareText(a.weight, b.weight);
    };
  } else {
    compare = (a, b) => compareText(a.element, b.element);
  }
  const directed = (a: SortItem, b: SortItem): number => direction * compare(a, b);
  if (by !== null && (start !== 0 || end !== items.length - 1)) {
    // Redis sorts only what LIMIT keeps, with a quicksort whose tie order must be reproduced.
    partialQuicksort(items, directed, start, end);
  } else {
    // Array.prototype.sort is stable, like the merge sort glibc's qsort uses: ties keep the
    // source order, as they do in Redis.
    items.sort(directed);
  }
  return items.map((item) => item.element);
}

// -------------------------------------------------------------------------------------------------
// The command

function sortGeneric(ctx: CommandContext, argv: ByteString[], readonly: boolean): void {
  const options = parseOptions(ctx, argv, readonly);
  const source = ctx.lookupRead(ctx.db, at(argv, 1));
  if (options.dontSort && source !== undefined && typeof source !== 'string' && source.kind === 'set' && options.store !== null) {
    // A set's own order differs between servers: store it ALPHA sorted instead.
    options.dontSort = false;
    options.alpha = true;
    options.by = null;
  }
  const loaded = loadElements(source, options);
  const { start, end } = loaded;
  const elements = options.dontSort ? loaded.elements : sortElements(ctx, loaded.elements, options, start, end);
  const count = Math.max(0, end - start + 1);
  if (options.store === null) replyElements(ctx, elements, start, count, options.gets);
  else storeElements(ctx, options.store, elements, start, count, options.gets);
}

function replyElements(ctx: CommandContext, elements: ByteString[], start: number, count: number, gets: SortPattern[]): void {
  const out = ctx.reply;
  out.array(gets.length === 0 ? count : count * gets.length);
  for (let j = start; j < start + count; j++) {
    const element = elements[j] as ByteString;
    if (gets.length === 0) out.bulk(element);
    for (const get of gets) {
      const value = lookupByPattern(ctx, get, element);
      if (value === null) out.nullBulk();
      else out.bulk(value);
    }
  }
}

function storeElements(ctx: CommandContext, dst: ByteString, elements: ByteString[], start: number, count: number, gets: SortPattern[]): void {
  const items = new Denque<ByteString>();
  for (let j = start; j < start + count; j++) {
    const element = elements[j] as ByteString;
    if (gets.length === 0) items.push(element);
    for (const get of gets) items.push(lookupByPattern(ctx, get, element) ?? '');
  }
  if (items.length > 0) {
    // Redis 7.0 creates the stored list with the quicklist defaults, whatever the list settings.
    ctx.db.set(dst, new ListValue(items), ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.list, 'sortstore', dst);
  } else if (ctx.db.delete(dst)) {
    ctx.notifyKeyEvent(NotifyFlag.generic, 'del', dst);
  }
  ctx.reply.integer(items.length);
}

export const sortCommands: CommandImpl[] = [
  cmd('sort', (ctx, argv) => sortGeneric(ctx, argv, false)),
  cmd('sort_ro', (ctx, argv) => sortGeneric(ctx, argv, true)),
];
