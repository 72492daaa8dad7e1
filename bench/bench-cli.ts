/** What the benchmarks' command lines share: progress on stderr, --rounds and other options. */

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The value after `--name` in argv, else env[envName], else undefined. */
export function optionText(argv: readonly string[], name: string, envName?: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index >= 0) return argv[index + 1];
  return envName === undefined ? undefined : process.env[envName];
}

/** `--name N` (or env `envName`), a positive integer; `fallback` when neither is given. */
export function positiveIntOption(argv: readonly string[], name: string, envName: string | undefined, fallback: number): number {
  const text = optionText(argv, name, envName);
  const value = Number(text ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`bad --${name} ${String(text)}`);
  return value;
}

/** `--rounds N` (or env BENCH_ROUNDS), a positive integer; `fallback` when neither is given. */
export function parseRounds(argv: readonly string[], fallback: number): number {
  return positiveIntOption(argv, 'rounds', 'BENCH_ROUNDS', fallback);
}
