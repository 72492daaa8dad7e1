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
 */
import type { RespValue } from '../../protocol/resp-value';
import type { CommandSpec } from '../dispatch/command';
import type { CommandTable } from '../dispatch/command-table';

/** Redis 7.0's categories, in the order ACL CAT lists them (and the describe loop tries them). */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
  'transaction', 'scripting',
];

export interface AclCommand {
  readonly index: number;
  readonly spec: CommandSpec;
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

  constructor(private readonly table: CommandTable) {
    for (const spec of table.all()) {
      const entry = this.add(spec, null);
      this.top.push(entry);
      if (spec.subcommands !== null) for (const sub of spec.subcommands.values()) entry.children.push(this.add(sub, entry));
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
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    const top = this.table.get(parts[0] as string);
    if (top === undefined) return undefined;
    if (parts.length === 1) return this.bySpec.get(top);
    const sub = top.subcommands?.get(parts[1] as string);
    return sub === undefined ? undefined : this.bySpec.get(sub);
  }

  private add(spec: CommandSpec, parent: AclCommand | null): AclCommand {
    const entry: AclCommand = { index: this.all.length, spec, categories: categoryBits(this.table.info(spec.fullName)), parent, children: [] };
    this.all.push(entry);
    this.bySpec.set(spec, entry);
    return entry;
  }
}

/** The bit of a category name ("read", without the @), or 0 when there is no such category. */
export function categoryBit(name: string): number {
  const index = ACL_CATEGORIES.indexOf(name.toLowerCase());
  return index < 0 ? 0 : 1 << index;
}

function categoryBits(info: RespValue | undefined): number {
  const field = Array.isArray(info) ? info[6] : undefined;
  let bits = 0;
  if (field === null || field === undefined || typeof field !== 'object' || Array.isArray(field) || !('~' in field)) return bits;
  for (const item of field['~']) {
    const name = typeof item === 'object' && item !== null && '+' in item ? item['+'] : String(item);
    bits |= categoryBit(name.replace(/^@/, ''));
  }
  return bits;
}
