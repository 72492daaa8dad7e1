/**
 * Loads an RDB snapshot (versions 1 to 10, as Redis 7.0 does) into a keyspace.
 *
 * The file is a flat sequence of opcodes and entries (see rdb-format.ts): AUX fields first, then
 * per database a SELECTDB and a RESIZEDB hint, then entries, each optionally preceded by its
 * deadline (EXPIRETIME_MS, or EXPIRETIME in seconds in very old files) and its LRU idle time or
 * LFU frequency. EOF is followed, from version 5 on, by the CRC-64 of everything before it.
 *
 * Everything is untrusted: a truncated file, a flipped byte, a length that points past the end,
 * an unknown type, all end in an RdbError saying what and where, never in another exception and
 * never in a half-applied state the caller cannot discard. Callers load into a fresh Keyspace
 * and adopt it (Keyspace.adoptContents) only when loading succeeded, so a corrupt snapshot
 * leaves the live data as it was.
 *
 * What hashslot cannot represent is refused clearly rather than dropped silently: streams
 * (for now) and module data. Function libraries (FUNCTION2) are handed back as their code, for
 * the node's function engine to load.
 */
import type { ByteString } from '../bytes';
import type { Keyspace } from '../keyspace';
import type { StoredValue } from '../values';
import { ByteCursor } from './byte-cursor';
import { crc64 } from './crc64';
import { RdbError, RdbUnsupportedError, withContext } from './rdb-error';
import { Opcode, RDB_MAGIC, RDB_VERSION } from './rdb-format';
import { readLength, readString, readStringBytes } from './rdb-strings';
import { readValue } from './value-decoder';
import type { QuicklistShape } from '../quicklist-shape';

/** The first version whose files end with a CRC-64. */
const FIRST_CHECKSUMMED_VERSION = 5;

export interface RdbLoadOptions {
  /**
   * Skip keys whose deadline has already passed, as a master does. A replica keeps them: its
   * master will send the DEL, and until then both must agree on the dataset.
   */
  skipExpired: boolean;
  /** The quicklist shape the lists loaded get (Redis's settings at load time); Redis's defaults if absent. */
  listShape?: QuicklistShape;
}

export interface RdbLoadResult {
  version: number;
  /** AUX fields in file order: redis-ver, ctime, used-mem, repl-id, repl-offset, ... */
  aux: Map<ByteString, ByteString>;
  keysLoaded: number;
  /** Keys skipped because their deadline had passed (with skipExpired). */
  keysExpired: number;
  /** Empty aggregates, which Redis never writes but skips when it reads them. */
  emptyKeysSkipped: number;
  /** The code of each function library in the file (FUNCTION2 entries), in file order. */
  functions: ByteString[];
  /** Whether a CRC was present and matched (false: version < 5, or written with rdbchecksum no). */
  checksumVerified: boolean;
  /** Offset just past the snapshot (after the CRC): anything after it is not part of it. */
  bytesRead: number;
}

function describeKey(key: ByteString): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
}

/**
 * Reads the RDB in `bytes` into `into`, which should be empty (a key present twice is an
 * error). `nowMs` decides which keys have expired. Throws RdbError on any malformed input.
 */
export function loadRdb(bytes: Buffer, into: Keyspace, nowMs: number, options: RdbLoadOptions = { skipExpired: true }): RdbLoadResult {
  const c = new ByteCursor(bytes);
  const version = readHeader(c);
  const result: RdbLoadResult = {
    version,
    aux: new Map(),
    keysLoaded: 0,
    keysExpired: 0,
    emptyKeysSkipped: 0,
    functions: [],
    checksumVerified: false,
    bytesRead: 0,
  };
  const now = BigInt(nowMs);
  let db = into.db(0);
  let deadline: bigint | undefined;
  let idleSec: number | undefined;

  for (;;) {
    const at = c.pos;
    const type = c.u8('an opcode or value type');
    switch (type) {
      case Opcode.EXPIRETIME_MS:
        deadline = c.i64le('a deadline');
        continue;
      case Opcode.EXPIRETIME:
        deadline = BigInt(c.i32le('a deadline')) * 1000n;
        continue;
      case Opcode.IDLE:
        idleSec = readLength(c, 'an idle time');
        continue;
      case Opcode.FREQ:
        c.u8('an access frequency'); // LFU counters are not kept
        continue;
      case Opcode.SELECTDB: {
        const index = readLength(c, 'a database number');
        if (index >= into.dbs.length) {
          throw new RdbError(`the snapshot selects database ${index} at offset ${at}, but there are only ${into.dbs.length}`);
        }
        db = into.db(index);
        continue;
      }
      case Opcode.RESIZEDB:
        readLength(c, 'a database size hint');
        readLength(c, 'an expires size hint');
        continue;
      case Opcode.AUX: {
        const key = readString(c, 'an AUX field name');
        result.aux.set(key, readString(c, `AUX field ${describeKey(key)}`));
        continue;
      }
      case Opcode.FUNCTION2:
        result.functions.push(readString(c, 'a function library'));
        continue;
      case Opcode.FUNCTION_PRE_GA:
        throw new RdbUnsupportedError(`functions in the pre-release 7.0 format at offset ${at} are not supported`);
      case Opcode.MODULE_AUX:
        throw new RdbUnsupportedError(`module auxiliary data at offset ${at} is not supported (no modules are loaded)`);
      case Opcode.EOF:
        finish(c, bytes, version, result);
        return result;
    }
    const key = readString(c, 'a key');
    let value: StoredValue | null;
    try {
      value = readValue(c, type);
    } catch (err) {
      withContext(err, `value of key ${describeKey(key)} (type ${type}) at offset ${at}`);
    }
    const expired = deadline !== undefined && deadline < now && options.skipExpired;
    if (value === null) {
      result.emptyKeysSkipped++;
    } else if (expired) {
      result.keysExpired++;
    } else {
      if (options.listShape !== undefined && typeof value !== 'string' && value.kind === 'list') value.shape = options.listShape;
      if (!db.insertLoaded(key, value, nowMs)) throw new RdbError(`key ${describeKey(key)} appears twice in database ${db.id}`);
      if (deadline !== undefined) db.setExpireAt(key, deadline);
      if (idleSec !== undefined) db.setIdleSeconds(key, idleSec, nowMs);
      result.keysLoaded++;
    }
    deadline = undefined;
    idleSec = undefined;
  }
}

/** "REDIS" and a 4-digit version we can read. */
function readHeader(c: ByteCursor): number {
  const magic = c.latin1(9, 'the RDB header');
  if (!magic.startsWith(RDB_MAGIC)) throw new RdbError('wrong signature: not an RDB file');
  const digits = magic.slice(RDB_MAGIC.length);
  const version = /^[0-9]{4}$/.test(digits) ? Number(digits) : 0;
  if (version < 1 || version > RDB_VERSION) throw new RdbError(`can't handle RDB format version ${JSON.stringify(digits)}`);
  return version;
}

/** After EOF: the checksum (versions 5+) over every byte up to and including EOF. */
function finish(c: ByteCursor, bytes: Buffer, version: number, result: RdbLoadResult): void {
  if (version >= FIRST_CHECKSUMMED_VERSION) {
    const covered = c.pos;
    const expected = c.u64le('the checksum');
    if (expected !== 0n) {
      const actual = crc64(0n, bytes, 0, covered);
      if (actual !== expected) {
        throw new RdbError(`wrong RDB checksum: expected ${expected.toString(16).padStart(16, '0')}, got ${actual.toString(16).padStart(16, '0')}`);
      }
      result.checksumVerified = true;
    }
  }
  result.bytesRead = c.pos;
}
