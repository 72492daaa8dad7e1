/**
 * MODULE: hashslot runs no native Redis modules (they are C shared objects written against
 * Redis's own process), so it answers MODULE as a redis-server with no module loaded answers it:
 * LIST is empty, UNLOAD finds no such module, and LOAD / LOADEX fail the way a load that
 * cannot be done fails, with Redis's reply and a log line saying why. Clients and tools that
 * only ask which modules are there (MODULE LIST, HELLO's `modules`) get Redis's answer.
 *
 * LOAD, LOADEX and UNLOAD are refused unless `enable-module-command` allows them (yes, or local
 * for a loopback client), as Redis 7.0 refuses them; LIST and HELP always answer.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { at, isWord } from './args';
import { protectedCommandAllowed } from './debug';

const NOT_ALLOWED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

function checkAllowed(ctx: CommandContext): void {
  if (!protectedCommandAllowed(ctx, 'enable-module-command')) throw new ReplyError(NOT_ALLOWED);
}

/** Why loading `path` fails, in the words Redis's log uses (its own check, else dlopen's). */
function loadFailure(path: ByteString): string {
  let executable = true;
  try {
    statSync(path);
    try {
      accessSync(path, constants.X_OK);
    } catch {
      executable = false;
    }
  } catch {
    return `${path}: cannot open shared object file: No such file or directory`;
  }
  if (!executable) return 'It does not have execute permissions.';
  return 'hashslot cannot load native Redis modules';
}

function load(ctx: CommandContext, path: ByteString): never {
  ctx.log.warning(`Module ${path} failed to load: ${loadFailure(path)}`);
  throw new ReplyError(LOAD_FAILED);
}

/** LOADEX path [CONFIG name value ...] [ARGS arg ...]: malformed arguments fail before any load (and any log line). */
function loadexCommand(ctx: CommandContext, argv: ByteString[]): void {
  checkAllowed(ctx);
  for (let j = 3; j < argv.length; j++) {
    if (isWord(argv[j], 'config') && j + 2 < argv.length) j += 2;
    else if (isWord(argv[j], 'args')) break;
    else throw new ReplyError(LOAD_FAILED);
  }
  load(ctx, at(argv, 2));
}

export const moduleCommands: readonly CommandImpl[] = [
  cmd('module|list', (ctx) => ctx.reply.array(0)),
  cmd('module|load', (ctx, argv) => {
    checkAllowed(ctx);
    load(ctx, at(argv, 2));
  }),
  cmd('module|loadex', loadexCommand),
  cmd('module|unload', (ctx) => {
    checkAllowed(ctx);
    throw new ReplyError('ERR Error unloading module: no such module with that name');
  }),
  cmd('module|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.module ?? [])),
];
