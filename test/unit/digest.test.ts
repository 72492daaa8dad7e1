/*
 * storage/digest.ts without a server: fingerprints pinned to what redis-server 7.0.15 printed for
 * the same data (captured with redis-cli DEBUG DIGEST / DIGEST-VALUE). The differential test
 * test/compat/debug-digest.test.ts covers the encodings and the command; these vectors keep the
 * algorithm honest when no redis-server is installed.
 */
import t from 'tap';
import { datasetDigest, digestHex, valueDigest } from '../../storage/digest';
import { Keyspace } from '../../storage/keyspace';
import { SeededRandom } from '../../storage/random';
import { HashValue, ListValue, SetValue, SortedSetValue } from '../../storage/values';
import Denque from 'denque';

const NOW_MS = 1_000_000;

t.test('an empty dataset is 40 zeros, a missing key too', async (t) => {
  const keyspace = new Keyspace(16, new SeededRandom(1));
  t.equal(digestHex(datasetDigest(keyspace.dbs)), '0'.repeat(40));
  t.equal(digestHex(valueDigest(undefined, false)), '0'.repeat(40));
});

t.test('values of each type, as redis-server digests them', async (t) => {
  t.equal(digestHex(valueDigest('1', false)), 'b4fc66738120fba0b5aa500ab5c2bf89cea1c5da', 'SET a 1');
  t.equal(digestHex(valueDigest('1', true)), '5279988c5d1911f474bcbbf2f0a87012d40f8459', 'SET a 1 with a TTL');
  t.equal(digestHex(valueDigest(new ListValue(new Denque(['x', 'y'])), false)), 'a3b14a34cfbd69f970cd30aff36fd797e07b4dbc', 'RPUSH l x y');
  t.equal(digestHex(valueDigest(new SetValue(new Set(['1', 'b'])), false)), '6e04cf8ce07c18af9dd57a02f6f31423d7774ed5', 'SADD s 1 b');
  t.equal(digestHex(valueDigest(new HashValue(new Map([['f', 'v']])), false)), '90c76e9e9f4c62d642a34fc97c7dad503b51f906', 'HSET h f v');
  const zset = new SortedSetValue(new Map([['m', 1.5], ['n', -Infinity], ['o', 0.1]]));
  t.equal(digestHex(valueDigest(zset, false)), '8a98af3f55155942d306f3ebd61d2201171ae229', 'ZADD z 1.5 m -inf n 0.1 o');
});

t.test('datasets: key names, the DB index and the expire mark enter', async (t) => {
  const keyspace = new Keyspace(16, new SeededRandom(1));
  const db0 = keyspace.db(0);
  db0.set('a', '1', NOW_MS);
  t.equal(digestHex(datasetDigest(keyspace.dbs)), '943d800368fb9c0e951138f1bc0e313ac769d91f', 'SET a 1');
  db0.setExpireAt('a', NOW_MS + 10_000);
  t.equal(digestHex(datasetDigest(keyspace.dbs)), '0c68bbcf4ad5c984f8ca839729889d52ec025271', 'with a TTL');
  db0.setExpireAt('a', NOW_MS + 20_000);
  t.equal(digestHex(datasetDigest(keyspace.dbs)), '0c68bbcf4ad5c984f8ca839729889d52ec025271', 'another deadline, same digest');

  db0.persist('a');
  db0.set('l', new ListValue(new Denque(['x', 'y'])), NOW_MS);
  db0.set('s', new SetValue(new Set(['1', 'b'])), NOW_MS);
  db0.set('h', new HashValue(new Map([['f', 'v']])), NOW_MS);
  db0.set('z', new SortedSetValue(new Map([['m', 1.5], ['n', -Infinity], ['o', 0.1]])), NOW_MS);
  keyspace.db(2).set('k', 'v', NOW_MS);
  t.equal(digestHex(datasetDigest(keyspace.dbs)), 'a3ce634ebb3644e226a7f0dd613b160bd018ed66', 'five types over DB 0 and DB 2');
});
