/*
 * CLUSTER subcommands given arguments they do not take, compared with a real redis-server. Some
 * of these are destructive when accepted (RESET forgets every node, MEET starts a handshake), so
 * each case also checks the state afterwards. Redis matches a subcommand by name and argument
 * count together: a form it does not know answers "unknown subcommand or wrong number of
 * arguments", not a syntax error. Slots and ports are strict integers (no `007`, no `-0`).
 * Each server is a one-node cluster.
 */

import t from 'tap';
import { dualRun, error } from './harness';
import type { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t, { serverArgs: ['--cluster-enabled', 'yes'] });

/** How many nodes CLUSTER NODES lists: a MEET that ran adds a handshake node. */
async function knownNodes(c: RawClient): Promise<number> {
  const text = (await c.call('CLUSTER', 'NODES')).toString('latin1');
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

dual.case('RESET, MEET and FAILOVER with extra arguments refuse and change nothing', async (pair) => {
  await pair.do('CLUSTER', 'ADDSLOTS', '0');
  for (const argv of [
    ['CLUSTER', 'RESET', 'SOFT', 'x'],
    ['CLUSTER', 'reset', 'HARD', 'SOFT'],
    ['CLUSTER', 'RESET', 'x'],
    ['CLUSTER', 'Meet', '127.0.0.1', '7649', '17649', 'x'],
    ['CLUSTER', 'FAILOVER', 'FORCE', 'TAKEOVER'],
    ['CLUSTER', 'FAILOVER', 'FORCE', 'FORCE'],
    ['CLUSTER', 'failover', 'TAKEOVER', 'x'],
    ['CLUSTER', 'FAILOVER', 'FORCE', 'x'],
    ['CLUSTER', 'FAILOVER', 'x'],
  ]) {
    await pair.step(error(...argv));
  }
  // Still owning slot 0: no reset ran.
  await pair.step(error('CLUSTER', 'ADDSLOTS', '0'));
  const [r, h] = await pair.both(knownNodes);
  pair.same(h, r, 'no handshake started');
});

dual.case('MEET port checks', async (pair) => {
  for (const argv of [
    ['CLUSTER', 'MEET', '127.0.0.1', '-5'],
    ['CLUSTER', 'MEET', '127.0.0.1', '7649', '-5'],
    ['CLUSTER', 'MEET', '127.0.0.1', 'abc'],
    ['CLUSTER', 'MEET', '127.0.0.1', '7649', 'abc'],
    ['CLUSTER', 'MEET', '127.0.0.1', '07649'],
    ['CLUSTER', 'MEET', '127.0.0.1', '7649', '07649'],
    ['CLUSTER', 'MEET', '127.0.0.1', '-0'],
    ['CLUSTER', 'MEET', '127.0.0.1', '+7649'],
    ['CLUSTER', 'MEET', '127.0.0.1', '99999999999999999999'],
    ['CLUSTER', 'MEET', '127.0.0.1', '70000'],
    ['CLUSTER', 'MEET', '127.0.0.1', '7649', '70000'],
    ['CLUSTER', 'MEET', '1.2.3', '7649'],
  ]) {
    await pair.step(error(...argv));
  }
  const [r, h] = await pair.both(knownNodes);
  pair.same(h, r, 'no handshake started');
});

dual.case('slot numbers are strict integers; SETSLOT NODE names an unknown node', async (pair) => {
  await pair.do('CLUSTER', 'ADDSLOTS', '7', '8');
  for (const argv of [
    ['CLUSTER', 'DELSLOTS', '007'],
    ['CLUSTER', 'DELSLOTS', '-0'],
    ['CLUSTER', 'ADDSLOTS', '0449'],
    ['CLUSTER', 'ADDSLOTS', '-0'],
    ['CLUSTER', 'ADDSLOTS', '+5'],
    ['CLUSTER', 'ADDSLOTSRANGE', '007', '8'],
    ['CLUSTER', 'DELSLOTSRANGE', '007', '8'],
    ['CLUSTER', 'SETSLOT', '03300', 'STABLE'],
    ['CLUSTER', 'SETSLOT', '-0', 'STABLE'],
    ['CLUSTER', 'SETSLOT', '00', 'NODE', 'abc'],
    ['CLUSTER', 'SETSLOT', '1', 'NODE', 'abc'],
    ['CLUSTER', 'SETSLOT', '1', 'IMPORTING', 'abc'],
    ['CLUSTER', 'SETSLOT', '7', 'MIGRATING', 'abc'],
    ['CLUSTER', 'COUNTKEYSINSLOT', '07'],
    ['CLUSTER', 'GETKEYSINSLOT', '07', '1'],
  ]) {
    await pair.step(error(...argv));
  }
  await pair.do('CLUSTER', 'COUNTKEYSINSLOT', '7');
  await pair.do('CLUSTER', 'DELSLOTS', '7');
  await pair.do('CLUSTER', 'DELSLOTSRANGE', '8', '8');
});

dual.case('cluster-announce-hostname takes letters, digits, hyphens and dots only', async (pair) => {
  for (const value of ['bad host', 'a_b', 'h\u00e9', 'a,b']) {
    await pair.step(error('CONFIG', 'SET', 'cluster-announce-hostname', value));
  }
  await pair.do('CONFIG', 'GET', 'cluster-announce-hostname');
  await pair.do('CONFIG', 'SET', 'cluster-announce-hostname', 'host-1.example');
  await pair.do('CONFIG', 'GET', 'cluster-announce-hostname');
  await pair.do('CONFIG', 'SET', 'cluster-announce-hostname', '');
});

/* GETKEYSINSLOT lists a slot's keys newest first; an overwrite keeps a key's place, a deletion
 * and re-insertion (or a RENAME) makes it the newest. */
dual.case('GETKEYSINSLOT order', async (pair) => {
  await pair.do('CLUSTER', 'FLUSHSLOTS');
  await pair.do('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await pair.both(async (c) => {
    const deadline = Date.now() + 10_000;
    while (!(await c.call('CLUSTER', 'INFO')).toString('latin1').includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('cluster_state never became ok');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  for (const key of ['k2', '{k2}a', '{k2}b', '{k2}l']) await pair.do('SET', key, '1');
  await pair.do('CLUSTER', 'GETKEYSINSLOT', '449', '3');
  await pair.do('CLUSTER', 'GETKEYSINSLOT', '449', '10');
  await pair.do('DEL', '{k2}b');
  await pair.do('SET', '{k2}b', '2');
  await pair.do('SET', 'k2', '3');
  await pair.do('CLUSTER', 'GETKEYSINSLOT', '449', '10');
  await pair.do('RENAME', '{k2}a', '{k2}z');
  await pair.do('CLUSTER', 'GETKEYSINSLOT', '449', '10');
  await pair.do('CLUSTER', 'FLUSHSLOTS');
});
