/*
 * Scripts of several connections, run the same way against redis-server and hashslot, with the
 * transcripts compared: for what one connection does to another (pub/sub messages, client
 * tracking's invalidations).
 *
 *   scenario(dual, 'name', [
 *     call('A', 'CLIENT', 'TRACKING', 'on'),   send and record the reply
 *     send('B', 'SET', 'k', 'v'),              send without reading
 *     read('A'),                               record what A receives next (a read waits with a
 *                                              deadline, never a sleep)
 *     close('B'),
 *     until('A', ':0\r\n', 'EXISTS', 'k'),     repeat until the reply is this (5 s deadline)
 *     blocked(1),                              wait (polling INFO's blocked_clients on a
 *                                              connection of its own, 5 s deadline) until
 *                                              exactly one client is blocked; nothing recorded
 *   ], { resp3: ['A'] })                       A says HELLO 3 when it connects (true: all do)
 *
 * Client ids differ between the two servers. An argument written `{id:B}` is replaced by B's
 * CLIENT ID on each side, and in every recorded reply an integer equal to a connection's id
 * (`:17\r\n`) is written as `:{id:B}\r\n`, so transcripts that name ids still compare. (Only
 * a script that names an id asks each connection for its id.)
 */
import { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import type { DualRun, Pair, Side } from './harness';

/** One step of a script: send without reading, call and record, read a pending message. */
export type ScriptStep =
  | { on: string; send: Arg[] }
  | { on: string; call: Arg[] }
  | { on: string; read: number }
  | { on: string; close: true }
  | { on: string; until: Arg[]; expected: string }
  | { blocked: number };

export const send = (on: string, ...argv: Arg[]): ScriptStep => ({ on, send: argv });
export const call = (on: string, ...argv: Arg[]): ScriptStep => ({ on, call: argv });
export const read = (on: string, count = 1): ScriptStep => ({ on, read: count });
export const close = (on: string): ScriptStep => ({ on, close: true });
/** Repeats a command (5 s deadline) until it answers `expected`: for effects of a close. */
export const until = (on: string, expected: string, ...argv: Arg[]): ScriptStep => ({ on, until: argv, expected });

/** Waits (polling INFO, 5 s deadline) until exactly `n` clients are blocked (BLPOP, XREAD...). */
export const blocked = (n: number): ScriptStep => ({ blocked: n });

const POLL_DEADLINE_MS = 5_000;

async function waitBlocked(monitor: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  for (;;) {
    const info = (await monitor.call('INFO', 'clients')).toString('latin1');
    const match = /blocked_clients:(\d+)/.exec(info);
    if (match !== null && Number(match[1]) === n) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}: ${match?.[1] ?? '?'}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const ID_ARG = /^\{id:([^}]+)\}$/;

export interface ScriptOptions {
  /** Connections that say HELLO 3 first (true: every one). */
  resp3?: readonly string[] | boolean;
}

/** Runs the script on one side with its own connections; returns every recorded reply. */
export async function runScript(port: number, steps: readonly ScriptStep[], options: ScriptOptions = {}): Promise<string[]> {
  const clients = new Map<string, RawClient>();
  const ids = new Map<string, string>();
  // Only a script that names ids asks for them (CLIENT ID would show in the counters otherwise).
  let monitor: RawClient | null = null;
  const wantsIds = steps.some((step) => {
    const argv = 'send' in step ? step.send : 'call' in step ? step.call : 'until' in step ? step.until : [];
    return argv.some((arg) => typeof arg === 'string' && ID_ARG.test(arg));
  });
  const get = async (name: string): Promise<RawClient> => {
    let c = clients.get(name);
    if (c === undefined) {
      c = await RawClient.connect(port);
      const resp3 = options.resp3;
      if (resp3 === true || (Array.isArray(resp3) && resp3.includes(name))) await c.call('HELLO', '3');
      if (wantsIds) ids.set(name, (await c.call('CLIENT', 'ID')).toString('latin1').slice(1, -2));
      clients.set(name, c);
    }
    return c;
  };
  const resolve = async (argv: readonly Arg[]): Promise<Arg[]> => {
    const out: Arg[] = [];
    for (const arg of argv) {
      const named = typeof arg === 'string' ? ID_ARG.exec(arg) : null;
      if (named === null) out.push(arg);
      else {
        await get(named[1] as string);
        out.push(ids.get(named[1] as string) as string);
      }
    }
    return out;
  };
  const shown = (reply: Buffer): string => {
    let text = reply.toString('latin1');
    for (const [name, id] of ids) text = text.split(`:${id}\r\n`).join(`:{id:${name}}\r\n`);
    return text;
  };
  const out: string[] = [];
  try {
    for (const step of steps) {
      if ('blocked' in step) {
        monitor ??= await RawClient.connect(port);
        await waitBlocked(monitor, step.blocked);
      } else if ('send' in step) {
        (await get(step.on)).send(...(await resolve(step.send)));
      } else if ('call' in step) {
        const argv = await resolve(step.call);
        out.push(`${step.on}: ${shown(await (await get(step.on)).call(...argv))}`);
      } else if ('read' in step) {
        const replies = await (await get(step.on)).readReplies(step.read);
        for (const reply of replies) out.push(`${step.on}: ${shown(reply)}`);
      } else if ('until' in step) {
        const c = await get(step.on);
        const argv = await resolve(step.until);
        const deadline = Date.now() + POLL_DEADLINE_MS;
        let reply = '';
        while ((reply = shown(await c.call(...argv))) !== step.expected && Date.now() < deadline) {
          await new Promise((done) => setImmediate(done));
        }
        out.push(`${step.on}: ${reply}`);
      } else {
        (await get(step.on)).close();
        clients.delete(step.on);
      }
    }
  } finally {
    for (const c of clients.values()) c.close();
    monitor?.close();
  }
  return out;
}

/** A dual-run case that runs the script on both servers and compares the transcripts. */
export function scenario(dual: DualRun, name: string, steps: readonly ScriptStep[], options: ScriptOptions = {}): void {
  dual.case(name, async (pair: Pair) => {
    const [r, h] = await pair.both((_c, side: Side) => runScript(side === 'redis' ? dual.running.redis.port : dual.running.target.port, steps, options));
    pair.same(h, r, name);
  });
}

/** `scenario` bound to `dual`, with `resp3` for every connection or none (the blocking tests). */
export function scenarioRunner(dual: DualRun): (name: string, steps: readonly ScriptStep[], resp3?: boolean) => void {
  return (name, steps, resp3 = false) => scenario(dual, name, steps, { resp3 });
}
