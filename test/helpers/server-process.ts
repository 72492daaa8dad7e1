/*
 * A server under test, as a child process: the common part of real-redis.ts and
 * hashslot-process.ts.
 *
 * The child listens on a free loopback port in a fresh temporary directory (so that a dump.rdb or
 * nodes.conf from one run never leaks into another). Readiness is polled: we try to connect until
 * it succeeds or a deadline passes, never sleep for a fixed time, because start-up time varies a
 * lot between a developer laptop and a loaded 2-core CI runner. If the child exits before it is
 * ready, start() fails at once with what the child printed, which is nearly always the reason
 * (bad directive, port in use).
 *
 * stdout and stderr are kept (bounded) so tests can assert on log lines such as
 * "Ready to accept connections".
 */

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, LOOPBACK_HOST } from './free-port';

/** Keep this much output: enough to explain a failure without growing without bound. */
const OUTPUT_MAX_CHARS = 256 * 1024;
const READY_DEADLINE_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const START_ATTEMPTS = 3;

export interface ServerLaunch {
  /** Used in messages, e.g. "redis-server" or "hashslot". */
  name: string;
  command: string;
  /** Builds the arguments once the port and the temporary directory are known. */
  args: (port: number, dir: string) => string[];
  cwd?: string;
}

export class ServerProcess {
  private outputText = '';
  private exitInfo: string | null = null;
  private readonly exitedPromise: Promise<void>;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    const keep = (chunk: string): void => {
      this.outputText += chunk;
      if (this.outputText.length > OUTPUT_MAX_CHARS) {
        this.outputText = this.outputText.slice(-OUTPUT_MAX_CHARS);
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exitedPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
        resolve();
      });
      child.once('error', (err) => {
        this.exitInfo = `spawn error: ${err.message}`;
        resolve();
      });
    });
  }

  readonly host = LOOPBACK_HOST;

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the child printed so far (stdout and stderr interleaved). */
  output(): string {
    return this.outputText;
  }

  /** null while running; otherwise how it ended. */
  exitStatus(): string | null {
    return this.exitInfo;
  }

  /**
   * Polls the output until `pattern` appears or the deadline passes. Log lines may be written a
   * moment after the port starts accepting (redis-server logs "Ready to accept connections" after
   * listen(); a Node server may buffer its writes), so assertions on the log wait for them.
   */
  async waitForOutput(pattern: RegExp, deadlineMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + deadlineMs;
    while (!pattern.test(this.outputText)) {
      if (Date.now() > deadline || this.exitInfo !== null) return pattern.test(this.outputText);
      await delay(20);
    }
    return true;
  }

  exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Starts the server, retrying on a fresh port if the first one was taken meanwhile. */
  static async start(launch: ServerLaunch): Promise<ServerProcess> {
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const port = await freePort();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hashslot-test-${launch.name}-`));
      const child = spawn(launch.command, launch.args(port, dir), {
        cwd: launch.cwd ?? dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const server = new ServerProcess(launch.name, port, dir, child);
      try {
        await server.waitReady(READY_DEADLINE_MS);
        return server;
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
        await server.stop();
        if (!/in use/i.test(server.output())) break;
      }
    }
    throw lastError ?? new Error(`${launch.name} did not start`);
  }

  private async waitReady(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (this.exitInfo !== null) {
        throw new Error(`${this.name} exited before accepting connections (${this.exitInfo}):\n${this.outputText}`);
      }
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.name} did not accept connections on port ${this.port} within ${deadlineMs} ms:\n${this.outputText}`);
      }
      await delay(25);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after a grace period; removes the temp dir. */
  async stop(): Promise<void> {
    if (this.exitInfo === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exitedPromise;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: LOOPBACK_HOST });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Looks a program up on PATH the way a shell would; null when it is not installed. */
export function findExecutable(name: string): string | null {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}
