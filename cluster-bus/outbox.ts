/**
 * The outbox: everything the cluster state machine wants done, queued as values until the
 * adapter drains it (etcd raft's `msgs` and Ready). The machine never performs I/O; after every
 * input (a tick, a message, a link event, an admin operation) the adapter calls `take()` and
 * carries out the effects in order: open or close a link, send a message, save nodes.conf,
 * delete a lost slot's keys, deliver a PUBLISH, pause writes, and report events.
 *
 *   input ──▶ chapters of the machine ──push──▶ [ effect, effect, … ] ──take()──▶ adapter
 *
 * Two details live here because every chapter relies on them. "Save the config" is idempotent
 * within one drain: ten changes in one input still write nodes.conf once, after the last one
 * (as Redis batches CLUSTER_TODO_SAVE_CONFIG to its next sleep), synced to disk only when a change
 * needs it. And every message sent is
 * counted by type, for CLUSTER INFO's cluster_stats_messages_*_sent.
 */
import type { LinkId } from './cluster-node';
import type { ClusterEffect, ClusterEvent } from './effects';
import { type ClusterMessage, typeCode } from './messages';

export class Outbox {
  private effects: ClusterEffect[] = [];
  private queuedSave: { kind: 'save-config'; durable: boolean } | null = null;
  /** Messages sent, by wire type (CLUSTER INFO). */
  readonly sent = new Map<number, number>();

  /** Removes and returns the effects queued since the last call. */
  take(): ClusterEffect[] {
    const out = this.effects;
    this.effects = [];
    this.queuedSave = null;
    return out;
  }

  emit(event: ClusterEvent): void {
    this.effects.push({ kind: 'event', event });
  }

  push(effect: ClusterEffect): void {
    this.effects.push(effect);
  }

  /**
   * nodes.conf must be written; once per drain however often it is asked, and synced to disk if
   * any of the changes asked for it (Redis's CLUSTER_TODO_FSYNC_CONFIG).
   */
  saveConfig(durable = false): void {
    if (this.queuedSave !== null) {
      if (durable) this.queuedSave.durable = true;
      return;
    }
    this.queuedSave = { kind: 'save-config', durable };
    this.effects.push(this.queuedSave);
  }

  send(link: LinkId, message: ClusterMessage): void {
    const type = typeCode(message);
    this.sent.set(type, (this.sent.get(type) ?? 0) + 1);
    this.effects.push({ kind: 'send', link, message });
  }
}
