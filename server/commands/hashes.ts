/**
 * The hash family (H*): a key holding a Map of field → value, both byte strings.
 *
 * Order: a JS Map iterates in insertion order, updates keep a field's place and a deleted field
 * re-added goes to the end. That is exactly how Redis's listpack encoding (hashes of up to 512
 * short fields) orders its entries, so HGETALL, HKEYS, HVALS and HSCAN of a small hash answer
 * byte for byte what Redis answers. A large hash is a hash table in Redis, whose order no client
 * may rely on.
 *
 * A hash emptied by HDEL is deleted, as Redis never keeps an empty container. Changes in place
 * call db.markModified, which counts the write (propagation, WATCH, rdb_changes_since_last_save).
 * HINCRBYFLOAT is propagated as HSET of the computed value, so a replica stores the same bytes
 * whatever its float arithmetic. HRANDFIELD draws from the node's seeded source
 * (container-sampler.ts).
 */
import type { ByteString } from '../../storage/bytes';
import { HASH_MAX_LISTPACK_ENTRIES, LISTPACK_MAX_VALUE, markConverted, valueEncoding } from '../../storage/encodings';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../../storage/long-double';
import { INT64_MAX, INT64_MIN, parseInt64 } from '../../storage/numbers';
import { HashValue, type StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError, wrongArity } from '../dispatch/errors';
import { at, int64Arg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { NotifyFlag } from '../config/special-codecs';
import { distinctMembers, noteAdded, noteRemoved, randomMember } from '../../storage/container-sampler';
import { scanStep } from '../../storage/container-scan';
import { parseScanCursor, parseScanOptions, scanMatches } from './scan-args';

type Fields = Map<ByteString, ByteString>;

/** The fields of a hash value, or WRONGTYPE. */
function asHash(value: StoredValue): Fields {
  if (typeof value === 'string' || value.kind !== 'hash') throw new ReplyError(ERR.wrongType);
  return value.fields;
}

/** A hash for reading (counts keyspace hits/misses); undefined when the key is missing. */
function readHash(ctx: CommandContext, key: ByteString): Fields | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asHash(value);
}

/** A hash for writing; undefined when the key is missing. */
function writeHash(ctx: CommandContext, key: ByteString): Fields | undefined {
  const value = ctx.db.get(key, ctx.nowMs);
  return value === undefined ? undefined : asHash(value);
}

/** The hash at key, created empty (and stored) when missing: Redis's hashTypeLookupWriteOrCreate. */
function hashForUpdate(ctx: CommandContext, key: ByteString): { fields: Fields; created: boolean } {
  const fields = writeHash(ctx, key);
  if (fields !== undefined) return { fields, created: false };
  return { fields: new Map(), created: true };
}

/** Stores a hash changed by a command (a new key, or a changed one) and notifies `event`. */
function commit(ctx: CommandContext, key: ByteString, fields: Fields, created: boolean, event: string): void {
  if (created) ctx.db.set(key, new HashValue(fields), ctx.nowMs);
  else ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.hash, event, key);
}

function setField(fields: Fields, field: ByteString, value: ByteString): boolean {
  const size = fields.size;
  fields.set(field, value);
  if (field.length > LISTPACK_MAX_VALUE || value.length > LISTPACK_MAX_VALUE || fields.size > HASH_MAX_LISTPACK_ENTRIES) {
    markConverted(fields);
  }
  if (fields.size === size) return false;
  noteAdded(fields, field);
  return true;
}

// -------------------------------------------------------------------------------------------------
// Writes

function hsetGeneric(ctx: CommandContext, argv: ByteString[], name: string): number {
  if (argv.length % 2 === 1) throw new ReplyError(wrongArity(name));
  const key = at(argv, 1);
  const { fields, created } = hashForUpdate(ctx, key);
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (setField(fields, argv[i] as ByteString, argv[i + 1] as ByteString)) added++;
  }
  commit(ctx, key, fields, created, 'hset');
  return added;
}

function hsetnxCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const field = at(argv, 2);
  const { fields, created } = hashForUpdate(ctx, key);
  if (fields.has(field)) {
    ctx.reply.integer(0);
    return;
  }
  setField(fields, field, at(argv, 3));
  commit(ctx, key, fields, created, 'hset');
  ctx.reply.integer(1);
}

function hdelCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const fields = writeHash(ctx, key);
  if (fields === undefined) {
    ctx.reply.integer(0);
    return;
  }
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    const field = argv[i] as ByteString;
    if (fields.delete(field)) {
      noteRemoved(fields, field);
      deleted++;
    }
  }
  if (deleted > 0) {
    if (fields.size === 0) ctx.db.delete(key);
    else ctx.db.markModified(key, ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.hash, 'hdel', key);
    if (fields.size === 0) ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
  }
  ctx.reply.integer(deleted);
}

function hincrbyCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const field = at(argv, 2);
  const increment = int64Arg(at(argv, 3));
  const { fields, created } = hashForUpdate(ctx, key);
  const old = fields.get(field);
  let current = 0n;
  if (old !== undefined) {
    const parsed = parseInt64(old);
    if (parsed === null) throw new ReplyError(ERR.hashNotInteger);
    current = parsed;
  }
  const sum = current + increment;
  if (sum > INT64_MAX || sum < INT64_MIN) throw new ReplyError(ERR.overflow);
  const next = sum.toString();
  setField(fields, field, next);
  commit(ctx, key, fields, created, 'hincrby');
  ctx.reply.raw(':' + next + '\r\n');
}

function hincrbyfloatCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const field = at(argv, 2);
  const increment = parseLongDouble(at(argv, 3));
  if (increment === null) throw new ReplyError(ERR.notFloat);
  if (typeof increment === 'string') throw new ReplyError(ERR.valueNanOrInf);
  const { fields, created } = hashForUpdate(ctx, key);
  const old = fields.get(field);
  const current = parseLongDouble(old ?? '0');
  if (current === null) throw new ReplyError(ERR.hashNotFloat);
  if (typeof current === 'string') throw new ReplyError(ERR.floatNanOrInf);
  const sum = addLongDouble(current, increment);
  if (sum === 'inf') throw new ReplyError(ERR.floatNanOrInf);
  const next = formatLongDouble(sum);
  setField(fields, field, next);
  commit(ctx, key, fields, created, 'hincrbyfloat');
  // Replicas get the result, not the arithmetic, so both sides hold the same bytes.
  ctx.propagateAs(['HSET', key, field, next]);
  ctx.reply.bulk(next);
}

// -------------------------------------------------------------------------------------------------
// Reads

function hgetCommand(ctx: CommandContext, argv: ByteString[]): void {
  const value = readHash(ctx, at(argv, 1))?.get(at(argv, 2));
  if (value === undefined) ctx.reply.nullBulk();
  else ctx.reply.bulk(value);
}

function hmgetCommand(ctx: CommandContext, argv: ByteString[]): void {
  const fields = readHash(ctx, at(argv, 1));
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const value = fields?.get(argv[i] as ByteString);
    if (value === undefined) ctx.reply.nullBulk();
    else ctx.reply.bulk(value);
  }
}

function hlenCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readHash(ctx, at(argv, 1))?.size ?? 0);
}

function hstrlenCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readHash(ctx, at(argv, 1))?.get(at(argv, 2))?.length ?? 0);
}

function hexistsCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readHash(ctx, at(argv, 1))?.has(at(argv, 2)) === true ? 1 : 0);
}

function hkeysCommand(ctx: CommandContext, argv: ByteString[]): void {
  const fields = readHash(ctx, at(argv, 1));
  ctx.reply.array(fields?.size ?? 0);
  if (fields !== undefined) for (const field of fields.keys()) ctx.reply.bulk(field);
}

function hvalsCommand(ctx: CommandContext, argv: ByteString[]): void {
  const fields = readHash(ctx, at(argv, 1));
  ctx.reply.array(fields?.size ?? 0);
  if (fields !== undefined) for (const value of fields.values()) ctx.reply.bulk(value);
}

function hgetallCommand(ctx: CommandContext, argv: ByteString[]): void {
  const fields = readHash(ctx, at(argv, 1));
  ctx.reply.map(fields?.size ?? 0);
  if (fields === undefined) return;
  for (const [field, value] of fields) {
    ctx.reply.bulk(field);
    ctx.reply.bulk(value);
  }
}

// -------------------------------------------------------------------------------------------------
// HRANDFIELD

/** A count for SRANDMEMBER / HRANDFIELD: any int64 but INT64_MIN (Redis's -LONG_MAX..LONG_MAX). */
export function randomCountArg(arg: ByteString): bigint {
  const count = int64Arg(arg);
  if (count === INT64_MIN) throw new ReplyError(ERR.outOfRangeLong);
  return count;
}

const HALF_INT64 = INT64_MAX / 2n;

function hrandfieldCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  if (argv.length === 2) {
    const fields = readHash(ctx, key);
    if (fields === undefined) ctx.reply.nullBulk();
    else ctx.reply.bulk(randomMember(fields, ctx.random));
    return;
  }
  const count = randomCountArg(at(argv, 2));
  if (argv.length > 4 || (argv.length === 4 && !isWord(argv[3], 'withvalues'))) syntaxError();
  const withValues = argv.length === 4;
  // With values the reply has twice as many elements: Redis bounds the count to keep that sane.
  if (withValues && (count < -HALF_INT64 || count > HALF_INT64)) throw new ReplyError(ERR.outOfRange);
  const fields = readHash(ctx, key);
  if (fields === undefined || count === 0n) {
    ctx.reply.array(0);
    return;
  }
  const out = ctx.reply;
  const resp3 = out.resp === 3;
  const emit = (field: ByteString): void => {
    if (!withValues) {
      out.bulk(field);
      return;
    }
    if (resp3) out.array(2);
    out.bulk(field);
    out.bulk(fields.get(field) as ByteString);
  };
  const size = fields.size;
  if (count < 0n) {
    // Independent picks, repeats allowed: the reply is streamed, never held in memory.
    const n = Number(-count);
    out.array(withValues && !resp3 ? n * 2 : n);
    const all = size < 64 ? [...fields.keys()] : null;
    const random = ctx.random;
    for (let i = 0; i < n; i++) emit(all !== null ? (all[random.below(size)] as ByteString) : randomMember(fields, random));
    return;
  }
  const n = count >= BigInt(size) ? size : Number(count);
  out.array(withValues && !resp3 ? n * 2 : n);
  if (n === size) for (const field of fields.keys()) emit(field);
  else for (const field of distinctMembers(fields, n, ctx.random)) emit(field);
}

// -------------------------------------------------------------------------------------------------
// HSCAN

function hscanCommand(ctx: CommandContext, argv: ByteString[]): void {
  const cursor = parseScanCursor(at(argv, 2));
  const value = ctx.lookupRead(ctx.db, at(argv, 1));
  if (value === undefined) {
    replyScan(ctx, 0n, [], null);
    return;
  }
  const fields = asHash(value);
  const options = parseScanOptions(argv, 3);
  if (valueEncoding(value) === 'listpack') {
    // Redis answers a listpack hash whole, in its order, whatever the cursor and COUNT.
    const matched: ByteString[] = [];
    for (const field of fields.keys()) if (scanMatches(options, field)) matched.push(field);
    replyScan(ctx, 0n, matched, fields);
    return;
  }
  const [next, batch] = scanStep(fields, cursor, options.count);
  replyScan(ctx, next, options.pattern === null ? batch : batch.filter((f) => scanMatches(options, f)), fields);
}

/** `[cursor, [field, value, ...]]`, flat in RESP3 too, as Redis answers HSCAN. */
function replyScan(ctx: CommandContext, cursor: bigint, found: ByteString[], fields: Fields | null): void {
  const out = ctx.reply;
  out.array(2);
  out.bulk(cursor.toString());
  out.array(fields === null ? found.length : found.length * 2);
  for (const field of found) {
    out.bulk(field);
    if (fields !== null) out.bulk(fields.get(field) ?? '');
  }
}

export const hashCommands: CommandImpl[] = [
  cmd('hset', (ctx, argv) => ctx.reply.integer(hsetGeneric(ctx, argv, 'hset'))),
  cmd('hsetnx', hsetnxCommand),
  cmd('hget', hgetCommand),
  cmd('hmget', hmgetCommand),
  cmd('hmset', (ctx, argv) => {
    hsetGeneric(ctx, argv, 'hmset');
    ctx.reply.ok();
  }),
  cmd('hdel', hdelCommand),
  cmd('hlen', hlenCommand),
  cmd('hstrlen', hstrlenCommand),
  cmd('hexists', hexistsCommand),
  cmd('hkeys', hkeysCommand),
  cmd('hvals', hvalsCommand),
  cmd('hgetall', hgetallCommand),
  cmd('hincrby', hincrbyCommand),
  cmd('hincrbyfloat', hincrbyfloatCommand),
  cmd('hrandfield', hrandfieldCommand),
  cmd('hscan', hscanCommand),
];
