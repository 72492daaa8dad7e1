/*
 * Unit tests for a bus link's send-buffer figures (cluster-bus/send-buffer.ts): the room reserved
 * doubles what is needed below 1 MiB and adds 1 MiB above, stays after the bytes are sent, is given
 * back by the cron only when the free part is more than four times the queued part, and the
 * limit (0: none) is passed only when the room is strictly larger.
 */
import t from 'tap';
import { SendBuffer } from '../../cluster-bus/send-buffer';

const MIB = 1024 * 1024;

t.test('reserve: twice what is needed, 1 MiB more past 1 MiB, nothing when it fits', (t) => {
  const buffer = new SendBuffer();
  buffer.reserve(0, 2256);
  t.equal(buffer.allocatedBytes, 4512, 'a ping into an empty buffer');
  buffer.reserve(0, 3000);
  t.equal(buffer.allocatedBytes, 4512, 'fits: unchanged');
  buffer.reserve(4000, 1000);
  t.equal(buffer.allocatedBytes, 10_000, 'behind queued bytes: twice the total');
  buffer.reserve(MIB, 16);
  t.equal(buffer.allocatedBytes, 2 * MIB + 16, 'past 1 MiB: needed + 1 MiB');
  t.end();
});

t.test('trim: only when the free part is more than four times the queued part', (t) => {
  const buffer = new SendBuffer();
  buffer.reserve(0, 1000); // 2000
  buffer.trim(400); // free 1600, 1600/4 = 400, not more than 400
  t.equal(buffer.allocatedBytes, 2000, 'free/4 equal to queued: kept');
  buffer.trim(399);
  t.equal(buffer.allocatedBytes, 399, 'free/4 above queued: shrunk to what is queued');
  buffer.trim(0);
  t.equal(buffer.allocatedBytes, 0, 'all sent: nothing reserved');
  const small = new SendBuffer();
  small.reserve(0, 1); // 2
  small.trim(0); // floor(2/4) = 0, not more than 0
  t.equal(small.allocatedBytes, 2, 'a few spare bytes are not worth giving back');
  t.end();
});

t.test('exceeds: strictly over a non-zero limit', (t) => {
  const buffer = new SendBuffer();
  buffer.reserve(0, 500); // 1000
  t.equal(buffer.exceeds(0), false, 'limit 0 is no limit');
  t.equal(buffer.exceeds(1000), false, 'equal to the limit');
  t.equal(buffer.exceeds(999), true, 'one byte over');
  t.end();
});
