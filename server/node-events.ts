/**
 * What a node tells the world it did, as typed events: the cluster state machine's events
 * (a peer suspected, an election won, slots claimed...) and every log line. One emitter per node,
 * so several nodes in one process each have their own listeners.
 *
 * Events are the one source for logs, tests and (later) the testing API, the control port and
 * the live view: a listener sees the same steps the log prints, as data instead of text.
 * A listener runs synchronously inside the node's own code; one that throws is a bug in the
 * caller and is reported on the next tick rather than allowed to unwind the node's state change.
 */
import type { ClusterEvent } from '../cluster-bus/effects';
import type { LogLevel } from './log';

/** One line the node logged: its level, the message, and the line as written to the log. */
export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly text: string;
}

export interface NodeEventMap {
  /** A step of the cluster state machine (cluster mode only). */
  cluster: ClusterEvent;
  /** A line at or above the node's loglevel. */
  log: LogLine;
}

export type NodeEventName = keyof NodeEventMap;
export type NodeEventListener<E extends NodeEventName> = (payload: NodeEventMap[E]) => void;

export class NodeEvents {
  private readonly listeners: { [E in NodeEventName]: NodeEventListener<E>[] } = { cluster: [], log: [] };

  /** Adds a listener; the returned function removes it. */
  on<E extends NodeEventName>(event: E, listener: NodeEventListener<E>): () => void {
    const list = this.listeners[event] as NodeEventListener<E>[];
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Whether anyone listens (lets a caller skip building a payload nobody reads). */
  has(event: NodeEventName): boolean {
    return this.listeners[event].length > 0;
  }

  emit<E extends NodeEventName>(event: E, payload: NodeEventMap[E]): void {
    const list = this.listeners[event] as NodeEventListener<E>[];
    if (list.length === 0) return;
    for (const listener of [...list]) {
      try {
        listener(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
