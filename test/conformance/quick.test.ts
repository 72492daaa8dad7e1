/**
 * The conformance kit's quick variant, in `npm test`: three of the five scenarios against the
 * three clients on hashslot-cluster (about a minute). A client's verdict is a finding about the
 * client and is only printed; what is asserted is what hashslot owes every client whatever it
 * does: the kit runs each scenario to its end, no write a WAIT confirmed is lost (neither by
 * the client's reading nor by the oracle's), no acknowledged write is lost in a manual
 * failover, and no GET returns a value that was not the last one written.
 *
 * The whole kit, on both backends: `npm run conformance -- --backend both` (run.ts).
 */
import t from 'tap';
import { formatVerdicts } from './run';
import { CLIENTS, runScenario, type Verdict } from './scenarios';
import type { ScenarioName } from './workloads';

const QUICK: readonly ScenarioName[] = ['hard-kill', 'reshard-pipeline', 'demotion'];

// Nine scenario runs of 5-10 s each: more than the default per-file timeout.
t.setTimeout(300_000);
const verdicts: Verdict[] = [];

for (const scenario of QUICK) {
  t.test(`${scenario} on hashslot-cluster, each client: the kit runs it, nothing hashslot owes is lost`, { timeout: 120_000 }, async (t) => {
    for (const client of CLIENTS) {
      const verdict = await runScenario(scenario, client, 'hashslot');
      verdicts.push(verdict);
      const label = `${scenario} with ${client}`;
      t.not(verdict.outcome, 'error', `${label}: the kit ran it (${verdict.reason})`);
      const result = verdict.result ?? {};
      if (scenario === 'hard-kill') {
        t.same(result.lostConfirmed ?? [], [], `${label}: no WAIT-confirmed write lost`);
        t.equal(verdict.oracle?.lostDespiteWait ?? 0, 0, `${label}: the oracle finds no loss despite WAIT`);
      }
      if (scenario === 'demotion') t.equal(result.lostAcked ?? 0, 0, `${label}: every acknowledged write survived the manual failover`);
      if (scenario === 'reshard-pipeline') t.equal(result.wrongValues ?? 0, 0, `${label}: no GET returned a stale or foreign value`);
    }
  });
}

t.test('the verdicts (findings about the clients, printed, not asserted)', async (t) => {
  t.comment(`\n${formatVerdicts(verdicts)}`);
});
