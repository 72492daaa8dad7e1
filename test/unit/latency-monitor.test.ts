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
