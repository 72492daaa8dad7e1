/**
 * Value codecs for configuration directives: how the words of a redis.conf line (or the single
 * string of a CONFIG SET) become a typed value, and how the value is printed back by CONFIG GET.
 *
 * Every rule and message here was observed on redis-server 7.0.15:
 *   - bools are `yes`/`no` in any case;
 *   - integers are strict decimal (no sign `+`, no leading zeros, no spaces, not `-0`) and are
 *     range-checked with "argument must be between MIN and MAX inclusive";
 *   - memory sizes are digits with an optional unit b, k (1000), kb (1024), m, mb, g, gb in any
 *     case; the empty string is 0; a negative or fractional size is "not a memory value";
 *   - enums match case-insensitively and list their choices, in table order, on error.
 * The multi-word directives (save, bind, client-output-buffer-limit, ...) have codecs of their
 * own with their own messages.
 *
 * A codec throws ConfigValueError with the bare reason; the caller wraps it into the config-file
 * or CONFIG SET error format. Integers are kept as JS numbers, which is exact up to 2^53; the
 * 64-bit limits themselves (used as "unlimited") print exactly.
 */
import { statSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** The reason a value was refused, exactly as Redis words it. */
export class ConfigValueError extends Error {
  override readonly name = 'ConfigValueError';
}

/** What a codec may need besides the words. */
export interface ParseContext {
  /** 'file' for redis.conf lines and command-line options, 'set' for CONFIG SET. */
  readonly source: 'file' | 'set';
  /** The directory relative paths are resolved against (the current `dir`). */
  readonly cwd: string;
}

export interface Codec<T> {
  /** Several words per directive (save, bind, ...): a single word is split on spaces. */
  readonly multiArg: boolean;
  /** `current` is the value being changed (undefined while the defaults are built). */
  parse(args: readonly string[], current: T | undefined, ctx: ParseContext): T;
  format(value: T): string;
  /** The argument text CONFIG REWRITE writes when it differs from format() (units, quotes). */
  rewriteArgs?(value: T): string;
  /**
   * For directives written as several lines (or none): each line's argument text, and whether
   * it is written even when the old file has no line of this directive left to replace.
   */
  rewriteLines?(value: T, defaultValue: T): RewriteLine[];
}

export interface RewriteLine {
  readonly args: string;
  readonly force: boolean;
}

/** sdscatrepr on a byte string: a double-quoted form that splitArgs reads back exactly. */
export function reprQuote(bytes: string): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    switch (c) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        out += c >= 0x20 && c <= 0x7e ? bytes[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

/** A JS string (UTF-8 text) quoted for a config file, as a latin1 byte string. */
export function quoteText(text: string): string {
  return reprQuote(Buffer.from(text, 'utf8').toString('latin1'));
}

const KB = 1024;
const MB = 1024 * 1024;
const GB = 1024 * 1024 * 1024;

/** How CONFIG REWRITE writes a byte count: the largest of gb/mb/kb that divides it. */
export function memoryWithUnit(n: number, exact: string): string {
  if (n === 0 || !Number.isSafeInteger(n)) return exact;
  if (n % GB === 0) return `${n / GB}gb`;
  if (n % MB === 0) return `${n / MB}mb`;
  if (n % KB === 0) return `${n / KB}kb`;
  return exact;
}

export const LLONG_MIN = -(2n ** 63n);
export const LLONG_MAX = 2n ** 63n - 1n;
export const ULLONG_MAX = 2n ** 64n - 1n;
export const INT_MIN = -(2n ** 31n);
export const INT_MAX = 2n ** 31n - 1n;
export const UINT_MAX = 2n ** 32n - 1n;

function single(args: readonly string[]): string {
  // The table layer guarantees one word for single-word codecs.
  return args[0] ?? '';
}

/** Prints an integer, exactly at the 64-bit limits that JS numbers cannot hold. */
function formatInteger(n: number, limits: readonly bigint[]): string {
  if (Number.isSafeInteger(n)) return String(n);
  for (const limit of limits) if (Number(limit) === n) return limit.toString();
  return BigInt(n).toString();
}

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

export const boolCodec: Codec<boolean> = {
  multiArg: false,
  parse(args) {
    const v = single(args).toLowerCase();
    if (v === 'yes') return true;
    if (v === 'no') return false;
    throw new ConfigValueError("argument must be 'yes' or 'no'");
  },
  format: (v) => (v ? 'yes' : 'no'),
};

const STRICT_INT = /^(?:0|-?[1-9][0-9]*)$/;

/** string2ll: strict decimal within the signed 64-bit range, else null. */
export function parseStrictInteger(text: string): bigint | null {
  if (!STRICT_INT.test(text)) return null;
  const n = BigInt(text);
  return n < LLONG_MIN || n > LLONG_MAX ? null : n;
}

function rangeError(min: bigint, max: bigint): ConfigValueError {
  return new ConfigValueError(`argument must be between ${min} and ${max} inclusive`);
}

export function intCodec(min: bigint, max: bigint): Codec<number> {
  return {
    multiArg: false,
    parse(args) {
      const n = parseStrictInteger(single(args));
      if (n === null) throw new ConfigValueError("argument couldn't be parsed into an integer");
      if (n < min || n > max) throw rangeError(min, max);
      return Number(n);
    },
    format: (v) => formatInteger(v, [min, max]),
  };
}

const MEMORY = /^([0-9]*)(b|k|kb|m|mb|g|gb)?$/i;
const UNIT: Record<string, bigint> = { b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };

/** memtoull: a byte count with an optional unit; saturates at 2^64-1 like strtoull. */
export function parseMemory(text: string): bigint | null {
  const m = MEMORY.exec(text);
  if (m === null) return null;
  const digits = m[1] ?? '';
  const unit = UNIT[(m[2] ?? 'b').toLowerCase()] ?? 1n;
  const n = digits === '' ? 0n : BigInt(digits);
  const bytes = (n > ULLONG_MAX ? ULLONG_MAX : n) * unit;
  return bytes > ULLONG_MAX ? ULLONG_MAX : bytes;
}

export function memoryCodec(min: bigint, max: bigint): Codec<number> {
  return {
    multiArg: false,
    parse(args) {
      const n = parseMemory(single(args));
      if (n === null) throw new ConfigValueError('argument must be a memory value');
      if (n < min || n > max) throw rangeError(min, max);
      return Number(n);
    },
    format: (v) => formatInteger(v, [min, max]),
    rewriteArgs: (v) => memoryWithUnit(v, formatInteger(v, [min, max])),
  };
}

/** maxmemory-clients: a byte count, or `N%` of maxmemory stored as -N (as Redis does). */
export const memoryOrPercentCodec: Codec<number> = {
  multiArg: false,
  parse(args) {
    const text = single(args);
    if (text.endsWith('%')) {
      const n = parseStrictInteger(text.slice(0, -1));
      if (n === null || n < 0n) throw new ConfigValueError('argument must be a memory or percent value');
      if (n > 100n) throw new ConfigValueError('percentage argument must be less or equal to 100');
      return -Number(n);
    }
    const n = parseMemory(text);
    if (n === null) throw new ConfigValueError('argument must be a memory or percent value');
    if (n > LLONG_MAX) throw new ConfigValueError('percentage argument must be less or equal to 100');
    return Number(n);
  },
  format: (v) => (v < 0 ? `${-v}%` : formatInteger(v, [LLONG_MAX])),
  rewriteArgs: (v) => (v < 0 ? `${-v}%` : memoryWithUnit(v, formatInteger(v, [LLONG_MAX]))),
};

export function enumCodec<V extends string>(values: readonly V[]): Codec<V> {
  const message = `argument(s) must be one of the following: ${values.join(', ')}`;
  return {
    multiArg: false,
    parse(args) {
      const v = single(args).toLowerCase();
      const found = values.find((x) => x === v);
      if (found === undefined) throw new ConfigValueError(message);
      return found;
    },
    format: (v) => v,
  };
}

export const stringCodec: Codec<string> = {
  multiArg: false,
  parse: (args) => single(args),
  format: (v) => v,
  rewriteArgs: (v) => quoteText(v),
};

/** unixsocketperm: an octal mode, printed in octal without a leading zero. */
export const octalCodec: Codec<number> = {
  multiArg: false,
  parse(args) {
    const text = single(args);
    if (!/^[0-7]+$/.test(text)) throw new ConfigValueError("argument couldn't be parsed as an octal number");
    return parseInt(text, 8);
  },
  format: (v) => v.toString(8),
};

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
};

/** The strerror() text for a Node fs or socket error, as Redis would print it. */
export function errnoText(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return ERRNO_TEXT[err.code] ?? err.code;
  }
  return String(err);
}

/**
 * dir: Redis chdir()s and later prints getcwd(). A node never changes the process's working
 * directory (several nodes share a process), so the directory is checked and kept as its
 * canonical absolute path instead.
 */
export const dirCodec: Codec<string> = {
  multiArg: false,
  parse(args, _current, ctx) {
    const target = resolve(ctx.cwd, single(args));
    try {
      if (!statSync(target).isDirectory()) throw new ConfigValueError('Not a directory');
      return realpathSync(target);
    } catch (err) {
      if (err instanceof ConfigValueError) throw err;
      throw new ConfigValueError(errnoText(err));
    }
  },
  format: (v) => v,
  rewriteArgs: (v) => quoteText(v),
};
