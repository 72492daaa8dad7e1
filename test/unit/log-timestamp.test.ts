/*
 * server/log.ts's formatTimestamp: the time of a log line as Redis prints it ("22 Nov 2026
 * 10:00:00.123", local time). It keeps the text up to the second for the next line of the same
 * second, so this checks it against a plain formatting from Date over times that stay within a
 * second, cross into the next, go back, and carry fractions of a millisecond.
 */
import t from 'tap';
import { formatTimestamp } from '../../server/log';
import { SeededRandom } from '../../storage/random';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function plain(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return (
    `${pad(d.getDate(), 2)} ${MONTHS[d.getMonth()] ?? '?'} ${d.getFullYear()} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`
  );
}

t.test('equals a plain formatting from Date', async (tt) => {
  tt.equal(formatTimestamp(new Date(2026, 10, 22, 10, 0, 0, 123).getTime()), '22 Nov 2026 10:00:00.123');
  const random = new SeededRandom(7);
  let ms = Date.UTC(2026, 11, 6, 16, 0, 0, 0);
  let mismatches = 0;
  for (let i = 0; i < 100_000; i++) {
    const step = random.below(10);
    // Mostly a few ms on, sometimes a jump either way, sometimes a fraction of a millisecond.
    if (step < 6) ms += random.below(400);
    else if (step < 8) ms += random.below(86_400_000 * 400) - 86_400_000 * 200;
    else if (step < 9) ms = Math.floor(ms) + 0.75;
    else ms = Math.floor(ms / 1000) * 1000 + 999;
    if (formatTimestamp(ms) !== plain(ms) && mismatches++ < 5) tt.fail(`${ms}: ${formatTimestamp(ms)} against ${plain(ms)}`);
  }
  tt.equal(mismatches, 0, '100,000 times, each formatted as Date gives it');
  for (const edge of [0, 999, 1000, -1, -1001]) tt.equal(formatTimestamp(edge), plain(edge), `at ${edge} ms`);
});
