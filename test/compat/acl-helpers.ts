/*
 * Comparators for ACL replies.
 *
 * Redis 7.0 writes a user's commands back from a bitmap: categories first (deterministic), then
 * single commands in the order of its command dict, which changes with every process's hash
 * seed (two redis-servers print "+get +set" and "+set +get" for the same user). `rulesNormalized`
 * sorts each run of single-command rules and compares everything else exactly. `logNormalized`
 * compares ACL LOG entries except age-seconds and client-info, whose values are per process
 * (the client-info's user= and cmd= fields are still compared).
 */
import { parseReply, type RespNode } from '../../bench/harness/resp';
import type { Comparator } from './compare';

/** Sorts each run of "+cmd"/"-cmd" words (not categories) in a rule string. */
export function normalizeRules(text: string): string {
  const words = text.split(' ');
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    out.push(...run.sort());
    run = [];
  };
  for (const word of words) {
    const bare = word.replace(/^\(/, '').replace(/\)$/, '');
    if (/^[+-][^@]/.test(bare) && bare === word) run.push(word);
    else {
      flush();
      out.push(word);
    }
  }
  flush();
  return out.join(' ');
}

function render(node: RespNode, leaf: (text: string, parentKey: string | null) => string, parentKey: string | null = null): string {
  if (node.items.length === 0) {
    const text = node.text.toString('latin1');
    return `${node.type}${node.isNull ? 'null' : leaf(text, parentKey)}`;
  }
  const parts: string[] = [];
  const isMapLike = node.type === '%' || node.type === '*';
  for (let i = 0; i < node.items.length; i++) {
    const item = node.items[i] as RespNode;
    const key = isMapLike && i % 2 === 1 ? (node.items[i - 1] as RespNode).text.toString('latin1') : null;
    parts.push(render(item, leaf, key));
  }
  return `${node.type}${node.items.length}[\n${parts.join('\n')}\n]`;
}

function comparing(leaf: (text: string, parentKey: string | null) => string): Comparator {
  return (redis, target) => {
    try {
      return { expected: render(parseReply(redis), leaf), actual: render(parseReply(target), leaf) };
    } catch {
      return { expected: redis.toString('latin1'), actual: target.toString('latin1') };
    }
  };
}

export const rulesNormalized: Comparator = comparing((text) => normalizeRules(text));

export const logNormalized: Comparator = comparing((text, key) => {
  if (key === 'age-seconds') return '<age>';
  if (key === 'client-info') {
    const fields = new Map(text.split(' ').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
    return `user=${fields.get('user') ?? '?'} cmd=${fields.get('cmd') ?? '?'}`;
  }
  return text;
});

/** Elements compared as a multiset (ACL CAT <category> follows the dict order too). */
export const unorderedLeaves: Comparator = (redis, target) => {
  const leaves = (buf: Buffer): string => {
    try {
      const node = parseReply(buf);
      if (node.items.length === 0) return buf.toString('latin1');
      return node.items.map((i) => i.text.toString('latin1')).sort().join('\n');
    } catch {
      return buf.toString('latin1');
    }
  };
  return { expected: leaves(redis), actual: leaves(target) };
};
