/**
 * MEMORY USAGE / STATS / DOCTOR / PURGE / MALLOC-STATS / HELP, answered from the modelled
 * figures (storage/memory-model.ts, server/memory/node-memory.ts) so they agree with INFO's
 * used_memory and with what a redis-server holding the same data reports.
 *
 *   MEMORY USAGE key [SAMPLES n]   the key's dict entry, key sds and value object; containers
 *                                  past their compact encodings are sampled (5 by default, 0 =
 *                                  all). Reads the dictionary directly, as Redis does: a key past
 *                                  its deadline but not yet deleted is still measured.
 *   MEMORY STATS                   MEMORY STATS's fields in Redis 7.0's order; allocator fields
 *                                  report the model (there is no jemalloc to ask).
 *   MEMORY DOCTOR                  Redis's report for an instance under 5 MB, else its
 *                                  no-issue report: the checks Redis makes read the allocator's
 *                                  fragmentation and RSS, which mean nothing for a V8 heap.
 */
import type { ByteString } from '../../storage/bytes';
import { keyUsageBytes } from '../../storage/memory-model';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { ERR, ReplyError } from '../dispatch/errors';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { at, isWord, syntaxError } from './args';
import { parseInt64 } from '../../storage/numbers';

/** MEMORY USAGE's default SAMPLES. */
const DEFAULT_SAMPLES = 5;
/** Below this much allocated, MEMORY DOCTOR declines to diagnose. */
const DOCTOR_MIN_BYTES = 5 * 1024 * 1024;

const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
  'Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n';
const DOCTOR_NO_ISSUES = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";

function usageCommand(ctx: CommandContext, argv: ByteString[]): void {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (isWord(argv[j], 'samples') && j + 1 < argv.length) {
      const n = parseInt64(at(argv, ++j));
      if (n === null) throw new ReplyError(ERR.notInteger);
      if (n < 0n) syntaxError();
      samples = n === 0n ? 0 : Number(n);
    } else {
      syntaxError();
    }
  }
  const key = at(argv, 2);
  const value = ctx.db.peekStored(key);
  if (value === undefined) {
    ctx.reply.null();
    return;
  }
  ctx.reply.integer(keyUsageBytes(key, value, ctx.db.heldStringForm(key), samples));
}

/** A double as Redis's MEMORY STATS prints it (%.17g-like: shortest round-trip form). */
function ratio(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

function statsCommand(ctx: CommandContext): void {
  const node = ctx.server;
  const f = node.memory.figures();
  const heap = process.memoryUsage();
  const reply = ctx.reply;
  const net = f.used - f.startup;
  const fields: Array<[string, number | string | Array<[string, number]>]> = [
    ['peak.allocated', node.memory.peak],
    ['total.allocated', f.used],
    ['startup.allocated', f.startup],
    ['replication.backlog', f.backlog],
    ['clients.slaves', f.clientsReplicas],
    ['clients.normal', f.clientsNormal],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', f.scripts],
    ['functions.caches', node.scriptingMemory.usedMemoryFunctions],
  ];
  for (const [id, main, expires] of f.dbOverheads) {
    fields.push([`db.${id}`, [['overhead.hashtable.main', main], ['overhead.hashtable.expires', expires], ['overhead.hashtable.slot-to-keys', 0]]]);
  }
  fields.push(
    ['overhead.total', f.overheadTotal],
    ['keys.count', f.keys],
    ['keys.bytes-per-key', f.keys === 0 ? 0 : Math.floor(net / f.keys)],
    ['dataset.bytes', f.dataset],
    ['dataset.percentage', ratio(net === 0 ? 0 : (f.dataset * 100) / net)],
    ['peak.percentage', ratio((f.used * 100) / node.memory.peak)],
    ['allocator.allocated', f.used],
    ['allocator.active', f.used],
    ['allocator.resident', heap.rss],
    ['allocator-fragmentation.ratio', ratio(1)],
    ['allocator-fragmentation.bytes', 0],
    ['allocator-rss.ratio', ratio(heap.rss / f.used)],
    ['allocator-rss.bytes', heap.rss - f.used],
    ['rss-overhead.ratio', ratio(1)],
    ['rss-overhead.bytes', 0],
    ['fragmentation', ratio(heap.rss / f.used)],
    ['fragmentation.bytes', heap.rss - f.used],
  );
  reply.map(fields.length);
  for (const [name, value] of fields) {
    reply.bulk(name);
    if (typeof value === 'number') reply.integer(value);
    else if (typeof value === 'string') reply.double(value);
    else {
      reply.map(value.length);
      for (const [sub, n] of value) {
        reply.bulk(sub);
        reply.integer(n);
      }
    }
  }
}

export const memoryCommands: CommandImpl[] = [
  cmd('memory|usage', usageCommand),
  cmd('memory|stats', statsCommand),
  cmd('memory|doctor', (ctx) => ctx.reply.verbatim(ctx.server.memory.used() < DOCTOR_MIN_BYTES ? DOCTOR_EMPTY : DOCTOR_NO_ISSUES)),
  // Nothing to give back: V8's collector returns pages by itself.
  // Redis asks its allocator to return free pages; the nearest thing here is a full garbage
  // collection, which V8 only lets a process started with --expose-gc ask for.
  cmd('memory|purge', (ctx) => {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (typeof collect === 'function') collect();
    ctx.reply.ok();
  }),
  cmd('memory|malloc-stats', (ctx) => ctx.reply.verbatim('Stats not supported for the current allocator')),
  cmd('memory|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.memory ?? [])),
];
