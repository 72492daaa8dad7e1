/*
 * repl-diskless-load on the replica (disabled, on-empty-db, swapdb), compared with redis-server:
 * the same master (a real redis-server, sending a streamed or a length-framed RDB) syncs a
 * redis-server replica and a hashslot replica in each mode, and the two must agree on
 *
 *   - the dataset after the sync;
 *   - the files the replica's dir holds (disk mode leaves the payload as dump.rdb; the diskless
 *     modes write nothing);
 *   - the sync's log lines, in order ("to disk" / "to parser", flushing before the load or
 *     swapping after it).
 *
 * Then a master that cuts the transfer half-way (a fake one, in this file): the old data stays
 * on every mode, no partial temp file is left behind, and the retry says "after failure".
 */

import t from 'tap';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { missingPrerequisite, startNodes, waitFor, waitForSync, type NodeKind, type ReplNode, type Test } from './replication-harness';

interface ModeCase {
  mode: 'disabled' | 'on-empty-db' | 'swapdb';
  /** Whether the replica holds a key of its own before the sync. */
  ownKey: boolean;
}

const CASES: readonly ModeCase[] = [
  { mode: 'disabled', ownKey: true },
  { mode: 'on-empty-db', ownKey: true },
  { mode: 'on-empty-db', ownKey: false },
  { mode: 'swapdb', ownKey: true },
];

const SYNC_LINE = /^(Full resync|MASTER <-> REPLICA sync: (?!started)|Discarding previously|Loading RDB|Done loading RDB|I\/O error|Reconnecting to MASTER|Failed trying)/;

/** The replica's sync lines, from the first full resync on, with what varies masked. */
function syncLines(log: string): string[] {
  const lines = log
    .split('\n')
    .map((line) => /^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [*#.-] (.*)$/.exec(line)?.[1] ?? '')
    .filter((line) => SYNC_LINE.test(line))
    .map((line) => line.replace(/[0-9a-f]{40}/g, '<id>').replace(/receiving \d+ bytes/, 'receiving <n> bytes').replace(/127\.0\.0\.1:\d+/g, '<addr>'));
  const first = lines.findIndex((line) => line.startsWith('Full resync'));
  return first < 0 ? [] : lines.slice(first);
}

function rdbFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith('.rdb')).map((name) => (name.startsWith('temp-') ? 'temp-*.rdb' : name)).sort();
}

interface Outcome {
  keys: string;
  files: string[];
  lines: string[];
}

async function syncOnce(t: Test, kind: NodeKind, masterDiskless: boolean, c: ModeCase): Promise<Outcome> {
  const [master, replica] = (await startNodes(t, [
    { kind: 'redis', name: 'master', args: ['--repl-diskless-sync', masterDiskless ? 'yes' : 'no', '--repl-diskless-sync-delay', '0'] },
    { kind, name: 'replica', args: ['--repl-diskless-load', c.mode] },
  ])) as [ReplNode, ReplNode];
  await master.callText('EVAL', "for i = 1, 500 do redis.call('SET', 'k' .. i, i) end", '0');
  if (c.ownKey) await replica.callText('SET', 'own', '1');
  await replica.replicaOf(master);
  await waitForSync(master, replica);
  await waitFor('the sync is logged as finished', 10_000, async () => ({
    ok: replica.process.output().includes('MASTER <-> REPLICA sync: Finished with success'),
    detail: '',
  }), [master, replica]);
  return { keys: await replica.callText('DBSIZE'), files: rdbFiles(replica.process.dir), lines: syncLines(replica.process.output()) };
}

/** A master that answers the handshake, announces a 1,000-byte RDB, sends 100 bytes and hangs up. */
async function cuttingMaster(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let input = '';
    socket.on('data', (chunk: Buffer) => {
      input += chunk.toString('latin1');
      // Each command the replica sends is an array; answer by its name, once per command.
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(input);
        if (m === null) return;
        const parts: string[] = [];
        let at = m[0].length;
        for (let i = 0; i < Number(m[1]); i++) {
          const header = /^\$(\d+)\r\n/.exec(input.slice(at));
          if (header === null) return;
          const start = at + header[0].length;
          const end = start + Number(header[1]);
          if (input.length < end + 2) return;
          parts.push(input.slice(start, end));
          at = end + 2;
        }
        input = input.slice(at);
        const name = (parts[0] ?? '').toUpperCase();
        if (name === 'PING') socket.write('+PONG\r\n');
        else if (name === 'PSYNC') {
          socket.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$1000\r\nREDIS0010${'x'.repeat(91)}`);
          setTimeout(() => socket.destroy(), 50);
        } else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

async function cutOnce(t: Test, kind: NodeKind, c: ModeCase): Promise<Outcome> {
  const master = await cuttingMaster();
  const [replica] = (await startNodes(t, [{ kind, name: 'replica', args: ['--repl-diskless-load', c.mode] }])) as [ReplNode];
  try {
    if (c.ownKey) await replica.callText('SET', 'own', '1');
    await replica.callText('REPLICAOF', '127.0.0.1', String(master.port));
    await waitFor('a transfer is cut and retried', 10_000, async () => ({
      ok: /Reconnecting to MASTER .* after failure/.test(replica.process.output()),
      detail: '',
    }), [replica]);
  } finally {
    await master.close();
  }
  // With the master gone, the retries fail at connect: whatever transfer was open is closed.
  await waitFor('the replica gives up the transfer', 10_000, async () => ({
    ok: (await replica.info('replication')).get('master_sync_in_progress') === '0' && !rdbFiles(replica.process.dir).includes('temp-*.rdb'),
    detail: rdbFiles(replica.process.dir).join(' '),
  }), [replica]);
  const lines = syncLines(replica.process.output());
  // The first attempt's lines: up to the first retry.
  const retry = lines.findIndex((line) => line.startsWith('Reconnecting'));
  return { keys: await replica.callText('DBSIZE'), files: rdbFiles(replica.process.dir), lines: lines.slice(0, retry + 1) };
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  for (const masterDiskless of [true, false]) {
    for (const c of CASES) {
      const name = `${c.mode}${c.ownKey ? '' : ' (empty replica)'}, master ${masterDiskless ? 'streaming (EOF)' : 'sending a sized RDB'}`;
      t.test(name, async (t) => {
        const redis = await syncOnce(t, 'redis', masterDiskless, c);
        const hashslot = await syncOnce(t, 'hashslot', masterDiskless, c);
        t.equal(redis.keys, '500', 'redis-server replica took the master dataset');
        t.same(hashslot.keys, redis.keys, 'same dataset size');
        t.same(hashslot.files, redis.files, `same files in dir: ${redis.files.join(' ') || 'none'}`);
        t.same(hashslot.lines, redis.lines, 'same sync log lines');
      });
    }
  }
  for (const c of CASES) {
    t.test(`a transfer cut half-way, ${c.mode}${c.ownKey ? '' : ' (empty replica)'}: old data kept, no temp file left`, async (t) => {
      const redis = await cutOnce(t, 'redis', c);
      const hashslot = await cutOnce(t, 'hashslot', c);
      t.equal(redis.keys, c.ownKey ? '1' : '0', 'redis-server kept its data');
      t.same(hashslot.keys, redis.keys, 'same dataset size');
      t.same(hashslot.files, redis.files, 'no partial file on either');
      if (c.mode === 'disabled' || (c.mode === 'on-empty-db' && c.ownKey)) {
        t.same(hashslot.lines, redis.lines, 'same log lines');
      } else {
        // Loading from the socket, Redis starts parsing the half payload and logs its reader's
        // failure (with an errno text); hashslot parses only a complete payload and logs the cut.
        t.same(hashslot.lines.slice(0, 2), redis.lines.slice(0, 2), 'same first lines');
      }
    });
  }
}
