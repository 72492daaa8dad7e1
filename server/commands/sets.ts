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
 * so it is propagated as what it did: one SREM per popped member (Redis 7.0 sends them so, in
 * MULTI/EXEC when there are several), or DEL when it popped the whole set. The
 * *STORE forms replace the destination whatever it held, and delete it for an empty result.
 *
 * Random picks (SPOP, SRANDMEMBER) use the node's seeded source through container-sampler.ts.
 */
import type { ByteString } from '../../storage/bytes';
import { markConverted, SET_MAX_INTSET_ENTRIES, valueEncoding } from '../../storage/encodings';
import { isInt64String } from '../../storage/numbers';
import { SetValue, type StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, intArg, int64Arg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { NotifyFlag } from '../config/special-codecs';
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
function readSet(ctx: CommandContext, key: ByteString): Members | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asSet(value);
}

/** A set for writing; undefined when the key is missing. */
function writeSet(ctx: CommandContext, key: ByteString): Members | undefined {
  const value = ctx.db.get(key, ctx.nowMs);
  return value === undefined ? undefined : asSet(value);
}

/** Whether Redis would hold these members as an intset (and so list them sorted). */
function isIntsetShaped(members: Members): boolean {
  return valueEncoding(new SetValue(members)) === 'intset';
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
function replySet(ctx: CommandContext, members: readonly ByteString[]): void {
  ctx.reply.set(members.length);
  for (const m of members) ctx.reply.bulk(m);
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
function afterRemoval(ctx: CommandContext, key: ByteString, members: Members, removed: number, event: string): void {
  if (removed === 0) return;
  if (members.size === 0) ctx.db.delete(key);
  else ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.set, event, key);
  if (members.size === 0) ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
}

// -------------------------------------------------------------------------------------------------
// Single-set commands

function saddCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const existing = writeSet(ctx, key);
  const members = existing ?? new Set<ByteString>();
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (addMember(members, argv[i] as ByteString)) added++;
  if (existing === undefined) ctx.db.set(key, new SetValue(members), ctx.nowMs);
  else if (added > 0) ctx.db.markModified(key, ctx.nowMs);
  if (added > 0) ctx.notifyKeyEvent(NotifyFlag.set, 'sadd', key);
  ctx.reply.integer(added);
}

function sremCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const members = writeSet(ctx, key);
  let removed = 0;
  if (members !== undefined) {
    for (let i = 2; i < argv.length && members.size > 0; i++) if (removeMember(members, argv[i] as ByteString)) removed++;
    afterRemoval(ctx, key, members, removed, 'srem');
  }
  ctx.reply.integer(removed);
}

function smembersCommand(ctx: CommandContext, argv: ByteString[]): void {
  const members = readSet(ctx, at(argv, 1));
  replySet(ctx, members === undefined ? [] : inReplyOrder(members));
}

function smoveCommand(ctx: CommandContext, argv: ByteString[]): void {
  const srcKey = at(argv, 1);
  const dstKey = at(argv, 2);
  const member = at(argv, 3);
  const srcValue = ctx.db.get(srcKey, ctx.nowMs);
  const dstValue = ctx.db.get(dstKey, ctx.nowMs);
  if (srcValue === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const src = asSet(srcValue);
  const dst = dstValue === undefined ? undefined : asSet(dstValue);
  if (src === dst) {
    ctx.reply.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!removeMember(src, member)) {
    ctx.reply.integer(0);
    return;
  }
  afterRemoval(ctx, srcKey, src, 1, 'srem');
  if (dst === undefined) {
    ctx.db.set(dstKey, new SetValue(new Set([member])), ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.set, 'sadd', dstKey);
  } else if (addMember(dst, member)) {
    ctx.db.markModified(dstKey, ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.set, 'sadd', dstKey);
  }
  ctx.reply.integer(1);
}

// -------------------------------------------------------------------------------------------------
// Random picks: SPOP, SRANDMEMBER

function spopCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  if (argv.length > 3) syntaxError();
  if (argv.length === 3) {
    spopWithCount(ctx, key, intArg(at(argv, 2), ERR.outOfRangePositive));
    return;
  }
  const members = writeSet(ctx, key);
  if (members === undefined) {
    ctx.reply.nullBulk();
    return;
  }
  const member = randomMember(members, ctx.random);
  removeMember(members, member);
  afterRemoval(ctx, key, members, 1, 'spop');
  ctx.propagateAs(['SREM', key, member]);
  ctx.reply.bulk(member);
}

function spopWithCount(ctx: CommandContext, key: ByteString, count: number): void {
  if (count < 0) throw new ReplyError(ERR.outOfRangePositive);
  const members = writeSet(ctx, key);
  if (members === undefined || count === 0) {
    replySet(ctx, []);
    return;
  }
  if (count >= members.size) {
    replySet(ctx, inReplyOrder(members));
    ctx.db.delete(key);
    ctx.notifyKeyEvent(NotifyFlag.set, 'spop', key);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
    ctx.propagateAs([ctx.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
    return;
  }
  const popped = distinctMembers(members, count, ctx.random);
  for (const member of popped) removeMember(members, member);
  afterRemoval(ctx, key, members, popped.length, 'spop');
  // Redis 7.0 replicates each pick as an SREM of its own (the execution unit then wraps them in
  // MULTI/EXEC): all but the last go out now, the last one replaces the command itself.
  for (let i = 0; i < popped.length - 1; i++) ctx.alsoPropagate(['SREM', key, popped[i] as ByteString]);
  ctx.propagateAs(['SREM', key, popped[popped.length - 1] as ByteString]);
  replySet(ctx, popped);
}

function srandmemberCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  if (argv.length > 3) syntaxError();
  if (argv.length === 2) {
    const members = readSet(ctx, key);
    if (members === undefined) ctx.reply.nullBulk();
    else ctx.reply.bulk(randomMember(members, ctx.random));
    return;
  }
  const count = randomCountArg(at(argv, 2));
  const members = readSet(ctx, key);
  const out = ctx.reply;
  if (members === undefined || count === 0n) {
    out.array(0);
    return;
  }
  const size = members.size;
  const random = ctx.random;
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

function scardCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readSet(ctx, at(argv, 1))?.size ?? 0);
}

function sismemberCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readSet(ctx, at(argv, 1))?.has(at(argv, 2)) === true ? 1 : 0);
}

function smismemberCommand(ctx: CommandContext, argv: ByteString[]): void {
  const members = readSet(ctx, at(argv, 1));
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.reply.integer(members?.has(argv[i] as ByteString) === true ? 1 : 0);
}

// -------------------------------------------------------------------------------------------------
// Algebra: SINTER, SINTERCARD, SUNION, SDIFF and the STORE forms

/**
 * The sets named by `keys`, null for a missing key. Every key is looked up and type-checked
 * (WRONGTYPE wins over a missing key anywhere in the list, as in Redis 7.0). The STORE forms read
 * their sources like the others (keyspace hits/misses, keymiss events), as Redis 7.0 does.
 */
function sourceSets(ctx: CommandContext, keys: readonly ByteString[]): Array<Members | null> {
  return keys.map((key) => {
    const value = ctx.lookupRead(ctx.db, key);
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
function storeResult(ctx: CommandContext, dstKey: ByteString, result: Members, event: string): void {
  if (result.size === 0) {
    if (ctx.db.delete(dstKey)) ctx.notifyKeyEvent(NotifyFlag.generic, 'del', dstKey);
  } else {
    ctx.db.set(dstKey, new SetValue(result), ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.set, event, dstKey);
  }
  ctx.reply.integer(result.size);
}

function sinterCommand(ctx: CommandContext, argv: ByteString[]): void {
  replySet(ctx, intersect(sourceSets(ctx, argv.slice(1)), 0));
}

function sinterstoreCommand(ctx: CommandContext, argv: ByteString[]): void {
  const found = intersect(sourceSets(ctx, argv.slice(2)), 0);
  storeResult(ctx, at(argv, 1), new Set(found), 'sinterstore');
}

function sintercardCommand(ctx: CommandContext, argv: ByteString[]): void {
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
  ctx.reply.integer(intersect(sourceSets(ctx, argv.slice(2, 2 + n)), limit).length);
}

/** SUNION/SDIFF, or with `storeEvent` (sunionstore, sdiffstore) their STORE forms. */
function combineCommand(op: (sets: Array<Members | null>) => Members, storeEvent: string | null) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const store = storeEvent !== null;
    const result = op(sourceSets(ctx, argv.slice(store ? 2 : 1)));
    if (store) storeResult(ctx, at(argv, 1), result, storeEvent);
    else replySet(ctx, inReplyOrder(result));
  };
}

// -------------------------------------------------------------------------------------------------
// SSCAN

function sscanCommand(ctx: CommandContext, argv: ByteString[]): void {
  const cursor = parseScanCursor(at(argv, 2));
  const value = ctx.lookupRead(ctx.db, at(argv, 1));
  const out = ctx.reply;
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
