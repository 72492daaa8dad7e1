/**
 * ACL and its subcommands: users (SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI), what the rules
 * mean (CAT, DRYRUN), GENPASS, LOG, and the ACL file (LOAD, SAVE). The rules themselves and the
 * checks are in server/acl/; this file parses arguments and writes Redis 7.0.15's replies.
 */
import { randomBytes } from 'node:crypto';
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError, subcommandSyntax } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { lookupCommand } from '../dispatch/dispatch';
import { ACL_CATEGORIES, categoryBit } from '../acl/acl-commands';
import { mergeSelectorRules } from '../acl/acl';
import { describeCommandRules } from '../acl/describe-rules';
import { Verdict, hasSpaces, type Selector } from '../acl/selector';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { at, intArg } from './args';

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function setUser(ctx: CommandContext, argv: ByteString[]): void {
  const name = at(argv, 2);
  if (hasSpaces(name)) throw new ReplyError("ERR Usernames can't contain spaces or null characters");
  ctx.server.acl.setUser(name, mergeSelectorRules(argv.slice(3)));
  ctx.reply.ok();
}

function getUser(ctx: CommandContext, argv: ByteString[]): void {
  const user = ctx.server.acl.users.get(at(argv, 2));
  const out = ctx.reply;
  if (user === undefined) {
    out.null();
    return;
  }
  out.map(6);
  out.bulk('flags');
  const flags = user.flags();
  out.set(flags.length);
  for (const f of flags) out.bulk(f);
  out.bulk('passwords');
  out.array(user.passwords.length);
  for (const p of user.passwords) out.bulk(p);
  writeSelectorFields(ctx, user.root);
  out.bulk('selectors');
  out.array(user.selectors.length);
  for (const selector of user.selectors) {
    out.map(3);
    writeSelectorFields(ctx, selector);
  }
}

function writeSelectorFields(ctx: CommandContext, selector: Selector): void {
  const out = ctx.reply;
  out.bulk('commands');
  out.bulk(describeCommandRules(selector));
  out.bulk('keys');
  out.bulk(selector.describeKeys());
  out.bulk('channels');
  out.bulk(selector.describeChannels());
}

function catCommand(ctx: CommandContext, argv: ByteString[]): void {
  const out = ctx.reply;
  if (argv.length === 2) {
    out.array(ACL_CATEGORIES.length);
    for (const name of ACL_CATEGORIES) out.bulk(name);
    return;
  }
  if (argv.length > 3) throw new ReplyError(subcommandSyntax('acl', at(argv, 1)));
  const bit = categoryBit(at(argv, 2));
  if (bit === 0) throw new ReplyError(`ERR Unknown category '${at(argv, 2)}'`);
  const names = ctx.server.acl.commands.all.filter((c) => (c.categories & bit) !== 0).map((c) => c.fullName);
  out.array(names.length);
  for (const name of names) out.bulk(name);
}

function dryRun(ctx: CommandContext, argv: ByteString[]): void {
  const acl = ctx.server.acl;
  const user = acl.users.get(at(argv, 2));
  if (user === undefined) throw new ReplyError(`ERR User '${at(argv, 2)}' not found`);
  const call = argv.slice(3);
  const top = ctx.server.commands.lookup(at(call, 0));
  const sub = top?.subcommands !== null && call.length >= 2 ? top?.subcommands?.get(at(call, 1).toLowerCase()) : top;
  if (top === undefined || sub === undefined) throw new ReplyError(`ERR Command '${at(call, 0)}' not found`);
  let spec;
  try {
    spec = lookupCommand(ctx.server.commands, call);
  } catch (err) {
    if (err instanceof ReplyError) throw new ReplyError(`ERR wrong number of arguments for '${sub.fullName}' command`);
    throw err;
  }
  const { verdict, position } = acl.verdict(user, spec, call);
  if (verdict === Verdict.ok) ctx.reply.ok();
  else if (verdict === Verdict.key) ctx.reply.bulk(`This user has no permissions to access the '${at(call, position)}' key`);
  else if (verdict === Verdict.channel) ctx.reply.bulk(`This user has no permissions to access the '${at(call, position)}' channel`);
  else ctx.reply.bulk(`This user has no permissions to run the '${spec.fullName}' command`);
}

function genPass(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 3) throw new ReplyError(subcommandSyntax('acl', at(argv, 1)));
  let bits = 256;
  if (argv.length > 2) {
    bits = intArg(at(argv, 2));
    if (bits <= 0 || bits > 4096) {
      throw new ReplyError('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    }
  }
  const chars = Math.floor((bits + 3) / 4);
  // A password generator needs a secure source, not the node's seeded one.
  ctx.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

function logCommand(ctx: CommandContext, argv: ByteString[]): void {
  const acl = ctx.server.acl;
  let count = 10;
  if (argv.length === 3) {
    const arg = at(argv, 2);
    if (arg.toLowerCase() === 'reset') {
      acl.log.reset();
      ctx.reply.ok();
      return;
    }
    count = Math.max(0, intArg(arg));
  } else if (argv.length > 3) {
    throw new ReplyError(subcommandSyntax('acl', at(argv, 1)));
  }
  acl.log.reply(ctx.reply, count, ctx.server.clock());
}

function aclFile(ctx: CommandContext): string {
  const path = ctx.config.string('aclfile');
  if (path === '') throw new ReplyError(NO_ACL_FILE);
  return path;
}

export const aclCommands: CommandImpl[] = [
  cmd('acl|setuser', setUser),
  cmd('acl|getuser', getUser),
  cmd('acl|deluser', (ctx, argv) => {
    const names = argv.slice(2);
    if (names.includes('default')) throw new ReplyError("ERR The 'default' user cannot be removed");
    ctx.reply.integer(ctx.server.acl.deleteUsers(names, ctx.session));
  }),
  cmd('acl|users', (ctx) => {
    const names = [...ctx.server.acl.users.keys()].sort();
    ctx.reply.array(names.length);
    for (const name of names) ctx.reply.bulk(name);
  }),
  cmd('acl|list', (ctx) => {
    const lines = ctx.server.acl.listLines();
    ctx.reply.array(lines.length);
    for (const line of lines) ctx.reply.bulk(line);
  }),
  cmd('acl|whoami', (ctx) => ctx.reply.bulk(ctx.session.user?.name ?? 'default')),
  cmd('acl|cat', catCommand),
  cmd('acl|dryrun', dryRun),
  cmd('acl|genpass', genPass),
  cmd('acl|log', logCommand),
  cmd('acl|load', (ctx) => {
    const path = aclFile(ctx);
    try {
      ctx.server.acl.loadFile(path);
    } catch (err) {
      if (err instanceof ReplyError) throw err;
      throw new ReplyError(`ERR ${(err as Error).message}`);
    }
    ctx.reply.ok();
  }),
  cmd('acl|save', (ctx) => {
    const path = aclFile(ctx);
    try {
      ctx.server.acl.saveFile(path);
    } catch {
      throw new ReplyError('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
    }
    ctx.reply.ok();
  }),
  cmd('acl|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.acl ?? [])),
];

