/**
 * `bin/hashslot-cluster` as a real child process, the way a test in another language uses it:
 * spawned with --json, its one line of addresses read from stdout, then stopped with a signal
 * (or SHUTDOWN on its control port) and awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export interface ClusterDescription {
  nodes: Array<{ index: number; id: string; host: string; port: number; busPort: number; shard: number; role: 'primary' | 'replica' }>;
  control: { host: string; port: number };
  seed: number;
  clock: 'real' | 'virtual';
  dir: string | null;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLUSTER_BIN = path.join(REPO_ROOT, 'bin', 'hashslot-cluster');

export class ClusterProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly description: ClusterDescription,
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {
    this.exited = exited;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts `hashslot-cluster --json ...args` and resolves with its description once it printed it. */
  static start(args: readonly string[], timeoutMs = 30_000): Promise<ClusterProcess> {
    const child = spawn(process.execPath, [CLUSTER_BIN, '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`hashslot-cluster printed nothing within ${timeoutMs} ms: ${stderr}`));
      }, timeoutMs);
      const onData = (chunk: Buffer): void => {
        stdout += chunk.toString();
        const newline = stdout.indexOf('\n');
        if (newline < 0) return;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        try {
          resolve(new ClusterProcess(child, JSON.parse(stdout.slice(0, newline)) as ClusterDescription, exited));
        } catch (err) {
          child.kill('SIGKILL');
          reject(new Error(`hashslot-cluster's first line is not JSON: ${stdout} ${String(err)}`));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`hashslot-cluster exited (${code}) before describing itself: ${stderr}`));
      });
    });
  }

  get controlPort(): number {
    return this.description.control.port;
  }

  /** Every port it listens on: the nodes' client and bus ports, and the control port. */
  get ports(): number[] {
    return [...this.description.nodes.flatMap((n) => [n.port, n.busPort]), this.description.control.port];
  }

  /** What it wrote after the description (logs of a failure). */
  get laterOutput(): string {
    return this.output;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}
