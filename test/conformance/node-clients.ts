/**
 * The two Node cluster clients under test, behind one small interface, each configured the way
 * a careful user configures it (its documented timeout and replica-read options) and nothing
 * more: the kit judges the client's own behaviour, so no retry is added around it here.
 *
 *   ioredis 5   new Redis.Cluster(nodes, { redisOptions: { commandTimeout }, scaleReads })
 *   node-redis 4 createCluster({ rootNodes, useReplicas, defaults: { socket: { connectTimeout } } })
 *
 * node-redis 4 has no per-command timeout (only a connect timeout); a command sent to a silent
 * node waits for as long as the socket stays open, which scenario 2 shows.
 */
import Redis, { type Cluster } from 'ioredis';
import { createCluster } from 'redis';

export type NodeClientName = 'ioredis' | 'node-redis';

export interface ClientOptions {
  startupNodes: ReadonlyArray<{ host: string; port: number }>;
  commandTimeoutMs: number;
  /** Reads (GET) from replicas. */
  readFromReplicas?: boolean;
}

/** One reply of a pipeline: its value, or the error it got. */
export type PipelineReply = { error: string } | { value: unknown };

export interface ConformanceClient {
  readonly name: NodeClientName;
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
  /** SET, then WAIT on the key's own primary; the number of replicas WAIT counted. */
  setAndWait(key: string, value: string, replicas: number, timeoutMs: number): Promise<number>;
  /** SET k v, GET k for each pair, in one pipeline. */
  pipelineSetGet(pairs: ReadonlyArray<readonly [string, string]>): Promise<PipelineReply[]>;
  /** SSUBSCRIBE, each message to `listener`. */
  ssubscribe(channel: string, listener: (message: string) => void): Promise<void>;
  spublish(channel: string, message: string): Promise<number>;
  close(): Promise<void>;
}

export async function connectClient(name: NodeClientName, options: ClientOptions): Promise<ConformanceClient> {
  return name === 'ioredis' ? connectIoredis(options) : connectNodeRedis(options);
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function connectIoredis(options: ClientOptions): Promise<ConformanceClient> {
  const make = (): Cluster =>
    new Redis.Cluster(
      options.startupNodes.map((n) => ({ host: n.host, port: n.port })),
      {
        redisOptions: { commandTimeout: options.commandTimeoutMs, connectTimeout: options.commandTimeoutMs },
        scaleReads: options.readFromReplicas === true ? 'slave' : 'master',
        shardedSubscribers: true,
      },
    );
  const cluster = make();
  // A subscriber is a connection of its own, as ioredis requires.
  let subscriber: Cluster | null = null;
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', () => resolve());
    cluster.once('error', reject);
  });
  cluster.on('error', () => undefined);
  return {
    name: 'ioredis',
    set: async (key, value) => {
      await cluster.set(key, value);
    },
    get: (key) => cluster.get(key),
    setAndWait: async (key, value, replicas, timeoutMs) => {
      // A pipeline goes to the node of its keys: WAIT (keyless) rides along to the key's primary.
      const replies = (await cluster.pipeline().set(key, value).call('WAIT', String(replicas), String(timeoutMs)).exec()) ?? [];
      for (const [err] of replies) if (err !== null) throw err;
      return Number(replies[1]?.[1] ?? 0);
    },
    pipelineSetGet: async (pairs) => {
      const pipeline = cluster.pipeline();
      for (const [key, value] of pairs) pipeline.set(key, value).get(key);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([err, value]) => (err !== null ? { error: message(err) } : { value }));
    },
    ssubscribe: async (channel, listener) => {
      subscriber ??= make();
      subscriber.on('error', () => undefined);
      subscriber.on('smessage', (_channel: string, text: string) => listener(text));
      await subscriber.ssubscribe(channel);
    },
    spublish: async (channel, text) => Number(await cluster.spublish(channel, text)),
    close: async () => {
      cluster.disconnect();
      subscriber?.disconnect();
    },
  };
}

async function connectNodeRedis(options: ClientOptions): Promise<ConformanceClient> {
  const cluster = createCluster({
    rootNodes: options.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })),
    useReplicas: options.readFromReplicas === true,
    defaults: { socket: { connectTimeout: options.commandTimeoutMs } },
  });
  cluster.on('error', () => undefined);
  await cluster.connect();
  return {
    name: 'node-redis',
    set: async (key, value) => {
      await cluster.set(key, value);
    },
    get: (key) => cluster.get(key),
    setAndWait: async (key, value, replicas, timeoutMs) => {
      await cluster.set(key, value);
      // sendCommand(firstKey, ...) routes by that key: WAIT goes to the key's primary.
      return Number(await cluster.sendCommand(key, false, ['WAIT', String(replicas), String(timeoutMs)]));
    },
    pipelineSetGet: async (pairs) => {
      // node-redis pipelines what is sent in the same tick; replies settle one by one.
      const sent: Array<Promise<unknown>> = [];
      for (const [key, value] of pairs) {
        sent.push(cluster.set(key, value));
        sent.push(cluster.get(key));
      }
      const settled = await Promise.allSettled(sent);
      return settled.map((s) => (s.status === 'fulfilled' ? { value: s.value } : { error: message(s.reason) }));
    },
    ssubscribe: (channel, listener) => cluster.sSubscribe(channel, (text: string) => listener(text)),
    spublish: async (channel, text) => Number(await cluster.sPublish(channel, text)),
    close: async () => {
      await cluster.disconnect().catch(() => undefined);
    },
  };
}
