/*
 * Differential tests for the GEO commands: every reply compared byte for byte with a real
 * redis-server, in RESP2 and RESP3 (coordinates are bulk strings in one and doubles in the other;
 * distances are bulk strings in both). A geo set is a sorted set, so the scores GEOADD stores
 * are checked with ZRANGE ... WITHSCORES, and the decoded positions with GEOPOS.
 *
 * The cases aim at the places where a rounding or an off-by-one shows: the limits (±180,
 * ±85.05112878, just outside them), members on the boundary lines of the grid cells a search
 * reads, radii of 0 and of the whole earth, scores that GEOADD never makes (set by ZADD), the
 * order of unsorted replies, COUNT with and without ANY, and every error in Redis's order.
 * Random points and searches are in geo-random.test.ts.
 */

import t from 'tap';
import { dualRun, error } from './harness';
import { inBothProtocols } from './random-picks';
import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t);

const SICILY: Arg[] = ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '13.583333', '37.316667', 'Agrigento'];

// Redis compares option words with strcasecmp, which stops at a NUL byte: "nx\0junk" is NX.
dual.case('option words end at a NUL byte', [
  ['GEOADD', 'nul', 'NX\0junk', '13.361389', '38.115556', 'Palermo'],
  ['GEOADD', 'nul', 'xx\0', 'CH\0x', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
  ['ZRANGE', 'nul', '0', '-1', 'WITHSCORES'],
  error('GEOADD', 'nul', 'n\0x', '13.361389', '38.115556', 'Palermo'),
  error('GEOADD', 'nul', 'nxx', '13.361389', '38.115556', 'Palermo'),
  error('GEOADD', 'nul', '\0nx', '13.361389', '38.115556', 'Palermo'),
  ['GEODIST', 'nul', 'Palermo', 'Catania', 'KM\0miles'],
  error('GEODIST', 'nul', 'Palermo', 'Catania', 'k\0m'),
  ['GEOSEARCH', 'nul', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '300', 'km\0', 'ASC\0z', 'WITHDIST\0'],
]);

inBothProtocols(dual, 'GEOADD, GEOPOS, GEOHASH, GEODIST', [
  SICILY,
  ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
  ['TYPE', 'Sicily'],
  ['OBJECT', 'ENCODING', 'Sicily'],
  ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nope', 'Agrigento'],
  ['GEOPOS', 'Sicily'],
  ['GEOPOS', 'missing', 'a', 'b'],
  ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope'],
  ['GEOHASH', 'Sicily'],
  ['GEOHASH', 'missing', 'a'],
  ['GEODIST', 'Sicily', 'Palermo', 'Catania'],
  ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'],
  ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'],
  ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'],
  ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'M'],
  ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
  ['GEODIST', 'Sicily', 'Palermo', 'nope'],
  ['GEODIST', 'Sicily', 'nope', 'Palermo'],
  ['GEODIST', 'missing', 'a', 'b'],
  ['GEODIST', 'missing', 'a', 'b', 'km'],
  error('GEODIST', 'missing', 'a', 'b', 'yd'),
  error('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'extra'),
  error('GEODIST', 'Sicily', 'Palermo', 'Catania', 'kilometers'),
]);

// Redis 7.0 prints distances as llrint(d * 10^4), not as "%.4f": where the product is a tie
// (or rounds to one), the last digit differs from printf's.
inBothProtocols(dual, 'distances rounded as Redis rounds them, not as printf does', [
  ['GEOADD', 'tie', '11.069999635219574', '84.49000868543308', 'm'],
  ['GEOSEARCH', 'tie', 'FROMLONLAT', '-77.386616', '40.981099', 'BYRADIUS', '16154525', 'm', 'WITHDIST'],
  ['GEORADIUS', 'tie', '-77.386616', '40.981099', '16154525', 'm', 'WITHDIST'],
  ['GEOADD', 'pair', '10', '-60.0666', 'a', '10', '10.6396', 'b'],
  ['GEODIST', 'pair', 'a', 'b'],
  ['GEODIST', 'pair', 'a', 'b', 'km'],
  ['GEODIST', 'pair', 'a', 'a'],
]);

inBothProtocols(dual, 'GEOADD options NX XX CH and what it answers', [
  ['GEOADD', 'g', 'CH', '1', '2', 'a', '3', '4', 'b'],
  ['GEOADD', 'g', 'NX', '10', '20', 'a', '5', '6', 'c'],
  ['GEOPOS', 'g', 'a', 'c'],
  ['GEOADD', 'g', 'XX', '10', '20', 'a', '7', '8', 'd'],
  ['GEOPOS', 'g', 'a', 'd'],
  ['GEOADD', 'g', 'XX', 'CH', '11', '21', 'a', '7', '8', 'd'],
  ['GEOADD', 'g', 'ch', 'xx', '11', '21', 'a'],
  ['GEOADD', 'g', 'CH', 'CH', 'NX', '1', '1', 'e'],
  ['GEOADD', 'g', '1', '2', 'a'],
  ['GEOADD', 'g', 'CH', '1', '2', 'a'],
  ['GEOADD', 'nx-missing', 'XX', '1', '2', 'a'],
  ['EXISTS', 'nx-missing'],
  ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
  error('GEOADD', 'g', 'NX', 'XX', '1', '2', 'a'),
  error('GEOADD', 'g', 'GT', '1', '2', 'a'),
  error('GEOADD', 'g', 'CH', 'CH', 'CH'),
  error('GEOADD', 'g', 'NX', 'CH', 'XX'),
  error('GEOADD', 'g', '1', '2', 'a', '3'),
  error('GEOADD', 'g', '1', '2', 'a', '3', '4'),
  error('GEOADD', 'g', 'GT', '1', '2'),
  error('GEOADD', 'g', 'INCR', '1', '2'),
  error('GEOADD', 'g'),
  error('GEOADD', 'g', '1', '2'),
]);

inBothProtocols(dual, 'coordinates at and beyond the limits', [
  ['GEOADD', 'edge', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '180', '-85.05112878', 'se', '-180', '85.05112878', 'nw'],
  ['GEOADD', 'edge', '0', '0', 'origin', '-0', '-0', 'negzero', '179.99999999', '85.05112877', 'almost', '1e-300', '-1e-300', 'tiny'],
  ['GEOADD', 'edge', '0x1p-3', '.5', 'hex'],
  ['ZRANGE', 'edge', '0', '-1', 'WITHSCORES'],
  ['GEOPOS', 'edge', 'ne', 'sw', 'se', 'nw', 'origin', 'negzero', 'almost', 'tiny', 'hex'],
  ['GEOHASH', 'edge', 'ne', 'sw', 'se', 'nw', 'origin', 'negzero', 'almost', 'tiny', 'hex'],
  ['GEODIST', 'edge', 'ne', 'sw'],
  ['GEODIST', 'edge', 'ne', 'nw', 'km'],
  ['GEODIST', 'edge', 'sw', 'se', 'km'],
  ['GEODIST', 'edge', 'origin', 'negzero'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '180', '85.05112878', 'BYRADIUS', '1000', 'km', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '-180', '-85.05112878', 'BYRADIUS', '1000', 'km', 'WITHCOORD', 'WITHDIST'],
  ['GEOSEARCH', 'edge', 'FROMMEMBER', 'ne', 'BYBOX', '100', '100', 'km', 'WITHCOORD'],
  ['GEOSEARCH', 'edge', 'FROMMEMBER', 'nw', 'BYRADIUS', '5000', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '180', '0', 'BYRADIUS', '1', 'km'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '0', '0', 'BYRADIUS', '0', 'm', 'WITHDIST'],
  ['GEOSEARCH', 'edge', 'FROMLONLAT', '0', '0', 'BYBOX', '0', '0', 'm', 'WITHDIST'],
  ['GEORADIUS', 'edge', '0', '0', '20000', 'km', 'WITHDIST'],
  ['GEORADIUS', 'edge', '0', '0', '100000', 'km', 'WITHDIST', 'ASC'],
  ['GEORADIUS', 'edge', '0', '0', '1e300', 'km'],
  error('GEOADD', 'edge', '180.0000001', '0', 'x'),
  error('GEOADD', 'edge', '-180.0000001', '0', 'x'),
  error('GEOADD', 'edge', '0', '85.05112879', 'x'),
  error('GEOADD', 'edge', '0', '-85.05112879', 'x'),
  error('GEOADD', 'edge', '0', '90', 'x'),
  error('GEOADD', 'edge', '1e300', '-1e300', 'x'),
  error('GEOADD', 'edge', 'inf', '0', 'x'),
  error('GEOADD', 'edge', '0', '-inf', 'x'),
  error('GEOADD', 'edge', 'nan', '0', 'x'),
  error('GEOADD', 'edge', '1', 'x', 'x'),
  error('GEOADD', 'edge', '', '1', 'x'),
  error('GEOADD', 'edge', ' 1', '1', 'x'),
  error('GEOADD', 'edge', '1', '1', 'ok', '200', '1', 'bad'),
  ['EXISTS', 'edge'],
  ['ZCARD', 'edge'],
  error('GEOSEARCH', 'edge', 'FROMLONLAT', '181', '0', 'BYRADIUS', '1', 'km'),
  error('GEORADIUS', 'edge', '0', '86', '1', 'km'),
]);

inBothProtocols(dual, 'scores GEOADD never makes: ZADD members read as points', [
  ['ZADD', 'z', '-1', 'neg', '1e30', 'big', '1.5', 'half', '4503599627370496', 'p52', '9007199254740993', 'p53', '+inf', 'inf', '-inf', 'ninf', '0', 'zero'],
  ['ZADD', 'z', '13510798882111488', 'top', '18014398509481984', 'p54', '9223372036854775807', 'p63', '-9223372036854775808', 'm63', '1e19', 'e19'],
  ['GEOPOS', 'z', 'neg', 'big', 'half', 'p52', 'p53', 'inf', 'ninf', 'zero', 'top', 'p54', 'p63', 'm63', 'e19'],
  ['GEOHASH', 'z', 'neg', 'big', 'half', 'p52', 'p53', 'inf', 'ninf', 'zero', 'top', 'p54', 'p63', 'm63', 'e19'],
  ['GEODIST', 'z', 'neg', 'zero', 'km'],
  ['GEOSEARCH', 'z', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'WITHHASH', 'WITHCOORD', 'ASC'],
  ['GEOSEARCH', 'z', 'FROMMEMBER', 'neg', 'BYRADIUS', '1', 'km', 'WITHHASH'],
  ['GEOSEARCH', 'z', 'FROMMEMBER', 'ninf', 'BYBOX', '1', '1', 'km', 'WITHHASH'],
]);

/** Points on both sides of the boundary lines of the coarse cells around (0, 0) and (10, 10). */
const GRID: Arg[] = [
  'GEOADD', 'grid',
  '0', '0', 'o', '0.0000001', '0.0000001', 'o+', '-0.0000001', '-0.0000001', 'o-',
  '0', '1', 'n1', '0', '-1', 's1', '1', '0', 'e1', '-1', '0', 'w1',
  '0.9', '0.9', 'ne', '-0.9', '-0.9', 'sw', '0.9', '-0.9', 'se', '-0.9', '0.9', 'nw',
  '10', '10', 'c10', '11.25', '10', 'edge-east', '11.2499999', '10', 'edge-east-', '8.4375', '10', 'edge-west',
  '10', '11.25', 'lat-edge', '10', '8.4375', 'lat-edge-s', '2.8125', '2.8125', 'cell', '5.625', '5.625', 'cell2',
];

inBothProtocols(dual, 'searches over cell edges, every option', [
  GRID,
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '120', 'km'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '120', 'km', 'ASC'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '120', 'km', 'DESC', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '111.2', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '111.1951', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYBOX', '222.4', '222.4', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYBOX', '222.39', '222.39', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYBOX', '300', '10', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYBOX', '10', '300', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '2000', 'km', 'COUNT', '3'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '2000', 'km', 'COUNT', '3', 'DESC', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '2000', 'km', 'COUNT', '3', 'ANY'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '2000', 'km', 'COUNT', '3', 'ANY', 'ASC'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '2000', 'km', 'ANY', 'COUNT', '100'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '2000', 'km', 'COUNT', '9223372036854775807'],
  ['GEOSEARCH', 'grid', 'FROMMEMBER', 'c10', 'BYRADIUS', '140', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
  ['GEOSEARCH', 'grid', 'FROMMEMBER', 'c10', 'BYBOX', '250', '250', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'DESC'],
  ['GEOSEARCH', 'grid', 'FROMMEMBER', 'c10', 'BYBOX', '250', '250', 'km', 'withcoord', 'withdist', 'withhash', 'desc'],
  ['GEOSEARCH', 'grid', 'FROMMEMBER', 'cell', 'BYRADIUS', '500', 'km', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMMEMBER', 'cell', 'BYRADIUS', '200', 'mi', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'FROMMEMBER', 'cell', 'BYRADIUS', '1000000', 'ft', 'WITHDIST'],
  ['GEOSEARCH', 'grid', 'BYRADIUS', '1000', 'km', 'FROMMEMBER', 'o', 'WITHDIST', 'ASC', 'ASC', 'DESC'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '100', '50', 'BYRADIUS', '1', 'km'],
  ['GEOSEARCH', 'missing', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
  ['GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
  ['GEORADIUS', 'grid', '0', '0', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'COUNT', '4', 'DESC'],
  ['GEORADIUS_RO', 'grid', '0', '0', '200', 'km', 'WITHDIST'],
  ['GEORADIUSBYMEMBER', 'grid', 'o', '200', 'km', 'WITHDIST', 'COUNT', '2', 'ANY'],
  ['GEORADIUSBYMEMBER_RO', 'grid', 'c10', '200', 'km'],
  ['GEORADIUSBYMEMBER', 'missing', 'x', '200', 'km'],
  ['GEORADIUSBYMEMBER', 'missing', 'x', 'nonsense', 'yd'],
  ['GEORADIUS', 'missing', '0', '0', '1', 'km'],
]);

inBothProtocols(dual, 'equal distances: stable full sorts, Redis quicksort when COUNT cuts', [
  ['GEOADD', 'same', ...Array.from({ length: 40 }, (_, i) => ['13.361389', '38.115556', `m${String(i).padStart(2, '0')}`]).flat()],
  ['GEOADD', 'same', ...Array.from({ length: 20 }, (_, i) => ['13.5', '38', `n${i}`]).flat()],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'ASC'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'DESC'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'COUNT', '7'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'COUNT', '45', 'DESC'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'COUNT', '25', 'ASC'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'COUNT', '59'],
  ['GEOSEARCH', 'same', 'FROMLONLAT', '13.4', '38', 'BYRADIUS', '100', 'km', 'COUNT', '5', 'ANY', 'DESC'],
]);

inBothProtocols(dual, 'GEOSEARCHSTORE and GEORADIUS STORE / STOREDIST', [
  GRID,
  ['GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km'],
  ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
  ['GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km', 'STOREDIST'],
  ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
  ['GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'mi', 'STOREDIST', 'COUNT', '3', 'DESC'],
  ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
  ['GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '0', '0', 'BYBOX', '300', '300', 'km', 'STOREDIST', 'STOREDIST'],
  ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
  ['GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km'],
  ['EXISTS', 'dst'],
  ['GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km'],
  ['SET', 'dst', 'string'],
  ['GEOSEARCHSTORE', 'dst', 'missing', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km'],
  ['EXISTS', 'dst'],
  ['GEORADIUS', 'grid', '0', '0', '200', 'km', 'STORE', 'r1'],
  ['ZRANGE', 'r1', '0', '-1', 'WITHSCORES'],
  ['GEORADIUS', 'grid', '0', '0', '200', 'km', 'STOREDIST', 'r2', 'COUNT', '2'],
  ['ZRANGE', 'r2', '0', '-1', 'WITHSCORES'],
  ['GEORADIUS', 'grid', '0', '0', '200', 'km', 'STORE', 'r3', 'STOREDIST', 'r4'],
  ['EXISTS', 'r3', 'r4'],
  ['ZRANGE', 'r4', '0', '-1', 'WITHSCORES'],
  ['GEORADIUS', 'grid', '0', '0', '200', 'km', 'STOREDIST', 'r5', 'STORE', 'r5'],
  ['ZRANGE', 'r5', '0', '-1', 'WITHSCORES'],
  ['GEORADIUSBYMEMBER', 'grid', 'c10', '200', 'km', 'STORE', 'r6', 'ASC', 'COUNT', '2'],
  ['ZRANGE', 'r6', '0', '-1', 'WITHSCORES'],
  ['GEORADIUSBYMEMBER', 'grid', 'c10', '200', 'km', 'STORE', 'grid'],
  ['ZRANGE', 'grid', '0', '-1', 'WITHSCORES'],
  ['GEORADIUS', 'missing', '0', '0', '200', 'km', 'STORE', 'r6'],
  ['EXISTS', 'r6'],
  ['GEORADIUS', 'missing', '0', '0', '200', 'km', 'STORE', 'r6'],
  ['GEOADD', 'long', '1', '1', 'L'.repeat(65), '1', '1.0001', 'short'],
  ['GEOSEARCHSTORE', 'dlong', 'long', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'],
  ['OBJECT', 'ENCODING', 'dlong'],
  ['GEOSEARCHSTORE', 'dshort', 'long', 'FROMLONLAT', '1', '1.0001', 'BYRADIUS', '1', 'm'],
  ['OBJECT', 'ENCODING', 'dshort'],
  error('GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km', 'WITHDIST'),
  error('GEOSEARCHSTORE', 'dst', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km', 'STORE', 'x'),
  error('GEORADIUS', 'grid', '0', '0', '200', 'km', 'STORE', 'r1', 'WITHCOORD'),
  error('GEORADIUS', 'grid', '0', '0', '200', 'km', 'WITHHASH', 'STOREDIST', 'r1'),
  error('GEORADIUS_RO', 'grid', '0', '0', '200', 'km', 'STORE', 'r1'),
  error('GEORADIUSBYMEMBER_RO', 'grid', 'o', '200', 'km', 'STOREDIST', 'r1'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km', 'STOREDIST'),
  error('GEORADIUS', 'grid', '0', '0', '200', 'km', 'STORE'),
  error('GEORADIUS', 'missing', '0', '0', '200', 'km', 'STORE', 'r1', 'WITHDIST'),
]);

inBothProtocols(dual, 'search errors in Redis order', [
  GRID,
  ['SET', 'str', 'x'],
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0'),
  error('GEOSEARCH', 'grid', 'BYRADIUS', '1', 'km', 'WITHDIST'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'WITHDIST'),
  error('geosearch', 'grid', 'FROMLONLAT', '0', '0', 'WITHDIST'),
  error('GeoSearch', 'grid', 'BYBOX', '1', '1', 'km', 'WITHDIST'),
  error('GEOSEARCHSTORE', 'd', 'grid', 'BYBOX', '1', '1', 'km', 'WITHDIST'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'FROMMEMBER', 'o', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYRADIUS', '-1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYRADIUS', 'x', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYRADIUS', '1', 'yd'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYRADIUS', 'nan', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', 'x', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', '1', 'x', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', '-1', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', '1', '-1', 'yd'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', '1', '1', 'yd'),
  error('GEOSEARCH', 'grid', 'FROMMEMBER', 'o', 'BYBOX', '1', '1'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', 'x', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT', '0'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT', '-3'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT', 'x'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY', 'COUNT', '0'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'BOGUS'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'WITHDIST', 'BOGUS'),
  error('GEOSEARCH', 'grid', 'FROMLONLAT', '999', '0', 'BYRADIUS', '1', 'km', 'BOGUS'),
  error('GEOSEARCH', 'missing', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY'),
  error('GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'yd'),
  error('GEOSEARCH', 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCH', 'str', 'FROMLONLAT', '999', '0', 'BYRADIUS', '1', 'km'),
  error('GEOSEARCHSTORE', 'd', 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'),
  ['GEOSEARCHSTORE', 'str', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
  ['TYPE', 'str'],
  ['SET', 'str', 'x'],
  error('GEORADIUS', 'grid', '0', '0', '-1', 'km'),
  error('GEORADIUS', 'grid', '0', '0', 'x', 'km'),
  error('GEORADIUS', 'grid', '0', '0', '1', 'yards'),
  error('GEORADIUS', 'grid', 'x', '0', '1', 'km'),
  error('GEORADIUS', 'grid', '0', '0', '1', 'km', 'FROMLONLAT', '0', '0'),
  error('GEORADIUS', 'grid', '0', '0', '1', 'km', 'BYRADIUS', '1', 'km'),
  error('GEORADIUS', 'str', '0', '0', '1', 'km'),
  error('GEORADIUS', 'grid', '0', '0', '1', 'km', 'COUNT', '0'),
  error('GEORADIUS', 'grid', '0', '0', '1', 'km', 'ANY'),
  error('GEORADIUSBYMEMBER', 'grid', 'nope', '1', 'km'),
  error('GEORADIUSBYMEMBER', 'grid', 'o', '-1', 'km'),
  error('GEORADIUSBYMEMBER', 'grid', 'o', '1', 'yd'),
  error('GEORADIUSBYMEMBER', 'str', 'o', '1', 'km'),
  error('GEORADIUSBYMEMBER', 'missing', 'o', '1', 'km', 'BOGUS'),
  error('GEORADIUSBYMEMBER', 'missing', 'o', '1', 'km', 'ANY'),
  error('GEOPOS', 'str', 'a'),
  error('GEOHASH', 'str', 'a'),
  error('GEODIST', 'str', 'a', 'b'),
  error('GEOADD', 'str', '1', '1', 'a'),
  error('GEOADD', 'str', '1', '100', 'a'),
  error('GEOSEARCH', 'grid'),
  error('GEORADIUS', 'grid', '0', '0', '1'),
  error('GEORADIUSBYMEMBER', 'grid', 'o', '1'),
  error('GEOSEARCHSTORE', 'd', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS'),
  error('GEOPOS'),
]);

inBothProtocols(dual, 'option words are read as C strings (up to a NUL byte)', [
  GRID,
  ['GEODIST', 'grid', 'o', 'c10', 'km\0junk'],
  ['GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km', 'withdist\0x', 'ASC\0'],
  ['GEOADD', 'grid', 'nx\0yes', '3', '3', 'nul'],
  ['GEOPOS', 'grid', 'nul'],
]);

dual.case('COMMAND GETKEYS for the searches', [
  ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '1', 'km', 'STORE', 'a', 'STOREDIST', 'b'],
  ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '1', 'km', 'STORE', 'a', 'STORE', 'b'],
  ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '1', 'km', 'COUNT', 'STORE'],
  ['COMMAND', 'GETKEYSANDFLAGS', 'GEORADIUSBYMEMBER', 'k', 'm', '1', 'km', 'STOREDIST', 'a', 'STORE', 'c'],
  ['COMMAND', 'GETKEYSANDFLAGS', 'GEOSEARCHSTORE', 'd', 's', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
  ['COMMAND', 'GETKEYS', 'GEOADD', 'k', '1', '1', 'm'],
  ['COMMAND', 'GETKEYS', 'GEOSEARCH', 'k', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
  ['COMMAND', 'INFO', 'GEOADD', 'GEORADIUS', 'GEORADIUS_RO', 'GEOSEARCHSTORE', 'GEOPOS', 'GEOHASH', 'GEODIST'],
]);

dual.case('keyspace events of the GEO writes', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, async () => {
    await pair.do(...GRID);
    await pair.do('GEOADD', 'grid', 'XX', '1', '1', 'o');
    await pair.do('GEOADD', 'grid', 'NX', '1', '1', 'o');
    await pair.do('GEOSEARCHSTORE', 'd', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km');
    await pair.do('GEOSEARCHSTORE', 'd', 'grid', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km');
    await pair.do('GEOSEARCHSTORE', 'd', 'grid', 'FROMLONLAT', '50', '50', 'BYRADIUS', '1', 'km');
    await pair.do('GEORADIUS', 'grid', '0', '0', '200', 'km', 'STOREDIST', 'r');
    await pair.do('GEORADIUS', 'missing', '0', '0', '200', 'km', 'STORE', 'r');
    await pair.do('GEOSEARCH', 'grid', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km');
    tt.pass('events compared');
  }),
);

dual.case('INFO commandstats and keyspace hits count a GEOADD as GEOADD', async (pair) => {
  await pair.do('CONFIG', 'RESETSTAT');
  await pair.do(...GRID);
  await pair.do('GEOPOS', 'grid', 'o');
  await pair.do('GEOPOS', 'missing', 'o');
  await pair.do('GEOSEARCH', 'missing', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km');
  const stats = async (side: 'redis' | 'target'): Promise<string> => {
    const commands = (await pair.client(side).call('INFO', 'commandstats')).toString('latin1');
    const calls = commands
      .split('\r\n')
      .filter((l) => l.startsWith('cmdstat_') && !l.startsWith('cmdstat_info') && !l.startsWith('cmdstat_config'))
      .map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, ''));
    const server = (await pair.client(side).call('INFO', 'stats')).toString('latin1');
    const hits = server.split('\r\n').filter((l) => l.startsWith('keyspace_'));
    return [...calls.sort(), ...hits].join('\n');
  };
  const redis = await stats('redis');
  const target = await stats('target');
  pair.same(target, redis, 'commandstats and keyspace hits');
});

dual.case('changes counted as Redis counts them (rdb_changes_since_last_save)', async (pair) => {
  const changes = async (): Promise<void> => {
    const [r, h] = await pair.both(async (c) => {
      const info = (await c.call('INFO', 'persistence')).toString('latin1');
      return /rdb_changes_since_last_save:(\d+)/.exec(info)?.[1] ?? '?';
    });
    pair.same(h, r, 'rdb_changes_since_last_save');
  };
  await pair.do('SAVE');
  await pair.do(...SICILY);
  await changes();
  await pair.do('GEOADD', 'Sicily', 'CH', '13.361389', '38.2', 'Palermo', '1', '1', 'x', '2', '2', 'y', '1', '1', 'x');
  await changes();
  await pair.do('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '300', 'km');
  await changes();
  await pair.do('GEORADIUS', 'Sicily', '15', '37', '300', 'km', 'STOREDIST', 'd2', 'COUNT', '1');
  await changes();
  await pair.do('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm');
  await pair.do('GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm');
  await pair.do('GEORADIUS', 'missing', '15', '37', '300', 'km', 'STORE', 'd2');
  await changes();
  await pair.do('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  await pair.do('ZADD', 'z', 'INCR', '5', 'a');
  await changes();
});
