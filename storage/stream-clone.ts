/**
 * An independent copy of a stream (COPY, point-in-time snapshots): its nodes, its counters and
 * its consumer groups, with each copied pending entry pointing at the copied consumer.
 */
import { StreamValue } from './stream';
import { Consumer, ConsumerGroup, type PendingEntry } from './stream-groups';

export function cloneStream(source: StreamValue): StreamValue {
  const copy = new StreamValue();
  for (const node of source.nodes) copy.nodes.push(node.clone());
  copy.length = source.length;
  copy.lastId = source.lastId;
  copy.firstId = source.firstId;
  copy.maxDeletedId = source.maxDeletedId;
  copy.entriesAdded = source.entriesAdded;
  for (const [name, group] of source.groups) {
    const groupCopy = new ConsumerGroup(name, group.lastId, group.entriesRead);
    for (const [consumerName, consumer] of group.consumers) {
      groupCopy.consumers.set(consumerName, new Consumer(consumerName, consumer.seenTimeMs));
    }
    for (const [id, pending] of group.pel.entries()) {
      const owner = groupCopy.consumers.get(pending.consumer.name) as Consumer;
      const entry: PendingEntry = { consumer: owner, deliveryTimeMs: pending.deliveryTimeMs, deliveryCount: pending.deliveryCount };
      groupCopy.pel.set(id, entry);
      owner.pel.set(id, entry);
    }
    copy.groups.set(name, groupCopy);
  }
  return copy;
}
