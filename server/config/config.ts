/**
 * The configuration of one node: typed current values of every directive in the table, loaded
 * from redis-server's command line and redis.conf, read with CONFIG GET, changed with CONFIG
 * SET, and written back with CONFIG REWRITE.
 *
 * Reads are a Map lookup returning the typed value (`config.value('port')` is a number), cheap
 * enough for hot paths; `bool`/`number`/`string` are the same lookup with narrower name types.
 * Each node owns its Config (no module state), so several nodes can live in one process.
 *
 * CONFIG SET follows 7.0.15 in order: every name is looked up first (unknown, immutable,
 * protected and duplicate names fail before any value is looked at), then every value is
 * parsed, then all are stored together and the change listeners run. A listener can refuse a
 * change (say the new port cannot be bound) by returning a reason; everything is then rolled
 * back, the listeners of the changes already applied are called again with the old values, and
 * the reply names the refused directive, as Redis does when an apply function fails.
 *
 * Startup order for the CLI:
 *     const cmd = parseCommandLine(process.argv.slice(2));   // version / help / run
 *     const config = Config.fromCommandLine(cmd, io);          // throws ConfigFileError, ...
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { globMatch } from '../../storage/glob';
import { ConfigValueError, type ParseContext } from './codecs';
import {
  type ConfigIo, type ConfigLine, type RunCommandLine, ConfigFileError, commandLineConfigText, configLines,
  lineError, parseCommandLine,
} from './config-file';
import {
  DEPRECATED_DIRECTIVES, DIRECTIVES, findDirective, type BoolDirective, type Directive, type DirectiveName,
  type NumberDirective, type StringDirective, type ValueOf,
} from './directives';
import { type ExtraDirective, rewriteConfigFile } from './rewrite';

/** A refused CONFIG SET; `reply` is the exact error reply without the leading `-`. */
export class ConfigSetError extends Error {
  override readonly name = 'ConfigSetError';
  constructor(readonly reply: string) {
    super(reply);
  }
}

/** The reply of a CONFIG SET refused because of one of its arguments. */
export function configSetFailed(argument: string, reason: string): ConfigSetError {
  return new ConfigSetError(`ERR CONFIG SET failed (possibly related to argument '${argument}') - ${reason}`);
}

/** What a CONFIG SET would change, from Config.checkSet. */
export interface SetPlan {
  /** The value `name` will have after the SET (its current one when the SET leaves it alone). */
  valueAfter<N extends DirectiveName>(name: N): ValueOf<N>;
  /** Which name/value pair of the SET sets `name` (0 for the first); -1 when none does. */
  argumentIndex(name: DirectiveName): number;
}

/** A config line the config module does not interpret (rename-command, user, loadmodule...). */
export interface ExtraLine {
  readonly name: string;
  readonly args: readonly string[];
  readonly lineNumber: number;
}

/** Returns a reason string to refuse the change, or nothing to accept it. */
export type ChangeListener<T> = (value: T, previous: T) => string | void;

interface Entry {
  value: unknown;
  text: string;
}

export interface ConfigOptions {
  /** The working directory: default `dir`, base of relative paths. process.cwd() if absent. */
  readonly cwd?: string;
  /**
   * Validates rename-command / user / loadmodule / sentinel lines during loading; returns an
   * error reason (reported like any bad config line) or null. They are kept in `extras`.
   */
  readonly checkExtra?: (line: ExtraLine) => string | null;
}

const NODE_IO: ConfigIo = {
  readFile: (path) => readFileSync(path),
  readStdin: () => readFileSync(0),
};

const EXTRA_DIRECTIVES: ReadonlyMap<string, number> = new Map([
  // name -> minimum number of arguments, below which the line is a bad directive
  ['rename-command', 2],
  ['user', 1],
  ['loadmodule', 1],
  ['sentinel', 1],
]);

function splitOnSpaces(text: string): string[] {
  return text.split(' ').filter((w) => w !== '');
}

export class Config {
  /** Absolute path of the config file the node was started with (INFO's config_file). */
  configFile: string | null = null;
  /** rename-command, user, loadmodule and sentinel lines, in file order. */
  readonly extras: ExtraLine[] = [];
  /** `name.with.dot value` lines meant for modules (redis-server aborts at startup on them). */
  readonly moduleConfigs: ExtraLine[] = [];

  private readonly entries = new Map<string, Entry>();
  private readonly defaults = new Map<string, unknown>();
  private readonly listeners = new Map<string, Array<ChangeListener<unknown>>>();
  private readonly cwd: string;
  private readonly checkExtra: ((line: ExtraLine) => string | null) | undefined;

  constructor(options: ConfigOptions = {}) {
    this.cwd = options.cwd ?? process.cwd();
    this.checkExtra = options.checkExtra;
    const ctx: ParseContext = { source: 'set', cwd: this.cwd };
    for (const d of DIRECTIVES) {
      const dd: Directive = d;
      const args = dd.codec.multiArg && dd.defaultText !== '' ? splitOnSpaces(dd.defaultText) : [dd.defaultText];
      const value = dd.codec.parse(args, undefined, ctx);
      this.defaults.set(dd.name, value);
      this.entries.set(dd.name, { value, text: dd.codec.format(value) });
    }
  }

  /** Parses argv (without node and script) and loads it; throws if argv asks for -v / -h. */
  static fromArgs(argv: readonly string[], io: ConfigIo = NODE_IO, options: ConfigOptions = {}): Config {
    const cmd = parseCommandLine(argv);
    if (cmd.kind !== 'run') throw new Error(`command line asks for ${cmd.kind}, not a server run`);
    return Config.fromCommandLine(cmd, io, options);
  }

  /**
   * Loads a run command line: config file, stdin, then options. Throws ConfigOpenError (file
   * unreadable) or ConfigFileError (bad line), whose texts the CLI prints before exiting 1.
   */
  static fromCommandLine(cmd: RunCommandLine, io: ConfigIo = NODE_IO, options: ConfigOptions = {}): Config {
    const config = new Config(options);
    // Redis makes the path absolute first, so errors and INFO show the absolute path.
    const configFile = cmd.configFile === null ? null : resolve(config.cwd, cmd.configFile);
    config.configFile = configFile;
    config.loadText(commandLineConfigText({ ...cmd, configFile }, io), io);
    return config;
  }

  /** Applies a whole config text (redis.conf syntax), stopping at the first bad line. */
  loadText(text: Buffer, io: ConfigIo = NODE_IO): void {
    this.applyDirectives(configLines(text, io, (p) => resolve(this.string('dir'), p)));
  }

  /** Applies config lines in order, as at startup: no listeners run. */
  applyDirectives(lines: Iterable<ConfigLine>): void {
    let sawSave = false;
    for (const line of lines) {
      const d = findDirective(line.name);
      if (d === undefined) {
        this.applyOtherLine(line);
        continue;
      }
      let args = line.args;
      if (d.codec.multiArg) {
        if (args.length === 1) args = splitOnSpaces(args[0] ?? '');
      } else if (args.length !== 1) {
        throw lineError(line, 'wrong number of arguments');
      }
      const entry = this.entry(d.name);
      // The first save line of a load replaces the built-in points; later ones add to them.
      const current = d.name === 'save' && !sawSave ? [] : entry.value;
      if (d.name === 'save') sawSave = true;
      try {
        const value = this.parseValue(d, args, current, 'file');
        entry.value = value;
        entry.text = d.codec.format(value);
      } catch (err) {
        if (err instanceof ConfigValueError) throw lineError(line, err.message);
        throw err;
      }
    }
  }

  private applyOtherLine(line: ConfigLine): void {
    if (DEPRECATED_DIRECTIVES.has(line.name)) return;
    const extra: ExtraLine = { name: line.name, args: line.args, lineNumber: line.lineNumber };
    const minArgs = EXTRA_DIRECTIVES.get(line.name);
    if (minArgs !== undefined) {
      if (line.args.length < minArgs || (line.name === 'rename-command' && line.args.length !== 2)) {
        throw lineError(line, 'Bad directive or wrong number of arguments');
      }
      const reason = this.checkExtra?.(extra) ?? null;
      if (reason !== null) throw lineError(line, reason);
      this.extras.push(extra);
      return;
    }
    if (line.name.includes('.')) {
      if (line.args.length === 0) throw lineError(line, 'Module config specified without value');
      this.moduleConfigs.push(extra);
      return;
    }
    throw lineError(line, 'Bad directive or wrong number of arguments');
  }

  private parseValue(d: Directive, args: readonly string[], current: unknown, source: 'file' | 'set'): unknown {
    const ctx: ParseContext = { source, cwd: this.string('dir') };
    const value = d.codec.parse(args, current, ctx);
    return d.clamp !== undefined ? d.clamp(value, source) : value;
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (e === undefined) throw new Error(`config entry missing for ${name}`);
    return e;
  }

  // -------------------------------------------------------------------------------------------
  // Typed reads
  // -------------------------------------------------------------------------------------------

  /** The current value of a directive, typed from the table. */
  value<N extends DirectiveName>(name: N): ValueOf<N> {
    // The table guarantees the stored value has the directive's codec type.
    return this.entry(name).value as ValueOf<N>;
  }

  bool(name: BoolDirective): boolean {
    return this.value(name);
  }

  number(name: NumberDirective): number {
    return this.value(name);
  }

  string(name: StringDirective): string {
    return this.value(name);
  }

  /**
   * A file path read from the configuration (logfile, pidfile...), as the server must open it.
   * redis-server chdir()s into `dir` when it reads it, and opens such files after loading the
   * whole configuration, so a relative path is relative to the final `dir`, whether it came
   * before or after `dir`. A node cannot chdir (several share a process): it resolves instead.
   * An unset path ('') stays ''.
   */
  filePath(name: 'logfile' | 'pidfile'): string {
    const value = this.string(name);
    return value === '' ? '' : resolve(this.string('dir'), value);
  }

  /** The value exactly as CONFIG GET prints it (name or alias, case-insensitive). */
  text(name: string): string | undefined {
    const d = findDirective(name);
    return d === undefined ? undefined : this.entry(d.name).text;
  }

  // -------------------------------------------------------------------------------------------
  // CONFIG GET
  // -------------------------------------------------------------------------------------------

  /**
   * CONFIG GET: each pattern is a glob over every name and alias (case-insensitive, hidden
   * test knobs excluded); a pattern without glob characters is an exact lookup, answered under
   * the name as asked and able to reach hidden ones. Each name is listed once.
   */
  get(patterns: readonly string[]): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const seen = new Set<string>();
    const add = (name: string, text: string): void => {
      const key = name.toLowerCase();
      if (seen.has(key)) return;
      seen.add(key);
      out.push([name, text]);
    };
    for (const pattern of patterns) {
      if (!/[*?[]/.test(pattern)) {
        const text = this.text(pattern);
        if (text !== undefined) add(pattern, text);
        continue;
      }
      for (const d of DIRECTIVES) {
        const dd: Directive = d;
        if (dd.hidden) continue;
        const text = this.entry(dd.name).text;
        if (globMatch(pattern, dd.name, true)) add(dd.name, text);
        for (const alias of dd.aliases) if (globMatch(pattern, alias, true)) add(alias, text);
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // CONFIG SET
  // -------------------------------------------------------------------------------------------

  /**
   * CONFIG SET of several pairs, all or nothing. `local` says the client is on a loopback
   * connection (enable-protected-configs local). Throws ConfigSetError with the reply text.
   */
  set(pairs: ReadonlyArray<readonly [string, string]>, opts: { local?: boolean } = {}): void {
    const { targets, values } = this.parseSet(pairs, opts);
    // Store everything, then tell the listeners; a refusal rolls the whole call back.
    const previous = targets.map((d) => ({ ...this.entry(d.name) }));
    const changed: boolean[] = [];
    targets.forEach((d, i) => {
      const entry = this.entry(d.name);
      const text = d.codec.format(values[i]);
      changed.push(text !== entry.text);
      entry.value = values[i];
      entry.text = text;
    });
    for (let i = 0; i < targets.length; i++) {
      if (!changed[i]) continue;
      const d = targets[i] as Directive;
      const reason = this.notify(d.name, values[i], (previous[i] as Entry).value);
      if (reason === null) continue;
      targets.forEach((t, j) => Object.assign(this.entry(t.name), previous[j]));
      for (let j = 0; j < i; j++) {
        if (changed[j]) this.notify((targets[j] as Directive).name, (previous[j] as Entry).value, values[j]);
      }
      throw configSetFailed((pairs[i] as readonly [string, string])[0], reason);
    }
  }

  /**
   * The checks of CONFIG SET without the change: throws the ConfigSetError `set` would throw for
   * a bad name or value, else says what the values would become. The caller can prepare an
   * effect that cannot be undone synchronously (binding a new port) before calling `set`.
   */
  checkSet(pairs: ReadonlyArray<readonly [string, string]>, opts: { local?: boolean } = {}): SetPlan {
    const { targets, values } = this.parseSet(pairs, opts);
    return {
      valueAfter: <N extends DirectiveName>(name: N): ValueOf<N> => {
        const i = targets.findIndex((d) => d.name === name);
        // The values were parsed by this directive's codec, so they have its type.
        return (i < 0 ? this.value(name) : values[i]) as ValueOf<N>;
      },
      argumentIndex: (name) => targets.findIndex((d) => d.name === name),
    };
  }

  /** CONFIG SET's first two phases: every name, then every value; throws ConfigSetError. */
  private parseSet(pairs: ReadonlyArray<readonly [string, string]>, opts: { local?: boolean }): { targets: Directive[]; values: unknown[] } {
    const protectedAllowed = this.protectedAllowed(opts.local === true);
    const targets: Directive[] = [];
    const seen = new Set<string>();
    for (const [name] of pairs) {
      const d = findDirective(name);
      if (d === undefined) throw new ConfigSetError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
      if (d.immutable) throw configSetFailed(name, "can't set immutable config");
      if (d.protectedConfig && !protectedAllowed) throw configSetFailed(name, "can't set protected config");
      if (seen.has(name.toLowerCase())) throw configSetFailed(name, 'duplicate parameter');
      seen.add(name.toLowerCase());
      targets.push(d);
    }
    const values: unknown[] = [];
    pairs.forEach(([name, text], i) => {
      const d = targets[i] as Directive;
      const args = d.codec.multiArg ? splitOnSpaces(text) : [text];
      try {
        values.push(this.parseValue(d, args, this.entry(d.name).value, 'set'));
      } catch (err) {
        if (err instanceof ConfigValueError) throw configSetFailed(name, err.message);
        throw err;
      }
    });
    return { targets, values };
  }

  private protectedAllowed(local: boolean): boolean {
    const mode = this.value('enable-protected-configs');
    return mode === 'yes' || (mode === 'local' && local);
  }

  /** Runs the listeners of one directive; the first refusal's reason, or null. */
  private notify(name: string, value: unknown, previous: unknown): string | null {
    for (const listener of this.listeners.get(name) ?? []) {
      const reason = listener(value, previous);
      if (typeof reason === 'string') return reason;
    }
    return null;
  }

  /**
   * Calls `listener` after CONFIG SET changes `name` (not at startup, not when the value is
   * unchanged). Returning a string refuses the change with that reason. Returns an unsubscribe.
   */
  onChange<N extends DirectiveName>(name: N, listener: ChangeListener<ValueOf<N>>): () => void {
    const list = this.listeners.get(name) ?? [];
    // Listeners are stored untyped; they are only ever called with this directive's values.
    const untyped = listener as ChangeListener<unknown>;
    list.push(untyped);
    this.listeners.set(name, list);
    return () => {
      const i = list.indexOf(untyped);
      if (i >= 0) list.splice(i, 1);
    };
  }

  // -------------------------------------------------------------------------------------------
  // CONFIG REWRITE
  // -------------------------------------------------------------------------------------------

  /**
   * Rewrites the config file with the current values (see rewrite.ts). `extras` supplies lines
   * of directives owned elsewhere, e.g. the ACL's `user` lines; `live` the current value of
   * directives the server changes at run time by other commands (replicaof, moved by REPLICAOF);
   * `forceAll` writes every directive, defaults too (DEBUG CONFIG-REWRITE-FORCE-ALL).
   * Throws ConfigRewriteError.
   */
  rewrite(extras: readonly ExtraDirective[] = [], live: ReadonlyMap<string, unknown> = new Map(), forceAll = false): void {
    rewriteConfigFile(this.configFile, {
      current: (d) => (live.has(d.name) ? live.get(d.name) : this.entry(d.name).value),
      defaultOf: (d) => this.defaults.get(d.name),
      text: (d) => this.entry(d.name).text,
    }, extras, forceAll);
  }
}

