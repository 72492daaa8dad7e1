/*
 * Micro-benchmark: what one command costs inside the server, without sockets. The bytes
 * redis-benchmark sends for a test (16 requests pipelined per read, as with -P 16) are fed to the
 * server's own request parser, each request goes through RedisNode.execute (dispatch, the
 * handler, the database, the reply writer) on a session of its own, and the replies are taken
 * out of the writer after each read, as the client's flush would. The figure is nanoseconds per
 * command on one core, with the event loop, the socket read and the write left out: the part of
 * a pipelined command's cost that is hashslot's own code (bench/pinned-cpu.sh measures the whole).
 *
 *   node dist/bench/dispatch-cost.js [--tests ping,set,get,incr,mset,lpush,sadd,hset,zadd,geoadd,xadd,xread,xreadgroup,pfadd,pfcount] [--random N] [--rounds N] [--commands N]
 *                                    [--batches N] [--value-bytes N] [--maxmemory 100mb [--policy allkeys-lru]]
 *                                    [--config "--slowlog-log-slower-than -1 ..."]
 *
 * --random N draws keys from N names as redis-benchmark's -r does (default: one key per test).
 * The reads are built once and fed in turn: --batches of 16 requests (default 64, so 1,024
 * keys go round); a workload that must keep creating keys, such as SETs under eviction, wants
 * as many batches as commands. --value-bytes sets the values' size (default 3, as redis-benchmark).
 * --maxmemory (with --policy) runs the node under a memory limit, so writes evict; the keyspace
 * is then not flushed between rounds, so from the second round on the node evicts all along.
 * --config passes more of redis-server's command-line options to the node.
 * Run it pinned (`taskset -c 0`) on a quiet machine, and compare trees side by side.
 */
import { Buffer } from 'node:buffer';
import { ByteStringRequestParser } from '../protocol/request-parser';
import { Config } from '../server/config/config';
import { RedisNode } from '../server/node';
import { SeededRandom } from '../storage/random';
import { BenchArgs } from './bench-cli';
import { encodeCommands } from './harness/resp';

const PIPELINE = 16;

/** redis-benchmark's request for a test, its key placeholders filled by `key(prefix)`, `v` the value. */
const TESTS: Record<string, (key: (prefix: string) => string, v: string) => string[]> = {
  ping: () => ['PING'],
  set: (key, v) => ['SET', key('key:'), v],
  get: (key) => ['GET', key('key:')],
  incr: (key) => ['INCR', key('counter:')],
  lpush: (key, v) => ['LPUSH', key('mylist:'), v],
  sadd: (key) => ['SADD', key('myset:'), key('element:')],
  hset: (key, v) => ['HSET', key('myhash:'), key('element:'), v],
  // One score for every member, as GEOADD of one place under many names: each insert orders
  // by the member strings alone. geoadd is bench/pinned-types.sh's GEOADD request.
  zadd: (key) => ['ZADD', 'myzset', '0', key('element:')],
  geoadd: (key) => ['GEOADD', 'geo', '13.361389', '38.115556', key('')],
  mset: (key, v) => ['MSET', ...Array.from({ length: 10 }, () => [key('key:'), v]).flat()],
  // bench/pinned-types.sh's reads: the first 10 entries of a 1,000-entry stream, and the first
  // 10 of a consumer's 1,000 pending ones (its history); SETUP below makes the stream.
  xread: () => ['XREAD', 'COUNT', '10', 'STREAMS', 'read', '0'],
  xreadgroup: () => ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', 'read', '0'],
  xadd: (key) => ['XADD', 'log', '*', 'f', key(''), 'g', 'v'],
  pfadd: (key) => ['PFADD', 'sketch', key('')],
  pfcount: () => ['PFCOUNT', 'counted'],
};

/** Commands run before each round of a test that reads what they make. */
const STREAM_OF_1000 = [
  ...Array.from({ length: 1000 }, (_, i) => ['XADD', 'read', '*', 'f', String(i + 1)]),
  ['XGROUP', 'CREATE', 'read', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'read', '>'],
];
const SETUP: Record<string, string[][]> = {
  xread: STREAM_OF_1000,
  xreadgroup: STREAM_OF_1000,
  pfcount: Array.from({ length: 1000 }, (_, i) => ['PFADD', 'counted', String(i + 1)]),
};

/** `batches` reads of PIPELINE requests each, as the socket would deliver them. */
function buildReads(test: string, random: number, batches: number, valueBytes: number): Buffer[] {
  const make = TESTS[test];
  if (make === undefined) throw new Error(`unknown test ${test}; known: ${Object.keys(TESTS).join(', ')}`);
  // The server's own seeded generator. The linear congruential generator used before multiplied
  // in doubles, past their 53 bits, and cycled through 7,043 names out of 10,000,000.
  const seeded = new SeededRandom(12345);
  const key = (prefix: string): string => {
    if (random === 0) return `${prefix}000000000000`;
    return prefix + String(seeded.below(random)).padStart(12, '0');
  };
  const value = 'x'.repeat(valueBytes);
  const reads: Buffer[] = [];
  for (let b = 0; b < batches; b++) reads.push(encodeCommands(Array.from({ length: PIPELINE }, () => make(key, value))));
  return reads;
}

function measure(node: RedisNode, reads: readonly Buffer[], commands: number): number {
  const session = node.createSocketlessSession();
  const parser = new ByteStringRequestParser();
  const batches = Math.ceil(commands / PIPELINE);
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    // A socket read hands over a new buffer each time.
    const read = reads[b % reads.length] as Buffer;
    parser.feed(Buffer.from(read));
    node.nowMs = Date.now();
    let argv: string[] | null;
    while ((argv = parser.next()) !== null) node.execute(session, argv);
    session.reply.take();
  }
  return Number(process.hrtime.bigint() - started) / (batches * PIPELINE);
}

function main(): void {
  const args = BenchArgs.parse(process.argv.slice(2), {
    usage:
      'usage: node dist/bench/dispatch-cost.js [--tests ping,set,...] [--random N] [--rounds N] [--commands N] ' +
      '[--batches N] [--value-bytes N] [--maxmemory 100mb [--policy allkeys-lru]] [--config "--name value ..."]',
    options: ['tests', 'random', 'rounds', 'commands', 'batches', 'value-bytes', 'maxmemory', 'policy', 'config'],
  }, process.env);
  const tests = (args.text('tests') ?? 'ping,set,get,incr,mset').split(',');
  const random = args.has('random') ? args.positiveInt('random', undefined, 1) : 0;
  const rounds = args.positiveInt('rounds', undefined, 5);
  const commands = args.positiveInt('commands', undefined, 2_000_000);
  const batches = args.positiveInt('batches', undefined, 64);
  const valueBytes = args.positiveInt('value-bytes', undefined, 3);
  const maxmemory = args.text('maxmemory');
  const serverArgs = ['--port', '0', '--save', ''];
  if (maxmemory !== undefined) serverArgs.push('--maxmemory', maxmemory, '--maxmemory-policy', args.text('policy') ?? 'allkeys-lru');
  const extra = args.text('config');
  if (extra !== undefined) serverArgs.push(...extra.split(' ').filter((word) => word !== ''));
  const node = new RedisNode({ config: Config.fromArgs(serverArgs), logSink: { write: () => undefined } });
  console.log(
    `# ns per command, in-process (parser + execute + reply), ${PIPELINE} per read; ${rounds} rounds, median` +
      (maxmemory !== undefined ? `; maxmemory ${maxmemory}, keyspace kept between rounds` : ''),
  );
  console.log('| test | ns/command |');
  console.log('|---|--:|');
  for (const test of tests) {
    const reads = buildReads(test, random, batches, valueBytes);
    const figures: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Under a memory limit the full keyspace is the point: the writes evict.
      if (maxmemory === undefined) node.keyspace.flushAll();
      const setup = node.createSocketlessSession();
      node.nowMs = Date.now();
      for (const argv of SETUP[test] ?? []) node.execute(setup, argv);
      setup.reply.take();
      figures.push(measure(node, reads, commands));
    }
    figures.sort((a, b) => a - b);
    console.log(`| ${test} | ${Math.round(figures[figures.length >> 1] as number)} |`);
  }
}

main();
