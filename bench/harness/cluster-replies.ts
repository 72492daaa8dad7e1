/*
 * Reading what a cluster node says: CLUSTER NODES lines, CLUSTER INFO fields, slot tokens, and the
 * hash slot of a key, all written from the descriptions in redis-wire.md (§1.12, §1.13, §4.1) so
 * the tests have their own reference instead of trusting the implementation under test.
 *
 * The slot function matters to the tests in two ways: to pick keys that land in a chosen slot (a
 * key in slot 16383 to provoke "Hash slot not served") and to know which master must own a key
 * without asking the cluster (so a MOVED reply can be checked against an independent answer).
 */

import { SLOT_COUNT } from '../../storage/key-slot';

// ─── Hash slots ─────────────────────────────────────────────────────────────────────────────────

/** The slot count is a protocol constant, not behaviour under test: one definition for all. */
export { SLOT_COUNT };

/** CRC-16/XMODEM (poly 0x1021, init 0, no reflection), bit by bit: speed does not matter here. */
export function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** Redis's keyHashSlot: hash the first non-empty `{...}` section if there is one. */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b); // '{'
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // '}'
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) & (SLOT_COUNT - 1);
  }
  return crc16(bytes) & (SLOT_COUNT - 1);
}

/** The first key of the form `<prefix><n>` that hashes to `slot` (about 16384 tries on average). */
export function keyInSlot(slot: number, prefix = 'k'): string {
  for (let n = 0; n < 1_000_000; n++) {
    const key = `${prefix}${n}`;
    if (keySlot(key) === slot) return key;
  }
  throw new Error(`no key found for slot ${slot}`);
}

// ─── CLUSTER NODES ──────────────────────────────────────────────────────────────────────────────

export interface NodeLine {
  id: string;
  ip: string;
  port: number;
  busPort: number;
  flags: string[];
  /** The master's id for a replica, '-' for a master. */
  masterId: string;
  pingSentMs: number;
  pongReceivedMs: number;
  configEpoch: number;
  link: string;
  /** Slot tokens as printed: `N`, `N-M`, and on the myself line `[N->-id]` / `[N-<-id]`. */
  slotTokens: string[];
  raw: string;
}

/**
 * One line as redis-cli parses it (space-separated fields). Throws with the line when a field is
 * malformed, so a test failure names the offending text.
 */
export function parseNodeLine(line: string): NodeLine {
  const fields = line.split(' ');
  const [id, address, flags, masterId, ping, pong, epoch, link, ...slotTokens] = fields;
  if (id === undefined || address === undefined || flags === undefined || masterId === undefined ||
      ping === undefined || pong === undefined || epoch === undefined || link === undefined) {
    throw new Error(`CLUSTER NODES line has fewer than 8 fields: ${JSON.stringify(line)}`);
  }
  const addr = /^([^:]*):(\d+)@(\d+)(?:,.*)?$/.exec(address);
  if (addr === null) throw new Error(`bad address field ${JSON.stringify(address)} in ${JSON.stringify(line)}`);
  const number = (text: string): number => {
    if (!/^\d+$/.test(text)) throw new Error(`bad number ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
    return Number(text);
  };
  return {
    id,
    ip: addr[1] ?? '',
    port: number(addr[2] ?? ''),
    busPort: number(addr[3] ?? ''),
    flags: flags.split(','),
    masterId,
    pingSentMs: number(ping),
    pongReceivedMs: number(pong),
    configEpoch: number(epoch),
    link,
    slotTokens,
    raw: line,
  };
}

/** Every line of a CLUSTER NODES reply; each line must end with `\n`. */
export function parseClusterNodes(text: string): NodeLine[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error(`CLUSTER NODES does not end with \\n: ${JSON.stringify(text)}`);
  return text.split('\n').filter((line) => line !== '').map(parseNodeLine);
}

export function isMaster(node: NodeLine): boolean {
  return node.flags.includes('master');
}

export function isReplica(node: NodeLine): boolean {
  return node.flags.includes('slave');
}

/** The slots a node owns (migrating/importing tokens excluded), expanded. */
export function ownedSlots(node: NodeLine): number[] {
  const slots: number[] = [];
  for (const token of node.slotTokens) {
    if (token.startsWith('[')) continue;
    const range = /^(\d+)(?:-(\d+))?$/.exec(token);
    if (range === null) throw new Error(`bad slot token ${JSON.stringify(token)} in ${JSON.stringify(node.raw)}`);
    const start = Number(range[1]);
    const end = range[2] === undefined ? start : Number(range[2]);
    for (let slot = start; slot <= end; slot++) slots.push(slot);
  }
  return slots;
}

/**
 * What every node of a healthy cluster must agree on, one string per node: id, address, role,
 * master, configEpoch and slots. Timing fields, link state and the `myself` flag are left out
 * because they legitimately differ from one observer to the next.
 */
export function agreementView(nodes: readonly NodeLine[]): string {
  return nodes
    .map((n) => {
      const role = isMaster(n) ? 'master' : isReplica(n) ? 'slave' : n.flags.join(',');
      const otherFlags = n.flags.filter((f) => f !== 'myself' && f !== 'master' && f !== 'slave');
      return [n.id, `${n.ip}:${n.port}@${n.busPort}`, role, ...otherFlags, n.masterId, n.configEpoch, n.slotTokens.join(' ')].join(' ');
    })
    .sort()
    .join('\n');
}

// ─── CLUSTER INFO ───────────────────────────────────────────────────────────────────────────────

/** `field:value` lines, CRLF-separated, in order. */
export function parseInfoFields(text: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of text.split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new Error(`INFO line without ':' ${JSON.stringify(line)}`);
    fields.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return fields;
}

export function infoField(text: string, name: string): string | undefined {
  return parseInfoFields(text).find(([key]) => key === name)?.[1];
}

// ─── nodes.conf ─────────────────────────────────────────────────────────────────────────────────

/**
 * Checks a nodes.conf the way clusterLoadConfig would accept it: node lines of ≥ 8 fields with
 * valid addresses, exactly one `myself`, and a `vars` line. Returns the problem, or null.
 */
export function nodesConfProblem(text: string): string | null {
  if (text.trim() === '') return 'empty file';
  let myself = 0;
  let vars = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('vars ')) {
      if (!/^vars( \S+ \d+)+$/.test(line.trimEnd())) return `bad vars line ${JSON.stringify(line)}`;
      vars++;
      continue;
    }
    try {
      const node = parseNodeLine(line.trimEnd());
      if (node.flags.includes('myself')) myself++;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
  if (myself !== 1) return `${myself} lines flagged myself`;
  if (vars !== 1) return `${vars} vars lines`;
  return null;
}
