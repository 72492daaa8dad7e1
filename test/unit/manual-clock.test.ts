/*
 * ManualClock (server/clock.ts) on its own: timers run in time order during advance(), each
 * seeing now() at its own due instant; ties run in the order they were scheduled; a timer
 * scheduled by a running timer runs in the same advance when it falls due within it; repeating
 * timers run once per interval; cancelled timers never run.
 */
import t from 'tap';
import { ManualClock } from '../../server/clock';

t.test('timers run in time order, each at its own instant', async (t) => {
  const clock = new ManualClock(1_000);
  const seen: string[] = [];
  const note = (name: string) => () => void seen.push(`${name}@${clock.now()}`);
  clock.schedule(30, note('c'));
  clock.schedule(10, note('a'));
  clock.schedule(10, note('b'));
  clock.schedule(0, note('zero'));
  clock.advance(9);
  t.same(seen, ['zero@1000'], 'a zero delay runs at the next advance, at the instant it was scheduled');
  t.equal(clock.now(), 1_009);
  clock.advance(100);
  t.same(seen, ['zero@1000', 'a@1010', 'b@1010', 'c@1030'], 'ties in scheduling order');
  t.equal(clock.now(), 1_109, 'settles at the end of the advance');
  t.equal(clock.pendingTimers, 0);
});

t.test('a timer scheduled by a timer runs within the same advance when due', async (t) => {
  const clock = new ManualClock(0);
  const seen: number[] = [];
  clock.schedule(5, () => {
    seen.push(clock.now());
    clock.schedule(5, () => seen.push(clock.now()));
    clock.schedule(50, () => seen.push(clock.now()));
  });
  clock.advance(20);
  t.same(seen, [5, 10]);
  clock.advance(35);
  t.same(seen, [5, 10, 55]);
});

t.test('every() repeats once per interval; cancel() stops it', async (t) => {
  const clock = new ManualClock(0);
  const ticks: number[] = [];
  const cron = clock.every(100, () => ticks.push(clock.now()));
  clock.advance(350);
  t.same(ticks, [100, 200, 300]);
  cron.cancel();
  clock.advance(1_000);
  t.same(ticks, [100, 200, 300], 'nothing after cancel');
  const once = clock.schedule(10, () => ticks.push(-1));
  once.cancel();
  once.cancel();
  clock.advance(10);
  t.same(ticks, [100, 200, 300], 'a cancelled one-shot timer never runs');
});

t.test('advance refuses to go back or to nest', async (t) => {
  const clock = new ManualClock(0);
  t.throws(() => clock.advance(-1), RangeError);
  t.throws(() => clock.every(0, () => undefined), RangeError);
  clock.schedule(1, () => clock.advance(1));
  t.throws(() => clock.advance(1), /called from a timer/);
  t.equal(clock.now(), 1, 'stopped at the timer that threw');
  clock.advance(1);
  t.equal(clock.now(), 2, 'and usable afterwards');
});
