/**
 * A node driven by a ManualClock (server/clock.ts), with real sockets for its clients: its time
 * moves only when the test calls advance(), so timeouts and expiry happen exactly when the test
 * says and no real time has to pass. Each step checks the server's own view (INFO, DBSIZE) over
 * a second connection: advance() runs the due timers synchronously, so by the time it returns,
 * whatever they did (a reply written, a key deleted) has happened.
 *
 * Covered: a blocking pop's timeout, WAIT's timeout, a key's PX expiry through the cron's active
 * expiry (the cron runs on the manual scheduler), the idle-client timeout, and TIME.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { ManualClock } from '../../server/clock';
import { Config } from '../../server/config/config';
import { RedisNode } from '../../server/node';
import type { Test } from '../compat/harness';
import { RawClient } from '../../bench/harness/raw-client';

/** A round number, so TIME's answer is easy to predict. */
const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
/** Real-time limit for a reply or a condition: generous, only a broken node ever reaches it. */
const DEADLINE_MS = 5_000;

interface ManualNode {
  node: RedisNode;
  clock: ManualClock;
  /** A second connection for looking at the node from outside. */
  observer: RawClient;
  connect(): Promise<RawClient>;
}

async function startManualNode(t: Test, directives: string[] = []): Promise<ManualNode> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-manual-clock-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(START_MS);
  const config = Config.fromArgs(['--port', '0', '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...directives]);
  const node = new RedisNode({ config, clock, logSink: { write: () => undefined } });
  await node.listen();
  const clients: RawClient[] = [];
  t.teardown(async () => {
    for (const c of clients) c.close();
    await node.close();
  });
  const connect = async (): Promise<RawClient> => {
    const c = await RawClient.connect(node.port);
    clients.push(c);
    return c;
  };
  return { node, clock, observer: await connect(), connect };
}

async function text(client: RawClient, ...argv: string[]): Promise<string> {
  return (await client.call(...argv)).toString('latin1');
}

async function infoField(client: RawClient, field: string): Promise<string> {
  const info = await text(client, 'INFO', 'clients');
  return new RegExp(`${field}:(\\d+)`).exec(info)?.[1] ?? '?';
}

/** Polls (in real time, with a deadline) until the node reports `n` blocked clients. */
async function waitBlocked(observer: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while ((await infoField(observer, 'blocked_clients')) !== String(n)) {
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}`);
  }
}

/**
 * Sends `argv` on a fresh connection of a fresh node and checks that it stays blocked until the
 * clock is 1 ms short of `timeoutMs`, then answers `reply` once the clock is 1 ms past it.
 */
async function timesOutAfter(t: Test, argv: string[], timeoutMs: number, reply: string): Promise<void> {
  const { clock, observer, connect } = await startManualNode(t);
  const a = await connect();
  a.send(...argv);
  await waitBlocked(observer, 1);

  clock.advance(timeoutMs - 1);
  t.equal(await infoField(observer, 'blocked_clients'), '1', `${timeoutMs - 1} ms later: still blocked`);
  t.equal(a.takeBuffered().length, 0, 'and nothing was answered');

  clock.advance(2);
  const [answer] = await a.readReplies(1, DEADLINE_MS);
  t.equal(answer?.toString('latin1'), reply, `${timeoutMs + 1} ms: answered`);
  t.equal(await infoField(observer, 'blocked_clients'), '0');
  t.equal(await text(a, 'PING'), '+PONG\r\n', 'the client is served again');
}

t.test('BLPOP k 5 times out when the clock passes 5 s, and only then', (t) =>
  timesOutAfter(t, ['BLPOP', 'k', '5'], 5_000, '*-1\r\n'));

t.test('a timeout under 1 ms waits one virtual millisecond', (t) =>
  timesOutAfter(t, ['BZPOPMIN', 'z', '0.0001'], 1, '*-1\r\n'));

t.test('WAIT times out on the manual clock', (t) => timesOutAfter(t, ['WAIT', '1', '2000'], 2_000, ':0\r\n'));

t.test('a key set with PX 1000 expires when the clock passes 1 s, by the cron', async (t) => {
  const { clock, observer } = await startManualNode(t);
  t.equal(await text(observer, 'SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');

  clock.advance(999);
  t.equal(await text(observer, 'DBSIZE'), ':1\r\n');
  t.equal(await text(observer, 'PTTL', 'k'), ':1\r\n');
  t.equal(await text(observer, 'GET', 'k'), '$1\r\nv\r\n', '999 ms: still there');

  // The cron (hz 10) last ran at +1000, when the key was not yet past its time.
  clock.advance(2);
  t.equal(await text(observer, 'DBSIZE'), ':1\r\n', '1.001 s: expired, but no cron tick since');
  clock.advance(99);
  t.equal(await text(observer, 'DBSIZE'), ':0\r\n', '1.1 s: the cron\'s active expiry deleted it');
  t.equal(await text(observer, 'GET', 'k'), '$-1\r\n');
  t.match(await text(observer, 'INFO', 'stats'), /expired_keys:1\r\n/);
});

t.test('an idle client is closed after `timeout` seconds of virtual time, a subscriber or a monitor is not', async (t) => {
  const { clock, observer, connect } = await startManualNode(t, ['--timeout', '10']);
  const a = await connect();
  t.equal(await text(a, 'PING'), '+PONG\r\n');
  const subscriber = await connect();
  t.match(await text(subscriber, 'SUBSCRIBE', 'news'), /subscribe/);
  const monitor = await connect();
  t.equal(await text(monitor, 'MONITOR'), '+OK\r\n');
  clock.advance(10_000);
  // This INFO also counts as the observer's interaction, so of the clients `timeout` may close
  // only `a` is idle.
  t.equal(await infoField(observer, 'connected_clients'), '4', '10 s idle: not yet');
  clock.advance(100);
  await a.readUntilClose(DEADLINE_MS);
  t.equal(await infoField(observer, 'connected_clients'), '3', 'past 10 s: closed by the cron');
  clock.advance(60_000);
  // The observer was idle too, and went; a fresh connection counts the two exempt and itself.
  const late = await connect();
  t.equal(await infoField(late, 'connected_clients'), '3', 'the subscriber and the monitor stay, as in Redis');
  t.equal(subscriber.isClosed, false);
  t.equal(monitor.isClosed, false);
});

t.test('TIME follows the manual clock', async (t) => {
  const { clock, observer } = await startManualNode(t);
  t.equal(await text(observer, 'TIME'), `*2\r\n$10\r\n${START_MS / 1000}\r\n$1\r\n0\r\n`);
  clock.advance(5_001);
  t.equal(await text(observer, 'TIME'), `*2\r\n$10\r\n${START_MS / 1000 + 5}\r\n$4\r\n1000\r\n`);
  clock.advance(3_600_000);
  t.equal(await text(observer, 'TIME'), `*2\r\n$10\r\n${START_MS / 1000 + 3_605}\r\n$4\r\n1000\r\n`, 'a virtual hour later');
});
