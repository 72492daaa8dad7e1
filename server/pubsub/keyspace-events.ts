/**
 * Keyspace notifications (notify-keyspace-events): a command that changed a key tells
 * subscribers of `__keyspace@<db>__:<key>` the event name and subscribers of
 * `__keyevent@<db>__:<event>` the key name, if the event's class is enabled.
 *
 * Commands call ctx.notifyKeyEvent (dispatch/command-context.ts) after the change is made, with
 * the class (NotifyFlag, from config/special-codecs.ts, which parses the directive's letters) and
 * the event name Redis 7.0 uses for that command; the names and which command emits which are
 * listed in Redis's documentation of keyspace events. Notifications are local to a node: they
 * are not broadcast over the cluster bus and not propagated to replicas (a replica emits its
 * own when it applies the stream).
 */
import type { ByteString } from '../../storage/bytes';
import { NotifyFlag } from '../config/special-codecs';
import type { RedisNode } from '../node';

/** Publishes one keyspace event for `key` in database `dbIndex`, if its class is enabled. */
export function notifyKeyspaceEvent(node: RedisNode, flag: number, event: string, key: ByteString, dbIndex: number): void {
  const enabled = node.notifyKeyspaceEvents;
  if ((enabled & flag) === 0) return;
  if (enabled & NotifyFlag.keyspace) node.pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event);
  if (enabled & NotifyFlag.keyevent) node.pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key);
}
