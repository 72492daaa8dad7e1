/**
 * `npm run conformance`: the client conformance kit. Each scenario (scenarios.ts) against each
 * client (ioredis, node-redis, redis-py), each on a fresh cluster, then a table of verdicts with
 * the measured figures.
 *
 *   node dist/test/conformance/run.js [--backend hashslot|redis|both] [--clients a,b]
 *                                     [--scenarios a,b] [--json FILE]
 *
 * --backend redis runs the same scenarios on six real redis-server processes, to tell a client's
 * failure from hashslot's: a verdict that differs between the backends is hashslot's to explain.
 * A scenario takes 5-15 s; the whole kit on one backend about 3 minutes.
 */
import * as fs from 'node:fs';
import type { Backend } from './clusters';
import { CLIENTS, NODE_TIMEOUT_MS, SCENARIOS, runScenario, type ClientName, type Verdict } from './scenarios';
import type { ScenarioName } from './workloads';

const USAGE = 'usage: node dist/test/conformance/run.js [--backend hashslot|redis|both] [--clients ioredis,node-redis,redis-py] [--scenarios hard-kill,...] [--json FILE]';

interface RunOptions {
  backends: Backend[];
  clients: ClientName[];
  scenarios: ScenarioName[];
  json: string | null;
}

function listOf<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const items = text.split(',').filter((item) => item !== '');
  for (const item of items) if (!(allowed as readonly string[]).includes(item)) throw new Error(`unknown ${what} '${item}' (one of ${allowed.join(', ')})`);
  return items as T[];
}

export function parseRunOptions(argv: readonly string[]): RunOptions {
  const options: RunOptions = { backends: ['hashslot'], clients: [...CLIENTS], scenarios: [...SCENARIOS], json: null };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i] ?? ''} needs a value`);
    switch (argv[i]) {
      case '--backend':
        options.backends = value === 'both' ? ['hashslot', 'redis'] : listOf(value, ['hashslot', 'redis'] as const, 'backend');
        break;
      case '--clients':
        options.clients = listOf(value, CLIENTS, 'client');
        break;
      case '--scenarios':
        options.scenarios = listOf(value, SCENARIOS, 'scenario');
        break;
      case '--json':
        options.json = value;
        break;
      default:
        throw new Error(`unknown option ${argv[i] ?? ''}`);
    }
  }
  return options;
}

export async function runKit(options: RunOptions, progress: (line: string) => void = () => undefined): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const backend of options.backends) {
    for (const scenario of options.scenarios) {
      for (const client of options.clients) {
        const started = Date.now();
        const verdict = await runScenario(scenario, client, backend);
        verdicts.push(verdict);
        progress(`${backend} ${scenario} ${client}: ${verdict.outcome} in ${Math.round((Date.now() - started) / 1000)} s ${verdict.figures}${verdict.reason === '' ? '' : ` (${verdict.reason})`}`);
      }
    }
  }
  return verdicts;
}

/** The table: one row per scenario, one column per client, per backend. */
export function formatVerdicts(verdicts: readonly Verdict[]): string {
  const out: string[] = [];
  const backends = [...new Set(verdicts.map((v) => v.backend))];
  for (const backend of backends) {
    const mine = verdicts.filter((v) => v.backend === backend);
    const clients = [...new Set(mine.map((v) => v.client))];
    const scenarios = [...new Set(mine.map((v) => v.scenario))];
    out.push(`### ${backend === 'hashslot' ? 'hashslot-cluster' : 'redis-server 7.0 (six processes)'}, node-timeout ${NODE_TIMEOUT_MS} ms`, '');
    out.push(`| scenario | ${clients.join(' | ')} |`, `|---|${clients.map(() => '---').join('|')}|`);
    for (const scenario of scenarios) {
      const cells = clients.map((client) => {
        const v = mine.find((x) => x.scenario === scenario && x.client === client);
        if (v === undefined) return '';
        const oracle = v.oracle === undefined || v.scenario !== 'hard-kill' ? '' : `; oracle: ${v.oracle.lost} lost (${Object.entries(v.oracle.reasons).map(([r, n]) => `${n} ${r}`).join(', ') || 'none'}), ${v.oracle.lostDespiteWait} despite WAIT`;
        const why = v.outcome === 'pass' ? '' : ` — ${v.reason}`;
        return `**${v.outcome}** ${v.figures}${oracle}${why}`.replace(/\|/g, '/');
      });
      out.push(`| ${scenario} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  let options: RunOptions;
  try {
    options = parseRunOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stdout.write(`# hashslot client conformance kit (${new Date().toISOString()}, node ${process.version})\n\n`);
  const verdicts = await runKit(options, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(formatVerdicts(verdicts));
  if (options.json !== null) fs.writeFileSync(options.json, JSON.stringify(verdicts, null, 2));
  // Kit failures are findings about clients, not a failed run; only an 'error' (the kit itself
  // could not run a scenario) fails the command.
  if (verdicts.some((v) => v.outcome === 'error')) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`conformance kit failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
