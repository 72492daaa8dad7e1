/*
 * Micro-benchmark: what one command costs inside the server, without sockets. The bytes
 * redis-benchmark sends for a test (16 requests pipelined per read, as with -P 16) are fed to the
 * server's own request parser, each request goes through RedisNode.execute (dispatch, the
 * handler, the database, the reply writer) on a session of its own, and the replies are taken
 * out of the writer after each read, as the client's flush would. The figure is nanoseconds per
 * command on one core, with the event loop, the socket read and the write left out: the part of
 * a pipelined command's cost that is hashslot's own code (bench/pinned-cpu.sh measures the whole).
 *
 *   node dist/bench/dispatch-cost.js [--tests ping,set,get,incr,mset] [--random N] [--rounds N] [--commands N]
 *
 * --random N draws keys from N names as redis-benchmark's -r does (default: one key per test).
 * Run it pinned (`taskset -c 0`) on a quiet machine, and compare trees side by side.
 */
import { Buffer } from 'node:buffer';
import { ByteStringRequestParser } from '../protocol/request-parser';
import { Config } from '../server/config/config';
import { RedisNode } from '../server/node';
import { BenchArgs } from './bench-cli';
import { encodeCommands } from './harness/resp';

const PIPELINE = 16;
const BATCHES = 64;

/** redis-benchmark's request for a test, its key placeholders filled by `key(prefix)`. */
const TESTS: Record<string, (key: (prefix: string) => string) => string[]> = {
  ping: () => ['PING'],
  set: (key) => ['SET', key('key:'), 'xxx'],
  get: (key) => ['GET', key('key:')],
  incr: (key) => ['INCR', key('counter:')],
  lpush: (key) => ['LPUSH', key('mylist:'), 'xxx'],
  sadd: (key) => ['SADD', key('myset:'), key('element:')],
  hset: (key) => ['HSET', key('myhash:'), key('element:'), 'xxx'],
  mset: (key) => ['MSET', ...Array.from({ length: 10 }, () => [key('key:'), 'xxx']).flat()],
};

/** BATCHES reads of PIPELINE requests each, as the socket would deliver them. */
function buildReads(test: string, random: number): Buffer[] {
  const make = TESTS[test];
  if (make === undefined) throw new Error(`unknown test ${test}; known: ${Object.keys(TESTS).join(', ')}`);
  let seed = 12345;
  const key = (prefix: string): string => {
    if (random === 0) return `${prefix}000000000000`;
    seed = (seed * 1103515245 + 12345) >>> 0;
    return prefix + String(seed % random).padStart(12, '0');
  };
  const reads: Buffer[] = [];
  for (let b = 0; b < BATCHES; b++) reads.push(encodeCommands(Array.from({ length: PIPELINE }, () => make(key))));
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
    usage: 'usage: node dist/bench/dispatch-cost.js [--tests ping,set,...] [--random N] [--rounds N] [--commands N]',
    options: ['tests', 'random', 'rounds', 'commands'],
  }, process.env);
  const tests = (args.text('tests') ?? 'ping,set,get,incr,mset').split(',');
  const random = args.has('random') ? args.positiveInt('random', undefined, 1) : 0;
  const rounds = args.positiveInt('rounds', undefined, 5);
  const commands = args.positiveInt('commands', undefined, 2_000_000);
  const config = Config.fromArgs(['--port', '0', '--save', '']);
  const node = new RedisNode({ config, logSink: { write: () => undefined } });
  console.log(`# ns per command, in-process (parser + execute + reply), ${PIPELINE} per read; ${rounds} rounds, median`);
  console.log('| test | ns/command |');
  console.log('|---|--:|');
  for (const test of tests) {
    const reads = buildReads(test, random);
    const figures: number[] = [];
    for (let r = 0; r < rounds; r++) {
      node.keyspace.flushAll();
      figures.push(measure(node, reads, commands));
    }
    figures.sort((a, b) => a - b);
    console.log(`| ${test} | ${Math.round(figures[figures.length >> 1] as number)} |`);
  }
}

main();
