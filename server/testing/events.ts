/**
 * The events a test sees of its cluster: every step the nodes' cluster state machines report
 * (the same steps their log lines come from), a few derived ones that name what a test waits for
 * (`failover`, `config-epoch-collision`), and the harness's own actions (a node killed, a fault
 * added). Each carries the node it happened on and the time on the cluster's clock, so a virtual
 * clock's history reads in virtual milliseconds.
 *
 *   cluster.on('node-failed', (e) => ...)          every future event of that type
 *   await cluster.next('failover', { timeoutMs })   the first one from now on (wall-clock timeout)
 *   cluster.history()                               everything so far, in order
 *
 * The log is append-only and kept whole for the cluster's life: a test that fails prints it.
 */
import type { ClusterEvent } from '../../cluster-bus/effects';

/** What the harness itself did or derived; `node` is the node it concerns. */
export type HarnessEvent =
  | { type: 'node-killed' }
  | { type: 'node-restarted'; data: 'kept' | 'empty' }
  | { type: 'node-paused' }
  | { type: 'node-resumed' }
  | { type: 'clients-reset'; connections: number }
  | { type: 'fault-added'; fault: number; description: string }
  /** pairsReset: the pairs of nodes whose bus connections were reset because the fault dropped messages between them. */
  | { type: 'fault-healed'; fault: number; description: string; pairsReset: number }
  /** A replica won an election (or took over) and serves its shard now. */
  | { type: 'failover'; epoch: bigint; shard: number; mode: 'election' | 'takeover' }
  /** Two masters had the same configEpoch; this one took a new one. */
  | { type: 'config-epoch-collision'; epoch: bigint }
  | { type: 'slot-moved'; slot: number; from: string; to: string; keys: number }
  | { type: 'migration-step'; slot: number; step: 'importing' | 'migrating' | 'keys' | 'assigned'; keys: number };

/** One event: what happened, on which node (its cluster id), at what time of the cluster's clock. */
export type TestEvent = (ClusterEvent | HarnessEvent) & { readonly node: string; readonly timeMs: number };
export type TestEventType = TestEvent['type'];
export type TestEventOf<T extends TestEventType> = Extract<TestEvent, { type: T }>;

interface Waiter {
  type: TestEventType;
  accept: (event: TestEvent) => boolean;
  resolve: (event: TestEvent) => void;
}

export class EventLog {
  private readonly events: TestEvent[] = [];
  private readonly listeners = new Map<TestEventType, Array<(event: TestEvent) => void>>();
  private waiters: Waiter[] = [];

  constructor(private readonly now: () => number) {}

  /** Records what node `node` reported, with derived events after it. */
  record(node: string, event: ClusterEvent | HarnessEvent, shardOf: (node: string) => number): void {
    this.push({ ...event, node, timeMs: this.now() } as TestEvent);
    if (event.type === 'election-won') {
      this.push({ type: 'failover', epoch: event.epoch, shard: shardOf(node), mode: 'election', node, timeMs: this.now() });
    } else if (event.type === 'epoch-bumped' && event.reason === 'takeover') {
      this.push({ type: 'failover', epoch: event.epoch, shard: shardOf(node), mode: 'takeover', node, timeMs: this.now() });
    } else if (event.type === 'epoch-bumped' && event.reason === 'collision') {
      this.push({ type: 'config-epoch-collision', epoch: event.epoch, node, timeMs: this.now() });
    }
  }

  history(): TestEvent[] {
    return [...this.events];
  }

  on<T extends TestEventType>(type: T, listener: (event: TestEventOf<T>) => void): () => void {
    const list = this.listeners.get(type) ?? [];
    const wrapped = listener as (event: TestEvent) => void;
    list.push(wrapped);
    this.listeners.set(type, list);
    return () => {
      const at = list.indexOf(wrapped);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** The first event of `type` recorded from now on (that `where` accepts), or a timeout error. */
  next<T extends TestEventType>(type: T, timeoutMs: number, where?: (event: TestEventOf<T>) => boolean): Promise<TestEventOf<T>> {
    return new Promise<TestEventOf<T>>((resolve, reject) => {
      const waiter: Waiter = {
        type,
        accept: (event) => where === undefined || where(event as TestEventOf<T>),
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as TestEventOf<T>);
        },
      };
      // Real time on purpose: with a virtual clock the test's own wait must still end.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no '${type}' event within ${timeoutMs} ms (last events: ${this.tail(5)})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The last `count` events as one line, for error messages. */
  tail(count: number): string {
    return this.events
      .slice(-count)
      .map((e) => `${e.type}@${e.node.slice(0, 8)}`)
      .join(', ');
  }

  private push(event: TestEvent): void {
    this.events.push(event);
    for (const listener of [...(this.listeners.get(event.type) ?? [])]) {
      try {
        listener(event);
      } catch (err) {
        // A listener's bug must not unwind the node that reported the event.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    const ready = this.waiters.filter((w) => w.type === event.type && w.accept(event));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve(event);
  }
}
