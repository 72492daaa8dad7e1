/**
 * An ACL user: a name, on/off, passwords (SHA-256 hashes, never the clear text), and selectors.
 *
 * Rules are applied by ACL SETUSER, `user` lines of redis.conf and the ACL file, in order, each
 * one a word: user rules (on, off, >pass, <pass, #hash, !hash, nopass, resetpass, reset,
 * clearselectors, (selector...)) are handled here, every other rule goes to the root selector.
 * SETUSER is all or nothing: the rules are applied to a copy, which replaces the user only if
 * all of them were accepted (Acl.setUser).
 *
 * `unrestricted` is what dispatch reads on every command: true when the root selector allows
 * every command, key and channel, so the default user pays one property read per command.
 */
import { createHash } from 'node:crypto';
import { splitArgs } from '../../protocol/split-args';
import type { ByteString } from '../../storage/bytes';
import type { AclCommands } from './acl-commands';
import { describeCommandRules } from './describe-rules';
import { AclRuleError, RULE_ERRORS, Selector } from './selector';

const USER_ERRORS = {
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
} as const;

/** The SHA-256 of a password, in lowercase hex, as Redis stores and prints it. */
export function hashPassword(password: ByteString): string {
  return createHash('sha256').update(Buffer.from(password, 'latin1')).digest('hex');
}

export class User {
  enabled = false;
  nopass = false;
  /** sanitize-payload / skip-sanitize-payload: printed back, not acted on (no RESTORE checks). */
  sanitizePayload: 'sanitize-payload' | 'skip-sanitize-payload' | null = null;
  passwords: string[] = [];
  root: Selector;
  /** The `(...)` selectors, after the root one. */
  selectors: Selector[] = [];
  unrestricted = false;

  constructor(
    readonly name: ByteString,
    readonly commands: AclCommands,
    private readonly pubsubDefaultAll: () => boolean,
  ) {
    this.root = new Selector(commands, pubsubDefaultAll());
  }

  clone(): User {
    const copy = new User(this.name, this.commands, this.pubsubDefaultAll);
    copy.enabled = this.enabled;
    copy.nopass = this.nopass;
    copy.sanitizePayload = this.sanitizePayload;
    copy.passwords = [...this.passwords];
    copy.root = this.root.clone();
    copy.selectors = this.selectors.map((s) => s.clone());
    copy.unrestricted = this.unrestricted;
    return copy;
  }

  /** Takes over another user's rules (the default user is updated in place, never replaced). */
  assign(from: User): void {
    this.enabled = from.enabled;
    this.nopass = from.nopass;
    this.sanitizePayload = from.sanitizePayload;
    this.passwords = from.passwords;
    this.root = from.root;
    this.selectors = from.selectors;
    this.refresh();
  }

  /** Applies one rule; throws AclRuleError with Redis's reason when it is refused. */
  apply(op: ByteString): void {
    // An empty rule (SETUSER "", two spaces in a line of the ACL file) changes nothing, as in Redis.
    if (op === '') return;
    const lower = op.toLowerCase();
    if (lower === 'on') this.enabled = true;
    else if (lower === 'off') this.enabled = false;
    else if (lower === 'skip-sanitize-payload' || lower === 'sanitize-payload') this.sanitizePayload = lower;
    else if (lower === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (lower === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      const hash = op[0] === '>' ? hashPassword(op.slice(1)) : validHash(op.slice(1));
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      const hash = op[0] === '<' ? hashPassword(op.slice(1)) : validHash(op.slice(1));
      const index = this.passwords.indexOf(hash);
      if (index < 0) throw new AclRuleError(USER_ERRORS.noSuchPassword);
      this.passwords.splice(index, 1);
    } else if (lower === 'clearselectors') {
      this.selectors = [];
    } else if (lower === 'reset') {
      for (const rule of ['resetpass', 'resetkeys', 'resetchannels']) this.apply(rule);
      if (this.pubsubDefaultAll()) this.apply('allchannels');
      for (const rule of ['off', 'sanitize-payload', 'clearselectors', '-@all']) this.apply(rule);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const selector = new Selector(this.commands, this.pubsubDefaultAll());
      for (const rule of selectorRules(op.slice(1, -1))) selector.apply(rule);
      this.selectors.push(selector);
    } else {
      this.root.apply(op);
    }
    this.refresh();
  }

  private refresh(): void {
    this.unrestricted = this.root.unrestricted;
  }

  /** Whether these credentials open this user (AUTH, HELLO AUTH). */
  accepts(password: ByteString): boolean {
    if (!this.enabled) return false;
    return this.nopass || this.passwords.includes(hashPassword(password));
  }

  /** GETUSER's flags, in Redis's order. */
  flags(): string[] {
    const flags = [this.enabled ? 'on' : 'off'];
    if (this.nopass) flags.push('nopass');
    if (this.sanitizePayload !== null) flags.push(this.sanitizePayload);
    return flags;
  }

  /** The rule string ACL LIST prints after "user <name> " (and the ACL file stores). */
  describe(): string {
    const parts = [...this.flags(), ...this.passwords.map((h) => `#${h}`), describeSelector(this.root)];
    let line = parts.join(' ');
    for (const selector of this.selectors) line += ` (${describeSelector(selector)})`;
    return line;
  }
}

/** A selector's keys, channels and commands, as one rule string. */
export function describeSelector(selector: Selector): string {
  const parts: string[] = [];
  const keys = selector.describeKeys();
  if (keys !== '') parts.push(keys);
  if (selector.allChannels) parts.push('&*');
  else {
    parts.push('resetchannels');
    const channels = selector.describeChannels();
    if (channels !== '') parts.push(channels);
  }
  parts.push(describeCommandRules(selector));
  return parts.join(' ');
}

/**
 * The rules inside "(...)", split as Redis splits a config line (protocol/split-args.ts): on any
 * whitespace, with quotes, so "(~a\t+get)" is two rules and "(\"~a b\")" one pattern with a
 * space (refused by the selector). Unbalanced quotes leave no rules at all, an empty selector,
 * and a NUL ends the text; both are what Redis 7.0.15 does.
 */
function selectorRules(body: ByteString): ByteString[] {
  const words = splitArgs(Buffer.from(body, 'latin1'));
  return words === null ? [] : words.map((w) => w.toString('latin1'));
}

function validHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new AclRuleError(USER_ERRORS.badHash);
  return hash;
}

