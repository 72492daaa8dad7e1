/**
 * The node's publish/subscribe registry: who listens to what, and delivery of messages.
 *
 * Three independent namespaces, as in Redis 7.0:
 *   channels        SUBSCRIBE / PUBLISH           ("message", channel, payload)
 *   patterns        PSUBSCRIBE, matched by PUBLISH ("pmessage", pattern, channel, payload)
 *   shard channels  SSUBSCRIBE / SPUBLISH         ("smessage", channel, payload)
 * A PUBLISH reaches the channel's subscribers first, then every client of every pattern that
 * matches the channel (a client subscribed both ways gets it twice and is counted twice). Shard
 * channels never match patterns. Each registry maps a name to its clients in subscription order,
 * which is the order they are sent a message in.
 *
 * Delivery writes into the receiving connection's reply buffer as a push (`>` in RESP3, an array
 * in RESP2). A receiver other than the connection running the command would otherwise only see
 * its output at its own next request, so receivers are flushed after the publishing connection's
 * batch of requests (or, for publications no client made, once the current turn of the event
 * loop is done): one socket write per receiver however many messages it got, the same batching
 * Redis does before it sleeps. Pushes, confirmations included, pass CLIENT REPLY OFF and SKIP,
 * as in Redis 7.0.15: Session.pushWritten marks them so that dropping the other replies keeps
 * them. A subscriber that reads too slowly is closed by client-output-buffer-limit's pubsub class
 * (network/output-limit.ts).
 *
 * Orders Redis takes from its hash tables (which pattern's pmessage comes first when several
 * match, which channel an argument-less UNSUBSCRIBE leaves first) are subscription order here:
 * Redis's own order is random per process, so no client can rely on it.
 *
 * Publications that do not come from a client (keyspace notifications raised by expiry, messages
 * relayed over the cluster bus) take the same path: `publish` needs no calling client.
 */
import { globMatch } from '../../storage/glob';
import type { ByteString } from '../../storage/bytes';
import type { Client } from '../network/client';
import type { Session } from '../dispatch/session';
import type { ClientSubscriptions } from './client-subscriptions';

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

/** The reply words of each kind, and which of a client's sets and counts it uses. */
interface KindRules {
  subscribe: string;
  unsubscribe: string;
  own(subs: ClientSubscriptions): Set<ByteString>;
  count(subs: ClientSubscriptions): number;
}

const RULES: Record<SubscriptionKind, KindRules> = {
  channel: { subscribe: 'subscribe', unsubscribe: 'unsubscribe', own: (s) => s.channels, count: (s) => s.count },
  pattern: { subscribe: 'psubscribe', unsubscribe: 'punsubscribe', own: (s) => s.patterns, count: (s) => s.count },
  shard: { subscribe: 'ssubscribe', unsubscribe: 'sunsubscribe', own: (s) => s.shardChannels, count: (s) => s.shardCount },
};

export class PubSub {
  private readonly registries: Record<SubscriptionKind, Map<ByteString, Set<Session>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  /** Receivers with output waiting for the end of this event-loop turn. */
  private readonly unflushed = new Set<Session>();
  private flushScheduled = false;

  // ---------------------------------------------------------------------------------------------
  // Subscribing

  /** (P|S)SUBSCRIBE: subscribes to each name and confirms each one, duplicates included. */
  subscribe(client: Session, kind: SubscriptionKind, names: readonly ByteString[]): void {
    const rules = RULES[kind];
    const own = rules.own(client.subscriptions);
    const registry = this.registries[kind];
    for (const name of names) {
      if (!own.has(name)) {
        own.add(name);
        let clients = registry.get(name);
        if (clients === undefined) registry.set(name, (clients = new Set()));
        clients.add(client);
      }
      confirm(client, rules.subscribe, name, rules.count(client.subscriptions));
    }
  }

  /**
   * (P|S)UNSUBSCRIBE: leaves the named ones, or all of this kind when `names` is empty, and
   * confirms each. Leaving nothing at all is confirmed once with a null name.
   */
  unsubscribe(client: Session, kind: SubscriptionKind, names: readonly ByteString[]): void {
    const rules = RULES[kind];
    const own = rules.own(client.subscriptions);
    const targets = names.length > 0 ? names : [...own];
    for (const name of targets) {
      this.leave(client, kind, name);
      confirm(client, rules.unsubscribe, name, rules.count(client.subscriptions));
    }
    if (targets.length === 0) confirm(client, rules.unsubscribe, null, rules.count(client.subscriptions));
  }

  /** A closed or RESET connection leaves everything, without confirmations. */
  leaveAll(client: Session): void {
    const subs = client.subscriptions;
    if (!subs.active) return;
    for (const kind of KINDS) {
      for (const name of [...RULES[kind].own(subs)]) this.leave(client, kind, name);
    }
    this.unflushed.delete(client);
  }

  /** Removes one subscription; false when the client did not have it. */
  private leave(client: Session, kind: SubscriptionKind, name: ByteString): boolean {
    if (!RULES[kind].own(client.subscriptions).delete(name)) return false;
    const registry = this.registries[kind];
    const clients = registry.get(name);
    if (clients !== undefined) {
      clients.delete(client);
      if (clients.size === 0) registry.delete(name);
    }
    return true;
  }

  /**
   * Shard channels whose slot this node's shard no longer serves are taken from their
   * subscribers, who are told with a "sunsubscribe" each, as Redis 7.0 does when a slot moves
   * away; they may then subscribe again where the slot went.
   */
  dropShardChannels(served: (channel: ByteString) => boolean): void {
    const registry = this.registries.shard;
    if (registry.size === 0) return;
    for (const [channel, clients] of [...registry]) {
      if (served(channel)) continue;
      for (const client of [...clients]) {
        this.leave(client, 'shard', channel);
        confirm(client, 'sunsubscribe', channel, client.subscriptions.shardCount);
        this.scheduleFlush(client);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing

  /** Delivers a message to the channel's and matching patterns' subscribers; returns how many. */
  publish(channel: ByteString, message: ByteString): number {
    let receivers = 0;
    const direct = this.registries.channel.get(channel);
    if (direct !== undefined) {
      for (const client of direct) {
        const start = client.reply.mark();
        if (this.startMessage(client, 3)) {
          client.reply.bulk('message');
          client.reply.bulk(channel);
          client.reply.bulk(message);
          client.pushWritten(start);
        }
        receivers++;
      }
    }
    for (const [pattern, clients] of this.registries.pattern) {
      if (!patternMatches(pattern, channel)) continue;
      for (const client of clients) {
        const start = client.reply.mark();
        if (this.startMessage(client, 4)) {
          client.reply.bulk('pmessage');
          client.reply.bulk(pattern);
          client.reply.bulk(channel);
          client.reply.bulk(message);
          client.pushWritten(start);
        }
        receivers++;
      }
    }
    return receivers;
  }

  /** SPUBLISH: delivers to the shard channel's subscribers; returns how many. */
  publishShard(channel: ByteString, message: ByteString): number {
    const clients = this.registries.shard.get(channel);
    if (clients === undefined) return 0;
    for (const client of clients) {
      const start = client.reply.mark();
      if (this.startMessage(client, 3)) {
        client.reply.bulk('smessage');
        client.reply.bulk(channel);
        client.reply.bulk(message);
        client.pushWritten(start);
      }
    }
    return clients.size;
  }

  /**
   * Opens a push of `items` to a receiver for another sender (client tracking's invalidations),
   * flushed with the messages of this turn; false when it is closed and gets nothing.
   */
  openPush(client: Session, items: number): boolean {
    return this.startMessage(client, items);
  }

  /** Writes `text` (a whole reply: MONITOR's lines) to a receiver, flushed with this turn's messages. */
  sendRaw(client: Session, text: string): void {
    if (client.closed) return;
    client.reply.raw(text);
    this.scheduleFlush(client);
  }

  /** Opens a push of `items` to a receiver; false when it is closed and gets nothing. */
  private startMessage(client: Session, items: number): boolean {
    if (client.closed) return false;
    client.reply.push(items);
    this.scheduleFlush(client);
    return true;
  }

  private scheduleFlush(client: Session): void {
    this.unflushed.add(client);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flushReceivers();
    });
  }

  /**
   * Writes out what receivers were sent. The connection that ran a PUBLISH calls this before
   * writing its own replies, so subscribers hear a message no later than the publisher hears
   * its count, as with Redis; anything else is flushed at the end of the event-loop turn.
   */
  flushReceivers(): void {
    if (this.unflushed.size === 0) return;
    for (const session of this.unflushed) {
      const client = session.connection;
      if (client === null) continue;
      // flush() checks client-output-buffer-limit (output-limit.ts) before writing.
      client.flush();
    }
    this.unflushed.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection (PUBSUB, INFO)

  /** Names with at least one subscriber, optionally only those matching a glob pattern. */
  activeNames(kind: 'channel' | 'shard', pattern: ByteString | null): ByteString[] {
    const out: ByteString[] = [];
    for (const name of this.registries[kind].keys()) {
      if (pattern === null || patternMatches(pattern, name)) out.push(name);
    }
    return out;
  }

  /** Subscribers of one channel or shard channel (patterns not counted). */
  subscriberCount(kind: 'channel' | 'shard', name: ByteString): number {
    return this.registries[kind].get(name)?.size ?? 0;
  }

  /** How many distinct names of a kind have subscribers (INFO pubsub_channels and friends). */
  size(kind: SubscriptionKind): number {
    return this.registries[kind].size;
  }
}

const KINDS: readonly SubscriptionKind[] = ['channel', 'pattern', 'shard'];

/**
 * Glob matching as Redis applies it to channel names: like KEYS, except that the empty channel
 * is matched by the empty pattern only (not even by "*"), because Redis's matcher stops before
 * looking at the pattern when the subject is empty and only KEYS and SCAN special-case "*".
 */
function patternMatches(pattern: ByteString, channel: ByteString): boolean {
  if (channel.length === 0) return pattern.length === 0;
  return globMatch(pattern, channel);
}

/** One (un)subscribe confirmation: [word, name or null, count]. */
function confirm(client: Session, word: string, name: ByteString | null, count: number): void {
  const out = client.reply;
  const start = out.mark();
  out.push(3);
  out.bulk(word);
  if (name === null) out.nullBulk();
  else out.bulk(name);
  out.integer(count);
  client.pushWritten(start);
}
