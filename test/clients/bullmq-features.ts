/*
 * BullMQ's less common paths, each a script or two of its own, run once in order on a fresh
 * queue: a flow (a parent job waiting for its children, FlowProducer), deduplication, promoting
 * a delayed job, changing a priority, pause and resume, a job scheduler, progress and logs, a
 * rate-limited worker, retrying failed jobs, clean, drain and obliterate. The transcript holds
 * only what does not depend on timing or on random ids (flow jobs get UUIDs, scheduler jobs a
 * timestamp), so two servers must produce the same one.
 */

import { FlowProducer, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { waitUntil, type BullConnections } from './bullmq-workload';

export type Transcript = Array<[step: string, value: unknown]>;

const stripIds = (job: Job): [string, unknown, unknown] => [job.name, job.returnvalue, job.progress];

/** Runs the steps on queue `name`; a step that throws records its message and the run goes on. */
export async function runFeatures(conns: BullConnections, name: string): Promise<Transcript> {
  const transcript: Transcript = [];
  const step = async (label: string, action: () => Promise<unknown>): Promise<void> => {
    try {
      transcript.push([label, await action()]);
    } catch (err) {
      transcript.push([label, `threw: ${err instanceof Error ? err.message : String(err)}`]);
    }
  };
  const options = (): { connection: ConnectionOptions; prefix: string } => ({ connection: conns.connection(), prefix: conns.prefix });
  const queue = new Queue(name, options());
  const flow = new FlowProducer(options());
  const workers: Array<Worker<unknown, unknown>> = [];
  try {
    await step('flow: parent and two children', async () => {
      const tree = await flow.add({
        name: 'parent', queueName: name, data: {},
        children: [{ name: 'child-1', queueName: name, data: {} }, { name: 'child-2', queueName: name, data: {}, opts: { priority: 3 } }],
      });
      return [await tree.job.getState(), tree.children?.length];
    });
    await step('counts after the flow', () => queue.getJobCounts());
    await step('deduplication: the second add gets the first job', async () => {
      const first = await queue.add('dedup', { n: 1 }, { deduplication: { id: 'same' } });
      const second = await queue.add('dedup', { n: 2 }, { deduplication: { id: 'same' } });
      return [first.id === second.id, (await queue.getDeduplicationJobId('same')) === first.id];
    });
    await step('promote a delayed job', async () => {
      const job = await queue.add('late', {}, { delay: 60_000 });
      const before = await job.getState();
      await job.promote();
      return [before, await job.getState()];
    });
    await step('change a priority', async () => {
      const job = await queue.add('reprioritized', {}, { priority: 5 });
      await job.changePriority({ priority: 1 });
      return [await job.getState(), await queue.getPrioritizedCount()];
    });
    await step('pause and resume', async () => {
      await queue.pause();
      const paused = [await queue.isPaused(), await queue.getJobCounts()];
      await queue.resume();
      return [...paused, await queue.isPaused()];
    });
    await step('a job scheduler', async () => {
      await queue.upsertJobScheduler('every-minute', { every: 60_000 }, { name: 'scheduled', data: {} });
      return (await queue.getJobSchedulers()).map((s) => [s.key, s.every]);
    });
    const worker = new Worker(name, async (job) => {
      await job.updateProgress(50);
      await job.log(`ran ${job.name}`);
      if (job.name === 'parent') return Object.values(await job.getChildrenValues()).sort();
      return job.name;
    }, { ...options(), concurrency: 3, limiter: { max: 4, duration: 100 } });
    workers.push(worker);
    await step('the worker runs them all (rate-limited)', async () => {
      await waitUntil('7 completed jobs', 20_000, async () => (await queue.getCompletedCount()) === 7);
      return queue.getJobCounts();
    });
    await step('completed: names, return values, progress', async () => (await queue.getCompleted()).map(stripIds).sort((a, b) => a[0].localeCompare(b[0])));
    await step('logs', async () => {
      const logs = await Promise.all((await queue.getCompleted()).map((job) => queue.getJobLogs(job.id ?? '')));
      return logs.map((l) => l.logs).sort();
    });
    await worker.close();
    await step('clean the completed set', async () => (await queue.clean(0, 100, 'completed')).length);
    await step('retry failed jobs', async () => {
      await queue.add('doomed', {});
      const failing = new Worker<unknown, unknown>(name, async () => {
        throw new Error('boom');
      }, options());
      workers.push(failing);
      await waitUntil('1 failed job', 20_000, async () => (await queue.getFailedCount()) === 1);
      await failing.close();
      const failedReason = (await queue.getFailed())[0]?.failedReason;
      await queue.retryJobs({ state: 'failed' });
      return [failedReason, await queue.getJobCounts('failed', 'waiting')];
    });
    await step('drain (delayed too)', async () => {
      await queue.drain(true);
      return queue.getJobCounts();
    });
    await step('remove the scheduler', () => queue.removeJobScheduler('every-minute'));
    await step('obliterate', async () => {
      await queue.obliterate({ force: true });
      const client = await queue.client;
      return [await queue.getJobCounts(), await client.exists(queue.keys.meta ?? ''), await client.exists(queue.keys.events ?? '')];
    });
  } finally {
    for (const worker of workers) await worker.close();
    await flow.close();
    await queue.close();
  }
  return transcript;
}
