/*
 * Differential tests for LATENCY: HELP, the errors, the disabled and quiet DOCTOR texts, empty
 * LATEST / HISTORY / RESET, then a `command` spike from a slow script (also with the slow log
 * off: the monitor samples all the same), compared with the figures masked (they are each
 * server's own timings), and HISTOGRAM's shape.
 */

import t from 'tap';
import { check, dualRun, error, type Step } from './harness';
import { inBothProtocols } from './random-picks';
import type { Comparator } from './compare';
import { escapeMultiline } from '../../bench/harness/resp';

const dual = dualRun(t);

/** A reply with every number masked: the servers' timings differ, the text around them must not. */
const numbersMasked: Comparator = (redis, target) => {
  const mask = (b: Buffer): string => escapeMultiline(b).replace(/\d+(\.\d+)?/g, '<n>');
  return { expected: mask(redis), actual: mask(target) };
};
const masked = (...argv: string[]): Step => check(numbersMasked, ...argv);
/** HISTOGRAM with its buckets dropped: which bucket a call falls in is each server's own timing. */
const callsOnly: Comparator = (redis, target) => {
  const cut = (b: Buffer): string => escapeMultiline(b).split('histogram_usec')[0] ?? '';
  return { expected: cut(redis), actual: cut(target) };
};
/**
 * Over the 50 ms threshold on either server (about 0.2 s on redis-server), far from busy; the
 * threshold is high enough that no other command of the case reaches it on a loaded machine,
 * which would add samples or events on one side only.
 */
const SLOW_SCRIPT = 'local i = 0 while i < 12000000 do i = i + 1 end return 1';

inBothProtocols(dual, 'LATENCY with the monitor off, and the errors', [
  ['LATENCY', 'HELP'],
  ['LATENCY', 'DOCTOR'],
  ['LATENCY', 'LATEST'],
  ['LATENCY', 'HISTORY', 'command'],
  ['LATENCY', 'RESET'],
  ['LATENCY', 'RESET', 'command', 'other'],
  error('LATENCY', 'GRAPH', 'command'),
  error('LATENCY'),
  error('LATENCY', 'FOO'),
  error('LATENCY', 'HISTORY'),
  error('LATENCY', 'GRAPH'),
  error('LATENCY', 'LATEST', 'x'),
  ['LATENCY', 'HISTOGRAM', 'nosuchcommand'],
]);

dual.case('a slow script is a command spike: LATEST, HISTORY, GRAPH, DOCTOR, RESET', [
  ['CONFIG', 'SET', 'latency-monitor-threshold', '50'],
  ['LATENCY', 'RESET'],
  ['LATENCY', 'DOCTOR'],
  ['EVAL', SLOW_SCRIPT, '0'],
  masked('LATENCY', 'LATEST'),
  masked('LATENCY', 'HISTORY', 'command'),
  masked('LATENCY', 'DOCTOR'),
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
  masked('LATENCY', 'DOCTOR'),
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
  ['LATENCY', 'RESET', 'command', 'command'],
  ['LATENCY', 'LATEST'],
  ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
]);

dual.case('with the slow log off, the monitor still samples commands', [
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
  ['CONFIG', 'SET', 'latency-monitor-threshold', '50'],
  ['LATENCY', 'RESET'],
  ['EVAL', SLOW_SCRIPT, '0'],
  masked('LATENCY', 'LATEST'),
  ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
  ['LATENCY', 'RESET'],
]);

dual.case('HISTOGRAM: calls and cumulative counts per command', [
  ['CONFIG', 'RESETSTAT'],
  ['SET', 'k', 'v'],
  ['SET', 'k', 'v'],
  ['GET', 'k'],
  check(callsOnly, 'LATENCY', 'HISTOGRAM', 'set'),
  check(callsOnly, 'LATENCY', 'HISTOGRAM', 'get'),
  ['LATENCY', 'HISTOGRAM', 'hget'],
]);
