/*
 * Reading DEBUG HTSTATS / HTSTATS-KEY reports in the differential tests: the parts that must
 * agree exactly with Redis (which tables, their sizes and element counts), and the checks that
 * make the rest of a report consistent with itself (its bucket figures come from Redis's
 * randomly seeded hash, so only their arithmetic can be compared).
 */

/** One "Hash table N stats" paragraph. */
export interface TableStats {
  which: number;
  empty: boolean;
  size: number;
  elements: number;
  slots: number;
  maxChain: number;
  avgCounted: string;
  avgComputed: string;
  /** [chain length, buckets, percentage as printed] */
  distribution: Array<[number, number, string]>;
}

/** The text of a bulk or verbatim reply ($ or =, "txt:" dropped), or null for anything else. */
export function replyText(reply: Buffer): string | null {
  const s = reply.toString('latin1');
  const match = /^([$=])(\d+)\r\n/.exec(s);
  if (match === null) return null;
  const body = s.slice(match[0].length, match[0].length + Number(match[2]));
  return match[1] === '=' ? body.slice(4) : body;
}

/** Every table paragraph of a report, in order ("[Dictionary HT]" lines skipped). */
export function parseTables(text: string): TableStats[] {
  const tables: TableStats[] = [];
  let current: TableStats | null = null;
  for (const line of text.split('\n')) {
    const header = /^Hash table (\d) stats \((main hash table|rehashing target)\):$/.exec(line);
    if (header !== null) {
      current = { which: Number(header[1]), empty: false, size: 0, elements: 0, slots: 0, maxChain: 0, avgCounted: '', avgComputed: '', distribution: [] };
      tables.push(current);
      continue;
    }
    if (current === null) continue;
    const field = /^ (table size|number of elements|different slots|max chain length|avg chain length \((counted|computed)\)): (.*)$/.exec(line);
    const chain = /^ {3}(\d+): (\d+) \((\d+\.\d\d)%\)$/.exec(line);
    if (line === 'No stats available for empty dictionaries') current.empty = true;
    else if (chain !== null) current.distribution.push([Number(chain[1]), Number(chain[2]), chain[3] as string]);
    else if (field !== null) {
      const value = field[3] as string;
      if (field[1] === 'table size') current.size = Number(value);
      else if (field[1] === 'number of elements') current.elements = Number(value);
      else if (field[1] === 'different slots') current.slots = Number(value);
      else if (field[1] === 'max chain length') current.maxChain = Number(value);
      else if (field[2] === 'counted') current.avgCounted = value;
      else current.avgComputed = value;
    }
  }
  return tables;
}

/** What must match Redis exactly: section headers, table numbers, sizes and element counts. */
export function sizesOf(text: string): string {
  return text
    .split('\n')
    .filter((l) => /^\[|^Hash table|table size|number of elements|^No stats/.test(l))
    .join('\n');
}

/** Whether a report shows a rehash under way, or a table the cron would still shrink. */
export function unsettled(text: string): boolean {
  if (text.includes('Hash table 1')) return true;
  // htNeedsResize: more than 4 buckets, less than 10% full (an empty table too).
  const sections = text.split(/\[(?:Dictionary|Expires) HT\]\n/).filter((s) => s !== '');
  return sections.some((section) => {
    const t = parseTables(section)[0];
    return t !== undefined && !t.empty && t.size > 4 && Math.floor((t.elements * 100) / t.size) < 10;
  });
}

/** Two-decimal rendering of a float ratio as C's printf would (ties to even). */
function printed(x: number): string {
  const exact = x.toFixed(60);
  const dot = exact.indexOf('.');
  if (/^50*$/.test(exact.slice(dot + 3))) {
    const down = exact.slice(0, dot + 3);
    return Number(down.slice(-1)) % 2 === 0 ? down : x.toFixed(2);
  }
  return x.toFixed(2);
}

/**
 * The arithmetic a paragraph must satisfy whoever printed it; returns the broken rules (empty
 * when consistent).
 */
export function inconsistencies(t: TableStats): string[] {
  if (t.empty) return [];
  const problems: string[] = [];
  const buckets = t.distribution.reduce((n, [, count]) => n + count, 0);
  const chained = t.distribution.reduce((n, [length, count]) => n + length * count, 0);
  const zero = t.distribution.find(([length]) => length === 0)?.[1] ?? 0;
  const longest = t.distribution.reduce((m, [length]) => Math.max(m, length), 0);
  if ((t.size & (t.size - 1)) !== 0 || t.size < 4) problems.push(`table size ${t.size} is not a power of two >= 4`);
  if (buckets !== t.size) problems.push(`distribution counts ${buckets} buckets of ${t.size}`);
  if (chained !== t.elements) problems.push(`chains hold ${chained} elements, not ${t.elements}`);
  if (t.size - zero !== t.slots) problems.push(`${t.slots} different slots but ${t.size - zero} non-empty buckets`);
  if (longest !== t.maxChain) problems.push(`max chain ${t.maxChain} but the longest listed is ${longest}`);
  const average = printed(Math.fround(t.elements / t.slots));
  if (t.avgComputed !== average || t.avgCounted !== average) problems.push(`averages ${t.avgCounted}/${t.avgComputed}, expected ${average}`);
  for (const [length, count, percent] of t.distribution) {
    const expected = printed(Math.fround(Math.fround(count / t.size) * 100));
    if (percent !== expected) problems.push(`chain ${length}: ${percent}% printed, ${expected}% expected`);
  }
  return problems;
}
