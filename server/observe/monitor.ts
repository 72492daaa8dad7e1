/**
 * MONITOR: clients that asked to see every command the server runs, as Redis 7.0 shows them.
 *
 * Each command becomes one status line, `+<unix seconds>.<microseconds> [<db> <client>] "arg"
 * "arg"...`, sent to every monitor: <client> is the address (`lua` for a command a script ran);
 * each argument is quoted with C escapes (\n, \r, \t, \a, \b, \\, \", other unprintable bytes as
 * \xHH). A command is shown once it has run, with the database it left the client in and its
 * secrets redacted as in SLOWLOG; EVAL, EVALSHA and FCALL are shown before they run, so the
 * commands their script runs follow them (their line is held until the first of those, or
 * their end, and dropped when the script's flags get it refused), and EXEC after the commands it
 * ran. Commands flagged admin or skip_monitor (CONFIG, DEBUG, SLOWLOG, SHUTDOWN, MONITOR...) and
 * rejected ones are never shown.
 *
 * A monitoring connection is a replica to Redis: it may not run commands that touch keys, and
 * only RESET (or closing) ends monitoring.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandSpec } from '../dispatch/command';
import type { Session } from '../dispatch/session';
import type { RedisNode } from '../node';
import { redact } from './slowlog';
import { reprQuote } from '../config/codecs';

/** Shown before they run: the commands their scripts run come after them. */
const SHOWN_BEFORE = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

export class Monitors {
  private readonly sessions = new Set<Session>();

  constructor(private readonly node: RedisNode) {}

  get size(): number {
    return this.sessions.size;
  }

  add(session: Session): void {
    this.sessions.add(session);
  }

  remove(session: Session): void {
    this.sessions.delete(session);
  }

  has(session: Session): boolean {
    return this.sessions.has(session);
  }

  /** Whether `spec` is shown before it runs (true) or after (false), or not at all (null). */
  static when(spec: CommandSpec): 'before' | 'after' | null {
    // The script commands are flagged skip_monitor in Redis, which shows them itself before
    // their script runs.
    if (SHOWN_BEFORE.has(spec.fullName)) return 'before';
    return spec.flags.has('admin') || spec.flags.has('skip_monitor') ? null : 'after';
  }

  /** The line of a script command about to run: shown before its script's first line (hold). */
  private heldLine: string | null = null;

  /**
   * A script command starts: its line waits, shown before the first command its script runs
   * or when it ends (release), and dropped if it turns out to be refused before running.
   */
  hold(session: Session, spec: CommandSpec, argv: readonly ByteString[]): void {
    this.heldLine = this.lineOf(session, spec, argv);
  }

  release(show: boolean): void {
    const line = this.heldLine;
    this.heldLine = null;
    if (show && line !== null) this.send(line);
  }

  /** Sends the line for a command `session` ran to every monitor. */
  feed(session: Session, spec: CommandSpec, argv: readonly ByteString[]): void {
    this.release(true);
    this.send(this.lineOf(session, spec, argv));
  }

  private lineOf(session: Session, spec: CommandSpec, argv: readonly ByteString[]): string {
    const micros = this.node.timeMicros();
    const seconds = Math.floor(micros / 1e6);
    const fraction = String(micros % 1e6).padStart(6, '0');
    const connection = session.connection;
    const who = connection !== null ? connection.addr : session.kind === 'normal' ? 'lua' : '?:0';
    let line = `+${seconds}.${fraction} [${session.db.id} ${who}]`;
    for (const arg of redact(spec, argv)) line += ` ${reprQuote(arg)}`;
    return line + '\r\n';
  }

  private send(line: string): void {
    // A monitor sees its own commands too, except its QUIT: as Redis writes nothing more to a
    // client that is to be closed after its reply.
    for (const monitor of this.sessions) if (monitor.connection?.closeAfterReply !== true) this.node.pubsub.sendRaw(monitor, line);
  }
}
