/**
 * Arguments of the GEO commands, read as Redis reads them, with Redis's error texts.
 *
 *   longitude latitude   two doubles (getDoubleFromObject: the whole string, no leading space,
 *                        no NaN), then checked against -180..180 and ±85.05112878; the error
 *                        prints both as C's "%f" ("invalid longitude,latitude pair 181.000000,0.000000")
 *   radius unit          a double that is not negative, then m | km | ft | mi
 *   width height unit    two doubles, neither negative, then the unit
 *
 * Option words are compared as C's strcasecmp compares them: up to a NUL byte, so "m\0x" is "m".
 */
import type { ByteString } from '../../storage/bytes';
import { formatFixed } from '../../storage/fixed-point';
import { geoScore, validLongLat } from '../../storage/geohash';
import { parseScoreArg } from '../../storage/strtod';
import { ERR, ReplyError } from '../dispatch/errors';

export const GEO_ERR = {
  unit: 'ERR unsupported unit provided. please use M, KM, FT, MI',
  radiusNotNumber: 'ERR need numeric radius',
  radiusNegative: 'ERR radius cannot be negative',
  widthNotNumber: 'ERR need numeric width',
  heightNotNumber: 'ERR need numeric height',
  boxNegative: 'ERR height or width cannot be negative',
  memberNotFound: 'ERR could not decode requested zset member',
  countNotPositive: 'ERR COUNT must be > 0',
  anyWithoutCount: 'ERR the ANY argument requires COUNT argument',
} as const;

/** Whether an argument is `lowerWord` under C's strcasecmp (which stops at a NUL byte). */
export function isCWord(arg: ByteString | undefined, lowerWord: string): boolean {
  if (arg === undefined) return false;
  // The word (which holds no NUL) is the whole argument, or its part before a NUL byte: every
  // other argument is turned away by its length and one byte, without a search for a NUL.
  const n = lowerWord.length;
  if (arg.length < n || (arg.length > n && arg.charCodeAt(n) !== 0)) return false;
  return (arg.length === n ? arg : arg.slice(0, n)).toLowerCase() === lowerWord;
}

/** A double argument; `error` replaces "value is not a valid float" where Redis names it. */
export function geoDoubleArg(arg: ByteString, error: string = ERR.notFloat): number {
  const value = parseScoreArg(arg);
  if (value === null) throw new ReplyError(error);
  return value;
}

/** A longitude, latitude pair inside the limits GEOADD accepts. */
export function longLatArgs(lonArg: ByteString, latArg: ByteString): [number, number] {
  const lon = geoDoubleArg(lonArg);
  const lat = geoDoubleArg(latArg);
  checkLongLat(lon, lat);
  return [lon, lat];
}

/** GEOADD's score for a longitude, latitude pair (longLatArgs, then the geohash, no pair array). */
export function longLatScore(lonArg: ByteString, latArg: ByteString): number {
  const lon = geoDoubleArg(lonArg);
  const lat = geoDoubleArg(latArg);
  checkLongLat(lon, lat);
  return geoScore(lon, lat);
}

function checkLongLat(lon: number, lat: number): void {
  if (!validLongLat(lon, lat)) throw new ReplyError(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
}

/** Metres per unit for m, km, ft, mi. */
export function unitArg(arg: ByteString): number {
  if (isCWord(arg, 'm')) return 1;
  if (isCWord(arg, 'km')) return 1000;
  if (isCWord(arg, 'ft')) return 0.3048;
  if (isCWord(arg, 'mi')) return 1609.34;
  throw new ReplyError(GEO_ERR.unit);
}

/** A radius and its unit: [radius, metres per unit]. */
export function radiusArgs(radiusArg: ByteString, unit: ByteString): [number, number] {
  const radius = geoDoubleArg(radiusArg, GEO_ERR.radiusNotNumber);
  if (radius < 0) throw new ReplyError(GEO_ERR.radiusNegative);
  return [radius, unitArg(unit)];
}

/** A box and its unit: [width, height, metres per unit]. */
export function boxArgs(widthArg: ByteString, heightArg: ByteString, unit: ByteString): [number, number, number] {
  const width = geoDoubleArg(widthArg, GEO_ERR.widthNotNumber);
  const height = geoDoubleArg(heightArg, GEO_ERR.heightNotNumber);
  if (height < 0 || width < 0) throw new ReplyError(GEO_ERR.boxNegative);
  return [width, height, unitArg(unit)];
}
