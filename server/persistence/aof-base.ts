/**
 * Writing an AOF base file from a frozen copy of the dataset (snapshotKeyspace).
 *
 * With aof-use-rdb-preamble yes (the default) the base is an RDB file, marked with the AUX field
 * aof-base=1, exactly what BGSAVE writes otherwise. With `no` it is a file of commands that
 * rebuild the dataset when replayed: a SELECT per database, then per key one RESTORE of the key's
 * DUMP payload with its absolute deadline (ABSTTL), so every type, stream groups included,
 * round-trips through one command. (Redis writes type-specific commands there, RPUSH, HSET...:
 * the replayed dataset is the same, the file's text differs.)
 *
 * The file is written through atomic-file.ts: a temp file, fsync, rename, so a rewrite that
 * fails or is cancelled leaves no half base behind.
 */
import { encodeCommand } from '../../protocol/command-encoder';
import { createDumpPayload } from '../../storage/rdb/dump-payload';
import { type KeyspaceSnapshot, rdbChunks } from '../../storage/rdb/rdb-writer';
import type { RedisNode } from '../node';
import { replaceFile, replaceFileSync } from './atomic-file';

function* commandChunks(snapshot: KeyspaceSnapshot, compression: boolean, timestampSec: number | null): Generator<Buffer> {
  // aof-timestamp-enabled: the base opens with the time it was taken, as Redis's does.
  if (timestampSec !== null) yield Buffer.from(`#TS:${timestampSec}\r\n`, 'latin1');
  for (const db of snapshot.dbs) {
    yield encodeCommand(['SELECT', String(db.index)]);
    const parts: Buffer[] = [];
    let bytes = 0;
    db.keys.forEach((key, i) => {
      const value = db.values[i];
      if (value === undefined) return;
      const deadline = db.deadlines.get(key);
      const payload = createDumpPayload(value, compression).toString('latin1');
      const argv = deadline === undefined
        ? ['RESTORE', key, '0', payload]
        : ['RESTORE', key, String(deadline), payload, 'ABSTTL'];
      const command = encodeCommand(argv);
      parts.push(command);
      bytes += command.length;
    });
    if (bytes > 0) yield Buffer.concat(parts, bytes);
  }
}

function chunksFor(node: RedisNode, snapshot: KeyspaceSnapshot, rdb: boolean): Iterable<Buffer> {
  const compression = node.config.bool('rdbcompression');
  const timestampSec = node.config.bool('aof-timestamp-enabled') ? Math.floor(node.clock() / 1000) : null;
  if (!rdb) return commandChunks(snapshot, compression, timestampSec);
  const aux = {
    ctimeSec: Math.floor(node.clock() / 1000),
    usedMemBytes: process.memoryUsage().heapUsed,
    functions: node.functionLibraryCodes(),
    aofBase: true,
  };
  return rdbChunks(snapshot, aux, { compression, checksum: node.config.bool('rdbchecksum') });
}

/** Writes the base at `path`: at once ('sync', at start-up) or in the background (a rewrite). */
export function writeBaseFile(node: RedisNode, snapshot: KeyspaceSnapshot, path: string, rdb: boolean, mode: 'sync'): void;
export function writeBaseFile(node: RedisNode, snapshot: KeyspaceSnapshot, path: string, rdb: boolean, mode: AbortSignal): Promise<void>;
export function writeBaseFile(node: RedisNode, snapshot: KeyspaceSnapshot, path: string, rdb: boolean, mode: 'sync' | AbortSignal): void | Promise<void> {
  const chunks = chunksFor(node, snapshot, rdb);
  if (mode === 'sync') {
    replaceFileSync(path, chunks);
    return;
  }
  // The rename that makes a rewrite's base is timed as Redis times it when its child is done.
  return replaceFile(path, chunks, mode, { latency: { probe: node.latency, renameEvent: 'aof-rename' } });
}
