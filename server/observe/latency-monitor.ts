/**
 * The latency monitor (LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR), as Redis 7.0 keeps it.
 *
 * With `latency-monitor-threshold` above 0 (milliseconds), every timed operation that took at
 * least that long is a sample of its event. Each event keeps a ring of its last 160 samples, at
 * most one per second (a second sample in the same second only raises that second's value), and
 * its all-time maximum.
 *
 * The events, each measured where Redis 7.0.15 measures it, in hashslot's counterpart:
 *
 *   command, fast-command      a command's run (dispatch, via the slow log), by its `fast` flag
 *   expire-cycle               one active expiry pass of the cron over every database
 *   expire-del                 deleting one expired key (active or lazy), in storage/ through
 *                              the probe KeyspaceContext.latency lends it
 *   eviction-cycle             one performEvictions call that had keys to evict
 *   eviction-del               deleting one evicted key
 *   aof-write                  each write of the AOF buffer, and also as one of
 *   aof-write-pending-fsync      ... while an everysec fsync is still running
 *   aof-write-active-child       ... while a BGSAVE or an AOF rewrite runs (Redis's child)
 *   aof-write-alone              ... otherwise
 *   aof-fsync-always           the fsync after a write under appendfsync always
 *   aof-fstat                  reading an AOF file's size (start-up, end of a rewrite)
 *   aof-rename                 renaming the new base, and the temp incr file, as a rewrite ends
 *   rdb-unlink-temp-file       removing the temp file of a BGSAVE that was stopped
 *
 * Redis's others have nothing to measure here: fork (no fork: BGSAVE and rewrites run in the
 * process), aof-rewrite-diff-write (gone with 7.0's multi-part AOF; only DOCTOR still names it),
 * eviction-lazyfree (no lazyfree thread to wait for), while-blocked-cron (loads run in one go,
 * and a busy script's pauses run the ordinary cron), module-acquire-GIL, active-defrag-cycle.
 *
 * Reading the clock costs something on hot paths, so as Redis's latencyStartMonitor does,
 * `start` reads it only while the threshold is above 0. Redis times these events with mstime(),
 * so a duration is the difference of two whole-millisecond readings: an operation of a few
 * microseconds that straddles a millisecond boundary counts 1 ms, which with a threshold of 1 is
 * a sample (mass evictions and expiries leave eviction-del and expire-del samples that way in
 * Redis). `elapsedMs` keeps that arithmetic; expire-cycle, timed in microseconds by Redis, uses
 * `elapsedWholeMs`.
 *
 * GRAPH draws the samples as Redis's sparkline does: four rows, each sample's height in twelve
 * steps between the lowest and highest sample, filled cells `|` under a top of `_`, `o` or `#`, a
 * blank row, then each sample's age ("8s", "3m") written downwards. DOCTOR's report is written
 * by latency-doctor.ts.
 */
import type { NodeClock } from '../clock';
import type { Config } from '../config/config';
import type { LatencyProbe } from '../../storage/database';
import { latencyReport, type DoctorSettings, type EventStats } from './latency-doctor';

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

/** What `start` answers while the monitor is off: no clock was read, nothing will be sampled. */
const NOT_STARTED = -1;

/** Whatever holds the probe storage/ times expiry deletions with (the keyspace's context). */
export interface ProbeHolder {
  latency?: LatencyProbe | null;
}

export class LatencyMonitor implements LatencyProbe {
  /** Events in the order they first happened (Redis lists them in its dict's order). */
  private readonly events = new Map<string, TimeSeries>();
  private thresholdMs: number;

  /**
   * `clock` times the events and dates the samples; `probeHolder` (the keyspace's context) is
   * lent this monitor as its probe while the threshold is above 0, and null otherwise.
   */
  constructor(
    config: Config,
    private readonly clock: NodeClock,
    private readonly probeHolder: ProbeHolder | null = null,
  ) {
    this.thresholdMs = config.number('latency-monitor-threshold');
    this.lendProbe();
    config.onChange('latency-monitor-threshold', (value) => {
      this.thresholdMs = Number(value);
      this.lendProbe();
    });
  }

  private lendProbe(): void {
    if (this.probeHolder !== null) this.probeHolder.latency = this.thresholdMs > 0 ? this : null;
  }

  /** Whether samples are being taken at all. */
  get enabled(): boolean {
    return this.thresholdMs > 0;
  }

  /** The threshold in microseconds, to compare with a command's run time. */
  get thresholdUs(): number {
    return this.thresholdMs * 1000;
  }

  // ---------------------------------------------------------------------------------------------
  // Timing (Redis's latencyStartMonitor, latencyEndMonitor, latencyAddSampleIfNeeded)

  /** A reading of the monotonic clock to time an operation from; none while the monitor is off. */
  start(): number {
    return this.thresholdMs > 0 ? this.clock.monotonicMs() : NOT_STARTED;
  }

  /**
   * Whole milliseconds since `startedMs`, as the difference of two millisecond readings (Redis's
   * mstime arithmetic); 0 when the monitor was off at the start.
   */
  elapsedMs(startedMs: number): number {
    if (startedMs === NOT_STARTED) return 0;
    return Math.floor(this.clock.monotonicMs()) - Math.floor(startedMs);
  }

  /** The time since `startedMs` in whole milliseconds, truncated (a microsecond figure / 1000). */
  elapsedWholeMs(startedMs: number): number {
    if (startedMs === NOT_STARTED) return 0;
    return Math.trunc(this.clock.monotonicMs() - startedMs);
  }

  /** An operation of `event` that started at `startedMs` ended: a sample if it took long enough. */
  end(event: string, startedMs: number): void {
    if (startedMs !== NOT_STARTED) this.addSampleIfNeeded(event, this.elapsedMs(startedMs));
  }

  /** `event` took `latencyMs`: a sample, dated now, when that reaches the threshold. */
  addSampleIfNeeded(event: string, latencyMs: number): void {
    if (this.thresholdMs <= 0 || latencyMs < this.thresholdMs) return;
    this.record(event, latencyMs, Math.floor(this.clock.now() / 1000));
  }

  // ---------------------------------------------------------------------------------------------
  // The samples

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

  /** LATENCY DOCTOR's report (latency-doctor.ts). */
  doctor(nowSec: number, settings: Omit<DoctorSettings, 'thresholdMs'>): string {
    const events: Array<[string, EventStats]> = [];
    for (const [event, series] of this.events) events.push([event, { ...analyze(series, nowSec), maxMs: series.maxMs }]);
    return latencyReport(events, { ...settings, thresholdMs: this.thresholdMs });
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
