/**
 * The bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP (BITFIELD is in bitfield.ts).
 * A bitmap is a plain string value; the bit arithmetic lives in storage/bits.ts and these
 * handlers only parse arguments, look keys up and reply, in Redis 7.0's order of checks (which
 * error wins is visible: GETBIT checks its offset before the key's type, BITCOUNT looks the key
 * up before it parses its range, so a missing key answers 0 even to a malformed range).
 *
 * Writes follow Redis's accounting: SETBIT counts as a change (dirty, propagation, WATCH, the
 * "setbit" event) only when it created or extended the string or flipped the bit. Either way
 * the value ends up in the raw encoding, as Redis unshares the string before looking at it.
 *
 * SETBIT cost: a long value is edited in place (storage/mutable-string.ts), so one SETBIT costs
 * the same on 16 MB as on 100 bytes, as in Redis; the reads below look at the bytes in whichever
 * form the value is held (ctx.lookupReadBytes) and copy nothing of an edited bitmap.
 */
import type { ByteString } from '../../storage/bytes';
import { combineBits, countBits, findBit, getBit, resolveRange, setBit, type BitOperation, type RangeUnit } from '../../storage/bits';
import type { StringBytes } from '../../storage/mutable-string';
import { parseInt64, parseSafeInt } from '../../storage/numbers';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';
import { at, int64Arg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { asStringBytes, checkRepresentable, editable } from './strings';

/**
 * A bit offset argument: a canonical non-negative integer whose byte lies within
 * proto-max-bulk-len. With `fieldBits` (BITFIELD), "#n" means the n-th field of that width,
 * i.e. bit n * fieldBits; like Redis, that product wraps around in 64 bits before it is checked.
 */
export function bitOffsetArg(ctx: CommandContext, arg: ByteString, fieldBits: number | null = null): number {
  const positional = fieldBits !== null && arg.charCodeAt(0) === 0x23; /* # */
  const limitBytes = ctx.config.number('proto-max-bulk-len');
  if (!positional) {
    // The common case, without bigints: a plain offset below 2^53.
    const fast = parseSafeInt(arg);
    if (fast !== null) {
      if (fast < 0 || Math.floor(fast / 8) >= limitBytes) throw new ReplyError(ERR.bitOffset);
      return fast;
    }
  }
  let offset = parseInt64(positional ? arg.slice(1) : arg);
  if (offset === null) throw new ReplyError(ERR.bitOffset);
  if (positional) offset = BigInt.asIntN(64, offset * BigInt(fieldBits));
  if (offset < 0n || offset >> 3n >= BigInt(limitBytes)) {
    throw new ReplyError(ERR.bitOffset);
  }
  return Number(offset);
}

// -------------------------------------------------------------------------------------------------
// SETBIT and GETBIT

function setbitCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const offset = bitOffsetArg(ctx, at(argv, 2));
  const valueArg = at(argv, 3);
  // Redis parses a long and then refuses anything but 0 and 1, with one message for both.
  if (valueArg !== '0' && valueArg !== '1') throw new ReplyError(ERR.bitValue);
  const on = valueArg === '1' ? 1 : 0;
  const db = ctx.db;
  const now = ctx.nowMs;
  const old = db.getForEdit(key, now);
  const current = old === undefined ? undefined : asStringBytes(old);
  const neededBytes = Math.floor(offset / 8) + 1;
  checkRepresentable(neededBytes);
  const previous = current === undefined ? 0 : getBit(current, offset);
  if (current === undefined || current.length < neededBytes || previous !== on) {
    const edited = editable(current);
    edited.ensureLength(neededBytes);
    setBit(edited.view, offset, on);
    db.overwriteInPlace(key, edited, now);
    ctx.notifyKeyEvent(NotifyFlag.string, 'setbit', key);
  } else if (!db.isRawString(key)) {
    db.storeInPlaceUncounted(key, current, now);
  }
  ctx.reply.integer(previous);
}

function getbitCommand(ctx: CommandContext, argv: ByteString[]): void {
  const offset = bitOffsetArg(ctx, at(argv, 2));
  const value = ctx.lookupReadBytes(ctx.db, at(argv, 1));
  ctx.reply.integer(value === undefined ? 0 : getBit(asStringBytes(value), offset));
}

// -------------------------------------------------------------------------------------------------
// BITCOUNT and BITPOS

function unitArg(arg: ByteString): RangeUnit {
  if (isWord(arg, 'bit')) return 'bit';
  if (isWord(arg, 'byte')) return 'byte';
  return syntaxError();
}

function bitcountCommand(ctx: CommandContext, argv: ByteString[]): void {
  const value = ctx.lookupReadBytes(ctx.db, at(argv, 1));
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const s = asStringBytes(value);
  if (argv.length === 2) {
    ctx.reply.integer(countBits(s, { firstBit: 0, lastBit: s.length * 8 - 1 }));
    return;
  }
  if (argv.length !== 4 && argv.length !== 5) syntaxError();
  const start = int64Arg(at(argv, 2));
  const end = int64Arg(at(argv, 3));
  // Both counted from the end and crossed: empty, decided before the unit is even read.
  if (start < 0n && end < 0n && start > end) {
    ctx.reply.integer(0);
    return;
  }
  const unit = argv.length === 5 ? unitArg(at(argv, 4)) : 'byte';
  ctx.reply.integer(countBits(s, resolveRange(s.length, start, end, unit)));
}

function bitposCommand(ctx: CommandContext, argv: ByteString[]): void {
  const bitArg = int64Arg(at(argv, 2));
  if (bitArg !== 0n && bitArg !== 1n) throw new ReplyError(ERR.bitArgument);
  const bit = bitArg === 1n ? 1 : 0;
  const value = ctx.lookupReadBytes(ctx.db, at(argv, 1));
  // A missing key is an endless run of zeros.
  if (value === undefined) {
    ctx.reply.integer(bit === 1 ? -1 : 0);
    return;
  }
  const s = asStringBytes(value);
  let start = 0n;
  let end = -1n;
  let unit: RangeUnit = 'byte';
  const endGiven = argv.length >= 5;
  if (argv.length >= 4 && argv.length <= 6) {
    start = int64Arg(at(argv, 3));
    if (argv.length === 6) unit = unitArg(at(argv, 5));
    if (endGiven) end = int64Arg(at(argv, 4));
  } else if (argv.length !== 3) {
    syntaxError();
  }
  const range = resolveRange(s.length, start, end, unit);
  if (range.firstBit > range.lastBit) {
    ctx.reply.integer(-1);
    return;
  }
  let position = findBit(s, bit, range);
  // Looking for a 0 without an explicit end: the string is as if padded with zeros, so the
  // answer is the first bit after the range's last byte. With an explicit end, nothing found.
  if (position === -1 && bit === 0 && !endGiven) position = (Math.floor(range.lastBit / 8) + 1) * 8;
  ctx.reply.integer(position);
}

// -------------------------------------------------------------------------------------------------
// BITOP

function operationArg(arg: ByteString): BitOperation {
  for (const op of ['and', 'or', 'xor', 'not'] as const) if (isWord(arg, op)) return op;
  return syntaxError();
}

function bitopCommand(ctx: CommandContext, argv: ByteString[]): void {
  const op = operationArg(at(argv, 1));
  const destination = at(argv, 2);
  if (op === 'not' && argv.length !== 4) throw new ReplyError(ERR.bitopNotSingleSource);
  const sources: StringBytes[] = [];
  for (let i = 3; i < argv.length; i++) {
    const value = ctx.lookupReadBytes(ctx.db, argv[i] as ByteString);
    sources.push(value === undefined ? '' : asStringBytes(value));
  }
  const result = combineBits(op, sources);
  const db = ctx.db;
  const now = ctx.nowMs;
  if (result.length > 0) {
    db.set(destination, result, now);
    // A freshly built string object: raw whatever its length, as in Redis.
    db.storeInPlaceUncounted(destination, result, now, true);
    ctx.notifyKeyEvent(NotifyFlag.string, 'set', destination);
  } else if (db.delete(destination)) {
    ctx.notifyKeyEvent(NotifyFlag.generic, 'del', destination);
  }
  ctx.reply.integer(result.length);
}

export const bitmapCommands: CommandImpl[] = [
  cmd('setbit', setbitCommand),
  cmd('getbit', getbitCommand),
  cmd('bitcount', bitcountCommand),
  cmd('bitpos', bitposCommand),
  cmd('bitop', bitopCommand),
];
