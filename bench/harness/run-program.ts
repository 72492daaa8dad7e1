/*
 * Runs a command-line program (redis-cli, redis-benchmark) to completion with a deadline and
 * returns its exit status and output. Asynchronous, so the servers under test (child processes
 * whose output pipes this process drains) keep running while we wait.
 *
 * The benchmarks run redis-benchmark through this too, with an AbortSignal: on SIGINT they abort
 * it so that no load generator outlives them and keeps hammering a port.
 */

import { spawn } from 'node:child_process';

export interface ProgramResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the deadline passed and the program was killed (then `signal` is SIGKILL). */
  timedOut: boolean;
}

export interface ProgramOptions {
  input?: string | Buffer;
  /** @default 60000 */
  timeoutMs?: number;
  /** Aborting kills the program with SIGKILL; runProgram then rejects with the AbortError. */
  abortSignal?: AbortSignal;
  /** Called with all of stdout so far whenever more arrives (to act on a program's progress). */
  onStdout?: (soFar: string) => void;
}

/** Rejects only when the program could not be started (or was aborted); a failing exit resolves. */
export function runProgram(command: string, args: readonly string[], options: ProgramOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    // Without input, stdin is /dev/null: a program that exits without reading a pipe would make
    // our write fail with EPIPE.
    const child = spawn(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.abortSignal !== undefined ? { signal: options.abortSignal, killSignal: 'SIGKILL' as const } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('latin1');
    child.stderr?.setEncoding('latin1');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout);
    });
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    if (child.stdin !== null && options.input !== undefined) {
      // A program may legitimately exit before reading all its input (redis-cli on an error).
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}
