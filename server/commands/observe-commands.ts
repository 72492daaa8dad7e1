/**
 * SLOWLOG GET [count] / LEN / RESET / HELP, MONITOR, and LATENCY LATEST / HISTORY / RESET /
 * GRAPH / DOCTOR / HISTOGRAM / HELP (the mechanisms are in server/observe/).
 */
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { at, int64Arg } from './args';
import type { CommandSpec } from '../dispatch/command';

const DEFAULT_COUNT = 10;

function getCommand(ctx: CommandContext, argv: readonly string[]): void {
  if (argv.length > 3) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try SLOWLOG HELP.`);
  let count = DEFAULT_COUNT;
  if (argv.length === 3) {
    const given = int64Arg(at(argv, 2), 'ERR count should be greater than or equal to -1');
    if (given < -1n) throw new ReplyError('ERR count should be greater than or equal to -1');
    count = given > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(given);
  }
  const entries = ctx.server.slowlog.newest(count);
  const reply = ctx.reply;
  reply.array(entries.length);
  for (const entry of entries) {
    reply.array(6);
    reply.integer(entry.id);
    reply.integer(entry.unixSec);
    reply.integer(entry.durationUs);
    reply.array(entry.args.length);
    for (const arg of entry.args) reply.bulk(arg);
    reply.bulk(entry.addr);
    reply.bulk(entry.name);
  }
}

/** MONITOR: this connection is sent every command from now on; a second MONITOR is ignored. */
function monitorCommand(ctx: CommandContext): void {
  const monitors = ctx.server.monitors;
  const session = ctx.session;
  // Inside EXEC a client expects one reply per command, so it cannot become a monitor.
  if (session.transaction.executing) throw new ReplyError("ERR MONITOR isn't allowed for DENY BLOCKING client");
  if (session.kind !== 'normal' || monitors.has(session)) return;
  monitors.add(session);
  ctx.reply.ok();
}

/** LATENCY HISTOGRAM [command...]: each command's calls and cumulative counts per power-of-two µs. */
function histogramCommand(ctx: CommandContext, argv: readonly string[]): void {
  const table = ctx.server.commands;
  let wanted: CommandSpec[] = [...table.allWithSubcommands()];
  if (argv.length > 2) {
    wanted = [];
    for (const name of argv.slice(2)) {
      const [top = '', sub] = name.toLowerCase().split('|');
      const spec = table.get(top);
      if (spec === undefined) continue;
      if (sub !== undefined) {
        const found = spec.subcommands?.get(sub);
        if (found !== undefined) wanted.push(found);
      } else if (spec.subcommands !== null) wanted.push(...spec.subcommands.values());
      else wanted.push(spec);
    }
  }
  const specs = [...new Set(wanted.filter((spec) => spec.stats.latencyBuckets !== null))];
  const reply = ctx.reply;
  reply.map(specs.length);
  for (const spec of specs) {
    const buckets = spec.stats.latencyBuckets ?? [];
    reply.bulk(spec.fullName);
    reply.map(2);
    reply.bulk('calls');
    reply.integer(buckets.reduce((total, n) => total + (n ?? 0), 0));
    reply.bulk('histogram_usec');
    const filled = buckets.flatMap((n, i) => (n === undefined ? [] : [i]));
    reply.map(filled.length);
    let cumulative = 0;
    for (const i of filled) {
      cumulative += buckets[i] ?? 0;
      reply.integer(2 ** i);
      reply.integer(cumulative);
    }
  }
}

function latencyGraph(ctx: CommandContext, argv: readonly string[]): void {
  const event = at(argv, 2);
  const graph = ctx.server.latency.graph(event, Math.floor(ctx.server.clock() / 1000));
  if (graph === null) throw new ReplyError(`ERR No samples available for event '${event}'`);
  ctx.reply.verbatim(graph);
}

export const observeCommands: CommandImpl[] = [
  cmd('latency|latest', (ctx) => {
    const rows = ctx.server.latency.latest();
    ctx.reply.array(rows.length);
    for (const [event, time, latest, max] of rows) {
      ctx.reply.array(4);
      ctx.reply.bulk(event);
      ctx.reply.integer(time);
      ctx.reply.integer(latest);
      ctx.reply.integer(max);
    }
  }),
  cmd('latency|history', (ctx, argv) => {
    const samples = ctx.server.latency.history(at(argv, 2));
    ctx.reply.array(samples.length);
    for (const sample of samples) {
      ctx.reply.array(2);
      ctx.reply.integer(sample.unixSec);
      ctx.reply.integer(sample.latencyMs);
    }
  }),
  cmd('latency|reset', (ctx, argv) => ctx.reply.integer(ctx.server.latency.reset(argv.slice(2)))),
  cmd('latency|graph', latencyGraph),
  cmd('latency|doctor', (ctx) => {
    const node = ctx.server;
    const config = node.config;
    ctx.reply.verbatim(node.latency.doctor(Math.floor(node.clock() / 1000), {
      slowlogThresholdUs: config.number('slowlog-log-slower-than'),
      slowlogMaxLen: config.number('slowlog-max-len'),
      hz: config.number('hz'),
      appendfsync: config.string('appendfsync'),
    }));
  }),
  cmd('latency|histogram', histogramCommand),
  cmd('latency|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.latency ?? [])),
  cmd('monitor', monitorCommand),
  cmd('slowlog|get', getCommand),
  cmd('slowlog|len', (ctx) => ctx.reply.integer(ctx.server.slowlog.length)),
  cmd('slowlog|reset', (ctx) => {
    ctx.server.slowlog.reset();
    ctx.reply.ok();
  }),
  cmd('slowlog|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.slowlog ?? [])),
];
