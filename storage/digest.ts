/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE: a 20-byte fingerprint of the whole dataset, or of one
 * value, computed the way Redis 7.0 computes it, so that a hashslot node and a redis-server
 * holding the same data print the same 40 hex digits (test suites compare a primary with its
 * replicas, or a dataset before and after a reload, this way).
 *
 * Two ways of folding bytes into a 20-byte accumulator, both built on SHA1:
 *
 *   xor(acc, bytes):  acc ^= SHA1(bytes)             order does not matter: for the members of
 *                                                     sets, hashes and sorted sets, and for the
 *                                                     keys of a database
 *   mix(acc, bytes):  acc ^= SHA1(bytes);            order matters: for a key followed by its
 *                     acc  = SHA1(acc)                value, for list elements, for the DB id
 *
 * One key's digest, starting from 20 zero bytes:
 *
 *   mix(key name)                 (left out by DIGEST-VALUE, which fingerprints the value alone)
 *   mix(type code as 4 big-endian bytes: string 0, list 1, set 2, zset 3, hash 4)
 *   string   mix(the bytes; an integer-encoded string as its decimal text, i.e. the same bytes)
 *   list     mix(each element), head to tail
 *   set      xor(each member)
 *   zset     per member: e = 0; mix(e, member); mix(e, score as "%.17g"); xor(acc, e)
 *   hash     per field:  e = 0; mix(e, field);  mix(e, value);            xor(acc, e)
 *   stream   per live entry in ID order: mix("<ms>.<seq>"), then mix each field and value
 *            (type code 6; consumer groups stay out)
 *   expiry   xor("!!expire!!") when the key has a deadline: the deadline itself stays out, so
 *            a primary and a replica that set the same TTL a millisecond apart still agree
 *
 * The dataset digest, starting from 20 zero bytes, walks the databases in order; for each one
 * that holds keys it mixes the DB index (4 big-endian bytes), then xors in every key's digest.
 * An empty dataset is therefore 40 zeros. Keys past their deadline but not yet deleted count, as
 * Redis reads its dictionaries directly here instead of looking keys up.
 *
 * Encodings never show: listpack, intset and hashtable hand Redis the same element bytes, and a
 * listpack score read back is the exact double that was stored. The one visible difference, -0
 * (kept by the skiplist, read back as 0 from a listpack), is already what SortedSetValue stores.
 */
import * as crypto from 'node:crypto';
import type { ByteString } from './bytes';
import { formatDouble } from './numbers';
import type { StoredValue } from './values';
import { ID_MAX, ID_ZERO, idMs, idSeq } from './stream-id';

export const DIGEST_BYTES = 20;

/**
 * SHA1 of some bytes. crypto.hash (Node 20.12 and later) is the one-shot form, about twice as
 * fast as a Hash object for inputs this small, which matters: a dataset digest takes six or more
 * SHA1s per key. Older Node 20 releases lack it and take the Hash object.
 */
const sha1: (bytes: Buffer) => Buffer =
  typeof crypto.hash === 'function'
    ? (bytes) => crypto.hash('sha1', bytes, 'buffer')
    : (bytes) => crypto.createHash('sha1').update(bytes).digest();

function uint32(n: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(n);
  return buf;
}

/**
 * SHA1 of Redis's numeric type codes (OBJ_STRING ... OBJ_HASH) as 4 big-endian bytes, and of the
 * expire mark: constants, so hashed once.
 */
const TYPE_CODE_HASH = {
  string: sha1(uint32(0)),
  list: sha1(uint32(1)),
  set: sha1(uint32(2)),
  zset: sha1(uint32(3)),
  hash: sha1(uint32(4)),
  stream: sha1(uint32(6)),
} as const;
const EXPIRE_MARK_HASH = sha1(Buffer.from('!!expire!!', 'latin1'));

/** acc ^= hash. */
function xorHash(acc: Buffer, hash: Buffer): void {
  for (let i = 0; i < DIGEST_BYTES; i++) acc[i] = (acc[i] ?? 0) ^ (hash[i] ?? 0);
}

/** acc ^= SHA1(bytes): order-independent accumulation. */
function xorInto(acc: Buffer, bytes: Buffer): void {
  xorHash(acc, sha1(bytes));
}

/** acc ^= hash, then acc = SHA1(acc): a mix whose input was hashed already. */
function mixHash(acc: Buffer, hash: Buffer): void {
  xorHash(acc, hash);
  sha1(acc).copy(acc);
}

/** acc ^= SHA1(bytes), then acc = SHA1(acc): each step depends on everything before it. */
function mixInto(acc: Buffer, bytes: Buffer): void {
  mixHash(acc, sha1(bytes));
}

function bytesOf(s: ByteString): Buffer {
  return Buffer.from(s, 'latin1');
}

/** The digest of one element made of two parts (a hash field and its value, a member and its score). */
function pairDigest(first: ByteString, second: ByteString): Buffer {
  const element = Buffer.alloc(DIGEST_BYTES);
  mixInto(element, bytesOf(first));
  mixInto(element, bytesOf(second));
  return element;
}

/** Folds a value (type, contents, whether it expires) into `acc`. */
function addValue(acc: Buffer, value: StoredValue, hasExpire: boolean): void {
  if (typeof value === 'string') {
    mixHash(acc, TYPE_CODE_HASH.string);
    mixInto(acc, bytesOf(value));
  } else {
    mixHash(acc, TYPE_CODE_HASH[value.kind]);
    switch (value.kind) {
      case 'list':
        for (const item of value.items.toArray()) mixInto(acc, bytesOf(item));
        break;
      case 'set':
        for (const member of value.members) xorInto(acc, bytesOf(member));
        break;
      case 'zset':
        for (const [member, score] of value.scores) xorInto(acc, pairDigest(member, formatDouble(score)));
        break;
      case 'hash':
        for (const [field, fieldValue] of value.fields) xorInto(acc, pairDigest(field, fieldValue));
        break;
      case 'stream':
        for (const entry of value.range(ID_ZERO, ID_MAX, 0)) {
          mixInto(acc, bytesOf(`${idMs(entry.id)}.${idSeq(entry.id)}`));
          for (const item of entry.pairs) mixInto(acc, bytesOf(item));
        }
        break;
    }
  }
  if (hasExpire) xorHash(acc, EXPIRE_MARK_HASH);
}

/** DEBUG DIGEST-VALUE's fingerprint of one value; `undefined` (a missing key) is all zeros. */
export function valueDigest(value: StoredValue | undefined, hasExpire: boolean): Buffer {
  const acc = Buffer.alloc(DIGEST_BYTES);
  if (value !== undefined) addValue(acc, value, hasExpire);
  return acc;
}

/** What the dataset digest needs of a database: its index and every entry, expired or not. */
export interface DigestSource {
  readonly id: number;
  readonly size: number;
  forEachEntry(visit: (key: ByteString, value: StoredValue, deadlineMs: number | bigint | undefined) => void): void;
}

/** DEBUG DIGEST's fingerprint of all databases, visited in index order. */
export function datasetDigest(dbs: Iterable<DigestSource>): Buffer {
  const acc = Buffer.alloc(DIGEST_BYTES);
  for (const db of dbs) {
    if (db.size === 0) continue;
    mixInto(acc, uint32(db.id));
    db.forEachEntry((key, value, deadlineMs) => {
      const entry = Buffer.alloc(DIGEST_BYTES);
      mixInto(entry, bytesOf(key));
      addValue(entry, value, deadlineMs !== undefined);
      xorInto(acc, entry);
    });
  }
  return acc;
}

/** The 40 lowercase hex digits both subcommands reply. */
export function digestHex(digest: Buffer): string {
  return digest.toString('hex');
}
