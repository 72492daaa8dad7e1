/*
 * CLIENT LIST / CLIENT INFO lines compared by field names and formats, not values: ids, ports,
 * file descriptors, ages and buffer sizes legitimately differ between two servers, but a client
 * (or a tool such as redis-cli's --stat, or a monitoring agent) parses the line by field name, so
 * the names, their order, and the semantic fields (flags, db, cmd, name, resp...) must match.
 * The buffer and memory values are compared exactly in client-memory.test.ts, where the clients
 * cron's phase (which moves rbs and rbp) is controlled; here it is not.
 */

import type { Comparator } from './compare';
import { escapeMultiline, parseReply } from '../../bench/harness/resp';

/** Fields whose values must be equal; the rest only need the same format. */
const SEMANTIC_FIELDS = new Set(['name', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'cmd', 'user', 'redir', 'resp', 'events', 'oll', 'obl']);

function normalizeValue(name: string, value: string): string {
  if (SEMANTIC_FIELDS.has(name)) return value;
  if (/^127\.0\.0\.1:\d+$/.test(value)) return '<ip:port>';
  if (/^-?\d+$/.test(value)) return '<int>';
  return value;
}

/** "id=3 addr=... cmd=client|list" → "id=<int> addr=<ip:port> ... cmd=client|list". */
export function normalizeClientLine(line: string): string {
  return line
    .split(' ')
    .map((field) => {
      const eq = field.indexOf('=');
      if (eq < 0) return field;
      const name = field.slice(0, eq);
      return `${name}=${normalizeValue(name, field.slice(eq + 1))}`;
    })
    .join(' ');
}

/** The payload of a bulk or verbatim reply (verbatim strings start with "txt:"). */
function payload(buf: Buffer): string | null {
  try {
    const node = parseReply(buf);
    if (node.type === '$') return node.text.toString('latin1');
    if (node.type === '=') return node.text.toString('latin1').slice(4);
    return null;
  } catch {
    return null;
  }
}

/**
 * Compares CLIENT INFO / CLIENT LIST replies; for LIST, only the line of the connection that ran
 * the command (cmd=client|list), since other test connections may still be closing.
 */
export function clientLines(onlyCaller: boolean): Comparator {
  const render = (buf: Buffer): string => {
    const text = payload(buf);
    if (text === null) return escapeMultiline(buf);
    const header = buf.toString('latin1', 0, 1);
    const lines = text.split('\n').filter((l) => l !== '' && (!onlyCaller || l.includes('cmd=client|list')));
    const trailing = text.endsWith('\n') ? '(ends with \\n)' : '(no final \\n)';
    return `${header} ${trailing}\n${lines.map(normalizeClientLine).join('\n')}`;
  };
  return (redis, target) => ({ expected: render(redis), actual: render(target) });
}
