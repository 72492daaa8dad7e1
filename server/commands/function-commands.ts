/**
 * FUNCTION FLUSH, LIST, DUMP and RESTORE for a node that holds no function library: hashslot has
 * no scripting engine yet, so the library set is always empty, and these answer as Redis 7.0
 * answers for an empty one. They matter to tooling: `redis-cli --cluster add-node` copies the
 * cluster's libraries to a new master with FUNCTION DUMP on an existing node, FUNCTION LIST on
 * the new one (it must have none) and FUNCTION RESTORE there.
 *
 * A FUNCTION DUMP payload is the libraries in RDB encoding followed by the DUMP footer (RDB
 * version, CRC-64), so an empty set is the footer alone; RESTORE checks the footer first, as
 * RESTORE does for keys, then loads the libraries, and a payload that carries any is refused.
 */
import type { ByteString } from '../../storage/bytes';
import { createEmptyFunctionsPayload, verifyDumpPayload } from '../../storage/rdb/dump-payload';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { ReplyError } from '../dispatch/errors';
import { at, isWord } from './args';

function flush(ctx: CommandContext, argv: ByteString[]): void {
  const mode = argv[2];
  if (argv.length > 3 || (mode !== undefined && !isWord(mode, 'async') && !isWord(mode, 'sync'))) {
    throw new ReplyError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  // There is no function library to empty, but the flush is a write all the same: Redis
  // counts it as one and its replicas receive it.
  ctx.forcePropagation();
  ctx.reply.ok();
}

function list(ctx: CommandContext, argv: ByteString[]): void {
  let withCode = false;
  let libraryName = false;
  for (let i = 2; i < argv.length; i++) {
    const arg = at(argv, i);
    if (!withCode && isWord(arg, 'withcode')) {
      withCode = true;
    } else if (!libraryName && isWord(arg, 'libraryname')) {
      if (i >= argv.length - 1) throw new ReplyError('ERR library name argument was not given');
      libraryName = true;
      i++;
    } else {
      throw new ReplyError(`ERR Unknown argument ${arg}`);
    }
  }
  ctx.reply.array(0);
}

function dump(ctx: CommandContext): void {
  ctx.reply.bulk(createEmptyFunctionsPayload());
}

const RESTORE_POLICIES = ['flush', 'append', 'replace'];

function restore(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 4) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try FUNCTION HELP.`);
  const policy = argv[3];
  if (policy !== undefined && !RESTORE_POLICIES.some((word) => isWord(policy, word))) {
    throw new ReplyError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  const payload = Buffer.from(at(argv, 2), 'latin1');
  if (!verifyDumpPayload(payload)) throw new ReplyError('ERR DUMP payload version or checksum are wrong');
  if (payload.length > createEmptyFunctionsPayload().length) {
    throw new ReplyError('ERR hashslot cannot load function libraries: it has no scripting engine yet');
  }
  ctx.forcePropagation();
  ctx.reply.ok();
}

export const functionCommands: CommandImpl[] = [
  cmd('function|flush', flush),
  cmd('function|list', list),
  cmd('function|dump', dump),
  cmd('function|restore', restore),
];
