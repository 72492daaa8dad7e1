/**
 * HyperLogLog sketches laid out byte for byte as Redis 7.0 lays them out, so that the value PFADD
 * leaves in a key is a plain string identical to redis-server's: GET, DUMP/RESTORE, RDB files and
 * replication carry it between the two servers unchanged.
 *
 * The idea: hash each element to 64 bits; the low 14 bits pick one of 16384 registers, and the
 * register keeps the longest run seen of "zeros before the first one" in the other 50 bits (plus
 * one). A set of n distinct elements leaves runs of about log2(n / 16384); the harmonic mean of
 * the registers gives the estimate (hyperloglog-estimate.ts). Adding an element that is already
 * there changes nothing, which is why PFADD can answer whether the sketch changed.
 *
 * The string's layout (header, dense 6-bit registers, sparse ZERO/XZERO/VAL opcodes) is drawn
 * in hyperloglog-layout.ts. A sketch starts sparse, as one XZERO of 16384 registers. Setting a
 * register splits the opcode that covers it into at most three (e.g. XZERO-VAL-XZERO), then
 * neighbouring VALs of equal value are merged back. The sketch turns dense ("promotion") when a register needs a value above 32
 * or when the string would grow past hll-sparse-max-bytes.
 *
 * Corrupt strings: any string with the magic and a valid encoding byte reaches this code (a
 * client can SETRANGE anything into one). Redis walks such a string with its C pointers, which
 * may read the one byte past the end (the sds terminator, zero) when the last opcode is a
 * truncated XZERO; HllSketch keeps that byte, `bytes[length]`, so every walk reads exactly what
 * Redis's does, and answers -1 where Redis finds the representation invalid. (The byte is zero
 * whenever a sketch is read from its string: a write Redis makes over its terminator is not kept
 * between commands. Only a corrupt sketch whose last byte is a truncated XZERO can tell.)
 *
 * Copies: a dense sketch held in the database's editable form (mutable-string.ts) is edited in
 * its own bytes, as Redis edits its sds, so a PFADD on a 12 KB sketch copies nothing; a sparse
 * one, short and able to grow, is copied into a buffer with room and stored back.
 */
import type { ByteString } from './bytes';
import { EDIT_IN_PLACE_MIN_BYTES, MutableString, type StringBytes } from './mutable-string';
import type { Hash64 } from './murmur-hash';
import {
  CACHE_STALE_BIT,
  CARD_OFFSET,
  denseRegister,
  elementPattern,
  HLL_DENSE,
  HLL_DENSE_BYTES,
  HLL_HEADER_BYTES,
  HLL_REGISTERS,
  HLL_SPARSE,
  isXzero,
  isZero,
  pushZeroRun,
  REGISTER_MAX,
  setDenseRegister,
  SPARSE_VAL_MAX_LEN,
  SPARSE_VAL_MAX_VALUE,
  valLength,
  valOpcode,
  valValue,
  xzeroLength,
  zeroLength,
  type ElementPattern,
} from './hyperloglog-layout';

/**
 * One sketch being read or changed: the string's bytes in a buffer with room to grow, as Redis
 * edits its sds in place. `bytes[length]` is the terminator (see the opening comment).
 */
export class HllSketch {
  private bytes: Buffer;
  private length: number;
  /** The database's editable value this sketch edits in place, or null (a copy). */
  private readonly heldValue: MutableString | null;

  private constructor(bytes: Buffer, length: number, heldValue: MutableString | null = null) {
    this.bytes = bytes;
    this.length = length;
    this.heldValue = heldValue;
  }

  /** A sketch over a copy of a string that passed isHllValue. */
  static fromString(s: ByteString): HllSketch {
    const bytes = Buffer.alloc(s.length + 8);
    bytes.latin1Write(s, 0);
    return new HllSketch(bytes, s.length);
  }

  /**
   * A sketch over a value that passed isHllValue. A dense one held in the editable form is
   * edited where it is, as Redis edits its string: a dense sketch never changes length, so
   * PFADD on it copies nothing. Anything else is copied (a sparse one may grow).
   */
  static fromValue(value: StringBytes): HllSketch {
    if (typeof value === 'string') return HllSketch.fromString(value);
    if (value.view[4] === HLL_DENSE) return new HllSketch(value.view, value.length, value);
    const bytes = Buffer.alloc(value.length + 8);
    value.view.copy(bytes);
    return new HllSketch(bytes, value.length);
  }

  /** A new, empty sketch: sparse, one XZERO of 16384 registers, a valid cached count of 0. */
  static empty(): HllSketch {
    const bytes = Buffer.alloc(HLL_HEADER_BYTES + 2 + 8);
    bytes.latin1Write('HYLL', 0);
    bytes[4] = HLL_SPARSE;
    bytes[HLL_HEADER_BYTES] = (((HLL_REGISTERS - 1) >> 8) | 0x40) & 0xff;
    bytes[HLL_HEADER_BYTES + 1] = (HLL_REGISTERS - 1) & 0xff;
    return new HllSketch(bytes, HLL_HEADER_BYTES + 2);
  }

  toByteString(): ByteString {
    return this.bytes.latin1Slice(0, this.length);
  }

  /**
   * The value to store: the editable value this sketch was edited in, or its bytes, in the
   * editable form when long enough to be held so (storage/mutable-string.ts).
   */
  toStored(): ByteString | MutableString {
    if (this.heldValue !== null && this.bytes === this.heldValue.view) return this.heldValue;
    if (this.length < EDIT_IN_PLACE_MIN_BYTES) return this.toByteString();
    return MutableString.adopt(this.bytes.subarray(0, this.length));
  }

  get encoding(): number {
    return this.bytes[4]!;
  }

  // -------------------------------------------------------------------------------------------
  // The cached cardinality

  get cacheValid(): boolean {
    return (this.bytes[CARD_OFFSET + 7]! & CACHE_STALE_BIT) === 0;
  }

  /** The cached count as stored (a 64-bit unsigned number). */
  get cachedCardinality(): bigint {
    return this.bytes.readBigUInt64LE(CARD_OFFSET);
  }

  setCachedCardinality(card: bigint): void {
    this.bytes.writeBigUInt64LE(BigInt.asUintN(64, card), CARD_OFFSET);
  }

  invalidateCache(): void {
    this.bytes[CARD_OFFSET + 7]! |= CACHE_STALE_BIT;
  }

  // -------------------------------------------------------------------------------------------
  // Adding

  /**
   * Redis's hllAdd: 1 when a register grew, 0 when none did, -1 when the sparse opcodes turned
   * out invalid (Redis's "Corrupted HLL object"; the sketch may hold earlier changes).
   */
  add(element: ByteString, sparseMaxBytes: number, scratch: Hash64, pattern: ElementPattern): -1 | 0 | 1 {
    const { register, count } = elementPattern(element, scratch, pattern);
    return this.setRegister(register, count, sparseMaxBytes);
  }

  /** Raises register `index` to `count` if it is lower (hllDenseSet / hllSparseSet). */
  setRegister(index: number, count: number, sparseMaxBytes: number): -1 | 0 | 1 {
    if (this.encoding === HLL_DENSE) return this.denseSet(index, count);
    if (this.encoding === HLL_SPARSE) return this.sparseSet(index, count, sparseMaxBytes);
    return -1;
  }

  /** A register of a dense sketch. */
  register(index: number): number {
    return denseRegister(this.bytes, HLL_HEADER_BYTES, index);
  }

  private denseSet(index: number, count: number): 0 | 1 {
    if (count <= denseRegister(this.bytes, HLL_HEADER_BYTES, index)) return 0;
    setDenseRegister(this.bytes, HLL_HEADER_BYTES, index, count);
    return 1;
  }

  /** Makes room for `extra` more bytes and the terminator, keeping the contents. */
  private reserve(extra: number): void {
    if (this.length + extra + 8 <= this.bytes.length) return;
    const grown = Buffer.alloc((this.length + extra) * 2 + 8);
    this.bytes.copy(grown, 0, 0, this.length + 1);
    this.bytes = grown;
  }

  /** sdsIncrLen: the string grows or shrinks by `delta` bytes and gets a terminator there. */
  private changeLength(delta: number): void {
    this.length += delta;
    this.bytes[this.length] = 0;
  }

  /**
   * Redis's hllSparseSet, step by step:
   *  1. find the opcode covering register `index` (and the one before it, for the merge);
   *  2. nothing to do if it is a VAL already at least `count`; a VAL or ZERO covering just this
   *     register is rewritten in place;
   *  3. otherwise split it into up to three opcodes (run before, VAL, run after), moving the
   *     rest of the string, unless that would pass `sparseMaxBytes`: then promote;
   *  4. merge adjacent VALs of equal value, scanning up to 5 opcodes from the previous one.
   */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): -1 | 0 | 1 {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promoteAndSet(index, count);
    this.reserve(3);
    const b = this.bytes;
    const end = this.length;
    let p = HLL_HEADER_BYTES;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let opLength = 1;
      if (isZero(op)) span = zeroLength(op);
      else if (op & 0x80) span = valLength(op);
      else {
        span = xzeroLength(op, b[p + 1]!);
        opLength = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += opLength;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    let next = isXzero(op) ? p + 2 : p + 1;
    if (next >= end) next = -1;

    const zero = isZero(op);
    const xzero = isXzero(op);
    const runLength = zero ? zeroLength(op) : xzero ? xzeroLength(op, b[p + 1]!) : valLength(op);
    if (!zero && !xzero) {
      if (valValue(op) >= count) return 0;
      if (runLength === 1) {
        b[p] = valOpcode(count, 1);
        return this.mergeValRuns(prev);
      }
    }
    if (zero && runLength === 1) {
      b[p] = valOpcode(count, 1);
      return this.mergeValRuns(prev);
    }

    // The general case: the opcode becomes [run before] VAL(count) [run after].
    const seq: number[] = [];
    const last = first + span - 1;
    if (zero || xzero) {
      if (index !== first) pushZeroRun(seq, index - first);
      seq.push(valOpcode(count, 1));
      if (index !== last) pushZeroRun(seq, last - index);
    } else {
      const current = valValue(op);
      if (index !== first) seq.push(valOpcode(current, index - first));
      seq.push(valOpcode(count, 1));
      if (index !== last) seq.push(valOpcode(current, last - index));
    }
    const delta = seq.length - (xzero ? 2 : 1);
    if (delta > 0 && this.length + delta > sparseMaxBytes) return this.promoteAndSet(index, count);
    if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end);
    this.changeLength(delta);
    for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!;
    return this.mergeValRuns(prev);
  }

  /** Step 4 of sparseSet: two adjacent VALs of one value become one while the run fits in 4. */
  private mergeValRuns(prev: number): 1 {
    const b = this.bytes;
    let p = prev === -1 ? HLL_HEADER_BYTES : prev;
    let scanLength = 5;
    while (p < this.length && scanLength-- > 0) {
      const op = b[p]!;
      if (isXzero(op)) {
        p += 2;
        continue;
      }
      if (isZero(op)) {
        p++;
        continue;
      }
      const nextOp = b[p + 1]!;
      if (p + 1 < this.length && nextOp & 0x80 && valValue(op) === valValue(nextOp)) {
        const merged = valLength(op) + valLength(nextOp);
        if (merged <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOpcode(valValue(op), merged);
          b.copyWithin(p, p + 1, this.length + 1);
          this.changeLength(-1);
          // Stay on this opcode: it may merge with the next one too.
          continue;
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  /** Promotion inside sparseSet: turn dense, then set the register there (always a raise). */
  private promoteAndSet(index: number, count: number): -1 | 1 {
    if (!this.toDense()) return -1;
    this.denseSet(index, count);
    return 1;
  }

  // -------------------------------------------------------------------------------------------
  // Conversions and reads

  /**
   * Redis's hllSparseToDense: false (and the sketch unchanged) when the opcodes do not cover
   * exactly 16384 registers, or a VAL reaches past the last one. The header, cached count and unused bytes included, is kept.
   */
  toDense(): boolean {
    if (this.encoding === HLL_DENSE) return true;
    const dense = Buffer.alloc(HLL_DENSE_BYTES + 8);
    this.bytes.copy(dense, 0, 0, HLL_HEADER_BYTES);
    dense[4] = HLL_DENSE;
    const complete = this.forEachSparseRun((index, run, value) => {
      for (let i = 0; i < run; i++) setDenseRegister(dense, HLL_HEADER_BYTES, index + i, value);
    });
    if (!complete) return false;
    this.bytes = dense;
    this.length = HLL_DENSE_BYTES;
    return true;
  }

  /**
   * Redis's hllMerge: raises each of `max`'s 16384 registers to this sketch's. False when sparse
   * opcodes do not cover exactly 16384 registers or a VAL reaches past the last one (`max` may
   * then hold part of them).
   */
  mergeInto(max: Uint8Array): boolean {
    const b = this.bytes;
    if (this.encoding === HLL_DENSE) {
      // Four registers per three bytes (see the byte map at the top).
      for (let at = HLL_HEADER_BYTES, i = 0; i < HLL_REGISTERS; at += 3, i += 4) {
        const b0 = b[at]!;
        const b1 = b[at + 1]!;
        const b2 = b[at + 2]!;
        const r0 = b0 & REGISTER_MAX;
        const r1 = ((b0 >> 6) | (b1 << 2)) & REGISTER_MAX;
        const r2 = ((b1 >> 4) | (b2 << 4)) & REGISTER_MAX;
        const r3 = b2 >> 2;
        if (r0 > max[i]!) max[i] = r0;
        if (r1 > max[i + 1]!) max[i + 1] = r1;
        if (r2 > max[i + 2]!) max[i + 2] = r2;
        if (r3 > max[i + 3]!) max[i + 3] = r3;
      }
      return true;
    }
    return this.forEachSparseRun((index, run, value) => {
      for (let i = index; i < index + run; i++) if (value > max[i]!) max[i] = value;
    });
  }

  /**
   * Walks a sparse sketch's opcodes, handing each VAL run (first register, length, value) to
   * `visit`; ZERO and XZERO runs are skipped. False when a VAL reaches past the last register
   * (before visiting it) or the opcodes do not cover exactly 16384 registers.
   */
  private forEachSparseRun(visit: (index: number, run: number, value: number) => void): boolean {
    const b = this.bytes;
    let index = 0;
    let p = HLL_HEADER_BYTES;
    while (p < this.length) {
      const op = b[p]!;
      if (isZero(op)) {
        index += zeroLength(op);
        p++;
      } else if (isXzero(op)) {
        index += xzeroLength(op, b[p + 1]!);
        p += 2;
      } else {
        const run = valLength(op);
        if (run + index > HLL_REGISTERS) return false;
        visit(index, run, valValue(op));
        index += run;
        p++;
      }
    }
    return index === HLL_REGISTERS;
  }

  /**
   * Counts registers by value into `histogram` (64 slots): Redis's hllDenseRegHisto and
   * hllSparseRegHisto. False when sparse opcodes do not cover exactly 16384 registers.
   */
  registerHistogram(histogram: Float64Array): boolean {
    const b = this.bytes;
    if (this.encoding === HLL_DENSE) {
      for (let at = HLL_HEADER_BYTES; at < HLL_DENSE_BYTES; at += 3) {
        const b0 = b[at]!;
        const b1 = b[at + 1]!;
        const b2 = b[at + 2]!;
        histogram[b0 & REGISTER_MAX]!++;
        histogram[((b0 >> 6) | (b1 << 2)) & REGISTER_MAX]!++;
        histogram[((b1 >> 4) | (b2 << 4)) & REGISTER_MAX]!++;
        histogram[b2 >> 2]!++;
      }
      return true;
    }
    let index = 0;
    let p = HLL_HEADER_BYTES;
    while (p < this.length) {
      const op = b[p]!;
      if (isZero(op)) {
        const run = zeroLength(op);
        index += run;
        histogram[0]! += run;
        p++;
      } else if (isXzero(op)) {
        const run = xzeroLength(op, b[p + 1]!);
        index += run;
        histogram[0]! += run;
        p += 2;
      } else {
        const run = valLength(op);
        index += run;
        histogram[valValue(op)]! += run;
        p++;
      }
    }
    return index === HLL_REGISTERS;
  }

  /** PFDEBUG DECODE: the sparse opcodes as "z:<len>", "Z:<len>" and "v:<value>,<len>", spaced. */
  decodeSparse(): string {
    const parts: string[] = [];
    const b = this.bytes;
    let p = HLL_HEADER_BYTES;
    while (p < this.length) {
      const op = b[p]!;
      if (isZero(op)) {
        parts.push(`z:${zeroLength(op)}`);
        p++;
      } else if (isXzero(op)) {
        parts.push(`Z:${xzeroLength(op, b[p + 1]!)}`);
        p += 2;
      } else {
        parts.push(`v:${valValue(op)},${valLength(op)}`);
        p++;
      }
    }
    return parts.join(' ');
  }
}
