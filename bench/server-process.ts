/*
 * A server under benchmark, as a child process.
 *
 * Both contestants, the real redis-server and bin/hashslot-server, are started the same way: as a
 * child process listening on a free loopback port, with its stdout and stderr captured into a
 * bounded tail so that a server that fails to start (or dies under load) can be explained by
 * printing what it said. Readiness is "accepts a connection and answers PING", polled until a
 * deadline, because a successful connect alone can race a server that is still loading.
 *
 * Memory is read from /proc/<pid>/status (VmRSS, VmHWM) rather than from the server's INFO, since
 * RSS is the one figure both servers account for identically: it is what the kernel charges.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

/** Enough of a server's output to show why it failed, without growing without bound. */
const OUTPUT_TAIL_MAX_CHARS = 16 * 1024;

export interface ServerSpec {
  /** Shown in tables and error messages, e.g. "redis" or "hashslot". */
  name: string;
  command: string;
  args: readonly string[];
  port: number;
  cwd: string;
}

export class ServerProcess {
  readonly name: string;
  readonly port: number;
  private readonly child: ChildProcess;
  private outputTail = '';
  private exitDescription: string | null = null;
  private readonly exited: Promise<void>;

  private constructor(spec: ServerSpec) {
    this.name = spec.name;
    this.port = spec.port;
    this.child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const capture = (chunk: Buffer): void => {
      this.outputTail = (this.outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_MAX_CHARS);
    };
    this.child.stdout?.on('data', capture);
    this.child.stderr?.on('data', capture);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.exitDescription = `could not be started: ${error.message}`;
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.exitDescription = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? '?'}`;
        resolve();
      });
    });
  }

  static start(spec: ServerSpec): ServerProcess {
    return new ServerProcess(spec);
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`${this.name} has no pid (${this.exitDescription ?? 'not started'})`);
    return pid;
  }

  get isRunning(): boolean {
    return this.exitDescription === null;
  }

  /** The captured stdout/stderr tail, for error reports. */
  output(): string {
    return this.outputTail;
  }

  describeFailure(): string {
    const status = this.exitDescription ?? 'still running';
    const output = this.outputTail.trim() === '' ? '(no output)' : this.outputTail.trimEnd();
    return `${this.name} (port ${this.port}) ${status}. Its output:\n${output}`;
  }

  /** Polls until the server answers PING, the process exits, or the deadline passes. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadlineMs = Date.now() + timeoutMs;
    let lastError = 'no attempt made';
    while (Date.now() < deadlineMs) {
      if (!this.isRunning) throw new Error(this.describeFailure());
      try {
        await pingOnce(this.port, Math.max(100, deadlineMs - Date.now()));
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      await sleep(50);
    }
    throw new Error(`${this.name} did not answer PING within ${timeoutMs} ms (last: ${lastError}).\n` + this.describeFailure());
  }

  /** Resident set size now, in bytes. */
  readRssBytes(): number {
    return readProcStatusKib(this.pid, 'VmRSS') * 1024;
  }

  /** Peak resident set size over the process's life, in bytes. */
  readPeakRssBytes(): number {
    return readProcStatusKib(this.pid, 'VmHWM') * 1024;
  }

  /** SIGTERM, then SIGKILL if the server has not gone after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Synchronous last resort for process 'exit' handlers, where nothing can be awaited. */
  killNow(): void {
    if (this.isRunning) this.child.kill('SIGKILL');
  }
}

/** Asks the kernel for an unused loopback port by binding port 0, then releases it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, LOOPBACK_HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readProcStatusKib(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (match === null || match[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** One connection, one PING; resolves on +PONG, rejects on anything else (e.g. -LOADING). */
function pingOnce(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK_HOST, port });
    let received = '';
    const finish = (error: Error | null): void => {
      socket.destroy();
      if (error === null) resolve();
      else reject(error);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error('PING timed out')));
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const lineEnd = received.indexOf('\r\n');
      if (lineEnd < 0) return;
      const line = received.slice(0, lineEnd);
      finish(line === '+PONG' ? null : new Error(`PING answered ${JSON.stringify(line)}`));
    });
    socket.on('close', () => finish(new Error('connection closed before PONG')));
  });
}
