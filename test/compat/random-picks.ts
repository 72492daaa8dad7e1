/*
 * Comparators and case helpers shared by the hash and set differential tests.
 *
 * SPOP, SRANDMEMBER and HRANDFIELD answer random members, so their replies cannot match
 * redis-server's byte for byte: `pickedFrom` accepts a reply of the same shape (types, nesting,
 * counts) whose strings all come from the container, optionally without repeats.
 */

import type { Comparator } from './compare';
import { skeleton } from './compare';
import { escapeMultiline, parseReply, type RespNode } from '../../bench/harness/resp';
import { check, type CaseBody, type DualRun, type Step } from './harness';
import type { Arg } from '../../bench/harness/resp';

function leaves(node: RespNode, out: string[] = []): string[] {
  if (node.items.length === 0) {
    if (!['*', '~', '%', '>'].includes(node.type) && !node.isNull) out.push(node.text.toString('latin1'));
    return out;
  }
  for (const item of node.items) leaves(item, out);
  return out;
}

/**
 * Same skeleton as redis's reply, every string among `allowed`; with `distinct`, the top-level
 * items have no repeats (positive counts).
 */
export function pickedFrom(allowed: readonly string[], distinct = false): Comparator {
  const universe = new Set(allowed);
  return (redis, target) => {
    let r: RespNode;
    let h: RespNode;
    try {
      r = parseReply(redis);
      h = parseReply(target);
    } catch {
      return { expected: escapeMultiline(redis), actual: escapeMultiline(target) };
    }
    const problems: string[] = [];
    const foreign = leaves(h).filter((s) => !universe.has(s));
    if (foreign.length > 0) problems.push(`not in the container: ${foreign.join(', ')}`);
    if (distinct) {
      const top = h.items.map((i) => escapeMultiline(i.raw));
      if (new Set(top).size !== top.length) problems.push('repeated members');
    }
    const a = skeleton(r);
    const b = skeleton(h);
    return { expected: a, actual: problems.length === 0 ? b : `${b}\n${problems.join('\n')}\n${escapeMultiline(target)}` };
  };
}

export const picked = (allowed: readonly string[], distinct: boolean, ...argv: Arg[]): Step => check(pickedFrom(allowed, distinct), ...argv);

/** Declares a case twice: over RESP2 and over RESP3 (HELLO 3 first). */
export function inBothProtocols(dual: DualRun, name: string, body: CaseBody): void {
  dual.case(`${name} (RESP2)`, body);
  dual.case(`${name} (RESP3)`, body, { resp3: true });
}

/** A SCAN-family reply whose element list may come in any order (hash-table sets): same cursor, same elements. */
export const scanUnordered: Comparator = (redis, target) => {
  const render = (buf: Buffer): string => {
    try {
      const node = parseReply(buf);
      const cursor = node.items[0];
      const list = node.items[1];
      if (node.type !== '*' || cursor === undefined || list === undefined) return escapeMultiline(buf);
      const items = list.items.map((i) => escapeMultiline(i.raw)).sort();
      return `${escapeMultiline(cursor.raw)}${list.type}${list.text.toString('latin1')}\n${items.join('')}`;
    } catch {
      return escapeMultiline(buf);
    }
  };
  return { expected: render(redis), actual: render(target) };
};
