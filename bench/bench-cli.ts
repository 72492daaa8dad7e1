/*
 * What the benchmarks' command lines share: progress on stderr, and one way to read options.
 *
 * Every bench script takes `--name value` options (a few take bare switches such as `--quick`),
 * most of them with an environment variable as a second source (`--rounds` or BENCH_ROUNDS) and
 * a default as the third. `BenchArgs.parse` reads the command line once, answers `--help`/`-h`
 * with the script's usage, and refuses an unknown option or one missing its value with the
 * usage attached, so a typo never silently runs an hour-long benchmark with the defaults.
 */

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export interface ArgsSpec {
  /** Printed for --help, and after a bad argument. */
  readonly usage: string;
  /** Options taking a value, by long name without the dashes. */
  readonly options: readonly string[];
  /** Options without a value (`--quick`). */
  readonly switches?: readonly string[];
  /** Short spellings: `-n` for `requests`, as redis-benchmark spells them. */
  readonly short?: Readonly<Record<string, string>>;
}

export class BenchArgs {
  private constructor(
    private readonly given: ReadonlyMap<string, string>,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Reads `argv` (without node and the script); prints the usage and exits on --help. */
  static parse(argv: readonly string[], spec: ArgsSpec, env: NodeJS.ProcessEnv = process.env): BenchArgs {
    const given = new Map<string, string>();
    for (let index = 0; index < argv.length; index += 1) {
      const flag = argv[index] ?? '';
      if (flag === '--help' || flag === '-h') {
        process.stdout.write(spec.usage + '\n');
        process.exit(0);
      }
      const name = spec.short?.[flag] ?? (flag.startsWith('--') ? flag.slice(2) : null);
      if (name !== null && spec.switches?.includes(name) === true) {
        given.set(name, '');
        continue;
      }
      if (name === null || !spec.options.includes(name)) throw new Error(`unknown argument ${flag}\n${spec.usage}`);
      const value = argv[index + 1];
      if (value === undefined) throw new Error(`${flag} needs a value\n${spec.usage}`);
      given.set(name, value);
      index += 1;
    }
    return new BenchArgs(given, env);
  }

  /** Whether a switch (or an option) was given. */
  has(name: string): boolean {
    return this.given.has(name);
  }

  /** The value of `--name`, else env[envName], else undefined. */
  text(name: string, envName?: string): string | undefined {
    return this.given.get(name) ?? (envName === undefined ? undefined : this.env[envName]);
  }

  /** `--name N` (or env `envName`), a positive integer; `fallback` when neither is given. */
  positiveInt(name: string, envName: string | undefined, fallback: number): number {
    const text = this.text(name, envName) ?? String(fallback);
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
    return value;
  }

  /** `--name X` (or env `envName`), a positive number; `fallback` when neither is given. */
  positiveNumber(name: string, envName: string | undefined, fallback: number): number {
    const text = this.text(name, envName) ?? String(fallback);
    const value = Number(text);
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`--${name} must be a positive number, got ${text}`);
    return value;
  }

  /** `--rounds N` (or env BENCH_ROUNDS): how many times each measurement is repeated. */
  rounds(fallback: number): number {
    return this.positiveInt('rounds', 'BENCH_ROUNDS', fallback);
  }
}

/** For scripts whose only option is `--rounds N` (or env BENCH_ROUNDS). */
export function parseRounds(argv: readonly string[], fallback: number, usage: string): number {
  return BenchArgs.parse(argv, { usage, options: ['rounds'] }).rounds(fallback);
}
