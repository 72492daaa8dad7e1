/*
 * The latency monitor's sample ring and its GRAPH and DOCTOR texts. The graph below was drawn by
 * redis-server 7.0.15 for seven `command` samples taken a second apart (19, 43, 2, 97, 21, 4 and
 * 44 ms, the last a second before the graph): the same samples must draw the same text here.
 */
import t from 'tap';
import { ManualClock } from '../../server/clock';
import { Config } from '../../server/config/config';
import { LatencyMonitor } from '../../server/observe/latency-monitor';

function monitor(threshold = '1'): LatencyMonitor {
  const config = new Config({});
  config.set([['latency-monitor-threshold', threshold]]);
  return new LatencyMonitor(config, new ManualClock(0));
}

/** DOCTOR's settings as a default redis-server has them. */
const DEFAULTS = { slowlogThresholdUs: 10000, slowlogMaxLen: 128, hz: 10, appendfsync: 'everysec' };

const REDIS_GRAPH = [
  'command - high 97 ms, low 2 ms (all time high 97 ms)',
  '-'.repeat(80),
  '   #   ',
  '   |   ',
  ' # |  #',
  '#|_|#_|',
  '       ',
  '8765421',
  'sssssss',
  '',
].join('\n');

t.test('GRAPH draws the samples as redis-server does', async (t) => {
  const m = monitor();
  const now = 1_796_417_153;
  const ages = [8, 7, 6, 5, 4, 2, 1];
  [19, 43, 2, 97, 21, 4, 44].forEach((ms, i) => m.record('command', ms, now - (ages[i] as number)));
  t.equal(m.graph('command', now), REDIS_GRAPH);
  t.equal(m.graph('nosuch', now), null, 'no samples: null (the command answers an error)');
});

t.test('one sample per second: the worst; the ring keeps 160; max is all-time', async (t) => {
  const m = monitor();
  m.record('command', 5, 100);
  m.record('command', 9, 100);
  m.record('command', 3, 100);
  t.same(m.history('command'), [{ unixSec: 100, latencyMs: 9 }]);
  for (let s = 101; s < 101 + 200; s++) m.record('command', 2, s);
  const history = m.history('command');
  t.equal(history.length, 160);
  t.equal(history[0]?.unixSec, 141, 'the oldest kept');
  t.same(m.latest(), [['command', 300, 2, 9]]);
  m.record('command', 0, 400);
  t.equal(m.history('command').length, 160, 'under the threshold: no sample');
  t.equal(m.reset(['command', 'nosuch']), 1);
  t.same(m.latest(), []);
});

t.test('DOCTOR: disabled, quiet, and a command spike with the slow log advice', async (t) => {
  t.match(monitor('0').doctor(0, DEFAULTS), /^I'm sorry, Dave, I can't do that\./);
  t.match(monitor().doctor(0, DEFAULTS), /^Dave, no latency spike was observed/);
  const m = monitor();
  m.record('command', 45, 1000);
  t.equal(m.doctor(1000, DEFAULTS), [
    "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?",
    '',
    '1. command: 1 latency spikes (average 45ms, mean deviation 0ms, period 1.00 sec). Worst all time event 45ms.',
    '',
    'I have a few advices for you:',
    '',
    "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.",
    '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.',
    '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.',
    '',
  ].join('\n'));
});

/** The report's lines for `events` (each with one 5 ms sample, taken now). */
function reportFor(events: string[], settings: Partial<typeof DEFAULTS> = {}): string[] {
  const m = monitor();
  for (const event of events) m.record(event, 5, 1000);
  return m.doctor(1000, { ...DEFAULTS, ...settings }).split('\n');
}

/** The advice lines of a report (those opening with "- "), by their first words. */
function adviceOf(lines: string[]): string[] {
  return lines.filter((l) => l.startsWith('- ')).map((l) => l.split(' ').slice(1, 5).join(' '));
}

t.test('DOCTOR: each event\'s advice, once each, in Redis\'s fixed order', async (t) => {
  const all = [
    'eviction-cycle', 'eviction-del', 'expire-cycle', 'aof-rename', 'aof-fstat', 'aof-fsync-always',
    'aof-write-alone', 'aof-write-active-child', 'aof-write-pending-fsync', 'fast-command', 'command',
  ];
  t.same(adviceOf(reportFor(all, { appendfsync: 'always' })), [
    'Your current Slow Log',
    'Check your Slow Log',
    'The system is slow',
    'It is strongly advised',
    'SSD disks are able',
    'Mounting ext3/4 filesystems with',
    'Try to lower the',
    'Assuming from the point',
    'Your fsync policy is',
    'Latency during the AOF',
    'In order to make',
    'Deleting, expiring or evicting',
    'Sudden changes to the',
  ]);
  const scheduler = reportFor(['fast-command']);
  t.same(scheduler.slice(6, 12), [
    '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:',
    '  1) Lower the system load.',
    '  2) Use a computer / VM just for Redis if you are running other software in the same system.',
    '  3) Check if you have a "noisy neighbour" problem.',
    "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.",
    '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.',
  ], 'fast-command: the scheduler advice');
});

t.test('DOCTOR: advice that depends on settings, and events with no advice', async (t) => {
  t.same(adviceOf(reportFor(['expire-cycle'], { hz: 100 })), ['Deleting, expiring or evicting'], 'hz already 100: no hz advice');
  t.same(reportFor(['aof-fsync-always']).slice(3), ['', 'I have a few advices for you:', '', ''],
    'appendfsync no longer always: the advice counted, nothing left to say (as Redis writes it)');
  t.same(reportFor(['expire-del', 'aof-write']).slice(4), [
    '',
    "While there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.",
    '',
  ], 'events no advice covers');
  t.match(reportFor(['command'], { slowlogThresholdUs: -1 }).join('\n'), /Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than 1000'/);
});

t.test('timing: the clock is read only while the threshold is set; ms as Redis\'s mstime takes them', async (t) => {
  let reads = 0;
  const manual = new ManualClock(1_000_000);
  const clock = {
    now: () => manual.now(),
    nowMicros: () => manual.nowMicros(),
    monotonicMs: () => {
      reads++;
      return manual.monotonicMs() + 0.9;
    },
    schedule: manual.schedule.bind(manual),
    every: manual.every.bind(manual),
  };
  const config = new Config({});
  const holder: { latency?: unknown } = {};
  const m = new LatencyMonitor(config, clock, holder as never);
  t.equal(holder.latency, null, 'threshold 0: no probe lent');
  m.end('aof-write', m.start());
  t.equal(reads, 0, 'threshold 0: no clock reading');
  config.set([['latency-monitor-threshold', '1']]);
  t.equal(holder.latency, m, 'threshold set: the monitor is the probe');
  const started = m.start();
  manual.advance(1);
  t.equal(m.elapsedMs(started), 1, '0.9 → 1.9: one millisecond boundary crossed, 1 ms');
  t.equal(m.elapsedWholeMs(started), 1);
  m.end('aof-write', started);
  t.same(m.latest(), [['aof-write', 1000, 1, 1]]);
});
