/*
 * The GEO commands in cluster mode: their keys come from the captured key specs (GEORADIUS's
 * STORE and STOREDIST are keyword specs searched from the sixth argument), so a destination in
 * another slot answers CROSSSLOT before anything runs, and keys sharing a hash tag run normally.
 * Each server is a one-node cluster owning every slot.
 */

import t from 'tap';
import { dualRun, error } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterOk } from '../helpers/cluster-ok';

const dual = dualRun(t, { serverArgs: ['--cluster-enabled', 'yes'] });

dual.case('CROSSSLOT for a store to another slot; one slot runs', async (pair) => {
  await pair.do('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await pair.both((c) => clusterOk(c));
  await pair.do('GEOADD', '{t}g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
  for (const argv of [
    ['GEORADIUS', '{t}g', '15', '37', '200', 'km', 'STORE', 'dst'],
    ['GEORADIUS', '{t}g', '15', '37', '200', 'km', 'STOREDIST', 'dst'],
    ['GEORADIUS', '{t}g', '15', '37', '200', 'km', 'STORE', '{t}d', 'STOREDIST', 'dst'],
    ['GEORADIUSBYMEMBER', '{t}g', 'Palermo', '200', 'km', 'STORE', 'dst'],
    ['GEOSEARCHSTORE', 'dst', '{t}g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ['GEOSEARCHSTORE', 'dst', 'missing', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
  ]) {
    await pair.step(error(...argv));
  }
  await pair.do('GEORADIUS', '{t}g', '15', '37', '200', 'km', 'STORE', '{t}d');
  await pair.do('GEORADIUS', '{t}g', '15', '37', '200', 'km', 'COUNT', 'STORE');
  await pair.do('GEORADIUS_RO', '{t}g', '15', '37', '200', 'km', 'WITHDIST');
  await pair.do('GEOSEARCHSTORE', '{t}d2', '{t}g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST');
  await pair.do('ZRANGE', '{t}d2', '0', '-1', 'WITHSCORES');
  await pair.do('GEOPOS', '{t}d', 'Palermo', 'Catania');
});
