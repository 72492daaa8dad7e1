/*
 * Runs a command-line program (redis-cli, redis-benchmark) to completion with a deadline and
 * returns its exit status and output. Asynchronous, so the servers under test (child processes
 * whose output pipes this process drains) keep running while we wait.
 */

import { spawn } from 'node:child_process';

export interface ProgramResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export function runProgram(command: string, args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    // Without input, stdin is /dev/null: a program that exits without reading a pipe would make
    // our write fail with EPIPE.
    const child = spawn(command, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('latin1');
    child.stderr?.setEncoding('latin1');
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (child.stdin !== null && options.input !== undefined) {
      // A program may legitimately exit before reading all its input (redis-cli on an error).
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}
