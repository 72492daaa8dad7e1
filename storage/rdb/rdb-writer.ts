/**
 * Writes RDB version 10 snapshots, as Redis 7.0 does, without stopping the server for long.
 *
 * Redis forks and lets the child write while the parent serves; copy-on-write pages keep the
 * child's view frozen. hashslot cannot fork, so it freezes the view itself, in two steps:
 *
 *   snapshotKeyspace()   synchronous: copies each database's keys, values and deadlines into
 *                        arrays. Strings are immutable and shared; containers (lists, hashes,
 *                        sets, sorted sets), which commands change in place, are cloned. After it
 *                        returns, writes to the keyspace no longer affect the snapshot.
 *   rdbChunks()          a generator that encodes the snapshot lazily, about 64 KiB per chunk,
 *                        so a caller can write a chunk, yield to the event loop, and go on
 *                        (server/persistence/atomic-file.ts does exactly that for a file; a full sync
 *                        sends the chunks to a socket). This module returns bytes, never
 *                        touches the disk.
 *   rdbPieces()          the same stream, each piece telling how many keys it completes, and
 *                        cut after every key on request: what a save paced by
 *                        rdb-key-save-delay needs (server/persistence/save-pacing.ts), since
 *                        Redis waits after each key and reports its progress in keys.
 *
 * The stream: "REDIS0010", the AUX fields in 7.0's order (redis-ver, redis-bits, ctime,
 * used-mem, [repl-stream-db, repl-id, repl-offset], aof-base), then per non-empty database
 * SELECTDB and RESIZEDB, its entries (EXPIRETIME_MS before an entry with a deadline), and EOF
 * followed by the CRC-64 of everything before it (eight zero bytes with rdbchecksum no).
 */
import type { ByteString } from '../bytes';
import type { Keyspace } from '../keyspace';
import { REDIS_VERSION } from '../redis-version';
import { cloneValue, type StoredValue } from '../values';
import { ByteSink } from './byte-sink';
import { crc64 } from './crc64';
import { Opcode, RDB_MAGIC, RDB_VERSION } from './rdb-format';
import { writeLength, writeString } from './rdb-strings';
import { rdbTypeOf, writeValue } from './value-encoder';

const CHUNK_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Snapshot

export interface DatabaseSnapshot {
  readonly index: number;
  readonly keys: readonly ByteString[];
  /** values[i] is the value of keys[i]. */
  readonly values: readonly StoredValue[];
  /** Absolute deadlines in ms (a bigint beyond 2^53) of the keys that have one. */
  readonly deadlines: ReadonlyMap<ByteString, number | bigint>;
}

export interface KeyspaceSnapshot {
  /** The non-empty databases, in index order. */
  readonly dbs: readonly DatabaseSnapshot[];
  readonly keyCount: number;
}

/** A point-in-time copy of every database's contents (see the module comment). */
export function snapshotKeyspace(keyspace: Keyspace): KeyspaceSnapshot {
  const dbs: DatabaseSnapshot[] = [];
  let keyCount = 0;
  for (const db of keyspace.dbs) {
    if (db.size === 0) continue;
    const { keys, values, deadlines } = db.snapshotContents();
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as StoredValue;
      if (typeof value !== 'string') values[i] = cloneValue(value);
    }
    dbs.push({ index: db.id, keys, values, deadlines });
    keyCount += keys.length;
  }
  return { dbs, keyCount };
}

// ---------------------------------------------------------------------------------------------
// Encoding

export interface RdbAuxFields {
  /** ctime: when the snapshot was taken, unix seconds. */
  ctimeSec: number;
  /** used-mem: the server's used_memory (INFO's figure) when the snapshot was taken; informational. */
  usedMemBytes: number;
  /** Replication position, written by a master for full syncs (and saves while it has a backlog). */
  replication?: { streamDb: number; replId: string; offset: number | bigint };
  /** The code of each function library (FUNCTION LOAD), written after the AUX fields. */
  functions?: readonly ByteString[];
  /** aof-base: 1 when the file is the base of a multi-part AOF (Redis logs "RDB is base AOF"). */
  aofBase?: boolean;
}

export interface RdbWriteOptions {
  /** LZF-compress long strings (rdbcompression). */
  compression: boolean;
  /** Compute the CRC-64 (rdbchecksum); otherwise 0, which loaders accept as "not computed". */
  checksum: boolean;
}

/** A run of a save's bytes, and how many of the snapshot's keys the stream holds up to its end. */
export interface SavePiece {
  readonly bytes: Buffer;
  readonly keysWritten: number;
}

/** The RDB encoding of `snapshot`, in chunks of about 64 KiB, made as they are asked for. */
export function* rdbChunks(snapshot: KeyspaceSnapshot, aux: RdbAuxFields, options: RdbWriteOptions): Generator<Buffer> {
  for (const piece of rdbPieces(snapshot, aux, options, false)) yield piece.bytes;
}

/**
 * The RDB encoding of `snapshot` as pieces of about 64 KiB, or with `pieceEachKey` one piece
 * per key (the header rides with the first, the trailer comes alone), made as they are asked for.
 */
export function* rdbPieces(snapshot: KeyspaceSnapshot, aux: RdbAuxFields, options: RdbWriteOptions, pieceEachKey: boolean): Generator<SavePiece> {
  let keysWritten = 0;
  const sink = new ByteSink(CHUNK_BYTES * 2);
  let crc = 0n;
  const flush = (): Buffer => {
    if (options.checksum) crc = crc64(crc, sink.view());
    return sink.take();
  };

  sink.latin1(`${RDB_MAGIC}${String(RDB_VERSION).padStart(4, '0')}`);
  const field = (name: string, value: ByteString): void => {
    sink.u8(Opcode.AUX);
    writeString(sink, name, options.compression);
    writeString(sink, value, options.compression);
  };
  field('redis-ver', REDIS_VERSION);
  field('redis-bits', '64');
  field('ctime', String(aux.ctimeSec));
  field('used-mem', String(aux.usedMemBytes));
  if (aux.replication !== undefined) {
    field('repl-stream-db', String(aux.replication.streamDb));
    field('repl-id', aux.replication.replId);
    field('repl-offset', String(aux.replication.offset));
  }
  field('aof-base', aux.aofBase === true ? '1' : '0');
  for (const code of aux.functions ?? []) {
    sink.u8(Opcode.FUNCTION2);
    writeString(sink, code, options.compression);
  }

  for (const db of snapshot.dbs) {
    sink.u8(Opcode.SELECTDB);
    writeLength(sink, db.index);
    sink.u8(Opcode.RESIZEDB);
    writeLength(sink, db.keys.length);
    writeLength(sink, db.deadlines.size);
    const deadlines = db.deadlines.size === 0 ? null : db.deadlines;
    for (let i = 0; i < db.keys.length; i++) {
      const deadline = deadlines?.get(db.keys[i] as ByteString);
      if (deadline !== undefined) {
        sink.u8(Opcode.EXPIRETIME_MS);
        sink.i64le(BigInt(deadline));
      }
      const value = db.values[i] as StoredValue;
      const type = rdbTypeOf(value);
      sink.u8(type);
      writeString(sink, db.keys[i] as ByteString, options.compression);
      writeValue(sink, value, type, options.compression);
      keysWritten++;
      if (pieceEachKey || sink.length >= CHUNK_BYTES) yield { bytes: flush(), keysWritten };
    }
  }

  sink.u8(Opcode.EOF);
  if (options.checksum) crc = crc64(crc, sink.view());
  sink.u64le(options.checksum ? crc : 0n);
  yield { bytes: sink.take(), keysWritten };
}
