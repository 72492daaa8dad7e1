/**
 * CLUSTER subcommands, ASKING, READONLY and READWRITE. Each handler validates with Redis's
 * error texts (redis-wire.md §4.1), then asks the cluster state machine to act and lets the
 * transport carry out what it queued (messages, config save).
 */
import { ClusterNode } from '../../cluster-bus/cluster-node';
import type { ClusterState } from '../../cluster-bus/cluster-state';
import { infoText, nodeLine, nodesText, shards } from '../../cluster-bus/cluster-views';
import { NodeFlag } from '../../cluster-bus/messages';
import { writeRespValue } from '../../protocol/resp-value';
import type { ByteString } from '../../storage/bytes';
import { keyHashSlot } from '../../storage/key-slot';
import type { CommandContext } from '../command-context';
import { isIpAddress, type ClusterMode } from '../cluster-mode';
import { ReplyError, wrongArity } from '../errors';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl, type Handler } from './command';
import { HELP_REPLIES } from './meta/command-meta.generated';

const SLOTS = 16384;

function clusterOf(ctx: CommandContext): ClusterMode {
  const cluster = ctx.server.cluster;
  if (cluster === null) throw new ReplyError('ERR This instance has cluster support disabled');
  return cluster;
}

/** A handler that needs cluster mode; applies the machine's effects afterwards. */
function clusterCmd(name: string, run: (ctx: CommandContext, argv: ByteString[], cluster: ClusterMode, state: ClusterState) => void): CommandImpl {
  const handler: Handler = (ctx, argv) => {
    const cluster = clusterOf(ctx);
    try {
      run(ctx, argv, cluster, cluster.state);
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

function addOrDelSlots(ctx: CommandContext, state: ClusterState, slots: number[], add: boolean): void {
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
  state.slotsChanged(ctx.server.clock());
  ctx.reply.ok();
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

function meet(ctx: CommandContext, argv: ByteString[], _cluster: ClusterMode, state: ClusterState): void {
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
  state.meet(ip, port, cport, ctx.server.clock());
  ctx.reply.ok();
}

function slotsReply(ctx: CommandContext, state: ClusterState): void {
  const out = ctx.reply;
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
    // As Redis: replicas that failed or never synced (offset 0) are not offered to clients.
    const replicas = master === undefined ? [] : [...state.nodes.values()].filter(
      (n) => n.slaveof === owner && !n.has(NodeFlag.FAIL) && n.replOffset !== 0n,
    );
    out.array(2 + (master === undefined ? 0 : 1) + replicas.length);
    out.integer(start);
    out.integer(end);
    if (master !== undefined) endpoint(master);
    for (const replica of replicas) endpoint(replica);
  }
}

function shardsReply(ctx: CommandContext, state: ClusterState): void {
  const out = ctx.reply;
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
      out.integer(node.replOffset);
      out.bulk('health');
      out.bulk(node.has(NodeFlag.FAIL) ? 'fail' : node.isReplica && node.replOffset === 0n ? 'loading' : 'online');
    }
  }
}

function setslot(ctx: CommandContext, argv: ByteString[], _cluster: ClusterMode, state: ClusterState): void {
  const myself = state.myself;
  if (myself.isReplica) throw new ReplyError('ERR Please use SETSLOT only with masters.');
  const slot = slotArg(at(argv, 2));
  const action = at(argv, 3).toLowerCase();
  const now = ctx.server.clock();
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
    const keys = ctx.keyspace.db(0).countKeysInSlot(slot);
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
  ctx.reply.ok();
}

export const clusterCommands: CommandImpl[] = [
  cmd('asking', (ctx) => {
    clusterOf(ctx);
    ctx.session.asking = true;
    ctx.reply.ok();
  }),
  cmd('readonly', (ctx) => {
    clusterOf(ctx);
    ctx.session.readonly = true;
    ctx.reply.ok();
  }),
  cmd('readwrite', (ctx) => {
    clusterOf(ctx);
    ctx.session.readonly = false;
    ctx.reply.ok();
  }),
  clusterCmd('cluster|info', (ctx, _argv, _c, state) => ctx.reply.verbatim(infoText(state))),
  clusterCmd('cluster|nodes', (ctx, _argv, _c, state) => ctx.reply.verbatim(nodesText(state))),
  clusterCmd('cluster|myid', (ctx, _argv, _c, state) => ctx.reply.bulk(state.myself.name)),
  clusterCmd('cluster|slots', (ctx, _argv, _c, state) => slotsReply(ctx, state)),
  clusterCmd('cluster|shards', (ctx, _argv, _c, state) => shardsReply(ctx, state)),
  clusterCmd('cluster|keyslot', (ctx, argv) => ctx.reply.integer(keyHashSlot(at(argv, 2)))),
  clusterCmd('cluster|countkeysinslot', (ctx, argv) => {
    const slot = intArg(at(argv, 2));
    if (slot < 0 || slot >= SLOTS) throw new ReplyError('ERR Invalid slot');
    ctx.reply.integer(ctx.keyspace.db(0).countKeysInSlot(slot));
  }),
  clusterCmd('cluster|getkeysinslot', (ctx, argv) => {
    const slot = intArg(at(argv, 2));
    const count = intArg(at(argv, 3));
    if (slot < 0 || slot >= SLOTS || count < 0) throw new ReplyError('ERR Invalid slot or number of keys');
    ctx.reply.bulkArray(ctx.keyspace.db(0).keysInSlot(slot, count));
  }),
  clusterCmd('cluster|meet', meet),
  clusterCmd('cluster|addslots', (ctx, argv, _c, state) => addOrDelSlots(ctx, state, argv.slice(2).map(slotArg), true)),
  clusterCmd('cluster|delslots', (ctx, argv, _c, state) => addOrDelSlots(ctx, state, argv.slice(2).map(slotArg), false)),
  clusterCmd('cluster|addslotsrange', (ctx, argv, _c, state) =>
    addOrDelSlots(ctx, state, rangeSlots(argv, 'cluster|addslotsrange'), true),
  ),
  clusterCmd('cluster|delslotsrange', (ctx, argv, _c, state) =>
    addOrDelSlots(ctx, state, rangeSlots(argv, 'cluster|delslotsrange'), false),
  ),
  clusterCmd('cluster|flushslots', (ctx, _argv, _c, state) => {
    if (ctx.keyspace.db(0).size !== 0) throw new ReplyError('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
    state.slots.unassignAll(state.myself.name);
    state.slotsChanged(ctx.server.clock());
    ctx.reply.ok();
  }),
  clusterCmd('cluster|forget', (ctx, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    if (node === state.myself) throw new ReplyError("ERR I tried hard but I can't forget myself...");
    if (state.myself.isReplica && state.myself.slaveof === node.name) throw new ReplyError("ERR Can't forget my master!");
    state.forget(node, ctx.server.clock());
    ctx.reply.ok();
  }),
  clusterCmd('cluster|replicate', (ctx, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    if (node === state.myself) throw new ReplyError("ERR Can't replicate myself");
    if (!node.isMaster) throw new ReplyError('ERR I can only replicate a master, not a replica.');
    const myself = state.myself;
    if (myself.isMaster && (state.slots.count(myself.name) !== 0 || ctx.keyspace.db(0).size !== 0)) {
      throw new ReplyError('ERR To set a master the node must be empty and without assigned slots.');
    }
    state.becomeReplicaOf(node);
    ctx.reply.ok();
  }),
  ...(['cluster|replicas', 'cluster|slaves'] as const).map((name) =>
    clusterCmd(name, (ctx, argv, _c, state) => {
      const node = knownNode(state, at(argv, 2));
      if (!node.isMaster) throw new ReplyError('ERR The specified node is not a master');
      const lines = [...state.nodes.values()].filter((n) => n.slaveof === node.name).map((n) => nodeLine(state, n));
      ctx.reply.bulkArray(lines);
    }),
  ),
  clusterCmd('cluster|count-failure-reports', (ctx, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    ctx.reply.integer(state.failureDetector.reportCount(node, ctx.server.clock()));
  }),
  clusterCmd('cluster|failover', (ctx, argv, _c, state) => {
    let mode: 'default' | 'force' | 'takeover' = 'default';
    if (argv.length === 3) {
      if (isWord(argv[2], 'force')) mode = 'force';
      else if (isWord(argv[2], 'takeover')) mode = 'takeover';
      else syntaxError();
    } else if (argv.length > 3) {
      syntaxError();
    }
    const error = state.manualFailover.start(mode, ctx.server.clock());
    if (error !== null) throw new ReplyError(error);
    ctx.reply.ok();
  }),
  clusterCmd('cluster|set-config-epoch', (ctx, argv, _c, state) => {
    const epoch = intArg(at(argv, 2));
    if (epoch < 0) throw new ReplyError(`ERR Invalid config epoch specified: ${epoch}`);
    if (state.nodes.size > 1) {
      throw new ReplyError('ERR The user can assign a config epoch only when the node does not know any other node.');
    }
    if (state.myself.configEpoch !== 0n) throw new ReplyError('ERR Node config epoch is already non-zero');
    state.setConfigEpoch(BigInt(epoch));
    ctx.reply.ok();
  }),
  clusterCmd('cluster|bumpepoch', (ctx, _argv, _c, state) => {
    const bumped = state.bumpEpoch();
    ctx.reply.simple(`${bumped ? 'BUMPED' : 'STILL'} ${state.myself.configEpoch}`);
  }),
  clusterCmd('cluster|reset', (ctx, argv, _c, state) => {
    let hard = false;
    if (argv.length === 3) {
      if (isWord(argv[2], 'hard')) hard = true;
      else if (!isWord(argv[2], 'soft')) syntaxError();
    }
    if (state.myself.isMaster && ctx.keyspace.db(0).size !== 0) {
      throw new ReplyError("ERR CLUSTER RESET can't be called with master nodes containing keys");
    }
    state.reset(hard, ctx.server.clock());
    ctx.reply.ok();
  }),
  clusterCmd('cluster|saveconfig', (ctx, _argv, cluster) => {
    try {
      cluster.save();
    } catch (err) {
      throw new ReplyError(`ERR error saving the cluster node config: ${(err as Error).message}`);
    }
    ctx.reply.ok();
  }),
  clusterCmd('cluster|links', (ctx, _argv, _c, state) => {
    const links = state.linkList();
    ctx.reply.array(links.length);
    for (const link of links) {
      ctx.reply.map(6);
      ctx.reply.bulk('direction');
      ctx.reply.bulk(link.outbound ? 'to' : 'from');
      ctx.reply.bulk('node');
      ctx.reply.bulk(link.node);
      ctx.reply.bulk('create-time');
      ctx.reply.integer(link.createdMs);
      ctx.reply.bulk('events');
      ctx.reply.bulk('r');
      ctx.reply.bulk('send-buffer-allocated');
      ctx.reply.integer(0);
      ctx.reply.bulk('send-buffer-used');
      ctx.reply.integer(0);
    }
  }),
  clusterCmd('cluster|setslot', setslot),
  cmd('cluster|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.cluster ?? [])),
];


