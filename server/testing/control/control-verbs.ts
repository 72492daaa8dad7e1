/**
 * The control port's verbs: the hashslot/testing API (test-cluster.ts) spelt as Redis-style
 * commands, so that a test in any language drives the cluster with the Redis client it already
 * has, or an operator with `redis-cli -p <control port>`.
 *
 *   TOPOLOGY                                   every node: ids, roles, shards, ports, slots
 *   NODE KILL|RESTART|PAUSE|RESUME|RESET-CLIENTS <ref> ...
 *   NODE FAIL-COMMANDS <ref> <error text>|OFF
 *   FAULT PARTITION <refs> <refs> [<refs> ...] [PLANE bus|clients|all] [CLIENTSIDE <group>]
 *   FAULT ISOLATE <ref> [PLANE ...]            FAULT DROP <types>|ALL [FROM <ref>] [TO <ref>] [PROB <p>]
 *   FAULT DELAY <ms> [FROM <ref>] [TO <ref>] [PLANE bus|clients]
 *   FAULT LIST                                 FAULT HEAL <id>|ALL
 *   FAILOVER <shard> [FORCE|TAKEOVER] [TIMEOUT <ms>]
 *   SLOT MIGRATE <slot> <ref> [STEP <keys>] [PAUSE]    SLOT RESUME <slot>
 *   CLOCK NOW | CLOCK ADVANCE <ms> | CLOCK NEXT [<limit-ms>]
 *   AWAIT <event> [TIMEOUT <ms>] [NODE <ref>]  HISTORY [SINCE <n>]
 *   ORACLE START [QUORUM <n>|ALL] | CHECK | STOP
 *
 * (Refs are in node-refs.ts; SUBSCRIBE, AUTH, HELLO and the rest of the connection's own
 * commands in control-server.ts.) Each verb checks all its arguments before it acts, so a bad
 * call changes nothing. Replies are RESP values (protocol/resp-value.ts): maps for records,
 * JSON text for events and the oracle's report, whose shapes are the TypeScript API's.
 */
import type { RespValue } from '../../../protocol/resp-value';
import { SLOT_COUNT } from '../../../storage/key-slot';
import type { TestEvent, TestEventType } from '../events';
import { allSlotOwners } from '../slot-owners';
import { VirtualClusterClock } from '../cluster-clock';
import type { BusMessageName } from '../faults';
import type { PausedMigration, SlotMoved } from '../migrate-slot';
import type { TestCluster } from '../test-cluster';
import type { TestNode } from '../test-node';
import { RefError, refOf, resolveRef, resolveRefs } from './node-refs';

/** An error to reply as it is (its message starts with the error code). */
export class ControlError extends Error {}

/** Every event type, checked against the TypeScript union at compile time (both ways). */
const EVENT_TYPES = [
  'node-added', 'handshake-done', 'handshake-timeout', 'node-forgotten', 'node-renamed-duplicate', 'slots-claimed',
  'epoch-bumped', 'state-changed', 'role-changed', 'message-dropped', 'node-pfail', 'failure-report',
  'failure-report-withdrawn', 'node-failed', 'fail-cleared', 'election-scheduled', 'election-rank-updated',
  'election-started', 'election-won', 'cant-failover', 'vote-granted', 'vote-denied', 'manual-failover-accepted',
  'manual-failover-requested', 'manual-failover-offset', 'manual-failover-can-start', 'manual-failover-timeout',
  'replica-migrated', 'packet-dropped-by-filter', 'node-killed', 'node-restarted', 'node-paused', 'node-resumed',
  'clients-reset', 'fault-added', 'fault-healed', 'failover', 'config-epoch-collision', 'slot-moved', 'migration-step',
] as const satisfies readonly TestEventType[];
type Unlisted = Exclude<TestEventType, (typeof EVENT_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTypeListed;
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

const HELP: readonly string[] = [
  'hashslot-cluster control port. Commands (a <ref> is an index, sN, sNrM or a node id; <refs> a comma-separated list):',
  'TOPOLOGY -- Every node: index, id, ref, shard, role, host, port, bus-port, up, paused, master, slots.',
  'NODE KILL <ref> -- Like kill -9: connections reset, data and nodes.conf kept for a restart.',
  'NODE RESTART <ref> [KEEP|EMPTY] -- Start a killed node again, with its data (default) or none.',
  'NODE PAUSE <ref> | NODE RESUME <ref> -- Like SIGSTOP / SIGCONT.',
  'NODE RESET-CLIENTS <ref> -- Reset the clients\' connections to the node; reply: how many.',
  'NODE FAIL-COMMANDS <ref> <error>|OFF -- Every client command on the node gets this error.',
  'FAULT PARTITION <refs> <refs> [<refs> ...] [PLANE bus|clients|all] [CLIENTSIDE <group>] -- Groups that cannot reach each other; reply: fault id.',
  'FAULT ISOLATE <ref> [PLANE bus|clients|all] -- One node against the rest.',
  'FAULT DROP <types>|ALL [FROM <ref>] [TO <ref>] [PROB <p>] -- Drop bus messages (types: PING,PONG,MEET,FAIL,PUBLISH,FAILOVER_AUTH_REQUEST,...).',
  'FAULT DELAY <ms> [FROM <ref>] [TO <ref>] [PLANE bus|clients] -- Delay bus messages, or a node\'s replies to clients.',
  'FAULT LIST -- The faults in force: "<id> <description>".',
  'FAULT HEAL <id>|ALL -- Remove one fault, or all.',
  'FAILOVER <shard> [FORCE|TAKEOVER] [TIMEOUT <ms>] -- CLUSTER FAILOVER on a replica of the shard; reply: the new primary.',
  'SLOT MIGRATE <slot> <ref> [STEP <keys>] [PAUSE] -- Move a slot and its keys as redis-cli --cluster reshard does; PAUSE stops after the first step (keys on both sides, -ASK).',
  'SLOT RESUME <slot> -- Finish a migration stopped with PAUSE.',
  'CLOCK NOW | CLOCK ADVANCE <ms> -- The cluster\'s time in ms; advance it (--clock virtual only).',
  'CLOCK NEXT [<limit-ms>] -- Advance to the instant of the next event (at most limit, default 60000); reply: [time, event type or nil].',
  'AWAIT <event> [TIMEOUT <ms>] [NODE <ref>] -- The next such event as JSON, or nil at the timeout (default 10000).',
  'HISTORY [SINCE <n>] -- Every event so far (from the n-th), as JSON.',
  'ORACLE START [QUORUM <n>|ALL] | ORACLE CHECK | ORACLE STOP -- The lost-write oracle; CHECK replies its report as JSON.',
  'SUBSCRIBE events -- Every event from now on, as a JSON message.',
  'PING | ECHO | INFO | HELLO | AUTH | CLIENT | SELECT 0 | QUIT | SHUTDOWN -- As in Redis (SHUTDOWN stops the cluster).',
];

/** JSON with bigints (epochs, offsets) as numbers: they are far below 2^53 in practice. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v)) : v));
}

export class ControlVerbs {
  /** SLOT MIGRATE ... PAUSE: the migrations stopped mid-way, for SLOT RESUME. */
  private readonly pausedMigrations = new Map<number, PausedMigration>();

  constructor(private readonly cluster: TestCluster) {}

  /** Every event type there is (SUBSCRIBE events listens to each). */
  static eventTypes(): readonly TestEventType[] {
    return EVENT_TYPES;
  }

  /** HELP's lines. */
  static help(): RespValue {
    return [...HELP];
  }

  /** Runs one verb (argv[0] upper- or lower-case); throws ControlError with the reply text. */
  async run(argv: readonly string[]): Promise<RespValue> {
    const name = (argv[0] ?? '').toUpperCase();
    const args = argv.slice(1);
    // NODE HELP, FAULT HELP...: the family's lines (redis-cli answers a bare HELP itself).
    if (args.length === 1 && (args[0] as string).toUpperCase() === 'HELP' && HELP.some((line) => line.startsWith(`${name} `))) {
      return HELP.filter((line) => line.startsWith(`${name} `));
    }
    try {
      switch (name) {
        case 'TOPOLOGY':
          expectCount(name, args, 0, 0);
          return this.topology();
        case 'NODE':
          return await this.nodeVerb(args);
        case 'FAULT':
          return this.faultVerb(args);
        case 'FAILOVER':
          return await this.failover(args);
        case 'SLOT':
          return await this.slotVerb(args);
        case 'CLOCK':
          return await this.clockVerb(args);
        case 'AWAIT':
          return await this.awaitEvent(args);
        case 'HISTORY':
          return this.history(args);
        case 'ORACLE':
          return await this.oracleVerb(args);
        default:
          throw new ControlError(`ERR unknown command '${argv[0] ?? ''}', with args beginning with: ${args.slice(0, 3).map((a) => `'${a}' `).join('')}(try HELP)`);
      }
    } catch (err) {
      if (err instanceof ControlError || err instanceof RefError) throw new ControlError(err.message);
      // The testing API's own checks (a node already killed, a bad plane...): their words.
      throw new ControlError(`ERR ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private topology(): RespValue {
    const owners = allSlotOwners(this.cluster.nodes);
    return this.cluster.nodes.map((node) => {
      const slots: string[] = [];
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        if (owners[slot] !== node.id) continue;
        const first = slot;
        while (slot + 1 < SLOT_COUNT && owners[slot + 1] === node.id) slot++;
        slots.push(first === slot ? String(first) : `${first}-${slot}`);
      }
      return {
        '%': [
          'index', node.index, 'id', node.id, 'ref', refOf(this.cluster, node), 'shard', node.shard, 'role', node.role,
          'host', node.host, 'port', node.port, 'bus-port', node.busPort, 'up', node.up ? 1 : 0, 'paused', node.isPaused ? 1 : 0,
          'master', node.masterId, 'slots', slots,
        ],
      };
    });
  }

  private async nodeVerb(args: readonly string[]): Promise<RespValue> {
    const sub = (args[0] ?? '').toUpperCase();
    const node = (): TestNode => resolveRef(this.cluster, args[1] ?? '');
    switch (sub) {
      case 'KILL':
        expectCount('NODE KILL', args, 2, 2);
        await this.cluster.kill(node());
        return OK;
      case 'RESTART': {
        expectCount('NODE RESTART', args, 2, 3);
        const data = (args[2] ?? 'KEEP').toUpperCase();
        if (data !== 'KEEP' && data !== 'EMPTY') throw new ControlError('ERR NODE RESTART takes KEEP or EMPTY');
        await this.cluster.restart(node(), { data: data === 'KEEP' ? 'kept' : 'empty' });
        return OK;
      }
      case 'PAUSE':
        expectCount('NODE PAUSE', args, 2, 2);
        this.cluster.pause(node());
        return OK;
      case 'RESUME':
        expectCount('NODE RESUME', args, 2, 2);
        this.cluster.resume(node());
        return OK;
      case 'RESET-CLIENTS':
        expectCount('NODE RESET-CLIENTS', args, 2, 2);
        return this.cluster.resetClients(node());
      case 'FAIL-COMMANDS': {
        expectCount('NODE FAIL-COMMANDS', args, 3, 3);
        const message = args[2] as string;
        node().failCommands(message.toUpperCase() === 'OFF' ? null : message);
        return OK;
      }
      default:
        throw new ControlError(`ERR unknown subcommand '${args[0] ?? ''}'. Try NODE KILL|RESTART|PAUSE|RESUME|RESET-CLIENTS|FAIL-COMMANDS.`);
    }
  }

  private faultVerb(args: readonly string[]): RespValue {
    const sub = (args[0] ?? '').toUpperCase();
    const rest = args.slice(1);
    switch (sub) {
      case 'PARTITION': {
        const { positional, options } = splitOptions('FAULT PARTITION', rest, ['PLANE', 'CLIENTSIDE']);
        if (positional.length < 2) throw new ControlError('ERR FAULT PARTITION needs at least two groups of nodes');
        const groups = positional.map((refs) => resolveRefs(this.cluster, refs));
        const clientSide = options.get('CLIENTSIDE');
        return this.cluster.partition(groups, { plane: plane(options.get('PLANE'), 'all'), ...(clientSide === undefined ? {} : { clientSide: integer('CLIENTSIDE', clientSide, 0) }) }).id;
      }
      case 'ISOLATE': {
        const { positional, options } = splitOptions('FAULT ISOLATE', rest, ['PLANE']);
        if (positional.length !== 1) throw new ControlError('ERR FAULT ISOLATE takes one node');
        return this.cluster.isolate(resolveRef(this.cluster, positional[0] as string), { plane: plane(options.get('PLANE'), 'all') }).id;
      }
      case 'DROP': {
        const { positional, options } = splitOptions('FAULT DROP', rest, ['FROM', 'TO', 'PROB']);
        if (positional.length !== 1) throw new ControlError('ERR FAULT DROP takes the message types (comma-separated) or ALL');
        const list = positional[0] as string;
        const types = list.toUpperCase() === 'ALL' ? undefined : (list.split(',').map((t) => t.toUpperCase()) as BusMessageName[]);
        const prob = options.get('PROB');
        const probability = prob === undefined ? 1 : Number(prob);
        if (prob !== undefined && !(prob.trim() !== '' && probability >= 0 && probability <= 1)) throw new ControlError('ERR PROB must be a number between 0 and 1');
        return this.cluster.dropBus({ ...(types === undefined ? {} : { types }), ...this.fromTo(options), probability }).id;
      }
      case 'DELAY': {
        const { positional, options } = splitOptions('FAULT DELAY', rest, ['FROM', 'TO', 'PLANE']);
        if (positional.length !== 1) throw new ControlError('ERR FAULT DELAY takes the delay in ms');
        const planeName = (options.get('PLANE') ?? 'bus').toLowerCase();
        if (planeName !== 'bus' && planeName !== 'clients') throw new ControlError('ERR PLANE must be bus or clients for FAULT DELAY');
        return this.cluster.delay({ ms: integer('delay', positional[0] as string, 0), plane: planeName, ...this.fromTo(options) }).id;
      }
      case 'LIST':
        expectCount('FAULT LIST', rest, 0, 0);
        return this.cluster.faultList().map((f) => `${f.id} ${f.description}`);
      case 'HEAL': {
        expectCount('FAULT HEAL', rest, 1, 1);
        const which = rest[0] as string;
        if (which.toUpperCase() === 'ALL') {
          const count = this.cluster.faultList().length;
          this.cluster.healAll();
          return count;
        }
        if (!this.cluster.healFault(integer('fault id', which, 1))) throw new ControlError(`ERR no fault ${which} in force (FAULT LIST)`);
        return 1;
      }
      default:
        throw new ControlError(`ERR unknown subcommand '${args[0] ?? ''}'. Try FAULT PARTITION|ISOLATE|DROP|DELAY|LIST|HEAL.`);
    }
  }

  private fromTo(options: ReadonlyMap<string, string>): { from?: TestNode; to?: TestNode } {
    const from = options.get('FROM');
    const to = options.get('TO');
    return { ...(from === undefined ? {} : { from: resolveRef(this.cluster, from) }), ...(to === undefined ? {} : { to: resolveRef(this.cluster, to) }) };
  }

  private async failover(args: readonly string[]): Promise<RespValue> {
    const { positional, options, flags } = splitOptions('FAILOVER', args, ['TIMEOUT'], ['FORCE', 'TAKEOVER']);
    if (positional.length !== 1) throw new ControlError('ERR FAILOVER takes a shard number');
    if (flags.size > 1) throw new ControlError('ERR FAILOVER takes FORCE or TAKEOVER, not both');
    const shard = integer('shard', positional[0] as string, 0);
    const mode = flags.has('FORCE') ? 'force' : flags.has('TAKEOVER') ? 'takeover' : 'default';
    const timeout = options.get('TIMEOUT');
    const primary = await this.cluster.failover(shard, { mode, ...(timeout === undefined ? {} : { timeoutMs: integer('TIMEOUT', timeout, 1) }) });
    return { '%': ['id', primary.id, 'index', primary.index, 'port', primary.port] };
  }

  private async slotVerb(args: readonly string[]): Promise<RespValue> {
    const sub = (args[0] ?? '').toUpperCase();
    if (sub === 'RESUME') {
      expectCount('SLOT RESUME', args, 2, 2);
      const slot = integer('slot', args[1] as string, 0);
      const paused = this.pausedMigrations.get(slot);
      if (paused === undefined) throw new ControlError(`ERR no paused migration of slot ${slot}`);
      this.pausedMigrations.delete(slot);
      return movedReply(await paused.resume());
    }
    if (sub !== 'MIGRATE') throw new ControlError(`ERR unknown subcommand '${args[0] ?? ''}'. Try SLOT MIGRATE|RESUME.`);
    const { positional, options, flags } = splitOptions('SLOT MIGRATE', args.slice(1), ['STEP'], ['PAUSE']);
    if (positional.length !== 2) throw new ControlError('ERR SLOT MIGRATE takes a slot and a node');
    const slot = integer('slot', positional[0] as string, 0);
    if (slot >= SLOT_COUNT) throw new ControlError(`ERR slot must be 0-${SLOT_COUNT - 1}`);
    if (this.pausedMigrations.has(slot)) throw new ControlError(`ERR slot ${slot} is paused mid-migration: SLOT RESUME ${slot} first`);
    const to = resolveRef(this.cluster, positional[1] as string);
    const step = options.get('STEP');
    const stepOption = step === undefined ? {} : { keysPerStep: integer('STEP', step, 1) };
    if (!flags.has('PAUSE')) return movedReply(await this.cluster.migrateSlot(slot, to, stepOption));
    const paused = await this.cluster.migrateSlot(slot, to, { ...stepOption, pause: true });
    this.pausedMigrations.set(slot, paused);
    return { '%': ['slot', paused.slot, 'from', paused.from.id, 'to', paused.to.id, 'moved-keys', [...paused.movedKeys]] };
  }

  private async clockVerb(args: readonly string[]): Promise<RespValue> {
    const sub = (args[0] ?? '').toUpperCase();
    if (sub === 'NOW') {
      expectCount('CLOCK NOW', args, 1, 1);
      return this.cluster.clock.now();
    }
    if (sub === 'ADVANCE') {
      expectCount('CLOCK ADVANCE', args, 2, 2);
      if (this.cluster.clock.kind !== 'virtual') throw new ControlError('ERR CLOCK ADVANCE needs a virtual clock (start with --clock virtual)');
      await this.cluster.clock.advance(integer('ms', args[1] as string, 0));
      return this.cluster.clock.now();
    }
    if (sub === 'NEXT') {
      expectCount('CLOCK NEXT', args, 1, 2);
      const clock = this.cluster.clock;
      if (!(clock instanceof VirtualClusterClock)) throw new ControlError('ERR CLOCK NEXT needs a virtual clock (start with --clock virtual)');
      const limitMs = args[1] === undefined ? 60_000 : integer('limit-ms', args[1], 0);
      let first: TestEvent | null = null;
      const stops = EVENT_TYPES.map((type) => this.cluster.on(type, (event: TestEvent) => (first ??= event)));
      try {
        await clock.advanceUntil(() => first !== null, limitMs, true);
      } finally {
        for (const stop of stops) stop();
      }
      return [clock.now(), first === null ? null : (first as TestEvent).type];
    }
    throw new ControlError(`ERR unknown subcommand '${args[0] ?? ''}'. Try CLOCK NOW|ADVANCE|NEXT.`);
  }

  private async awaitEvent(args: readonly string[]): Promise<RespValue> {
    const { positional, options } = splitOptions('AWAIT', args, ['TIMEOUT', 'NODE']);
    if (positional.length !== 1) throw new ControlError('ERR AWAIT takes one event type');
    const type = (positional[0] as string).toLowerCase();
    if (!EVENT_TYPE_SET.has(type)) throw new ControlError(`ERR unknown event type '${positional[0] as string}' (one of ${EVENT_TYPES.join(', ')})`);
    const timeout = options.get('TIMEOUT');
    const timeoutMs = timeout === undefined ? 10_000 : integer('TIMEOUT', timeout, 1);
    const nodeRef = options.get('NODE');
    const node = nodeRef === undefined ? null : resolveRef(this.cluster, nodeRef);
    try {
      const event = await this.cluster.next(type as TestEventType, { timeoutMs, where: (e: TestEvent) => node === null || e.node === node.id });
      return toJson(event);
    } catch (err) {
      if (err instanceof Error && /^no '[a-z-]+' event within/.test(err.message)) return null;
      throw err;
    }
  }

  private history(args: readonly string[]): RespValue {
    const { positional, options } = splitOptions('HISTORY', args, ['SINCE']);
    if (positional.length !== 0) throw new ControlError('ERR HISTORY takes only SINCE <n>');
    const since = options.get('SINCE');
    return this.cluster.history().slice(since === undefined ? 0 : integer('SINCE', since, 0)).map(toJson);
  }

  private async oracleVerb(args: readonly string[]): Promise<RespValue> {
    const sub = (args[0] ?? '').toUpperCase();
    const oracle = this.cluster.oracle;
    if (sub === 'START') {
      const { positional, options } = splitOptions('ORACLE START', args.slice(1), ['QUORUM']);
      if (positional.length !== 0) throw new ControlError('ERR ORACLE START takes only QUORUM <n>|ALL');
      const quorum = options.get('QUORUM');
      oracle.start({ waitQuorum: quorum === undefined || quorum.toUpperCase() === 'ALL' ? 'all' : integer('QUORUM', quorum, 1) });
      return OK;
    }
    if (sub === 'CHECK') {
      expectCount('ORACLE CHECK', args, 1, 1);
      return toJson(await oracle.check());
    }
    if (sub === 'STOP') {
      expectCount('ORACLE STOP', args, 1, 1);
      oracle.stop();
      return OK;
    }
    throw new ControlError(`ERR unknown subcommand '${args[0] ?? ''}'. Try ORACLE START|CHECK|STOP.`);
  }
}

const OK: RespValue = { '+': 'OK' };

function movedReply(moved: SlotMoved): RespValue {
  return { '%': ['slot', moved.slot, 'from', moved.from.id, 'to', moved.to.id, 'keys', moved.keys] };
}

function expectCount(verb: string, args: readonly string[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new ControlError(`ERR wrong number of arguments for '${verb}' command`);
}

function integer(what: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new ControlError(`ERR ${what} must be an integer >= ${min}, not '${text}'`);
  return value;
}

function plane(text: string | undefined, fallback: 'all'): 'bus' | 'clients' | 'all' {
  const name = (text ?? fallback).toLowerCase();
  if (name !== 'bus' && name !== 'clients' && name !== 'all') throw new ControlError('ERR PLANE must be bus, clients or all');
  return name;
}

/**
 * Positional arguments, then `NAME value` options and bare flags, in any order after the
 * positionals; an option given twice or unknown is a syntax error.
 */
function splitOptions(
  verb: string,
  args: readonly string[],
  names: readonly string[],
  flagNames: readonly string[] = [],
): { positional: string[]; options: Map<string, string>; flags: Set<string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const upper = word.toUpperCase();
    if (names.includes(upper)) {
      const value = args[i + 1];
      if (value === undefined || options.has(upper)) throw new ControlError(`ERR syntax error in ${verb} near ${word}`);
      options.set(upper, value);
      i++;
    } else if (flagNames.includes(upper)) {
      flags.add(upper);
    } else if (options.size === 0 && flags.size === 0) {
      positional.push(word);
    } else {
      throw new ControlError(`ERR syntax error in ${verb} near ${word}`);
    }
  }
  return { positional, options, flags };
}
