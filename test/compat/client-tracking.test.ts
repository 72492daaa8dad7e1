/*
 * Differential tests for client-side caching: CLIENT TRACKING (default, OPTIN, OPTOUT, BCAST with
 * prefixes, NOLOOP, REDIRECT), CLIENT CACHING, GETREDIR, TRACKINGINFO, the invalidation messages
 * in RESP3 and through a RESP2 redirect, and the INFO counters, compared byte for byte with a real
 * redis-server.
 *
 * Single-connection tables cover the options' errors in Redis's order. Scenarios of several
 * connections (connection-script.ts) cover who is told what, and when: an invalidation of a key
 * the client changed itself follows its reply; BCAST sends a sorted batch per prefix.
 */

import t from 'tap';
import Redis from 'ioredis';
import { dualRun, error, check, type Pair } from './harness';
import { call, close, read, scenario, send, until } from './connection-script';
import type { Comparator } from './compare';
import { clientLines } from './client-fields';

const dual = dualRun(t);

/** INFO's tracking counters, and nothing else of INFO (the rest differs between servers). */
const TRACKING_COUNTERS = "local s = redis.call('info', 'stats') .. redis.call('info', 'clients') " +
  "return {s:match('tracking_clients:%d+'), s:match('tracking_total_keys:%d+'), s:match('tracking_total_items:%d+'), s:match('tracking_total_prefixes:%d+')}";
const trackingCounters = (on: string): ReturnType<typeof call> => call(on, 'EVAL', TRACKING_COUNTERS, '0');

/** Waits until INFO stats shows `field:value` (a Lua match, so the reply is just that line). */
const untilInfo = (on: string, field: string, value: number): ReturnType<typeof until> => {
  const line = `${field}:${value}`;
  return until(on, `$${line.length}\r\n${line}\r\n`, 'EVAL', `return redis.call('info', 'stats'):match('${field}:%d+')`, '0');
};

// ─── Options and their errors ───────────────────────────────────────────────────────────────────

const optionErrors = [
  error('CLIENT', 'TRACKING'),
  error('CLIENT', 'TRACKING', 'maybe'),
  error('CLIENT', 'TRACKING', 'on', 'foo'),
  error('CLIENT', 'TRACKING', 'on', 'REDIRECT'),
  error('CLIENT', 'TRACKING', 'on', 'REDIRECT', 'abc'),
  error('CLIENT', 'TRACKING', 'on', 'REDIRECT', '0'),
  error('CLIENT', 'TRACKING', 'on', 'REDIRECT', '-5'),
  error('CLIENT', 'TRACKING', 'on', 'REDIRECT', '99999'),
  error('CLIENT', 'TRACKING', 'off', 'REDIRECT', '99999'),
  error('CLIENT', 'TRACKING', 'maybe', 'REDIRECT', '99999'),
  error('CLIENT', 'TRACKING', 'on', 'PREFIX'),
  error('CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'),
  error('CLIENT', 'TRACKING', 'on', 'PREFIX', 'x', 'OPTIN', 'OPTOUT'),
  error('CLIENT', 'TRACKING', 'on', 'OPTIN', 'BCAST', 'PREFIX', 'x'),
  error('CLIENT', 'TRACKING', 'on', 'bcast', 'noloop', 'optout'),
  error('CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'),
  error('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'),
  error('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'z', 'PREFIX', ''),
  error('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'a'),
  ['CLIENT', 'TRACKING', 'off', 'BCAST'],
  ['CLIENT', 'TRACKING', 'off', 'PREFIX', 'a'],
  ['CLIENT', 'TRACKING', 'off'],
  error('CLIENT', 'CACHING'),
  error('CLIENT', 'CACHING', 'yes', 'extra'),
  error('CLIENT', 'CACHING', 'yes'),
  error('CLIENT', 'CACHING', 'maybe'),
  error('CLIENT', 'GETREDIR', 'x'),
  error('CLIENT', 'TRACKINGINFO', 'x'),
  ['CLIENT', 'GETREDIR'],
  ['CLIENT', 'TRACKINGINFO'],
];
dual.case('option errors, in Redis order (RESP2)', optionErrors);
dual.case('option errors, in Redis order (RESP3)', optionErrors, { resp3: true });

dual.case('switching modes while on, and what TRACKINGINFO shows', [
  ['CLIENT', 'TRACKING', 'on', 'NOLOOP'],
  ['CLIENT', 'TRACKINGINFO'],
  ['CLIENT', 'GETREDIR'],
  // Turning it on again replaces OPTIN/OPTOUT/NOLOOP.
  ['CLIENT', 'TRACKING', 'on'],
  ['CLIENT', 'TRACKINGINFO'],
  error('CLIENT', 'TRACKING', 'on', 'BCAST'),
  ['CLIENT', 'TRACKING', 'on', 'OPTIN'],
  error('CLIENT', 'TRACKING', 'on', 'OPTOUT'),
  error('CLIENT', 'CACHING', 'no'),
  ['CLIENT', 'CACHING', 'yes'],
  // CLIENT commands keep CACHING's permission; others spend it.
  ['CLIENT', 'TRACKINGINFO'],
  ['CLIENT', 'TRACKINGINFO'],
  ['PING'],
  ['CLIENT', 'TRACKINGINFO'],
  ['CLIENT', 'TRACKING', 'off'],
  ['CLIENT', 'TRACKINGINFO'],
  ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
  error('CLIENT', 'CACHING', 'yes'),
  ['CLIENT', 'CACHING', 'no'],
  ['CLIENT', 'TRACKINGINFO'],
  ['CLIENT', 'TRACKING', 'off'],
  ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a'],
  error('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'),
  error('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c', 'PREFIX', 'bb'),
  ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c', 'NOLOOP'],
  ['CLIENT', 'TRACKINGINFO'],
  error('CLIENT', 'TRACKING', 'on'),
  ['CLIENT', 'TRACKING', 'off'],
  ['CLIENT', 'TRACKING', 'on', 'BCAST'],
  ['CLIENT', 'TRACKINGINFO'],
  error('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x'),
  ['CLIENT', 'TRACKING', 'on', 'BCAST'],
  ['CLIENT', 'TRACKINGINFO'],
  ['RESET'],
  ['CLIENT', 'TRACKINGINFO'],
  ['CLIENT', 'GETREDIR'],
], { resp3: true });

/** CLIENT INFO's flags= and redir= fields. */
const clientInfo: Comparator = clientLines(false);

dual.case('CLIENT INFO shows t, B and redir=', [
  check(clientInfo, 'CLIENT', 'INFO'),
  ['CLIENT', 'TRACKING', 'on'],
  check(clientInfo, 'CLIENT', 'INFO'),
  ['CLIENT', 'TRACKING', 'off'],
  ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p'],
  check(clientInfo, 'CLIENT', 'INFO'),
  ['CLIENT', 'TRACKING', 'off'],
  check(clientInfo, 'CLIENT', 'INFO'),
], { resp3: true });

// ─── Who is told what ───────────────────────────────────────────────────────────────────────────

scenario(dual, 'default mode: a read key is invalidated once, whoever writes it, in any db', [
  call('A', 'CLIENT', 'TRACKING', 'on'),
  call('A', 'GET', 'k'),
  call('A', 'MGET', 'k2', 'k3'),
  call('A', 'EXISTS', 'k4'),
  call('A', 'STRLEN', 'k5'),
  call('A', 'GETDEL', 'k6'),
  call('B', 'SET', 'k', '1'),
  read('A'),
  call('B', 'SET', 'k', '2'),
  call('B', 'MSET', 'k3', '1', 'k2', '1', 'k6', 'x'),
  read('A', 2),
  call('B', 'SELECT', '3'),
  call('B', 'SET', 'k4', 'other db'),
  read('A'),
  call('B', 'APPEND', 'k5', 'x'),
  read('A'),
  trackingCounters('B'),
], { resp3: ['A'] });

scenario(dual, 'own writes: the invalidation follows the reply, also after EXEC; NOLOOP drops it', [
  call('A', 'CLIENT', 'TRACKING', 'on'),
  call('A', 'GET', 'k'),
  call('A', 'SET', 'k', 'v'),
  read('A'),
  send('A', 'GET', 'k'),
  send('A', 'GET', 'k2'),
  send('A', 'MULTI'),
  send('A', 'SET', 'k', '1'),
  send('A', 'SET', 'k2', '2'),
  send('A', 'EXEC'),
  read('A', 8),
  call('A', 'CLIENT', 'TRACKING', 'on', 'NOLOOP'),
  call('A', 'GET', 'n'),
  call('A', 'SET', 'n', '1'),
  call('B', 'SET', 'n', '2'),
  call('A', 'GET', 'n'),
  call('B', 'SET', 'n', '3'),
  read('A'),
], { resp3: ['A'] });

scenario(dual, 'flushes: every tracking client hears a null, NOLOOP or BCAST, and the table is emptied', [
  call('A', 'CLIENT', 'TRACKING', 'on', 'NOLOOP'),
  call('C', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'z'),
  call('A', 'GET', 'k'),
  call('A', 'FLUSHDB'),
  read('A'),
  read('C'),
  trackingCounters('B'),
  call('B', 'FLUSHALL'),
  read('A'),
  read('C'),
  trackingCounters('B'),
  call('B', 'SET', 'k', '1'),
  call('A', 'PING'),
], { resp3: ['A', 'C'] });

scenario(dual, 'OPTIN tracks the command after CACHING yes (a whole MULTI); OPTOUT skips after CACHING no', [
  call('O', 'CLIENT', 'TRACKING', 'on', 'OPTIN'),
  call('O', 'GET', 'o1'),
  call('O', 'CLIENT', 'CACHING', 'yes'),
  call('O', 'GET', 'o2'),
  call('O', 'GET', 'o3'),
  call('O', 'CLIENT', 'CACHING', 'yes'),
  call('O', 'MULTI'),
  call('O', 'GET', 'o4'),
  call('O', 'GET', 'o5'),
  call('O', 'EXEC'),
  call('O', 'GET', 'o6'),
  call('O', 'CLIENT', 'CACHING', 'yes'),
  call('O', 'CLIENT', 'ID'),
  call('O', 'GET', 'o7'),
  call('B', 'MSET', 'o1', '1', 'o2', '1', 'o3', '1', 'o4', '1', 'o5', '1', 'o6', '1', 'o7', '1'),
  read('O', 4),
  call('Q', 'CLIENT', 'TRACKING', 'on', 'OPTOUT'),
  call('Q', 'CLIENT', 'CACHING', 'no'),
  call('Q', 'GET', 'q1'),
  call('Q', 'GET', 'q2'),
  call('B', 'MSET', 'q1', '1', 'q2', '1'),
  read('Q'),
  trackingCounters('B'),
], { resp3: ['O', 'Q'] });

scenario(dual, 'BCAST: changed keys per prefix, sorted, once per turn; NOLOOP leaves out its own', [
  call('E', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'm', 'PREFIX', 'a'),
  call('F', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'),
  call('B', 'MSET', 'az', '1', 'ab', '1', 'mq', '1', 'zz', '1'),
  read('E', 2),
  read('F'),
  call('B', 'DEL', 'ab', 'nothing'),
  read('E'),
  read('F'),
  call('E', 'SET', 'ac', '1'),
  read('E'),
  read('F'),
  call('F', 'SET', 'mine', '1'),
  call('F', 'SET', 'ad', '1'),
  read('E'),
  trackingCounters('B'),
  trackingCounters('B'),
  call('F', 'PING'),
  close('E'),
  untilInfo('B', 'tracking_total_prefixes', 1),
  trackingCounters('B'),
], { resp3: ['E', 'F'] });

scenario(dual, 'REDIRECT: to a RESP2 subscriber as a message, to a RESP3 client as a push; a closed target is reported', [
  call('C', 'SUBSCRIBE', '__redis__:invalidate'),
  call('D', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:C}'),
  call('D', 'CLIENT', 'GETREDIR'),
  call('D', 'CLIENT', 'TRACKINGINFO'),
  call('D', 'GET', 'r'),
  call('B', 'SET', 'r', '1'),
  read('C'),
  call('B', 'FLUSHDB'),
  read('C'),
  call('T', 'PING'),
  call('U', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:T}'),
  call('U', 'GET', 'u'),
  call('B', 'SET', 'u', '1'),
  read('T'),
  // A RESP2 target that subscribed to nothing is told nothing: V hears nothing, then W reads.
  call('V', 'PING'),
  call('W', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:V}'),
  call('W', 'GET', 'w'),
  call('B', 'SET', 'w', '1'),
  call('V', 'ECHO', 'nothing before this'),
  // C closes: D (RESP2) cannot be told, D3 (RESP3) hears tracking-redir-broken each time.
  call('D3', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:C}'),
  close('C'),
  until('B', '*2\r\n$20\r\n__redis__:invalidate\r\n:0\r\n', 'PUBSUB', 'NUMSUB', '__redis__:invalidate'),
  call('D', 'GET', 'r'),
  call('D3', 'GET', 'r'),
  call('D3', 'GET', 'r3'),
  call('B', 'MSET', 'r', '2', 'r3', '3'),
  read('D3', 2),
  call('D', 'CLIENT', 'TRACKINGINFO'),
  call('D', 'CLIENT', 'GETREDIR'),
  call('D3', 'CLIENT', 'TRACKINGINFO'),
  call('D3', 'GET', 'r'),
  call('D3', 'SET', 'r', 'own'),
  read('D3'),
], { resp3: ['T', 'D3'] });

scenario(dual, 'scripts: a read-only command inside EVAL records the keys EVAL declared', [
  call('A', 'CLIENT', 'TRACKING', 'on'),
  call('A', 'EVAL', "return redis.call('get', KEYS[1])", '1', 'ev1'),
  call('A', 'EVAL', "redis.call('get', 'ev2') return 1", '0'),
  call('A', 'EVAL_RO', 'return 1', '1', 'ev3'),
  call('A', 'EVAL_RO', "return redis.call('exists', KEYS[1])", '1', 'ev4'),
  call('B', 'MSET', 'ev1', '1', 'ev2', '2', 'ev3', '3', 'ev4', '4'),
  read('A', 2),
  trackingCounters('B'),
], { resp3: ['A'] });

scenario(dual, 'tracking-table-max-keys: past the limit, keys are invalidated until it fits', [
  call('B', 'CONFIG', 'SET', 'tracking-table-max-keys', '3'),
  call('A', 'CLIENT', 'TRACKING', 'on'),
  call('A', 'MGET', 'm1', 'm2', 'm3', 'm4', 'm5'),
  untilInfo('B', 'tracking_total_keys', 3),
  call('B', 'CONFIG', 'SET', 'tracking-table-max-keys', '1000000'),
], { resp3: ['A'] });

// ─── A client library ───────────────────────────────────────────────────────────────────────────

dual.case('ioredis: a cached value is invalidated through a RESP2 redirect', async (pair: Pair) => {
  const heard = await pair.both(async (_c, side) => {
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const listener = new Redis({ port, lazyConnect: true });
    const reader = new Redis({ port, lazyConnect: true });
    try {
      await listener.connect();
      await reader.connect();
      const listenerId = await listener.client('ID');
      const invalidated: string[] = [];
      listener.on('message', (channel: string, message: unknown) => invalidated.push(`${channel} ${JSON.stringify(message)}`));
      await listener.subscribe('__redis__:invalidate');
      await reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(listenerId));
      await reader.get('cached');
      await reader.set('cached', 'changed');
      const deadline = Date.now() + 5_000;
      while (invalidated.length === 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 5));
      return invalidated;
    } finally {
      listener.disconnect();
      reader.disconnect();
    }
  });
  pair.same(heard[1], heard[0], 'invalidations heard');
});

