/*
 * nodes.conf is what lets a node come back as itself: same id (so peers recognise it), same
 * epochs (so its slot claims keep their weight), same slots. Two properties:
 *
 * 1. A member of a formed cluster restarted in the same dir — after SIGTERM and after SIGKILL —
 *    has the same id, configEpoch, currentEpoch and slots, and the cluster returns to the same
 *    agreed view.
 * 2. Killed with SIGKILL at a random instant of a burst of CLUSTER ADDSLOTS / SAVECONFIG, a node always
 *    leaves a loadable nodes.conf (redis-wire.md §1.12, DESIGN decision 8): it restarts with its id,
 *    and its slots are a prefix of the burst that includes every ADDSLOTS it acknowledged (Redis
 *    saves the config before it writes the replies of the event-loop turn, so an acknowledged
 *    slot is on disk). The kill point is random; the seed is printed and CLUSTER_KILL_SEED
 *    replays it.
 */

import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import t from 'tap';
import { encodeCommand } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';
import { clusterTarget, LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { agreementView, infoField, isMaster, nodesConfProblem, ownedSlots, parseClusterNodes } from '../../bench/harness/cluster-replies';
import { seededFloats } from '../../storage/random';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

const KILL_ROUNDS = 20;
const SLOTS_PER_BURST = 30;
/** Long enough to cover a whole burst on a slow box, so kills land before, during and after it. */
const MAX_KILL_DELAY_MS = 25;

interface Identity {
  id: string;
  configEpoch: number;
  currentEpoch: string | undefined;
  slots: string;
}

async function identity(node: ClusterNode): Promise<Identity> {
  const myself = await node.myself();
  const info = await node.callText('CLUSTER', 'INFO');
  return { id: myself.id, configEpoch: myself.configEpoch, currentEpoch: infoField(info, 'cluster_current_epoch'), slots: myself.slotTokens.join(' ') };
}

interface Burst {
  /** How many ADDSLOTS (each followed by a SAVECONFIG) were written before the kill. */
  sentSlots: number;
  /** Complete `+OK` replies received before the kill: these commands must be durable. */
  acknowledged: number;
  /** Anything received that is not `+OK\r\n` (should be empty). */
  unexpected: string;
}

/**
 * Writes `CLUSTER ADDSLOTS n` + `CLUSTER SAVECONFIG` pairs for slots first, first+1, ..., one pair
 * per event-loop turn so they reach the node spread over time rather than as one read, and
 * SIGKILLs the node `killAfterMs` after the first write: at a random point of the burst, often
 * while it is writing nodes.conf.
 */
async function burstThenKill(node: ClusterNode, first: number, killAfterMs: number): Promise<Burst> {
  const socket = net.connect({ port: node.port, host: node.host });
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined); // the node dies under it
  const startedMs = Date.now();
  let sentSlots = 0;
  while (sentSlots < SLOTS_PER_BURST && Date.now() - startedMs < killAfterMs) {
    socket.write(Buffer.concat([encodeCommand(['CLUSTER', 'ADDSLOTS', String(first + sentSlots)]), encodeCommand(['CLUSTER', 'SAVECONFIG'])]));
    sentSlots++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await delay(Math.max(0, killAfterMs - (Date.now() - startedMs)));
  // What arrived before the signal is sent was written by the node before it died.
  const snapshot = received;
  await node.kill('SIGKILL');
  socket.destroy();
  const acknowledged = Math.floor(snapshot.length / OK.length);
  const complete = snapshot.slice(0, acknowledged * OK.length);
  const unexpected = complete === OK.repeat(acknowledged) ? '' : complete;
  return { sentSlots, acknowledged, unexpected };
}

const OK = '+OK\r\n';

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`a restarted ${kind} master keeps its id, epochs and slots`, async (t) => {
    const cluster = (await LocalCluster.launch([kind, kind, kind])).attach(t);
    await cluster.createOrThrow(0);
    await cluster.waitForOk();
    const before = agreementView(await cluster.waitForAgreement(3));
    const node = cluster.node(1);
    const original = await identity(node);
    t.ok(original.slots !== '', 'the node owns slots');
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await node.kill(signal);
      const file = fs.readFileSync(node.configFile, 'utf8');
      t.equal(nodesConfProblem(file), null, `nodes.conf is loadable after ${signal}`, { file });
      await node.launch();
      t.same(await identity(node), original, `after ${signal}: same id, configEpoch, currentEpoch, slots`);
      await cluster.waitForOk();
      t.equal(agreementView(await cluster.waitForAgreement(3)), before, `after ${signal}: the cluster agrees on the same view`);
    }
  });

  t.test(`a ${kind} node SIGKILLed during ADDSLOTS/SAVECONFIG bursts always restarts with its config`, async (t) => {
    const seed = Number(process.env['CLUSTER_KILL_SEED'] ?? Date.now() % 1_000_000);
    t.comment(`CLUSTER_KILL_SEED=${seed}`);
    const random = seededFloats(seed);
    const cluster = (await LocalCluster.launch([kind])).attach(t);
    const node = cluster.node(0);
    const id = (await node.myself()).id;
    let owned = 0; // slots 0..owned-1 are assigned
    let midBurst = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const killAfterMs = random() * MAX_KILL_DELAY_MS;
      const burst = await burstThenKill(node, owned, killAfterMs);
      if (burst.unexpected !== '') t.fail(`round ${round}: unexpected reply bytes ${JSON.stringify(burst.unexpected)}`);
      const acknowledgedAdds = Math.ceil(burst.acknowledged / 2);
      if (burst.acknowledged > 0 && burst.acknowledged < 2 * burst.sentSlots) midBurst++;
      const repliesBeforeKill = `${burst.acknowledged} of ${2 * burst.sentSlots} replies, ${killAfterMs.toFixed(1)} ms`;

      const file = fs.readFileSync(node.configFile, 'utf8');
      const fileProblem = nodesConfProblem(file);
      if (fileProblem !== null) {
        t.fail(`round ${round} (killed after ${repliesBeforeKill}): nodes.conf not loadable: ${fileProblem}`, { file });
        return;
      }
      const myselfInFile = parseClusterNodes(file.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('vars ')).map((l) => `${l.trimEnd()}\n`).join(''))
        .find((n) => n.flags.includes('myself'));
      const slots = myselfInFile === undefined ? [] : ownedSlots(myselfInFile);
      const isPrefix = slots.every((slot, i) => slot === i);
      const low = owned + acknowledgedAdds;
      if (myselfInFile?.id !== id || !isPrefix || slots.length < low || slots.length > owned + burst.sentSlots) {
        t.fail(`round ${round} (killed after ${repliesBeforeKill}): expected id ${id} and slots 0..n-1 with ` +
          `${low} <= n <= ${owned + burst.sentSlots}`, { file });
        return;
      }
      await node.launch();
      const restarted = await node.myself();
      if (restarted.id !== id || restarted.slotTokens.join(' ') !== myselfInFile.slotTokens.join(' ') || !isMaster(restarted)) {
        t.fail(`round ${round}: restarted as ${restarted.raw}, file said ${myselfInFile.raw}`);
        return;
      }
      owned = slots.length;
    }
    t.pass(`${KILL_ROUNDS} kills: nodes.conf always loadable, same id, slots a prefix covering every acknowledged ADDSLOTS`);
    t.comment(`${midBurst} of ${KILL_ROUNDS} kills landed mid-burst; the node ends with ${owned} slots`);
  });
}
