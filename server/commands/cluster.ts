/**
 * CLUSTER subcommands, ASKING, READONLY and READWRITE (redis-wire.md §4.1).
 *
 * The subcommands that change the cluster (MEET, ADDSLOTS, SETSLOT, FORGET, FAILOVER, ...) only
 * parse their arguments here into an admin operation for the cluster state machine
 * (cluster-bus/admin.ts), which validates it against its state and answers with a result: done,
 * or refused with Redis's exact error text, which is written back as is. Argument syntax errors
 * (a slot that is not a number, a bad address) are this layer's. The read-only subcommands
 * (NODES, INFO, SLOTS, SHARDS, ...) format views of the state.
 */
import { ClusterNode } from '../../cluster-bus/cluster-node';
import type { AdminOp, ClusterState } from '../../cluster-bus/cluster-state';
import { availableReplicas, nodeLine, nodesText, preferredEndpoint, replicasOf, replicationOffsetOf, shardHealth, shards } from '../../cluster-bus/cluster-views';
import { writeRespValue } from '../../protocol/resp-value';
import type { ByteString } from '../../storage/bytes';
import { keyHashSlot, SLOT_COUNT } from '../../storage/key-slot';
import type { CommandContext } from '../dispatch/command-context';
import { isIpAddress, type ClusterMode } from '../cluster/cluster-mode';
import { ReplyError, subcommandSyntax, wrongArity } from '../dispatch/errors';
import { parseInt64 } from '../../storage/numbers';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl, type Handler } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';


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

/**
 * A slot argument as a number; -1 when it is not an integer (the range is checked by the caller).
 * Redis reads slots as strict long longs, so `007` and `-0` are not numbers: accepting them would
 * let a typo assign or delete a slot the operator did not mean.
 */
function slotNumber(arg: ByteString): number {
  const n = parseInt64(arg);
  return n === null || n < 0n || n >= BigInt(SLOT_COUNT) ? -1 : Number(n);
}

function slotArg(arg: ByteString): number {
  const n = slotNumber(arg);
  if (n < 0 || n >= SLOT_COUNT) throw new ReplyError('ERR Invalid or out of range slot');
  return n;
}

/** Hands an admin operation to the machine and replies +OK, or the error it refused with. */
function admin(ctx: CommandContext, cluster: ClusterMode, op: AdminOp): void {
  const result = cluster.admin(op);
  if (!result.ok) throw new ReplyError(result.error);
  ctx.reply.ok();
}

function knownNode(state: ClusterState, id: ByteString): ClusterNode {
  const node = state.nodes.get(id);
  if (node === undefined) throw new ReplyError(`ERR Unknown node ${id}`);
  return node;
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

/**
 * CLUSTER MEET ip port [cport]. The ports are strict 64-bit integers (a syntax error names the
 * port); a number out of range is a bad address, which Redis reports with the ip and base port as
 * typed, even when it is the bus port that is wrong.
 */
function meet(ctx: CommandContext, argv: ByteString[], cluster: ClusterMode): void {
  if (argv.length > 5) throw new ReplyError(subcommandSyntax('cluster', at(argv, 1)));
  const ip = at(argv, 2);
  const portText = at(argv, 3);
  const portBig = parseInt64(portText);
  if (portBig === null) throw new ReplyError(`ERR Invalid TCP base port specified: ${portText}`);
  let cportBig = portBig + 10000n;
  if (argv.length === 5) {
    const cportText = at(argv, 4);
    const parsed = parseInt64(cportText);
    if (parsed === null) throw new ReplyError(`ERR Invalid TCP bus port specified: ${cportText}`);
    cportBig = parsed;
  }
  const inRange = (n: bigint): boolean => n > 0n && n <= 65535n;
  const port = Number(portBig);
  const cport = Number(cportBig);
  if (!isIpAddress(ip) || !inRange(portBig) || !inRange(cportBig)) {
    throw new ReplyError(`ERR Invalid node address specified: ${ip}:${portText}`);
  }
  admin(ctx, cluster, { type: 'meet', ip, port, cport });
}

/**
 * CLUSTER SLOTS. Each node is [endpoint, port, id, metadata]: the endpoint as
 * cluster-preferred-endpoint-type says (null for unknown-endpoint), and in the metadata the
 * addresses the endpoint is not (the IP, and a hostname the node announced).
 */
function slotsReply(ctx: CommandContext, state: ClusterState): void {
  const out = ctx.reply;
  const ranges = state.slots.allRanges();
  const type = ctx.server.config.value('cluster-preferred-endpoint-type');
  const endpoint = (node: ClusterNode): void => {
    out.array(4);
    if (type === 'unknown-endpoint') out.null();
    else out.bulk(preferredEndpoint(node, type));
    out.integer(node.port);
    out.bulk(node.name);
    const withIp = type !== 'ip';
    const withHostname = type !== 'hostname' && node.hostname !== '';
    out.map((withIp ? 1 : 0) + (withHostname ? 1 : 0));
    if (withIp) {
      out.bulk('ip');
      out.bulk(node.ip);
    }
    if (withHostname) {
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

function shardsReply(ctx: CommandContext, state: ClusterState): void {
  const out = ctx.reply;
  const type = ctx.server.config.value('cluster-preferred-endpoint-type');
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
      out.bulk(preferredEndpoint(node, type));
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

function setslot(ctx: CommandContext, argv: ByteString[], cluster: ClusterMode): void {
  // The slot's range, the action and the target are checked by the machine, after it refused a
  // replica: that is Redis's order.
  const slot = slotNumber(at(argv, 2));
  const action = at(argv, 3).toLowerCase();
  const withNode = argv.length === 5;
  let op: AdminOp;
  if ((action === 'migrating' || action === 'importing' || action === 'node') && withNode) {
    op = { type: 'setslot', slot, action, nodeId: at(argv, 4) };
  } else if (action === 'stable' && argv.length === 4) {
    op = { type: 'setslot', slot, action };
  } else {
    op = { type: 'setslot', slot, action: 'invalid' };
  }
  admin(ctx, cluster, op);
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
  clusterCmd('cluster|info', (ctx, _argv, cluster) => ctx.reply.verbatim(cluster.infoText())),
  clusterCmd('cluster|nodes', (ctx, _argv, _c, state) => ctx.reply.verbatim(nodesText(state))),
  clusterCmd('cluster|myid', (ctx, _argv, _c, state) => ctx.reply.bulk(state.myself.name)),
  clusterCmd('cluster|slots', (ctx, _argv, _c, state) => slotsReply(ctx, state)),
  clusterCmd('cluster|shards', (ctx, _argv, _c, state) => shardsReply(ctx, state)),
  clusterCmd('cluster|keyslot', (ctx, argv) => ctx.reply.integer(keyHashSlot(at(argv, 2)))),
  clusterCmd('cluster|countkeysinslot', (ctx, argv) => {
    const slot = intArg(at(argv, 2));
    if (slot < 0 || slot >= SLOT_COUNT) throw new ReplyError('ERR Invalid slot');
    ctx.reply.integer(ctx.keyspace.db(0).countKeysInSlot(slot));
  }),
  clusterCmd('cluster|getkeysinslot', (ctx, argv) => {
    const slot = intArg(at(argv, 2));
    const count = intArg(at(argv, 3));
    if (slot < 0 || slot >= SLOT_COUNT || count < 0) throw new ReplyError('ERR Invalid slot or number of keys');
    ctx.reply.bulkArray(ctx.keyspace.db(0).keysInSlot(slot, count));
  }),
  clusterCmd('cluster|meet', meet),
  clusterCmd('cluster|addslots', (ctx, argv, cluster) => admin(ctx, cluster, { type: 'addslots', slots: argv.slice(2).map(slotArg) })),
  clusterCmd('cluster|delslots', (ctx, argv, cluster) => admin(ctx, cluster, { type: 'delslots', slots: argv.slice(2).map(slotArg) })),
  clusterCmd('cluster|addslotsrange', (ctx, argv, cluster) =>
    admin(ctx, cluster, { type: 'addslots', slots: rangeSlots(argv, 'cluster|addslotsrange') }),
  ),
  clusterCmd('cluster|delslotsrange', (ctx, argv, cluster) =>
    admin(ctx, cluster, { type: 'delslots', slots: rangeSlots(argv, 'cluster|delslotsrange') }),
  ),
  clusterCmd('cluster|flushslots', (ctx, _argv, cluster) => admin(ctx, cluster, { type: 'flushslots' })),
  clusterCmd('cluster|forget', (ctx, argv, cluster) => admin(ctx, cluster, { type: 'forget', nodeId: at(argv, 2) })),
  clusterCmd('cluster|replicate', (ctx, argv, cluster) => admin(ctx, cluster, { type: 'replicate', nodeId: at(argv, 2) })),
  ...(['cluster|replicas', 'cluster|slaves'] as const).map((name) =>
    clusterCmd(name, (ctx, argv, _c, state) => {
      const node = knownNode(state, at(argv, 2));
      if (!node.isMaster) throw new ReplyError('ERR The specified node is not a master');
      const lines = replicasOf(state, node).map((n) => nodeLine(state, n));
      ctx.reply.bulkArray(lines);
    }),
  ),
  clusterCmd('cluster|count-failure-reports', (ctx, argv, _c, state) => {
    const node = knownNode(state, at(argv, 2));
    ctx.reply.integer(state.failureReportCount(node, ctx.server.clock()));
  }),
  clusterCmd('cluster|failover', (ctx, argv, cluster) => {
    // More than one option is not a syntax error but an unknown form of the subcommand, as Redis
    // matches FAILOVER by name and argument count together.
    if (argv.length > 3) throw new ReplyError(subcommandSyntax('cluster', at(argv, 1)));
    let mode: 'default' | 'force' | 'takeover' = 'default';
    if (argv.length === 3) {
      if (isWord(argv[2], 'force')) mode = 'force';
      else if (isWord(argv[2], 'takeover')) mode = 'takeover';
      else syntaxError();
    }
    admin(ctx, cluster, { type: 'failover', mode });
  }),
  clusterCmd('cluster|set-config-epoch', (ctx, argv, cluster) =>
    admin(ctx, cluster, { type: 'set-config-epoch', epoch: BigInt(intArg(at(argv, 2))) }),
  ),
  clusterCmd('cluster|bumpepoch', (ctx, _argv, cluster, state) => {
    const result = cluster.admin({ type: 'bumpepoch' });
    ctx.reply.simple(`${result.ok && result.bumped ? 'BUMPED' : 'STILL'} ${state.myself.configEpoch}`);
  }),
  clusterCmd('cluster|reset', (ctx, argv, cluster) => {
    // Extra arguments must refuse before anything runs: a reset forgets every node.
    if (argv.length > 3) throw new ReplyError(subcommandSyntax('cluster', at(argv, 1)));
    let hard = false;
    if (argv.length === 3) {
      if (isWord(argv[2], 'hard')) hard = true;
      else if (!isWord(argv[2], 'soft')) syntaxError();
    }
    admin(ctx, cluster, { type: 'reset', hard });
  }),
  clusterCmd('cluster|saveconfig', (ctx, _argv, cluster) => {
    try {
      cluster.save();
    } catch (err) {
      throw new ReplyError(`ERR error saving the cluster node config: ${(err as Error).message}`);
    }
    ctx.reply.ok();
  }),
  clusterCmd('cluster|links', (ctx, _argv, cluster, state) => {
    const links = state.linkList();
    ctx.reply.array(links.length);
    for (const link of links) {
      const output = cluster.linkOutput(link.id);
      ctx.reply.map(6);
      ctx.reply.bulk('direction');
      ctx.reply.bulk(link.outbound ? 'to' : 'from');
      ctx.reply.bulk('node');
      ctx.reply.bulk(link.node);
      ctx.reply.bulk('create-time');
      ctx.reply.integer(link.createdMs);
      ctx.reply.bulk('events');
      ctx.reply.bulk(output.writing ? 'rw' : 'r');
      ctx.reply.bulk('send-buffer-allocated');
      ctx.reply.integer(output.allocatedBytes);
      ctx.reply.bulk('send-buffer-used');
      ctx.reply.integer(output.usedBytes);
    }
  }),
  clusterCmd('cluster|setslot', setslot),
  cmd('cluster|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.cluster ?? [])),
];


