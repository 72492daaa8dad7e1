/**
 * FUNCTION and FCALL: the client's side of function libraries (the engine is
 * server/scripting/function-engine.ts).
 *
 *   FUNCTION LOAD [REPLACE] code                 loads a library; replies its name
 *   FUNCTION DELETE name | FLUSH [ASYNC|SYNC]    removes one library / all of them
 *   FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
 *   FUNCTION STATS                               the running function, library and function counts
 *   FUNCTION DUMP / RESTORE payload [FLUSH|APPEND|REPLACE]
 *                                                every library as RDB FUNCTION2 entries with the
 *                                                DUMP footer; restored all or nothing
 *   FUNCTION KILL                                stops a busy function that has not written
 *   FCALL / FCALL_RO name numkeys key... arg...  runs a function (FCALL_RO: only no-writes ones)
 *
 * Changes to the libraries reach replicas as the commands themselves (forced propagation: they
 * change no key), and RDB files carry the libraries (storage/rdb, FUNCTION2).
 *
 * `redis-cli --cluster add-node` relies on FUNCTION DUMP, LIST and RESTORE to copy a cluster's
 * libraries to a new master.
 */
import type { ByteString } from '../../storage/bytes';
import { createFunctionsPayload, decodeFunctionsPayload, verifyDumpPayload } from '../../storage/rdb/dump-payload';
import { globMatch } from '../../storage/glob';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { ReplyError, subcommandSyntax } from '../dispatch/errors';
import { type FunctionEngine } from '../scripting/function-engine';
import { LibraryError, type FunctionLibrary } from '../scripting/function-library';
import { parseLibraryMetadata } from '../scripting/shebang';
import { at, isWord } from './args';
import { keyCount, killRun } from './script-args';

function engineOf(ctx: CommandContext): FunctionEngine {
  return ctx.server.functions;
}

/** Runs `action`, turning a LibraryError into its reply. */
function libraryCall<T>(action: () => T): T {
  try {
    return action();
  } catch (err) {
    if (err instanceof LibraryError) throw new ReplyError(err.message);
    throw err;
  }
}

function load(ctx: CommandContext, argv: ByteString[]): void {
  let replace = false;
  let i = 2;
  for (; i < argv.length - 1; i++) {
    if (isWord(at(argv, i), 'replace')) replace = true;
    else throw new ReplyError(`ERR Unknown option given: ${at(argv, i)}`);
  }
  if (i !== argv.length - 1) throw new ReplyError('ERR Function code was not given');
  const name = libraryCall(() => engineOf(ctx).load(at(argv, i), replace));
  ctx.forcePropagation();
  ctx.reply.bulk(name);
}

function deleteLibrary(ctx: CommandContext, argv: ByteString[]): void {
  if (!engineOf(ctx).delete(at(argv, 2))) throw new ReplyError('ERR Library not found');
  ctx.forcePropagation();
  ctx.reply.ok();
}

function flush(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 3) throw new ReplyError(subcommandSyntax('function', at(argv, 1)));
  const mode = argv[2];
  if (mode !== undefined && !isWord(mode, 'async') && !isWord(mode, 'sync')) {
    throw new ReplyError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  engineOf(ctx).flush();
  // A flush is a write even with nothing to flush: Redis counts it and replicas receive it.
  ctx.forcePropagation();
  ctx.reply.ok();
}

function list(ctx: CommandContext, argv: ByteString[]): void {
  let withCode = false;
  let pattern: ByteString | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = at(argv, i);
    if (!withCode && isWord(arg, 'withcode')) {
      withCode = true;
    } else if (pattern === null && isWord(arg, 'libraryname')) {
      if (i >= argv.length - 1) throw new ReplyError('ERR library name argument was not given');
      pattern = at(argv, ++i);
    } else {
      throw new ReplyError(`ERR Unknown argument ${arg}`);
    }
  }
  // The pattern matches without regard to case, as Redis matches it.
  const libraries = [...engineOf(ctx).libraries.values()].filter((library) => pattern === null || globMatch(pattern, library.name, true));
  const reply = ctx.reply;
  reply.array(libraries.length);
  for (const library of libraries) writeLibrary(ctx, library, withCode);
}

function writeLibrary(ctx: CommandContext, library: FunctionLibrary, withCode: boolean): void {
  const reply = ctx.reply;
  reply.map(withCode ? 4 : 3);
  reply.bulk('library_name');
  reply.bulk(library.name);
  reply.bulk('engine');
  reply.bulk('LUA');
  reply.bulk('functions');
  reply.array(library.functions.size);
  for (const fn of library.functions.values()) {
    reply.map(3);
    reply.bulk('name');
    reply.bulk(fn.name);
    reply.bulk('description');
    if (fn.description === null) reply.nullBulk();
    else reply.bulk(fn.description);
    reply.bulk('flags');
    reply.set(fn.flags.length);
    for (const flag of fn.flags) reply.simple(flag);
  }
  if (withCode) {
    reply.bulk('library_code');
    reply.bulk(library.code);
  }
}

function stats(ctx: CommandContext): void {
  // During a busy EVAL, Redis answers as it answers any command but SCRIPT KILL.
  if (ctx.server.runningScript?.kind === 'eval') throw new ReplyError(ctx.server.busyError);
  const engine = engineOf(ctx);
  const reply = ctx.reply;
  reply.map(2);
  reply.bulk('running_script');
  const run = engine.run;
  if (run === null) {
    reply.nullBulk();
  } else {
    reply.map(3);
    reply.bulk('name');
    reply.bulk(run.sha);
    reply.bulk('command');
    reply.bulkArray(run.command);
    reply.bulk('duration_ms');
    reply.integer(Math.round(run.elapsedMs()));
  }
  reply.bulk('engines');
  reply.map(1);
  reply.bulk('LUA');
  reply.map(2);
  reply.bulk('libraries_count');
  reply.integer(engine.libraries.size);
  reply.bulk('functions_count');
  // Every library's functions, as Redis counts them (the by-name index folds "f" and "F").
  let functions = 0;
  for (const library of engine.libraries.values()) functions += library.functions.size;
  reply.integer(functions);
}

function dump(ctx: CommandContext): void {
  const codes = [...engineOf(ctx).libraries.values()].map((library) => library.code);
  ctx.reply.bulk(createFunctionsPayload(codes, ctx.config.bool('rdbcompression')));
}

const RESTORE_POLICIES = ['flush', 'append', 'replace'] as const;

function restore(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 4) throw new ReplyError(subcommandSyntax('function', at(argv, 1)));
  const policyArg = argv[3];
  const policy = policyArg === undefined ? 'append' : RESTORE_POLICIES.find((word) => isWord(policyArg, word));
  if (policy === undefined) throw new ReplyError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  const payload = Buffer.from(at(argv, 2), 'latin1');
  if (!verifyDumpPayload(payload)) throw new ReplyError('ERR DUMP payload version or checksum are wrong');
  let codes: ByteString[];
  try {
    codes = decodeFunctionsPayload(payload);
  } catch {
    throw new ReplyError('ERR given type is not a function');
  }
  const engine = engineOf(ctx);
  const before = [...engine.libraries.values()].map((library) => library.code);
  libraryCall(() => {
    try {
      if (policy === 'flush') engine.flush();
      for (const code of codes) {
        // RESTORE words a clash without LOAD's quotes.
        const { name } = parseLibraryMetadata(code);
        if (policy === 'append' && engine.libraries.has(name)) throw new LibraryError(`ERR Library ${name} already exists`);
        engine.load(code, policy !== 'append');
      }
    } catch (err) {
      // All or nothing: the libraries as they were.
      engine.flush();
      for (const code of before) engine.load(code, false);
      throw err;
    }
  });
  ctx.forcePropagation();
  ctx.reply.ok();
}

function kill(ctx: CommandContext): void {
  killRun(ctx.server, 'function');
  ctx.reply.ok();
}


/**
 * FCALL / FCALL_RO in Redis's order: the function first (an unknown name is "not found" whatever
 * numkeys says), then numkeys (FCALL's own wording for a bad one), then the engine's checks of
 * the function's flags.
 */
function fcall(ctx: CommandContext, argv: ByteString[], readOnly: boolean): void {
  const engine = engineOf(ctx);
  const found = engine.find(at(argv, 1));
  if (found === undefined) throw new ReplyError('ERR Function not found');
  const count = keyCount(argv, 'ERR Bad number of keys provided');
  libraryCall(() => engine.call(ctx, found, argv, count, readOnly));
}

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

export const functionCommands: CommandImpl[] = [
  cmd('function|load', load),
  cmd('function|delete', deleteLibrary),
  cmd('function|flush', flush),
  cmd('function|list', list),
  cmd('function|stats', stats),
  cmd('function|dump', dump),
  cmd('function|restore', restore),
  cmd('function|kill', kill),
  cmd('function|help', (ctx) => {
    ctx.reply.array(FUNCTION_HELP.length);
    for (const line of FUNCTION_HELP) ctx.reply.simple(line);
  }),
  cmd('fcall', (ctx, argv) => fcall(ctx, argv, false)),
  cmd('fcall_ro', (ctx, argv) => fcall(ctx, argv, true)),
];
