/**
 * Random picks from hashes and sets: SPOP, SRANDMEMBER and HRANDFIELD.
 *
 * A JavaScript Set or Map has no random access: the only way to its k-th element is to walk k
 * steps from the start. Redis picks a random bucket of its hash table in O(1); walking would make
 * SPOP on a million-member set cost a million steps per call. So a container that is sampled
 * gets, on the first pick, a side index:
 *
 *     slots:  [ m0, m1, m2, m3, m4, m5 ]      every live member exactly once, plus
 *     dead:   { m2, m4 }                      members removed since (their slots are stale)
 *
 * A pick draws a uniform slot and accepts it when the member is live; a dead slot is swapped with
 * the last one and dropped, so stale slots vanish as they are met (rejection sampling: every live
 * member has exactly one slot, so the pick is uniform). The command handlers report their own
 * changes (`noteAdded`, `noteRemoved`), which keeps the index exact at O(1) per change; a member
 * removed and added again reuses its stale slot instead of getting a second one. The index is
 * rebuilt (O(n), once) when more than half of its slots are dead, so a pick takes at most two
 * draws on average, or when the container's size no longer matches what the index expects: the
 * sign of a change made elsewhere (a loader, a future command) that did not report itself.
 *
 * Containers below SMALL_SIZE are walked instead: a walk of a few dozen steps costs less than
 * keeping an index, and most containers are small. Indexes live in a WeakMap keyed by the
 * container object, so a deleted or replaced value takes its index with it.
 *
 * The randomness is the node's seeded source, never Math.random (tests replay seeds).
 */
import type { ByteString } from './bytes';
import type { SeededRandom } from './random';

/** The container shapes sampled: a Set of members, or a Map whose keys are the fields. */
export type Sampled = Set<ByteString> | Map<ByteString, ByteString>;

/** Below this size a pick walks the container (O(size)) instead of building an index. */
const SMALL_SIZE = 64;

interface SampleIndex {
  slots: ByteString[];
  dead: Set<ByteString>;
}

const indexes = new WeakMap<Sampled, SampleIndex>();

/** Tells the index (if any) that `member` was added to `container`. */
export function noteAdded(container: Sampled, member: ByteString): void {
  const index = indexes.get(container);
  if (index === undefined) return;
  // A member removed and added back still has its stale slot: revive it.
  if (!index.dead.delete(member)) index.slots.push(member);
}

/** Tells the index (if any) that `member` was removed from `container`. */
export function noteRemoved(container: Sampled, member: ByteString): void {
  const index = indexes.get(container);
  if (index !== undefined) index.dead.add(member);
}

/** Forgets the index of a container that was rebuilt or cleared wholesale. */
export function forgetIndex(container: Sampled): void {
  indexes.delete(container);
}

function indexFor(container: Sampled): SampleIndex {
  let index = indexes.get(container);
  if (index === undefined || index.slots.length - index.dead.size !== container.size || index.dead.size > container.size) {
    index = { slots: [...container.keys()], dead: new Set() };
    indexes.set(container, index);
  }
  return index;
}

/** One uniformly chosen member (a field, for a Map). The container must not be empty. */
export function randomMember(container: Sampled, random: SeededRandom): ByteString {
  const size = container.size;
  if (size === 0) throw new Error('randomMember of an empty container');
  if (size < SMALL_SIZE) {
    let skip = random.below(size);
    for (const member of container.keys()) if (skip-- === 0) return member;
    throw new Error('container shrank while walking it');
  }
  const index = indexFor(container);
  const { slots, dead } = index;
  for (;;) {
    const i = random.below(slots.length);
    const member = slots[i] as ByteString;
    if (!dead.has(member)) return member;
    // A stale slot: drop it (swap with the last) and draw again.
    dead.delete(member);
    slots[i] = slots[slots.length - 1] as ByteString;
    slots.pop();
  }
}

/**
 * `count` distinct members chosen uniformly, 0 < count < size. Picks far fewer than the size go
 * through randomMember with a seen-set (Redis's "case 4"); otherwise a partial Fisher-Yates
 * shuffle of a copy chooses them in O(size) ("case 3"), which is what the reply costs anyway.
 */
export function distinctMembers(container: Sampled, count: number, random: SeededRandom): ByteString[] {
  const size = container.size;
  if (count * 3 > size) {
    const all = [...container.keys()];
    for (let i = 0; i < count; i++) {
      const j = i + random.below(size - i);
      const chosen = all[j] as ByteString;
      all[j] = all[i] as ByteString;
      all[i] = chosen;
    }
    all.length = count;
    return all;
  }
  const seen = new Set<ByteString>();
  while (seen.size < count) seen.add(randomMember(container, random));
  return [...seen];
}
