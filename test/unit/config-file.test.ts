/**
 * Command-line and redis.conf parsing: tokenising, option rendering, line numbers and the
 * exact fatal error reports, compared with what redis-server 7.0.15 prints for the same input.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../server/config/config';
import { ConfigFileError, ConfigOpenError, parseCommandLine, type ConfigIo } from '../../server/config/config-file';
import { SKIP_NO_REDIS, startupFailure } from './config-live';

const dir = mkdtempSync(join(tmpdir(), 'hashslot-config-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
file('ok2.conf', 'port 1234\nappendonly no\n');
file('bad.conf', 'port 1234\n# comment\n\n  appendonly   maybe\n');
file('bad2.conf', 'port 1234\nfoo bar baz\n');
file('bad3.conf', 'port "12\n');
file('inc3.conf', `include ${join(dir, 'bad2.conf')}\nport 1\n`);
file('inc-missing.conf', 'include /nonexistent-hashslot.conf\n');

const io = (stdin = ''): ConfigIo => ({
  readFile: (p) => require('node:fs').readFileSync(p) as Buffer,
  readStdin: () => Buffer.from(stdin),
});

/** Our outcome for argv: 'ok', the fatal report, or the open-error message. */
function ours(argv: string[], stdin = ''): string {
  try {
    Config.fromArgs(argv, io(stdin), { cwd: dir });
    return 'ok';
  } catch (err) {
    if (err instanceof ConfigFileError) return err.report;
    if (err instanceof ConfigOpenError) return err.message;
    throw err;
  }
}

/** Each argv fails on real redis-server during config loading. */
const FAILING: Array<{ argv: string[]; stdin?: string; expect: string }> = [
  { argv: ['--port', '1', '--foo', 'bar'], expect: "at line 3\n>>> 'foo \"bar\"'\nBad directive or wrong number of arguments\n" },
  { argv: ['--port', 'abc'], expect: "at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n" },
  { argv: ['--port', '70000'], expect: 'argument must be between 0 and 65535 inclusive\n' },
  { argv: ['--appendonly', 'maybe'], expect: "argument must be 'yes' or 'no'\n" },
  { argv: ['--loglevel', 'foo'], expect: 'argument(s) must be one of the following: debug, verbose, notice, warning\n' },
  { argv: ['--port'], expect: ">>> 'port'\nwrong number of arguments\n" },
  { argv: ['--maxmemory', '1x'], expect: 'argument must be a memory value\n' },
  { argv: ['bad.conf'], expect: "at line 4\n>>> 'appendonly   maybe'\n" },
  { argv: ['bad2.conf'], expect: "at line 2\n>>> 'foo bar baz'\n" },
  { argv: ['bad3.conf'], expect: 'Unbalanced quotes in configuration line\n' },
  { argv: ['inc3.conf'], expect: "at line 2\n>>> 'foo bar baz'\n" },
  { argv: ['--save', '1', '2', '3'], expect: 'Invalid save parameters\n' },
  { argv: ['--save', '0', '1'], expect: 'Invalid save parameters\n' },
  { argv: ['--save', '900 1 300'], expect: "'save \"900 1 300\"'" },
  { argv: ['--dir', '/nonexistent-hashslot'], expect: 'No such file or directory\n' },
  { argv: ['--dir', '/etc/passwd'], expect: 'Not a directory\n' },
  { argv: ['ok2.conf', '--foo', 'bar'], expect: 'at line 4\n' },
  { argv: ['ok2.conf', '--port', '1', '2'], expect: "'port \"1\" \"2\"'\nwrong number of arguments\n" },
  { argv: ['--save', '', '--foo'], expect: "at line 3\n>>> 'foo'\n" },
  { argv: ['--port', '--foo', 'x'], expect: "'port \"--foo\" \"x\"'" },
  { argv: ['--requirepass', '--foo', '--x'], expect: "at line 3\n>>> 'x'\n" },
  { argv: ['--port', '1', 'ok2.conf'], expect: 'wrong number of arguments\n' },
  { argv: ['-x'], expect: ">>> '\"-x\"'\nBad directive" },
  { argv: ['--port', '0', '--version'], expect: ">>> 'version'\n" },
  { argv: ['-', '--foo'], stdin: 'port 1\n', expect: "at line 3\n>>> 'foo'\n" },
  { argv: ['ok2.conf', '-'], stdin: 'foo 1\n', expect: "at line 3\n>>> 'foo 1'\n" },
  { argv: ['ok2.conf', '-', '--port', '2'], expect: "at line 4\n>>> '\"-\"'\n" },
  { argv: ['ok2.conf', 'ok2.conf'], expect: 'Module config specified without value\n' },
  { argv: ['--unixsocketperm', '999'], expect: "argument couldn't be parsed as an octal number\n" },
  { argv: ['--replicaof', '1.2.3.4'], expect: 'wrong number of arguments\n' },
  { argv: ['--slaveof', '1.2.3.4', 'x'], expect: 'Invalid master port\n' },
  { argv: ['--bind', ...Array.from({ length: 17 }, (_, i) => String(i))], expect: 'Too many bind addresses specified.\n' },
  { argv: ['--client-output-buffer-limit', 'normal', '1', '2'], expect: 'Wrong number of arguments in buffer limit configuration.\n' },
  { argv: ['--client-output-buffer-limit', 'foo', '1', '2', '3'], expect: 'Invalid client class specified in buffer limit configuration.\n' },
  { argv: ['--notify-keyspace-events', 'Q'], expect: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\n" },
  { argv: ['--daemonize'], expect: 'wrong number of arguments\n' },
  { argv: ['--databases', '0'], expect: 'argument must be between 1 and 2147483647 inclusive\n' },
  { argv: ['--oom-score-adj-values', '1', '2'], expect: 'wrong number of arguments\n' },
  { argv: ['--enable-debug-command', 'foo'], expect: 'argument(s) must be one of the following: no, yes, local\n' },
  { argv: ['--include'], expect: 'Bad directive or wrong number of arguments\n' },
  { argv: ['--rename-command', 'foo'], expect: 'Bad directive or wrong number of arguments\n' },
  { argv: ['--port', '1', '--dbfilename', 'a', 'b'], expect: "at line 3\n>>> 'dbfilename \"a\" \"b\"'\nwrong number of arguments\n" },
];

t.test('fatal config errors read like redis-server 7.0.15', async (t) => {
  for (const c of FAILING) {
    const got = ours(c.argv, c.stdin);
    t.match(got, /^\n\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.0\.15\) \*\*\*\nReading the configuration file, at line \d+\n>>> '.*'\n.+\n$/s, c.argv.join(' '));
    t.ok(got.includes(c.expect), `${c.argv.join(' ')} -> ${JSON.stringify(got)}`);
  }
});

t.test('fatal config errors match a live redis-server byte for byte', { skip: SKIP_NO_REDIS }, async (t) => {
  for (const c of FAILING) {
    const real = startupFailure(c.argv, dir, c.stdin);
    t.equal(real.code, 1, `redis exits 1: ${c.argv.join(' ')}`);
    t.equal(ours(c.argv, c.stdin), real.stderr, c.argv.join(' '));
  }
});

t.test('unreadable config files', async (t) => {
  t.equal(ours(['/nonexistent-hashslot.conf']), "Fatal error, can't open config file '/nonexistent-hashslot.conf': No such file or directory");
  t.equal(ours(['inc-missing.conf']), "Fatal error, can't open config file '/nonexistent-hashslot.conf': No such file or directory");
  if (SKIP_NO_REDIS === false) {
    const real = startupFailure(['inc-missing.conf'], dir);
    t.equal(real.code, 1);
    t.ok(real.stdout.includes(ours(['inc-missing.conf'])), 'redis logs the same text');
  }
});

t.test('command line shapes', async (t) => {
  t.same(parseCommandLine(['-v']), { kind: 'version' });
  t.same(parseCommandLine(['--version', 'x']), { kind: 'version' });
  t.same(parseCommandLine(['-h']), { kind: 'help' });
  t.same(parseCommandLine(['--help']), { kind: 'help' });
  t.same(parseCommandLine(['--test-memory', '10']), { kind: 'test-memory', args: ['10'] });
  t.same(parseCommandLine([]), { kind: 'run', configFile: null, readStdin: false, options: '' });
  t.same(parseCommandLine(['/etc/r.conf', '--port', '7', '--save']), {
    kind: 'run', configFile: '/etc/r.conf', readStdin: false, options: 'port "7" \nsave ""',
  });
  t.same(parseCommandLine(['--save', '--port', '7']).kind === 'run' && parseCommandLine(['--save', '--port', '7']), {
    kind: 'run', configFile: null, readStdin: false, options: 'save ""\nport "7" ',
  });
  t.same(parseCommandLine(['-']), { kind: 'run', configFile: null, readStdin: true, options: '' });
  const q = parseCommandLine(['--requirepass', 'a"b\\c\n\u00e9']);
  t.equal(q.kind === 'run' ? q.options : '', 'requirepass "a\\"b\\\\c\\n\\xc3\\xa9" ');
  t.throws(() => Config.fromArgs(['-v']), /version/);
});

t.test('values arrive typed and multi-line directives accumulate', async (t) => {
  const c = Config.fromArgs(['ok2.conf', '--save', '100 1', '--save', '200', '2', '--bind', '127.0.0.1 ::1',
    '--requirepass', 'p\u00e9', '--maxmemory', '1GB', '--replicaof', '10.0.0.1 7000', '--HZ', '1000'], io(), { cwd: dir });
  t.equal(c.number('port'), 1234);
  t.equal(c.bool('appendonly'), false);
  t.same(c.value('save'), [{ seconds: 100, changes: 1 }, { seconds: 200, changes: 2 }]);
  t.same(c.value('bind'), ['127.0.0.1', '::1']);
  t.equal(c.string('requirepass'), 'p\u00e9');
  t.equal(c.number('maxmemory'), 1073741824);
  t.same(c.value('replicaof'), { host: '10.0.0.1', port: 7000 });
  t.equal(c.number('hz'), 500, 'hz is clamped to 500');
  t.equal(c.configFile, join(dir, 'ok2.conf'));
  const d = Config.fromArgs(['--save', '', '--lua-replicate-commands', 'yes', '--rename-command', 'flushall', ''], io(), { cwd: dir });
  t.same(d.value('save'), []);
  t.same(d.extras, [{ name: 'rename-command', args: ['flushall', ''], lineNumber: 4 }]);
  t.equal(d.configFile, null);
});
