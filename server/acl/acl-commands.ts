/**
 * The commands ACL rules talk about, numbered, with their categories.
 *
 * Redis gives every command and subcommand an id and keeps a user's permissions as a bitmap
 * over those ids; categories (@read, @dangerous...) are a bitmask on each command. Here the same
 * idea is built once per node from the command table, whose categories are the ones captured
 * from Redis 7.0.15 (COMMAND INFO's 7th field, in meta/command-meta.generated.ts): there is no
 * second list of categories to drift from the one COMMAND prints.
 *
 *   index 0      1         2            3            ...
 *         get    set    config(ctr)  config|get  config|set  ...   (table order: a container,
 *                                                                    then its subcommands)
 *
 * A selector's permissions are then a Uint8Array over these indexes (selector.ts).
 *
 * Redis's rules also name commands hashslot does not run (MEMORY, LATENCY, CLIENT TRACKING...):
 * an ACL file written by Redis may say "-latency", and Redis counts them when it writes rules
 * back and lists them in ACL CAT. They are numbered too, from ACL_ONLY_COMMANDS (captured
 * alongside the metadata), with no spec: nothing ever dispatches them.
 */
import type { RespValue } from '../../protocol/resp-value';
import type { CommandSpec } from '../dispatch/command';
import type { CommandTable } from '../dispatch/command-table';
import { ACL_ONLY_COMMANDS } from '../dispatch/meta/command-meta.generated';

/** Redis 7.0's categories, in the order ACL CAT lists them (and the describe loop tries them). */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
  'transaction', 'scripting',
];

export interface AclCommand {
  readonly index: number;
  /** "get", "config|get": how rules and ACL CAT name it. */
  readonly fullName: string;
  /** Null for a command hashslot does not implement (named by rules only). */
  readonly spec: CommandSpec | null;
  /** One bit per ACL_CATEGORIES entry. */
  readonly categories: number;
  readonly parent: AclCommand | null;
  readonly children: AclCommand[];
}

export class AclCommands {
  /** Every command and subcommand, a container followed by its subcommands. */
  readonly all: AclCommand[] = [];
  /** The top-level commands, in table order. */
  readonly top: AclCommand[] = [];
  private readonly bySpec = new Map<CommandSpec, AclCommand>();
  private readonly byName = new Map<string, AclCommand>();

  constructor(table: CommandTable) {
    for (const spec of table.all()) {
      const entry = this.add(spec.fullName, spec, categoryBits(table.info(spec.fullName)), null);
      this.top.push(entry);
      if (spec.subcommands !== null) {
        for (const sub of spec.subcommands.values()) entry.children.push(this.add(sub.fullName, sub, categoryBits(table.info(sub.fullName)), entry));
      }
    }
    // Sorted by name, so a container comes before its subcommands.
    for (const [fullName, categories] of Object.entries(ACL_ONLY_COMMANDS)) {
      const bar = fullName.indexOf('|');
      if (bar < 0) {
        this.top.push(this.add(fullName, null, categoryBits(categories), null));
        continue;
      }
      const parent = this.byName.get(fullName.slice(0, bar));
      if (parent === undefined) continue;
      parent.children.push(this.add(fullName, null, categoryBits(categories), parent));
    }
  }

  get size(): number {
    return this.all.length;
  }

  of(spec: CommandSpec): AclCommand {
    const entry = this.bySpec.get(spec);
    if (entry === undefined) throw new Error(`command ${spec.fullName} missing from the ACL command set`);
    return entry;
  }

  /** "get" or "config|get" (any letter case), as ACL rules name commands; undefined if unknown. */
  lookup(name: string): AclCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  private add(fullName: string, spec: CommandSpec | null, categories: number, parent: AclCommand | null): AclCommand {
    const entry: AclCommand = { index: this.all.length, fullName, spec, categories, parent, children: [] };
    this.all.push(entry);
    this.byName.set(fullName, entry);
    if (spec !== null) this.bySpec.set(spec, entry);
    return entry;
  }
}

/** The bit of a category name ("read", without the @), or 0 when there is no such category. */
export function categoryBit(name: string): number {
  const index = ACL_CATEGORIES.indexOf(name.toLowerCase());
  return index < 0 ? 0 : 1 << index;
}

/** The categories of a COMMAND INFO entry (its 7th field), or of such a field itself. */
function categoryBits(info: RespValue | undefined): number {
  const field = Array.isArray(info) ? info[6] : info;
  let bits = 0;
  if (field === null || field === undefined || typeof field !== 'object' || Array.isArray(field) || !('~' in field)) return bits;
  for (const item of field['~']) {
    const name = typeof item === 'object' && item !== null && '+' in item ? item['+'] : String(item);
    bits |= categoryBit(name.replace(/^@/, ''));
  }
  return bits;
}
