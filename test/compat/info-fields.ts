/*
 * INFO compared the way monitoring tools read it: section names (in order), and for each section
 * every field name redis-server reports. Values legitimately differ (pids, memory, uptime), but a
 * dashboard that graphs `used_memory` or `connected_clients` breaks if the field is missing, and
 * parsers expect a number where Redis puts a number.
 */

import { parseReply } from '../../bench/harness/resp';
import type { Pair } from './harness';

export interface InfoSection {
  name: string;
  fields: Map<string, string>;
}

/** Parses an INFO payload ("# Server\r\nredis_version:7.0.15\r\n..."). */
export function parseInfo(text: string): InfoSection[] {
  const sections: InfoSection[] = [];
  let current: InfoSection | null = null;
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    if (line.startsWith('# ')) {
      current = { name: line.slice(2), fields: new Map() };
      sections.push(current);
      continue;
    }
    const colon = line.indexOf(':');
    if (current === null || colon < 0) continue;
    current.fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return sections;
}

/** The text of an INFO reply, from a bulk (RESP2) or verbatim (RESP3) string. */
export function infoText(reply: Buffer): string {
  const node = parseReply(reply);
  const text = node.text.toString('latin1');
  return node.type === '=' ? text.slice(4) : text;
}

/** Sections whose lines depend on what ran or what is stored: only their presence is compared. */
export const DYNAMIC_SECTIONS = new Set(['Commandstats', 'Errorstats', 'Latencystats', 'Keyspace', 'Modules']);

export interface InfoDifference {
  sections: { expected: string[]; actual: string[] };
  /** "Section: field" for every redis field the target lacks. */
  missingFields: string[];
  /** "Section: field = redis value / target value" where redis has a number and target not. */
  nonNumeric: string[];
}

export function compareInfo(redisText: string, targetText: string): InfoDifference {
  const r = parseInfo(redisText);
  const h = parseInfo(targetText);
  const missingFields: string[] = [];
  const nonNumeric: string[] = [];
  for (const section of r) {
    if (DYNAMIC_SECTIONS.has(section.name)) continue;
    const other = h.find((s) => s.name === section.name);
    for (const [field, value] of section.fields) {
      const theirs = other?.fields.get(field);
      if (theirs === undefined) {
        missingFields.push(`${section.name}: ${field}`);
      } else if (/^-?\d+(\.\d+)?$/.test(value) && !/^-?\d+(\.\d+)?$/.test(theirs)) {
        nonNumeric.push(`${section.name}: ${field} = ${value} / ${theirs}`);
      }
    }
  }
  return {
    sections: { expected: r.map((s) => s.name), actual: h.map((s) => s.name) },
    missingFields,
    nonNumeric,
  };
}

/**
 * INFO `section` from both servers of a pair as sorted `name:value` lines, for an exact
 * comparison of counters: headers and latency percentiles dropped, commandstats' timings
 * removed, and only the lines `keep` accepts.
 */
export async function infoLines(pair: Pair, section: string, keep: (line: string) => boolean = () => true): Promise<[string[], string[] | Error]> {
  return pair.both(async (c) => (await c.call('INFO', section)).toString('latin1').split('\r\n')
    .filter((line) => line !== '' && !line.startsWith('$') && !line.startsWith('#') && !line.startsWith('latency_percentiles') && keep(line))
    .map((line) => line.replace(/,usec=[\d.]+,usec_per_call=[\d.]+/, ''))
    .sort());
}
