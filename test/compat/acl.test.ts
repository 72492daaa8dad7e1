/*
 * Differential tests for ACL: the same users, rules and commands sent to a real redis-server
 * 7.0.15 and to hashslot, replies compared (rule strings with their single-command runs sorted,
 * see acl-helpers.ts). Users persist across cases, so each case names its own users.
 */

import t from 'tap';
import { check, dualRun, error, reconnect, type Pair } from './harness';
import { logNormalized, rulesNormalized, unorderedLeaves } from './acl-helpers';
import type { Arg } from '../../bench/harness/resp';
import { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t, { serverArgs: ['--acllog-max-len', '1000'] });

const rules = (...argv: Arg[]) => check(rulesNormalized, ...argv);

dual.case('SETUSER, GETUSER and LIST render the rules as Redis does', async (pair) => {
  const ruleSets: string[][] = [
    ['on', '>pw', '~k*', '%R~r*', '&ch*', '+get', '-@all', '+@read', '-@dangerous', '+client|id', '-config|set', '+select|0', '(+set ~w*)'],
    ['reset'],
    ['on', 'nopass', 'allkeys', 'allchannels', 'allcommands'],
    ['on', '>a', '>b', '<a', '#' + 'a'.repeat(64), '!' + 'a'.repeat(64), '~x', '~x', '%R~x', '%W~y', '%RW~z'],
    ['+@all', '-@dangerous', '-@admin', '+config|get'],
    ['-@all', '+@string', '+@hash', '-hset', '+@list'],
    ['-@all', '+get', '+set', '+hset', '+lpush', '+sadd', '+zadd', '+xadd', '+ping', '+echo'],
    ['+@all', '-get', '+get', '-@write'],
    ['-@all', '+config', '-config|set', '+client|id', '+client|list'],
    ['-@all', '+select|0', '+select|1', '+select|0', '+select'],
    ['resetchannels', '&a', '&b*', 'resetkeys', '~a', 'clearselectors', '(~b +get)', '(%R~c -@all +@read)'],
    ['sanitize-payload', 'skip-sanitize-payload', 'off'],
    ['%RW~*', '%R~y', '%r~low', '%wR~mixed'],
    ['+@all', '-@pubsub', '+publish', '-@scripting', '-@transaction', '+multi'],
    ['-@all', '+@geo', '+@stream', '+@sortedset', '-@blocking', '+@bitmap', '+@hyperloglog'],
    ['-@all', '+acl|whoami', '+acl|cat', '+cluster|info', '+cluster|nodes', '+cluster|slots'],
    ['-@all', '+@read', '+@write', '-@keyspace'],
    ['nocommands', '+@fast', '+@slow', '-@connection'],
    ['+@all', '-@admin', '+@dangerous', '-@slow', '+@keyspace'],
    ['+@all', '-@all', '+@admin', '-@dangerous', '+@pubsub'],
  ];
  let n = 0;
  for (const set of ruleSets) {
    const name = `render${n++}`;
    await pair.do('ACL', 'SETUSER', name, ...set);
    await pair.step(rules('ACL', 'GETUSER', name));
  }
  await pair.step(rules('ACL', 'LIST'));
  await pair.do('ACL', 'USERS');
  await pair.do('HELLO', '3');
  await pair.step(rules('ACL', 'GETUSER', 'render0'));
  await pair.step(rules('ACL', 'GETUSER', 'render12'));
  await pair.do('ACL', 'GETUSER', 'nosuchuser');
});

// Redis counts commands hashslot does not implement (LOLWUT, MEMORY, LATENCY, MODULE, SLOWLOG,
// CLIENT TRACKING...) in its categories: these rule strings and lists name them.
dual.case('rule strings that name commands hashslot lacks', async (pair) => {
  await pair.do('ACL', 'SETUSER', 'lacks1', '-@all', '+@read', '+@write', '-@keyspace');
  await pair.step(rules('ACL', 'GETUSER', 'lacks1'));
  await pair.do('ACL', 'SETUSER', 'lacks2', 'nocommands', '+@fast', '+@slow', '-@connection');
  await pair.step(rules('ACL', 'GETUSER', 'lacks2'));
  for (const category of ['read', 'scripting', 'connection', 'fast']) await pair.step(check(unorderedLeaves, 'ACL', 'CAT', category));
  await pair.do('ACL', 'SETUSER', 'lacks3', '-@all', '+memory|usage', '+lolwut', '+client|tracking', '+latency', '-latency|reset', '+slowlog|get');
  await pair.step(rules('ACL', 'GETUSER', 'lacks3'));
  await pair.do('ACL', 'SETUSER', 'lacks4', '+@all', '-memory', '-slowlog', '-client|tracking', '-lolwut');
  await pair.step(rules('ACL', 'GETUSER', 'lacks4'));
  await pair.do('ACL', 'DRYRUN', 'lacks4', 'get', 'k');
  await pair.do('ACL', 'DELUSER', 'lacks1', 'lacks2', 'lacks3', 'lacks4');
});

dual.case('SETUSER errors', [
  error('ACL', 'SETUSER', 'bad', 'foo'),
  error('ACL', 'SETUSER', 'bad', '+nocmd'),
  error('ACL', 'SETUSER', 'bad', '+@nocat'),
  error('ACL', 'SETUSER', 'bad', '-@nocat'),
  error('ACL', 'SETUSER', 'bad', '%X~a'),
  error('ACL', 'SETUSER', 'bad', '%RR~a'),
  error('ACL', 'SETUSER', 'bad', '('),
  error('ACL', 'SETUSER', 'bad', '(~x', '+get'),
  error('ACL', 'SETUSER', 'bad', '(foo)'),
  error('ACL', 'SETUSER', 'bad', '#abc'),
  error('ACL', 'SETUSER', 'bad', '!abc'),
  error('ACL', 'SETUSER', 'bad', '<nopw'),
  error('ACL', 'SETUSER', 'bad', '-get|x'),
  error('ACL', 'SETUSER', 'bad', '+config|nosuch'),
  error('ACL', 'SETUSER', 'bad', '+config|get|x'),
  error('ACL', 'SETUSER', 'bad', '+config|'),
  error('ACL', 'SETUSER', 'bad', 'allkeys', '~a'),
  error('ACL', 'SETUSER', 'bad', 'allchannels', '&a'),
  error('ACL', 'SETUSER', 'a b'),
  error('ACL', 'SETUSER', 'bad', 'on', '>x', 'foo'),
  ['ACL', 'GETUSER', 'bad'],
  error('ACL', 'SETUSER'),
  error('ACL', 'DELUSER', 'default'),
  error('ACL', 'NOSUCH'),
  ['ACL', 'DELUSER', 'nouser', 'nouser2'],
  error('ACL', 'DRYRUN', 'nouser', 'get', 'k'),
  error('ACL', 'DRYRUN', 'default', 'nocmd'),
  error('ACL', 'DRYRUN', 'default', 'get'),
  error('ACL', 'DRYRUN', 'default', 'config'),
  error('ACL', 'DRYRUN', 'default', 'config', 'nosuch'),
  error('ACL', 'CAT', 'nocat'),
  error('ACL', 'GENPASS', '0'),
  error('ACL', 'GENPASS', '5000'),
  error('ACL', 'GENPASS', 'x'),
  error('ACL', 'LOG', 'x'),
  error('ACL', 'LOAD'),
  error('ACL', 'SAVE'),
  ['ACL', 'HELP'],
  ['ACL', 'CAT'],
  ['ACL', 'WHOAMI'],
]);

// A pattern or username with whitespace (isspace) or a NUL would not survive ACL LIST and the
// ACL file, whose lines are space-separated words: Redis refuses them.
dual.case('patterns and usernames with whitespace are refused', [
  ...['~a b', '&c d', '%R~a b', '%W~ab ', ' ~ab', '~a\tb', '&a\tb', '~a\rb', '~a\nb', '~a\vb', '&a\fb', '~a\0b', '&a\0', '%RW~\0'].map((rule) => error('ACL', 'SETUSER', 'ws', rule)),
  error('ACL', 'SETUSER', 'ws', '(~a b)'),
  error('ACL', 'SETUSER', 'ws', '(%R~a "b c")'),
  error('ACL', 'SETUSER', 'ws', 'allkeys', '~a b'),
  error('ACL', 'SETUSER', 'ws', 'allchannels', '&a b'),
  ['ACL', 'GETUSER', 'ws'],
  // Bytes above 0x7f are not whitespace to C's isspace (NEL, NBSP).
  ['ACL', 'SETUSER', 'ws', Buffer.from('~a\x85b', 'latin1'), Buffer.from('&a\xa0b', 'latin1')],
  rules('ACL', 'GETUSER', 'ws'),
  ...['a\tb', 'a\vb', 'a\rb', 'a\nb', 'a\0b'].map((name) => error('ACL', 'SETUSER', name)),
]);

dual.case('% key selectors need R or W', [
  ...['%', '%~x', '%~', '%X~x', '%RR~x', '%~R', '% R~x'].map((rule) => error('ACL', 'SETUSER', 'pct', rule)),
  error('ACL', 'SETUSER', 'pct', '(%~x)'),
  error('ACL', 'SETUSER', 'pct', 'allkeys', '%'),
  ['ACL', 'GETUSER', 'pct'],
  ['ACL', 'SETUSER', 'pct', '%R', '%W', '%RW~x', '%WR~y', '%r~lr', '%w~lw', '%wR~mixed', '%R~', '%Rw~x~', '%RW~*', '~', '&'],
  rules('ACL', 'GETUSER', 'pct'),
]);

// Redis splits a selector's text as it splits a config line: any whitespace, quotes, a NUL ending
// it, and unbalanced quotes leaving an empty selector.
dual.case('selector text: splitting, joining, unmatched parentheses', async (pair) => {
  const sets: string[][] = [
    ['(~a\t+get)'], ['( ~b  +set )'], ['("~q" +get)'], ['(~a "b)'], ['( )'], ['()'], ['(~a\0b)'], [''], ['on', '', '~z'],
    ['(~a', '(~b', '+get)'], ['(~a', ')'], ['(~c', '+get', 'x)'],
  ];
  let n = 0;
  for (const set of sets) {
    const name = `sel${n++}`;
    await pair.do('ACL', 'SETUSER', name, ...set);
    await pair.step(rules('ACL', 'GETUSER', name));
  }
  for (const set of [['(~a +get) x'], ['(~a', '+get)', '(~b c'], ['(~a', '+get', '(~b c'], ['('], ['on', '(~a'], ['(~a', '+get', '(~b)'], ['(~a\0'], ['(+nosuch\0x)']]) {
    await pair.error('ACL', 'SETUSER', 'selbad', ...set);
  }
  await pair.do('ACL', 'GETUSER', 'selbad');
});

dual.case('ACL subcommands with too few or too many arguments', [
  ...[['CAT', 'a', 'b'], ['CAT', 'read', 'b'], ['cat', 'a', 'b'], ['GENPASS', '1', '2'], ['GENPASS', 'x', 'y'], ['genpass', '1', '2'],
    ['LOG', '1', '2'], ['LOG', 'RESET', 'x'], ['log', 'reset', 'x'], ['LOG', 'x', 'y'], ['LOG', '-1', 'x'],
    ['DELUSER'], ['DRYRUN'], ['DRYRUN', 'default'], ['DRYRUN', 'default', 'get'], ['GETUSER'], ['GETUSER', 'a', 'b'],
    ['HELP', 'x'], ['LIST', 'x'], ['LOAD', 'x'], ['SAVE', 'x'], ['SETUSER'], ['USERS', 'x'], ['WHOAMI', 'x'], ['NOSUCH', 'x'],
  ].map((args) => error('ACL', ...args)),
  error('ACL'),
  ['ACL', 'DELUSER', 'nouser1', 'nouser2', 'nouser3'],
  ['ACL', 'LOG', 'RESET'],
]);

dual.case('ACL CAT <category> lists the same commands', async (pair) => {
  for (const category of ['keyspace', 'read', 'write', 'string', 'hash', 'list', 'set', 'sortedset', 'stream', 'geo', 'pubsub', 'transaction', 'scripting', 'connection', 'blocking', 'fast', 'slow', 'admin', 'dangerous', 'bitmap', 'hyperloglog']) {
    await pair.step(check(unorderedLeaves, 'ACL', 'CAT', category));
  }
});

dual.case('GENPASS lengths', async (pair, tt) => {
  for (const bits of [undefined, '1', '4', '5', '128', '255', '4096']) {
    const argv = bits === undefined ? ['ACL', 'GENPASS'] : ['ACL', 'GENPASS', bits];
    const [r, h] = await pair.both((c) => c.call(...argv));
    tt.equal(h instanceof Error ? 'error' : h.length, r.length, `GENPASS ${bits ?? ''} length`);
  }
});

// ─── The permission matrix: ACL DRYRUN over users × calls ──────────────────────────────────────

const KEY_RULES = ['~*', '~k*', '%R~k*', '%W~k*', '%R~k* %W~w*', 'resetkeys', '~k* (~w* +@write)'];
const COMMAND_RULES = [
  '+@all', '-@all +@read', '-@all +@write', '+@all -@string', '-@all +get +set', '-@all +@hash +@string -hset',
  '+@all -@dangerous', '-@all +config|get', '-@all +client|id +select|0', '-@all +@pubsub', '-@all +@keyspace -del',
];
const CHANNEL_RULES = ['&*', 'resetchannels &ch*', 'resetchannels'];
const CALLS: string[][] = [
  ['get', 'k1'], ['get', 'w1'], ['get', 'x'], ['set', 'k1', 'v'], ['set', 'w1', 'v'], ['set', 'k1', 'v', 'GET'],
  ['mset', 'k1', 'v', 'w1', 'v'], ['mget', 'k1', 'w1'], ['del', 'k1'], ['del', 'w1', 'k1'], ['copy', 'k1', 'w1'],
  ['lpush', 'k1', 'a'], ['lmove', 'k1', 'w1', 'left', 'right'], ['hset', 'k1', 'f', 'v'], ['hget', 'k1', 'f'],
  ['sadd', 'w1', 'a'], ['sinterstore', 'w1', 'k1', 'k2'], ['zadd', 'k1', '1', 'a'], ['xadd', 'k1', '*', 'f', 'v'],
  ['sort', 'k1'], ['sort', 'k1', 'store', 'w1'], ['sort_ro', 'k1'], ['object', 'encoding', 'k1'], ['exists', 'k1', 'x'],
  ['config', 'get', 'maxmemory'], ['config', 'set', 'maxmemory', '0'], ['client', 'id'], ['client', 'list'],
  ['select', '0'], ['select', '1'], ['keys', '*'], ['flushall'], ['ping'], ['auth', 'a', 'b'], ['hello'],
  ['publish', 'ch1', 'x'], ['publish', 'zz', 'x'], ['subscribe', 'ch1', 'zz'], ['psubscribe', 'ch*'], ['psubscribe', 'ch1*'],
  ['unsubscribe', 'zz'], ['spublish', 'ch1', 'x'], ['eval', 'return 1', '1', 'k1'], ['eval', 'return 1', '1', 'x'],
  ['multi'], ['exec'], ['blpop', 'k1', 'w1', '0'], ['rename', 'k1', 'w1'], ['getdel', 'k1'], ['setnx', 'w1', 'v'],
  ['incr', 'k1'], ['append', 'w1', 'x'], ['strlen', 'k1'], ['lcs', 'k1', 'w1'], ['migrate', 'h', '1', 'k1', '0', '1'],
  ['migrate', 'h', '1', '', '0', '1', 'KEYS', 'k1', 'w1'], ['georadius', 'k1', '0', '0', '1', 'm', 'STORE', 'w1'],
  ['zunionstore', 'w1', '2', 'k1', 'k2'], ['xread', 'STREAMS', 'k1', '0'], ['acl', 'whoami'], ['acl', 'setuser', 'x'],
];

dual.case(`permission matrix: ${KEY_RULES.length * COMMAND_RULES.length * CHANNEL_RULES.length} users x ${CALLS.length} calls (ACL DRYRUN)`, async (pair) => {
  let n = 0;
  for (const keys of KEY_RULES) {
    for (const commands of COMMAND_RULES) {
      for (const channels of CHANNEL_RULES) {
        const name = `m${n++}`;
        const ruleWords = [...channels.split(' '), ...commands.split(' ')];
        // "(~w*" "+@write)" stay separate arguments: SETUSER joins them itself.
        const keyWords = keys.split(' ');
        await pair.do('ACL', 'SETUSER', name, 'on', 'nopass', ...keyWords, ...ruleWords);
        for (const call of CALLS) await pair.do('ACL', 'DRYRUN', name, ...call);
      }
    }
  }
  await pair.step(rules('ACL', 'LIST'));
});


/** The calls of the matrix that are safe to really run as each user (no server-wide effects). */
const NOT_RUN = ['flushall', 'auth', 'hello', 'multi', 'exec', 'subscribe', 'psubscribe', 'unsubscribe', 'blpop', 'migrate', 'acl'];
const RUNNABLE = CALLS.filter(([name = '', sub = '']) => !NOT_RUN.includes(name) && !(name === 'client' && sub === 'list') && !(name === 'config' && sub === 'set'));

dual.case(`permission matrix run for real: ${KEY_RULES.length * COMMAND_RULES.length * CHANNEL_RULES.length} users x ${RUNNABLE.length} calls`, async (pair) => {
  let n = 0;
  for (const keys of KEY_RULES) {
    for (const commands of COMMAND_RULES) {
      for (const channels of CHANNEL_RULES) {
        const name = `x${n++}`;
        await pair.do('ACL', 'SETUSER', name, 'on', 'nopass', ...keys.split(' '), ...channels.split(' '), ...commands.split(' '));
        await pair.do('AUTH', name, 'any');
        await pair.do('SELECT', '0');
        for (const call of RUNNABLE) await pair.do(...call);
        await pair.do('AUTH', 'default', 'any');
        await pair.do('SELECT', '0');
        await pair.do('FLUSHALL');
      }
    }
  }
});

// ─── Running commands as a user ───────────────────────────────────────────────────────────────

async function authAs(pair: Pair, user: string, password: string): Promise<void> {
  await pair.do('AUTH', user, password);
}

dual.case('NOPERM replies, ACL LOG entries and WHOAMI for a restricted user', async (pair) => {
  await pair.do('ACL', 'LOG', 'RESET');
  await pair.do('SET', 'k1', 'v');
  await pair.do('ACL', 'SETUSER', 'alice', 'on', '>pw', '~k*', '%R~r*', '%W~w*', '&ch*', '-@all', '+get', '+set', '+del', '+publish',
    '+subscribe', '+psubscribe', '+eval', '+multi', '+exec', '+sort', '+client|id', '+lpush', '+acl|whoami');
  await authAs(pair, 'alice', 'pw');
  await pair.do('ACL', 'WHOAMI');
  await pair.error('GET', 'x');
  await pair.do('GET', 'k1');
  await pair.error('SET', 'r1', 'v');
  await pair.do('SET', 'w1', 'v');
  await pair.error('GET', 'w1');
  await pair.do('DEL', 'k1');
  await pair.error('HSET', 'k1', 'f', 'v');
  await pair.error('CLIENT', 'LIST');
  await pair.error('PUBLISH', 'zz', 'x');
  await pair.do('PUBLISH', 'ch1', 'x');
  await pair.error('SORT', 'k1', 'BY', 'x*');
  await pair.error('SORT', 'k1', 'GET', 'x*');
  await pair.do('SORT', 'k1', 'BY', 'nosort');
  await pair.error('EVAL', "return redis.call('get','x')", '0');
  await pair.do('EVAL', "return redis.pcall('get','x')", '0');
  await pair.do('EVAL', "return redis.pcall('hset','k1','f','v')", '0');
  await pair.do('EVAL', "return redis.call('set','k2','v')", '1', 'k2');
  await pair.do('EVAL', "return redis.pcall('publish','zz','v')", '0');
  await pair.error('PSUBSCRIBE', 'c*');
  await pair.error('SUBSCRIBE', 'ch1', 'zz');
  await pair.error('AUTH', 'alice', 'wrong');
  await pair.error('AUTH', 'nobody', 'pw');
  await pair.do('MULTI');
  await pair.error('GET', 'x');
  await pair.error('EXEC');
  await pair.do('MULTI');
  await pair.do('GET', 'k1');
  await pair.error('ZADD', 'k', '1', 'a');
  await pair.do('DISCARD');
  await pair.reconnect();
  await pair.step(check(logNormalized, 'ACL', 'LOG'));
  await pair.step(check(logNormalized, 'ACL', 'LOG', '2'));
  await pair.do('ACL', 'LOG', '0');
  await pair.do('ACL', 'LOG', '-1');
  await pair.do('ACL', 'LOG', 'RESET');
  await pair.do('ACL', 'LOG');
});

dual.case('EXEC checks queued commands again', async (pair) => {
  await pair.do('ACL', 'SETUSER', 'bob', 'on', '>pw', '~*', '&*', '+@all');
  await authAs(pair, 'bob', 'pw');
  await pair.do('MULTI');
  await pair.do('SET', 'k', 'v');
  await pair.do('GET', 'k');
  await pair.do('PUBLISH', 'c', 'x');
  // Another connection changes bob's rules while the transaction is queued.
  await pair.both(async (c, side) => {
    const other = await RawClient.connect(side === 'redis' ? dual.running.redis.port : dual.running.target.port);
    await other.call('ACL', 'SETUSER', 'bob', '-get', 'resetkeys', '~k', 'resetchannels');
    other.close();
    return c;
  });
  await pair.do('EXEC');
  await pair.reconnect();
  await pair.step(check(logNormalized, 'ACL', 'LOG', '3'));
});

dual.case('DELUSER and ACL LOAD-less SETUSER off: what happens to connected users', async (pair) => {
  await pair.do('ACL', 'SETUSER', 'carol', 'on', '>pw', '~*', '&*', '+@all');
  await pair.do('ACL', 'SETUSER', 'dave', 'on', '>pw', '~*', '&*', '+@all');
  const open = async (user: string): Promise<[RawClient, RawClient]> => {
    const r = await RawClient.connect(dual.running.redis.port);
    const h = await RawClient.connect(dual.running.target.port);
    await r.call('AUTH', user, 'pw');
    await h.call('AUTH', user, 'pw');
    return [r, h];
  };
  const [carolR, carolH] = await open('carol');
  const [daveR, daveH] = await open('dave');
  await pair.do('CLIENT', 'KILL', 'USER', 'nobody');
  await pair.do('ACL', 'SETUSER', 'dave', 'off');
  await pair.do('ACL', 'DELUSER', 'carol');
  const alive = async (r: RawClient): Promise<string> => {
    try {
      return (await r.call('PING')).toString('latin1');
    } catch {
      return 'closed';
    }
  };
  pair.same(await alive(carolH), await alive(carolR), 'a deleted user\'s connection');
  pair.same(await alive(daveH), await alive(daveR), 'a disabled user\'s connection');
  await pair.do('CLIENT', 'KILL', 'USER', 'dave');
  for (const c of [carolR, carolH, daveR, daveH]) c.close();
  await pair.error('AUTH', 'dave', 'pw');
  await pair.error('AUTH', 'carol', 'pw');
});

dual.case('requirepass is the default user\'s password', [
  ['CONFIG', 'SET', 'requirepass', 'sesame'],
  rules('ACL', 'LIST'),
  rules('ACL', 'GETUSER', 'default'),
  reconnect(),
  error('GET', 'k'),
  error('AUTH', 'wrong'),
  ['AUTH', 'sesame'],
  ['ACL', 'WHOAMI'],
  ['ACL', 'SETUSER', 'default', '>second'],
  ['CONFIG', 'GET', 'requirepass'],
  ['AUTH', 'default', 'second'],
  ['CONFIG', 'SET', 'requirepass', ''],
  rules('ACL', 'LIST'),
  reconnect(),
  ['GET', 'k'],
  error('AUTH', 'x'),
]);

dual.case('HELLO AUTH and SETNAME as a user; CLIENT LIST user=', async (pair) => {
  await pair.do('ACL', 'SETUSER', 'erin', 'on', '>pw', '~*', '&*', '+@all');
  await pair.error('HELLO', '3', 'AUTH', 'erin', 'wrong');
  await pair.step(check((r, h) => ({ expected: r.toString('latin1').replace(/id\r\n:\d+/, 'id').replace(/7\.0\.\d+/, 'v'), actual: h.toString('latin1').replace(/id\r\n:\d+/, 'id').replace(/7\.0\.\d+/, 'v') }), 'HELLO', '2', 'AUTH', 'erin', 'pw', 'SETNAME', 'e1'));
  await pair.do('ACL', 'WHOAMI');
  await pair.step(check((r, h) => ({ expected: / user=(\S+) /.exec(r.toString('latin1'))?.[1] ?? '', actual: / user=(\S+) /.exec(h.toString('latin1'))?.[1] ?? '' }), 'CLIENT', 'INFO'));
  await pair.do('RESET');
  await pair.do('ACL', 'WHOAMI');
});

dual.case('acl-pubsub-default, and subscribers losing their channels', async (pair) => {
  await pair.do('CONFIG', 'SET', 'acl-pubsub-default', 'allchannels');
  await pair.do('ACL', 'SETUSER', 'pubA', 'on', '>pw', '+@all', '~*');
  await pair.step(rules('ACL', 'GETUSER', 'pubA'));
  await pair.do('ACL', 'SETUSER', 'pubB', 'reset');
  await pair.step(rules('ACL', 'GETUSER', 'pubB'));
  await pair.do('CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels');
  await pair.do('ACL', 'SETUSER', 'pubC', 'on', '>pw', '+@all', '~*');
  await pair.step(rules('ACL', 'GETUSER', 'pubC'));
  const subscribe = async (port: number, argv: string[]): Promise<RawClient> => {
    const c = await RawClient.connect(port);
    await c.call('AUTH', 'pubA', 'pw');
    c.write(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
    await c.readReplies(argv.length - 1);
    return c;
  };
  const ports = [dual.running.redis.port, dual.running.target.port];
  const subs = await Promise.all(ports.map((p) => subscribe(p, ['SUBSCRIBE', 'news', 'sport'])));
  const psubs = await Promise.all(ports.map((p) => subscribe(p, ['PSUBSCRIBE', 'n*'])));
  await pair.do('ACL', 'SETUSER', 'pubA', 'resetchannels', '&news', '&sport', '&n*');
  await pair.do('ACL', 'SETUSER', 'pubA', 'resetchannels', '&news', '&sport', '&n1');
  const alive = async (c: RawClient): Promise<string> => {
    try {
      return (await c.call('PING')).toString('latin1');
    } catch {
      return 'closed';
    }
  };
  pair.same(await alive(subs[1]!), await alive(subs[0]!), 'subscriber to allowed channels');
  pair.same(await alive(psubs[1]!), await alive(psubs[0]!), 'pattern subscriber whose pattern was removed');
  await pair.do('ACL', 'SETUSER', 'pubA', 'resetchannels', '&news');
  pair.same(await alive(subs[1]!), await alive(subs[0]!), 'subscriber that lost a channel');
  for (const c of [...subs, ...psubs]) c.close();
});

dual.case('MULTI, WATCH, AUTH in MULTI, HELLO AUTH and FCALL as a restricted user', async (pair) => {
  await pair.do('ACL', 'LOG', 'RESET');
  await pair.do('FUNCTION', 'FLUSH');
  await pair.do('FUNCTION', 'LOAD', "#!lua name=acllib\nredis.register_function('f', function(keys, args) return redis.call('get', keys[1]) end)");
  await pair.do('ACL', 'SETUSER', 'mu', 'on', '>p', '~k*', '+@all', '-get', '-watch', '-function|list');
  await authAs(pair, 'mu', 'p');
  await pair.do('MULTI');
  await pair.error('WATCH', 'k');
  await pair.error('GET', 'k');
  await pair.error('EXEC');
  await pair.do('MULTI');
  await pair.do('AUTH', 'mu', 'wrong');
  await pair.do('EXEC');
  await pair.error('HELLO', '3', 'AUTH', 'mu', 'nope');
  await pair.error('FCALL', 'f', '1', 'k');
  await pair.error('FCALL', 'f', '1', 'x');
  await pair.error('FUNCTION', 'LIST');
  await pair.step(check(logNormalized, 'ACL', 'LOG'));
  await pair.do('FUNCTION', 'FLUSH');
});
