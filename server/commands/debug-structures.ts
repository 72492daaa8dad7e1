/**
 * The DEBUG subcommands about Redis's internal structures, and the replication and allocator
 * hooks: STRUCTSIZE, HTSTATS, HTSTATS-KEY, SDSLEN, LISTPACK, QUICKLIST, REPLICATE, MALLCTL,
 * MALLCTL-STR and STRINGMATCH-TEST, answered as Redis 7.0.15 (64-bit, jemalloc) answers them.
 *
 * hashslot does not hold Redis's structures, so what they report is modelled: dict table sizes
 * by storage/dict-tables.ts (exact, apart from how far a rehash has got), bucket chains by
 * storage/dict-stats.ts (Redis's shape over a hash of hashslot's own: Redis's own figures come
 * from a randomly seeded hash), sds sizes by storage/sds-model.ts, listpacks by the RDB encoder.
 * The allocator is not jemalloc: MALLCTL knows a few constants and otherwise answers as
 * jemalloc answers a name it does not have.
 */
import type { ByteString } from '../../storage/bytes';
import { DictTables, estimatedContainerTables } from '../../storage/dict-tables';
import { dictStatsText } from '../../storage/dict-stats';
import { valueEncoding } from '../../storage/encodings';
import { globMatch } from '../../storage/glob';
import { encodeListpack } from '../../storage/rdb/listpack';
import { quicklistNodes } from '../../storage/rdb/quicklist-layout';
import { embstrSdsBytes, newSds, trimmedSds, type SdsAlloc } from '../../storage/sds-model';
import { formatDouble } from '../../storage/numbers';
import type { StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, atoi, intArg, int64Arg } from './args';
import { listpackRepr, quicklistRepr } from './debug-listpack';

/** The subcommands this file answers, as DEBUG HELP names them. */
export const STRUCTURE_SUBCOMMANDS = [
  'STRUCTSIZE', 'HTSTATS', 'HTSTATS-KEY', 'SDSLEN', 'LISTPACK', 'QUICKLIST', 'REPLICATE', 'MALLCTL', 'MALLCTL-STR',
  'STRINGMATCH-TEST',
] as const;

/** sizeof() of Redis's core structures on a 64-bit build, in the order Redis lists them. */
const STRUCT_SIZES = 'bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ';

/** Handles `sub` if it is one of this file's subcommands with its arity; false otherwise. */
export function debugStructures(ctx: CommandContext, sub: string, argv: ByteString[]): boolean {
  const argc = argv.length;
  if (sub === 'structsize' && argc === 2) ctx.reply.bulk(STRUCT_SIZES);
  else if (sub === 'htstats' && argc === 3) htstats(ctx, at(argv, 2));
  else if (sub === 'htstats-key' && argc === 3) htstatsKey(ctx, at(argv, 2));
  else if (sub === 'sdslen' && argc === 3) sdslen(ctx, at(argv, 2));
  else if (sub === 'listpack' && argc === 3) listpack(ctx, at(argv, 2));
  else if (sub === 'quicklist' && (argc === 3 || argc === 4)) quicklist(ctx, at(argv, 2), argc === 4 ? atoi(at(argv, 3)) : 0);
  else if (sub === 'replicate' && argc >= 3) {
    ctx.server.replication.feedVerbatim(argv.slice(2));
    ctx.reply.ok();
  } else if (sub === 'mallctl' && argc >= 3) mallctlInteger(ctx, at(argv, 2), argv[3]);
  else if (sub === 'mallctl-str' && argc >= 3) mallctlString(ctx, at(argv, 2), argv[3]);
  else if (sub === 'stringmatch-test' && argc === 2) stringmatchTest(ctx);
  else return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Hash tables

function htstats(ctx: CommandContext, dbArg: ByteString): void {
  const dbid = intArg(dbArg);
  if (dbid < 0 || dbid >= ctx.keyspace.dbs.length) throw new ReplyError('ERR Out of range database');
  const db = ctx.keyspace.db(dbid);
  ctx.reply.verbatim(
    '[Dictionary HT]\n' + dictStatsText(db.mainTables, db.dictKeys()) + '[Expires HT]\n' + dictStatsText(db.expiresTables, db.expiresKeys()),
  );
}

/** Hash and set values in the hashtable encoding, sorted sets in the skiplist one (its dict). */
function htstatsKey(ctx: CommandContext, key: ByteString): void {
  const value = objectLookup(ctx, key);
  const encoding = valueEncoding(value, ctx.db.heldStringForm(key));
  if (typeof value === 'string' || (encoding !== 'hashtable' && encoding !== 'skiplist')) {
    throw new ReplyError('ERR The value stored at the specified key is not represented using an hash table');
  }
  ctx.reply.verbatim(dictStatsText(containerTables(value), containerElements(value)));
}

function containerElements(value: Exclude<StoredValue, string>): ByteString[] {
  switch (value.kind) {
    case 'hash': return [...value.fields.keys()];
    case 'set': return [...value.members];
    case 'zset': return [...value.scores.keys()];
    default: return [];
  }
}

/**
 * The estimated tables under a big hash, set or sorted set (see estimatedContainerTables): how
 * Redis presized the dict when it converted the value, and the rehash steps an add costs.
 */
function containerTables(value: Exclude<StoredValue, string>): DictTables {
  switch (value.kind) {
    case 'hash': {
      const n = value.fields.size;
      // Converted past 512 fields (presized for 513), or by a long field at about this size.
      return estimatedContainerTables(n, n > 512 ? 513 : n, 2);
    }
    case 'set': {
      const n = value.members.size;
      let integers = true;
      for (const member of value.members) if (!/^-?[0-9]+$/.test(member)) integers = false;
      // An intset converted past 512 members is presized; a set of other members starts empty.
      return estimatedContainerTables(n, integers && n > 512 ? 513 : 0, 1);
    }
    case 'zset': {
      const n = value.scores.size;
      return estimatedContainerTables(n, n > 128 ? 128 : n, 2);
    }
    default:
      return new DictTables();
  }
}

// ---------------------------------------------------------------------------------------------
// Strings

/**
 * DEBUG SDSLEN: the key's sds and the value's. Like Redis it reads the dict directly, so a key
 * past its deadline that is not deleted yet is still found.
 */
function sdslen(ctx: CommandContext, key: ByteString): void {
  const value = ctx.db.peekStored(key);
  if (value === undefined) throw new ReplyError(ERR.noSuchKey);
  const encoding = typeof value === 'string' ? valueEncoding(value, ctx.db.heldStringForm(key)) : 'none';
  if (typeof value !== 'string' || encoding === 'int') throw new ReplyError('ERR Not an sds encoded string.');
  const keySds = newSds(key.length);
  let valueSds: SdsAlloc;
  let valueBlock: number;
  if (encoding === 'embstr') {
    valueSds = { alloc: value.length, zmalloc: 0 };
    valueBlock = embstrSdsBytes(value.length);
  } else {
    valueSds = ctx.db.editedSdsOf(key) ?? trimmedSds(value.length);
    valueBlock = valueSds.zmalloc;
  }
  ctx.reply.simple(
    `key_sds_len:${key.length}, key_sds_avail:${keySds.alloc - key.length}, key_zmalloc: ${keySds.zmalloc}, ` +
      `val_sds_len:${value.length}, val_sds_avail:${Math.max(0, valueSds.alloc - value.length)}, val_zmalloc: ${valueBlock}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Listpacks and quicklists: printed to the log

function listpack(ctx: CommandContext, key: ByteString): void {
  const value = objectLookup(ctx, key);
  if (typeof value === 'string' || valueEncoding(value) !== 'listpack') throw new ReplyError('ERR Not a listpack encoded object.');
  const flat: ByteString[] = [];
  if (value.kind === 'hash') for (const [field, v] of value.fields) flat.push(field, v);
  else if (value.kind === 'zset') for (const node of value.order.entries()) flat.push(node.member, formatDouble(node.score));
  ctx.log.raw(listpackRepr(encodeListpack(flat)));
  ctx.reply.simple('Listpack structure printed on stdout');
}

function quicklist(ctx: CommandContext, key: ByteString, full: number): void {
  const value = objectLookup(ctx, key);
  if (typeof value === 'string' || value.kind !== 'list') throw new ReplyError('ERR Not a quicklist encoded object.');
  ctx.log.raw(quicklistRepr(quicklistNodes(value), value.shape, full !== 0));
  ctx.reply.simple('Quicklist structure printed on stdout');
}

/** What Redis's objectCommandLookup finds: a live key's value, untouched; else "no such key". */
function objectLookup(ctx: CommandContext, key: ByteString): StoredValue {
  const value = ctx.db.peek(key, ctx.nowMs, 'read');
  if (value === undefined) throw new ReplyError(ERR.noSuchKey);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The allocator

/**
 * The jemalloc controls hashslot answers: the constants its memory model is built on (4 KiB
 * pages, a 16-byte quantum; both read-only) and the tcache flush test suites send (write-only,
 * nothing to flush here). Every other name is one jemalloc does not know.
 */
const READ_ONLY_CONTROLS: ReadonlyMap<string, number> = new Map([
  ['arenas.page', 4096],
  ['arenas.quantum', 16],
]);
const WRITE_ONLY_CONTROLS: ReadonlySet<string> = new Set(['thread.tcache.flush']);
const ENOENT = 'ERR No such file or directory';
const EPERM = 'ERR Operation not permitted';
const EINVAL = 'ERR Invalid argument';

/** DEBUG MALLCTL <key> [<val>]: an integer control, read (and written when a value is given). */
function mallctlInteger(ctx: CommandContext, name: ByteString, valueArg: ByteString | undefined): void {
  if (valueArg !== undefined) int64Arg(valueArg);
  const known = READ_ONLY_CONTROLS.get(name);
  if (known !== undefined && valueArg === undefined) return ctx.reply.integer(known);
  if (known !== undefined || WRITE_ONLY_CONTROLS.has(name)) throw new ReplyError(EPERM);
  throw new ReplyError(ENOENT);
}

/**
 * DEBUG MALLCTL-STR <key> [<val>]: a string control. A write-only control takes the value VOID
 * (write nothing) and refuses to be read. Redis reads an integer control here as a string
 * pointer, which crashes it; hashslot refuses with EINVAL instead.
 */
function mallctlString(ctx: CommandContext, name: ByteString, valueArg: ByteString | undefined): void {
  if (WRITE_ONLY_CONTROLS.has(name)) {
    if (valueArg === 'VOID') return ctx.reply.ok();
    throw new ReplyError(EPERM);
  }
  throw new ReplyError(READ_ONLY_CONTROLS.has(name) ? EINVAL : ENOENT);
}

// ---------------------------------------------------------------------------------------------
// STRINGMATCH-TEST

/** Random subjects and patterns per run (Redis runs ten million in C; this is the same test, shorter). */
const STRINGMATCH_CYCLES = 200_000;

/**
 * Redis's stringmatchlen fuzz test: random 7-bit strings and patterns of up to 31 bytes must be
 * matched without crashing (or hanging). The total of matches goes to the log, as Redis prints it.
 */
function stringmatchTest(ctx: CommandContext): void {
  const random = ctx.random;
  let matches = 0;
  for (let cycle = 0; cycle < STRINGMATCH_CYCLES; cycle++) {
    const subject = randomBytes(random.below(32), random);
    const pattern = randomBytes(random.below(32), random);
    if (globMatch(pattern, subject)) matches++;
  }
  ctx.log.raw(`Total matches: ${matches}`);
  ctx.reply.simple('Apparently Redis did not crash: test passed');
}

function randomBytes(length: number, random: { below(n: number): number }): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(random.below(128));
  return s;
}
