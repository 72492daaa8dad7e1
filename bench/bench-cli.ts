/** What the cluster benchmarks' command lines share: progress on stderr and --rounds. */

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** `--rounds N` (or env BENCH_ROUNDS), a positive integer; `fallback` when neither is given. */
export function parseRounds(argv: readonly string[], fallback: number): number {
  const index = argv.indexOf('--rounds');
  const text = index >= 0 ? argv[index + 1] : process.env['BENCH_ROUNDS'];
  const rounds = Number(text ?? fallback);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bad --rounds ${String(text)}`);
  return rounds;
}
