/**
 * maxmemory-clients' choice of client (server/memory/client-eviction.ts) on its own, with clients
 * whose tot-mem the test sets: the highest bucket goes first, within a bucket the one that
 * entered it first, CLIENT NO-EVICT ones count but stay, replicas do not count, and a limit
 * under 128 KiB is raised to it. test/compat/client-eviction.test.ts checks the weights and the
 * timing against redis-server.
 */
import t from 'tap';
import { ClientEviction, type EvictableClient, evictionBucketOf, evictionBucketRange } from '../../server/memory/client-eviction';
import type { Session } from '../../server/dispatch/session';

interface FakeClient extends EvictableClient {
  name: string;
  evictionMemoryBytes: number;
  closed: boolean;
  kind: 'normal' | 'replica' | 'master';
}

function fake(name: string, bytes: number, options: { noEvict?: boolean; kind?: FakeClient['kind'] } = {}): FakeClient {
  const client: FakeClient = {
    name,
    kind: options.kind ?? 'normal',
    session: { noEvict: options.noEvict ?? false } as unknown as Session,
    evictionMemoryBytes: bytes,
    closed: false,
    describe: () => `name=${name}`,
    close: () => {
      client.closed = true;
    },
  };
  return client;
}

/** A client eviction over `clients`, and a clients cron pass that visits every live one. */
function setup(setting: number, clients: FakeClient[], maxmemory = 0): { eviction: ClientEviction; cron: () => void; log: string[] } {
  const log: string[] = [];
  const eviction = new ClientEviction({
    setting: () => setting,
    maxmemory: () => maxmemory,
    log: (line) => log.push(line),
    evicted: () => {},
  });
  eviction.refreshLimit();
  const cron = (): void => {
    for (const client of clients) if (!client.closed) eviction.visit(client, client.evictionMemoryBytes);
    eviction.evictIfNeeded();
  };
  return { eviction, cron, log };
}

t.test('buckets: powers of two from 32 KiB, the first holding everything smaller', async (t) => {
  t.same([0, 32767, 32768, 65535, 65536, 2 ** 40].map(evictionBucketOf), [0, 0, 1, 1, 2, 18]);
  t.same(evictionBucketRange(0), [0, 32767]);
  t.same(evictionBucketRange(1), [32768, 65535]);
  t.same(evictionBucketRange(18), [2 ** 32, Number.POSITIVE_INFINITY]);
});

t.test('the highest bucket goes first, then the earliest to enter a bucket', async (t) => {
  const small = fake('small', 20_000);
  const early = fake('early', 70_000);
  const late = fake('late', 80_000);
  const big = fake('big', 140_000);
  const clients = [small, early, late, big];
  const { eviction, cron, log } = setup(200_000, clients);
  cron();
  // 310,000 >= 200,000: the one in the highest bucket goes, and 170,000 is under the limit.
  t.same(clients.map((c) => c.closed), [false, false, false, true]);
  t.same(log, ['Evicting client: name=big']);
  // The two in bucket 2 grow (still bucket 2) to 250,000 in all: the one that entered first goes.
  late.evictionMemoryBytes = 120_000;
  early.evictionMemoryBytes = 110_000;
  eviction.clientRan(late);
  eviction.clientRan(early);
  eviction.evictIfNeeded();
  t.equal(early.closed, true, 'early entered bucket 2 first');
  t.equal(late.closed, false);
  t.equal(small.closed, false);
});

t.test('CLIENT NO-EVICT clients count but stay; replicas do not count', async (t) => {
  const pinned = fake('pinned', 200_000, { noEvict: true });
  const replica = fake('replica', 500_000, { kind: 'replica' });
  const other = fake('other', 20_000);
  const { cron } = setup(200_000, [pinned, replica, other]);
  cron();
  t.equal(pinned.closed, false, 'never chosen');
  t.equal(replica.closed, false);
  t.equal(other.closed, true, 'the pinned client\'s weight costs the other its connection');
});

t.test('a limit under 128 KiB counts as 128 KiB; a percentage needs maxmemory', async (t) => {
  const a = fake('a', 100_000);
  const { cron } = setup(50_000, [a]);
  cron();
  t.equal(a.closed, false, '100,000 < 131,072');
  a.evictionMemoryBytes = 131_072;
  cron();
  t.equal(a.closed, true, 'at the floor: evicted (at or over the limit)');

  const b = fake('b', 1_000_000);
  setup(-10, [b], 0).cron();
  t.equal(b.closed, false, '10% of no maxmemory: off');
  setup(-10, [b], 5_000_000).cron();
  t.equal(b.closed, true, '10% of 5,000,000 is 500,000');
});
