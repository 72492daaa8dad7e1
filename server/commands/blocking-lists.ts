/**
 * The blocking list commands: BLPOP, BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH. See
 * https://redis.io/commands/blpop/ and server/blocking.ts for the waiting machinery.
 *
 * Each handler first does what its non-blocking form does; only when every key is missing does
 * it block, through pop-or-block.ts (shared with BZPOPMIN and friends), which does the same pop
 * later, when a push made one of the keys ready. Either way a replica is sent the non-blocking
 * command (LPOP/RPOP key, LPOP/RPOP key count for BLMPOP, LMOVE, RPOPLPUSH), as Redis 7.0
 * rewrites it.
 *
 * A client that must not block (inside EXEC; a master's or replica's link; a session without a
 * connection) answers at once as Redis does: the null array, except BLMOVE/BRPOPLPUSH, which
 * answer the null bulk string. A timeout, on the other hand, answers the null array for every
 * one of them (Redis 7.0).
 *
 * The timeout is seconds as a double, parsed as Redis parses it (strtold syntax, so "1e-1" and
 * "0x1p-3" work), rounded up to whole milliseconds (so 0.0001 waits 1 ms, not forever); 0 waits
 * forever. Argument errors come in Redis's order: BLPOP/BRPOP check the timeout before the keys,
 * BLMOVE its LEFT/RIGHT words before the timeout, BLMPOP numkeys, LEFT/RIGHT and COUNT before
 * the timeout.
 */
import type { ByteString } from '../../storage/bytes';
import { parseLongDouble } from '../../storage/long-double';
import type { ListValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { listEndArg, moveElement, popElements, writableList, type ListEnd } from './list-ops';
import { popOrBlock } from './pop-or-block';
import { mpopFrom, parseMpopArgs } from './lists';

/** 2^63: a long double at least this large does not fit the long long Redis converts it to. */
const LLONG_RANGE = 2n ** 63n;

/**
 * The timeout argument as an absolute deadline in ms, 0 for "forever". Redis 7.0 parses a long
 * double, multiplies by 1000 (in long double, rounded to 64 bits), takes the ceiling and
 * converts it to long long: so a positive timeout under 1 ms waits 1 ms, -0.0001 is -0, that is
 * 0 (forever), -1.5 ms is -1 ("timeout is negative"), and a value too large to convert becomes
 * LLONG_MIN on x86, which is why "inf" and "1e300" answer "timeout is negative".
 */
export function deadlineArg(ctx: CommandContext, arg: ByteString): number {
  const parsed = parseLongDouble(arg);
  if (parsed === null) throw new ReplyError(ERR.timeoutNotFloat);
  if (parsed === 'inf' || parsed === '-inf') throw new ReplyError(ERR.timeoutNegative);
  // ceil(-x) is -trunc(x): the magnitude of a negative timeout is truncated, a positive one rounded up.
  const ms = scaledMillis(parsed.mantissa, parsed.exponent, !parsed.negative);
  if (ms >= LLONG_RANGE || (parsed.negative && ms > 0n)) throw new ReplyError(ERR.timeoutNegative);
  return ms === 0n ? 0 : ctx.nowMs + Number(ms);
}

/**
 * mantissa * 2^exponent * 1000 as a whole number, the product rounded to a 64-bit mantissa first,
 * then rounded up when `roundUp`, else truncated.
 */
function scaledMillis(mantissa: bigint, exponent: number, roundUp: boolean): bigint {
  let product = mantissa * 1000n;
  let exp = exponent;
  const excess = product.toString(2).length - 64;
  if (excess > 0) {
    const half = 1n << BigInt(excess - 1);
    const rest = product & ((1n << BigInt(excess)) - 1n);
    product >>= BigInt(excess);
    if (rest > half || (rest === half && (product & 1n) === 1n)) product += 1n;
    exp += excess;
  }
  if (exp >= 0) return product << BigInt(exp);
  const whole = product >> BigInt(-exp);
  return roundUp && whole << BigInt(-exp) !== product ? whole + 1n : whole;
}

// -------------------------------------------------------------------------------------------------
// BLPOP, BRPOP

function popOne(ctx: CommandContext, key: ByteString, list: ListValue, end: ListEnd): ByteString[] {
  const element = popElements(ctx, key, list, 1, end)[0] as ByteString;
  ctx.reply.array(2);
  ctx.reply.bulk(key);
  ctx.reply.bulk(element);
  return [end === 'left' ? 'LPOP' : 'RPOP', key];
}

/** BLPOP / BRPOP key [key ...] timeout. */
function blockingPopCommand(end: ListEnd) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const keys = argv.slice(1, -1);
    const deadlineMs = deadlineArg(ctx, at(argv, argv.length - 1));
    popOrBlock(ctx, argv, keys, deadlineMs, 'list', 'null-array', (key, list) => popOne(ctx, key, list, end));
  };
}

// -------------------------------------------------------------------------------------------------
// BLMPOP

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
function blmpopCommand(ctx: CommandContext, argv: ByteString[]): void {
  const { keys, end, count } = parseMpopArgs(argv, 2);
  const deadlineMs = deadlineArg(ctx, at(argv, 1));
  popOrBlock(ctx, argv, keys, deadlineMs, 'list', 'null-array', (key, list) => mpopFrom(ctx, key, list, end, count));
}

// -------------------------------------------------------------------------------------------------
// BLMOVE, BRPOPLPUSH

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout. */
function blmoveCommand(ctx: CommandContext, argv: ByteString[]): void {
  const from = listEndArg(at(argv, 3));
  const to = listEndArg(at(argv, 4));
  // Popping at once replicates the words as sent; serving a client that waited spells them in
  // lower case, as Redis 7.0 does (it rebuilds the LMOVE from the parsed ends then).
  const replicated = (served: boolean): ByteString[] =>
    served ? ['LMOVE', at(argv, 1), at(argv, 2), from, to] : ['LMOVE', at(argv, 1), at(argv, 2), at(argv, 3), at(argv, 4)];
  blockingMove(ctx, argv, from, to, deadlineArg(ctx, at(argv, 5)), replicated);
}

/** BRPOPLPUSH source destination timeout: BLMOVE source destination RIGHT LEFT timeout. */
function brpoplpushCommand(ctx: CommandContext, argv: ByteString[]): void {
  const replicated = (): ByteString[] => ['RPOPLPUSH', at(argv, 1), at(argv, 2)];
  blockingMove(ctx, argv, 'right', 'left', deadlineArg(ctx, at(argv, 3)), replicated);
}

/** Moves from the source once it holds a list; a destination of another type is WRONGTYPE. */
function blockingMove(
  ctx: CommandContext,
  argv: ByteString[],
  from: ListEnd,
  to: ListEnd,
  deadlineMs: number,
  replicated: (served: boolean) => ByteString[],
): void {
  const src = at(argv, 1);
  const dst = at(argv, 2);
  popOrBlock(ctx, argv, [src], deadlineMs, 'list', 'null-bulk', (key, list, served) => {
    const dstList = writableList(ctx, dst);
    ctx.reply.bulk(moveElement(ctx, key, list, dst, dstList, from, to));
    return replicated(served);
  });
}

export const blockingListCommands: CommandImpl[] = [
  cmd('blpop', blockingPopCommand('left')),
  cmd('brpop', blockingPopCommand('right')),
  cmd('blmpop', blmpopCommand),
  cmd('blmove', blmoveCommand),
  cmd('brpoplpush', brpoplpushCommand),
];
