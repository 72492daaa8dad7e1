/*
 * Scenario 5: how a replica and its master answer the commands around replication, compared
 * differentially with a real redis-server pair.
 *
 * The same script of commands runs against every combination's pair; each reply is recorded as
 * text (`replica: SET ro:k v → -READONLY You can't write against a read only replica.`), and the
 * whole transcript must equal the one a redis-server master and replica produce. Ports differ from
 * pair to pair, so commands that name the master's port show it as <master-port>; no reply
 * contains a port.
 *
 * Some replies are also spelled out (READONLY, "Already connected", WAIT's counts), so a change to
 * the reference itself would not go unnoticed, and WAIT's timeout is timed.
 */

import t from 'tap';
import type { Arg } from '../../bench/harness/resp';
import {
  forEachCombo, missingPrerequisite, show, startNodes, startPair, text, waitForSync,
  type Combo, type ReplNode, type Test,
} from './replication-harness';

type Side = 'master' | 'replica';

interface Step {
  on: Side;
  argv: Arg[];
  /** The command as shown in the transcript (ports masked). */
  shown: string;
}

const READONLY = '-READONLY You can\'t write against a read only replica.';

function script(master: ReplNode): Step[] {
  const port = String(master.port);
  const step = (on: Side, ...argv: string[]): Step => ({ on, argv, shown: argv.map((a) => (a === port ? '<master-port>' : a)).join(' ') });
  return [
    step('replica', 'GET', 'shared:k'),
    // Writes are refused while replica-read-only is yes (the default).
    step('replica', 'SET', 'ro:k', 'v'),
    step('replica', 'SETEX', 'ro:k', '10', 'v'),
    step('replica', 'INCR', 'ro:n'),
    step('replica', 'MSET', 'ro:a', '1', 'ro:b', '2'),
    step('replica', 'APPEND', 'shared:k', 'x'),
    step('replica', 'DEL', 'shared:k'),
    step('replica', 'EXPIRE', 'shared:k', '100'),
    step('replica', 'GETDEL', 'shared:k'),
    step('replica', 'GETEX', 'shared:k', 'PERSIST'),
    step('replica', 'FLUSHDB'),
    step('replica', 'FLUSHALL'),
    step('replica', 'GET', 'shared:k'),
    step('replica', 'EXISTS', 'shared:k', 'ro:k'),
    // replica-read-only no: writes are accepted and stay local.
    step('replica', 'CONFIG', 'GET', 'replica-read-only'),
    step('replica', 'CONFIG', 'SET', 'replica-read-only', 'no'),
    step('replica', 'SET', 'rw:k', 'local'),
    step('replica', 'GET', 'rw:k'),
    step('replica', 'INCR', 'rw:n'),
    step('replica', 'CONFIG', 'SET', 'replica-read-only', 'yes'),
    step('replica', 'SET', 'rw:k', 'again'),
    step('replica', 'GET', 'rw:k'),
    step('master', 'EXISTS', 'rw:k', 'rw:n'),
    // REPLICAOF / SLAVEOF arguments.
    step('replica', 'REPLICAOF'),
    step('replica', 'REPLICAOF', '127.0.0.1'),
    step('replica', 'REPLICAOF', '127.0.0.1', 'notaport'),
    step('replica', 'REPLICAOF', '127.0.0.1', '99999'),
    step('replica', 'REPLICAOF', '127.0.0.1', '-1'),
    step('replica', 'REPLICAOF', '127.0.0.1', '1.5'),
    step('replica', 'REPLICAOF', 'NO', 'ONE', 'extra'),
    step('replica', 'SLAVEOF'),
    step('replica', 'SLAVEOF', '127.0.0.1', 'abc'),
    step('replica', 'REPLICAOF', '127.0.0.1', port),
    step('replica', 'SLAVEOF', '127.0.0.1', port),
    step('replica', 'replicaof', '127.0.0.1', port),
    step('master', 'REPLICAOF', 'NO', 'ONE'),
    // WAIT: arguments, and on a replica.
    step('replica', 'WAIT', '1', '0'),
    step('master', 'WAIT'),
    step('master', 'WAIT', '1'),
    step('master', 'WAIT', 'x', '0'),
    step('master', 'WAIT', '1', 'x'),
    step('master', 'WAIT', '1', '-1'),
    // REPLCONF from an ordinary client.
    step('master', 'REPLCONF', 'foo', 'bar'),
    step('master', 'REPLCONF', 'listening-port'),
    step('master', 'REPLCONF', 'capa', 'eof', 'capa', 'psync2'),
    // Writes, then WAIT for the one replica: at once, and until the timeout for two.
    step('master', 'SET', 'shared:k', 'v2'),
    step('master', 'WAIT', '1', '1000'),
    step('master', 'WAIT', '2', '200'),
  ];
}

interface Run {
  transcript: string[];
  /** The reply to each step, by its shown text (the last one if a step repeats). */
  replies: Map<string, string>;
  waitTwoMs: number;
  replicaSeesWrite: string;
}

async function runScript(master: ReplNode, replica: ReplNode): Promise<Run> {
  await master.call('SET', 'shared:k', 'v1');
  const joined = await replica.replicaOf(master);
  if (joined !== '+OK') throw new Error(`REPLICAOF answered ${joined}`);
  await waitForSync(master, replica);
  const [m, r] = await Promise.all([master.connect(), replica.connect()]);
  try {
    const run: Run = { transcript: [], replies: new Map(), waitTwoMs: NaN, replicaSeesWrite: '' };
    for (const s of script(master)) {
      const started = Date.now();
      const reply = show(await (s.on === 'master' ? m : r).call(...s.argv));
      if (s.shown === 'WAIT 2 200') run.waitTwoMs = Date.now() - started;
      run.transcript.push(`${s.on}: ${s.shown} → ${reply}`);
      run.replies.set(`${s.on}: ${s.shown}`, reply);
    }
    await waitForSync(master, replica);
    run.replicaSeesWrite = text(await replica.call('GET', 'shared:k'));
    return run;
  } finally {
    m.close();
    r.close();
  }
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  // The transcript of real redis-server on both sides: from the redis→redis combination if it ran
  // first, otherwise from a pair started just for it.
  let reference: Promise<string[]> | null = null;
  const referenceTranscript = (t: Test): Promise<string[]> => {
    reference ??= (async () => {
      const [master, replica] = await startNodes(t, [
        { kind: 'redis', name: 'reference-master' },
        { kind: 'redis', name: 'reference-replica' },
      ]);
      if (master === undefined || replica === undefined) throw new Error('no reference pair');
      return (await runScript(master, replica)).transcript;
    })();
    return reference;
  };

  forEachCombo(t, 'READONLY, replica-read-only, REPLICAOF and WAIT replies', async (t, combo: Combo) => {
    const [master, replica] = await startPair(t, combo);
    const run = await runScript(master, replica);
    if (combo.master === 'redis' && combo.replica === 'redis' && reference === null) reference = Promise.resolve(run.transcript);

    const reply = (key: string): string | undefined => run.replies.get(key);
    t.equal(reply('replica: SET ro:k v'), READONLY, 'a write on the replica: READONLY');
    t.equal(reply('replica: FLUSHALL'), READONLY, 'FLUSHALL on the replica: READONLY');
    t.equal(reply('replica: SET rw:k local'), '+OK', 'replica-read-only no: the replica accepts a write');
    t.equal(reply('master: EXISTS rw:k rw:n'), ':0', 'a replica\'s local writes do not reach its master');
    t.equal(reply('replica: REPLICAOF 127.0.0.1 <master-port>'), '+OK Already connected to specified master',
      'REPLICAOF to the current master: +OK Already connected to specified master');
    t.equal(reply('master: REPLICAOF NO ONE'), '+OK', 'REPLICAOF NO ONE on a master: +OK');
    t.equal(reply('master: WAIT 1 1000'), ':1', 'WAIT 1 1000 after a write: the replica acknowledged it');
    t.equal(reply('master: WAIT 2 200'), ':1', 'WAIT 2 200 with one replica: 1');
    t.ok(run.waitTwoMs >= 190 && run.waitTwoMs < 3_000, `WAIT 2 200 returned after its timeout (${run.waitTwoMs} ms)`);
    t.equal(run.replicaSeesWrite, 'v2', 'the replica still follows the master after all this');

    t.same(run.transcript, await referenceTranscript(t), 'the transcript equals redis-server\'s, reply for reply');
  });
}
