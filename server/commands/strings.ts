/**
 * The string family: GET, SET and its options, counters, ranges, LCS. Values are byte strings
 * (storage/bytes.ts); integers are kept as their canonical decimal text, exactly as a client
 * sees them, and parsed on INCR.
 */
import { constants as bufferConstants } from 'node:buffer';
import type { ByteString } from '../../storage/bytes';
import type { Database, EditableValue } from '../../storage/database';
import { InPlaceCounter } from '../../storage/in-place-counter';
import { MutableString, type StringBytes } from '../../storage/mutable-string';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../../storage/long-double';
import { INT64_MAX, INT64_MIN, parseInt64, parseSafeInt } from '../../storage/numbers';
import type { StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError, wrongArity } from '../dispatch/errors';
import { at, int64Arg, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { deadlineFromOption, type ExpireUnit } from './expiry-args';
import { NotifyFlag } from '../config/special-codecs';

/** The value as a string, or WRONGTYPE. */
export function asString(value: StoredValue): ByteString {
  if (typeof value !== 'string') throw new ReplyError(ERR.wrongType);
  return value;
}

/** A string value in either form (storage/mutable-string.ts), or WRONGTYPE. */
export function asStringBytes(value: EditableValue): StringBytes {
  if (typeof value === 'string' || value instanceof MutableString) return value;
  throw new ReplyError(ERR.wrongType);
}

/**
 * The value to edit in place: a long value's editable form itself, or an editable copy of a
 * short one (empty for a missing key), which the database stores back as a byte string.
 */
export function editable(value: StringBytes | undefined): MutableString {
  if (value === undefined) return MutableString.empty();
  return typeof value === 'string' ? MutableString.from(value) : value;
}

function readString(ctx: CommandContext, key: ByteString): ByteString | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asString(value);
}

function checkLength(ctx: CommandContext, length: number): void {
  if (length > ctx.config.number('proto-max-bulk-len')) throw new ReplyError(ERR.stringTooLong);
  checkRepresentable(length);
}

/**
 * Refuses a string longer than a JavaScript string can be. V8 caps strings at 2^29-24 chars, a
 * little under Redis's default 512 MB proto-max-bulk-len, so the last 24 bytes of that range
 * (SETRANGE/APPEND past 536870888 bytes, SETBIT offsets from 4294967104) cannot be represented;
 * they get the size error instead of crashing the server.
 */
export function checkRepresentable(byteLength: number): void {
  if (byteLength > bufferConstants.MAX_STRING_LENGTH) throw new ReplyError(ERR.stringTooLong);
}

// -------------------------------------------------------------------------------------------------
// SET and friends

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  unit: ExpireUnit | null;
  expireArg: ByteString | null;
}

/**
 * Parses SET / GETEX options with Redis's mutual-exclusion rules: an option that conflicts with
 * one already seen is a syntax error, as is an option the command does not take.
 */
function parseSetOptions(argv: readonly ByteString[], from: number, forGetex: boolean): SetOptions {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, unit: null, expireArg: null };
  for (let j = from; j < argv.length; j++) {
    const opt = (argv[j] as ByteString).toLowerCase();
    const hasNext = j + 1 < argv.length;
    if (opt === 'nx' && !o.xx && !forGetex) o.nx = true;
    else if (opt === 'xx' && !o.nx && !forGetex) o.xx = true;
    else if (opt === 'get' && !forGetex) o.get = true;
    else if (opt === 'keepttl' && !o.persist && o.unit === null && !forGetex) o.keepTtl = true;
    else if (opt === 'persist' && forGetex && o.unit === null && !o.keepTtl) o.persist = true;
    else if ((opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') && !o.keepTtl && !o.persist && (o.unit === null || o.unit === opt) && hasNext) {
      o.unit = opt;
      o.expireArg = argv[++j] as ByteString;
    } else {
      syntaxError();
    }
  }
  return o;
}

function setCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const value = at(argv, 2);
  const o = parseSetOptions(argv, 3, false);
  const db = ctx.db;
  const now = ctx.nowMs;
  const deadline = o.unit === null ? null : deadlineFromOption(o.expireArg as ByteString, o.unit, now, 'set');
  let old: StoredValue | undefined;
  if (o.get) {
    old = ctx.lookupRead(db, key);
    if (old !== undefined) asString(old);
  } else if (o.nx || o.xx) {
    old = db.get(key, now);
  } else {
    db.lookupBeforeStore(key, now);
  }
  const exists = old !== undefined;
  if ((o.nx && exists) || (o.xx && !exists)) {
    if (o.get) replyOptionalBulk(ctx, old);
    else ctx.reply.nullBulk();
    return;
  }
  if (o.keepTtl) db.overwrite(key, value, now);
  else db.set(key, value, now);
  ctx.notifyKeyEvent(NotifyFlag.string, 'set', key);
  if (deadline !== null) {
    db.setExpireAt(key, deadline);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'expire', key);
    // Replicas get an absolute deadline, so a late arrival does not extend the key's life.
    ctx.propagateAs(['SET', key, value, 'PXAT', String(deadline)]);
  } else if (o.get) {
    // GET only shapes the reply: replicas get the SET without it (every GET word dropped).
    ctx.propagateAs(argv.filter((arg, j) => j < 3 || arg.toLowerCase() !== 'get'));
  }
  if (o.get) replyOptionalBulk(ctx, old);
  else ctx.reply.ok();
}

function replyOptionalBulk(ctx: CommandContext, value: StoredValue | undefined): void {
  if (value === undefined) ctx.reply.nullBulk();
  else ctx.reply.bulk(asString(value));
}

function setnxCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  if (ctx.db.get(key, ctx.nowMs) !== undefined) {
    ctx.reply.integer(0);
    return;
  }
  ctx.db.set(key, at(argv, 2), ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.string, 'set', key);
  ctx.reply.integer(1);
}

function setexFamily(unit: 'ex' | 'px', name: string) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const key = at(argv, 1);
    const deadline = deadlineFromOption(at(argv, 2), unit, ctx.nowMs, name);
    ctx.db.set(key, at(argv, 3), ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.string, 'set', key);
    ctx.db.setExpireAt(key, deadline);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'expire', key);
    ctx.propagateAs(['SET', key, at(argv, 3), 'PXAT', String(deadline)]);
    ctx.reply.ok();
  };
}

function getCommand(ctx: CommandContext, argv: ByteString[]): void {
  replyOptionalBulk(ctx, readString(ctx, at(argv, 1)));
}

function getsetCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const old = readString(ctx, key);
  ctx.db.set(key, at(argv, 2), ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.string, 'set', key);
  // The old value is the client's business: replicas need only the write.
  ctx.propagateAs(['SET', key, at(argv, 2)]);
  replyOptionalBulk(ctx, old);
}

function getdelCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const old = readString(ctx, key);
  if (old !== undefined) {
    ctx.db.delete(key);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
  }
  ctx.propagateAs(['DEL', key]);
  replyOptionalBulk(ctx, old);
}

function getexCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const o = parseSetOptions(argv, 2, true);
  const now = ctx.nowMs;
  const value = readString(ctx, key);
  if (value === undefined) {
    ctx.reply.nullBulk();
    return;
  }
  const deadline = o.unit === null ? null : deadlineFromOption(o.expireArg as ByteString, o.unit, now, 'getex');
  const db = ctx.db;
  if (deadline !== null && deadline <= now && ctx.keyspace.context.expiry === 'delete') {
    // A deadline already in the past deletes the key, as Redis does on a master (a writable
    // replica sets it, like EXPIRE there).
    db.delete(key);
    ctx.propagateAs(['DEL', key]);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
  } else if (deadline !== null) {
    db.setExpireAt(key, deadline);
    ctx.propagateAs(['PEXPIREAT', key, String(deadline)]);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'expire', key);
  } else if (o.persist && db.persist(key)) {
    ctx.propagateAs(['PERSIST', key]);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'persist', key);
  }
  ctx.reply.bulk(value);
}

function mgetCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const value = ctx.lookupRead(ctx.db, argv[i] as ByteString);
    if (value === undefined || typeof value !== 'string') ctx.reply.nullBulk();
    else ctx.reply.bulk(value);
  }
}

function msetGeneric(ctx: CommandContext, argv: ByteString[], onlyIfNoneExist: boolean): boolean {
  if (argv.length % 2 === 0) throw new ReplyError(wrongArity(onlyIfNoneExist ? 'msetnx' : 'mset'));
  const db = ctx.db;
  if (onlyIfNoneExist) {
    for (let i = 1; i < argv.length; i += 2) {
      if (db.get(argv[i] as ByteString, ctx.nowMs) !== undefined) return false;
    }
  }
  for (let i = 1; i < argv.length; i += 2) {
    db.lookupBeforeStore(argv[i] as ByteString, ctx.nowMs);
    db.set(argv[i] as ByteString, argv[i + 1] as ByteString, ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.string, 'set', argv[i] as ByteString);
  }
  return true;
}

// -------------------------------------------------------------------------------------------------
// Appending and ranges

function appendCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const db = ctx.db;
  const old = db.getForEdit(key, ctx.nowMs);
  const suffix = at(argv, 2);
  if (old === undefined) {
    db.set(key, suffix, ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.string, 'append', key);
    ctx.reply.integer(suffix.length);
    return;
  }
  const current = asStringBytes(old);
  checkLength(ctx, current.length + suffix.length);
  // A short value grows as a rope (V8 concatenates without copying), a long one in place.
  const next = typeof current === 'string' ? current + suffix : current;
  if (typeof next !== 'string') next.write(next.length, suffix);
  db.overwriteInPlace(key, next, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.string, 'append', key);
  ctx.reply.integer(next.length);
}

function strlenCommand(ctx: CommandContext, argv: ByteString[]): void {
  const value = ctx.lookupReadBytes(ctx.db, at(argv, 1));
  ctx.reply.integer(value === undefined ? 0 : asStringBytes(value).length);
}

function getrangeCommand(ctx: CommandContext, argv: ByteString[]): void {
  let start = intArg(at(argv, 2));
  let end = intArg(at(argv, 3));
  const found = ctx.lookupReadBytes(ctx.db, at(argv, 1));
  const value = found === undefined ? '' : asStringBytes(found);
  const len = value.length;
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) ctx.reply.bulk('');
  else ctx.reply.bulk(value.slice(start, end + 1));
}

function setrangeCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const offset = intArg(at(argv, 2));
  const patch = at(argv, 3);
  if (offset < 0) throw new ReplyError(ERR.offsetOutOfRange);
  const db = ctx.db;
  const old = db.getForEdit(key, ctx.nowMs);
  const current = old === undefined ? undefined : asStringBytes(old);
  if (patch.length === 0) {
    ctx.reply.integer(current === undefined ? 0 : current.length);
    return;
  }
  checkLength(ctx, offset + patch.length);
  const edited = editable(current);
  edited.write(offset, patch);
  db.overwriteInPlace(key, edited, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.string, 'setrange', key);
  ctx.reply.integer(edited.length);
}

// -------------------------------------------------------------------------------------------------
// Counters

/**
 * Adds `delta` to the integer stored at key (0 when missing), keeping its TTL. A key that already
 * held an integer keeps the result as a counter changed in place by the next INCR
 * (storage/in-place-counter.ts); a new key starts as a string.
 */
function incrBy(ctx: CommandContext, key: ByteString, delta: bigint | number): void {
  const db: Database = ctx.db;
  const old = db.getCounter(key, ctx.nowMs);
  if (old instanceof InPlaceCounter && typeof delta === 'number') {
    const sum = old.n + delta;
    if (Number.isSafeInteger(sum)) {
      old.n = sum;
      db.countedInPlace(key);
      ctx.notifyKeyEvent(NotifyFlag.string, 'incrby', key);
      ctx.reply.integer(sum);
      return;
    }
  }
  const text = old === undefined ? '0' : old instanceof InPlaceCounter ? old.toByteString() : asString(old);
  const fast = parseSafeInt(text);
  // The sum as a number when it is exact in one (most counters), else null and only `next`.
  const sum = fast !== null && typeof delta === 'number' ? fast + delta : null;
  if (sum !== null && Number.isSafeInteger(sum)) {
    if (old === undefined) db.set(key, String(sum), ctx.nowMs);
    else db.replaceWithCounter(key, sum);
    ctx.notifyKeyEvent(NotifyFlag.string, 'incrby', key);
    ctx.reply.integer(sum);
    return;
  }
  const current = fast !== null ? BigInt(fast) : parseInt64(text);
  if (current === null) throw new ReplyError(ERR.notInteger);
  const exact = current + BigInt(delta);
  if (exact > INT64_MAX || exact < INT64_MIN) throw new ReplyError(ERR.overflow);
  const next = exact.toString();
  if (old === undefined) db.set(key, next, ctx.nowMs);
  else db.replaceInteger(key, next);
  ctx.notifyKeyEvent(NotifyFlag.string, 'incrby', key);
  ctx.reply.raw(':' + next + '\r\n');
}

/** A delta argument: a double-safe number when possible, else an exact bigint. */
function deltaArg(arg: ByteString): bigint | number {
  const fast = parseSafeInt(arg);
  return fast !== null ? fast : int64Arg(arg);
}

function incrbyfloatCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const db = ctx.db;
  const old = db.get(key, ctx.nowMs);
  const current = parseLongDouble(old === undefined ? '0' : asString(old));
  const increment = parseLongDouble(at(argv, 2));
  if (current === null || increment === null) throw new ReplyError(ERR.notFloat);
  if (typeof current === 'string' || typeof increment === 'string') throw new ReplyError(ERR.floatNanOrInf);
  const sum = addLongDouble(current, increment);
  if (sum === 'inf') throw new ReplyError(ERR.floatNanOrInf);
  const next = formatLongDouble(sum);
  if (old === undefined) db.set(key, next, ctx.nowMs);
  else db.overwrite(key, next, ctx.nowMs);
  db.markEmbstr(key, next);
  ctx.notifyKeyEvent(NotifyFlag.string, 'incrbyfloat', key);
  // Replicas get the result, not the float arithmetic, so both sides hold the same bytes.
  ctx.propagateAs(['SET', key, next, 'KEEPTTL']);
  ctx.reply.bulk(next);
}

// -------------------------------------------------------------------------------------------------
// LCS

function lcsCommand(ctx: CommandContext, argv: ByteString[]): void {
  const objA = ctx.lookupRead(ctx.db, at(argv, 1));
  const objB = ctx.lookupRead(ctx.db, at(argv, 2));
  if ((objA !== undefined && typeof objA !== 'string') || (objB !== undefined && typeof objB !== 'string')) {
    throw new ReplyError(ERR.lcsNotStrings);
  }
  const a = objA ?? '';
  const b = objB ?? '';
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j] as ByteString;
    const moreArgs = argv.length - 1 - j;
    if (isWord(opt, 'idx')) getIdx = true;
    else if (isWord(opt, 'len')) getLen = true;
    else if (isWord(opt, 'withmatchlen')) withMatchLen = true;
    else if (isWord(opt, 'minmatchlen') && moreArgs > 0) {
      minMatchLen = Math.max(0, intArg(argv[++j] as ByteString));
    } else syntaxError();
  }
  if (getIdx && getLen) throw new ReplyError(ERR.lcsLenAndIdx);
  const alen = a.length;
  const blen = b.length;
  if ((alen + 1) * (blen + 1) * 4 > ctx.config.number('proto-max-bulk-len')) throw new ReplyError(ERR.lcsTooBig);

  // dp[i][j] = LCS length of a[0,i) and b[0,j)
  const width = blen + 1;
  const dp = new Uint32Array((alen + 1) * width);
  for (let i = 1; i <= alen; i++) {
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= blen; j++) {
      dp[i * width + j] =
        ai === b.charCodeAt(j - 1)
          ? (dp[(i - 1) * width + j - 1] as number) + 1
          : Math.max(dp[(i - 1) * width + j] as number, dp[i * width + j - 1] as number);
    }
  }
  const total = dp[alen * width + blen] as number;
  const out = ctx.reply;
  if (getLen) {
    out.integer(total);
    return;
  }
  // Walk back from the end, collecting the LCS and the matching ranges (latest first).
  const lcs: string[] = new Array<string>(total);
  let idx = total;
  const ranges: number[][] = [];
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      lcs[idx - 1] = a[i - 1] as string;
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if ((dp[(i - 1) * width + j] as number) > (dp[i * width + j - 1] as number)) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen;
    }
  }
  if (!getIdx) {
    out.bulk(lcs.join(''));
    return;
  }
  out.map(2);
  out.bulk('matches');
  out.array(ranges.length);
  for (const [as, ae, bs, be, len] of ranges as [number, number, number, number, number][]) {
    out.array(withMatchLen ? 3 : 2);
    out.array(2);
    out.integer(as);
    out.integer(ae);
    out.array(2);
    out.integer(bs);
    out.integer(be);
    if (withMatchLen) out.integer(len);
  }
  out.bulk('len');
  out.integer(total);
}

export const stringCommands: CommandImpl[] = [
  cmd('get', getCommand),
  cmd('set', setCommand),
  cmd('setnx', setnxCommand),
  cmd('setex', setexFamily('ex', 'setex')),
  cmd('psetex', setexFamily('px', 'psetex')),
  cmd('getset', getsetCommand),
  cmd('getdel', getdelCommand),
  cmd('getex', getexCommand),
  cmd('mget', mgetCommand),
  cmd('mset', (ctx, argv) => {
    msetGeneric(ctx, argv, false);
    ctx.reply.ok();
  }),
  cmd('msetnx', (ctx, argv) => ctx.reply.integer(msetGeneric(ctx, argv, true) ? 1 : 0)),
  cmd('append', appendCommand),
  cmd('strlen', strlenCommand),
  cmd('incr', (ctx, argv) => incrBy(ctx, at(argv, 1), 1)),
  cmd('decr', (ctx, argv) => incrBy(ctx, at(argv, 1), -1)),
  cmd('incrby', (ctx, argv) => incrBy(ctx, at(argv, 1), deltaArg(at(argv, 2)))),
  cmd('decrby', (ctx, argv) => {
    const delta = deltaArg(at(argv, 2));
    if (delta === INT64_MIN) throw new ReplyError(ERR.decrementOverflow);
    incrBy(ctx, at(argv, 1), -delta);
  }),
  cmd('incrbyfloat', incrbyfloatCommand),
  cmd('getrange', getrangeCommand),
  cmd('substr', getrangeCommand),
  cmd('setrange', setrangeCommand),
  cmd('lcs', lcsCommand),
];
