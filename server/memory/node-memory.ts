/**
 * A node's memory as Redis would report it, and maxmemory enforced against that figure.
 *
 * used_memory is modelled, not measured (storage/memory-model.ts says why):
 *
 *   used_memory = startup                  what an empty 7.0.15 reports (used_memory_startup)
 *               + per database             key entries, key sds and values (memory-accounting.ts)
 *                                          + the main and expires hash tables' buckets
 *                                          + an expires entry per key with a deadline
 *               + clients                  buffers as CLIENT LIST's tot-mem sizes them (cron)
 *               + replication backlog      the bytes it holds
 *               + cached scripts           used_memory_scripts_eval
 *
 * The process's real memory stays visible under hashslot_* INFO fields, which no Redis field
 * can collide with (benchmarks that compare real memory read those).
 *
 * maxmemory: before every command (Redis's processCommand calls performEvictions whatever the
 * command) keys are evicted until the figure, less what does not count for eviction (replicas'
 * output buffers), is within the limit; a command that may grow memory (deny-oom, or any
 * command queued inside MULTI) is refused with -OOM when that fails. Eviction gives up after
 * its time budget (maxmemory-eviction-tenacity) and the cron carries on, as Redis's timer does.
 */
import type { ByteString } from '../../storage/bytes';
import { DICT_ENTRY_ALLOC_BYTES } from '../../storage/memory-model';
import type { CommandSpec } from '../dispatch/command';
import { ReplyError } from '../dispatch/errors';
import type { Session } from '../dispatch/session';
import type { RedisNode } from '../node';
import type { Client } from '../network/client';
import { notifyKeyspaceEvent } from '../pubsub/keyspace-events';
import { NotifyFlag } from '../config/special-codecs';
import { ClientEviction } from './client-eviction';
import { EvictionPool, type EvictionPolicy } from './eviction';

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";
/** used_memory_startup of a fresh redis-server 7.0.15 (x86-64, default configuration). */
export const STARTUP_BYTES = 876064;
/** sizeof(client), and an empty query buffer's block (client-memory.ts has the full model). */
const CLIENT_STRUCT_BYTES = 768;

export type EvictionResult = 'ok' | 'running' | 'fail';

/** The parts used_memory is made of (MEMORY STATS lists them). */
export interface MemoryFigures {
  used: number;
  startup: number;
  backlog: number;
  clientsReplicas: number;
  clientsNormal: number;
  scripts: number;
  /** Per database with keys: [db, main table overhead, expires table overhead]. */
  dbOverheads: Array<[number, number, number]>;
  overheadTotal: number;
  keys: number;
  dataset: number;
}

export class NodeMemory {
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  /** Redis's pre_command_oom_state: whether the last command found memory over the limit. */
  preCommandOomState = false;
  /** The highest used_memory seen (used_memory_peak). */
  peak = STARTUP_BYTES;
  private clientsNormal = 0;
  private clientsReplicas = 0;
  /** used_memory_scripts_eval as of the last cron (it changes with SCRIPT LOAD / FLUSH only). */
  private scriptsBytes = 0;
  private readonly pool = new EvictionPool();
  /**
   * Eviction stopped at its time budget with memory still over the limit: it goes on from a
   * timer on the next turn of the event loop, as Redis's evictionTimeProc does, until done.
   */
  private evictionRunning = false;
  private continuation: NodeJS.Immediate | null = null;
  /** maxmemory-clients (client-eviction.ts). */
  readonly clientEviction: ClientEviction;

  constructor(private readonly node: RedisNode) {
    this.clientEviction = new ClientEviction({
      setting: () => node.config.number('maxmemory-clients'),
      maxmemory: () => this.maxmemory,
      log: (line) => node.log.notice(line),
      evicted: () => node.stats.evictedClients++,
    });
    const config = node.config;
    const apply = (): void => {
      this.maxmemory = config.number('maxmemory');
      const policy = config.string('maxmemory-policy') as EvictionPolicy;
      if (policy !== this.policy) this.pool.clear();
      this.policy = policy;
      node.keyspace.context.lfu = policy.endsWith('-lfu')
        ? { logFactor: config.number('lfu-log-factor'), decayTimeMin: config.number('lfu-decay-time') }
        : null;
      // A percentage maxmemory-clients follows maxmemory.
      this.clientEviction.refreshLimit();
    };
    apply();
    for (const name of ['maxmemory', 'maxmemory-policy', 'lfu-log-factor', 'lfu-decay-time'] as const) config.onChange(name, apply);
    config.onChange('maxmemory-clients', () => this.clientEviction.refreshLimit());
    // CONFIG SET maxmemory below what is used: Redis warns and starts evicting at once.
    config.onChange('maxmemory', () => {
      if (this.maxmemory === 0) return;
      const used = this.usedForEviction();
      if (used > this.maxmemory) {
        node.log.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${this.maxmemory}) is smaller than the current memory usage (${used}). ` +
            'This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.',
        );
      }
      this.performEvictions();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // The figure

  /** used_memory and its parts. */
  figures(): MemoryFigures {
    const node = this.node;
    const dbOverheads: Array<[number, number, number]> = [];
    let keys = 0;
    let tables = 0;
    let listedTables = 0;
    let modelled = 0;
    for (const db of node.keyspace.dbs) {
      if (db.size === 0 && db.expiresCount === 0 && db.mainTables.slots === 0 && db.expiresTables.slots === 0) {
        modelled += db.modelledBytes();
        continue;
      }
      keys += db.size;
      modelled += db.modelledBytes();
      // The bucket arrays Redis has allocated (dict-tables.ts): both while a rehash is under
      // way, and not yet shrunk after deletions until the cron finds a table under 10% full.
      const main = db.mainTables.slots * 8;
      const expires = db.expiresTables.slots * 8 + db.expiresCount * DICT_ENTRY_ALLOC_BYTES;
      tables += main + expires;
      // MEMORY STATS names only the databases with keys (an emptied one's tables still count).
      if (db.size > 0) {
        listedTables += main + expires;
        dbOverheads.push([db.id, main, expires]);
      }
    }
    const backlog = node.replication.backlog?.histlen ?? 0;
    const scripts = node.scriptingMemory.usedMemoryScriptsEval;
    const used = STARTUP_BYTES + modelled + tables + this.clientsNormal + this.clientsReplicas + backlog + scripts;
    if (used > this.peak) this.peak = used;
    const overheadTotal = STARTUP_BYTES + listedTables + this.clientsNormal + this.clientsReplicas + backlog + scripts;
    return {
      used,
      startup: STARTUP_BYTES,
      backlog,
      clientsReplicas: this.clientsReplicas,
      clientsNormal: this.clientsNormal,
      scripts,
      dbOverheads,
      overheadTotal,
      keys,
      dataset: used - overheadTotal,
    };
  }

  /** used_memory. */
  used(): number {
    return this.figures().used;
  }

  /**
   * What eviction compares with maxmemory (replicas' output buffers do not count): the same sum
   * as figures(), lean, since it runs before every command while maxmemory is set.
   */
  private usedForEviction(): number {
    let bytes = STARTUP_BYTES + this.clientsNormal + this.scriptsBytes + (this.node.replication.backlog?.histlen ?? 0);
    for (const db of this.node.keyspace.dbs) {
      // An emptied database still holds its (shrunk) tables until a flush frees them.
      bytes += db.modelledBytes() + (db.mainTables.slots + db.expiresTables.slots) * 8 + db.expiresCount * DICT_ENTRY_ALLOC_BYTES;
    }
    if (bytes > this.peak) this.peak = bytes;
    return bytes;
  }

  // ---------------------------------------------------------------------------------------------
  // Before a command

  /**
   * Redis's maxmemory step of processCommand, for a client's command that passed routing:
   * evicts what it can, then refuses a deny-oom command (or anything but EXEC, DISCARD, QUIT and
   * RESET inside MULTI; EXEC when it holds a deny-oom command) when memory is still over.
   */
  beforeCommand(session: Session, spec: CommandSpec): void {
    if (this.maxmemory === 0) return;
    const outOfMemory = this.performEvictions() === 'fail';
    this.preCommandOomState = outOfMemory;
    if (!outOfMemory) return;
    const name = spec.fullName;
    const transaction = session.transaction;
    let reject = spec.flags.has('denyoom');
    if (name === 'exec') reject ||= (transaction.queue ?? []).some((queued) => queued.spec.flags.has('denyoom'));
    else if (transaction.inMulti && name !== 'discard' && name !== 'quit' && name !== 'reset') reject = true;
    if (reject) throw new ReplyError(OOM_ERROR);
  }

  /** A script that declared flags: refused at start unless allow-oom or no-writes (scriptFlagsToCmdFlags). */
  checkScriptStart(flags: readonly string[]): void {
    if (this.maxmemory === 0 || !this.preCommandOomState) return;
    if (!flags.includes('allow-oom') && !flags.includes('no-writes')) throw new ReplyError(OOM_ERROR);
  }

  /**
   * A deny-oom command inside a script (scriptVerifyOOM): refused only while the script has not
   * written yet and memory was over the limit when the script started.
   */
  scriptCommandRefusal(spec: CommandSpec, allowOom: boolean, wrote: boolean, fromMaster: boolean): string | null {
    if (allowOom || this.maxmemory === 0 || fromMaster || wrote || !this.preCommandOomState) return null;
    return spec.flags.has('denyoom') ? OOM_ERROR : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Eviction

  /**
   * Evicts keys until memory is within maxmemory (performEvictions). 'running' when the time
   * budget ran out with keys still being freed (the cron continues), 'fail' when nothing more
   * can be evicted and memory is still over.
   */
  performEvictions(): EvictionResult {
    const node = this.node;
    // Without a limit Redis does not call this at all, so a period over the limit that was
    // running when maxmemory went to 0 goes on counting (INFO below).
    if (this.maxmemory === 0) return 'ok';
    // A replica leaves eviction to its master, whose DELs arrive through the stream.
    if (node.replication.isReplica && node.config.bool('replica-ignore-maxmemory')) return 'ok';
    // Paused clients (CLIENT PAUSE, a failover): no evictions meanwhile, and no refusals either.
    if (node.pause.active) return 'ok';
    const result = this.evictionCycle();
    // INFO's eviction_exceeded_time: how long memory has stayed over the limit, measured from
    // the first check that found it over to the first that found it within.
    const stats = node.stats;
    if (result !== 'ok') {
      if (stats.evictionExceededSinceMs < 0) stats.evictionExceededSinceMs = node.time.monotonicMs();
    } else if (stats.evictionExceededSinceMs >= 0) {
      stats.evictionExceededMs += node.time.monotonicMs() - stats.evictionExceededSinceMs;
      stats.evictionExceededSinceMs = -1;
    }
    return result;
  }

  private evictionCycle(): EvictionResult {
    const node = this.node;
    let used = this.usedForEviction();
    if (used <= this.maxmemory) {
      this.evictionRunning = false;
      return 'ok';
    }
    if (this.policy === 'noeviction') return 'fail';
    // From here on the call is one eviction-cycle for the latency monitor, whichever way it
    // ends, and each key's deletion one eviction-del (Redis times dbSyncDelete alone).
    const latency = node.latency;
    const cycleStartedMs = latency.start();
    const toFree = used - this.maxmemory;
    let freed = 0;
    let evicted = 0;
    let result: EvictionResult | null = null;
    const time = node.time;
    const startedMs = time.monotonicMs();
    const budgetMs = evictionTimeLimitMs(node.config.number('maxmemory-eviction-tenacity'));
    const samples = node.config.number('maxmemory-samples');
    const lfu = node.keyspace.context.lfu ?? { logFactor: 10, decayTimeMin: 1 };
    const dbs = node.keyspace.dbs;
    while (freed < toFree) {
      const pick = this.pool.pick(dbs, this.policy, samples, lfu, node.nowMs);
      if (pick === null) break;
      const deleteStartedMs = latency.start();
      const bytes = pick.db.evict(pick.key, pick.slot);
      if (bytes < 0) continue;
      latency.end('eviction-del', deleteStartedMs);
      freed += bytes;
      evicted++;
      this.keyEvicted(pick.db.id, pick.key);
      // Check the clock every 16 keys, as Redis does.
      if ((evicted & 15) === 0 && time.monotonicMs() - startedMs > budgetMs) {
        used = this.usedForEviction();
        if (used <= this.maxmemory) break;
        this.evictionRunning = true;
        this.continueLater();
        result = 'running';
        break;
      }
    }
    if (result === null) {
      this.evictionRunning = false;
      result = freed >= toFree ? 'ok' : this.usedForEviction() <= this.maxmemory ? 'ok' : 'fail';
    }
    latency.end('eviction-cycle', cycleStartedMs);
    return result;
  }

  private continueLater(): void {
    if (this.continuation !== null) return;
    // Redis re-arms a time event of 0 ms: the next slice runs on the next turn of the event loop,
    // after the I/O that is ready. An event-loop yield, not a timer: setTimeout's 1 ms minimum
    // would leave the loop idle between slices of half a millisecond (two thirds of the time).
    this.continuation = setImmediate(() => {
      this.continuation = null;
      // The eviction unit is not a command: its DELs form their own part of the stream.
      if (this.evictionRunning) this.performEvictions();
    });
  }

  /** An evicted key: counted, propagated as a DEL, announced (the "evicted" event). */
  private keyEvicted(dbId: number, key: ByteString): void {
    const node = this.node;
    node.stats.evictedKeys++;
    node.replication.propagate(dbId, [node.config.bool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
    notifyKeyspaceEvent(node, NotifyFlag.evicted, 'evicted', key, dbId);
  }

  // ---------------------------------------------------------------------------------------------
  // Cron

  /**
   * The clients cron visited `client`: its share of mem_clients_normal or mem_clients_slaves
   * (Redis's stat_clients_type_memory, kept up to date one client at a time as here) is
   * replaced by what it holds now, and its maxmemory-clients figure taken again. `totBytes` is
   * its CLIENT LIST tot-mem, which this visit measured (Client.memoryCron).
   */
  clientVisited(client: Client, totBytes: number): void {
    this.forgetClientShare(client);
    let bytes: number;
    if (client.kind === 'normal') {
      bytes = totBytes;
    } else {
      const memory = client.memory;
      const pending = client.session.reply.pendingBytes + client.outputBytes;
      bytes = CLIENT_STRUCT_BYTES + memory.queryBufferAlloc + 4 + memory.replyBufferBytes + Math.max(0, pending - memory.replyBufferBytes);
    }
    const replica = client.kind === 'replica';
    client.memoryShare = { replica, bytes };
    if (replica) this.clientsReplicas += bytes;
    else this.clientsNormal += bytes;
    this.clientEviction.visit(client, totBytes);
  }

  /** The end of a clients cron pass: scripts' memory, then maxmemory-clients enforced. */
  clientsPassEnd(): void {
    this.scriptsBytes = this.node.scriptingMemory.usedMemoryScriptsEval;
    this.clientEviction.evictIfNeeded();
  }

  /** A closed client's share leaves the totals. */
  clientClosed(client: Client): void {
    this.forgetClientShare(client);
    this.clientEviction.forget(client);
  }

  private forgetClientShare(client: Client): void {
    const share = client.memoryShare;
    if (share === null) return;
    if (share.replica) this.clientsReplicas -= share.bytes;
    else this.clientsNormal -= share.bytes;
    client.memoryShare = null;
  }
}

/** evictionTimeLimitUs: 50 µs per tenacity step up to 10, growing 15% a step beyond; 100: no limit. */
function evictionTimeLimitMs(tenacity: number): number {
  if (tenacity <= 10) return (50 * tenacity) / 1000;
  if (tenacity < 100) return (500 * Math.pow(1.15, tenacity - 10)) / 1000;
  return Number.POSITIVE_INFINITY;
}
