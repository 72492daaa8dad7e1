/**
 * One numbered database (SELECT n): the key → value dictionary, with each key's deadline
 * (deadline-table.ts), last access (LRU seconds or an LFU word, access-clock.ts) and modelled
 * memory (memory-accounting.ts), and in cluster mode its slot (slot-key-index.ts).
 *
 * Expiry works as in Redis, in two ways that together bound memory held by dead keys:
 *  - lazily: every lookup first checks the key's deadline and deletes it when it has passed
 *    (a key is expired once now > deadline, so PTTL can report 0 for one millisecond);
 *  - actively: `activeExpireCycle` is called on the server's cron tick and samples keys that
 *    have a deadline, deleting the expired ones, and keeps going while a sample shows more than
 *    10% of them expired, until the server's time budget runs out (server/active-expire.ts).
 *    Instead of Redis's buckets it walks the expiry map with a persistent iterator, which visits
 *    every key with a TTL in turn and costs O(1) per key.
 *
 * Time is always an argument (`nowMs`), frozen once per command by the caller, so a command
 * sees one consistent instant and tests can drive time by hand. The keys, their values and
 * access words are in a KeyTable (key-table.ts), whose slot numbers are SCAN's cursors; the
 * shapes shared with the server are in keyspace-context.ts.
 */
import { lfuInitial, lfuTouched, lruSeconds, type LfuSettings } from './access-clock';
import type { ByteString } from './bytes';
import { DictTables } from './dict-tables';
import { KeyTable } from './key-table';
import { isSharedInteger, stringEncoding, type HeldStringForm } from './encodings';
import { globMatch } from './glob';
import { DeadlineTable } from './deadline-table';
import { MapWalk } from './map-walk';
import { MemoryAccount } from './memory-accounting';
import { stringObjectBytes } from './memory-model';
import type { RandomSource } from './random';
import { InPlaceCounter } from './in-place-counter';
import { EDIT_IN_PLACE_MIN_BYTES, MutableString } from './mutable-string';
import type { RememberedKeyExpirer, RememberedKeyState, ReplicaKeysWithExpire } from './replica-expires';
import { newSds, sdsAfterInPlaceWrite, type PriorString, type SdsAlloc } from './sds-model';
import { typeName, type StoredValue, type TypeName } from './values';
import type {
  EditableValue, ExpireEffort, ExpirePass, KeyWatcher, KeyspaceContext, KeyspaceObserver, Lookup, ScanFilter,
} from './keyspace-context';
import { SlotKeyIndex } from './slot-key-index';

export type {
  EditableValue, ExpireEffort, ExpirePass, KeyChangeListener, KeyWatcher, KeyspaceContext, KeyspaceObserver,
  LatencyProbe, Lookup, ScanFilter,
} from './keyspace-context';

/** What stringForms keeps for a key: a raw string's sds, or one of HeldStringForm's others. */
type StringForm = SdsAlloc | 'embstr' | 'unshared';

/**
 * What the dictionary holds: a stored value, a long string in the form that is edited in place
 * (mutable-string.ts), or a counter that INCR changes in place (in-place-counter.ts). Only the
 * lookups for in-place edits see the second, only INCR's the third; every other lookup turns
 * them back into a byte string first (`settle`).
 */
type HeldValue = StoredValue | MutableString | InPlaceCounter;

export class Database implements RememberedKeyExpirer {
  /** The keys, their values and their access words (key-table.ts): one lookup per command. */
  private table: KeyTable<HeldValue>;
  /** Keys whose value may be in the editable form (a superset: settleAll checks each). */
  private editedKeys = new Set<ByteString>();
  /**
   * Counters put in the dictionary since the last settleAll (in-place-counter.ts), an upper
   * bound of those still there. They are not listed by key: a key string of the request's own
   * (the dictionary keeps the first one it was given) would cost a counter about 90 bytes more
   * than its string did; settleAll instead walks the dictionary, once per snapshot, when any may
   * be there.
   */
  private countersHeld = 0;
  /** Each key's deadline (deadline-table.ts). */
  private readonly deadlines = new DeadlineTable();
  /**
   * Strings Redis holds in another form than their bytes alone would give them: raw strings
   * modified in place (APPEND, SETRANGE), each with the sds Redis would have grown for it
   * (sds-model.ts), which DEBUG SDSLEN reports; INCRBYFLOAT's integral results, embstr and not
   * int; integers COPY made private, not shared. Any store of a new value drops the entry:
   * Redis then holds a new object. (used_memory charges INCRBYFLOAT's integers as int objects,
   * 8-24 bytes below their embstr; MEMORY USAGE reads the form.)
   */
  private stringForms = new Map<ByteString, StringForm>();
  /** The length of the string getForEdit last turned editable, before the edit (sds-model.ts). */
  private editBase: { key: ByteString; length: number } | null = null;
  /**
   * The bucket tables Redis would have under this database's key dict and expires dict
   * (dict-tables.ts): what DEBUG HTSTATS reports.
   */
  readonly mainTables = new DictTables();
  private readonly resizeAllowed = (): boolean => this.context.dictResizeAllowed?.() ?? true;
  /**
   * Each key's access word sits in its table slot: under LRU the second it was last read or
   * written (Redis's LRU clock has the same resolution), what OBJECT IDLETIME reports and LRU
   * eviction samples; under LFU the word of access-clock.ts. Keys loaded from a snapshot have
   * none (NaN) until touched: their access time is the load's, kept once here.
   */
  private loadedAtSec = 0;
  /**
   * In cluster mode, the keys of each hash slot (null in standalone mode, where nothing needs
   * them). Makes COUNTKEYSINSLOT and GETKEYSINSLOT cheap, and lets a node drop a slot's keys.
   */
  private slotKeys: SlotKeyIndex | null = null;
  /**
   * WATCHed keys and who watches them; null while nobody watches (the common case), so a write
   * pays one null check. Stays with the database index: SWAPDB and snapshot loads touch the
   * keys but do not move the watchers.
   */
  private watchers: Map<ByteString, Set<KeyWatcher>> | null = null;
  /** Keys deleted by lazy and active expiry since the last stats reset. */
  expiredKeys = 0;
  /** The modelled bytes of this database's keys (used_memory's dataset part). */
  private readonly memory = new MemoryAccount();
  /** Where eviction's sampling of all keys, and of keys with a deadline, resumes. */
  private evictionSlot = 0;
  private readonly volatileEvictionWalk = new MapWalk<ByteString, number>();

  constructor(
    public id: number,
    private readonly random: RandomSource,
    private readonly observer: KeyspaceObserver | null = null,
    private readonly context: KeyspaceContext = { dirty: 0, expiry: 'delete', replicaKeysWithExpire: null, tracking: null },
  ) {
    this.table = new KeyTable(context.hashSeed);
  }

  /** Starts maintaining the per-slot key index (cluster mode). */
  enableSlotIndex(): void {
    if (this.slotKeys !== null) return;
    const index = (this.slotKeys = new SlotKeyIndex());
    for (const key of this.table.keysInOrder()) index.add(key);
  }

  /** Number of keys in a hash slot (cluster mode). */
  countKeysInSlot(slot: number): number {
    return this.slotKeys?.count(slot) ?? 0;
  }

  /** Up to `count` keys of a hash slot (cluster mode). */
  keysInSlot(slot: number, count: number): ByteString[] {
    return this.slotKeys?.keys(slot, count) ?? [];
  }

  /** Deletes every key of a hash slot (a slot this node no longer serves); returns how many. */
  deleteSlot(slot: number): number {
    let n = 0;
    for (const key of this.slotKeys?.keys(slot) ?? []) if (this.delete(key)) n++;
    return n;
  }

  /** Number of keys, including expired keys not yet deleted (as Redis's DBSIZE). */
  get size(): number {
    return this.table.size;
  }

  get expiresCount(): number {
    return this.deadlines.size;
  }

  /** The bucket tables Redis would have under the expires dict (DEBUG HTSTATS). */
  get expiresTables(): DictTables {
    return this.deadlines.tables;
  }

  /** Sum of remaining TTLs / count, as INFO's avg_ttl roughly reports. */
  averageTtl(nowMs: number): number {
    return this.deadlines.averageTtl(nowMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups and writes

  /**
   * The value of a live key, marking it accessed; an expired key reads as missing (and is
   * deleted where the role deletes expired keys, see KeyspaceContext). Handlers of writes call it
   * as a write lookup; reads go through the server's lookupRead, a read lookup.
   */
  get(key: ByteString, nowMs: number, lookup: Lookup = 'write'): StoredValue | undefined {
    const value = this.liveAccessed(key, nowMs, lookup);
    return isHeldInPlace(value) ? this.settle(key, value) : value;
  }

  /** Like get, without marking the key accessed (TTL, TYPE, EXISTS, OBJECT: Redis's NOTOUCH). */
  peek(key: ByteString, nowMs: number, lookup: Lookup = 'write'): StoredValue | undefined {
    const value = this.live(key, nowMs, lookup);
    return isHeldInPlace(value) ? this.settle(key, value) : value;
  }

  /**
   * get() for INCR and its kin: a counter held in place (in-place-counter.ts) comes back as it
   * is, for the command to add to it and then call countedInPlace.
   */
  getCounter(key: ByteString, nowMs: number): StoredValue | InPlaceCounter | undefined {
    const value = this.liveAccessed(key, nowMs, 'write');
    return value instanceof MutableString ? this.settle(key, value) : value;
  }

  /**
   * get() for the commands that edit a string's bytes in place (SETBIT, SETRANGE, BITFIELD,
   * APPEND): a string of EDIT_IN_PLACE_MIN_BYTES or more is kept in the editable form from now
   * on (one copy), so the next edit finds it there; a shorter one comes back as it is.
   */
  getForEdit(key: ByteString, nowMs: number): EditableValue | undefined {
    const value = this.getBytes(key, nowMs, 'write');
    if (typeof value !== 'string' || value.length < EDIT_IN_PLACE_MIN_BYTES) return value;
    this.editBase = { key, length: value.length };
    return this.holdEditable(key, MutableString.from(value));
  }

  /**
   * get() for the commands that read a string's bytes where they are (GETBIT, BITCOUNT,
   * BITPOS, GETRANGE, STRLEN, BITFIELD_RO, BITOP's sources): the value in whichever form it is
   * held, so reading an edited bitmap copies nothing and reading a byte string converts nothing.
   */
  getBytes(key: ByteString, nowMs: number, lookup: Lookup = 'write'): EditableValue | undefined {
    const value = this.liveAccessed(key, nowMs, lookup);
    return value instanceof InPlaceCounter ? this.settle(key, value) : value;
  }

  /** The held value of a live key, in whichever form, with the access recorded. */
  private liveAccessed(key: ByteString, nowMs: number, lookup: Lookup): HeldValue | undefined {
    const slot = this.liveSlot(key, nowMs, lookup);
    if (slot < 0) return undefined;
    this.touchAccess(slot, nowMs);
    return this.table.valueAt(slot);
  }

  /** The held value of a live key (expiry applied as `lookup` says), in whichever form. */
  private live(key: ByteString, nowMs: number, lookup: Lookup): HeldValue | undefined {
    const slot = this.liveSlot(key, nowMs, lookup);
    return slot < 0 ? undefined : this.table.valueAt(slot);
  }

  /** The table slot of a live key (expiry applied as `lookup` says), or -1. */
  private liveSlot(key: ByteString, nowMs: number, lookup: Lookup): number {
    // A lookup moves a rehash along, as dictFind does.
    if (this.mainTables.size1 !== 0) this.mainTables.touched(this.table.size);
    const slot = this.table.slotOf(key);
    if (slot < 0) return -1;
    if (this.deadlines.size !== 0 && this.expireIfNeeded(key, nowMs, lookup)) return -1;
    return slot;
  }

  /** Keeps `value` in the editable form under `key` (the caller counts and announces the write). */
  private holdEditable(key: ByteString, value: MutableString): MutableString {
    this.put(key, value);
    this.editedKeys.add(key);
    return value;
  }

  /** Turns an in-place value back into a byte string for every reader but the in-place ones. */
  private settle(key: ByteString, value: MutableString | InPlaceCounter): ByteString {
    const s = value.toByteString();
    this.put(key, s);
    this.editedKeys.delete(key);
    return s;
  }

  /** Settles every edited value: before a snapshot, which must hold values that never change. */
  private settleAll(): void {
    for (const key of this.editedKeys) {
      const value = this.table.get(key);
      if (value instanceof MutableString) this.put(key, value.toByteString());
    }
    this.editedKeys.clear();
    if (this.countersHeld === 0) return;
    // Storing under a key the walk has reached adds no key, so the walk is not disturbed.
    this.table.forEachKey((key, slot) => {
      const value = this.table.valueAt(slot);
      if (value instanceof InPlaceCounter) this.put(key, value.toByteString());
    });
    this.countersHeld = 0;
  }

  /**
   * The stored value even past its deadline, touching nothing (DEBUG DIGEST-VALUE, which reads
   * Redis's dictionary directly so that a debug command never expires a key).
   */
  peekStored(key: ByteString): StoredValue | undefined {
    const value = this.table.get(key);
    return isHeldInPlace(value) ? this.settle(key, value) : value;
  }

  /** Seconds since the key was last accessed (OBJECT IDLETIME). */
  idleSeconds(key: ByteString, nowMs: number): number {
    const word = this.table.accessOf(key);
    const at = Number.isNaN(word) ? this.loadedAtSec : word;
    return at === 0 ? 0 : Math.max(0, lruSeconds(nowMs, this.context.lruFrozenSec) - at);
  }

  has(key: ByteString, nowMs: number): boolean {
    return this.peek(key, nowMs) !== undefined;
  }

  /**
   * The lookup Redis makes before it stores a key whose old value the command does not need
   * (lookupKeyWrite inside setKey: SET without NX, XX or GET, and MSET). The store overwrites
   * what the lookup would record under LRU, so only its other effects are kept: a key past its
   * deadline is expired first (an `expired` event, then the store adds the key anew), under LFU
   * the access is counted, and the lookup's rehash step is taken. With neither deadlines nor LFU
   * in play the key is not looked up at all: the store's own lookup is the only one.
   */
  lookupBeforeStore(key: ByteString, nowMs: number): void {
    if (this.deadlines.size !== 0 || this.context.lfu != null) {
      this.getBytes(key, nowMs, 'write');
      return;
    }
    if (this.mainTables.size1 !== 0) this.mainTables.touched(this.table.size);
  }

  /** Sets a key's value and clears any TTL it had (SET semantics). */
  set(key: ByteString, value: StoredValue, nowMs: number): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    const before = this.table.size;
    const slot = this.put(key, value);
    this.slotKeys?.add(key);
    this.touchWritten(slot, nowMs, this.table.size !== before);
    if (this.deadlines.size !== 0) this.clearDeadline(key);
    if (this.stringForms.size !== 0) this.stringForms.delete(key);
    if (this.table.size !== before) this.observer?.keyAdded(this, key, typeName(value));
  }

  /**
   * Records that a container value (list, hash, set, sorted set) was changed in place: counts
   * the write (so it is propagated to replicas) and refreshes the key's access time. A command
   * that empties a container deletes the key instead.
   */
  markModified(key: ByteString, nowMs: number): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.memory.modified(key);
    // Under LFU the command's lookup already counted the access.
    if (this.context.lfu == null) this.table.setAccess(key, lruSeconds(nowMs, this.context.lruFrozenSec));
  }

  /**
   * Counts `count` more changes without touching any key, for the commands Redis counts per
   * element or as a change that modifies no key: PFADD (one per register it raised), ZADD (each
   * member added or updated beyond the first), GEOSEARCHSTORE (each member stored), PFDEBUG
   * TODENSE (propagated, but a WATCH of the key still holds). The count is what
   * rdb_changes_since_last_save reports and the save points compare.
   */
  countChanges(count: number): void {
    if (count > 0) this.context.dirty += count;
  }

  /** Replaces the value of an existing key keeping its TTL (APPEND, INCR, SETRANGE, KEEPTTL). */
  overwrite(key: ByteString, value: StoredValue, nowMs: number): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    const before = this.table.size;
    const slot = this.put(key, value);
    this.touchWritten(slot, nowMs, this.table.size !== before);
    if (this.stringForms.size !== 0) this.stringForms.delete(key);
    if (this.table.size !== before) {
      this.slotKeys?.add(key);
      this.observer?.keyAdded(this, key, typeName(value));
    }
  }

  /**
   * INCR and its kin: the integer that get() returned for `key` in this same command becomes
   * `next`, another integer in decimal (Redis updates an integer-encoded value in place). This
   * is overwrite() less the steps that cannot change anything here: the key exists, so there is
   * no new-key work; both values are integer-encoded, so their modelled bytes are equal (see
   * stringObjectBytes); and get() has just recorded the access with the same clock.
   */
  replaceInteger(key: ByteString, next: ByteString): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.table.setValueAt(this.table.slotOf(key), next);
    if (this.stringForms.size !== 0) this.stringForms.delete(key);
  }

  /**
   * replaceInteger with the result held as a counter that later INCRs change in place
   * (in-place-counter.ts): `n` is a safe integer, so its memory is the integer string's.
   */
  replaceWithCounter(key: ByteString, n: number): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.table.setValueAt(this.table.slotOf(key), new InPlaceCounter(n));
    this.countersHeld++;
    if (this.stringForms.size !== 0) this.stringForms.delete(key);
  }

  /** The counter getCounter returned for `key` in this same command was changed in place. */
  countedInPlace(key: ByteString): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
  }

  /**
   * Replaces a string value in place the way APPEND and SETRANGE do (Redis's raw encoding). An
   * edited value shorter than EDIT_IN_PLACE_MIN_BYTES is stored as a byte string.
   */
  overwriteInPlace(key: ByteString, value: ByteString | MutableString, nowMs: number): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.storeInPlaceUncounted(key, value, nowMs);
  }

  /**
   * Stores a string edited in place without counting a write: no dirty count (so nothing is
   * propagated) and no WATCH invalidation. Redis 7.0 does this when SETBIT or BITFIELD only
   * re-encode a string as raw, or BITFIELD creates or zero-extends one, without changing a bit.
   * `fresh`: the command built the value anew rather than editing one (BITOP's result, a new
   * HyperLogLog), which decides the sds Redis holds it in (sds-model.ts).
   */
  storeInPlaceUncounted(key: ByteString, value: ByteString | MutableString, nowMs: number, fresh = false): void {
    const before = this.table.size;
    this.stringForms.set(key, this.sdsAfterEdit(key, value, fresh));
    if (typeof value === 'string') this.put(key, value);
    else if (value.length < EDIT_IN_PLACE_MIN_BYTES) this.put(key, value.toByteString());
    else this.holdEditable(key, value);
    this.slotKeys?.add(key);
    this.touchWritten(this.table.slotOf(key), nowMs, this.table.size !== before);
    if (this.table.size !== before) this.observer?.keyAdded(this, key, 'string');
  }

  /**
   * Copies a live key (value, exact deadline, encoding hint) to `targetKey` in `target`,
   * replacing what is there: the common core of RENAME, MOVE and COPY. RENAME and MOVE move the
   * object in Redis, so the key keeps its access time. `duplicate` (COPY): a new object, with a
   * fresh access time (or LFU counter), and a raw string copied into a new sds of its exact length.
   */
  copyKeyTo(key: ByteString, target: Database, targetKey: ByteString, nowMs: number, duplicate = false): void {
    const value = this.peekStored(key);
    if (value === undefined) throw new Error('copyKeyTo on a missing key');
    const deadline = this.expireAtExact(key);
    target.set(targetKey, value, nowMs);
    const accessed = duplicate ? NaN : this.table.accessOf(key);
    if (!Number.isNaN(accessed)) target.table.setAccess(targetKey, accessed);
    const form = this.stringFormOf(key);
    if (duplicate && typeof value === 'string' && (typeof form === 'object' || stringEncoding(value) === 'raw')) {
      target.stringForms.set(targetKey, newSds(value.length));
    } else if (duplicate && typeof value === 'string' && form === undefined && isSharedInteger(value)) {
      // dupStringObject gives an integer an object of its own (OBJECT REFCOUNT 1).
      target.stringForms.set(targetKey, 'unshared');
    } else if (form !== undefined) {
      target.stringForms.set(targetKey, form);
    }
    if (deadline !== undefined) target.setExpireAt(targetKey, deadline);
  }

  /**
   * The sds Redis would hold for `key`'s string once this in-place edit stores `value`
   * (sds-model.ts): from the remembered one, or from the string as it was before the edit.
   */
  private sdsAfterEdit(key: ByteString, value: ByteString | MutableString, fresh: boolean): SdsAlloc {
    const previous = this.editedSdsOf(key);
    const held = this.table.get(key);
    let before: PriorString | undefined;
    if (typeof held === 'string') before = { length: held.length, raw: stringEncoding(held) === 'raw' };
    else if (held instanceof MutableString) {
      // Edited in place by the caller already: its length before is what getForEdit saw.
      before = { length: this.editBase !== null && this.editBase.key === key ? this.editBase.length : value.length, raw: true };
    }
    this.editBase = null;
    const head = typeof value === 'string' ? value.slice(0, 5) : value.view.latin1Slice(0, Math.min(5, value.length));
    return sdsAfterInPlaceWrite(fresh ? 'fresh' : previous ?? before, before?.length ?? 0, head, value.length);
  }

  /** The sds state of a string edited in place (undefined for any other value: see sds-model.ts). */
  editedSdsOf(key: ByteString): SdsAlloc | undefined {
    const form = this.stringFormOf(key);
    return typeof form === 'object' ? form : undefined;
  }

  /** The key's entry in stringForms; the size test spares the common case, an empty map, a lookup. */
  private stringFormOf(key: ByteString): StringForm | undefined {
    return this.stringForms.size === 0 ? undefined : this.stringForms.get(key);
  }

  /** Every key in the table's slot order, expired ones not yet deleted included (HTSTATS). */
  dictKeys(): ByteString[] {
    return this.table.keysInOrder();
  }

  /** Every key with a deadline, in the expires dict's insertion order (HTSTATS). */
  expiresKeys(): ByteString[] {
    return [...this.deadlines.map.keys()];
  }

  /** DEBUG POPULATE's dictTryExpand: presize the key dict for `count` keys. */
  presizeForKeys(count: number): void {
    this.mainTables.expand(count, this.table.size);
  }

  /** The cron's tryResizeHashTables on this database's two dicts. */
  shrinkSparseTables(canResize: boolean): void {
    this.mainTables.shrinkIfSparse(this.table.size, canResize);
    this.deadlines.tables.shrinkIfSparse(this.deadlines.size, canResize);
  }

  /**
   * The cron's incrementallyRehash: `steps` rehash steps on the key dict if it is rehashing,
   * else on the expires dict; false when neither was.
   */
  rehashTables(steps: number): boolean {
    if (this.mainTables.rehashing) this.mainTables.step(steps, this.table.size);
    else if (this.deadlines.tables.rehashing) this.deadlines.tables.step(steps, this.deadlines.size);
    else return false;
    return true;
  }

  /** Whether a string value was last modified in place (OBJECT ENCODING says raw). */
  isRawString(key: ByteString): boolean {
    return typeof this.stringFormOf(key) === 'object';
  }

  /** How Redis holds the key's string where its bytes alone do not say (see stringForms). */
  heldStringForm(key: ByteString): HeldStringForm {
    const form = this.stringFormOf(key);
    return form === undefined ? null : typeof form === 'object' ? 'raw' : form;
  }

  /**
   * INCRBYFLOAT's result, just stored: Redis makes it with createStringObject, an embstr, even
   * when it reads as an integer ("3"), and it stays one until the next store or a reload.
   */
  markEmbstr(key: ByteString, value: ByteString): void {
    if (stringEncoding(value) === 'int') this.stringForms.set(key, 'embstr');
  }

  /**
   * DEL and UNLINK: lazy expiry as a read lookup, then deletes whatever is still there; true when
   * this call deleted a key. On a master an expired key is expired first, so DEL answers 0 for
   * it; a writable replica only hides it, so its own client's DEL deletes it and answers 1, as
   * Redis 7.0 does.
   */
  deleteUnlessExpired(key: ByteString, nowMs: number): boolean {
    if (this.deadlines.size !== 0) this.expireIfNeeded(key, nowMs, 'read');
    return this.delete(key);
  }

  delete(key: ByteString): boolean {
    const slot = this.table.slotOf(key);
    if (slot < 0) return false;
    this.deleteAt(key, slot);
    return true;
  }

  /** Deletes a key present in table slot `slot`. */
  private deleteAt(key: ByteString, slot: number): void {
    this.mainTables.touched(this.table.size);
    this.discharge(key, slot);
    this.table.removeAt(slot);
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.slotKeys?.remove(key);
    if (this.deadlines.size !== 0) this.clearDeadline(key);
    if (this.stringForms.size !== 0) this.stringForms.delete(key);
    if (this.editedKeys.size !== 0) this.editedKeys.delete(key);
  }

  /** Removes every key. */
  flush(): number {
    const removed = this.table.size;
    this.context.dirty += removed;
    this.touchExisting();
    this.table = new KeyTable(this.context.hashSeed);
    this.deadlines.reset();
    this.mainTables.reset();
    this.stringForms = new Map();
    this.editedKeys = new Set();
    this.countersHeld = 0;
    this.loadedAtSec = 0;
    this.memory.reset();
    this.evictionSlot = 0;
    this.volatileEvictionWalk.reset();
    this.slotKeys?.clear();
    return removed;
  }

  /** Exchanges the whole contents with another database (SWAPDB). */
  swapContents(other: Database): void {
    this.context.dirty++;
    this.touchExisting(other);
    other.touchExisting(this);
    [this.table, other.table] = [other.table, this.table];
    this.deadlines.swap(other.deadlines);
    this.mainTables.swap(other.mainTables);
    [this.stringForms, other.stringForms] = [other.stringForms, this.stringForms];
    [this.editedKeys, other.editedKeys] = [other.editedKeys, this.editedKeys];
    [this.countersHeld, other.countersHeld] = [other.countersHeld, this.countersHeld];
    [this.loadedAtSec, other.loadedAtSec] = [other.loadedAtSec, this.loadedAtSec];
    [this.slotKeys, other.slotKeys] = [other.slotKeys, this.slotKeys];
    this.memory.swap(other.memory);
    for (const db of [this, other]) {
      db.evictionSlot = 0;
      db.volatileEvictionWalk.reset();
    }
  }

  /**
   * Takes over the contents of a freshly loaded database (DEBUG RELOAD, a replica's full sync),
   * keeping this Database object, which clients hold. `loaded` gets the previous contents. A
   * slot index, if this database keeps one, is rebuilt for the new keys. Not counted as a write
   * (no change to `dirty`): loading is not a command, and nothing of it is propagated.
   */
  adoptContents(loaded: Database): void {
    if (this.slotKeys !== null) loaded.enableSlotIndex();
    else loaded.slotKeys = null;
    const dirty = this.context.dirty;
    // Redis presizes the dicts for the keys it is about to load (RESIZEDB): the same tables the
    // adds reached, with no rehash left under way.
    loaded.mainTables.finishRehash();
    loaded.deadlines.tables.finishRehash();
    this.swapContents(loaded);
    this.context.dirty = dirty;
  }

  /**
   * Visits every key, expired ones not yet deleted included, with its value and deadline (ms; a
   * bigint beyond 2^53, undefined without one): what a snapshot copies. `visit` must not write.
   */
  forEachEntry(visit: (key: ByteString, value: StoredValue, deadlineMs: number | bigint | undefined) => void): void {
    this.settleAll();
    const deadlines = this.deadlines;
    const table = this.table;
    table.forEachKey((key, slot) => visit(key, table.valueAt(slot) as StoredValue, deadlines.getForSnapshot(key)));
  }

  /**
   * The contents as they are now, for a snapshot: keys and values in two arrays of the same
   * order, and the deadlines (ms; a bigint beyond 2^53) of the keys that have one. Values are
   * shared, not copied: the caller clones what it must keep unchanged.
   */
  snapshotContents(): { keys: ByteString[]; values: StoredValue[]; deadlines: Map<ByteString, number | bigint> } {
    this.settleAll();
    const { keys, values } = this.table.contents();
    return { keys, values: values as StoredValue[], deadlines: this.deadlines.copyAll() };
  }

  /**
   * Adds a key read from a snapshot to a database being loaded; false when it is already there.
   * Its deadline and idle time, if any, follow with setExpireAt and setIdleSeconds.
   */
  insertLoaded(key: ByteString, value: StoredValue, nowMs: number): boolean {
    if (this.table.has(key)) return false;
    this.put(key, value);
    this.context.dirty++;
    this.slotKeys?.add(key);
    this.loadedAtSec = Math.floor(nowMs / 1000);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // WATCH

  watch(key: ByteString, watcher: KeyWatcher): void {
    if (this.watchers === null) this.watchers = new Map();
    let set = this.watchers.get(key);
    if (set === undefined) this.watchers.set(key, (set = new Set()));
    set.add(watcher);
  }

  unwatch(key: ByteString, watcher: KeyWatcher): void {
    const set = this.watchers?.get(key);
    if (set === undefined) return;
    set.delete(watcher);
    if (set.size === 0) this.watchers?.delete(key);
    if (this.watchers?.size === 0) this.watchers = null;
  }

  /** Whether the key is present but past its deadline (EXEC aborts when a watched key expired). */
  isLogicallyExpired(key: ByteString, nowMs: number): boolean {
    const at = this.deadlines.map.get(key);
    return at !== undefined && nowMs > at && this.table.has(key);
  }

  /** A key changed: its WATCHers and client tracking are told. */
  private touch(key: ByteString): void {
    this.touchWatchers(key);
    this.context.tracking?.keyChanged(key);
  }

  private touchWatchers(key: ByteString): void {
    const set = this.watchers?.get(key);
    if (set !== undefined) for (const watcher of set) watcher.keyTouched(key);
  }

  /**
   * Touches the watched keys present here, or in `other` (FLUSHDB, FLUSHALL, SWAPDB). Client
   * tracking is not told key by key: a flush sends it one null (Keyspace), SWAPDB nothing, as in
   * Redis 7.0.
   */
  private touchExisting(other: Database | null = null): void {
    if (this.watchers === null) return;
    for (const key of this.watchers.keys()) {
      if (this.table.has(key) || (other !== null && other.table.has(key))) this.touchWatchers(key);
    }
  }

  /** Backdates a key's last access (RESTORE ... IDLETIME, an RDB's IDLE opcode). */
  setIdleSeconds(key: ByteString, seconds: number, nowMs: number): void {
    // Under an LFU policy the word holds a counter: Redis ignores IDLETIME then, as here.
    if (this.context.lfu == null) this.table.setAccess(key, lruSeconds(nowMs, this.context.lruFrozenSec) - seconds);
  }

  /** Sets a key's LFU counter (RESTORE ... FREQ, an RDB's FREQ opcode); ignored under LRU, as in Redis. */
  setFrequency(key: ByteString, counter: number, nowMs: number): void {
    if (this.context.lfu != null) this.table.setAccess(key, (lfuInitial(nowMs) & ~0xff) | (counter & 0xff));
  }

  // ---------------------------------------------------------------------------------------------
  // Expiry

  /** The absolute deadline in ms of a key, or undefined when it has none. */
  expireAt(key: ByteString): number | undefined {
    return this.deadlines.get(key);
  }

  /** The deadline exactly, also beyond 2^53 ms. */
  expireAtExact(key: ByteString): bigint | undefined {
    return this.deadlines.getExact(key);
  }

  /** Sets an absolute deadline (ms) on an existing key. */
  setExpireAt(key: ByteString, atMs: number | bigint): void {
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.deadlines.set(key, atMs, this.resizeAllowed);
    if (this.context.expiry === 'own') this.context.replicaKeysWithExpire?.remember(this.id, key);
  }

  /** Removes a key's deadline; true when it had one. */
  persist(key: ByteString): boolean {
    if (!this.deadlines.delete(key)) return false;
    this.context.dirty++;
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    return true;
  }

  private clearDeadline(key: ByteString): void {
    this.deadlines.delete(key);
  }

  /**
   * Whether the key is past its deadline and must read as missing; deletes it where the role
   * does (KeyspaceContext): always on a master, on a writable replica's own write lookup.
   */
  private expireIfNeeded(key: ByteString, nowMs: number, lookup: Lookup): boolean {
    const at = this.deadlines.map.get(key);
    if (at === undefined || (this.context.scriptTimeSnapshotMs ?? nowMs) <= at) return false;
    const mode = this.context.expiry;
    if (mode === 'keep') return false;
    if (mode === 'delete' || (mode === 'own' && lookup === 'write')) this.deleteExpired(key);
    return true;
  }

  /**
   * A writable replica's cron, on a key its own client gave a deadline (replica-expires.ts):
   * deletes it when the deadline has passed, whatever the role's expiry mode.
   */
  expireRemembered(key: ByteString, nowMs: number): RememberedKeyState {
    const at = this.deadlines.map.get(key);
    if (at === undefined) return 'untimed';
    if (nowMs <= at) return 'alive';
    this.deleteExpired(key);
    return 'expired';
  }

  private deleteExpired(key: ByteString): void {
    // Timed as Redis times its expire-del: the deletion itself, not what is told of it after.
    const probe = this.context.latency;
    const startedMs = probe == null ? 0 : probe.start();
    const slot = this.table.slotOf(key);
    this.mainTables.touched(this.table.size);
    if (slot >= 0) {
      this.discharge(key, slot);
      this.table.removeAt(slot);
    }
    this.slotKeys?.remove(key);
    this.clearDeadline(key);
    if (this.stringForms.size !== 0) this.stringForms.delete(key);
    if (probe != null) probe.end('expire-del', startedMs);
    if (this.watchers !== null || this.context.tracking !== null) this.touch(key);
    this.expiredKeys++;
    this.observer?.keyExpired(this, key);
  }

  /**
   * One active expiry pass, as Redis's cycle makes it: rounds of `keysPerLoop` keys with a TTL
   * (walked in order from where the last pass stopped), deleting the expired ones, repeated while
   * a round finds more than `acceptableStalePerc` percent of its sample expired. Storage has no
   * clock: every 16 rounds it asks `overBudget` whether the server's time limit has passed.
   */
  activeExpireCycle(nowMs: number, effort: ExpireEffort, overBudget: () => boolean): ExpirePass {
    const pass: ExpirePass = { expired: 0, sampled: 0, timedOut: false };
    if (this.context.expiry !== 'delete') return pass;
    for (let iteration = 1; this.deadlines.size > 0; iteration++) {
      let expiredInRound = 0;
      let round = 0;
      const wanted = Math.min(effort.keysPerLoop, this.deadlines.size);
      for (; round < wanted && this.deadlines.size > 0; round++) {
        const entry = this.deadlines.nextSample();
        if (entry === null) break;
        const [key, at] = entry;
        if (nowMs > at && this.deadlines.map.get(key) === at) {
          this.deleteExpired(key);
          expiredInRound++;
        }
      }
      pass.sampled += round;
      pass.expired += expiredInRound;
      if ((iteration & 0xf) === 0 && overBudget()) {
        pass.timedOut = true;
        break;
      }
      if (round === 0 || (expiredInRound * 100) / round <= effort.acceptableStalePerc) break;
    }
    return pass;
  }

  // ---------------------------------------------------------------------------------------------
  // Memory and eviction (storage/memory-accounting.ts, server/memory/eviction.ts)

  /**
   * Stores a value through the memory account; returns the key's table slot. A string's charge
   * is kept in its slot (key-table.ts), so replacing a string whose charge is known reads only
   * the slot's access word, not the old string.
   */
  private put(key: ByteString, value: HeldValue): number {
    const table = this.table;
    const bytes = typeof value === 'string' ? stringObjectBytes(value) : -1;
    let slot = table.slotOf(key);
    if (slot < 0) {
      this.mainTables.add(table.size, this.resizeAllowed);
      slot = table.add(key, value, bytes);
      if (bytes >= 0) this.memory.storedString(key, -1, bytes);
      else this.memory.stored(key, undefined, value);
      return slot;
    }
    const oldBytes = bytes >= 0 ? table.chargeAt(slot) : -1;
    if (oldBytes >= 0) this.memory.storedString(key, oldBytes, bytes);
    else this.memory.stored(key, table.valueAt(slot), value);
    table.setValueAt(slot, value, bytes);
    return slot;
  }

  /** The memory account's discharge of the value in a slot, by its recorded charge when known. */
  private discharge(key: ByteString, slot: number): void {
    const bytes = this.table.chargeAt(slot);
    if (bytes >= 0) this.memory.removedString(key, bytes);
    else this.memory.removed(key, this.table.valueAt(slot));
  }

  /** Records a lookup: the second (LRU), or one logarithmic LFU increment. */
  private touchAccess(slot: number, nowMs: number): void {
    const lfu = this.context.lfu;
    if (lfu == null) {
      this.table.setAccessAt(slot, lruSeconds(nowMs, this.context.lruFrozenSec));
      return;
    }
    const word = this.table.accessAt(slot);
    this.table.setAccessAt(slot, Number.isNaN(word) ? lfuInitial(nowMs) : lfuTouched(word, nowMs, lfu, this.random));
  }

  /**
   * Records a store: the second (LRU); under LFU a new key starts at LFU_INIT_VAL and a replaced
   * value keeps its key's counter (Redis's dbSetValue), the command's lookup having counted.
   */
  private touchWritten(slot: number, nowMs: number, isNew: boolean): void {
    if (this.context.lfu == null) {
      this.table.setAccessAt(slot, lruSeconds(nowMs, this.context.lruFrozenSec));
    } else if (isNew || Number.isNaN(this.table.accessAt(slot))) {
      this.table.setAccessAt(slot, lfuInitial(nowMs));
    }
  }

  /** The modelled bytes of every key and value here (containers re-estimated first). */
  modelledBytes(): number {
    this.memory.settle((key) => this.table.get(key));
    return this.memory.bytes;
  }

  /**
   * The key's raw access word (LRU seconds or LFU word, see access-clock.ts); keys loaded from a
   * snapshot and never touched read as loaded at load time.
   */
  accessWord(key: ByteString, nowMs: number): number {
    return this.wordOrLoaded(this.table.accessOf(key), nowMs);
  }

  /** An access word as stored, or for none (NaN) the load's time as a word. */
  private wordOrLoaded(word: number, nowMs: number): number {
    if (!Number.isNaN(word)) return word;
    return this.context.lfu == null ? this.loadedAtSec : lfuInitial(this.loadedAtSec * 1000 || nowMs);
  }

  /**
   * `count` keys for eviction to consider, from every key or only from keys with a deadline,
   * and with `words` their access words (LRU seconds or LFU words, as accessWord). A walk that
   * resumes where it stopped advances by random strides of 1 to 8 keys: every key is reached in
   * turn, and consecutive picks are spread. Over every key it walks the table's slots
   * (sampleSlots, a stride per call); over the keys with a deadline, the deadlines' Map (a
   * stride per key), looking each key's word up. The keys (and words) are written from index 0
   * of the caller's arrays, which are reused between calls; the count written is returned. With
   * `slots`, each key's table slot goes there too (-1 from the deadlines' walk), for evict.
   */
  sampleKeys(count: number, volatile: boolean, out: ByteString[], words: number[] | null = null, nowMs = 0, slots: number[] | null = null): number {
    if (!volatile) return this.sampleSlots(count, out, words, nowMs, slots);
    const map = this.deadlines.map;
    if (map.size === 0) return 0;
    for (let i = 0; i < count; i++) {
      let entry: [ByteString, number] | null = null;
      const stride = map.size <= count ? 1 : 1 + Math.floor(this.random.next() * 8);
      for (let s = 0; s < stride; s++) entry = this.volatileEvictionWalk.next(map);
      if (entry === null) return i;
      out[i] = entry[0];
      if (words !== null) words[i] = this.accessWord(entry[0], nowMs);
      if (slots !== null) slots[i] = -1;
    }
    return count;
  }

  /**
   * sampleKeys over every key: a resumable walk over the table's slots (key-table.ts), so that
   * each key and its access word are read in order. Only the first key of a call is a random
   * stride away; the rest follow it. A stride before each key read about 4.5 slots per key, so
   * the five keys of an eviction's sample spanned five or six cache lines of each array, cold
   * ones: a tenth of a SET's time under eviction. Consecutive keys share one or two, and the
   * hit ratios did not move (closer to redis-server's, if anything: test/compat/eviction.test.ts).
   * A random policy's single key still comes a random stride on.
   */
  private sampleSlots(count: number, out: ByteString[], words: number[] | null, nowMs: number, slots: number[] | null): number {
    const table = this.table;
    if (table.size === 0) return 0;
    const end = table.slotCount;
    let slot = this.evictionSlot;
    for (let i = 0; i < count; i++) {
      const stride = i > 0 || table.size <= count ? 1 : 1 + Math.floor(this.random.next() * 8);
      let key: ByteString | undefined;
      for (let s = 0; s < stride; s++) {
        // The next slot in use, from the start again past the end; there is one, since the table
        // is not empty.
        slot = table.nextUsedSlot(slot + 1);
        if (slot >= end) slot = table.nextUsedSlot(0);
        key = table.keyAt(slot);
      }
      out[i] = key as ByteString;
      if (words !== null) words[i] = this.wordOrLoaded(table.accessAt(slot), nowMs);
      if (slots !== null) slots[i] = slot;
    }
    this.evictionSlot = slot;
    return count;
  }

  /**
   * Whether `key` is still stored in table slot `slot` (as sampleKeys gave it; -1: no slot known):
   * a comparison instead of a lookup. False does not mean the key is gone: deleted and added
   * again, it is in another slot.
   */
  holdsAt(key: ByteString, slot: number): boolean {
    return slot >= 0 && slot < this.table.slotCount && this.table.keyAt(slot) === key;
  }

  /**
   * Deletes a key for maxmemory (Redis's eviction: not a write of any command, so no change to
   * `dirty`; WATCH is touched); returns the modelled bytes freed, or -1 if the key is gone.
   * `sampledSlot` is the slot sampleKeys gave with the key: while the key is still there, no
   * lookup is needed to find it.
   */
  evict(key: ByteString, sampledSlot = -1): number {
    const slot = this.holdsAt(key, sampledSlot) ? sampledSlot : this.table.slotOf(key);
    if (slot < 0) return -1;
    const before = this.memory.bytes;
    this.context.dirty--;
    this.deleteAt(key, slot);
    return before - this.memory.bytes;
  }

  // ---------------------------------------------------------------------------------------------
  // Iteration: KEYS, SCAN, RANDOMKEY

  /** Live keys matching a glob pattern. */
  keys(pattern: ByteString, nowMs: number): ByteString[] {
    const all = pattern === '*';
    const out: ByteString[] = [];
    for (const key of this.table.keysInOrder()) {
      if (!all && !globMatch(pattern, key)) continue;
      if (this.deadlines.size !== 0 && this.expireIfNeeded(key, nowMs, 'read')) continue;
      out.push(key);
    }
    return out;
  }

  /**
   * One SCAN step: visits about `count` keys from the cursor position and returns those that
   * pass the filter, with the cursor to continue from (0 when the iteration is complete).
   */
  scan(cursor: bigint, count: number, filter: ScanFilter, nowMs: number): [bigint, ByteString[]] {
    // The cursor is the slot to resume from (key-table.ts scanSlots). Redis bounds a call to ten
    // empty buckets per key asked for; free slots here are jumped over 32 at a time
    // (slot-occupancy.ts), so a call goes on until it has `count` keys or reaches the end.
    const end = this.table.slotCount;
    const visited: ByteString[] = [];
    const next = this.table.scanSlots(cursor > BigInt(end) ? end : Number(cursor), count, visited);
    return [next >= end ? 0n : BigInt(next), this.filterScanned(visited, filter, nowMs)];
  }

  private filterScanned(keys: ByteString[], filter: ScanFilter, nowMs: number): ByteString[] {
    return keys.filter((key) => {
      if (filter.pattern !== undefined && !globMatch(filter.pattern, key)) return false;
      const value = this.live(key, nowMs, 'read');
      if (value === undefined) return false;
      return filter.type === undefined || heldTypeName(value) === filter.type;
    });
  }

  /** A random live key, or undefined when the database is empty. */
  randomKey(nowMs: number): ByteString | undefined {
    // Bound the attempts: a database full of expired keys would otherwise loop long.
    for (let attempt = 0; attempt < 100 && this.table.size > 0; attempt++) {
      const key = this.table.randomKey(this.random);
      if (key !== undefined && this.live(key, nowMs, 'read') !== undefined) return key;
    }
    return undefined;
  }
}

function heldTypeName(value: HeldValue): TypeName {
  return isHeldInPlace(value) ? 'string' : typeName(value);
}

/** A value in one of the forms only the in-place commands see (a byte string to every other). */
function isHeldInPlace(value: HeldValue | undefined): value is MutableString | InPlaceCounter {
  return value instanceof MutableString || value instanceof InPlaceCounter;
}

