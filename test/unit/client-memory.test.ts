/**
 * The CLIENT LIST memory model (server/network/client-memory.ts) on its own: jemalloc's size classes, the
 * query buffer's growth, and the clients cron's reply-buffer resizing, with the figures a
 * redis-server 7.0.15 shows (test/compat/client-memory.test.ts compares them live).
 */
import t from 'tap';
import { allocationBytes, bufferUsage, ClientMemory, memoryFields } from '../../server/network/client-memory';
import { RecentClientPeaks } from '../../server/network/recent-client-peaks';
import { DebugHooks } from '../../server/debug-hooks';

const DEFAULTS = new DebugHooks();

t.test('jemalloc size classes', async (t) => {
  t.same([1, 8, 9, 16, 17, 128, 129, 160, 161, 1024, 1025, 16390, 20480, 20481].map(allocationBytes),
    [8, 8, 16, 16, 32, 128, 160, 160, 192, 1024, 1280, 20480, 20480, 24576]);
});

t.test('query buffer: 4 bytes free until the first read, then a 20480-byte allocation', async (t) => {
  const m = new ClientMemory();
  t.equal(m.queryBufferAlloc, 4);
  m.noteRead(0);
  t.equal(m.queryBufferAlloc, 20474);
  m.noteRead(100);
  t.equal(m.queryBufferAlloc, 20474, 'room for another read: no growth');
});

t.test('reply buffer: reset at the first cron, shrunk at the second, doubled when filled', async (t) => {
  const m = new ClientMemory();
  t.same([m.replyBufferBytes, m.replyPeakBytes], [16384, 16384]);
  m.cron(1_000_000, 0, DEFAULTS);
  t.same([m.replyBufferBytes, m.replyPeakBytes], [16384, 0], '7.0 starts the 5 s period at the epoch');
  m.cron(1_000_100, 0, DEFAULTS);
  t.same([m.replyBufferBytes, m.replyPeakBytes], [1024, 0]);
  m.noteReplies(5000);
  t.equal(m.replyPeakBytes, 1024, 'the peak counts what fits in the buffer');
  m.cron(1_000_200, 0, DEFAULTS);
  t.equal(m.replyBufferBytes, 2048);
  m.cron(1_005_000, 0, DEFAULTS);
  t.equal(m.replyPeakBytes, 0, 'reset 5 s after the last reset');
});

t.test('DEBUG REPLYBUFFER: resizing off stops the whole pass; a negative reset time never resets', async (t) => {
  const off = new ClientMemory();
  off.cron(1_000_000, 0, { replyBufferResizing: false, replyBufferPeakResetMs: 5000 });
  t.same([off.replyBufferBytes, off.replyPeakBytes], [16384, 16384], 'neither shrunk nor reset');
  const never = new ClientMemory();
  never.cron(1_000_000, 0, { replyBufferResizing: true, replyBufferPeakResetMs: -1 });
  t.same([never.replyBufferBytes, never.replyPeakBytes], [16384, 16384], 'the peak is kept, so no shrink');
});

t.test('fields of a client running CLIENT LIST as redis-cli sends it', async (t) => {
  const m = new ClientMemory();
  m.noteRead(0);
  const fields = memoryFields({
    memory: m, queryBytes: 26, argvBytes: 10, argc: 2, argvSlots: 2, queued: null, watchedKeys: 0, pendingReplyBytes: 0,
    channels: 0, patterns: 0, shardChannels: 0,
  });
  t.equal(fields, 'qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37658');
});

t.test('the idle pass cuts the query buffer to what it holds; the recent-peak sample', async (t) => {
  const idle = (queryBytes: number, argvBytes: number, argc: number, argvSlots: number, m: ClientMemory) => ({
    memory: m, queryBytes, argvBytes, argc, argvSlots, queued: null, watchedKeys: 0, pendingReplyBytes: 0,
    channels: 0, patterns: 0, shardChannels: 0,
  });
  const m = new ClientMemory();
  m.noteRead(0);
  t.same(bufferUsage(idle(0, 0, 0, 0, m)), { totalBytes: 768 + 20480 + 16384, inputBytes: 20480, outputBytes: 0 }, 'after a read: the 20 KiB block');
  m.idleQueryBufferPass(2, 0);
  t.equal(m.queryBufferAlloc, 20474, 'idle 2 s: kept');
  m.idleQueryBufferPass(3, 0);
  t.equal(m.queryBufferAlloc, 0, 'idle 3 s: cut');
  t.match(memoryFields(idle(0, 0, 0, 0, m)), /qbuf=0 qbuf-free=0 .* tot-mem=17160$/, 'an 8-byte block: 768 + 8 + 16384');
  t.same(bufferUsage(idle(0, 0, 0, 0, m)), { totalBytes: 17160, inputBytes: 8, outputBytes: 0 });
  const partial = new ClientMemory();
  partial.noteRead(0);
  // `*3 $3 SET $1 k $5 ab` arrived: argv holds SET and k (4 bytes) in a 3-slot array (32 bytes).
  t.same(bufferUsage(idle(2, 4, 2, 3, partial)), { totalBytes: 768 + 20480 + 4 + 16 + 16384, inputBytes: 20480 + 4 + 32, outputBytes: 0 });
});

t.test('recent peaks: eight one-second slots, the next one cleared on each pass', async (t) => {
  const peaks = new RecentClientPeaks();
  peaks.startPass(1_000);
  peaks.note(20_480, 100);
  peaks.startPass(2_000);
  peaks.note(8, 0);
  t.same([peaks.maxInputBytes, peaks.maxOutputBytes], [20_480, 100]);
  for (let sec = 3; sec <= 7; sec++) peaks.startPass(sec * 1_000);
  t.equal(peaks.maxInputBytes, 20_480, 'second 7 clears slot 0: the peak of second 1 is still there');
  peaks.startPass(8_000);
  t.equal(peaks.maxInputBytes, 8, 'second 8 clears slot 1, ahead of second 9: the peak is gone');
});
