/**
 * The command table: built once per node by joining the captured Redis metadata with the
 * handlers, and read by dispatch (lookup, arity, flags), COMMAND (INFO, DOCS, COUNT, LIST,
 * GETKEYS), INFO commandstats, cluster routing and replication.
 *
 * A command with metadata but no handler, or a handler with no metadata, is a programming error
 * and fails the build of the table at start-up, so the table can never advertise a command the
 * server does not run.
 */
import type { RespValue } from '../../protocol/resp-value';
import type { CommandImpl, CommandSpec, Handler } from './command';
import { resolveCommandKeys } from './key-specs';
import { COMMAND_DOCS, COMMAND_INFO } from './meta/command-meta.generated';
import { untimedUpToArgs } from '../observe/slowlog';

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();

  constructor(impls: readonly CommandImpl[]) {
    const handlers = new Map<string, Handler>();
    for (const impl of impls) {
      if (handlers.has(impl.name)) throw new Error(`command ${impl.name} implemented twice`);
      handlers.set(impl.name, impl.handler);
    }
    for (const [name, info] of Object.entries(COMMAND_INFO)) {
      this.byName.set(name, buildSpec(info, handlers, null));
    }
    if (handlers.size > 0) {
      throw new Error(`handlers without metadata: ${[...handlers.keys()].join(', ')}`);
    }
  }

  /**
   * Command names as clients spell them ("SET", "set", "Set") mapped to their spec, so the hot
   * path does not lowercase (and allocate) a name per request. Bounded: a client sending every
   * case variant of a long name cannot grow it without limit.
   */
  private readonly bySpelling = new Map<string, CommandSpec>();

  /** Looks up a top-level command by its lowercase name. */
  get(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /** Looks up a top-level command by the name as sent, in any letter case. */
  lookup(spelling: string): CommandSpec | undefined {
    const cached = this.bySpelling.get(spelling);
    if (cached !== undefined) return cached;
    const spec = this.byName.get(spelling.toLowerCase());
    if (spec !== undefined && this.bySpelling.size < 4096) this.bySpelling.set(spelling, spec);
    return spec;
  }

  get size(): number {
    return this.byName.size;
  }

  all(): IterableIterator<CommandSpec> {
    return this.byName.values();
  }

  /** Every command and subcommand, for INFO commandstats. */
  *allWithSubcommands(): Generator<CommandSpec> {
    for (const spec of this.byName.values()) {
      yield spec;
      if (spec.subcommands !== null) yield* spec.subcommands.values();
    }
  }

  /** The captured COMMAND INFO entry of a top-level command or "container|sub". */
  info(fullName: string): RespValue | undefined {
    const [top = '', sub] = fullName.split('|');
    const entry = COMMAND_INFO[top];
    if (sub === undefined || entry === undefined) return entry;
    const subs = Array.isArray(entry) ? entry[9] : undefined;
    return Array.isArray(subs) ? subs.find((s) => Array.isArray(s) && s[0] === fullName) : undefined;
  }

  /** The captured COMMAND DOCS entry of a command, or of a subcommand ("client|kill"). */
  docs(fullName: string): RespValue | undefined {
    const [top = '', sub] = fullName.split('|');
    const entry = COMMAND_DOCS[top];
    if (sub === undefined || entry === undefined) return entry;
    // A container's docs carry its subcommands' as a map under "subcommands".
    const subs = mapValue(entry, 'subcommands');
    return subs === undefined ? undefined : mapValue(subs, fullName);
  }
}

/** The value under `key` in a RESP3 map, undefined when `map` is not one or lacks the key. */
function mapValue(map: RespValue, key: string): RespValue | undefined {
  if (map === null || typeof map !== 'object' || Array.isArray(map) || !('%' in map)) return undefined;
  const pairs = map['%'];
  for (let i = 0; i + 1 < pairs.length; i += 2) if (pairs[i] === key) return pairs[i + 1];
  return undefined;
}

function buildSpec(info: RespValue, handlers: Map<string, Handler>, parent: string | null): CommandSpec {
  if (!Array.isArray(info)) throw new Error('malformed COMMAND INFO entry');
  const [name, arity, flags, first, last, step, , , , subs] = info;
  if (typeof name !== 'string' || typeof arity !== 'number') throw new Error('malformed COMMAND INFO entry');
  const flagSet = new Set(setMembers(flags));
  const shortName = parent === null ? name : name.slice(parent.length + 1);
  let subcommands: Map<string, CommandSpec> | null = null;
  if (Array.isArray(subs) && subs.length > 0) {
    subcommands = new Map();
    for (const sub of subs) {
      const spec = buildSpec(sub, handlers, name);
      subcommands.set(spec.name, spec);
    }
  }
  const handler = handlers.get(name) ?? null;
  handlers.delete(name);
  if (handler === null && subcommands === null) throw new Error(`no handler for command ${name}`);
  return {
    name: shortName,
    fullName: name,
    arity,
    flags: flagSet,
    firstKey: typeof first === 'number' ? first : 0,
    lastKey: typeof last === 'number' ? last : 0,
    keyStep: typeof step === 'number' ? step : 0,
    keys: resolveCommandKeys(name, info),
    isWrite: flagSet.has('write'),
    isFast: flagSet.has('fast'),
    untimedUpToArgs: untimedUpToArgs(name, flagSet.has('fast')),
    noAuth: flagSet.has('no_auth'),
    servesStale: flagSet.has('stale'),
    handler,
    subcommands,
    stats: { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0, latencyBuckets: null },
  };
}

/** Names in a captured RESP3 set of simple strings. */
function setMembers(value: RespValue | undefined): string[] {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return [];
  if (!('~' in value)) return [];
  return value['~'].map((m) => (typeof m === 'object' && m !== null && '+' in m ? m['+'] : String(m)));
}
