/**
 * Writing nodes.conf the way Redis 7.0 does: in place, not through a temporary file.
 *
 * A reshard rewrites the file several times per slot on every node (each SETSLOT, each slot
 * claim learnt from a peer), so each write must be cheap: one open, one write, one truncate.
 * The new text is written over the old one, padded with newlines up to the old length so the
 * file never looks shorter than a whole configuration while it is written (the loader skips
 * blank lines), then cut to the new length. `durable` adds an fsync before the cut, for the
 * changes Redis syncs (epochs, votes, failovers, slot claims); the others may be lost by a
 * crash of the machine, as in Redis, but never by a crash of the process.
 */
import * as fs from 'node:fs';

export function writeNodesConf(path: string, text: string, durable: boolean): void {
  const content = Buffer.from(text, 'latin1');
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
  try {
    const oldSize = fs.fstatSync(fd).size;
    let bytes = content;
    if (oldSize > content.length) {
      bytes = Buffer.alloc(oldSize, 0x0a);
      content.copy(bytes);
    }
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off, off);
    if (durable) fs.fsyncSync(fd);
    if (bytes.length !== content.length) fs.ftruncateSync(fd, content.length);
  } finally {
    fs.closeSync(fd);
  }
}

/** Where a node keeps nodes.conf: the file by default, memory in hashslot/testing. */
export interface NodesConfStore {
  /** The saved text, or null when there is none yet. */
  read(): string | null;
  write(text: string, durable: boolean): void;
}

/** nodes.conf as a file at `path`, written in place as above. */
export function nodesConfFile(path: string): NodesConfStore {
  return {
    read: () => {
      try {
        return fs.readFileSync(path, 'latin1');
      } catch {
        return null;
      }
    },
    write: (text, durable) => writeNodesConf(path, text, durable),
  };
}
