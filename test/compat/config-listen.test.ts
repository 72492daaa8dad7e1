/*
 * Differential tests for CONFIG SET port / bind (issue 11): a port or address that cannot be
 * bound refuses the whole CONFIG SET with Redis's error, logs Redis's warnings, rolls back every
 * parameter of the call, and leaves the server serving on its old port. A port that can be bound
 * moves the server there.
 */

import * as net from 'node:net';
import t from 'tap';
import { dualRun, error, type Pair, type Side, type Test } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { freePort } from '../../bench/harness/free-port';
import type { ServerProcess } from '../../bench/harness/server-process';

const dual = dualRun(t);

/** A port held by this test on every IPv4 address, so binding `*` on it fails. */
async function busyPort(tt: Test): Promise<number> {
  const blocker = net.createServer();
  await new Promise<void>((resolve, reject) => {
    blocker.once('error', reject);
    blocker.listen(0, '0.0.0.0', () => resolve());
  });
  tt.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  if (address === null || typeof address === 'string') throw new Error('blocker has no TCP address');
  return address.port;
}

function server(side: Side): ServerProcess {
  return side === 'redis' ? dual.running.redis : dual.running.target;
}

/** Both servers still answer a fresh connection on their old port. */
async function stillServing(pair: Pair): Promise<void> {
  const [r, h] = await pair.both(async (_c, side) => {
    const fresh = await RawClient.connect(server(side).port);
    try {
      return (await fresh.call('PING')).toString('latin1');
    } finally {
      fresh.close();
    }
  });
  pair.same(h, r, 'a new connection to the old port is served');
}

/** Both logs show `pattern` (each server's own port is substituted for `{port}`). */
async function bothLogged(pair: Pair, pattern: RegExp): Promise<void> {
  const [r, h] = await pair.both((_c, side) => server(side).waitForOutput(pattern));
  pair.same(h, r, `log shows ${pattern.source}`);
}

dual.case('CONFIG SET port to a port in use is refused and rolled back', async (pair, tt) => {
  const busy = await busyPort(tt);
  await pair.do('CONFIG', 'GET', 'maxclients');
  await pair.error('CONFIG', 'SET', 'port', String(busy));
  await bothLogged(pair, new RegExp(`Warning: Could not create server TCP listening socket \\*:${busy}: bind: Address already in use`));
  await bothLogged(pair, /Failed applying new configuration\. Possibly related to new port setting\. Restoring previous settings\./);
  // Every parameter of the call is rolled back, before or after the port; the error names the
  // directive in lower case however it was spelled.
  await pair.error('CONFIG', 'SET', 'maxclients', '50', 'port', String(busy));
  await pair.error('CONFIG', 'SET', 'PORT', String(busy), 'maxclients', '50');
  await pair.do('CONFIG', 'GET', 'maxclients');
  await pair.do('PING');
  await stillServing(pair);
});

dual.case('CONFIG SET bind to an address that cannot be bound is refused', async (pair) => {
  // 192.0.2.1 is TEST-NET-1: never assigned to a local interface.
  await pair.error('CONFIG', 'SET', 'bind', '127.0.0.1 192.0.2.1');
  await bothLogged(pair, /Failed applying new configuration\. Possibly related to new bind setting\. Restoring previous settings\./);
  await pair.do('CONFIG', 'GET', 'bind');
  await pair.error('CONFIG', 'SET', 'maxclients', '50', 'bind', '192.0.2.1');
  await pair.do('CONFIG', 'GET', 'maxclients');
  await stillServing(pair);
  // A '-' prefixed address may be missing: the change is accepted without it.
  await pair.do('CONFIG', 'SET', 'bind', '127.0.0.1 -192.0.2.1');
  await pair.do('CONFIG', 'GET', 'bind');
  await stillServing(pair);
  await pair.do('CONFIG', 'SET', 'bind', '* -::*');
  await stillServing(pair);
});

dual.case('CONFIG SET port to a free port moves the server, and back', async (pair, tt) => {
  const [newRedisPort, newTargetPort] = [await freePort(), await freePort()];
  const [r, h] = await pair.both(async (c, side) => {
    const port = side === 'redis' ? newRedisPort : newTargetPort;
    const reply = (await c.call('CONFIG', 'SET', 'maxclients', '60', 'port', String(port))).toString('latin1');
    const moved = await RawClient.connect(port);
    try {
      const answers = [(await moved.call('CONFIG', 'GET', 'maxclients')).toString('latin1')];
      answers.push((await moved.call('CONFIG', 'SET', 'maxclients', '10000', 'port', String(server(side).port))).toString('latin1'));
      return [reply, ...answers];
    } finally {
      moved.close();
    }
  });
  tt.same(h, r, 'OK, served on the new port, and moved back');
  await stillServing(pair);
  await pair.step(error('CONFIG', 'SET', 'port', 'x'));
});

dual.case('CONFIG SET port to a port in use inside MULTI', async (pair, tt) => {
  const busy = await busyPort(tt);
  await pair.do('MULTI');
  await pair.do('CONFIG', 'SET', 'port', String(busy));
  await pair.do('EXEC');
  await stillServing(pair);
}, { todo: 'inside EXEC hashslot cannot wait for the bind: it answers OK, then logs the failure and keeps the old port' });
