/*
 * A subscriber that collects keyspace notifications for differential tests. It listens to the
 * given patterns and to a "sync" channel: after a command sequence the writer publishes a marker
 * there, and since a node delivers messages in order, everything read before the marker is what
 * the sequence emitted.
 */
import { RawClient } from '../../bench/harness/raw-client';
import type { Pair, Servers, Side } from './harness';

const MARKER = '*3\r\n$7\r\nmessage\r\n$4\r\nsync\r\n$3\r\nend\r\n';
const MARKER_RESP3 = '>3\r\n$7\r\nmessage\r\n$4\r\nsync\r\n$3\r\nend\r\n';

/** What the writer sends after a sequence: the marker's publication. */
export const SYNC_MARKER_COMMAND = ['PUBLISH', 'sync', 'end'] as const;

/** Every event class, new-key and key-miss events included, on both channel kinds. */
export const ALL_EVENTS = 'AKEnm';

/** Every keyspace and keyevent channel of every database. */
export const ALL_KEYSPACE_CHANNELS = ['__key*__:*'] as const;

export async function keyspaceSubscriber(port: number, patterns: readonly string[] = ALL_KEYSPACE_CHANNELS): Promise<RawClient> {
  const sub = await RawClient.connect(port);
  sub.send('PSUBSCRIBE', ...patterns);
  await sub.readReplies(patterns.length);
  await sub.call('SUBSCRIBE', 'sync');
  return sub;
}

/** Every message the subscriber got before the sync marker, as raw RESP text. */
export async function messagesUntilMarker(sub: RawClient): Promise<string[]> {
  const messages: string[] = [];
  for (;;) {
    const [reply] = await sub.readReplies(1);
    const text = (reply ?? Buffer.alloc(0)).toString('latin1');
    if (text === MARKER || text === MARKER_RESP3) return messages;
    messages.push(text);
  }
}

/**
 * Runs `body` with notify-keyspace-events set to `flags` on both servers and a keyspace
 * subscriber on each; puts the setting back and closes the subscribers afterwards.
 */
export async function withKeyspaceEvents(
  pair: Pair,
  servers: Servers,
  flags: string,
  body: (subscribers: Record<Side, RawClient>) => Promise<void>,
  patterns: readonly string[] = ALL_KEYSPACE_CHANNELS,
): Promise<void> {
  await pair.do('CONFIG', 'SET', 'notify-keyspace-events', flags);
  const subscribers: Record<Side, RawClient> = {
    redis: await keyspaceSubscriber(servers.redis.port, patterns),
    target: await keyspaceSubscriber(servers.target.port, patterns),
  };
  try {
    await body(subscribers);
  } finally {
    subscribers.redis.close();
    subscribers.target.close();
    await pair.do('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
}
