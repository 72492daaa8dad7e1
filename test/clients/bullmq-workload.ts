/*
 * One BullMQ workload, the same on every deployment, and the outcome it leaves: what
 * bullmq.test.ts compares between redis-server and hashslot.
 *
 * BullMQ keeps a queue in a handful of keys under `<prefix>:<queue>:` — a list of waiting jobs
 * (wait), sorted sets (prioritized, delayed, completed, failed), a hash per job, a counter for
 * ids, a stream of events (events) — and moves jobs between them only with Lua scripts (many of
 * them packing arguments with cmsgpack). A Worker takes jobs with a blocking BZPOPMIN on a
 * marker key then a script, and QueueEvents reads the events stream with XREAD BLOCK.
 *
 * Job i is one of ten kinds by i % 10, so every path is taken many times:
 *   0-5  plain           added in bulk (addBulk) when i is even, one at a time (add) when odd
 *   6    delayed         200-400 ms, so it goes through the delayed set and back
 *   7    prioritized     priority 1-5 (the prioritized set)
 *   8    fails once      attempts: 2; the first attempt throws, the second completes
 *   9    fails for good  attempts: 2; both attempts throw
 * The processor's return value depends only on the job's data, so the outcome does not depend on
 * which worker slot ran which job or in which order.
 */

import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';

/** How a deployment hands BullMQ its connections. */
export interface BullConnections {
  /** A connection (options, or an ioredis instance BullMQ then shares and duplicates) for one component. */
  connection(): ConnectionOptions;
  /** The queue prefix: '{bull}' in a cluster, so that all of a queue's keys share one slot. */
  readonly prefix: string;
}

export interface JobData {
  i: number;
}

/** What a finished run leaves, in forms that compare exactly between two servers. */
export interface Outcome {
  counts: Record<string, number>;
  /** `i=<index> id=<job id> attempts=<attemptsMade> -> <return value as JSON>`, sorted. */
  completed: string[];
  /** `i=<index> id=<job id> attempts=<attemptsMade> reason=<failedReason>`, sorted. */
  failed: string[];
  /** QueueEvents 'completed' events: `<job id> -> <return value>`, sorted, no duplicates. */
  completedEvents: string[];
  /** QueueEvents 'failed' events: `<job id> reason=<failedReason>`, sorted, no duplicates. */
  failedEvents: string[];
  /** XLEN of the events stream is above 0. */
  eventsStreamWritten: boolean;
  /**
   * How many entries of each event name the events stream holds (XRANGE), without 'drained':
   * that one is written whenever a worker finds the queue empty, so its count depends on timing.
   */
  streamEventCounts: Record<string, number>;
}

export interface RunResult {
  outcome: Outcome;
  /** Milliseconds from the first add to the last job's final event. */
  elapsedMs: number;
}

const CONCURRENCY = 10;
/** Jobs per addBulk call; the bulk kinds of each chunk of indexes go in one call. */
const BULK_CHUNK = 500;

const kindOf = (i: number): number => i % 10;

/** The return value of job i: plain data, as BullMQ stores it (JSON). */
export function returnValueOf(i: number): { i: number; square: number; tag: string } {
  return { i, square: i * i, tag: `job-${i}` };
}

function optionsOf(i: number): JobsOptions {
  switch (kindOf(i)) {
    case 6:
      return { delay: 200 + (i % 201) };
    case 7:
      return { priority: 1 + (i % 5) };
    case 8:
    case 9:
      return { attempts: 2 };
    default:
      return {};
  }
}

async function processJob(job: Job<JobData>): Promise<unknown> {
  const { i } = job.data;
  // attemptsMade counts the attempts that ended before this one.
  if (kindOf(i) === 8 && job.attemptsMade === 0) throw new Error(`first attempt of ${i} fails`);
  if (kindOf(i) === 9) throw new Error(`job ${i} always fails (attempt ${job.attemptsMade + 1})`);
  return returnValueOf(i);
}

/** Polls `condition` every 50 ms until it holds; throws with `describe()` at the deadline. */
export async function waitUntil(what: string, deadlineMs: number, condition: () => Promise<boolean> | boolean, describe: () => Promise<string> | string = () => ''): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}; ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Adds jobs 0..n-1: the bulk ones chunk by chunk, the single ones in order, each awaited in turn. */
async function addJobs(queue: Queue<JobData>, n: number): Promise<void> {
  for (let start = 0; start < n; start += BULK_CHUNK) {
    const end = Math.min(n, start + BULK_CHUNK);
    const bulk: Array<{ name: string; data: JobData; opts: JobsOptions }> = [];
    const single: number[] = [];
    for (let i = start; i < end; i++) {
      if (kindOf(i) <= 5 && i % 2 === 0) bulk.push({ name: 'bulk', data: { i }, opts: optionsOf(i) });
      else single.push(i);
    }
    await queue.addBulk(bulk);
    // Sent together (ioredis keeps their order), so job ids come out the same on every server.
    await Promise.all(single.map((i) => queue.add('single', { i }, optionsOf(i))));
  }
}

const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** Runs the workload on a fresh queue `name`, and closes everything it opened, also on failure. */
export async function runWorkload(conns: BullConnections, name: string, n: number, deadlineMs: number): Promise<RunResult> {
  // A large events stream cap: QueueEvents must not lose events to trimming while it catches up.
  const queue = new Queue<JobData>(name, { connection: conns.connection(), prefix: conns.prefix, streams: { events: { maxLen: 10 * n + 1000 } } });
  // From the stream's beginning, so no event written before its first XREAD is missed.
  const events = new QueueEvents(name, { connection: conns.connection(), prefix: conns.prefix, lastEventId: '0-0' });
  const completedEvents = new Map<string, string>();
  const failedEvents = new Map<string, string>();
  events.on('completed', ({ jobId, returnvalue }) => completedEvents.set(jobId, `${jobId} -> ${JSON.stringify(returnvalue)}`));
  events.on('failed', ({ jobId, failedReason }) => failedEvents.set(jobId, `${jobId} reason=${failedReason}`));
  let worker: Worker<JobData> | undefined;
  try {
    await queue.waitUntilReady();
    await events.waitUntilReady();
    const started = Date.now();
    await addJobs(queue, n);
    worker = new Worker<JobData>(name, processJob, { connection: conns.connection(), prefix: conns.prefix, concurrency: CONCURRENCY });
    worker.on('error', () => {
      // Reported through the wait below (jobs that never finish); without a listener it would throw.
    });
    const finished = async (): Promise<number> => {
      const counts = await queue.getJobCounts('completed', 'failed');
      return (counts.completed ?? 0) + (counts.failed ?? 0);
    };
    const countsNow = async (): Promise<string> => JSON.stringify(await queue.getJobCounts());
    await waitUntil(`${n} jobs completed or failed`, deadlineMs, async () => (await finished()) === n, countsNow);
    await waitUntil(`QueueEvents to report ${n} final events`, 30_000, () => completedEvents.size + failedEvents.size >= n,
      () => `completed events ${completedEvents.size}, failed events ${failedEvents.size}`);
    const elapsedMs = Date.now() - started;
    return { outcome: await readOutcome(queue, [...completedEvents.values()], [...failedEvents.values()]), elapsedMs };
  } finally {
    await worker?.close();
    await events.close();
    await queue.close();
  }
}

const describeJob = (job: Job<JobData>): string => `i=${job.data.i} id=${String(job.id)} attempts=${job.attemptsMade}`;

async function readOutcome(queue: Queue<JobData>, completedEvents: string[], failedEvents: string[]): Promise<Outcome> {
  const completed = await queue.getCompleted(0, -1);
  const failed = await queue.getFailed(0, -1);
  const client = await queue.client;
  const eventsKey = queue.keys.events;
  if (eventsKey === undefined) throw new Error('BullMQ names no events key');
  return {
    counts: await queue.getJobCounts(),
    completed: completed.map((job) => `${describeJob(job)} -> ${JSON.stringify(job.returnvalue)}`).sort(),
    failed: failed.map((job) => `${describeJob(job)} reason=${job.failedReason}`).sort(),
    completedEvents: sortedUnique(completedEvents),
    failedEvents: sortedUnique(failedEvents),
    eventsStreamWritten: (await client.xlen(eventsKey)) > 0,
    streamEventCounts: await countStreamEvents(client, eventsKey),
  };
}

/** Reads the whole events stream, a page at a time, and counts its entries by event name. */
async function countStreamEvents(client: Awaited<Queue['client']>, key: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let start = '-';
  for (;;) {
    const page = await client.xrange(key, start, '+', 'COUNT', 5000);
    for (const [, fields] of page) {
      // BullMQ writes 'event' <name> first.
      const name = fields[0] === 'event' ? fields[1] ?? '' : '<no event field>';
      if (name !== 'drained') counts[name] = (counts[name] ?? 0) + 1;
    }
    const last = page.at(-1);
    if (page.length < 5000 || last === undefined) break;
    start = `(${last[0]}`;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** How many jobs must end completed and failed, from the job kinds alone. */
export function expectedTotals(n: number): { completed: number; failed: number } {
  let failed = 0;
  for (let i = 0; i < n; i++) if (kindOf(i) === 9) failed++;
  return { completed: n - failed, failed };
}
