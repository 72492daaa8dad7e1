/*
 * Users from outside the ACL command, against a real redis-server started the same way:
 *   - `user` lines on the command line (as in redis.conf);
 *   - an ACL file: loaded at start, ACL SAVE writes it, ACL LOAD reads an edited one (and closes
 *     the connections of the users it replaced), a bad line is refused with the file unchanged;
 *   - clients authenticating as a user: redis-cli --user/--pass and ioredis { username, password }.
 * Each server gets its own copy of the file; replies are compared (rule strings with their
 * single-command runs sorted, acl-helpers.ts).
 */

import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { findExecutable, type ServerProcess } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { RawClient } from '../../bench/harness/raw-client';
import { escapeMultiline, type Arg } from '../../bench/harness/resp';
import { startTarget, targetName } from '../helpers/target';
import { redisServerPath, startRealRedis, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { normalizeRules, rulesNormalized } from './acl-helpers';
import type { Test } from './harness';

const ALICE = ['user', 'alice', 'on', '>alicepw', '~a*', '&news', '-@all', '+@read', '+set'];
const FILE_TEXT = [
  'user default on nopass ~* &* +@all',
  'user bob on #' + 'b'.repeat(64) + ' ~b* resetchannels -@all +get +set',
  'user carol on >carolpw %R~c* resetchannels &c* -@all +@string (~x* +@hash)',
].join('\n') + '\n';

async function startPair(args: (dir: string) => string[]): Promise<{ redis: ServerProcess; target: ServerProcess; dirs: [string, string] }> {
  const dirs: [string, string] = [mkdtempSync(join(tmpdir(), 'acl-r-')), mkdtempSync(join(tmpdir(), 'acl-h-'))];
  const [redis, target] = await Promise.all([startRealRedis(args(dirs[0])), startTarget(args(dirs[1]))]);
  return { redis, target, dirs };
}

async function compareCalls(tt: Test, ports: [number, number], calls: Arg[][], label: string, dirs: [string, string] = ['', '']): Promise<void> {
  // Each server has its own directory: a path in an error names it.
  const unpath = (buf: Buffer, dir: string): Buffer => (dir === '' ? buf : Buffer.from(buf.toString('latin1').split(dir).join('<dir>'), 'latin1'));
  const [r, h] = await Promise.all(ports.map((p) => RawClient.connect(p)));
  for (const argv of calls) {
    const [a, b] = await Promise.all([r!.call(...argv), h!.call(...argv)]);
    const { expected, actual } = rulesNormalized(unpath(a, dirs[0]), unpath(b, dirs[1]));
    tt.equal(actual, expected, `${label}: ${argv.join(' ')}`);
  }
  r!.close();
  h!.close();
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test(`user lines of the config (${targetName()} vs redis-server)`, async (tt) => {
    const { redis, target } = await startPair(() => ['--' + ALICE[0], ...ALICE.slice(1)]);
    tt.teardown(async () => {
      await Promise.all([redis.stop(), target.stop()]);
    });
    await compareCalls(tt, [redis.port, target.port], [
      ['ACL', 'LIST'],
      ['AUTH', 'alice', 'alicepw'],
      ['ACL', 'WHOAMI'],
      ['GET', 'a1'],
      ['GET', 'b1'],
      ['SET', 'a1', 'v'],
      ['DEL', 'a1'],
      ['PUBLISH', 'news', 'x'],
      ['AUTH', 'alice', 'wrong'],
    ], 'config users');
  });

  t.test(`ACL file: load at start, SAVE, LOAD (${targetName()} vs redis-server)`, async (tt) => {
    const { redis, target, dirs } = await startPair((dir) => {
      writeFileSync(join(dir, 'users.acl'), FILE_TEXT);
      return ['--aclfile', join(dir, 'users.acl')];
    });
    tt.teardown(async () => {
      await Promise.all([redis.stop(), target.stop()]);
    });
    const ports: [number, number] = [redis.port, target.port];
    await compareCalls(tt, ports, [['ACL', 'LIST'], ['AUTH', 'carol', 'carolpw'], ['GET', 'c1'], ['SET', 'c1', 'v'], ['HSET', 'x1', 'f', 'v']], 'loaded');
    await compareCalls(tt, ports, [['ACL', 'SETUSER', 'dave', 'on', '>davepw', '~d*', '+@all'], ['ACL', 'DELUSER', 'bob'], ['ACL', 'SAVE']], 'changed');
    const saved = dirs.map((d) => readFileSync(join(d, 'users.acl'), 'latin1').split('\n').map(normalizeRules).join('\n'));
    tt.equal(saved[1], saved[0], 'ACL SAVE writes the same file');

    // A connection authenticated as carol, then a file without carol is loaded.
    const carols = await Promise.all(ports.map(async (p) => {
      const c = await RawClient.connect(p);
      await c.call('AUTH', 'carol', 'carolpw');
      return c;
    }));
    for (const dir of dirs) writeFileSync(join(dir, 'users.acl'), 'user default on nopass ~* &* +@all\nuser erin on >e ~* +@all\n');
    await compareCalls(tt, ports, [['ACL', 'LOAD'], ['ACL', 'LIST']], 'reloaded');
    const alive = async (c: RawClient): Promise<string> => {
      try {
        return escapeMultiline(await c.call('PING'));
      } catch {
        return 'closed';
      }
    };
    tt.equal(await alive(carols[1]!), await alive(carols[0]!), 'a replaced user\'s connection after ACL LOAD');
    for (const c of carols) c.close();

    for (const dir of dirs) writeFileSync(join(dir, 'users.acl'), 'user frank on >f ~* +@all\nuser frank off\n');
    await compareCalls(tt, ports, [['ACL', 'LOAD'], ['ACL', 'LIST']], 'duplicate user', dirs);
    for (const dir of dirs) writeFileSync(join(dir, 'users.acl'), 'user grace on bogus\n');
    await compareCalls(tt, ports, [['ACL', 'LOAD'], ['ACL', 'LIST']], 'bad rule', dirs);
  });

  // How Redis 7.0.15 reads the file (server/acl/user-lines.ts): lines trimmed, no comments,
  // words split on single spaces, NULs cutting fgets() chunks, each line's errors in two forms.
  t.test(`ACL LOAD reads lines as Redis does (${targetName()} vs redis-server)`, async (tt) => {
    const head = 'user default on nopass ~* &* +@all\n';
    const { redis, target, dirs } = await startPair((dir) => {
      writeFileSync(join(dir, 'users.acl'), head);
      return ['--aclfile', join(dir, 'users.acl')];
    });
    tt.teardown(async () => {
      await Promise.all([redis.stop(), target.stop()]);
    });
    const files = [
      '# a comment\n', `${head}# a comment\n`, `${head} # indented\n`, `${head}\n   \n \t \n\r\nuser x on ~a\n`,
      `${head}user x on\t~a\n`, `${head}user x on  ~a\n`, `${head}user  on\n`, `${head}user  x on\n`,
      `${head}user x\ton ~a\n`, `${head}user a\vb on\n`, `${head}\tuser x on ~a\t\r\n`, `${head}user x \t~a\n`, `${head}USER x\n`,
      `${head}user x on +nosuch\n`, `${head}user x foo +nosuch bar +nosuch2 <nopw\n`, `${head}user x +nosuch <nopw foo\n`,
      `${head}user x allchannels &a +nosuch (+nosuch2)\n`, `${head}user x +config|get|x -get|x +@nocat\n`,
      `${head}user x \t(~a +get) ~b\n`, `${head}user x (~a\t+get) ( ~b  +set )\n`, `${head}user x (~a "b) (~c)\n`,
      `${head}user x foo\nuser x on\n`, `${head}user x on\nuser x foo\n`, `${head}user x "~a b"\n`, `${head}user x %~x\n`,
      `${head}user x %R~a %W ~ &\n`, `${head}user x ~a\0b\nuser y on\n`, `${head}user x ~a\0b\n\nuser y on\n`,
      `${head}user x ~a\0${'b'.repeat(1100)} ~c\n`, `${head}user x on\0`,
      // Last: an unmatched parenthesis after another rule crashes redis-server 7.0.15, and even
      // this form (the first rule) is kept at the end in case it leaves anything behind.
      `${head}user x (~a +get\n`,
    ];
    for (const text of files) {
      for (const dir of dirs) writeFileSync(join(dir, 'users.acl'), Buffer.from(text, 'latin1'));
      await compareCalls(tt, [redis.port, target.port], [['ACL', 'LOAD'], ['ACL', 'LIST']], JSON.stringify(text.slice(head.length).slice(0, 60)), dirs);
    }
  });

  // redis.conf's `user` lines (here on the command line, which Redis turns into one quoted config
  // line) are split by the config reader, not as the ACL file is; the rules are the same.
  t.test(`user lines of the config: accepted or not (${targetName()} vs redis-server)`, async (tt) => {
    for (const rules of [['on', '(~a\t+get)', '%R', '~', '&', ''], ['~a b'], ['&c\td'], ['%~x'], ['%'], ['(~a', '+get']]) {
      const args = ['--user', 'cx', ...rules];
      const outcomes = await Promise.all([startRealRedis(args), startTarget(args)].map((starting) => starting.then(async (server) => {
        const c = await RawClient.connect(server.port);
        const list = escapeMultiline(await c.call('ACL', 'LIST'));
        c.close();
        await server.stop();
        return list;
      }, () => 'refused to start')));
      tt.equal(outcomes[1], outcomes[0], `user cx ${JSON.stringify(rules)}`);
    }
  });

  t.test(`clients authenticating as a user (${targetName()} vs redis-server)`, async (tt) => {
    const { redis, target } = await startPair(() => ['--' + ALICE[0], ...ALICE.slice(1)]);
    tt.teardown(async () => {
      await Promise.all([redis.stop(), target.stop()]);
    });
    const cli = findExecutable('redis-cli');
    if (cli !== null) {
      for (const args of [
        ['--user', 'alice', '--pass', 'alicepw', '--no-auth-warning', 'GET', 'a1'],
        ['--user', 'alice', '--pass', 'alicepw', '--no-auth-warning', 'GET', 'zz'],
        ['--user', 'alice', '--pass', 'alicepw', '--no-auth-warning', 'ACL', 'WHOAMI'],
        ['--user', 'alice', '--pass', 'wrong', '--no-auth-warning', 'GET', 'a1'],
        ['--user', 'alice', '--pass', 'alicepw', '--no-auth-warning', '-3', 'GET', 'a1'],
      ]) {
        const outputs = await Promise.all([redis, target].map(async (s) => {
          const r = await runProgram(cli, ['-h', '127.0.0.1', '-p', String(s.port), ...args]);
          return `exit ${String(r.code)}\n${r.stdout}\n${r.stderr}`;
        }));
        tt.equal(outputs[1], outputs[0], `redis-cli ${args.join(' ')}`);
      }
    }
    const results = await Promise.all([redis, target].map(async (s) => {
      const out: string[] = [];
      const options = { port: s.port, host: '127.0.0.1', username: 'alice', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null };
      const good = new Redis({ ...options, password: 'alicepw' });
      try {
        await good.connect();
        out.push(await good.call('ACL', 'WHOAMI').then(String, (e: Error) => e.message));
        out.push(String(await good.set('a1', 'v')));
        out.push(String(await good.get('a1')));
        out.push(await good.get('b1').then(String, (e: Error) => e.message));
      } finally {
        good.disconnect();
      }
      const bad = new Redis({ ...options, password: 'nope' });
      bad.on('error', () => undefined);
      try {
        out.push(await bad.connect().then(() => 'connected', (e: Error) => e.message));
      } finally {
        bad.disconnect();
      }
      return out;
    }));
    tt.same(results[1], results[0], 'ioredis with username and password');
  });
}
