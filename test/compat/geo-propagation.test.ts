/*
 * What the GEO writes send to replicas, byte for byte as Redis 7.0 sends it (the runner is in
 * propagation-forms.ts). GEOADD replicates as the ZADD it turns into: "zadd" in lower case, the
 * option words as the client spelled them, each point as its integer geohash score, and nothing
 * at all when it changed nothing. The stores (GEORADIUS ... STORE, GEOSEARCHSTORE) replicate as
 * the command itself, when they wrote or deleted the destination; a store that found nothing
 * over a missing destination sends nothing.
 */
import t from 'tap';
import { redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import type { Arg } from '../../bench/harness/resp';
import { compareStreams, row, type Scenario } from './propagation-forms';

const SICILY: Arg[] = ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];

const geo: Scenario[] = [
  row('GEOADD', [], ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania']),
  row('GEOADD with options in mixed case', [SICILY], ['GEOADD', 'g', 'Ch', 'xX', '13.361389', '38.2', 'Palermo', '1', '1', 'nope']),
  row('GEOADD NX changing nothing', [SICILY], ['GEOADD', 'g', 'NX', '13.361389', '38.2', 'Palermo']),
  row('GEOADD of the same points', [SICILY], SICILY),
  row('GEOADD at the limits', [], ['GEOADD', 'g', '180', '85.05112878', 'a', '-180', '-85.05112878', 'b']),
  row('GEOADD refused', [], ['GEOADD', 'g', '1', '1', 'a', '181', '1', 'b']),
  row('GEORADIUS STORE', [SICILY], ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'dst']),
  row('GEORADIUS STOREDIST with COUNT', [SICILY], ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STOREDIST', 'dst', 'ASC', 'COUNT', '1']),
  row('GEORADIUSBYMEMBER STORE', [SICILY], ['GEORADIUSBYMEMBER', 'g', 'Palermo', '200', 'km', 'STORE', 'dst']),
  row('GEOSEARCHSTORE', [SICILY], ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST']),
  row('GEOSEARCHSTORE finding nothing over a key', [SICILY, ['SET', 'dst', 'x']], ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm']),
  row('GEOSEARCHSTORE finding nothing', [SICILY], ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm']),
  row('GEOSEARCHSTORE from a missing key over a key', [['SET', 'dst', 'x']], ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm']),
  row('GEORADIUS STORE from a missing key', [], ['GEORADIUS', 'nokey', '15', '37', '200', 'km', 'STORE', 'dst']),
  row('GEORADIUS without STORE', [SICILY], ['GEORADIUS', 'g', '15', '37', '200', 'km']),
  row('GEOSEARCHSTORE in MULTI', [SICILY], ['MULTI'], ['GEOADD', 'g', '1', '1', 'x'], ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'], ['EXEC']),
  row('GEOADD from a script', [], ['EVAL', "return redis.call('GEOADD', KEYS[1], 'CH', '1', '2', 'a', '3', '4', 'b')", '1', 'g']),
  row('GEOSEARCHSTORE from a script', [SICILY], ['EVAL', "return redis.call('GEOSEARCHSTORE', KEYS[1], KEYS[2], 'FROMMEMBER', 'Palermo', 'BYRADIUS', '300', 'km', 'STOREDIST')", '2', 'dst', 'g']),
];

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('geo: the replication stream is Redis 7.0\'s', (tt) => compareStreams(tt, geo));
}
