/**
 * The GEO family's point commands: GEOADD, GEODIST, GEOHASH, GEOPOS. The searches (GEOSEARCH,
 * GEOSEARCHSTORE, GEORADIUS and friends) are in geo-search.ts. See https://redis.io/commands/?group=geo
 *
 * A geo set is an ordinary sorted set (TYPE says "zset", every Z command works on it) whose
 * scores are 52-bit geohashes (storage/geohash.ts explains them). So GEOADD is ZADD with the
 * coordinates turned into scores, and that is how Redis replicates it: as
 * "zadd key [NX|XX] [CH] <integer score> member ...", which is also why its keyspace event is
 * "zadd". Reading a member's position back decodes its score to the centre of its cell, so
 * GEOPOS does not return the exact coordinates that were added.
 *
 * Replies: GEOPOS's coordinates are doubles printed as "%.17Lf" with trailing zeros trimmed
 * (bulk strings in RESP2, RESP3 doubles); distances have 4 decimals, rounded as Redis 7.0's
 * fixed-point routine rounds them (storage/fixed-point.ts scaledFixed), bulk strings in both protocols.
 */
import type { ByteString } from '../../storage/bytes';
import { humanFixed, scaledFixed } from '../../storage/fixed-point';
import { decodeScore, geoDistance, geohashString, geoScoreText } from '../../storage/geohash';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { at, syntaxError } from './args';
import { isCWord, longLatArgs, longLatScore, unitArg } from './geo-args';
import { readZset } from './zset-ops';
import { PLAIN_ZADD, zaddPairs } from './zsets';

// -------------------------------------------------------------------------------------------------
// GEOADD

function geoaddCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  let nx = false;
  let xx = false;
  let ch = false;
  let first = 2;
  for (; first < argv.length; first++) {
    const word = argv[first];
    if (isCWord(word, 'nx')) nx = true;
    else if (isCWord(word, 'xx')) xx = true;
    else if (isCWord(word, 'ch')) ch = true;
    else break;
  }
  if ((argv.length - first) % 3 !== 0 || (xx && nx)) syntaxError();
  // Arrays of their final length: an empty array pushed to reserves room for 17 elements, and
  // that was most of the memory a GEOADD allocated.
  const count = (argv.length - first) / 3;
  // Only option words and no element: ZADD's own "no element" syntax error.
  if (count === 0) syntaxError();
  const scores = new Array<number>(count);
  const members = new Array<ByteString>(count);
  for (let p = 0; p < count; p++) {
    const i = first + 3 * p;
    scores[p] = longLatScore(at(argv, i), at(argv, i + 1));
    members[p] = at(argv, i + 2);
  }
  const flags = first === 2 ? PLAIN_ZADD : { ...PLAIN_ZADD, nx, xx, ch };
  // Nothing changed, nothing propagated: the ZADD text is built only when it will be sent.
  if (zaddPairs(ctx, key, scores, members, flags) > 0) ctx.propagateAs(zaddPropagation(argv, first, scores));
}

/** GEOADD as Redis replicates it: "zadd key [options] <integer score> member ...". */
function zaddPropagation(argv: ByteString[], first: number, scores: readonly number[]): ByteString[] {
  const propagated = new Array<ByteString>(first + 2 * scores.length);
  propagated[0] = 'zadd';
  for (let i = 1; i < first; i++) propagated[i] = argv[i] as ByteString;
  for (let p = 0; p < scores.length; p++) {
    const score = scores[p] as number;
    // Below 2^53 the score's integer text is the number's own; above, the exact cell from the
    // coordinates again (the BigInt path, only for a coordinate at its maximum).
    const i = first + 3 * p;
    propagated[first + 2 * p] = Number.isSafeInteger(score) ? String(score) : geoScoreText(...longLatArgs(at(argv, i), at(argv, i + 1)));
    propagated[first + 2 * p + 1] = at(argv, i + 2);
  }
  return propagated;
}

// -------------------------------------------------------------------------------------------------
// GEODIST, GEOHASH, GEOPOS

/** A distance as Redis prints it: 4 decimals (scaledFixed), a bulk string in RESP2 and RESP3 alike. */
export function replyDistance(ctx: CommandContext, distance: number): void {
  ctx.reply.bulk(scaledFixed(distance, 4));
}

/** A coordinate: "%.17Lf" trimmed, a double in RESP3. */
export function replyCoordinate(ctx: CommandContext, degrees: number): void {
  ctx.reply.double(humanFixed(degrees));
}

function geodistCommand(ctx: CommandContext, argv: ByteString[]): void {
  let metresPerUnit = 1;
  if (argv.length === 5) metresPerUnit = unitArg(at(argv, 4));
  else if (argv.length > 5) syntaxError();
  const zset = readZset(ctx, at(argv, 1));
  const score1 = zset?.scores.get(at(argv, 2));
  const score2 = zset?.scores.get(at(argv, 3));
  if (score1 === undefined || score2 === undefined) {
    ctx.reply.nullBulk();
    return;
  }
  const [lon1, lat1] = decodeScore(score1);
  const [lon2, lat2] = decodeScore(score2);
  replyDistance(ctx, geoDistance(lon1, lat1, lon2, lat2) / metresPerUnit);
}

function geohashCommand(ctx: CommandContext, argv: ByteString[]): void {
  const zset = readZset(ctx, at(argv, 1));
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.scores.get(argv[i] as ByteString);
    if (score === undefined) ctx.reply.nullBulk();
    else ctx.reply.bulk(geohashString(score));
  }
}

function geoposCommand(ctx: CommandContext, argv: ByteString[]): void {
  const zset = readZset(ctx, at(argv, 1));
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.scores.get(argv[i] as ByteString);
    if (score === undefined) {
      ctx.reply.nullArray();
      continue;
    }
    const [lon, lat] = decodeScore(score);
    ctx.reply.array(2);
    replyCoordinate(ctx, lon);
    replyCoordinate(ctx, lat);
  }
}

export const geoCommands: CommandImpl[] = [
  cmd('geoadd', geoaddCommand),
  cmd('geodist', geodistCommand),
  cmd('geohash', geohashCommand),
  cmd('geopos', geoposCommand),
];
