/**
 * The HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST. A sketch is a plain
 * string laid out as Redis lays it out (storage/hyperloglog-layout.ts, edited by
 * storage/hyperloglog.ts), so these handlers only find
 * the strings, check that they are sketches, and store what changed, with Redis 7.0's
 * accounting:
 *
 *  - PFADD counts one change (Redis's dirty counter) per register it raised, plus one for
 *    creating the key, and fires "pfadd" when anything changed. PFMERGE always counts one
 *    change and fires "pfadd" too (a merge is a mass add, as Redis reasons).
 *  - PFCOUNT of one key whose cached count is stale writes the count back into the string: a
 *    read-only command that changes the value. Redis counts it as a change, so it is propagated
 *    to replicas as "PFCOUNT key" (which recompute it) and invalidates WATCH. PFCOUNT of
 *    several keys counts the union in a scratch register array and writes nothing.
 *  - PFDEBUG GETREG and TODENSE that turn a sparse sketch dense count one change (propagated),
 *    but signal no modified key: a WATCH of it still holds.
 *  - Every command that reaches a key's string as a sketch (all but PFCOUNT of several keys)
 *    first unshares it, which leaves it raw-encoded even when nothing else changes; a PFADD
 *    that fails half way on a corrupt sketch keeps the registers it already raised, uncounted.
 *
 * The order of checks follows Redis: keys are looked up and validated one by one, so in
 * "PFCOUNT a b" a corrupt a answers before a wrong type in b; PFDEBUG looks the key up before
 * it reads its subcommand.
 */
import type { ByteString } from '../../storage/bytes';
import type { EditableValue } from '../../storage/database';
import { HllSketch } from '../../storage/hyperloglog';
import { HLL_DENSE, HLL_REGISTERS, HLL_SPARSE, isHllValue, rawRegisterHistogram, validCachedCardinality, type ElementPattern } from '../../storage/hyperloglog-layout';
import { estimateCardinality } from '../../storage/hyperloglog-estimate';
import type { StringBytes } from '../../storage/mutable-string';
import type { Hash64 } from '../../storage/murmur-hash';
import { runHllSelfTest } from '../../storage/hyperloglog-selftest';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { NotifyFlag } from '../config/special-codecs';
import { at, isWord } from './args';
import { asStringBytes } from './strings';

/**
 * The value as a sketch's string, in whichever form the database holds it (a long one may be
 * in the editable form, storage/mutable-string.ts): WRONGTYPE for a non-string, Redis's HLL
 * error for a string that is not a sketch.
 */
function hllValue(value: EditableValue): StringBytes {
  const s = asStringBytes(value);
  if (!isHllValue(s)) throw new ReplyError(ERR.hllNotHll);
  return s;
}

/** Redis's dbUnshareStringValue: the string is raw from now on (counts as no change). */
function unshare(ctx: CommandContext, key: ByteString, value: StringBytes): void {
  if (!ctx.db.isRawString(key)) ctx.db.storeInPlaceUncounted(key, value, ctx.nowMs);
}

function sparseMaxBytes(ctx: CommandContext): number {
  return ctx.config.number('hll-sparse-max-bytes');
}

/** A count as Redis replies it: the uint64 read as a signed long long. */
function replyCardinality(ctx: CommandContext, card: bigint): void {
  ctx.reply.integer(BigInt.asIntN(64, card));
}

// -------------------------------------------------------------------------------------------------
// PFADD

function pfaddCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const db = ctx.db;
  const now = ctx.nowMs;
  const old = db.getForEdit(key, now);
  let sketch: HllSketch;
  let updated = 0;
  if (old === undefined) {
    sketch = HllSketch.empty();
    updated++;
  } else {
    const value = hllValue(old);
    sketch = HllSketch.fromValue(value);
    unshare(ctx, key, value);
  }
  const maxBytes = sparseMaxBytes(ctx);
  const scratch: Hash64 = { hi: 0, lo: 0 };
  const pattern: ElementPattern = { register: 0, count: 0 };
  for (let j = 2; j < argv.length; j++) {
    const result = sketch.add(argv[j] as ByteString, maxBytes, scratch, pattern);
    if (result === 1) updated++;
    else if (result === -1) {
      // Redis edited the string in place: what earlier elements raised stays, uncounted.
      db.storeInPlaceUncounted(key, sketch.toStored(), now);
      throw new ReplyError(ERR.hllCorrupt);
    }
  }
  if (updated === 0) {
    ctx.reply.integer(0);
    return;
  }
  sketch.invalidateCache();
  const value = sketch.toStored();
  if (old === undefined) {
    db.set(key, sketch.toByteString(), now);
    // A new sketch is a raw string in Redis whatever its length (created here: `fresh`).
    db.storeInPlaceUncounted(key, value, now, true);
  } else {
    db.overwriteInPlace(key, value, now);
  }
  db.countChanges(updated - 1);
  ctx.notifyKeyEvent(NotifyFlag.string, 'pfadd', key);
  ctx.reply.integer(1);
}

// -------------------------------------------------------------------------------------------------
// PFCOUNT

function pfcountCommand(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 2) {
    pfcountUnion(ctx, argv);
    return;
  }
  const key = at(argv, 1);
  const found = ctx.lookupReadBytes(ctx.db, key);
  if (found === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const value = hllValue(found);
  unshare(ctx, key, value);
  const cached = validCachedCardinality(value);
  if (cached !== null) {
    ctx.reply.integer(cached);
    return;
  }
  const sketch = HllSketch.fromValue(value);
  const histogram = new Float64Array(64);
  if (!sketch.registerHistogram(histogram)) throw new ReplyError(ERR.hllCorrupt);
  const card = estimateCardinality(histogram);
  sketch.setCachedCardinality(card);
  ctx.db.overwriteInPlace(key, sketch.toStored(), ctx.nowMs);
  // A read-only command that changed the value: Redis propagates it as it does writes.
  ctx.forcePropagation();
  replyCardinality(ctx, card);
}

/** PFCOUNT of several keys: the count of their union, from the registers' maxima. */
function pfcountUnion(ctx: CommandContext, argv: ByteString[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  for (let j = 1; j < argv.length; j++) {
    const found = ctx.lookupReadBytes(ctx.db, argv[j] as ByteString);
    if (found === undefined) continue;
    if (!HllSketch.fromValue(hllValue(found)).mergeInto(max)) throw new ReplyError(ERR.hllCorrupt);
  }
  const histogram = new Float64Array(64);
  rawRegisterHistogram(max, histogram);
  replyCardinality(ctx, estimateCardinality(histogram));
}

// -------------------------------------------------------------------------------------------------
// PFMERGE

function pfmergeCommand(ctx: CommandContext, argv: ByteString[]): void {
  const db = ctx.db;
  const now = ctx.nowMs;
  const max = new Uint8Array(HLL_REGISTERS);
  // The destination is also the first source: its registers are kept.
  let anyDense = false;
  for (let j = 1; j < argv.length; j++) {
    const found = ctx.lookupReadBytes(db, argv[j] as ByteString);
    if (found === undefined) continue;
    const source = HllSketch.fromValue(hllValue(found));
    if (source.encoding === HLL_DENSE) anyDense = true;
    if (!source.mergeInto(max)) throw new ReplyError(ERR.hllCorrupt);
  }
  const destination = at(argv, 1);
  const old = db.getForEdit(destination, now);
  let sketch: HllSketch;
  if (old === undefined) {
    sketch = HllSketch.empty();
  } else {
    const value = hllValue(old);
    sketch = HllSketch.fromValue(value);
    unshare(ctx, destination, value);
  }
  // A dense source makes a dense result at once rather than growing a sparse one until it
  // turns dense. (The destination was merged above, so it converts.)
  if (anyDense && !sketch.toDense()) throw new ReplyError(ERR.hllCorrupt);
  const maxBytes = sparseMaxBytes(ctx);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const register = max[j]!;
    if (register !== 0) sketch.setRegister(j, register, maxBytes);
  }
  sketch.invalidateCache();
  const value = sketch.toStored();
  if (old === undefined) {
    db.set(destination, sketch.toByteString(), now);
    db.storeInPlaceUncounted(destination, value, now, true);
  } else {
    db.overwriteInPlace(destination, value, now);
  }
  ctx.notifyKeyEvent(NotifyFlag.string, 'pfadd', destination);
  ctx.reply.ok();
}

// -------------------------------------------------------------------------------------------------
// PFDEBUG and PFSELFTEST

/** The subcommand as Redis's strcasecmp sees a C string: up to the first NUL byte. */
function cString(arg: ByteString): ByteString {
  const nul = arg.indexOf('\0');
  return nul === -1 ? arg : arg.slice(0, nul);
}

function pfdebugCommand(ctx: CommandContext, argv: ByteString[]): void {
  const subcommand = cString(at(argv, 1));
  const key = at(argv, 2);
  const db = ctx.db;
  const old = db.getForEdit(key, ctx.nowMs);
  if (old === undefined) throw new ReplyError(ERR.hllNoSuchKey);
  const value = hllValue(old);
  unshare(ctx, key, value);
  const sketch = HllSketch.fromValue(value);
  if (isWord(subcommand, 'getreg')) {
    if (sketch.encoding === HLL_SPARSE) turnDense(ctx, key, sketch);
    ctx.reply.array(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) ctx.reply.integer(sketch.register(j));
  } else if (isWord(subcommand, 'decode')) {
    if (sketch.encoding !== HLL_SPARSE) throw new ReplyError(ERR.hllNotSparse);
    ctx.reply.bulk(sketch.decodeSparse());
  } else if (isWord(subcommand, 'encoding')) {
    ctx.reply.simple(sketch.encoding === HLL_DENSE ? 'dense' : 'sparse');
  } else if (isWord(subcommand, 'todense')) {
    const converted = sketch.encoding === HLL_SPARSE;
    if (converted) turnDense(ctx, key, sketch);
    ctx.reply.integer(converted ? 1 : 0);
  } else {
    throw new ReplyError(`ERR Unknown PFDEBUG subcommand '${subcommand}'`);
  }
}

/**
 * PFDEBUG's conversion: counted as a change, so replicas convert too, but as in Redis not
 * signalled as a modified key (a WATCH of it still holds).
 */
function turnDense(ctx: CommandContext, key: ByteString, sketch: HllSketch): void {
  if (!sketch.toDense()) throw new ReplyError(ERR.hllCorrupt);
  ctx.db.storeInPlaceUncounted(key, sketch.toStored(), ctx.nowMs);
  ctx.db.countChanges(1);
}

function pfselftestCommand(ctx: CommandContext): void {
  const failure = runHllSelfTest();
  if (failure !== null) throw new ReplyError(`ERR TESTFAILED ${failure}`);
  ctx.reply.ok();
}

export const hyperloglogCommands: CommandImpl[] = [
  cmd('pfadd', pfaddCommand),
  cmd('pfcount', pfcountCommand),
  cmd('pfmerge', pfmergeCommand),
  cmd('pfdebug', pfdebugCommand),
  cmd('pfselftest', pfselftestCommand),
];
