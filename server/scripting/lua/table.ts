/**
 * Lua 5.1 tables, laid out in memory the way Lua 5.1 lays them out.
 *
 * Why the layout matters: pairs()/next() walk a table in storage order, not insertion order,
 * and Redis scripts feed that order to cjson.encode, to reply arrays and to their own output.
 * A script that works against redis-server must see the very same order here, so this file
 * reproduces the observable rules of Lua 5.1.5's tables (the rules were checked against lua5.1
 * by the differential tests in test/lua/table.test.ts):
 *
 * - Two parts. The ARRAY part holds keys 1..sizeArray in slots; every other key lives in the
 *   HASH part: 2^k nodes, each a key, a value and a link to the next node of its collision
 *   chain. A table with no hash part uses a single "dummy" node that nothing is stored in.
 * - next() walks the array part in order, then the nodes by index, skipping nil values.
 * - A new key goes to its "main position" (a hash of the key, below). When that node is taken,
 *   a free node is found by moving a cursor (lastFree) down from the end of the node array; it
 *   never moves up until the next rehash. If the node occupying the main position is not in its
 *   own main position it is moved out to the free node and the newcomer takes its place;
 *   otherwise the newcomer goes to the free node, linked right after its main position.
 * - When no free node is left the table is REHASHED: the integer keys in use (plus the key being
 *   inserted) choose the new array size, the largest power of two n with more than n/2 of 1..n
 *   in use; the rest sizes the hash part (next power of two). The array part is resized (slots
 *   that drop out are re-inserted into the new hash part), then the old nodes are re-inserted
 *   walking from the last node down to the first. Nil values are dropped at that moment only.
 * - Assigning nil leaves the key in its node with a nil value ("dead"): next() still accepts it,
 *   which is what makes clearing fields during a traversal legal. Even assigning nil to an ABSENT
 *   key creates such a node, exactly as Lua 5.1 does (it may even trigger a rehash).
 * - Main positions: strings by Lua 5.1's string hash modulo the node count; numbers by the sum
 *   of the two 32-bit halves of the double modulo an odd number ((size-1)|1), with 0 and -0 at
 *   node 0; booleans false → 0, true → 1; objects by their id modulo (size-1)|1 (C Lua uses
 *   their address, so that order is arbitrary in C too).
 *
 * Not reproduced: C Lua's garbage collector turns the nil-valued entries of collectable keys
 * into "dead keys" that later lookups no longer match; that depends on GC timing and is ignored.
 */
import { LuaError, newObjectId, type LuaString, type LuaValue } from './values';

/** Lua 5.1's MAXBITS: the array part holds at most 2^26 slots. */
const MAX_BITS = 26;
const MAX_ARRAY_SIZE = 2 ** MAX_BITS;
/** luaH_getn gives up doubling its probe past this and scans linearly (INT_MAX - 2). */
const MAX_PROBE = 2147483645;

/** The bytes of a number key, read as two 32-bit halves (little-endian, as on x86). */
const numberBits = new Float64Array(1);
const numberHalves = new Uint32Array(numberBits.buffer);

/**
 * The string hash of Redis's Lua: Lua 5.1's function (seeded with the length, bytes folded in
 * from the end), except that Redis's copy folds in every byte where stock Lua 5.1 samples about
 * 32 of a long string (a change Redis made against hash flooding). So a table with string keys
 * of 32 bytes or more iterates as in Redis, not as in lua5.1; shorter keys hash the same in both.
 */
export function luaStringHash(s: LuaString): number {
  const length = s.length;
  let h = length >>> 0;
  const step = 1;
  for (let remaining = length; remaining >= step; remaining -= step) {
    // (h << 5) may read as negative, but XOR reduces the exact sum mod 2^32 as C's unsigned does.
    h = (h ^ ((h << 5) + (h >>> 2) + s.charCodeAt(remaining - 1))) >>> 0;
  }
  return h;
}

/** ceil(log2(x)) for x >= 1: the power-of-two slice an integer key is counted in. */
function ceilLog2(x: number): number {
  if (x <= 1) return 0;
  if (x > 2 ** 30) return Math.ceil(Math.log2(x));
  return 32 - Math.clz32(x - 1);
}

/**
 * The size a table constructor really asks for: luac stores the sizes of `{...}` in a compact
 * "floating point byte" (4 significant bits and an exponent), rounding them up; e.g. 17 → 18.
 */
function roundLikeConstructorOperand(size: number): number {
  let mantissa = size;
  let exponent = 0;
  while (mantissa >= 16) {
    mantissa = (mantissa + 1) >>> 1;
    exponent++;
  }
  return mantissa * 2 ** exponent;
}

/** Is `key` the integer k with 1 <= k <= 2^26 (a candidate for the array part)? */
function arrayCandidate(key: LuaValue): number {
  if (typeof key === 'number' && key >= 1 && key <= MAX_ARRAY_SIZE && Number.isInteger(key)) return key;
  return 0;
}

/** Counts integer key k in its slice 2^(i-1) < k <= 2^i. */
function countInSlice(keysPerSlice: number[], k: number): void {
  const slice = ceilLog2(k);
  keysPerSlice[slice] = (keysPerSlice[slice] as number) + 1;
}

const NO_NODE = -1;
/** The shared "dummy" hash part of a table without one: one node, always empty, never written. */
const DUMMY_KEYS: LuaValue[] = [undefined];
const DUMMY_VALUES: LuaValue[] = [undefined];
const DUMMY_NEXT = new Int32Array([NO_NODE]);

export class LuaTable {
  readonly id: number = newObjectId();
  metatable: LuaTable | null = null;
  /** Redis 7 marks some tables readonly; the VM enforces it, the table only carries the flag. */
  readonly: boolean = false;

  /** The array part: slot i holds key i+1; its length is the array size. */
  private array: LuaValue[] = [];
  /** The hash part, as parallel node arrays; a node with an undefined key was never used. */
  private nodeKeys: LuaValue[] = DUMMY_KEYS;
  private nodeValues: LuaValue[] = DUMMY_VALUES;
  /** The next node of each node's collision chain, or NO_NODE. */
  private nodeNext: Int32Array = DUMMY_NEXT;
  /** The number of nodes (1 for the dummy). */
  private nodeCount = 1;
  private isDummy = true;
  /** Free nodes are searched below this index, downward. */
  private lastFree = 0;

  /**
   * A table with room for `arraySize` array slots and `hashSize` keys, as a `{...}` constructor
   * creates it: both hints are first rounded as the constructor's instruction operand rounds them.
   */
  constructor(arraySize = 0, hashSize = 0) {
    if (arraySize > 0) this.array = new Array<LuaValue>(roundLikeConstructorOperand(arraySize)).fill(undefined);
    if (hashSize > 0) this.allocateNodes(roundLikeConstructorOperand(hashSize));
  }

  get(key: LuaValue): LuaValue {
    switch (typeof key) {
      case 'string':
        return this.getStr(key);
      case 'number':
        return this.getInt(key);
      case 'undefined':
        return undefined;
      default: {
        const node = this.findNode(key);
        return node === NO_NODE ? undefined : this.nodeValues[node];
      }
    }
  }

  set(key: LuaValue, value: LuaValue): void {
    if (typeof key === 'number') {
      if (key !== key) throw new LuaError('table index is NaN');
      this.setInt(key, value);
      return;
    }
    if (key === undefined) throw new LuaError('table index is nil');
    const mainPosition = this.mainPosition(key);
    const node = this.findNodeFrom(key, mainPosition);
    if (node !== NO_NODE) this.nodeValues[node] = value;
    else this.insertNewKey(key, value, mainPosition);
  }

  /** Raw get of a number key (any number works; integers in the array part are fastest). */
  getInt(index: number): LuaValue {
    const slot = index - 1;
    if (slot >= 0 && slot < this.array.length && (slot | 0) === slot) return this.array[slot];
    const node = this.findNode(index);
    return node === NO_NODE ? undefined : this.nodeValues[node];
  }

  setInt(index: number, value: LuaValue): void {
    const slot = index - 1;
    if (slot >= 0 && slot < this.array.length && (slot | 0) === slot) {
      this.array[slot] = value;
      return;
    }
    const mainPosition = this.mainPosition(index);
    const node = this.findNodeFrom(index, mainPosition);
    if (node !== NO_NODE) this.nodeValues[node] = value;
    else this.insertNewKey(index, value, mainPosition);
  }

  getStr(key: LuaString): LuaValue {
    const keys = this.nodeKeys;
    let node = luaStringHash(key) & (this.nodeCount - 1);
    do {
      if (keys[node] === key) return this.nodeValues[node];
      node = this.nodeNext[node] as number;
    } while (node !== NO_NODE);
    return undefined;
  }

  setStr(key: LuaString, value: LuaValue): void {
    const mainPosition = luaStringHash(key) & (this.nodeCount - 1);
    const node = this.findNodeFrom(key, mainPosition);
    if (node !== NO_NODE) this.nodeValues[node] = value;
    else this.insertNewKey(key, value, mainPosition);
  }

  /**
   * The `#` operator: some border n (t[n] ~= nil and t[n+1] == nil, or 0), the one Lua 5.1 finds.
   * A nil in the last array slot means a border inside the array part (binary search); else
   * without a hash part the array size is the answer; else probe the keys beyond the array.
   */
  length(): number {
    const arraySize = this.array.length;
    if (arraySize > 0 && this.array[arraySize - 1] === undefined) {
      let present = 0;
      let absent = arraySize;
      while (absent - present > 1) {
        const middle = Math.floor((present + absent) / 2);
        if (this.array[middle - 1] === undefined) absent = middle;
        else present = middle;
      }
      return present;
    }
    if (this.isDummy) return arraySize;
    return this.unboundSearch(arraySize);
  }

  /**
   * next(t, key): the entry after `key` in storage order (the first for key undefined), or
   * undefined at the end. A key with a nil value still present in its node is a valid position.
   */
  next(key: LuaValue): [LuaValue, LuaValue] | undefined {
    const arraySize = this.array.length;
    let position: number; // array slots first, then nodes numbered after them
    if (key === undefined) {
      position = -1;
    } else {
      const index = arrayCandidate(key);
      if (index !== 0 && index <= arraySize) {
        position = index - 1;
      } else {
        const node = this.findNode(key);
        if (node === NO_NODE) throw new LuaError("invalid key to 'next'");
        position = node + arraySize;
      }
    }
    for (position++; position < arraySize; position++) {
      const value = this.array[position];
      if (value !== undefined) return [position + 1, value];
    }
    for (let node = position - arraySize; node < this.nodeCount; node++) {
      const value = this.nodeValues[node];
      if (value !== undefined) return [this.nodeKeys[node], value];
    }
    return undefined;
  }

  /**
   * What a `{...}` constructor does before storing positional items beyond its presized array
   * (a trailing call or `...`): when `last` exceeds the array size, resize the array part to
   * exactly `last`, rebuilding the hash part at its current size. The VM calls this before
   * storing items 1..last, as Lua 5.1's SETLIST does; without it `#{f()}` can differ.
   */
  reserveArray(last: number): void {
    if (last > this.array.length) this.resize(last, this.isDummy ? 0 : this.nodeCount);
  }

  // ---- the hash part -------------------------------------------------------------------------

  /** The node a key hashes to in the current hash part. */
  private mainPosition(key: LuaValue): number {
    const size = this.nodeCount;
    switch (typeof key) {
      case 'string':
        return luaStringHash(key) & (size - 1);
      case 'number': {
        if (key === 0) return 0; // 0 and -0 differ in their bytes but are the same key
        numberBits[0] = key;
        return (((numberHalves[0] as number) + (numberHalves[1] as number)) >>> 0) % ((size - 1) | 1);
      }
      case 'boolean':
        return key ? 1 & (size - 1) : 0;
      case 'undefined':
        return 0;
      default:
        return key.id % ((size - 1) | 1);
    }
  }

  /** The node holding `key` (dead or alive), or NO_NODE. Keys compare as JS ===, as Lua's raw equality. */
  private findNode(key: LuaValue): number {
    return this.findNodeFrom(key, this.mainPosition(key));
  }

  /** findNode, given the key's main position (computed once by callers that may insert next). */
  private findNodeFrom(key: LuaValue, mainPosition: number): number {
    const keys = this.nodeKeys;
    let node = mainPosition;
    do {
      if (keys[node] === key) return node;
      node = this.nodeNext[node] as number;
    } while (node !== NO_NODE);
    return NO_NODE;
  }

  /** Stores a key that is in neither part (key is not nil or NaN), given its main position. */
  private insertNewKey(key: LuaValue, value: LuaValue, mainPosition: number): void {
    let target = mainPosition;
    if (this.isDummy || this.nodeValues[target] !== undefined) {
      const free = this.takeFreeNode();
      if (free === NO_NODE) {
        this.rehash(key);
        this.set(key, value);
        return;
      }
      const occupantHome = this.mainPosition(this.nodeKeys[target]);
      if (occupantHome !== target) {
        // The occupant is a guest here: move it to the free node and repair its chain.
        let previous = occupantHome;
        while (this.nodeNext[previous] !== target) previous = this.nodeNext[previous] as number;
        this.nodeNext[previous] = free;
        this.nodeKeys[free] = this.nodeKeys[target];
        this.nodeValues[free] = this.nodeValues[target];
        this.nodeNext[free] = this.nodeNext[target] as number;
        this.nodeNext[target] = NO_NODE;
        this.nodeValues[target] = undefined;
      } else {
        // The occupant is at home: the newcomer takes the free node, chained right after it.
        this.nodeNext[free] = this.nodeNext[target] as number;
        this.nodeNext[target] = free;
        target = free;
      }
    }
    // A target with a nil value may hold a dead key: it is simply overwritten, its link kept.
    this.nodeKeys[target] = key;
    this.nodeValues[target] = value;
  }

  /** Moves the lastFree cursor down to a node that was never used, or NO_NODE. */
  private takeFreeNode(): number {
    while (this.lastFree > 0) {
      this.lastFree--;
      if (this.nodeKeys[this.lastFree] === undefined) return this.lastFree;
    }
    return NO_NODE;
  }

  /** A fresh hash part for `size` keys (0: the dummy). */
  private allocateNodes(size: number): void {
    if (size === 0) {
      this.nodeKeys = DUMMY_KEYS;
      this.nodeValues = DUMMY_VALUES;
      this.nodeNext = DUMMY_NEXT;
      this.nodeCount = 1;
      this.isDummy = true;
      this.lastFree = 0;
      return;
    }
    const log = ceilLog2(size);
    if (log > MAX_BITS) throw new LuaError('table overflow');
    const count = 2 ** log;
    this.nodeKeys = new Array<LuaValue>(count).fill(undefined);
    this.nodeValues = new Array<LuaValue>(count).fill(undefined);
    this.nodeNext = new Int32Array(count).fill(NO_NODE);
    this.nodeCount = count;
    this.isDummy = false;
    this.lastFree = count;
  }

  // ---- rehash --------------------------------------------------------------------------------

  /** Resizes both parts for the keys in use plus `extraKey`, the one being inserted. */
  private rehash(extraKey: LuaValue): void {
    // keysPerSlice[i]: integer keys k in use with 2^(i-1) < k <= 2^i
    const keysPerSlice = new Array<number>(MAX_BITS + 1).fill(0);
    let integerKeys = 0;
    let totalKeys = 0;
    for (let slot = 0; slot < this.array.length; slot++) {
      if (this.array[slot] !== undefined) {
        countInSlice(keysPerSlice, slot + 1);
        integerKeys++;
      }
    }
    totalKeys = integerKeys;
    for (let node = this.nodeCount - 1; node >= 0; node--) {
      if (this.nodeValues[node] === undefined) continue;
      const index = arrayCandidate(this.nodeKeys[node]);
      if (index !== 0) {
        countInSlice(keysPerSlice, index);
        integerKeys++;
      }
      totalKeys++;
    }
    const extraIndex = arrayCandidate(extraKey);
    if (extraIndex !== 0) {
      countInSlice(keysPerSlice, extraIndex);
      integerKeys++;
    }
    totalKeys++;

    // The largest power of two n such that more than n/2 of the slots 1..n would be used.
    let arraySize = 0;
    let keysInArray = 0;
    let counted = 0;
    for (let slice = 0, power = 1; Math.floor(power / 2) < integerKeys; slice++, power *= 2) {
      const inSlice = keysPerSlice[slice] as number;
      if (inSlice > 0) {
        counted += inSlice;
        if (counted > power / 2) {
          arraySize = power;
          keysInArray = counted;
        }
      }
    }
    this.resize(arraySize, totalKeys - keysInArray);
  }

  private resize(arraySize: number, hashSize: number): void {
    const oldArraySize = this.array.length;
    const oldKeys = this.nodeKeys;
    const oldValues = this.nodeValues;
    const oldCount = this.nodeCount;
    while (this.array.length < arraySize) this.array.push(undefined);
    this.allocateNodes(hashSize);
    if (arraySize < oldArraySize) {
      const dropped = this.array.slice(arraySize);
      this.array.length = arraySize;
      for (let i = 0; i < dropped.length; i++) {
        const value = dropped[i];
        if (value !== undefined) this.reinsert(arraySize + i + 1, value);
      }
    }
    for (let node = oldCount - 1; node >= 0; node--) {
      const value = oldValues[node];
      if (value !== undefined) this.reinsert(oldKeys[node], value);
    }
  }

  /** Puts back an entry during a resize: its key is in neither part yet. */
  private reinsert(key: LuaValue, value: LuaValue): void {
    const index = arrayCandidate(key);
    if (index !== 0 && index <= this.array.length) this.array[index - 1] = value;
    else this.insertNewKey(key, value, this.mainPosition(key));
  }

  /** The border beyond a full array part: probe j+1, 2(j+1), ... then binary search. */
  private unboundSearch(arraySize: number): number {
    let present = arraySize;
    let probe = arraySize + 1;
    while (this.getInt(probe) !== undefined) {
      present = probe;
      probe *= 2;
      if (probe > MAX_PROBE) {
        // A pathological table: fall back to a linear scan from 1.
        let index = 1;
        while (this.getInt(index) !== undefined) index++;
        return index - 1;
      }
    }
    while (probe - present > 1) {
      const middle = Math.floor((present + probe) / 2);
      if (this.getInt(middle) === undefined) probe = middle;
      else present = middle;
    }
    return present;
  }
}
