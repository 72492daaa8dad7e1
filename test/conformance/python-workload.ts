/**
 * redis-py's workloads (redis_py_workload.py) behind the Workload interface: the script runs in
 * its own process, says `{"event":"ready"}` on stdout once it runs steadily, takes
 * `{"cmd":"phase"...}` and `{"cmd":"stop"}` lines on stdin, and ends with one
 * `{"event":"result",...}` line carrying the same fields as the Node workloads.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/cluster-process';
import type { ScenarioName, Workload, WorkloadConfig, WorkloadResult } from './workloads';

/** Debian's python3, which has python3-redis. */
export const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = path.join(REPO_ROOT, 'test', 'conformance', 'redis_py_workload.py');
/** How long stop() waits for the verification and the result line. */
const RESULT_TIMEOUT_MS = 60_000;

export function startPythonWorkload(scenario: ScenarioName, config: WorkloadConfig): Workload {
  const child = spawn(PYTHON, [SCRIPT, scenario, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let buffered = '';
  let result: WorkloadResult | null = null;
  let markReady: () => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line === '') continue;
      let event: { event?: string } & WorkloadResult;
      try {
        event = JSON.parse(line) as { event?: string } & WorkloadResult;
      } catch {
        stderr += `\n(not JSON on stdout: ${line.slice(0, 200)})`;
        continue;
      }
      if (event.event === 'ready') markReady();
      if (event.event === 'result') {
        const { event: _event, ...fields } = event;
        result = fields;
        // A workload that cannot run (unsupported) reports at once, without a ready.
        failReady(new Error(fields.unsupported ?? fields.crash ?? 'the workload ended before it was ready'));
      }
    }
  });
  void exited.then((code) => failReady(new Error(`redis-py workload exited (${code}) before it was ready: ${stderr}`)));
  ready.catch(() => undefined);
  // A workload that reported at once (unsupported) may be gone before a line reaches it.
  child.stdin.on('error', () => undefined);
  const send = (line: object): void => {
    if (child.exitCode === null && !child.stdin.destroyed) child.stdin.write(`${JSON.stringify(line)}\n`);
  };
  return {
    ready,
    phase: (name, atMs) => send({ cmd: 'phase', name, atMs }),
    stop: async () => {
      send({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), RESULT_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      return result ?? { crash: `no result line (exit ${child.exitCode}); stderr: ${stderr.slice(-1500)}` };
    },
  };
}
