/*
 * Shared by the AOF tests (aof.test.ts, aof-durability.test.ts): servers started on a directory
 * of the test's choosing (so a restart finds the same files), with appendonly yes; a dataset of
 * every type; the small waits and checks both files use.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Arg } from '../../bench/harness/resp';
import { RawClient } from '../../bench/harness/raw-client';
import { commonServerArgs, redisServerPath } from '../../bench/harness/real-redis';
import { hashslotBinPath, hashslotNodeFlags, startHashslot } from '../../bench/harness/hashslot-process';
import { ServerProcess } from '../../bench/harness/server-process';
import { infoText } from './info-fields';

export type Kind = 'redis' | 'hashslot';

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hashslot-aof-${label}-`));
}

/** A server on `dir` (not the harness's temp dir), so a restart finds the same files. */
export function startOn(kind: Kind, dir: string, extra: readonly string[] = []): Promise<ServerProcess> {
  const args = (port: number): string[] => [...commonServerArgs(port, dir), '--appendonly', 'yes', ...extra];
  if (kind === 'hashslot') return startHashslot((port) => args(port));
  return ServerProcess.start({ name: 'redis-server', command: redisServerPath() as string, args: (port) => args(port) });
}

/** The server's command line without a port, to watch it refuse to start. */
export function commandFor(kind: Kind, dir: string, port: number, extra: readonly string[]): [string, string[]] {
  const args = [...commonServerArgs(port, dir), '--appendonly', 'yes', ...extra];
  if (kind === 'hashslot') return [process.execPath, [...hashslotNodeFlags(), hashslotBinPath(), ...args]];
  return [redisServerPath() as string, args];
}

/** A command's raw reply; -LOADING (redis-server right after start) is retried. */
export async function call(client: RawClient, ...argv: Arg[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const reply = (await client.call(...argv)).toString('latin1');
    if (!reply.startsWith('-LOADING') || attempt > 200) return reply;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * DEBUG DIGEST once the server has finished loading: DEBUG runs during loading on redis-server
 * (it has the `loading` flag) and would digest half a dataset.
 */
export async function digest(server: ServerProcess): Promise<string> {
  const client = await RawClient.connect(server.port);
  try {
    for (let i = 0; i < 800 && !/\bloading:0\r\n/.test(infoText(await client.call('INFO', 'persistence'))); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    return await call(client, 'DEBUG', 'DIGEST');
  } finally {
    client.close();
  }
}

export async function shutdown(server: ServerProcess): Promise<void> {
  const client = await RawClient.connect(server.port);
  client.send('SHUTDOWN');
  await server.exited();
  client.close();
  await server.stop();
}

export async function kill9(server: ServerProcess): Promise<void> {
  process.kill(server.pid as number, 'SIGKILL');
  await server.exited();
  await server.stop();
}

/** Every file of `dir` (recursively) and a hash of its bytes: "nothing was changed". */
export function dirFingerprint(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else lines.push(`${path.relative(dir, p)} ${createHash('sha1').update(fs.readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return lines.join('\n');
}

export function copyDir(from: string, label: string): string {
  const to = tempDir(label);
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** A dataset of every type in several dbs, with deadlines, a transaction and a script. */
export async function writeDataset(client: RawClient, round: number): Promise<void> {
  const p = `r${round}:`;
  const commands: Arg[][] = [
    ['SET', `${p}s`, 'hello'],
    ['SET', `${p}ttl`, 'v', 'EX', '10000'],
    ['RPUSH', `${p}l`, 'a', 'b', 'c', ...Array.from({ length: 200 }, (_, i) => `e${i}`)],
    ['LPOP', `${p}l`],
    ['HSET', `${p}h`, 'f1', 'v1', 'f2', 'v2'],
    ['SADD', `${p}set`, '1', '2', 'three'],
    // SPOP's member is random: popped from a set of one, the stream is the same on both servers.
    ['SADD', `${p}one`, 'only'],
    ['SPOP', `${p}one`],
    ['ZADD', `${p}z`, '1', 'a', '2.5', 'b'],
    ['INCRBYFLOAT', `${p}f`, '1.5'],
    ['XADD', `${p}x`, '1-1', 'f', 'v'],
    ['XGROUP', 'CREATE', `${p}x`, 'g', '0'],
    ['EXPIRE', `${p}z`, '5000'],
    ['SELECT', '3'],
    ['SET', `${p}db3`, 'x'],
    ['MULTI'], ['INCR', `${p}ctr`], ['SET', `${p}in-multi`, '1'], ['EXEC'],
    ['SELECT', '0'],
    ['EVAL', "redis.call('set', KEYS[1], 'a'); redis.call('append', KEYS[1], 'b')", '1', `${p}lua`],
    ['SET', `${p}gone`, 'x'],
    ['DEL', `${p}gone`],
  ];
  for (const argv of commands) {
    const reply = await call(client, ...argv);
    if (reply.startsWith('-')) throw new Error(`${argv.join(' ')}: ${reply}`);
  }
}

export async function waitRewriteDone(client: RawClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = infoText(await client.call('INFO', 'persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('rewrite did not finish');
}
