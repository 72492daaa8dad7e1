/**
 * A selector: one set of permissions (commands, keys, channels). A user has a root selector and
 * any number of extra ones written `(...)`; a command is allowed when any selector allows all of
 * it (user.ts). This is Redis 7.0's aclSelector:
 *
 *   allowed      one byte per command and subcommand (acl-commands.ts numbering)
 *   future       the reserved bit +@all sets: commands added later are allowed too, and the
 *                rule string starts from +@all instead of -@all
 *   allCommands  every command is allowed right now (+@all with nothing taken away since)
 *   firstArgs    "+select|0": a command denied as a whole but allowed with this first argument
 *   keys         patterns with R/W permissions (~p is RW, %R~p read only, %W~p write only),
 *                or allKeys
 *   channels     patterns, or allChannels
 *
 * A check answers the first thing the selector denies: the command, then a key (by the key
 * specs' access/insert/update/delete flags), then a channel.
 */
import type { ByteString } from '../../storage/bytes';
import { globMatch } from '../../storage/glob';
import type { CommandSpec } from '../dispatch/command';
import { findKeys } from '../dispatch/key-specs';
import { categoryBit, type AclCommand, type AclCommands } from './acl-commands';

export const READ = 1;
export const WRITE = 2;
const ALL_PERMISSIONS = READ | WRITE;

/** Why a rule was refused; the text is Redis's (ACLSetUserStringError). */
export class AclRuleError extends Error {}

export const RULE_ERRORS = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keysAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  firstArgOfSubcommand: 'Allowing first-arg of a subcommand is not supported',
} as const;

/** What a check found: allowed, or the first denial and the argument it is about. */
export const enum Verdict {
  ok = 0,
  command = 1,
  key = 2,
  auth = 3,
  channel = 4,
}

export interface CheckResult {
  verdict: Verdict;
  /** The argument index of the denied key or channel (0 for a command). */
  position: number;
}

export interface KeyPattern {
  readonly pattern: ByteString;
  flags: number;
}

/** The keys of one call, found once and shared by every selector's check. */
export interface KeyCache {
  positions: readonly number[] | null;
  permissions: number[];
}

export class Selector {
  allowed: Uint8Array;
  future = false;
  allCommands = false;
  firstArgs = new Map<number, string[]>();
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: ByteString[] = [];
  allChannels = false;

  constructor(readonly commands: AclCommands, allChannels: boolean) {
    this.allowed = new Uint8Array(commands.size);
    this.allChannels = allChannels;
  }

  clone(): Selector {
    const copy = new Selector(this.commands, this.allChannels);
    copy.allowed = this.allowed.slice();
    copy.future = this.future;
    copy.allCommands = this.allCommands;
    for (const [index, args] of this.firstArgs) copy.firstArgs.set(index, [...args]);
    copy.keys = this.keys.map((k) => ({ pattern: k.pattern, flags: k.flags }));
    copy.allKeys = this.allKeys;
    copy.channels = [...this.channels];
    return copy;
  }

  /** Whether nothing is restricted: the check can be skipped. */
  get unrestricted(): boolean {
    return this.allCommands && this.allKeys && this.allChannels;
  }

  // ─── Rules ────────────────────────────────────────────────────────────────────────────────

  /** Applies one selector rule (anything SETUSER accepts that is not about the user itself). */
  apply(op: ByteString): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.allowed.fill(1);
      this.future = true;
      this.allCommands = true;
      this.firstArgs.clear();
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.allowed.fill(0);
      this.future = false;
      this.allCommands = false;
      this.firstArgs.clear();
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError(RULE_ERRORS.channelsAfterAll);
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) throw new AclRuleError(RULE_ERRORS.syntax);
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = categoryBit(op.slice(2));
      if (bit === 0) throw new AclRuleError(RULE_ERRORS.unknown);
      const allow = op[0] === '+';
      for (const command of this.commands.all) if ((command.categories & bit) !== 0) this.change(command, allow);
      if (!allow) this.allCommands = false;
    } else if (op[0] === '+') {
      this.allowCommand(op.slice(1));
    } else if (op[0] === '-') {
      const command = this.commands.lookup(op.slice(1));
      if (command === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      this.change(command, false);
      this.allCommands = false;
    } else {
      throw new AclRuleError(RULE_ERRORS.syntax);
    }
  }

  private addKeyPattern(op: ByteString): void {
    if (this.allKeys) throw new AclRuleError(RULE_ERRORS.keysAfterAll);
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      // "%R", "%W~", "%wr~p": each flag once, any case; the `~` may be left out before an empty
      // pattern, but a selector with no flag at all ("%", "%~p") means nothing and is refused.
      for (; offset < op.length; offset++) {
        const c = (op[offset] as string).toUpperCase();
        if (c === 'R' && (flags & READ) === 0) flags |= READ;
        else if (c === 'W' && (flags & WRITE) === 0) flags |= WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else throw new AclRuleError(RULE_ERRORS.syntax);
      }
      if (flags === 0) throw new AclRuleError(RULE_ERRORS.syntax);
    } else {
      flags = ALL_PERMISSIONS;
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) throw new AclRuleError(RULE_ERRORS.syntax);
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing === undefined) this.keys.push({ pattern, flags });
    else existing.flags |= flags;
  }

  /** "+get", "+config|get", or "+select|0" (a first argument of a command without subcommands). */
  private allowCommand(name: string): void {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const command = this.commands.lookup(name);
      if (command === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      this.change(command, true);
      return;
    }
    const container = this.commands.lookup(name.slice(0, bar));
    if (container === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
    if (container.parent !== null) throw new AclRuleError(RULE_ERRORS.firstArgOfSubcommand);
    const sub = name.slice(bar + 1);
    if (sub === '') throw new AclRuleError(RULE_ERRORS.syntax);
    if (container.children.length > 0 || container.spec?.subcommands != null) {
      const command = this.commands.lookup(name);
      if (command === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      this.change(command, true);
      return;
    }
    // Redis logs a deprecation warning for this form; it still works in 7.0.
    const args = this.firstArgs.get(container.index) ?? [];
    if (!args.some((a) => a.toLowerCase() === sub.toLowerCase())) args.push(sub);
    this.firstArgs.set(container.index, args);
  }

  /** Allows or denies a command (a container: with all its subcommands), dropping its first-args. */
  change(command: AclCommand, allow: boolean): void {
    this.allowed[command.index] = allow ? 1 : 0;
    this.firstArgs.delete(command.index);
    for (const child of command.children) this.allowed[child.index] = allow ? 1 : 0;
  }

  // ─── Checks ───────────────────────────────────────────────────────────────────────────────

  check(command: AclCommand, argv: readonly ByteString[], cache: KeyCache, out: CheckResult): void {
    out.verdict = Verdict.ok;
    out.position = 0;
    const spec = command.spec;
    // Only what the command table holds is ever checked (dispatch, DRYRUN, scripts).
    if (spec === null) return;
    if (!this.allCommands && !spec.noAuth && this.allowed[command.index] === 0 && !this.firstArgAllowed(command, argv)) {
      out.verdict = Verdict.command;
      return;
    }
    if (!this.allKeys && spec.keys.specs.length + (spec.keys.procedure === null ? 0 : 1) > 0) {
      if (cache.positions === null) fillKeyCache(spec, argv, cache);
      const positions = cache.positions as readonly number[];
      for (let i = 0; i < positions.length; i++) {
        const position = positions[i] as number;
        if (!this.keyAllowed(argv[position] as ByteString, cache.permissions[i] as number)) {
          out.verdict = Verdict.key;
          out.position = position;
          return;
        }
      }
    }
    if (!this.allChannels) {
      const channels = CHANNEL_ARGS.get(spec.fullName);
      if (channels !== undefined) {
        const end = channels.all ? argv.length : Math.min(2, argv.length);
        for (let i = 1; i < end; i++) {
          if (!this.channelAllowed(argv[i] as ByteString, channels.pattern)) {
            out.verdict = Verdict.channel;
            out.position = i;
            return;
          }
        }
      }
    }
  }

  private firstArgAllowed(command: AclCommand, argv: readonly ByteString[]): boolean {
    const args = this.firstArgs.get(command.index);
    if (args === undefined || argv.length < 2) return false;
    const arg = argv[command.parent === null ? 1 : 2];
    if (arg === undefined) return false;
    const lower = arg.toLowerCase();
    return args.some((a) => a.toLowerCase() === lower);
  }

  keyAllowed(key: ByteString, needed: number): boolean {
    if (this.allKeys) return true;
    for (const k of this.keys) {
      if ((k.flags & needed) !== needed) continue;
      if (globMatch(k.pattern, key)) return true;
    }
    return false;
  }

  /** A pattern (PSUBSCRIBE) must be literally among the allowed ones; a channel must match one. */
  channelAllowed(channel: ByteString, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    for (const allowed of this.channels) {
      if (isPattern ? allowed === channel : globMatch(allowed, channel)) return true;
    }
    return false;
  }

  /** Full key access for the given permission: allkeys, or a `*` pattern with it (SORT BY/GET). */
  unrestrictedKeys(needed: number): boolean {
    if (this.allKeys) return true;
    return this.keys.some((k) => (k.flags & needed) === needed && k.pattern === '*');
  }

  // ─── Describing ───────────────────────────────────────────────────────────────────────────

  /** "~k* %R~r*" (or "~*"), as ACL GETUSER's keys field and ACL LIST print them. */
  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map((k) => (k.flags === ALL_PERMISSIONS ? '~' : `%${k.flags & READ ? 'R' : ''}${k.flags & WRITE ? 'W' : ''}~`) + k.pattern).join(' ');
  }

  /** "&a &b" or "&*": ACL GETUSER's channels field. */
  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }
}

/**
 * Whether a pattern holds whitespace (C's isspace: space, \t, \n, \v, \f, \r) or a NUL. Redis
 * refuses those in key and channel patterns and in usernames: ACL LIST and the ACL file write a
 * user as one line of space-separated words, which such a pattern would break into pieces that
 * read back as other rules (or as nothing valid at all).
 */
export function hasSpaces(text: ByteString): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0) return true;
  }
  return false;
}

/** Which arguments of the pub/sub commands ACLs check: the first only, or all; patterns or not. */
const CHANNEL_ARGS: ReadonlyMap<string, { all: boolean; pattern: boolean }> = new Map([
  ['publish', { all: false, pattern: false }],
  ['spublish', { all: false, pattern: false }],
  ['subscribe', { all: true, pattern: false }],
  ['ssubscribe', { all: true, pattern: false }],
  ['psubscribe', { all: true, pattern: true }],
]);

/**
 * A call's keys and what each needs: read for an access, write for an insert, update or delete.
 * Arguments a key spec marks not_key (SPUBLISH's shard channel: a key only for routing) are
 * channels, not keys, to ACLs.
 */
function fillKeyCache(spec: CommandSpec, argv: readonly ByteString[], cache: KeyCache): void {
  const flags: Array<readonly string[]> = [];
  const all = findKeys(spec.keys, argv, flags);
  const positions: number[] = [];
  const permissions: number[] = [];
  all.forEach((position, i) => {
    const list = flags[i] ?? [];
    if (list.includes('not_key')) return;
    let needed = 0;
    for (const f of list) {
      if (f === 'access') needed |= READ;
      else if (f === 'insert' || f === 'update' || f === 'delete') needed |= WRITE;
    }
    positions.push(position);
    permissions.push(needed);
  });
  cache.positions = positions;
  cache.permissions = permissions;
}
