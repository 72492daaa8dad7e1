/**
 * The GEO searches: GEOSEARCH, GEOSEARCHSTORE, and the older GEORADIUS, GEORADIUSBYMEMBER and
 * their read-only _RO forms. One routine serves all six, as in Redis; they differ only in where
 * the centre and the shape come from and whether a result may be stored.
 *
 *   GEORADIUS         key lon lat radius unit [options] [STORE k | STOREDIST k]
 *   GEORADIUSBYMEMBER key member radius unit  [options] [STORE k | STOREDIST k]
 *   GEOSEARCH         key FROMMEMBER m | FROMLONLAT lon lat  BYRADIUS r unit | BYBOX w h unit [options]
 *   GEOSEARCHSTORE    dst src ...as GEOSEARCH... [STOREDIST]
 *   options           WITHDIST WITHHASH WITHCOORD ASC DESC COUNT n [ANY]
 *
 * How a search runs (storage/geo-search-cells.ts has the geometry):
 *   1. the source key is looked up first (WRONGTYPE before any argument error), then the
 *      arguments are read left to right, each failing with its own error as met;
 *   2. then the combination rules: STORE with WITH* options, a missing FROM* or BY* (named with
 *      the command as the client spelled it), ANY without COUNT;
 *   3. a missing source answers an empty array, or for a store deletes the destination and
 *      answers 0;
 *   4. the nine cells are read in order, each member's decoded point tested against the shape
 *      (storage/geo-shape-test.ts: a cheap pre-filter, then a fast distance with an error bound,
 *      made exact where the last bits could change the answer); with COUNT n ANY the reading
 *      stops once n were found;
 *   5. COUNT without ANY and without ASC/DESC sorts ascending. Sorting is stable (glibc's qsort
 *      is a merge sort) unless COUNT cuts the result short, when Redis sorts partially with its
 *      quicksort, whose order for equal distances partialQuicksort reproduces;
 *   6. the reply, or a new zset at the destination scored by geohash (STORE) or by distance in
 *      the search's unit (STOREDIST), with a "georadiusstore"/"geosearchstore" event.
 *
 * A store is replicated as the command itself (the replica repeats the search on the same data),
 * and counts one change per member stored, or one for deleting the destination.
 */
import type { ByteString } from '../../storage/bytes';
import { cellScoreRange, decodeScore, decodeScoreInto } from '../../storage/geohash';
import { type GeoShape, searchCells } from '../../storage/geo-search-cells';
import { compareDistances, type Measured, printableDistance, resolveDistance, ShapeTest } from '../../storage/geo-shape-test';
import { partialQuicksort } from '../../storage/partial-quicksort';
import { SortedSetValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { ReplyError } from '../dispatch/errors';
import { at, int64Arg, syntaxError } from './args';
import { boxArgs, GEO_ERR, isCWord, longLatArgs, radiusArgs } from './geo-args';
import { replyCoordinate } from './geo';
import { readZset, storeZset } from './zset-ops';

type SearchForm = 'georadius' | 'georadiusbymember' | 'geosearch' | 'geosearchstore';

interface SearchForms {
  readonly form: SearchForm;
  /** The _RO forms: STORE and STOREDIST are syntax errors. */
  readonly readOnly: boolean;
}

/**
 * A member found inside the shape. Its distance from the centre, in metres, may be the fast one
 * (tolerance > 0): storage/geo-shape-test.ts makes it exact wherever that could show.
 */
interface GeoPoint extends Measured {
  readonly member: ByteString;
  readonly score: number;
}

type Sort = 'none' | 'asc' | 'desc';

interface SearchOptions {
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  any: boolean;
  sort: Sort;
  /** 0: no limit. */
  count: number;
  store: ByteString | null;
  storeDist: boolean;
}

/** Where the centre and the shape are read from, as they are met. */
interface ShapeParts {
  lon: number;
  lat: number;
  fromMember: boolean;
  fromLonLat: boolean;
  radius: [number, number] | null;
  box: [number, number, number] | null;
}

function shapeOf(parts: ShapeParts): GeoShape {
  if (parts.box !== null) {
    const [width, height, metresPerUnit] = parts.box;
    return { kind: 'box', lon: parts.lon, lat: parts.lat, width, height, metresPerUnit };
  }
  const [radius, metresPerUnit] = parts.radius ?? [0, 1];
  return { kind: 'radius', lon: parts.lon, lat: parts.lat, radius, metresPerUnit };
}

function memberPosition(zset: SortedSetValue, member: ByteString): [number, number] {
  const score = zset.scores.get(member);
  if (score === undefined) throw new ReplyError(GEO_ERR.memberNotFound);
  return decodeScore(score);
}

function searchCommand({ form, readOnly }: SearchForms) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const isSearch = form === 'geosearch' || form === 'geosearchstore';
    const zset = readZset(ctx, at(argv, form === 'geosearchstore' ? 2 : 1));
    const parts: ShapeParts = { lon: 0, lat: 0, fromMember: false, fromLonLat: false, radius: null, box: null };
    const options: SearchOptions = { withDist: false, withHash: false, withCoord: false, any: false, sort: 'none', count: 0, store: null, storeDist: false };
    let first: number;
    if (form === 'georadius') {
      [parts.lon, parts.lat] = longLatArgs(at(argv, 2), at(argv, 3));
      parts.radius = radiusArgs(at(argv, 4), at(argv, 5));
      first = 6;
    } else if (form === 'georadiusbymember') {
      first = 5;
      // Without a source the arguments are still read, to know which empty reply to give.
      if (zset !== undefined) {
        [parts.lon, parts.lat] = memberPosition(zset, at(argv, 2));
        parts.radius = radiusArgs(at(argv, 3), at(argv, 4));
      }
    } else if (form === 'geosearch') {
      first = 2;
    } else {
      first = 3;
      options.store = at(argv, 1);
    }
    parseOptions(argv, first, isSearch, form === 'geosearchstore', readOnly, zset, parts, options);

    if (options.store !== null && (options.withDist || options.withHash || options.withCoord)) {
      const what = form === 'geosearchstore' ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
      throw new ReplyError(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    }
    const name = at(argv, 0);
    if (isSearch && !(parts.fromMember || parts.fromLonLat)) throw new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
    if (isSearch && parts.radius === null && parts.box === null) throw new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
    if (options.any && options.count === 0) throw new ReplyError(GEO_ERR.anyWithoutCount);

    if (zset === undefined) {
      // An empty result deletes the destination (a "del" event, no store event).
      if (options.store !== null) storeZset(ctx, options.store, new SortedSetValue(), 'unused');
      else ctx.reply.array(0);
      return;
    }
    if (options.count !== 0 && options.sort === 'none' && !options.any) options.sort = 'asc';
    const shape = shapeOf(parts);
    const test = new ShapeTest(shape);
    const found = pointsInShape(zset, test, options.any ? options.count : 0);
    const returned = options.count === 0 || found.length < options.count ? found.length : options.count;
    sortPoints(test, found, options.sort, returned);
    if (options.store === null) {
      replyPoints(ctx, test, found, returned, shape.metresPerUnit, options);
      return;
    }
    const result = new SortedSetValue();
    for (let i = 0; i < returned; i++) {
      const point = found[i] as GeoPoint;
      if (options.storeDist) resolveDistance(test, point);
      result.add(point.member, options.storeDist ? point.distanceMetres / shape.metresPerUnit : point.score);
    }
    storeZset(ctx, options.store, result, isSearch ? 'geosearchstore' : 'georadiusstore');
    // Redis counts one change per member stored (the store itself counted one).
    ctx.db.countChanges(result.size - 1);
  };
}

/** The options after the fixed arguments, left to right; FROMMEMBER, FROMLONLAT, BYRADIUS and BYBOX only for GEOSEARCH and GEOSEARCHSTORE. */
function parseOptions(
  argv: ByteString[],
  first: number,
  isSearch: boolean,
  isSearchStore: boolean,
  readOnly: boolean,
  zset: SortedSetValue | undefined,
  parts: ShapeParts,
  options: SearchOptions,
): void {
  for (let i = first; i < argv.length; i++) {
    const arg = argv[i] as ByteString;
    const left = argv.length - i - 1;
    if (isCWord(arg, 'withdist')) options.withDist = true;
    else if (isCWord(arg, 'withhash')) options.withHash = true;
    else if (isCWord(arg, 'withcoord')) options.withCoord = true;
    else if (isCWord(arg, 'any')) options.any = true;
    else if (isCWord(arg, 'asc')) options.sort = 'asc';
    else if (isCWord(arg, 'desc')) options.sort = 'desc';
    else if (isCWord(arg, 'count') && left >= 1) {
      const count = int64Arg(at(argv, ++i));
      if (count <= 0n) throw new ReplyError(GEO_ERR.countNotPositive);
      // More than any set can hold means "no cut": kept as a finite number.
      options.count = count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
    } else if ((isCWord(arg, 'store') || isCWord(arg, 'storedist')) && left >= 1 && !readOnly && !isSearch) {
      options.store = at(argv, ++i);
      options.storeDist = isCWord(arg, 'storedist');
    } else if (isCWord(arg, 'storedist') && isSearchStore) {
      options.storeDist = true;
    } else if (isCWord(arg, 'frommember') && left >= 1 && isSearch && !parts.fromLonLat) {
      const member = at(argv, ++i);
      if (zset !== undefined) [parts.lon, parts.lat] = memberPosition(zset, member);
      parts.fromMember = true;
    } else if (isCWord(arg, 'fromlonlat') && left >= 2 && isSearch && !parts.fromMember) {
      [parts.lon, parts.lat] = longLatArgs(at(argv, i + 1), at(argv, i + 2));
      parts.fromLonLat = true;
      i += 2;
    } else if (isCWord(arg, 'byradius') && left >= 2 && isSearch && parts.box === null) {
      parts.radius = radiusArgs(at(argv, i + 1), at(argv, i + 2));
      i += 2;
    } else if (isCWord(arg, 'bybox') && left >= 3 && isSearch && parts.radius === null) {
      parts.box = boxArgs(at(argv, i + 1), at(argv, i + 2), at(argv, i + 3));
      i += 3;
    } else {
      syntaxError();
    }
  }
}

/** Reads the search cells in order; with a limit (COUNT ... ANY), stops once it is reached. */
function pointsInShape(zset: SortedSetValue, test: ShapeTest, limit: number): GeoPoint[] {
  const found: GeoPoint[] = [];
  const position = new Float64Array(2);
  const visit = (member: ByteString, score: number): boolean => {
    decodeScoreInto(score, position);
    const lon = position[0] as number;
    const lat = position[1] as number;
    if (!test.test(lon, lat)) return true;
    found.push({ member, score, lon, lat, distanceMetres: test.distance, tolerance: test.tolerance });
    return limit === 0 || found.length < limit;
  };
  for (const cell of searchCells(test.shape)) {
    if (limit !== 0 && found.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    const start = zset.order.countBefore((score) => score < min);
    const end = zset.order.countBefore((score) => score < max);
    if (end > start) zset.order.visitRange(start, end - 1, visit);
  }
  return found;
}

function sortPoints(test: ShapeTest, points: GeoPoint[], sort: Sort, returned: number): void {
  if (sort === 'none') return;
  const ascending = (a: GeoPoint, b: GeoPoint): number => compareDistances(test, a, b);
  const compare = sort === 'asc' ? ascending : (a: GeoPoint, b: GeoPoint): number => ascending(b, a);
  if (returned === points.length) points.sort(compare);
  else partialQuicksort(points, compare, 0, returned - 1);
}

/** (long long) of a score, as x86-64 truncates: out of range gives INT64_MIN. */
function scoreAsInteger(score: number): bigint {
  if (!(score >= -(2 ** 63) && score < 2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(score));
}

function replyPoints(ctx: CommandContext, test: ShapeTest, points: GeoPoint[], returned: number, metresPerUnit: number, options: SearchOptions): void {
  const out = ctx.reply;
  const extras = (options.withDist ? 1 : 0) + (options.withHash ? 1 : 0) + (options.withCoord ? 1 : 0);
  out.array(returned);
  for (let i = 0; i < returned; i++) {
    const point = points[i] as GeoPoint;
    if (extras > 0) out.array(extras + 1);
    out.bulk(point.member);
    if (options.withDist) out.bulk(printableDistance(test, point, metresPerUnit));
    if (options.withHash) out.integer(scoreAsInteger(point.score));
    if (options.withCoord) {
      out.array(2);
      replyCoordinate(ctx, point.lon);
      replyCoordinate(ctx, point.lat);
    }
  }
}

export const geoSearchCommands: CommandImpl[] = [
  cmd('georadius', searchCommand({ form: 'georadius', readOnly: false })),
  cmd('georadius_ro', searchCommand({ form: 'georadius', readOnly: true })),
  cmd('georadiusbymember', searchCommand({ form: 'georadiusbymember', readOnly: false })),
  cmd('georadiusbymember_ro', searchCommand({ form: 'georadiusbymember', readOnly: true })),
  cmd('geosearch', searchCommand({ form: 'geosearch', readOnly: false })),
  cmd('geosearchstore', searchCommand({ form: 'geosearchstore', readOnly: false })),
];
