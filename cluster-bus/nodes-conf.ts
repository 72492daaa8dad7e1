/**
 * nodes.conf: how a cluster node remembers its id, epochs, peers and slots across restarts
 * (redis-wire.md §1.12). The file is the CLUSTER NODES text without handshake nodes plus a
 * `vars currentEpoch N lastVoteEpoch M` line. Writing it atomically is the adapter's job; this
 * module only turns state into text and text back into state.
 */
import { ClusterNode, parseFlags } from './cluster-node';
import type { ClusterState } from './cluster-state';
import { NodeFlag, SLOT_COUNT } from './messages';

export class NodesConfError extends Error {
  override readonly name = 'NodesConfError';
}

interface ParsedAddress {
  ip: string;
  port: number;
  cport: number;
  hostname: string;
}

/** `ip:port[@cport][,hostname]`; the ip may be IPv6 (split at the last ':'). */
export function parseAddress(text: string): ParsedAddress | null {
  let rest = text;
  let hostname = '';
  const comma = rest.indexOf(',');
  if (comma >= 0) {
    hostname = rest.slice(comma + 1);
    rest = rest.slice(0, comma);
  }
  let cportText: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    cportText = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(rest.slice(colon + 1));
  const cport = cportText === null ? port + 10000 : Number(cportText);
  if (!Number.isInteger(port) || !Number.isInteger(cport)) return null;
  return { ip: rest.slice(0, colon), port, cport, hostname };
}

/**
 * Loads nodes.conf text into a freshly constructed state. An empty file means "no config yet".
 * Throws NodesConfError on a file Redis would refuse to load.
 */
export function loadNodesConf(state: ClusterState, text: string, nowMs: number): boolean {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return false;
  const masters = new Map<ClusterNode, string>();
  let sawMyself = false;
  for (const line of lines) {
    const fields = line.split(/\s+/);
    if (fields[0] === 'vars') {
      for (let i = 1; i + 1 < fields.length; i += 2) {
        const value = BigInt(fields[i + 1] as string);
        if (fields[i] === 'currentEpoch') state.restoreEpochs(value, null);
        else if (fields[i] === 'lastVoteEpoch') state.restoreEpochs(null, value);
      }
      continue;
    }
    if (fields.length < 8) throw new NodesConfError(`Unrecoverable error: corrupted cluster config file "${line}".`);
    const [id = '', addressText = '', flagsField = '', masterId = '', ping = '0', pong = '0', epoch = '0'] = fields;
    const address = parseAddress(addressText);
    const flags = parseFlags(flagsField);
    if (address === null || flags === null || id.length !== 40) {
      throw new NodesConfError(`Unrecoverable error: corrupted cluster config file "${line}".`);
    }
    let node: ClusterNode;
    if ((flags & NodeFlag.MYSELF) !== 0) {
      if (sawMyself) throw new NodesConfError('Unrecoverable error: corrupted cluster config file: more than one myself.');
      sawMyself = true;
      state.adoptIdentity(id);
      node = state.myself;
      node.flags = flags;
    } else {
      node = new ClusterNode(id, flags, nowMs);
      state.restoreNode(node);
    }
    if (!node.isMyself || node.ip === '') node.ip = address.ip;
    if (!node.isMyself) {
      node.port = address.port;
      node.cport = address.cport;
      node.hostname = address.hostname;
    }
    node.pingSentMs = ping === '0' ? 0 : nowMs;
    node.pongReceivedMs = pong === '0' ? 0 : nowMs;
    if ((flags & NodeFlag.FAIL) !== 0) node.failTimeMs = nowMs;
    // A replica's epoch field shows its master's; only a master's own is kept.
    node.configEpoch = (flags & NodeFlag.SLAVE) !== 0 ? 0n : BigInt(epoch);
    if (masterId !== '-') masters.set(node, masterId);
    for (const token of fields.slice(8)) applySlotToken(state, node, token, line);
  }
  if (!sawMyself) throw new NodesConfError('Unrecoverable error: corrupted cluster config file: no myself line.');
  for (const [node, masterId] of masters) if (state.nodes.has(masterId)) node.slaveof = masterId;
  for (const node of state.nodes.values()) if (node.configEpoch > state.currentEpoch) state.restoreEpochs(node.configEpoch, null);
  return true;
}

function applySlotToken(state: ClusterState, node: ClusterNode, token: string, line: string): void {
  const bad = (): never => {
    throw new NodesConfError(`Unrecoverable error: corrupted cluster config file "${line}".`);
  };
  if (token.startsWith('[')) {
    const migrating = /^\[(\d+)->-([0-9a-f]{40})\]$/.exec(token);
    const importing = /^\[(\d+)-<-([0-9a-f]{40})\]$/.exec(token);
    if (migrating !== null) state.restoreSlotMark('migrating', Number(migrating[1]), migrating[2] as string);
    else if (importing !== null) state.restoreSlotMark('importing', Number(importing[1]), importing[2] as string);
    else bad();
    return;
  }
  const range = /^(\d+)(?:-(\d+))?$/.exec(token);
  if (range === null) return bad();
  const start = Number(range[1]);
  const end = range[2] === undefined ? start : Number(range[2]);
  if (start > end || end >= SLOT_COUNT) bad();
  state.restoreSlots(node.name, start, end);
}
