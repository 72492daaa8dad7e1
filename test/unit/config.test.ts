/**
 * Config: defaults and CONFIG GET / CONFIG SET semantics, compared with a live redis-server
 * 7.0.15 where one is installed (same command against both, same reply expected), plus typed
 * reads and change listeners.
 */
import t from 'tap';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config, ConfigSetError } from '../../server/config/config';
import { SKIP_NO_REDIS, cli, startRedis } from './config-live';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hashslot-config-')));

/** Our CONFIG SET reply as redis-cli would print it. */
function ourSet(c: Config, args: string[]): string {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < args.length; i += 2) pairs.push([args[i] ?? '', args[i + 1] ?? '']);
  try {
    c.set(pairs);
    return 'OK';
  } catch (err) {
    if (err instanceof ConfigSetError) return err.reply;
    throw err;
  }
}

/** Each is a CONFIG SET argument list, run in sequence on both servers. */
const SETS: string[][] = [
  ['foo', 'bar'],
  ['port', '1', 'port', '2'],
  ['hz', '5', 'PORT', '1', 'port', '2'],
  ['hz', '5', 'maxclients', 'abc'],
  ['hz', '5', 'foo', 'bar'],
  ['hz', 'abc', 'daemonize', 'no'],
  ['dir', '/tmp'],
  ['dbfilename', 'x.rdb'],
  ['hz', '0'], ['hz', '1000'], ['hz', '-1'], ['hz', '10'],
  ['maxmemory', '1Gb'], ['maxmemory', '1k'], ['maxmemory', '-1'], ['maxmemory', '1.5mb'], ['maxmemory', '99999999999999999999'],
  ['maxmemory', ''], ['maxmemory', '0'],
  ['proto-max-bulk-len', '1kb'], ['proto-max-bulk-len', '2mb'],
  ['client-query-buffer-limit', '1'],
  ['repl-backlog-size', '1'], ['repl-backlog-size', '1mb'],
  ['maxmemory-clients', '50%'], ['maxmemory-clients', '101%'], ['maxmemory-clients', 'x'], ['maxmemory-clients', '0'],
  ['appendonly', 'YES'], ['appendonly', 'maybe'], ['appendonly', 'no'],
  ['loglevel', 'WARNING'], ['loglevel', 'loud'], ['loglevel', 'notice'],
  ['timeout', '01'], ['timeout', '+1'], ['timeout', '-0'], ['timeout', ' 1'], ['timeout', '1.0'], ['timeout', '4294967295'],
  ['slowlog-log-slower-than', '-1'], ['slowlog-log-slower-than', '-2'],
  ['save', '100 1 200 2'], ['save', '100'], ['save', '0 1'], ['save', ''], ['save', '3600 1 300 100 60 10000'],
  ['notify-keyspace-events', 'KEA'], ['notify-keyspace-events', 'Eg$lshzxetmd'], ['notify-keyspace-events', 'nmdtexzhsl$gEK'],
  ['notify-keyspace-events', 'Kn'], ['notify-keyspace-events', 'dg'], ['notify-keyspace-events', 'Q'], ['notify-keyspace-events', ''],
  ['client-output-buffer-limit', 'normal 1mb 2 3'], ['client-output-buffer-limit', 'replica 1 2 3 pubsub 4 5 6'],
  ['client-output-buffer-limit', 'foo 1 2 3'], ['client-output-buffer-limit', 'normal x 2 3'], ['client-output-buffer-limit', 'normal 1 2'],
  ['oom-score-adj-values', '1 2 3'], ['oom-score-adj-values', '1 2 x'], ['oom-score-adj-values', '1 2'],
  ['latency-tracking-info-percentiles', '50 99.9 100'], ['latency-tracking-info-percentiles', '101'],
  ['latency-tracking-info-percentiles', 'x'], ['latency-tracking-info-percentiles', ''],
  ['slave-read-only', 'no', 'replica-read-only', 'yes'],
  ['replicaof', 'no one'], ['slaveof', 'no one'], ['unixsocketperm', '700'],
  ['enable-debug-command', 'yes'], ['cluster-enabled', 'yes'], ['cluster-node-timeout', '5000'],
  ['key-load-delay', '10'], ['key-load-delay', '0'],
  ['lua-replicate-commands', 'yes'],
  ['masterauth', 'a b'], ['cluster-announce-ip', 'x'],
];

/** CONFIG GET pattern lists asked of both after the sets. */
const GETS: string[][] = [
  ['*'], ['port'], ['PORT'], ['SLAVE-read-only'], ['replica-read-only', 'slave-read-only', 'replica-read-*'],
  ['port', 'port', 'p?rt'], ['*max*', 'maxmemory'], ['key-load-delay'], ['*key-load*'], ['nosuch'], ['save', 'hz', 'maxmemory-clients'],
  ['client-output-buffer-limit', 'notify-keyspace-events', 'latency-tracking-info-percentiles', 'oom-score-adj-values', 'dir'],
  ['[bp]*'], ['*-ziplist-*'],
];

const pairsOf = (lines: string[]): Array<[string, string]> => {
  const out: Array<[string, string]> = [];
  // redis-cli output loses a trailing empty value, hence the `?? ''`.
  for (let i = 0; i < lines.length; i += 2) if (lines[i] !== '') out.push([lines[i] ?? '', lines[i + 1] ?? '']);
  return out;
};

/** The reply text of the ConfigSetError `fn` throws. */
function replyOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigSetError) return err.reply;
    throw err;
  }
  return 'OK';
}
const sorted = (p: Array<[string, string]>): Array<[string, string]> => [...p].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

t.test('defaults, CONFIG SET and CONFIG GET agree with a live redis-server', { skip: SKIP_NO_REDIS }, async (t) => {
  const live = await startRedis([], dir);
  t.teardown(() => live.stop());
  const ours = Config.fromArgs(['--port', String(live.port)], undefined, { cwd: dir });
  t.same(sorted(ours.get(['*'])), sorted(pairsOf(cli(live.port, ['CONFIG', 'GET', '*']))), 'every default');
  for (const args of SETS) {
    const real = cli(live.port, ['CONFIG', 'SET', ...args]).join('\n');
    t.equal(ourSet(ours, args), real, `CONFIG SET ${args.join(' ')}`);
  }
  for (const patterns of GETS) {
    const real = pairsOf(cli(live.port, ['CONFIG', 'GET', ...patterns]));
    t.same(sorted(ours.get(patterns)), sorted(real), `CONFIG GET ${patterns.join(' ')}`);
  }
});

t.test('hard-coded CONFIG SET replies (verified on 7.0.15)', async (t) => {
  const c = new Config({ cwd: dir });
  t.equal(ourSet(c, ['foo', 'bar']), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  t.equal(ourSet(c, ['port', '1', 'PORT', '1']), "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter");
  t.equal(ourSet(c, ['daemonize', 'no']), "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
  t.equal(ourSet(c, ['dir', '/']), "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  t.equal(ourSet(c, ['hz', '5', 'maxclients', 'abc']),
    "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer");
  t.equal(c.number('hz'), 10, 'nothing applied when one pair fails');
});

t.test('protected configs follow enable-protected-configs', async (t) => {
  const yes = Config.fromArgs(['--enable-protected-configs', 'yes'], undefined, { cwd: dir });
  yes.set([['dir', '/']]);
  t.equal(yes.string('dir'), '/');
  const local = Config.fromArgs(['--enable-protected-configs', 'local'], undefined, { cwd: dir });
  t.throws(() => local.set([['dbfilename', 'a.rdb']]), ConfigSetError);
  local.set([['dbfilename', 'a.rdb']], { local: true });
  t.equal(local.string('dbfilename'), 'a.rdb');
  t.equal(replyOf(() => yes.set([['dir', '/nonexistent-hashslot']])),
    "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
});

t.test('listeners see changes and can veto them atomically', async (t) => {
  const c = new Config({ cwd: dir });
  const seen: string[] = [];
  c.onChange('hz', (v, prev) => {
    seen.push(`hz ${prev}->${v}`);
  });
  const off = c.onChange('port', (v) => (v === 1 ? 'Unable to listen on this port' : undefined));
  c.set([['hz', '20'], ['port', '6380']]);
  t.same(seen, ['hz 10->20']);
  t.equal(replyOf(() => c.set([['hz', '30'], ['port', '1']])),
    "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port");
  t.equal(c.number('hz'), 20, 'hz rolled back');
  t.equal(c.number('port'), 6380, 'port rolled back');
  t.same(seen, ['hz 10->20', 'hz 20->30', 'hz 30->20'], 'hz listener re-run with the old value');
  c.set([['hz', '20']]);
  t.equal(seen.length, 3, 'no call when the value does not change');
  off();
  c.set([['port', '1']]);
  t.equal(c.number('port'), 1);
  const level: 'debug' | 'verbose' | 'notice' | 'warning' = c.value('loglevel');
  t.equal(level, 'notice');
});

t.test('checkSet says what a CONFIG SET would change, without changing it', async (t) => {
  const c = new Config({ cwd: dir });
  const plan = c.checkSet([['maxclients', '50'], ['PORT', '7000']]);
  t.equal(plan.valueAfter('port'), 7000);
  t.equal(plan.valueAfter('maxclients'), 50);
  t.equal(plan.valueAfter('hz'), 10, 'a directive the SET leaves alone keeps its value');
  t.equal(plan.argumentIndex('port'), 1, 'found under any spelling');
  t.equal(plan.argumentIndex('bind'), -1);
  t.equal(c.number('port'), 6379, 'nothing changed');
  t.equal(c.number('maxclients'), 10000);
  t.equal(replyOf(() => c.checkSet([['port', 'x']])),
    "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer");
});

t.test('filePath resolves logfile and pidfile against the final dir', async (t) => {
  const c = new Config({ cwd: dir });
  t.equal(c.filePath('logfile'), '', 'unset stays unset');
  c.loadText(Buffer.from(`logfile log.txt\npidfile /abs/p.pid\ndir ${tmpdir()}\n`));
  t.equal(c.filePath('logfile'), join(realpathSync(tmpdir()), 'log.txt'), 'relative to dir, though given before it');
  t.equal(c.string('logfile'), 'log.txt', 'CONFIG GET still shows the path as given');
  t.equal(c.filePath('pidfile'), '/abs/p.pid');
});
