/**
 * The node's ACL: its users, the check dispatch runs before a command, authentication, ACL LOG,
 * and the users' persistence (redis.conf `user` lines, the ACL file; read by user-lines.ts).
 *
 * Where the check sits (Redis 7.0's processCommand): after lookup, arity and authentication,
 * before cluster redirection and every other guard, so a denied command is answered -NOPERM
 * even for a key another node owns. EXEC checks each queued command again (the rules may have
 * changed since it was queued), and a script's redis.call checks with its caller's user.
 *
 *   session.user ──▶ unrestricted?  (the default user: +@all ~* &*) ──▶ run
 *                       │ no
 *                       ▼
 *                each selector: command bit / first arg ─▶ keys by key-spec flags ─▶ channels
 *                       │ none allows the whole call
 *                       ▼
 *                ACL LOG entry, -NOPERM (the most relevant denial: a key or channel over the
 *                command, the last argument among equals)
 *
 * The default user is never replaced (sessions hold it): requirepass, ACL LOAD and the ACL file
 * change it in place.
 */
import { readFileSync } from 'node:fs';
import type { ByteString } from '../../storage/bytes';
import type { CommandSpec } from '../dispatch/command';
import { ReplyError } from '../dispatch/errors';
import type { Session } from '../dispatch/session';
import type { RedisNode } from '../node';
import { replaceFileSync } from '../persistence/atomic-file';
import { AclCommands } from './acl-commands';
import { AclLog, type AclLogContext, type AclLogReason } from './acl-log';
import { AclRuleError, Verdict, WRITE, READ, type CheckResult, type KeyCache } from './selector';
import { User } from './user';
import { joinSelectorArgs, parseConfigUsers, parseFileUsers, readAsRedis, splitAclFile } from './user-lines';

/** Users that cannot be loaded when the node starts: the node must not start (cli.ts says why). */
export class AclStartupError extends Error {}

const REASONS: Record<number, AclLogReason> = {
  [Verdict.command]: 'command',
  [Verdict.key]: 'key',
  [Verdict.channel]: 'channel',
  [Verdict.auth]: 'auth',
};

export class Acl {
  readonly commands: AclCommands;
  readonly users = new Map<ByteString, User>();
  readonly defaultUser: User;
  readonly log = new AclLog();
  // Reused by every check: a check never runs inside another.
  private readonly result: CheckResult = { verdict: Verdict.ok, position: 0 };
  private readonly cache: KeyCache = { positions: null, permissions: [] };

  constructor(private readonly node: RedisNode) {
    this.commands = new AclCommands(node.commands);
    this.defaultUser = this.createUser('default');
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) this.defaultUser.apply(rule);
    this.users.set('default', this.defaultUser);
    this.setRequirePass(node.config.string('requirepass'));
    node.config.onChange('requirepass', (password) => {
      this.setRequirePass(password);
    });
    this.loadAtStartup();
  }

  /** redis.conf's `user` lines, or the ACL file: never both (Redis refuses to start). */
  private loadAtStartup(): void {
    const lines = this.node.config.extras.filter((e) => e.name.toLowerCase() === 'user').map((e) => e.args);
    const path = this.node.config.string('aclfile');
    if (lines.length > 0 && path !== '') {
      throw new AclStartupError(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    try {
      if (lines.length > 0) this.loadConfigUsers(lines);
      if (path !== '') this.loadFile(path);
    } catch (err) {
      throw new AclStartupError((err as Error).message);
    }
  }

  createUser(name: ByteString): User {
    return new User(name, this.commands, () => this.node.config.string('acl-pubsub-default') === 'allchannels');
  }

  /** requirepass is the default user's one password (empty: nopass). */
  setRequirePass(password: string): void {
    this.defaultUser.apply('resetpass');
    this.defaultUser.apply(password === '' ? 'nopass' : `>${password}`);
  }

  /** Whether a new connection must AUTH before most commands (the default user has a password). */
  get authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** Whether a connection starting as the default user is authenticated at once. */
  get defaultAuthenticated(): boolean {
    return !this.authRequired;
  }

  // ─── Checks ───────────────────────────────────────────────────────────────────────────────

  /**
   * Which denial `user` meets running argv, or Verdict.ok; `result.position` then says which
   * argument. The denial reported is the most relevant of all the selectors' (Redis's
   * ACLCheckAllUserCommandPerm): the highest kind, then the latest argument.
   */
  verdict(user: User, spec: CommandSpec, argv: readonly ByteString[]): CheckResult {
    const command = this.commands.of(spec);
    const cache = this.cache;
    cache.positions = null;
    const out = this.result;
    let worst = Verdict.command;
    let position = 0;
    const selectors = user.selectors.length === 0 ? [user.root] : [user.root, ...user.selectors];
    for (const selector of selectors) {
      selector.check(command, argv, cache, out);
      if (out.verdict === Verdict.ok) return out;
      if (out.verdict > worst || (out.verdict === worst && out.position > position)) {
        worst = out.verdict;
        position = out.position;
      }
    }
    out.verdict = worst;
    out.position = position;
    return out;
  }

  /** Whether some selector allowing this call has access to every key (SORT BY and GET). */
  fullKeyAccess(user: User | null, spec: CommandSpec, argv: readonly ByteString[]): boolean {
    if (user === null) return true;
    const command = this.commands.of(spec);
    this.cache.positions = null;
    for (const selector of [user.root, ...user.selectors]) {
      selector.check(command, argv, this.cache, this.result);
      if (this.result.verdict === Verdict.ok && selector.unrestrictedKeys(READ)) return true;
    }
    return false;
  }

  /**
   * The dispatcher's check for a user with restrictions: throws -NOPERM (and logs the denial)
   * when the call is not allowed.
   */
  checkCommand(session: Session, user: User, spec: CommandSpec, argv: readonly ByteString[]): void {
    const { verdict, position } = this.verdict(user, spec, argv);
    if (verdict === Verdict.ok) return;
    this.logDenial(session, user, verdict, session.transaction.inMulti ? 'multi' : 'toplevel', spec, argv, position);
    throw new ReplyError(`NOPERM ${denialText(verdict, spec)}`);
  }

  /**
   * EXEC's second check of a queued command: answers the denial in place of the command's reply
   * (the rest of the transaction runs) and returns true.
   */
  deniedInExec(session: Session, user: User, spec: CommandSpec, argv: readonly ByteString[]): boolean {
    const { verdict, position } = this.verdict(user, spec, argv);
    if (verdict === Verdict.ok) return false;
    this.logDenial(session, user, verdict, 'multi', spec, argv, position);
    const reason =
      verdict === Verdict.command ? 'no permission to execute the command or subcommand'
      : verdict === Verdict.key ? 'no permission to touch the specified keys'
      : 'no permission to access one of the channels used as arguments';
    const text = `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
    this.node.stats.countError(text);
    session.reply.error(text);
    return true;
  }

  /**
   * A script's redis.call, checked as the script's caller: null when allowed, otherwise the error
   * the script gets (Redis's wording inside scripts), logged with context "lua".
   */
  scriptDenial(caller: Session, spec: CommandSpec, argv: readonly ByteString[]): string | null {
    const user = caller.user;
    if (user === null || user.unrestricted) return null;
    const { verdict, position } = this.verdict(user, spec, argv);
    if (verdict === Verdict.ok) return null;
    this.logDenial(caller, user, verdict, 'lua', spec, argv, position);
    if (verdict === Verdict.command) return "ERR The user executing the script can't run this command or subcommand";
    if (verdict === Verdict.key) return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments";
    return "ERR The user executing the script can't publish to the channel mentioned in the command";
  }

  logDenial(
    session: Session,
    user: User,
    verdict: Verdict,
    context: AclLogContext,
    spec: CommandSpec | null,
    argv: readonly ByteString[],
    position: number,
  ): void {
    const object = verdict === Verdict.command ? (spec?.fullName ?? '') : (argv[position] ?? '');
    this.addLog(session, REASONS[verdict] ?? 'command', context, object, user.name);
  }

  addLog(session: Session, reason: AclLogReason, context: AclLogContext, object: ByteString, username: ByteString): void {
    this.log.add(
      { reason, context, object, username, createdAtMs: this.node.clock(), clientInfo: session.connection?.describe() ?? '' },
      this.node.config.number('acllog-max-len'),
    );
  }

  // ─── Authentication ───────────────────────────────────────────────────────────────────────

  /** AUTH and HELLO AUTH: switches the session to the user, or logs the failure. */
  authenticate(session: Session, username: ByteString, password: ByteString, commandName: ByteString): boolean {
    const user = this.users.get(username);
    if (user === undefined || !user.accepts(password)) {
      this.addLog(session, 'auth', session.transaction.inMulti || session.transaction.executing ? 'multi' : 'toplevel', commandName, username);
      return false;
    }
    session.user = user;
    session.authenticated = true;
    return true;
  }

  // ─── Users ────────────────────────────────────────────────────────────────────────────────

  /** ACL SETUSER: all the rules or none. Throws the ReplyError Redis answers. */
  setUser(name: ByteString, rules: readonly ByteString[]): void {
    const existing = this.users.get(name);
    const draft = existing?.clone() ?? this.createUser(name);
    for (const rule of rules) {
      try {
        draft.apply(rule);
      } catch (err) {
        if (!(err instanceof AclRuleError)) throw err;
        throw new ReplyError(`ERR Error in ACL SETUSER modifier '${cString(rule)}': ${err.message}`);
      }
    }
    if (existing === undefined) this.users.set(name, draft);
    else {
      existing.assign(draft);
      this.disconnectLostSubscribers(existing, null);
    }
  }

  /**
   * After a user's channels changed: its connections subscribed to a channel (or a pattern) the
   * user may no longer use are closed, as Redis 7.0 does (ACLKillPubsubClientsIfNeeded).
   */
  disconnectLostSubscribers(user: User, caller: Session | null): void {
    const selectors = [user.root, ...user.selectors];
    if (selectors.some((s) => s.allChannels)) return;
    const allowed = (channel: ByteString, isPattern: boolean): boolean => selectors.some((s) => s.channelAllowed(channel, isPattern));
    for (const client of [...this.node.clients.values()]) {
      if (client.session.user !== user) continue;
      const subs = client.session.subscriptions;
      let lost = false;
      for (const channel of subs.channels) if (!allowed(channel, false)) lost = true;
      for (const channel of subs.shardChannels) if (!allowed(channel, false)) lost = true;
      for (const pattern of subs.patterns) if (!allowed(pattern, true)) lost = true;
      if (!lost) continue;
      if (caller !== null && client === caller.connection) client.closeAfterReply = true;
      else client.close();
    }
  }

  /** Removes users (never the default one); their connections are closed. Returns how many. */
  deleteUsers(names: readonly ByteString[], caller: Session): number {
    let deleted = 0;
    for (const name of names) {
      const user = this.users.get(name);
      if (user === undefined) continue;
      this.users.delete(name);
      this.disconnect(user, caller);
      deleted++;
    }
    return deleted;
  }

  /** Closes the connections authenticated as `user` (the caller's after its reply). */
  disconnect(user: User, caller: Session | null): void {
    for (const client of [...this.node.clients.values()]) {
      if (client.session.user !== user) continue;
      client.session.user = this.defaultUser;
      client.session.authenticated = false;
      if (caller !== null && client === caller.connection) client.closeAfterReply = true;
      else client.close();
    }
  }

  // ─── Persistence: redis.conf `user` lines and the ACL file ─────────────────────────────────

  /** The `user` lines of redis.conf, applied once at start-up. */
  loadConfigUsers(lines: ReadonlyArray<readonly ByteString[]>): void {
    const { users, errors } = parseConfigUsers(lines, (name) => this.createUser(name));
    if (errors !== '') throw new Error(errors.trim());
    for (const [name, user] of users) this.install(name, user);
  }

  /** ACL LOAD (and start-up with aclfile): replaces every user; throws the file's errors. */
  loadFile(path: string): void {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      // strerror's words, as Redis prints them.
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : (err as Error).message;
      throw new Error(`Error loading ACLs, opening file '${path}': ${reason}`);
    }
    const { lines, errors: lineErrors } = splitAclFile(readAsRedis(bytes), path);
    const parsed = parseFileUsers(lines, path, (name) => this.createUser(name));
    const errors = lineErrors + parsed.errors;
    if (errors !== '') throw new Error(`${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`);
    const users = parsed.users;
    const previous = [...this.users.values()];
    this.users.clear();
    this.users.set('default', this.defaultUser);
    const fresh = this.createUser('default');
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) fresh.apply(rule);
    this.defaultUser.assign(users.get('default') ?? fresh);
    users.delete('default');
    for (const [name, user] of users) this.users.set(name, user);
    // Every user but the default one was replaced: their connections are closed, as in Redis.
    for (const user of previous) if (user !== this.defaultUser) this.disconnect(user, null);
  }

  /** ACL SAVE: every user as its ACL LIST line, written atomically. */
  saveFile(path: string): void {
    replaceFileSync(path, [Buffer.from(this.listLines().map((l) => `${l}\n`).join(''), 'latin1')]);
  }

  /**
   * CONFIG REWRITE's `user` lines: every user, default included, as ACL LIST describes them;
   * none (old lines dropped) when the users live in an ACL file.
   */
  rewriteDirective(): { name: string; lines: string[] } {
    if (this.node.config.string('aclfile') !== '') return { name: 'user', lines: [] };
    return { name: 'user', lines: this.listLines().map((line) => line.slice('user '.length)) };
  }

  /** ACL LIST's lines, users in name order. */
  listLines(): string[] {
    return [...this.users.keys()].sort().map((name) => `user ${name} ${(this.users.get(name) as User).describe()}`);
  }

  private install(name: ByteString, user: User): void {
    if (name === 'default') this.defaultUser.assign(user);
    else this.users.set(name, user);
  }
}

/** -NOPERM's text for a denial (Redis 7.0's non-verbose wording). */
export function denialText(verdict: Verdict, spec: CommandSpec): string {
  switch (verdict) {
    case Verdict.key:
      return 'this user has no permissions to access one of the keys used as arguments';
    case Verdict.channel:
      return 'this user has no permissions to access one of the channels used as arguments';
    default:
      return `this user has no permissions to run the '${spec.fullName}' command`;
  }
}

/**
 * SETUSER's arguments with multi-word selectors joined ("(~x" "+get)" is the one rule
 * "(~x +get)"). Throws Redis's error, quoting the whole argument that opened the selector.
 */
export function mergeSelectorRules(args: readonly ByteString[]): ByteString[] {
  const { rules, unmatchedAt } = joinSelectorArgs(args);
  if (unmatchedAt !== null) throw new ReplyError(`ERR Unmatched parenthesis in acl selector starting at '${cString(unmatchedAt)}'.`);
  return rules;
}

/** A rule as Redis quotes it in an error: printed as a C string, it ends at a NUL byte. */
function cString(text: ByteString): ByteString {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}
