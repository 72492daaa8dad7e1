/**
 * CLUSTER subcommands, ASKING, READONLY and READWRITE. Each handler validates with Redis's
 * error texts (redis-wire.md §4.1), then asks the cluster state machine to act and lets the
 * transport carry out what it queued (messages, config save).
 */
import { ClusterNode } from '../../cluster-bus/cluster-node';
import type { ClusterState } from '../../cluster-bus/cluster-state';
import { availableReplicas, nodeLine, nodesText, replicationOffsetOf, shardHealth, shards } from '../../cluster-bus/cluster-views';
import { writeRespValue } from '../../protocol/resp-value';
import type { ByteString } from '../../storage/bytes';
import { keyHashSlot } from '../../storage/key-slot';
import type { Client } from '../client';
import { isIpAddress, type ClusterMode } from '../cluster-mode';
import { ReplyError, wrongArity } from '../errors';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl, type Handler } from './command';
import { HELP_REPLIES } from './meta/command-meta.generated';

const SLOTS = 16384;

function clusterOf(client: Client): ClusterMode {
  const cluster = client.node.cluster;
  if (cluster === null) throw new ReplyError('ERR This instance has cluster support disabled');
  return cluster;
}

/** A handler that needs cluster mode; applies the machine's effects afterwards. */
function clusterCmd(name: string, run: (client: Client, argv: ByteString[], cluster: ClusterMode, state: ClusterState) => void): CommandImpl {
  const handler: Handler = (client, argv) => {
    const cluster = clusterOf(client);
    try {
      run(client, argv, cluster, cluster.state);
    } finally {
      cluster.applyEffects();
    }
  };
  return cmd(name, handler);
}

function slotArg(arg: ByteString): number {
  const n = Number(arg);
  if (!/^-?\d+$/.test(arg) || n < 0 || n >= SLOTS) throw new ReplyError('ERR Invalid or out of range slot');
  return n;
}

function knownNode(state: ClusterState, id: ByteString): ClusterNode {
  const node = state.nodes.get(id);
  if (node === undefined) throw new ReplyError(`ERR Unknown node ${id}`);
  return node;
}

function addOrDelSlots(client: Client, state: ClusterState, slots: number[], add: boolean): void {
  const seen = new Set<number>();
  for (const slot of slots) {
    const owner = state.slots.owner(slot);
    if (add && owner !== null) throw new ReplyError(`ERR Slot ${slot} is already busy`);
    if (!add && owner === null) throw new ReplyError(`ERR Slot ${slot} is already unassigned`);
    if (seen.has(slot)) throw new ReplyError(`ERR Slot ${slot} specified multiple times`);
    seen.add(slot);
  }
  for (const slot of slots) {
    if (add) {
      state.slots.importing.delete(slot);
      state.slots.assign(slot, state.myself.name);
    } else {
      state.slots.unassign(slot);
    }
  }
  state.slotsChanged(client.node.clock());
  client.reply.ok();
}

function rangeSlots(argv: ByteString[], name: string): number[] {
  if (argv.length % 2 !== 0) throw new ReplyError(wrongArity(name));
  const slots: number[] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const start = slotArg(at(argv, i));
    const end = slotArg(at(argv, i + 1));
    if (start > end) throw new ReplyError(`ERR start slot number ${start} is greater than end slot number ${end}`);
    for (let s = start; s <= end; s++) slots.push(s);
  }
  return slots;
}

function meet(client: Client, argv: ByteString[], _cluster: ClusterMode, state: ClusterState): void {
  const ip = at(argv, 2);
  const portText = at(argv, 3);
  const port = Number(portText);
  if (!/^\d+$/.test(portText)) throw new ReplyError(`ERR Invalid TCP base port specified: ${portText}`);
  let cport = port + 10000;
  if (argv.length === 5) {
    const cportText = at(argv, 4);
    if (!/^\d+$/.test(cportText)) throw new ReplyError(`ERR Invalid TCP bus port specified: ${cportText}`);
    cport = Number(cportText);
  }
  if (!isIpAddress(ip) || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
    throw new ReplyError(`ERR Invalid node address specified: ${ip}:${portText}`);
  }
  state.meet(ip, port, cport, client.node.clock());
  client.reply.ok();
}

function slotsReply(client: Client, state: ClusterState): void {
  const out = client.reply;
  const ranges = state.slots.allRanges();
  const endpoint = (node: ClusterNode): void => {
    out.array(4);
    out.bulk(node.ip);
    out.integer(node.port);
    out.bulk(node.name);
    out.map(node.hostname === '' ? 0 : 1);
    if (node.hostname !== '') {
      out.bulk('hostname');
      out.bulk(node.hostname);
    }
  };
  out.array(ranges.length);
  for (const { start, end, owner } of ranges) {
    const master = state.nodes.get(owner);
    const replicas = master === undefined ? [] : availableReplicas(state, master);
    out.array(2 + (master === undefined ? 0 : 1) + replicas.length);
    out.integer(start);
    out.integer(end);
    if (master !== undefined) endpoint(master);
    for (const replica of replicas) endpoint(replica);
  }
}

function shardsReply(client: Client, state: ClusterState): void {
  const out = client.reply;
  const list = shards(state);
  out.array(list.length);
  for (const shard of list) {
    out.map(2);
    out.bulk('slots');
    out.array(shard.ranges.length * 2);
    for (const [s, e] of shard.ranges) {
      out.integer(s);
      out.integer(e);
    }
    out.bulk('nodes');
    const nodes = [shard.master, ...shard.replicas];
    out.array(nodes.length);
    for (const node of nodes) {
      const hasHostname = node.hostname !== '';
      out.map(hasHostname ? 8 : 7);
      out.bulk('id');
      out.bulk(node.name);
      out.bulk('port');
      out.integer(node.port);
      out.bulk('ip');
      out.bulk(node.ip);
      out.bulk('endpoint');
      out.bulk(node.ip);
      if (hasHostname) {
        out.bulk('hostname');
        out.bulk(node.hostname);
      }
      out.bulk('role');
      out.bulk(node.isMaster ? 'master' : 'replica');
      out.bulk('replication-offset');
      out.integer(replicationOffsetOf(state, node));
      out.bulk('health');
      out.bulk(shardHealth(state, node));
    }
  }
}

function setslot(client: Client, argv: ByteString[], _cluster: ClusterMode, state: ClusterState): void {
  const myself = state.myself;
  if (myself.isReplica) throw new ReplyError('ERR Please use SETSLOT only with masters.');
  const slot = slotArg(at(argv, 2));
  const action = at(argv, 3).toLowerCase();
  const now = client.node.clock();
  const target = (): ClusterNode => {
    const id = at(argv, 4);
    const node = state.nodes.get(id);
    if (node === undefined) throw new ReplyError(`ERR I don't know about node ${id}`);
    return node;
  };
  if (action === 'migrating' && argv.length === 5) {
    if (state.slots.owner(slot) !== myself.name) throw new ReplyError(`ERR I'm not the owner of hash slot ${slot}`);
    const node = target();
    if (node.isReplica) throw new ReplyError('ERR Target node is not a master');
    state.slots.migrating.set(slot, node.name);
  } else if (action === 'importing' && argv.length === 5) {
    if (state.slots.owner(slot) === myself.name) throw new ReplyError(`ERR I'm already the owner of hash slot ${slot}`);
    const node = target();
    if (node.isReplica) throw new ReplyError('ERR Target node is not a master');
    state.slots.importing.set(slot, node.name);
  } else if (action === 'stable' && argv.length === 4) {
    state.slots.migrating.delete(slot);
    state.slots.importing.delete(slot);
  } else if (action === 'node' && argv.length === 5) {
    const node = target();
    if (node.isReplica) throw new ReplyError('ERR Target node is not a master');
    const keys = client.node.keyspace.db(0).countKeysInSlot(slot);
    if (state.slots.owner(slot) === myself.name && node !== myself && keys > 0) {
      throw new ReplyError(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
    }
    if (keys === 0) state.slots.migrating.delete(slot);
    const wasImporting = node === myself && state.slots.importing.has(slot);
    state.slots.assign(slot, node.name);
    if (wasImporting) {
      state.slots.importing.delete(slot);
      state.bumpEpoch();
      state.broadcastPong(now);
    }
  } else {
    throw new ReplyError('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  state.slotsChanged(now);
  client.reply.ok();
}

export const clusterCommands: CommandImpl[] = [
  cmd('asking', (client) => {
    clusterOf(client);
    client.asking = true;
    client.reply.ok();
  }),
  cmd('readonly', (client) => {
    clusterOf(client);
    client.readonly = true;
    client.reply.ok();
  }),
  cmd('readwrite', (client) => {
    clusterOf(client);
    client.readonly = false;
    client.reply.ok();
  }),
  clusterCmd('cluster|info', (client, _argv, cluster) => client.reply.verbatim(cluster.infoText())),
  clusterCmd('cluster|nodes', (client, _argv, _c, state) => client.reply.verbatim(nodesText(state))),
  clusterCmd('cluster|myid', (client, _argv, _c, state) => client.reply.bulk(state.myself.name)),
  clusterCmd('cluster|slots', (client, _argv, _c, state) => slotsReply(client, state)),
  clusterCmd('cluster|shards', (client, _argv, _c, state) => shardsReply(client, state)),
  clusterCmd('cluster|keyslot', (client, argv) => client.reply.integer(keyHashSlot(at(argv, 2)))),
  clusterCmd('cluster|countkeysinslot', (client, argv) => {
    const slot = intArg(at(argv, 2));
    if (slot < 0 || slot >= SLOTS) throw new ReplyError('ERR Invalid slot');
    client.reply.integer(client.node.keyspace.db(0).countKeysInSlot(slot));
  }),
  clusterCmd('cluster|getkeysinslot', (client, argv) => {
    const slot = intArg(at(argv, 2));
    const count = intArg(at(argv, 3));
    if (slot < 0 || slot >= SLOTS || count < 0) throw new ReplyError('ERR Invalid slot or number of keys');
    client.reply.bulkArray(client.node.keyspace.db(0).keysInSlot(slot, count));
  }),
  clusterCmd('cluster|meet', meet),
  clusterCmd('cluster|addslots', (client, argv, _c, state) => addOrDelSlots(client, state, argv.slice(2).map(slotArg), true)),
  clusterCmd('cluster|delslots', (client, argv, _c, state) => addOrDelSlots(client, state, argv.slice(2).map(slotArg), false)),
  clusterCmd('cluster|addslotsrange', (client, argv, _c, state) =>
    addOrDelSlots(client, state, rangeSlots(argv, 'cluster|addslotsrange'), true),
  ),
  clusterCmd('cluster|delslotsrange', (client, argv, _c, state) =>
    addOrDelSlots(client, state, rangeSlots(argv, 'cluster|delslotsrange'), false),
  ),
  clusterCmd('cluster|flushslots', (client, _argv, _c, state) => {
    if (client.node.keyspace.db(0).size !== 0) throw new ReplyError('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
    state.slots.unassignAll(state.myself.name);
    state.slotsChanged(client.node.clock());
    client.reply.ok();
  }),
  clusterCmd('cluster|forget', (client, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    if (node === state.myself) throw new ReplyError("ERR I tried hard but I can't forget myself...");
    if (state.myself.isReplica && state.myself.slaveof === node.name) throw new ReplyError("ERR Can't forget my master!");
    state.forget(node, client.node.clock());
    client.reply.ok();
  }),
  clusterCmd('cluster|replicate', (client, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    if (node === state.myself) throw new ReplyError("ERR Can't replicate myself");
    if (!node.isMaster) throw new ReplyError('ERR I can only replicate a master, not a replica.');
    const myself = state.myself;
    if (myself.isMaster && (state.slots.count(myself.name) !== 0 || client.node.keyspace.db(0).size !== 0)) {
      throw new ReplyError('ERR To set a master the node must be empty and without assigned slots.');
    }
    state.becomeReplicaOf(node);
    client.reply.ok();
  }),
  ...(['cluster|replicas', 'cluster|slaves'] as const).map((name) =>
    clusterCmd(name, (client, argv, _c, state) => {
      const node = knownNode(state, at(argv, 2));
      if (!node.isMaster) throw new ReplyError('ERR The specified node is not a master');
      const lines = [...state.nodes.values()].filter((n) => n.slaveof === node.name).map((n) => nodeLine(state, n));
      client.reply.bulkArray(lines);
    }),
  ),
  clusterCmd('cluster|count-failure-reports', (client, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    client.reply.integer(state.failureDetector.reportCount(node, client.node.clock()));
  }),
  clusterCmd('cluster|failover', (client, argv, _c, state) => {
    let mode: 'default' | 'force' | 'takeover' = 'default';
    if (argv.length === 3) {
      if (isWord(argv[2], 'force')) mode = 'force';
      else if (isWord(argv[2], 'takeover')) mode = 'takeover';
      else syntaxError();
    } else if (argv.length > 3) {
      syntaxError();
    }
    const error = state.manualFailover.start(mode, client.node.clock());
    if (error !== null) throw new ReplyError(error);
    client.reply.ok();
  }),
  clusterCmd('cluster|set-config-epoch', (client, argv, _c, state) => {
    const epoch = intArg(at(argv, 2));
    if (epoch < 0) throw new ReplyError(`ERR Invalid config epoch specified: ${epoch}`);
    if (state.nodes.size > 1) {
      throw new ReplyError('ERR The user can assign a config epoch only when the node does not know any other node.');
    }
    if (state.myself.configEpoch !== 0n) throw new ReplyError('ERR Node config epoch is already non-zero');
    state.setConfigEpoch(BigInt(epoch));
    client.reply.ok();
  }),
  clusterCmd('cluster|bumpepoch', (client, _argv, _c, state) => {
    const bumped = state.bumpEpoch();
    client.reply.simple(`${bumped ? 'BUMPED' : 'STILL'} ${state.myself.configEpoch}`);
  }),
  clusterCmd('cluster|reset', (client, argv, _c, state) => {
    let hard = false;
    if (argv.length === 3) {
      if (isWord(argv[2], 'hard')) hard = true;
      else if (!isWord(argv[2], 'soft')) syntaxError();
    }
    if (state.myself.isMaster && client.node.keyspace.db(0).size !== 0) {
      throw new ReplyError("ERR CLUSTER RESET can't be called with master nodes containing keys");
    }
    state.reset(hard, client.node.clock());
    client.reply.ok();
  }),
  clusterCmd('cluster|saveconfig', (client, _argv, cluster) => {
    try {
      cluster.save();
    } catch (err) {
      throw new ReplyError(`ERR error saving the cluster node config: ${(err as Error).message}`);
    }
    client.reply.ok();
  }),
  clusterCmd('cluster|links', (client, _argv, cluster, state) => {
    const links = state.linkList();
    client.reply.array(links.length);
    for (const link of links) {
      const output = cluster.linkOutput(link.id);
      client.reply.map(6);
      client.reply.bulk('direction');
      client.reply.bulk(link.outbound ? 'to' : 'from');
      client.reply.bulk('node');
      client.reply.bulk(link.node);
      client.reply.bulk('create-time');
      client.reply.integer(link.createdMs);
      client.reply.bulk('events');
      client.reply.bulk(output.writing ? 'rw' : 'r');
      client.reply.bulk('send-buffer-allocated');
      client.reply.integer(output.allocatedBytes);
      client.reply.bulk('send-buffer-used');
      client.reply.integer(output.usedBytes);
    }
  }),
  clusterCmd('cluster|setslot', setslot),
  cmd('cluster|help', (client) => writeRespValue(client.reply, HELP_REPLIES.cluster ?? [])),
];


