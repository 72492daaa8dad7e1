/*
 * Scripts over several connections for the blocking-command tests (lists and sorted sets): the
 * same script runs on each side with its own connections, and the recorded replies must match.
 * Whether a client is blocked yet is polled from INFO's blocked_clients (with a deadline), never
 * slept on.
 */

import { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import type { DualRun, Pair, Side } from './harness';

/** One step of a script: `send` without reading, `call` and record, `read` a pending reply. */
export type ScriptStep =
  | { on: string; send: Arg[] }
  | { on: string; call: Arg[] }
  | { on: string; read: true }
  | { on: string; close: true }
  | { blocked: number };

export const send = (on: string, ...argv: Arg[]): ScriptStep => ({ on, send: argv });
export const call = (on: string, ...argv: Arg[]): ScriptStep => ({ on, call: argv });
export const read = (on: string): ScriptStep => ({ on, read: true });
export const close = (on: string): ScriptStep => ({ on, close: true });
/** Waits (polling INFO, 5 s deadline) until exactly `n` clients are blocked. */
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

/** Runs the script on one side with its own connections; returns every recorded reply. */
async function runScript(dual: DualRun, side: Side, steps: readonly ScriptStep[], resp3: boolean): Promise<string[]> {
  const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
  const clients = new Map<string, RawClient>();
  const monitor = await RawClient.connect(port);
  const get = async (name: string): Promise<RawClient> => {
    let c = clients.get(name);
    if (c === undefined) {
      c = await RawClient.connect(port);
      if (resp3) await c.call('HELLO', '3');
      clients.set(name, c);
    }
    return c;
  };
  const out: string[] = [];
  try {
    for (const step of steps) {
      if ('blocked' in step) {
        await waitBlocked(monitor, step.blocked);
      } else if ('send' in step) {
        (await get(step.on)).send(...step.send);
      } else if ('call' in step) {
        out.push(`${step.on}: ${(await (await get(step.on)).call(...step.call)).toString('latin1')}`);
      } else if ('read' in step) {
        const [reply] = await (await get(step.on)).readReplies(1);
        out.push(`${step.on}: ${(reply ?? Buffer.alloc(0)).toString('latin1')}`);
      } else {
        (await get(step.on)).close();
        clients.delete(step.on);
      }
    }
  } finally {
    for (const c of clients.values()) c.close();
    monitor.close();
  }
  return out;
}

/** Declares scenarios on `dual`: each runs its script on both sides and compares the replies. */
export function scenarioRunner(dual: DualRun): (name: string, steps: readonly ScriptStep[], resp3?: boolean) => void {
  return (name, steps, resp3 = false) => {
    dual.case(name, async (pair: Pair) => {
      const [r, h] = await pair.both((_c, side) => runScript(dual, side, steps, resp3));
      pair.same(h, r, name);
    });
  };
}

