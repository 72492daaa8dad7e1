/**
 * hashslot's public entry point (`import { startNode } from 'hashslot'`): a Redis 7.0 node inside
 * the calling process, for test suites that want Redis without spawning anything.
 *
 *   import { startNode } from 'hashslot';
 *   const node = await startNode({ port: 0 });        // 0: any free port
 *   const redis = new Redis(node.port, node.host);
 *   node.on('log', (line) => console.log(line.text));
 *   ...
 *   await node.close();
 *
 * Directives are redis.conf's (`{ requirepass: 'secret', databases: 4, 'cluster-enabled': true }`),
 * validated exactly as redis-server validates its command line. Several nodes can run in one
 * process; each has its own keyspace, configuration, log and events.
 *
 * The surface is deliberately small: start, the addresses, events, close. The node's internals
 * (keyspace, cluster state, replication) stay free to change without breaking users; what tests
 * need from them arrives as events here or, later, through the testing entry point.
 */
import type { RedisNode } from './node';
import type { NodeEventListener, NodeEventName } from './node-events';
import { startRedisNode, type Directives, type StartOptions } from './start';

export type { Directives, StartOptions } from './start';
export type { LogSink, LogLevel } from './log';
export type { LogLine, NodeEventMap, NodeEventName, NodeEventListener } from './node-events';
export type { ClusterEvent, CantFailoverReason } from '../cluster-bus/effects';

/** A running node, as its users see it. */
export interface HashslotNode {
  /** The client port (the one bound when the `port` directive was 0). */
  readonly port: number;
  /** The first address the node listens on (the `bind` directive; 127.0.0.1 by default). */
  readonly host: string;
  /** The cluster bus port, or null when cluster mode is off. */
  readonly busPort: number | null;
  /** INFO's run_id. */
  readonly runId: string;
  /** The node's 40-character cluster id (CLUSTER MYID), or null when cluster mode is off. */
  readonly clusterNodeId: string | null;
  /** Listens to the node's events; the returned function stops listening. */
  on<E extends NodeEventName>(event: E, listener: NodeEventListener<E>): () => void;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** Starts a node with the given directives and resolves once it accepts connections. */
export async function startNode(directives: Directives = {}, options: StartOptions = {}): Promise<HashslotNode> {
  return new NodeFacade(await startRedisNode(directives, options));
}

class NodeFacade implements HashslotNode {
  constructor(private readonly node: RedisNode) {}

  get port(): number {
    return this.node.port;
  }

  get host(): string {
    const first = this.node.config.value('bind')[0] ?? '127.0.0.1';
    return first.replace(/^-/, '');
  }

  get busPort(): number | null {
    return this.node.cluster === null ? null : this.node.cluster.busPort;
  }

  get runId(): string {
    return this.node.runId;
  }

  get clusterNodeId(): string | null {
    return this.node.cluster === null ? null : this.node.cluster.myId;
  }

  on<E extends NodeEventName>(event: E, listener: NodeEventListener<E>): () => void {
    return this.node.events.on(event, listener);
  }

  close(): Promise<void> {
    return this.node.close();
  }
}
