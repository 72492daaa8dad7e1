/**
 * Reading redis.conf files and redis-server's command line, with redis-server 7.0.15's rules
 * and error texts.
 *
 * The command line is `[configfile] [-] [--name value ...]`. redis-server turns the `--` options
 * into config-file text and appends it to the file's contents, so one parser serves both and
 * line numbers in errors count through the file, the stdin text and then the options:
 *
 *     <config file bytes><stdin bytes>\n<name "arg" "arg"\n name "arg">
 *
 * (so with no file the first option is reported "at line 2"). Each `--name` starts a directive
 * and the following words are its arguments, quoted the way sdscatrepr quotes them. The first
 * word after `--name` is always an argument even when it starts with `--` (`--requirepass
 * --foo` sets the password "--foo"); later `--words` start new directives. `--save` directly
 * followed by another `--option`, or last on the line, means `save ""`. `-` as the first or the
 * last argument reads more config from stdin. `-v`/`--version`/`-h`/`--help`/`--test-memory`
 * count only as the first argument.
 *
 * A config text is split on newlines; each line is trimmed, blank and `#` lines are skipped,
 * the rest is tokenised by splitArgs and the directive name lower-cased. `include <path>`
 * splices another file in at that point (its errors carry its own line numbers). Lines are
 * produced lazily by a generator so that errors surface in file order, exactly as Redis applies
 * line by line and stops at the first bad one.
 */
import { splitArgs } from '../../protocol/split-args';
import { REDIS_VERSION } from '../../storage/redis-version';
import { errnoText, reprQuote } from './codecs';

/** A bad line: printed by the CLI to stderr as `report`, then exit status 1. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    readonly lineNumber: number,
    /** The offending line, trimmed, as it appears in the (combined) config text. */
    readonly line: string,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** The exact bytes redis-server writes to stderr for this error. */
  get report(): string {
    return (
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n` +
      `Reading the configuration file, at line ${this.lineNumber}\n` +
      `>>> '${this.line}'\n${this.reason}\n`
    );
  }
}

/**
 * A config file (or an included one) that cannot be read. redis-server logs `message` as a
 * warning-level log line (`pid:C date # Fatal error, ...`) and exits with status 1.
 */
export class ConfigOpenError extends Error {
  override readonly name = 'ConfigOpenError';
  constructor(readonly path: string, readonly reason: string) {
    super(`Fatal error, can't open config file '${path}': ${reason}`);
  }
}

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'version' }
  | { readonly kind: 'help' }
  | { readonly kind: 'test-memory'; readonly args: readonly string[] }
  | RunCommandLine;

export interface RunCommandLine {
  readonly kind: 'run';
  /** The config file path as given (not yet resolved), or null. */
  readonly configFile: string | null;
  /** `-` was given: read config text from stdin (Redis logs "Reading config from stdin"). */
  readonly readStdin: boolean;
  /** The `--` options rendered as config-file lines (latin1 byte string of UTF-8 text). */
  readonly options: string;
}

/** Parses redis-server's argv (without the node and script paths). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const first = argv[0];
  if (first === '-v' || first === '--version') return { kind: 'version' };
  if (first === '-h' || first === '--help') return { kind: 'help' };
  if (first === '--test-memory') return { kind: 'test-memory', args: argv.slice(1) };
  let j = 0;
  let configFile: string | null = null;
  if (first !== undefined && !first.startsWith('-')) {
    configFile = first;
    j = 1;
  }
  let readStdin = false;
  const lines: string[] = [];
  let current: string | null = null;
  // True once the current directive has its first argument (or before any directive).
  let haveFirstArg = true;
  const last = argv.length - 1;
  for (; j < argv.length; j++) {
    const arg = argv[j] ?? '';
    if (arg === '-' && (j === 0 || j === last)) {
      readStdin = true;
    } else if (haveFirstArg && arg.startsWith('--')) {
      if (current !== null) lines.push(current);
      current = `${toBytes(arg.slice(2))} `;
      haveFirstArg = false;
      const next = argv[j + 1];
      if (arg.toLowerCase() === '--save' && (next === undefined || next.startsWith('--'))) {
        current += '""';
        haveFirstArg = true;
      }
    } else {
      current = `${current ?? ''}${reprQuote(toBytes(arg))} `;
      haveFirstArg = true;
    }
  }
  if (current !== null) lines.push(current);
  return { kind: 'run', configFile, readStdin, options: lines.join('\n') };
}

function toBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** File access for config loading, injectable for tests. */
export interface ConfigIo {
  /** Reads a whole file; throws a Node fs error on failure. */
  readFile(path: string): Buffer;
  /** Reads all of stdin (only called when `-` was given). */
  readStdin?(): Buffer;
}

/**
 * The complete config text for a run command line: file, stdin, then the options.
 * Throws ConfigOpenError when the file cannot be read.
 */
export function commandLineConfigText(cmd: RunCommandLine, io: ConfigIo): Buffer {
  const parts: Buffer[] = [];
  if (cmd.configFile !== null) parts.push(readConfigFile(cmd.configFile, io));
  if (cmd.readStdin && io.readStdin !== undefined) parts.push(io.readStdin());
  parts.push(Buffer.from(`\n${cmd.options}`, 'latin1'));
  return Buffer.concat(parts);
}

export function readConfigFile(path: string, io: ConfigIo): Buffer {
  try {
    return io.readFile(path);
  } catch (err) {
    throw new ConfigOpenError(path, errnoText(err));
  }
}

/** One directive line, tokenised. */
export interface ConfigLine {
  /** Lower-cased directive name. */
  readonly name: string;
  /** The arguments, UTF-8 decoded. */
  readonly args: readonly string[];
  readonly lineNumber: number;
  /** The trimmed line as written, for error reports. */
  readonly text: string;
}

/** Thrown-error helper: the error for `line` with `reason`. */
export function lineError(line: ConfigLine, reason: string): ConfigFileError {
  return new ConfigFileError(line.lineNumber, line.text, reason);
}

const TRIM = ' \t\r\n';

function trimBytes(buf: Buffer, start: number, end: number): [number, number] {
  while (start < end && TRIM.includes(String.fromCharCode(buf[start] as number))) start++;
  while (end > start && TRIM.includes(String.fromCharCode(buf[end - 1] as number))) end--;
  return [start, end];
}

/**
 * The directive lines of a config text, with `include` expanded in place. `resolvePath` maps
 * an include path to the path to open (relative paths are relative to the current `dir`, as
 * redis-server has chdir()ed there by then).
 */
export function* configLines(
  text: Buffer,
  io: ConfigIo,
  resolvePath: (path: string) => string = (p) => p,
): Generator<ConfigLine, void, void> {
  let lineNumber = 0;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf(0x0a, pos);
    if (nl < 0) nl = text.length;
    lineNumber++;
    const [start, end] = trimBytes(text, pos, nl);
    pos = nl + 1;
    if (start === end || text[start] === 0x23 /* # */) continue;
    const lineText = text.toString('latin1', start, end);
    const words = splitArgs(text, start, end);
    if (words === null) throw new ConfigFileError(lineNumber, lineText, 'Unbalanced quotes in configuration line');
    if (words.length === 0) continue;
    const name = (words[0] as Buffer).toString('utf8').toLowerCase();
    const args = words.slice(1).map((w) => w.toString('utf8'));
    const line: ConfigLine = { name, args, lineNumber, text: lineText };
    if (name === 'include') {
      if (args.length !== 1) throw lineError(line, 'Bad directive or wrong number of arguments');
      const path = args[0] ?? '';
      yield* configLines(readConfigFile(resolvePath(path), io), io, resolvePath);
      continue;
    }
    yield line;
  }
}
