/**
 * Argument parsing shared by command handlers. Each parser throws the ReplyError Redis sends
 * for a bad value, so handlers read as the happy path.
 */
import type { ByteString } from '../../storage/bytes';
import { parseInt64, parseSafeInt } from '../../storage/numbers';
import { ERR, ReplyError } from '../dispatch/errors';

/** A signed 64-bit integer argument that fits a double exactly, as Redis's getLongLong... */
export function intArg(arg: ByteString, error: string = ERR.notInteger): number {
  const fast = parseSafeInt(arg);
  if (fast !== null) return fast;
  const big = parseInt64(arg);
  if (big === null) throw new ReplyError(error);
  // Beyond 2^53 a double rounds; callers that care about the full range use int64Arg.
  return Number(big);
}

/** A C int argument (32 bits), as Redis's getIntFromObjectOrReply: DB indexes and the like. */
export function int32Arg(arg: ByteString, error: string = ERR.notInteger): number {
  const n = parseSafeInt(arg);
  if (n === null || n > 2147483647 || n < -2147483648) throw new ReplyError(error);
  return n;
}

/** A signed 64-bit integer argument, exact. */
export function int64Arg(arg: ByteString, error: string = ERR.notInteger): bigint {
  const big = parseInt64(arg);
  if (big === null) throw new ReplyError(error);
  return big;
}

/** Case-insensitive comparison of an argument with an ASCII keyword given in lowercase. */
export function isWord(arg: ByteString | undefined, lowerWord: string): boolean {
  return arg !== undefined && arg.length === lowerWord.length && arg.toLowerCase() === lowerWord;
}

export function syntaxError(): never {
  throw new ReplyError(ERR.syntax);
}

/** The argument at index i, which the arity check guarantees exists. */
export function at(argv: readonly ByteString[], i: number): ByteString {
  const arg = argv[i];
  if (arg === undefined) throw new Error(`argument ${i} missing after arity check`);
  return arg;
}

/** C's atoi, which some DEBUG subcommands read numbers with: leading blanks, a sign, the digits that follow; 0 when there are none. */
export function atoi(arg: ByteString): number {
  const match = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(arg);
  return match === null ? 0 : Number.parseInt(match[1] as string, 10) | 0;
}
