/**
 * COMMAND and its subcommands: the server describing its own command table. Every answer is
 * built from the captured Redis metadata (meta/command-meta.generated.ts), so clients that
 * generate their command lists from COMMAND see exactly what Redis 7.0 would tell them, minus
 * the commands hashslot does not implement.
 */
import type { ByteString } from '../../storage/bytes';
import { globMatch } from '../../storage/glob';
import { writeRespValue, type RespValue } from '../../protocol/resp-value';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, isWord, syntaxError } from './args';
import { cmd, type CommandImpl, type CommandSpec } from '../dispatch/command';
import { findKeys, hasKeySpecs } from '../dispatch/key-specs';
import { lookupCommand } from '../dispatch/dispatch';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';

function writeInfo(ctx: CommandContext, names: Iterable<string>): void {
  const list = [...names];
  ctx.reply.array(list.length);
  for (const name of list) {
    const info = ctx.server.commands.info(name.toLowerCase());
    if (info === undefined) ctx.reply.nullBulk();
    else writeRespValue(ctx.reply, info);
  }
}

function allNames(ctx: CommandContext): string[] {
  return [...ctx.server.commands.all()].map((spec) => spec.fullName);
}

function docsCommand(ctx: CommandContext, argv: ByteString[]): void {
  const table = ctx.server.commands;
  const names = argv.length > 2 ? argv.slice(2).map((n) => n.toLowerCase()) : allNames(ctx);
  const found: Array<[string, RespValue]> = [];
  for (const name of names) {
    const docs = table.docs(name);
    if (docs !== undefined) found.push([name, docs]);
  }
  ctx.reply.map(found.length);
  for (const [name, docs] of found) {
    ctx.reply.bulk(name);
    writeRespValue(ctx.reply, docs);
  }
}

function categoriesOf(info: RespValue | undefined): string[] {
  if (!Array.isArray(info)) return [];
  const cats = info[6];
  if (cats === null || cats === undefined || typeof cats !== 'object' || Array.isArray(cats) || !('~' in cats)) return [];
  return cats['~'].map((c) => (typeof c === 'object' && c !== null && '+' in c ? c['+'] : String(c)));
}

function listCommand(ctx: CommandContext, argv: ByteString[]): void {
  let accept: (spec: CommandSpec) => boolean = () => true;
  if (argv.length === 5 && isWord(argv[2], 'filterby')) {
    const kind = at(argv, 3).toLowerCase();
    const arg = at(argv, 4);
    if (kind === 'module') accept = () => false;
    else if (kind === 'aclcat') {
      const wanted = '@' + arg.toLowerCase();
      accept = (spec) => categoriesOf(ctx.server.commands.info(spec.fullName)).includes(wanted);
    } else if (kind === 'pattern') accept = (spec) => globMatch(arg, spec.fullName, true);
    else syntaxError();
  } else if (argv.length !== 2) {
    syntaxError();
  }
  const names: string[] = [];
  for (const spec of ctx.server.commands.all()) {
    if (accept(spec)) names.push(spec.fullName);
    if (spec.subcommands !== null) for (const sub of spec.subcommands.values()) if (accept(sub)) names.push(sub.fullName);
  }
  ctx.reply.bulkArray(names);
}

/** The command an argv names for GETKEYS, with GETKEYS's own error texts. */
function targetOf(ctx: CommandContext, argv: ByteString[]): { spec: CommandSpec; args: ByteString[] } {
  const args = argv.slice(2);
  try {
    return { spec: lookupCommand(ctx.server.commands, args), args };
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    if (err.text.startsWith('ERR wrong number')) throw new ReplyError(ERR.invalidArgsForCommand);
    throw new ReplyError(ERR.invalidCommandName);
  }
}

function getkeysCommand(withFlags: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const { spec, args } = targetOf(ctx, argv);
    const flags: Array<readonly string[]> = [];
    const keys = findKeys(spec.keys, args, flags);
    if (keys.length === 0) {
      // No keys in this call: a command without keys says so; one whose keys are optional
      // (EVAL with numkeys 0) answers none; otherwise the arguments were invalid (numkeys
      // larger than what follows).
      if (!hasKeySpecs(spec.keys)) throw new ReplyError(ERR.noKeysInCommand);
      if (spec.flags.has('no_mandatory_keys')) {
        ctx.reply.array(0);
        return;
      }
      throw new ReplyError(ERR.invalidArgumentsForCommand);
    }
    ctx.reply.array(keys.length);
    keys.forEach((index, n) => {
      if (!withFlags) {
        ctx.reply.bulk(args[index] as ByteString);
        return;
      }
      const keyFlags = flags[n] ?? [];
      ctx.reply.array(2);
      ctx.reply.bulk(args[index] as ByteString);
      ctx.reply.set(keyFlags.length);
      for (const f of keyFlags) ctx.reply.simple(f);
    });
  };
}

export const commandCommands: CommandImpl[] = [
  cmd('command', (ctx) => writeInfo(ctx, allNames(ctx))),
  cmd('command|count', (ctx) => ctx.reply.integer(ctx.server.commands.size)),
  cmd('command|info', (ctx, argv) => writeInfo(ctx, argv.length > 2 ? argv.slice(2) : allNames(ctx))),
  cmd('command|docs', docsCommand),
  cmd('command|list', listCommand),
  cmd('command|getkeys', getkeysCommand(false)),
  cmd('command|getkeysandflags', getkeysCommand(true)),
  cmd('command|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.command ?? [])),
];
