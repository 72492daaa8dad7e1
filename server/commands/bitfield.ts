/**
 * BITFIELD and BITFIELD_RO: a list of GET / SET / INCRBY operations on integer fields of one
 * string, with OVERFLOW switching the policy for the operations after it. The field arithmetic
 * and overflow rules are in storage/bitfield.ts.
 *
 * Like Redis, the whole argument list is parsed before anything runs, so a bad argument anywhere
 * answers an error and changes nothing. Then, if any operation writes, the string is grown once
 * to hold the furthest field written, every operation runs in turn on the value's bytes (a GET
 * sees the writes before it), and the result is stored once. A long value is edited where it is
 * held (storage/mutable-string.ts), so a call costs what its fields cost, not the string's length;
 * a short one is edited in a copy that is stored back as a byte string.
 *
 * What counts as a change follows Redis 7.0: a write that stored a different value, or any
 * write at all when the string was created or extended. An OVERFLOW FAIL that refused every
 * write, or a SET of the value already there, is no change: not propagated, no event, no WATCH
 * invalidation, even though (as in Redis) the key may have been created or zero-extended.
 * Redis adds one to its dirty counter per changing operation; so does this.
 */
import type { ByteString } from '../../storage/bytes';
import {
  checkSignedOverflow,
  checkUnsignedOverflow,
  getSignedField,
  getUnsignedField,
  parseFieldType,
  setField,
  type FieldType,
  type OverflowCheck,
  type OverflowPolicy,
} from '../../storage/bitfield';
import { byteAt } from '../../storage/mutable-string';
import { parseInt64 } from '../../storage/numbers';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';
import { at, int64Arg, isWord, syntaxError } from './args';
import { bitOffsetArg } from './bitmaps';
import { cmd, type CommandImpl } from '../dispatch/command';
import { asStringBytes, checkRepresentable, editable } from './strings';

interface FieldOperation {
  kind: 'get' | 'set' | 'incrby';
  type: FieldType;
  /** In bits, "#n" already multiplied out. */
  offset: number;
  /** The SET value or INCRBY increment (0 for GET). */
  operand: bigint;
  overflow: OverflowPolicy;
}

function overflowArg(arg: ByteString): OverflowPolicy {
  for (const policy of ['wrap', 'sat', 'fail'] as const) if (isWord(arg, policy)) return policy;
  throw new ReplyError(ERR.bitfieldOverflowType);
}

function parseOperations(ctx: CommandContext, argv: readonly ByteString[]): FieldOperation[] {
  const ops: FieldOperation[] = [];
  let overflow: OverflowPolicy = 'wrap';
  for (let j = 2; j < argv.length; j++) {
    const word = argv[j] as ByteString;
    const remaining = argv.length - j - 1;
    let kind: FieldOperation['kind'];
    if (isWord(word, 'get') && remaining >= 2) kind = 'get';
    else if (isWord(word, 'set') && remaining >= 3) kind = 'set';
    else if (isWord(word, 'incrby') && remaining >= 3) kind = 'incrby';
    else if (isWord(word, 'overflow') && remaining >= 1) {
      overflow = overflowArg(argv[++j] as ByteString);
      continue;
    } else syntaxError();
    const type = parseFieldType(argv[j + 1] as ByteString, parseInt64);
    if (type === null) throw new ReplyError(ERR.bitfieldType);
    const offset = bitOffsetArg(ctx, argv[j + 2] as ByteString, type.bits);
    const operand = kind === 'get' ? 0n : int64Arg(argv[j + 3] as ByteString);
    ops.push({ kind, type, offset, operand, overflow });
    j += kind === 'get' ? 2 : 3;
  }
  return ops;
}

function bitfieldGeneric(ctx: CommandContext, argv: ByteString[], readOnlyCommand: boolean): void {
  const key = at(argv, 1);
  const ops = parseOperations(ctx, argv);
  let lastWrittenBit = -1;
  for (const op of ops) if (op.kind !== 'get') lastWrittenBit = Math.max(lastWrittenBit, op.offset + op.type.bits - 1);
  if (lastWrittenBit < 0) {
    readFields(ctx, key, ops);
    return;
  }
  if (readOnlyCommand) throw new ReplyError(ERR.bitfieldReadOnly);
  writeFields(ctx, key, ops, lastWrittenBit);
}

/** Only GETs: a read of the key, fields past the end read as zeros. */
function readFields(ctx: CommandContext, key: ByteString, ops: readonly FieldOperation[]): void {
  const value = ctx.lookupReadBytes(ctx.db, key);
  const s = value === undefined ? '' : asStringBytes(value);
  const out = ctx.reply;
  out.array(ops.length);
  // A field spans at most 9 bytes (a 64-bit field not aligned to a byte): copy those out.
  const window = new Uint8Array(9);
  for (const op of ops) {
    const firstByte = Math.floor(op.offset / 8);
    for (let i = 0; i < 9; i++) window[i] = byteAt(s, firstByte + i);
    const offset = op.offset - firstByte * 8;
    out.integer(op.type.signed ? getSignedField(window, offset, op.type.bits) : getUnsignedField(window, offset, op.type.bits));
  }
}

function writeFields(ctx: CommandContext, key: ByteString, ops: readonly FieldOperation[], lastWrittenBit: number): void {
  const db = ctx.db;
  const now = ctx.nowMs;
  const old = db.getForEdit(key, now);
  const current = old === undefined ? undefined : asStringBytes(old);
  const neededBytes = Math.floor(lastWrittenBit / 8) + 1;
  checkRepresentable(neededBytes);
  const grown = current === undefined || current.length < neededBytes;
  const edited = editable(current);
  edited.ensureLength(neededBytes);
  const bytes = edited.view;
  const out = ctx.reply;
  out.array(ops.length);
  let changes = 0;
  for (const op of ops) {
    const { signed, bits } = op.type;
    if (op.kind === 'get') {
      out.integer(signed ? getSignedField(bytes, op.offset, bits) : getUnsignedField(bytes, op.offset, bits));
      continue;
    }
    const oldValue = signed ? getSignedField(bytes, op.offset, bits) : getUnsignedField(bytes, op.offset, bits);
    let newValue: bigint;
    let check: OverflowCheck;
    if (op.kind === 'incrby') {
      check = signed ? checkSignedOverflow(oldValue, op.operand, bits, op.overflow) : checkUnsignedOverflow(oldValue, op.operand, bits, op.overflow);
      newValue = check.limit ?? (signed ? oldValue + op.operand : BigInt.asUintN(64, oldValue + op.operand));
    } else {
      // SET checks its argument as "argument + 0"; an unsigned field sees it as a uint64.
      const argument = signed ? op.operand : BigInt.asUintN(64, op.operand);
      check = signed ? checkSignedOverflow(argument, 0n, bits, op.overflow) : checkUnsignedOverflow(argument, 0n, bits, op.overflow);
      newValue = check.limit ?? argument;
    }
    if (check.overflow !== 0 && op.overflow === 'fail') {
      out.null();
      continue;
    }
    out.integer(op.kind === 'incrby' ? newValue : oldValue);
    setField(bytes, op.offset, bits, newValue);
    if (grown || oldValue !== newValue) changes++;
  }
  if (changes > 0) {
    db.overwriteInPlace(key, edited, now);
    for (let i = 1; i < changes; i++) db.markModified(key, now);
    ctx.notifyKeyEvent(NotifyFlag.string, 'setbit', key);
  } else if (grown || !db.isRawString(key)) {
    db.storeInPlaceUncounted(key, edited, now);
  }
}

export const bitfieldCommands: CommandImpl[] = [
  cmd('bitfield', (ctx, argv) => bitfieldGeneric(ctx, argv, false)),
  cmd('bitfield_ro', (ctx, argv) => bitfieldGeneric(ctx, argv, true)),
];
