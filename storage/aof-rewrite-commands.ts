/**
 * The commands that rebuild one key, as Redis 7.0 writes them into an AOF base file when
 * aof-use-rdb-preamble is no (its rewriteAppendOnlyFileRio). Replaying them in order on an empty
 * database gives back the key, its value and its deadline. Pure: values in, argv lists out;
 * server/persistence/aof-base.ts encodes them as RESP and writes the file.
 *
 *   string       SET key value
 *   list         RPUSH key e1 .. e64, RPUSH key e65 ..         head to tail
 *   set          SADD key m1 .. m64, ...                       an intset ascending, as Redis keeps
 *                                                             it; otherwise the Set's own order
 *   sorted set   ZADD key s1 m1 .. s64 m64, ...                ascending by (score, member);
 *                                                             see sortedSetItems for -0
 *   hash         HMSET key f1 v1 .. f64 v64, ...               the Map's order (insertion order,
 *                                                             a listpack's order in Redis)
 *   stream       see streamCommands below
 *   then         PEXPIREAT key <absolute ms>                   for a key with a deadline
 *
 * Containers go in batches of AOF_REWRITE_ITEMS_PER_CMD items (a pair counts as one item), so no
 * single command of a huge value has to be parsed, held and executed in one piece when the file
 * is loaded; the first batches are full and the last takes what is left.
 *
 * Numbers print as Redis prints them there: a score with %.17g (0.1 is 0.10000000000000001,
 * 1e17 is 1e+17, infinities inf and -inf: formatDouble), counters and times in decimal. Keys
 * already past their deadline are written too (with their PEXPIREAT), as Redis's rewrite does:
 * the loader drops them.
 *
 * Redis writes hash-table-encoded sets, hashes and skiplist sorted sets in its dict's order,
 * which nothing can reproduce (the dict's hash seed is random per process); ascending score
 * order is used for every sorted set here because the skiplist gives it for free. A listpack
 * sorted set, an intset, a listpack hash and every list come out in the same order as Redis
 * writes them, so their bytes are Redis's.
 */
import type { ByteString } from './bytes';
import { LISTPACK_MAX_VALUE, valueEncoding } from './encodings';
import { formatDouble } from './numbers';
import type { StreamValue } from './stream';
import { EntryView } from './stream-node';
import { formatId } from './stream-id';
import type { SetValue, SortedSetValue, StoredValue } from './values';

/** Items per RPUSH/SADD/ZADD/HMSET (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;

export type Argv = ByteString[];

/**
 * The commands for `key`, in the order Redis 7.0 writes them. `deadlineMs` is the key's absolute
 * expire time, if it has one (a bigint beyond 2^53).
 */
export function* keyRewriteCommands(key: ByteString, value: StoredValue, deadlineMs?: number | bigint): Generator<Argv> {
  if (typeof value === 'string') {
    yield ['SET', key, value];
  } else {
    switch (value.kind) {
      case 'list':
        yield* batches('RPUSH', key, value.items.toArray());
        break;
      case 'set':
        yield* batches('SADD', key, setMembers(value));
        break;
      case 'zset':
        yield* batches('ZADD', key, sortedSetItems(value), 2);
        break;
      case 'hash': {
        const flat: ByteString[] = [];
        for (const [field, v] of value.fields) flat.push(field, v);
        yield* batches('HMSET', key, flat, 2);
        break;
      }
      case 'stream':
        yield* streamCommands(key, value);
        break;
    }
  }
  if (deadlineMs !== undefined) yield ['PEXPIREAT', key, String(deadlineMs)];
}

/** `name key` followed by `items`, 64 items (of `width` arguments each) per command. */
function* batches(name: string, key: ByteString, items: readonly ByteString[], width = 1): Generator<Argv> {
  const perCommand = AOF_REWRITE_ITEMS_PER_CMD * width;
  for (let i = 0; i < items.length; i += perCommand) {
    const argv: Argv = [name, key];
    const end = Math.min(i + perCommand, items.length);
    for (let j = i; j < end; j++) argv.push(items[j] as ByteString);
    yield argv;
  }
}

/** An intset is ordered by value in Redis; a hash-table set in no order worth copying. */
function setMembers(set: SetValue): ByteString[] {
  const list = [...set.members];
  if (valueEncoding(set) !== 'intset') return list;
  const numbers = list.map(BigInt);
  numbers.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return numbers.map(String);
}

/**
 * score, member, score, member... ascending. A skiplist-encoded set is reordered a little, for
 * its -0 scores: a loader (Redis 7.0, and hashslot as it) creates a sorted set as a listpack
 * unless the first member is over zset-max-listpack-value bytes, converts it when it outgrows
 * the listpack, and a listpack cannot hold -0 (it stores 0). So a member over 64 bytes goes
 * first, and the members scored -0 go last, where the set is most likely a skiplist already.
 * (Redis's own dict order makes that a matter of chance in its files.)
 */
function sortedSetItems(zset: SortedSetValue): ByteString[] {
  const flat: ByteString[] = [];
  const skiplist = valueEncoding(zset) === 'skiplist';
  const negativeZeros: ByteString[] = [];
  let first: ByteString[] = [];
  for (const node of zset.order.entries()) {
    if (skiplist && Object.is(node.score, -0)) negativeZeros.push('-0', node.member);
    else if (skiplist && first.length === 0 && node.member.length > LISTPACK_MAX_VALUE) first = [formatDouble(node.score), node.member];
    else flat.push(formatDouble(node.score), node.member);
  }
  if (first.length === 0 && negativeZeros.length === 0) return flat;
  return [...first, ...flat, ...negativeZeros];
}

/**
 * A stream, as 7.0 rebuilds it:
 *
 *   XADD key <id> f v ...                  each live entry, ascending
 *   | XADD key MAXLEN 0 0-1 x y            when no entry is live: creates the key, empty
 *   XSETID key <last-id> ENTRIESADDED <n> MAXDELETEDID <id>
 *                                          the counters XADD alone would get wrong after
 *                                          XDEL, trimming, or the empty-stream trick
 *   per group, by name:
 *     XGROUP CREATE key <group> <last-delivered-id> ENTRIESREAD <n, -1 unknown>
 *     per consumer, by name:
 *       XGROUP CREATECONSUMER key <group> <consumer>        one without pending entries
 *       | XCLAIM key <group> <consumer> 0 <id> TIME <delivery ms> RETRYCOUNT <deliveries>
 *               JUSTID FORCE                                 each of its pending entries
 *
 * XCLAIM ... FORCE creates the pending entry with its delivery time and count; a consumer's own
 * seen-time is not carried (the loader's clock sets it), nor a pending entry whose stream entry
 * was deleted (XCLAIM skips an ID the stream no longer has).
 */
function* streamCommands(key: ByteString, stream: StreamValue): Generator<Argv> {
  if (stream.length > 0) {
    const view = new EntryView();
    for (const node of stream.nodes) {
      for (let pos = 0; pos < node.used; pos = view.next) {
        node.read(pos, view);
        if (view.deleted) continue;
        const entry = node.entry(view);
        yield ['XADD', key, entry.idText(), ...entry.pairs];
      }
    }
  } else {
    yield ['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y'];
  }
  yield ['XSETID', key, formatId(stream.lastId), 'ENTRIESADDED', String(stream.entriesAdded), 'MAXDELETEDID', formatId(stream.maxDeletedId)];
  const groups = [...stream.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const group of groups) {
    yield ['XGROUP', 'CREATE', key, group.name, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)];
    for (const consumer of group.sortedConsumers()) {
      if (consumer.pel.size === 0) {
        yield ['XGROUP', 'CREATECONSUMER', key, group.name, consumer.name];
        continue;
      }
      for (const [id, pending] of consumer.pel.entries()) {
        yield [
          'XCLAIM', key, group.name, consumer.name, '0', formatId(id),
          'TIME', String(pending.deliveryTimeMs), 'RETRYCOUNT', String(pending.deliveryCount), 'JUSTID', 'FORCE',
        ];
      }
    }
  }
}
