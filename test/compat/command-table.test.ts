/*
 * The command table as clients see it (issue 2): COMMAND COUNT|INFO|DOCS|LIST|GETKEYS for the
 * commands of this issue. Cluster-aware clients read key positions and flags from COMMAND INFO,
 * and redis-cli 7 reads COMMAND DOCS for its hints, so these replies are compared byte for byte.
 *
 * Container commands (CLIENT, CONFIG, ...) list only the subcommands hashslot implements, so a
 * client never reads that a subcommand exists and then gets "unknown subcommand" for it. Each one
 * listed must be Redis's entry exactly; every subcommand of this issue must be listed.
 */

import t from 'tap';
import { check, dualRun, error, shape, type Pair } from './harness';
import { escapeMultiline, parseReply } from '../../bench/harness/resp';
import type { Compared } from './compare';

const dual = dualRun(t);

export const ISSUE_COMMANDS = [
  'get', 'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'getex', 'mget', 'mset', 'msetnx', 'append',
  'strlen', 'incr', 'decr', 'incrby', 'decrby', 'incrbyfloat', 'getrange', 'setrange', 'substr', 'lcs',
  'del', 'unlink', 'exists', 'type', 'rename', 'renamenx', 'copy', 'move', 'touch', 'keys', 'scan', 'randomkey',
  'expire', 'pexpire', 'expireat', 'pexpireat', 'ttl', 'pttl', 'expiretime', 'pexpiretime', 'persist',
  'ping', 'echo', 'quit', 'select', 'hello', 'auth', 'reset',
  'dbsize', 'flushdb', 'flushall', 'time', 'swapdb', 'shutdown', 'info',
];

const SUBCOMMANDS = [
  'client|id', 'client|setname', 'client|getname', 'client|list', 'client|info', 'client|kill', 'client|no-evict', 'client|reply',
  'config|get', 'config|set', 'config|resetstat', 'config|rewrite',
  'object|encoding', 'object|refcount', 'object|idletime', 'object|freq',
  'function|flush', 'command|count', 'command|info', 'command|docs', 'command|list', 'command|getkeys',
];

const CONTAINERS = ['client', 'config', 'object', 'function', 'command', 'debug'];

dual.case('COMMAND COUNT', [
  shape('COMMAND', 'COUNT'),
  error('COMMAND', 'COUNT', 'x'),
]);

dual.case('COMMAND INFO of each command', async (pair) => {
  for (const name of ISSUE_COMMANDS) await pair.do('COMMAND', 'INFO', name);
  await pair.do('COMMAND', 'INFO', 'GET', 'nosuchcommand', 'Set');
  await pair.do('COMMAND', 'INFO', 'nosuchcommand');
});

dual.case('COMMAND INFO of subcommands', async (pair) => {
  for (const name of SUBCOMMANDS) await pair.do('COMMAND', 'INFO', name);
});

/**
 * COMMAND INFO of a container: its subcommands (the 10th field) come out of a hash table, in an
 * order that differs even between two redis-servers, so they are compared as a set; and only
 * those the target lists (plus every subcommand of this issue) are expected of Redis's list.
 */
const subcommandsUnordered = (redis: Buffer, target: Buffer): Compared => {
  const subs = (buf: Buffer): Map<string, string> => {
    const out = new Map<string, string>();
    const info = parseReply(buf).items[0];
    for (const sub of info?.items[9]?.items ?? []) out.set(sub.items[0]?.text.toString('latin1') ?? '', escapeMultiline(sub.raw));
    return out;
  };
  const render = (buf: Buffer, keep: (name: string) => boolean): string => {
    try {
      const info = parseReply(buf).items[0];
      if (info === undefined) return escapeMultiline(buf);
      const listed = [...subs(buf)].filter(([name]) => keep(name)).map(([, raw]) => raw);
      return info.items.map((field, i) => (i === 9 ? listed.sort().join('\n') : escapeMultiline(field.raw))).join('');
    } catch {
      return escapeMultiline(buf);
    }
  };
  let targetNames: Set<string>;
  try {
    targetNames = new Set(subs(target).keys());
  } catch {
    targetNames = new Set();
  }
  const expectedNames = (name: string): boolean => targetNames.has(name) || SUBCOMMANDS.includes(name);
  return { expected: render(redis, expectedNames), actual: render(target, () => true) };
};

dual.case('COMMAND INFO of container commands lists every subcommand', async (pair) => {
  for (const name of CONTAINERS) await pair.step(check(subcommandsUnordered, 'COMMAND', 'INFO', name));
});

dual.case('COMMAND DOCS', async (pair) => {
  for (const name of ISSUE_COMMANDS) await pair.do('COMMAND', 'DOCS', name);
  await pair.do('COMMAND', 'DOCS', 'nosuchcommand');
  await pair.do('COMMAND', 'DOCS', 'get', 'set');
});

dual.case('COMMAND DOCS in RESP3', async (pair) => {
  await pair.do('COMMAND', 'DOCS', 'get');
  await pair.do('COMMAND', 'INFO', 'get');
}, { resp3: true });

/** The names COMMAND LIST returns, as a set. */
async function listed(pair: Pair, args: string[]): Promise<void> {
  const [r, h] = await pair.both(async (c) => {
    const names = new Set(parseReply(await c.call('COMMAND', 'LIST', ...args)).items.map((i) => i.text.toString('latin1')));
    return ISSUE_COMMANDS.filter((name) => names.has(name));
  });
  pair.same(h, r, `the commands of issue 2 in COMMAND LIST ${args.join(' ')}`);
}

dual.case('COMMAND LIST', async (pair) => {
  await listed(pair, []);
  await listed(pair, ['FILTERBY', 'ACLCAT', 'string']);
  await listed(pair, ['FILTERBY', 'ACLCAT', 'keyspace']);
  await listed(pair, ['FILTERBY', 'PATTERN', '*expire*']);
  await pair.do('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'nosuch*');
  await pair.do('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'nosuchmodule');
  await pair.error('COMMAND', 'LIST', 'FILTERBY', 'BOGUS', 'x');
  await pair.error('COMMAND', 'LIST', 'FILTERBY');
  await pair.error('COMMAND', 'LIST', 'BOGUS');
});

dual.case('COMMAND GETKEYS', [
  ['COMMAND', 'GETKEYS', 'GET', 'k'],
  ['COMMAND', 'GETKEYS', 'SET', 'k', 'v', 'EX', '10'],
  ['COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'],
  ['COMMAND', 'GETKEYS', 'MGET', 'a', 'b', 'c'],
  ['COMMAND', 'GETKEYS', 'DEL', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'RENAME', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'COPY', 'a', 'b', 'DB', '1'],
  ['COMMAND', 'GETKEYS', 'LCS', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'MSETNX', 'a', '1'],
  ['COMMAND', 'GETKEYS', 'EXPIRE', 'k', '10'],
  ['COMMAND', 'GETKEYS', 'get', Buffer.from([0xff, 0x00])],
  ['COMMAND', 'GETKEYSANDFLAGS', 'SET', 'k', 'v'],
  ['COMMAND', 'GETKEYSANDFLAGS', 'GETDEL', 'k'],
  ['COMMAND', 'GETKEYSANDFLAGS', 'COPY', 'a', 'b'],
  error('COMMAND', 'GETKEYS', 'PING'),
  error('COMMAND', 'GETKEYS', 'KEYS', '*'),
  error('COMMAND', 'GETKEYS', 'nosuchcommand', 'a'),
  error('COMMAND', 'GETKEYS', 'GET'),
  error('COMMAND', 'GETKEYS', 'MSET', 'a'),
  error('COMMAND', 'GETKEYS'),
]);
