/**
 * The set family (S*): a key holding a Set of byte-string members.
 *
 * Order: Redis 7.0 holds a set of up to 512 integers as an intset, a sorted array, so SMEMBERS,
 * SSCAN and friends list such a set in ascending numeric order; any other set is a hash table
 * whose order no client may rely on. Replies here list an intset-shaped set (or result) sorted
 * the same way (`inReplyOrder`), and any other in the Set's insertion order.
 *
 * Writes: a set emptied by a command is deleted; a change in place calls db.markModified, which
 * counts the write (propagation, WATCH, rdb_changes_since_last_save). SPOP is not deterministic,
 * so it is propagated as what it did: SREM of the popped members, or DEL when it popped the whole
 * set (Redis sends the SREMs in batches of 1024 members; one SREM has the same effect). The
 * *STORE forms replace the destination whatever it held, and delete it for an empty result.
 *
 * Random picks (SPOP, SRANDMEMBER) use the node's seeded source through container-sampler.ts.
 */
import type { ByteString } from '../../storage/bytes';
import { markConverted, SET_MAX_INTSET_ENTRIES, valueEncoding } from '../../storage/encodings';
import { isInt64String } from '../../storage/numbers';
import { SetValue, type StoredValue } from '../../storage/values';
import type { Client } from '../client';
import { ERR, ReplyError } from '../errors';
import { at, intArg, int64Arg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from './command';
import { notifyKeyEvent, NotifyFlag } from '../keyspace-events';
import { distinctMembers, noteAdded, noteRemoved, randomMember } from '../../storage/container-sampler';
import { scanStep } from '../../storage/container-scan';
import { parseScanCursor, parseScanOptions, scanMatches } from './scan-args';
import { randomCountArg } from './hashes';

type Members = Set<ByteString>;

function asSet(value: StoredValue): Members {
  if (typeof value === 'string' || value.kind !== 'set') throw new ReplyError(ERR.wrongType);
  return value.members;
}

/** A set for reading (counts keyspace hits/misses); undefined when the key is missing. */
function readSet(client: Client, key: ByteString): Members | undefined {
  const value = client.node.lookupRead(client.db, key);
  return value === undefined ? undefined : asSet(value);
}

/** A set for writing; undefined when the key is missing. */
function writeSet(client: Client, key: ByteString): Members | undefined {
  const value = client.db.get(key, client.node.nowMs);
  return value === undefined ? undefined : asSet(value);
}

/** Whether Redis would hold these members as an intset (and so list them sorted). */
function isIntsetShaped(members: Members): boolean {
  return valueEncoding(new SetValue(members), false) === 'intset';
}

/** The members in the order Redis lists them: ascending for an intset, else as stored. */
export function inReplyOrder(members: Members): ByteString[] {
  const list = [...members];
  if (!isIntsetShaped(members)) return list;
  const decorated = list.map((m) => ({ m, n: BigInt(m) }));
  decorated.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  return decorated.map((d) => d.m);
}

/** A RESP3 set reply (array in RESP2) of the given members. */
function replySet(client: Client, members: readonly ByteString[]): void {
  client.reply.set(members.length);
  for (const m of members) client.reply.bulk(m);
}

function removeMember(members: Members, member: ByteString): boolean {
  if (!members.delete(member)) return false;
  noteRemoved(members, member);
  return true;
}

function addMember(members: Members, member: ByteString): boolean {
  const size = members.size;
  members.add(member);
  if (members.size === size) return false;
  noteAdded(members, member);
  if (members.size > SET_MAX_INTSET_ENTRIES || !isInt64String(member)) markConverted(members);
  return true;
}

/**
 * After members were removed in place by command `event` (srem, spop): delete an emptied set,
 * else count the change, and notify both.
 */
function afterRemoval(client: Client, key: ByteString, members: Members, removed: number, event: string): void {
  if (removed === 0) return;
  if (members.size === 0) client.db.delete(key);
  else client.db.markModified(key, client.node.nowMs);
  notifyKeyEvent(client, NotifyFlag.set, event, key);
  if (members.size === 0) notifyKeyEvent(client, NotifyFlag.generic, 'del', key);
}

// -------------------------------------------------------------------------------------------------
// Single-set commands

function saddCommand(client: Client, argv: ByteString[]): void {
  const key = at(argv, 1);
  const existing = writeSet(client, key);
  const members = existing ?? new Set<ByteString>();
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (addMember(members, argv[i] as ByteString)) added++;
  if (existing === undefined) client.db.set(key, new SetValue(members), client.node.nowMs);
  else if (added > 0) client.db.markModified(key, client.node.nowMs);
  if (added > 0) notifyKeyEvent(client, NotifyFlag.set, 'sadd', key);
  client.reply.integer(added);
}

function sremCommand(client: Client, argv: ByteString[]): void {
  const key = at(argv, 1);
  const members = writeSet(client, key);
  let removed = 0;
  if (members !== undefined) {
    for (let i = 2; i < argv.length && members.size > 0; i++) if (removeMember(members, argv[i] as ByteString)) removed++;
    afterRemoval(client, key, members, removed, 'srem');
  }
  client.reply.integer(removed);
}

function smembersCommand(client: Client, argv: ByteString[]): void {
  const members = readSet(client, at(argv, 1));
  replySet(client, members === undefined ? [] : inReplyOrder(members));
}

function smoveCommand(client: Client, argv: ByteString[]): void {
  const srcKey = at(argv, 1);
  const dstKey = at(argv, 2);
  const member = at(argv, 3);
  const srcValue = client.db.get(srcKey, client.node.nowMs);
  const dstValue = client.db.get(dstKey, client.node.nowMs);
  if (srcValue === undefined) {
    client.reply.integer(0);
    return;
  }
  const src = asSet(srcValue);
  const dst = dstValue === undefined ? undefined : asSet(dstValue);
  if (src === dst) {
    client.reply.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!removeMember(src, member)) {
    client.reply.integer(0);
    return;
  }
  afterRemoval(client, srcKey, src, 1, 'srem');
  if (dst === undefined) {
    client.db.set(dstKey, new SetValue(new Set([member])), client.node.nowMs);
    notifyKeyEvent(client, NotifyFlag.set, 'sadd', dstKey);
  } else if (addMember(dst, member)) {
    client.db.markModified(dstKey, client.node.nowMs);
    notifyKeyEvent(client, NotifyFlag.set, 'sadd', dstKey);
  }
  client.reply.integer(1);
}

// -------------------------------------------------------------------------------------------------
// Random picks: SPOP, SRANDMEMBER

function spopCommand(client: Client, argv: ByteString[]): void {
  const key = at(argv, 1);
  if (argv.length > 3) syntaxError();
  if (argv.length === 3) {
    spopWithCount(client, key, intArg(at(argv, 2), ERR.outOfRangePositive));
    return;
  }
  const members = writeSet(client, key);
  if (members === undefined) {
    client.reply.nullBulk();
    return;
  }
  const member = randomMember(members, client.node.random);
  removeMember(members, member);
  afterRemoval(client, key, members, 1, 'spop');
  client.rewrittenArgv = ['SREM', key, member];
  client.reply.bulk(member);
}

function spopWithCount(client: Client, key: ByteString, count: number): void {
  if (count < 0) throw new ReplyError(ERR.outOfRangePositive);
  const members = writeSet(client, key);
  if (members === undefined || count === 0) {
    replySet(client, []);
    return;
  }
  if (count >= members.size) {
    replySet(client, inReplyOrder(members));
    client.db.delete(key);
    notifyKeyEvent(client, NotifyFlag.set, 'spop', key);
    notifyKeyEvent(client, NotifyFlag.generic, 'del', key);
    client.rewrittenArgv = [client.node.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key];
    return;
  }
  const popped = distinctMembers(members, count, client.node.random);
  for (const member of popped) removeMember(members, member);
  afterRemoval(client, key, members, popped.length, 'spop');
  client.rewrittenArgv = ['SREM', key, ...popped];
  replySet(client, popped);
}

function srandmemberCommand(client: Client, argv: ByteString[]): void {
  const key = at(argv, 1);
  if (argv.length > 3) syntaxError();
  if (argv.length === 2) {
    const members = readSet(client, key);
    if (members === undefined) client.reply.nullBulk();
    else client.reply.bulk(randomMember(members, client.node.random));
    return;
  }
  const count = randomCountArg(at(argv, 2));
  const members = readSet(client, key);
  const out = client.reply;
  if (members === undefined || count === 0n) {
    out.array(0);
    return;
  }
  const size = members.size;
  const random = client.node.random;
  if (count < 0n) {
    // Independent picks, repeats allowed: streamed, never held in memory.
    const n = Number(-count);
    out.array(n);
    const all = size < 64 ? [...members] : null;
    for (let i = 0; i < n; i++) out.bulk(all !== null ? (all[random.below(size)] as ByteString) : randomMember(members, random));
    return;
  }
  if (count >= BigInt(size)) out.bulkArray(inReplyOrder(members));
  else out.bulkArray(distinctMembers(members, Number(count), random));
}

// -------------------------------------------------------------------------------------------------
// Membership

function scardCommand(client: Client, argv: ByteString[]): void {
  client.reply.integer(readSet(client, at(argv, 1))?.size ?? 0);
}

function sismemberCommand(client: Client, argv: ByteString[]): void {
  client.reply.integer(readSet(client, at(argv, 1))?.has(at(argv, 2)) === true ? 1 : 0);
}

function smismemberCommand(client: Client, argv: ByteString[]): void {
  const members = readSet(client, at(argv, 1));
  client.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) client.reply.integer(members?.has(argv[i] as ByteString) === true ? 1 : 0);
}

// -------------------------------------------------------------------------------------------------
// Algebra: SINTER, SINTERCARD, SUNION, SDIFF and the STORE forms

/**
 * The sets named by `keys`, null for a missing key. Every key is looked up and type-checked
 * (WRONGTYPE wins over a missing key anywhere in the list, as in Redis 7.0). The STORE forms read
 * their sources like the others (keyspace hits/misses, keymiss events), as Redis 7.0 does.
 */
function sourceSets(client: Client, keys: readonly ByteString[]): Array<Members | null> {
  return keys.map((key) => {
    const value = client.node.lookupRead(client.db, key);
    return value === undefined ? null : asSet(value);
  });
}

/**
 * The members common to all sets, in the order of the smallest set (which Redis walks), up to
 * `limit` of them (0: no limit).
 */
function intersect(sets: Array<Members | null>, limit: number): ByteString[] {
  if (sets.length === 0 || sets.some((s) => s === null || s.size === 0)) return [];
  const ordered = (sets as Members[]).slice().sort((a, b) => a.size - b.size);
  const [smallest, ...others] = ordered as [Members, ...Members[]];
  const out: ByteString[] = [];
  for (const member of inReplyOrder(smallest)) {
    if (others.every((s) => s.has(member))) {
      out.push(member);
      if (limit !== 0 && out.length >= limit) break;
    }
  }
  return out;
}

function union(sets: Array<Members | null>): Members {
  const out = new Set<ByteString>();
  for (const s of sets) if (s !== null) for (const m of s) out.add(m);
  return out;
}

function difference(sets: Array<Members | null>): Members {
  const [first, ...others] = sets;
  const out = new Set<ByteString>();
  if (first === null || first === undefined) return out;
  for (const m of first) if (!others.some((s) => s !== null && s.has(m))) out.add(m);
  return out;
}

/**
 * Stores a computed set at dst (deleting dst for an empty result), notifies `event` (or del),
 * and replies its size.
 */
function storeResult(client: Client, dstKey: ByteString, result: Members, event: string): void {
  if (result.size === 0) {
    if (client.db.delete(dstKey)) notifyKeyEvent(client, NotifyFlag.generic, 'del', dstKey);
  } else {
    client.db.set(dstKey, new SetValue(result), client.node.nowMs);
    notifyKeyEvent(client, NotifyFlag.set, event, dstKey);
  }
  client.reply.integer(result.size);
}

function sinterCommand(client: Client, argv: ByteString[]): void {
  replySet(client, intersect(sourceSets(client, argv.slice(1)), 0));
}

function sinterstoreCommand(client: Client, argv: ByteString[]): void {
  const found = intersect(sourceSets(client, argv.slice(2)), 0);
  storeResult(client, at(argv, 1), new Set(found), 'sinterstore');
}

function sintercardCommand(client: Client, argv: ByteString[]): void {
  const numKeys = int64Arg(at(argv, 1), ERR.numkeysNotPositive);
  if (numKeys < 1n) throw new ReplyError(ERR.numkeysNotPositive);
  if (numKeys > BigInt(argv.length - 2)) throw new ReplyError(ERR.numkeysTooMany);
  const n = Number(numKeys);
  let limit = 0;
  for (let j = 2 + n; j < argv.length; j++) {
    if (isWord(argv[j], 'limit') && j + 1 < argv.length) {
      limit = intArg(argv[++j] as ByteString, ERR.limitNegative);
      if (limit < 0) throw new ReplyError(ERR.limitNegative);
    } else {
      syntaxError();
    }
  }
  client.reply.integer(intersect(sourceSets(client, argv.slice(2, 2 + n)), limit).length);
}

/** SUNION/SDIFF, or with `storeEvent` (sunionstore, sdiffstore) their STORE forms. */
function combineCommand(op: (sets: Array<Members | null>) => Members, storeEvent: string | null) {
  return (client: Client, argv: ByteString[]): void => {
    const store = storeEvent !== null;
    const result = op(sourceSets(client, argv.slice(store ? 2 : 1)));
    if (store) storeResult(client, at(argv, 1), result, storeEvent);
    else replySet(client, inReplyOrder(result));
  };
}

// -------------------------------------------------------------------------------------------------
// SSCAN

function sscanCommand(client: Client, argv: ByteString[]): void {
  const cursor = parseScanCursor(at(argv, 2));
  const value = client.node.lookupRead(client.db, at(argv, 1));
  const out = client.reply;
  if (value === undefined) {
    out.array(2);
    out.bulk('0');
    out.array(0);
    return;
  }
  const members = asSet(value);
  const options = parseScanOptions(argv, 3);
  let next = 0n;
  let batch: ByteString[];
  if (isIntsetShaped(members)) {
    // Redis answers an intset whole, sorted, whatever the cursor and COUNT.
    batch = inReplyOrder(members);
  } else {
    [next, batch] = scanStep(members, cursor, options.count);
  }
  if (options.pattern !== null) batch = batch.filter((m) => scanMatches(options, m));
  out.array(2);
  out.bulk(next.toString());
  out.bulkArray(batch);
}

export const setCommands: CommandImpl[] = [
  cmd('sadd', saddCommand),
  cmd('srem', sremCommand),
  cmd('scard', scardCommand),
  cmd('sismember', sismemberCommand),
  cmd('smismember', smismemberCommand),
  cmd('smembers', smembersCommand),
  cmd('spop', spopCommand),
  cmd('srandmember', srandmemberCommand),
  cmd('smove', smoveCommand),
  cmd('sinter', sinterCommand),
  cmd('sintercard', sintercardCommand),
  cmd('sunion', combineCommand(union, null)),
  cmd('sdiff', combineCommand(difference, null)),
  cmd('sinterstore', sinterstoreCommand),
  cmd('sunionstore', combineCommand(union, 'sunionstore')),
  cmd('sdiffstore', combineCommand(difference, 'sdiffstore')),
  cmd('sscan', sscanCommand),
];
