/*
 * A server as a child process: the common part of real-redis.ts and hashslot-process.ts, and what
 * the benchmarks (bench/side-by-side.ts) start their two contestants with.
 *
 * The child listens on a free loopback port in a fresh temporary directory (so that a dump.rdb or
 * nodes.conf from one run never leaks into another). Readiness is polled: we probe until the
 * probe succeeds or a deadline passes, never sleep for a fixed time, because start-up time varies
 * a lot between a developer laptop and a loaded 2-core CI runner. If the child exits before it is
 * ready, start() fails at once with what the child printed, which is nearly always the reason
 * (bad directive, port in use).
 *
 * Two probes, because the two kinds of caller want different things:
 *
 *   'accepts-connection'  connect() succeeds. Tests use this: some start a server with
 *                         --requirepass or other directives under which PING would not be
 *                         answered with +PONG, and they want to see that answer themselves.
 *   'answers-ping'        a fresh connection's PING gets +PONG. The benchmarks use this: a
 *                         successful connect alone can race a server that is still loading, and
 *                         load must not be measured against one that answers -LOADING.
 *
 * stdout and stderr are kept (bounded) so tests can assert on log lines such as
 * "Ready to accept connections" and failures can be explained.
 *
 * Memory is read from /proc/<pid>/status (VmRSS, VmHWM) rather than from the server's INFO: RSS is
 * the one figure redis-server and hashslot account for identically, because the kernel charges it.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, LOOPBACK_HOST } from './free-port';
import { RawClient } from './raw-client';

/** Keep this much output: enough to explain a failure without growing without bound. */
const OUTPUT_MAX_CHARS = 256 * 1024;
/** describeFailure() shows only the end: a server dying under load can log a lot before it goes. */
const FAILURE_OUTPUT_MAX_CHARS = 16 * 1024;
const READY_DEADLINE_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const START_ATTEMPTS = 3;
const PONG = '+PONG\r\n';

export type Readiness = 'accepts-connection' | 'answers-ping';

export interface ServerLaunch {
  /** Used in messages and tables, e.g. "redis-server" or "hashslot". */
  name: string;
  command: string;
  /** Builds the arguments once the port and the temporary directory are known. */
  args: (port: number, dir: string) => string[];
  cwd?: string;
  /** @default 'accepts-connection' */
  readiness?: Readiness;
  /** @default 15000 */
  readyDeadlineMs?: number;
  /**
   * Called with each spawned child before readiness is awaited, so a caller that must kill
   * everything on SIGINT (the benchmarks) also knows about a server that is still starting.
   */
  onSpawn?: (server: ServerProcess) => void;
}

/**
 * Feeds a child's stdout and stderr to `keep`, and reports how it ended (`exit code N`,
 * `signal S` or `spawn error: ...`) through `ended`, as it happens; the promise settles then.
 */
export function watchChild<Chunk extends string | Buffer>(
  child: ChildProcess,
  keep: (chunk: Chunk) => void,
  ended: (info: string) => void,
): Promise<void> {
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      ended(signal === null ? `exit code ${String(code)}` : `signal ${signal}`);
      resolve();
    });
    child.once('error', (err) => {
      ended(`spawn error: ${err.message}`);
      resolve();
    });
  });
}

export class ServerProcess {
  private outputText = '';
  /** The unfinished last line of the output, for onLine's listeners. */
  private partialLine = '';
  private readonly lineListeners: Array<(line: string) => void> = [];
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
      if (this.lineListeners.length > 0) this.feedLines(chunk);
      if (this.outputText.length > OUTPUT_MAX_CHARS) {
        this.outputText = this.outputText.slice(-OUTPUT_MAX_CHARS);
      }
    };
    this.exitedPromise = watchChild(child, keep, (info) => {
      this.exitInfo = info;
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

  /**
   * Calls `listener` with every whole line printed from now on: for counting events over a run
   * longer than the output() tail keeps.
   */
  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  private feedLines(chunk: string): void {
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) for (const listener of this.lineListeners) listener(line);
  }

  /** null while running; otherwise how it ended. */
  exitStatus(): string | null {
    return this.exitInfo;
  }

  get isRunning(): boolean {
    return this.exitInfo === null;
  }

  /** How the server ended (or that it still runs) and the tail of its output, for error reports. */
  describeFailure(): string {
    const status = this.exitInfo ?? 'still running';
    const tail = this.outputText.slice(-FAILURE_OUTPUT_MAX_CHARS).trimEnd();
    return `${this.name} (port ${this.port}) ${status}. Its output:\n${tail === '' ? '(no output)' : tail}`;
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
      launch.onSpawn?.(server);
      try {
        await server.waitReady(launch.readiness ?? 'accepts-connection', launch.readyDeadlineMs ?? READY_DEADLINE_MS);
        return server;
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
        await server.stop();
        if (!/in use/i.test(server.output())) break;
      }
    }
    throw lastError ?? new Error(`${launch.name} did not start`);
  }

  private async waitReady(readiness: Readiness, deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    let lastProblem = 'no attempt made';
    for (;;) {
      if (this.exitInfo !== null) {
        throw new Error(`${this.name} exited before accepting connections (${this.exitInfo}):\n${this.outputText}`);
      }
      const problem = await probe(this.port, readiness, Math.max(100, deadline - Date.now()));
      if (problem === null) return;
      lastProblem = problem;
      if (Date.now() > deadline) {
        const what = readiness === 'answers-ping' ? 'answer PING' : 'accept connections';
        throw new Error(
          `${this.name} did not ${what} on port ${this.port} within ${deadlineMs} ms (last: ${lastProblem}):\n${this.outputText}`,
        );
      }
      await delay(25);
    }
  }

  /** Resident set size now, in bytes (VmRSS). */
  readRssBytes(): number {
    return readProcStatusKib(this.livePid(), 'VmRSS') * 1024;
  }

  /** Peak resident set size over the process's life, in bytes (VmHWM). */
  readPeakRssBytes(): number {
    return readProcStatusKib(this.livePid(), 'VmHWM') * 1024;
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

  /** Synchronous last resort for process 'exit' handlers, where nothing can be awaited. */
  killNow(): void {
    if (this.exitInfo === null) this.child.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private livePid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`${this.name} has no pid (${this.exitInfo ?? 'not started'})`);
    return pid;
  }
}

/** null when the server is ready by `readiness`; otherwise why not, for the timeout message. */
async function probe(port: number, readiness: Readiness, deadlineMs: number): Promise<string | null> {
  let client: RawClient;
  try {
    client = await RawClient.connect(port, LOOPBACK_HOST, deadlineMs);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  try {
    if (readiness === 'accepts-connection') return null;
    // Anything but +PONG (e.g. -LOADING) means "not yet": the server is up but not serving.
    client.send('PING');
    const text = (await client.readReplies(1, deadlineMs))[0]?.toString('latin1');
    return text === PONG ? null : `PING answered ${JSON.stringify(text)}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.close();
  }
}

function readProcStatusKib(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (match === null || match[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
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
