/**
 * The latency monitor (LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR), as Redis 7.0 keeps it.
 *
 * With `latency-monitor-threshold` above 0 (milliseconds), every timed operation that took at
 * least that long is a sample of its event: `command` for a command not flagged fast,
 * `fast-command` for one that is. Each event keeps a ring of its last 160 samples, at most one per
 * second (a second sample in the same second only raises that second's value), and its all-time
 * maximum.
 *
 * GRAPH draws the samples as Redis's sparkline does: four rows, each sample's height in twelve
 * steps between the lowest and highest sample, filled cells `|` under a top of `_`, `o` or `#`, a
 * blank row, then each sample's age ("8s", "3m") written downwards. DOCTOR writes Redis's report:
 * per event the spike count, average, mean deviation and period, then the advice that applies to
 * `command` events. (hashslot records no other events, so the other advice never appears.)
 */
import type { Config } from '../config/config';

/** One second's worst latency. */
interface Sample {
  unixSec: number;
  latencyMs: number;
}

interface TimeSeries {
  /** Ring of the last SAMPLES_KEPT seconds with a sample, written at `next`. */
  readonly samples: Array<Sample | undefined>;
  next: number;
  maxMs: number;
}

const SAMPLES_KEPT = 160;
const GRAPH_COLUMNS = 80;
const GRAPH_ROWS = 4;
const TOP_CHARS = '_o#';

export class LatencyMonitor {
  /** Events in the order they first happened (Redis lists them in its dict's order). */
  private readonly events = new Map<string, TimeSeries>();
  private thresholdMs: number;

  constructor(private readonly config: Config) {
    this.thresholdMs = config.number('latency-monitor-threshold');
    config.onChange('latency-monitor-threshold', (value) => {
      this.thresholdMs = Number(value);
    });
  }

  /** Whether samples are being taken at all. */
  get enabled(): boolean {
    return this.thresholdMs > 0;
  }

  /** The threshold in microseconds, to compare with a command's run time. */
  get thresholdUs(): number {
    return this.thresholdMs * 1000;
  }

  /** An operation of `event` took `latencyMs` (whole ms): a sample when at the threshold. */
  record(event: string, latencyMs: number, unixSec: number): void {
    if (this.thresholdMs <= 0 || latencyMs < this.thresholdMs) return;
    let series = this.events.get(event);
    if (series === undefined) {
      series = { samples: new Array<Sample | undefined>(SAMPLES_KEPT).fill(undefined), next: 0, maxMs: 0 };
      this.events.set(event, series);
    }
    if (latencyMs > series.maxMs) series.maxMs = latencyMs;
    const previous = series.samples[(series.next + SAMPLES_KEPT - 1) % SAMPLES_KEPT];
    if (previous !== undefined && previous.unixSec === unixSec) {
      if (latencyMs > previous.latencyMs) previous.latencyMs = latencyMs;
      return;
    }
    series.samples[series.next] = { unixSec, latencyMs };
    series.next = (series.next + 1) % SAMPLES_KEPT;
  }

  /** LATENCY LATEST: [event, time of the last sample, its latency, all-time max] per event. */
  latest(): Array<[string, number, number, number]> {
    const out: Array<[string, number, number, number]> = [];
    for (const [event, series] of this.events) {
      const last = series.samples[(series.next + SAMPLES_KEPT - 1) % SAMPLES_KEPT];
      if (last !== undefined) out.push([event, last.unixSec, last.latencyMs, series.maxMs]);
    }
    return out;
  }

  /** LATENCY HISTORY: an event's samples, oldest first (none for an unknown event). */
  history(event: string): Sample[] {
    const series = this.events.get(event);
    return series === undefined ? [] : chronological(series);
  }

  /** LATENCY RESET: forgets the named events (all without names); how many existed. */
  reset(events: readonly string[]): number {
    if (events.length === 0) {
      const count = this.events.size;
      this.events.clear();
      return count;
    }
    let count = 0;
    for (const event of events) if (this.events.delete(event)) count++;
    return count;
  }

  /** LATENCY GRAPH's text, or null for an event without samples. */
  graph(event: string, nowSec: number): string | null {
    const series = this.events.get(event);
    if (series === undefined) return null;
    const samples = chronological(series);
    if (samples.length === 0) return null;
    const values = samples.map((s) => s.latencyMs);
    const low = Math.min(...values);
    const high = Math.max(...values);
    let out = `${event} - high ${high} ms, low ${low} ms (all time high ${series.maxMs} ms)\n${'-'.repeat(GRAPH_COLUMNS)}\n`;
    const labels = samples.map((s) => age(nowSec - s.unixSec));
    for (let start = 0; start < samples.length; start += GRAPH_COLUMNS) {
      if (start !== 0) out += '\n';
      out += sparkline(values.slice(start, start + GRAPH_COLUMNS), labels.slice(start, start + GRAPH_COLUMNS), low, high);
    }
    return out;
  }

  /** LATENCY DOCTOR's report. */
  doctor(nowSec: number, slowlogThresholdUs: number, slowlogMaxLen: number): string {
    if (this.events.size === 0 && this.thresholdMs === 0) {
      return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
    }
    let report = '';
    let eventNumber = 0;
    let advices = 0;
    let adviseSlowlogEnabled = false;
    let adviseSlowlogTuning = false;
    let adviseCommands = false;
    for (const [event, series] of this.events) {
      eventNumber++;
      if (eventNumber === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
      const stats = analyze(series, nowSec);
      report += `${eventNumber}. ${event}: ${stats.samples} latency spikes (average ${stats.avg}ms, mean deviation ${stats.mad}ms, period ${(stats.period / stats.samples).toFixed(2)} sec). Worst all time event ${series.maxMs}ms.`;
      if (event === 'command') {
        if (slowlogThresholdUs < 0 || slowlogMaxLen === 0) {
          adviseSlowlogEnabled = true;
          advices++;
        } else if (Math.trunc(slowlogThresholdUs / 1000) > this.thresholdMs) {
          adviseSlowlogTuning = true;
          advices++;
        }
        adviseCommands = true;
        advices += 2;
      }
      report += '\n';
    }
    if (eventNumber === 0 && advices === 0) {
      return report + 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
    }
    if (advices === 0) {
      return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
    }
    report += '\nI have a few advices for you:\n\n';
    const suggested = this.thresholdMs * 1000;
    if (adviseSlowlogEnabled) {
      report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${suggested}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
    }
    if (adviseSlowlogTuning) {
      report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${suggested}'.\n`;
    }
    if (adviseCommands) {
      report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
      report += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
    }
    return report;
  }
}

function chronological(series: TimeSeries): Sample[] {
  const out: Sample[] = [];
  for (let j = 0; j < SAMPLES_KEPT; j++) {
    const sample = series.samples[(series.next + j) % SAMPLES_KEPT];
    if (sample !== undefined) out.push(sample);
  }
  return out;
}

/** A sample's age as GRAPH labels it. */
function age(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.trunc(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.trunc(elapsed / 3600)}h`;
  return `${Math.trunc(elapsed / 86400)}d`;
}

/** Four rows of bars scaled between `low` and `high`, a blank row, then the labels downwards. */
function sparkline(values: readonly number[], labels: readonly string[], low: number, high: number): string {
  const range = high - low === 0 ? 1 : high - low;
  const steps = TOP_CHARS.length * GRAPH_ROWS;
  const heights = values.map((v) => Math.min(steps - 1, Math.max(0, Math.trunc(Math.trunc((v - low) * steps) / range))));
  let out = '';
  for (let row = 0; row < GRAPH_ROWS; row++) {
    let line = '';
    for (const step of heights) {
      const index = step - (GRAPH_ROWS - row - 1) * TOP_CHARS.length;
      line += index >= 0 && index < TOP_CHARS.length ? TOP_CHARS[index] : index >= TOP_CHARS.length ? '|' : ' ';
    }
    out += line + '\n';
  }
  out += ' '.repeat(values.length) + '\n';
  const tallest = Math.max(...labels.map((l) => l.length));
  for (let row = 0; row < tallest; row++) {
    out += labels.map((l) => l[row] ?? ' ').join('') + '\n';
  }
  return out;
}

/** Spike count, average, mean absolute deviation and the span since the oldest (at least 1 s). */
function analyze(series: TimeSeries, nowSec: number): { samples: number; avg: number; mad: number; period: number } {
  const samples = chronological(series);
  if (samples.length === 0) return { samples: 0, avg: 0, mad: 0, period: 0 };
  const sum = samples.reduce((total, s) => total + s.latencyMs, 0);
  const avg = Math.trunc(sum / samples.length);
  const oldest = Math.min(...samples.map((s) => s.unixSec));
  const period = Math.max(1, nowSec - oldest);
  const deviation = samples.reduce((total, s) => total + Math.abs(avg - s.latencyMs), 0);
  return { samples: samples.length, avg, mad: Math.trunc(deviation / samples.length), period };
}
