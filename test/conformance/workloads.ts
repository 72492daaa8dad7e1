/**
 * What a client does while the kit breaks the cluster under it, one workload per scenario, with
 * the results the judges read (scenarios.ts). The redis-py side (redis_py_workload.py) does the
 * same things and reports the same fields; python-workload.ts runs it behind the same interface.
 *
 *   writer     fresh keys cw:<i> at ~1,000/s; every 20th a SET + WAIT 1 500 on the key's
 *              primary ("confirmed" when WAIT counts a replica); at stop, every acknowledged
 *              key is read back. `recoveries`: each time 100 consecutive writes succeeded,
 *              each within the command timeout, after an error or a slower write
 *   pipeline   pipelines of SET k v / GET k over 50 keys of one slot: a -MOVED, -ASK or
 *              -TRYAGAIN that reaches the application, or a GET not returning the SET before it,
 *              is the client's failure
 *   demotion   a writer at ~500/s whose reads go to replicas (a GET of a key written 200 ms
 *              earlier after each write); at stop, every acknowledged key is read back
 *   pubsub     SSUBSCRIBE to a channel, SPUBLISH {"seq":n} every 10 ms from the same client
 *
 * Every workload stops on stop(), which resolves once its verification is done. Errors are
 * counted by text, never thrown: the scenario goes on, as an application would.
 */
import type { ConformanceClient, NodeClientName } from './node-clients';
import { connectClient } from './node-clients';

export type ScenarioName = 'hard-kill' | 'silent-primary' | 'reshard-pipeline' | 'demotion' | 'sharded-pubsub';

export interface WorkloadConfig {
  startupNodes: ReadonlyArray<{ host: string; port: number }>;
  nodeTimeoutMs: number;
  commandTimeoutMs: number;
  slotKeyTag: string;
  channel: string;
}

/** The fields every workload may report (each scenario reads its own; see the file comment). */
export interface WorkloadResult {
  unsupported?: string;
  crash?: string;
  errors?: Record<string, number>;
  acked?: number;
  attempts?: number;
  confirmed?: number;
  lostConfirmed?: string[];
  lostAcked?: number;
  unverifiable?: number;
  firstErrorAtMs?: number | null;
  recoveries?: number[];
  maxCommandMs?: number;
  opsPerSec?: number;
  batches?: number;
  commands?: number;
  redirectErrors?: number;
  wrongValues?: number;
  reads?: number;
  staleReads?: number;
  readErrors?: number;
  published?: Array<[number, number]>;
  received?: number[];
}

export interface Workload {
  /** Resolves once the workload runs steadily; rejects if it cannot start. */
  readonly ready: Promise<void>;
  phase(name: string, atMs: number): void;
  stop(): Promise<WorkloadResult>;
}

const RUN_FOR_RECOVERY = 100;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class ErrorCounter {
  readonly counts: Record<string, number> = {};
  firstAtMs: number | null = null;

  add(err: unknown): string {
    const text = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 120);
    this.counts[text] = (this.counts[text] ?? 0) + 1;
    this.firstAtMs ??= Date.now();
    return text;
  }
}

/** Starts the client and the scenario's workload on it. */
export async function startNodeWorkload(client: NodeClientName, scenario: ScenarioName, config: WorkloadConfig): Promise<Workload> {
  const connection = await connectClient(client, {
    startupNodes: config.startupNodes,
    commandTimeoutMs: config.commandTimeoutMs,
    readFromReplicas: scenario === 'demotion',
  });
  switch (scenario) {
    case 'hard-kill':
    case 'silent-primary':
      return new Writer(connection, config.commandTimeoutMs, 'cw', 1000, 20);
    case 'demotion':
      return new Writer(connection, config.commandTimeoutMs, 'dm', 500, 0, true);
    case 'reshard-pipeline':
      return new PipelineLoad(connection, config.slotKeyTag);
    case 'sharded-pubsub':
      return new PubSubLoad(connection, config.channel);
  }
}

/** Calls `run` until stopped; `ready` resolves after `readyAfter` successes. */
abstract class Loop implements Workload {
  readonly ready: Promise<void>;
  protected stopped = false;
  protected successes = 0;
  protected readonly errors = new ErrorCounter();
  private markReady: () => void = () => undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(
    protected readonly client: ConformanceClient,
    private readonly readyAfter: number,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    queueMicrotask(() => (this.done = this.loop()));
  }

  phase(): void {}

  async stop(): Promise<WorkloadResult> {
    this.stopped = true;
    await this.done;
    try {
      return await this.verify();
    } finally {
      await this.client.close();
    }
  }

  protected succeeded(): void {
    if (++this.successes === this.readyAfter) this.markReady();
  }

  protected abstract step(): Promise<void>;
  protected abstract verify(): Promise<WorkloadResult>;

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.step();
      } catch (err) {
        this.errors.add(err);
        await sleep(5);
      }
    }
  }
}

class Writer extends Loop {
  private next = 0;
  private readonly acked = new Map<string, string>();
  private readonly confirmedKeys = new Set<string>();
  private attempts = 0;
  private run = 0;
  private readonly recoveries: number[] = [];
  private errorSinceRecovery = false;
  private maxCommandMs = 0;
  private readonly startedAtMs = Date.now();
  private reads = 0;
  private staleReads = 0;
  private readErrors = 0;

  constructor(
    client: ConformanceClient,
    /** A write slower than this disturbs a run as an error does (a client that hangs, then recovers). */
    private readonly slowMs: number,
    private readonly prefix: string,
    private readonly perSecond: number,
    /** Every n-th write is SET + WAIT (0: never). */
    private readonly waitEvery: number,
    /** After each write, read a key written >= 200 ms earlier (from a replica, by the client's options). */
    private readonly readBack = false,
  ) {
    super(client, 300);
  }

  protected async step(): Promise<void> {
    // ~perSecond writes: sleep when ahead of the schedule.
    const dueMs = this.startedAtMs + (this.attempts * 1000) / this.perSecond;
    if (dueMs > Date.now() + 1) await sleep(dueMs - Date.now());
    const i = this.next++;
    const key = `${this.prefix}:${i}`;
    const value = `v${i}`;
    this.attempts++;
    const t0 = Date.now();
    try {
      if (this.waitEvery > 0 && i % this.waitEvery === 0) {
        const replicas = await this.client.setAndWait(key, value, 1, 500);
        if (replicas >= 1) this.confirmedKeys.add(key);
      } else {
        await this.client.set(key, value);
      }
      this.acked.set(key, value);
      if (Date.now() - t0 >= this.slowMs) this.disturbed();
      else this.noteSuccess();
    } catch (err) {
      this.disturbed();
      throw err;
    } finally {
      this.maxCommandMs = Math.max(this.maxCommandMs, Date.now() - t0);
    }
    if (this.readBack && i >= 100) await this.readOld(i - 100);
  }

  private disturbed(): void {
    this.errorSinceRecovery = true;
    this.run = 0;
  }

  private noteSuccess(): void {
    this.succeeded();
    if (++this.run === RUN_FOR_RECOVERY && this.errorSinceRecovery) {
      this.recoveries.push(Date.now());
      this.errorSinceRecovery = false;
    }
  }

  private async readOld(i: number): Promise<void> {
    const key = `${this.prefix}:${i}`;
    const expected = this.acked.get(key);
    if (expected === undefined) return;
    this.reads++;
    try {
      if ((await this.client.get(key)) !== expected) this.staleReads++;
    } catch (err) {
      this.readErrors++;
      this.errors.add(err);
    }
  }

  protected async verify(): Promise<WorkloadResult> {
    const lostConfirmed: string[] = [];
    let lostAcked = 0;
    let unverifiable = 0;
    const entries = [...this.acked];
    // Read back in parallel batches, each GET retried a while (the cluster may still settle).
    for (let at = 0; at < entries.length; at += 200) {
      await Promise.all(
        entries.slice(at, at + 200).map(async ([key, value]) => {
          for (let attempt = 0; ; attempt++) {
            try {
              const got = await this.client.get(key);
              if (got !== value) {
                lostAcked++;
                if (this.confirmedKeys.has(key)) lostConfirmed.push(key);
              }
              return;
            } catch {
              if (attempt >= 20) {
                unverifiable++;
                return;
              }
              await sleep(100);
            }
          }
        }),
      );
    }
    const seconds = (Date.now() - this.startedAtMs) / 1000;
    return {
      acked: this.acked.size,
      attempts: this.attempts,
      confirmed: this.confirmedKeys.size,
      lostConfirmed,
      lostAcked,
      unverifiable,
      errors: this.errors.counts,
      firstErrorAtMs: this.errors.firstAtMs,
      recoveries: this.recoveries,
      maxCommandMs: this.maxCommandMs,
      opsPerSec: Math.round(this.attempts / seconds),
      ...(this.readBack ? { reads: this.reads, staleReads: this.staleReads, readErrors: this.readErrors } : {}),
    };
  }
}

class PipelineLoad extends Loop {
  private batches = 0;
  private commands = 0;
  private counter = 0;
  private redirectErrors = 0;
  private wrongValues = 0;
  private readonly keys: string[];

  constructor(client: ConformanceClient, tag: string) {
    super(client, 100);
    this.keys = Array.from({ length: 50 }, (_, j) => `${tag}k${j}`);
  }

  protected async step(): Promise<void> {
    const pairs: Array<readonly [string, string]> = [];
    for (let n = 0; n < 5; n++) {
      const key = this.keys[(this.batches * 5 + n) % this.keys.length] as string;
      pairs.push([key, `${key}:${this.counter++}`]);
    }
    const replies = await this.client.pipelineSetGet(pairs);
    this.batches++;
    this.commands += replies.length;
    let clean = true;
    replies.forEach((reply, at) => {
      if ('error' in reply) {
        clean = false;
        const text = this.errors.add(reply.error);
        if (/MOVED|ASK|TRYAGAIN/.test(text)) this.redirectErrors++;
      } else if (at % 2 === 1 && reply.value !== pairs[(at - 1) / 2]?.[1]) {
        this.wrongValues++;
      }
    });
    if (clean) this.succeeded();
  }

  protected async verify(): Promise<WorkloadResult> {
    return { batches: this.batches, commands: this.commands, errors: this.errors.counts, redirectErrors: this.redirectErrors, wrongValues: this.wrongValues };
  }
}

class PubSubLoad extends Loop {
  private seq = 0;
  private readonly published: Array<[number, number]> = [];
  private readonly received: number[] = [];
  private subscribed: Promise<void>;

  constructor(client: ConformanceClient, private readonly channel: string) {
    super(client, 5);
    this.subscribed = client.ssubscribe(channel, (text) => {
      const seq = (JSON.parse(text) as { seq: number }).seq;
      this.received.push(seq);
    });
  }

  protected async step(): Promise<void> {
    await this.subscribed;
    await sleep(10);
    const seq = this.seq++;
    const atMs = Date.now();
    try {
      await this.client.spublish(this.channel, JSON.stringify({ seq }));
      this.published.push([seq, atMs]);
      if (this.received.length >= 5) this.succeeded();
    } catch (err) {
      this.subscribed = Promise.resolve();
      throw err;
    }
  }

  protected async verify(): Promise<WorkloadResult> {
    // Messages still on their way get a moment to arrive.
    await sleep(300);
    return { published: this.published, received: [...this.received], errors: this.errors.counts };
  }
}
