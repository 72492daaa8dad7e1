/*
 * Shared by the RDB unit tests: building keyspaces with every type, and describing a keyspace's
 * contents as plain data so two keyspaces (or a keyspace and an expectation) compare with t.same.
 */
import { formatId, ID_MAX } from '../../storage/stream-id';
import fs from 'node:fs';
import path from 'node:path';
import Denque from 'denque';
import type { ByteString } from '../../storage/bytes';
import { Keyspace } from '../../storage/keyspace';
import { SeededRandom } from '../../storage/random';
import { HashValue, ListValue, SetValue, SortedSetValue, type StoredValue } from '../../storage/values';

export const VECTORS_DIR = path.resolve(__dirname, '../../../../shared/vectors');

export function readVector(name: string): Buffer | null {
  try {
    return fs.readFileSync(path.join(VECTORS_DIR, name));
  } catch {
    return null;
  }
}

export function newKeyspace(databases = 16): Keyspace {
  return new Keyspace(databases, new SeededRandom(1));
}

export const list = (...items: ByteString[]): ListValue => new ListValue(new Denque(items));
export const hash = (...pairs: Array<[ByteString, ByteString]>): HashValue => new HashValue(new Map(pairs));
export const set = (...members: ByteString[]): SetValue => new SetValue(new Set(members));
export const zset = (...pairs: Array<[ByteString, number]>): SortedSetValue => new SortedSetValue(new Map(pairs));

/** A value as plain data: order kept where the type has one, sorted where it has none. */
export function describeValue(value: StoredValue): unknown {
  if (typeof value === 'string') return value;
  switch (value.kind) {
    case 'list':
      return { list: value.items.toArray() };
    case 'hash':
      return { hash: [...value.fields].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
    case 'set':
      return { set: [...value.members].sort() };
    case 'zset':
      return { zset: [...value.scores].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
    case 'stream':
      return { stream: value.range(0n, ID_MAX, 0).map((e) => [formatId(e.id), e.pairs]), lastId: formatId(value.lastId) };
  }
}

/** Every database's keys with described values and deadlines, empty databases left out. */
export function describeKeyspace(ks: Keyspace): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    const keys: Array<[string, unknown]> = [];
    db.forEachEntry((key, value, deadline) => {
      keys.push([key, deadline === undefined ? describeValue(value) : { value: describeValue(value), deadline: String(deadline) }]);
    });
    keys.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    out[`db${db.id}`] = Object.fromEntries(keys);
  }
  return out;
}

/**
 * A keyspace with every type and the encodings Redis would pick for them: small and large
 * hashes, sets (intset of each width, hashtable), sorted sets (listpack, skiplist), lists that
 * fill several listpack nodes, compressible and binary strings, deadlines, several databases.
 */
export function richKeyspace(): Keyspace {
  const ks = newKeyspace();
  const db0 = ks.db(0);
  const now = 1_000;
  db0.set('string', 'hello', now);
  db0.set('int8', '-12', now);
  db0.set('int32', '2147483647', now);
  db0.set('int64', '-9223372036854775808', now);
  db0.set('not-canonical', '007', now);
  db0.set('empty', '', now);
  db0.set('compressible', 'abc'.repeat(300), now);
  db0.set('binary\x00\xff', '\x00\x01\xfe\xff'.repeat(20), now);
  db0.set('list', list('a', '1', '-5000', '70000', '9223372036854775807', 'b'.repeat(5000)), now);
  db0.set('long-list', list(...Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? String(i) : `element-${i}`))), now);
  db0.set('hash', hash(['f', 'v'], ['n', '12'], ['neg', '-1']), now);
  db0.set('big-hash', hash(...Array.from({ length: 300 }, (_, i): [string, string] => [`field${i}`, `value${i}`])), now);
  db0.set('long-value-hash', hash(['f', 'x'.repeat(65)]), now);
  db0.set('intset16', set('1', '-3', '32767'), now);
  db0.set('intset32', set('1', '100000', '-2147483648'), now);
  db0.set('intset64', set('1', '9223372036854775807', '-9223372036854775808'), now);
  db0.set('set', set('a', 'b', '1'), now);
  db0.set('big-intset', set(...Array.from({ length: 600 }, (_, i) => String(i * 7))), now);
  db0.set('zset', zset(['m', 1.5], ['n', 2], ['o', -Infinity], ['p', 0.1], ['q', Infinity], ['r', -0]), now);
  db0.set('big-zset', zset(...Array.from({ length: 200 }, (_, i): [string, number] => [`m${i}`, i / 3])), now);
  db0.set('ttl', 'v', now);
  db0.setExpireAt('ttl', 4_000_000_000_000);
  db0.set('far-ttl', 'v', now);
  db0.setExpireAt('far-ttl', 9223372036854775807n);
  ks.db(3).set('other-db', 'x', now);
  ks.db(15).set('last-db', list('z'), now);
  return ks;
}
