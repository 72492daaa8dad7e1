/**
 * Writing an AOF base file from a frozen copy of the dataset (snapshotKeyspace).
 *
 * With aof-use-rdb-preamble yes (the default) the base is an RDB file, marked with the AUX field
 * aof-base=1, exactly what BGSAVE writes otherwise. With `no` it is a file of commands that
 * rebuild the dataset when replayed, byte for byte what Redis 7.0 writes there:
 *
 *   #TS:<unix seconds>                       with aof-timestamp-enabled yes
 *   FUNCTION LOAD <code>                     each function library
 *   SELECT <db>                              each non-empty database, then its keys:
 *     SET / RPUSH / SADD / ZADD / HMSET      the value, 64 items per command
 *     XADD ... XSETID ... XGROUP ... XCLAIM  a stream with its groups
 *     PEXPIREAT <key> <ms>                   a key's deadline
 *
 * storage/aof-rewrite-commands.ts turns each key into those commands (and explains each
 * type's); this file encodes them as RESP. The text is cut into chunks of about 64 KiB, each
 * made only when the writer asks for it, so a big dataset is written a piece per event-loop turn
 * and never held whole in memory twice.
 *
 * The file is written through atomic-file.ts: a temp file, fsync, rename, so a rewrite that
 * fails or is cancelled leaves no half base behind. A rewrite waits between keys as
 * rdb-key-save-delay asks, in either form, as Redis's rewrite child does (save-pacing.ts).
 */
import { type ByteString } from '../../storage/bytes';
import { keyRewriteCommands } from '../../storage/aof-rewrite-commands';
import { encodeCommand } from '../../protocol/command-encoder';
import { ByteSink } from '../../storage/rdb/byte-sink';
import { type KeyspaceSnapshot, type SavePiece, rdbPieces } from '../../storage/rdb/rdb-writer';
import type { RedisNode } from '../node';
import { replaceFile, replaceFileSync } from './atomic-file';
import { type SaveProgress, pacedChunks } from './save-pacing';
import { commonAuxFields, keySaveDelayUs, rdbWriteOptions } from './snapshots';

const CHUNK_BYTES = 64 * 1024;

/** The commands, in pieces of about 64 KiB, or one piece per key with `pieceEachKey`. */
function* commandPieces(
  snapshot: KeyspaceSnapshot,
  functions: readonly ByteString[],
  timestampSec: number | null,
  pieceEachKey: boolean,
): Generator<SavePiece> {
  let keysWritten = 0;
  const sink = new ByteSink(CHUNK_BYTES * 2);
  // aof-timestamp-enabled: the base opens with the time it was taken, as Redis's does.
  if (timestampSec !== null) sink.latin1(`#TS:${timestampSec}\r\n`);
  for (const code of functions) sink.bytes(encodeCommand(['FUNCTION', 'LOAD', code]));
  for (const db of snapshot.dbs) {
    sink.bytes(encodeCommand(['SELECT', String(db.index)]));
    const deadlines = db.deadlines.size === 0 ? null : db.deadlines;
    for (let i = 0; i < db.keys.length; i++) {
      const key = db.keys[i] as ByteString;
      const value = db.values[i];
      if (value === undefined) continue;
      for (const argv of keyRewriteCommands(key, value, deadlines?.get(key))) {
        sink.bytes(encodeCommand(argv));
        if (sink.length >= CHUNK_BYTES) yield { bytes: sink.take(), keysWritten };
      }
      keysWritten++;
      if (pieceEachKey) yield { bytes: sink.take(), keysWritten };
    }
  }
  if (sink.length > 0) yield { bytes: sink.take(), keysWritten };
}

function piecesFor(node: RedisNode, snapshot: KeyspaceSnapshot, rdb: boolean, pieceEachKey: boolean): Iterable<SavePiece> {
  if (!rdb) {
    const timestampSec = node.config.bool('aof-timestamp-enabled') ? Math.floor(node.clock() / 1000) : null;
    return commandPieces(snapshot, node.functionLibraryCodes(), timestampSec, pieceEachKey);
  }
  return rdbPieces(snapshot, { ...commonAuxFields(node), aofBase: true }, rdbWriteOptions(node), pieceEachKey);
}

function* bytesOf(pieces: Iterable<SavePiece>): Generator<Buffer> {
  for (const piece of pieces) yield piece.bytes;
}

/** A rewrite's base being written in the background: how to stop it, where its progress shows. */
export interface BackgroundBase {
  readonly signal: AbortSignal;
  readonly progress: SaveProgress;
}

/**
 * Writes the base at `path`: at once ('sync', at start-up, where the dataset is empty and Redis
 * has nothing to wait for) or in the background (a rewrite, paced by rdb-key-save-delay).
 */
export function writeBaseFile(node: RedisNode, snapshot: KeyspaceSnapshot, path: string, rdb: boolean, mode: 'sync'): void;
export function writeBaseFile(node: RedisNode, snapshot: KeyspaceSnapshot, path: string, rdb: boolean, mode: BackgroundBase): Promise<void>;
export function writeBaseFile(node: RedisNode, snapshot: KeyspaceSnapshot, path: string, rdb: boolean, mode: 'sync' | BackgroundBase): void | Promise<void> {
  if (mode === 'sync') {
    replaceFileSync(path, bytesOf(piecesFor(node, snapshot, rdb, false)));
    return;
  }
  const delayUs = keySaveDelayUs(node);
  const chunks = pacedChunks(piecesFor(node, snapshot, rdb, delayUs !== 0), {
    clock: node.time,
    delayUs,
    progress: mode.progress,
    // Redis's command-writing child reports a key before its wait, its RDB writer after.
    reportBeforeDelay: !rdb,
    signal: mode.signal,
  });
  // The rename that makes a rewrite's base is timed as Redis times it when its child is done.
  return replaceFile(path, chunks, mode.signal, { latency: { probe: node.latency, renameEvent: 'aof-rename' } });
}
