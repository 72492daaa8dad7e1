/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the client's side of scripting. The engine
 * (server/scripting/script-engine.ts) compiles, caches and runs; these parse the arguments and
 * answer with Redis's errors.
 *
 *   EVAL script numkeys key... arg...      compiles (or finds in the cache) and runs
 *   EVALSHA sha1 numkeys key... arg...     runs a cached script, or NOSCRIPT
 *   *_RO                                   the same, refusing writes inside the script
 *   SCRIPT LOAD script                     compiles and caches, replies the SHA1
 *   SCRIPT EXISTS sha1...                  1/0 per SHA1
 *   SCRIPT FLUSH [ASYNC|SYNC]              empties the cache
 *   SCRIPT KILL                            stops a running read-only script (NOTBUSY if none)
 *
 * The keys are the first numkeys arguments after it: the dispatcher has routed them already in
 * cluster mode (CROSSSLOT, MOVED) from the command's key specs.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { ReplyError } from '../dispatch/errors';
import { ScriptEngine, type CachedScript } from '../scripting/script-engine';
import { at, isWord } from './args';
import { keyCount, killRun } from './script-args';
import { checkScriptGuards } from '../dispatch/dispatch';

function engineOf(ctx: CommandContext): ScriptEngine {
  return ctx.server.scripting;
}


function evalGeneric(ctx: CommandContext, argv: ByteString[], bySha: boolean, readOnly: boolean): void {
  const count = keyCount(argv);
  const engine = engineOf(ctx);
  let script: CachedScript | { error: string } | undefined;
  if (bySha) {
    script = engine.scripts.get(at(argv, 1).toLowerCase());
    if (script === undefined) throw new ReplyError('NOSCRIPT No matching script. Please use EVAL.');
  } else {
    script = engine.load(at(argv, 1));
  }
  if ('error' in script) throw new ReplyError(script.error);
  const flags = script.flags;
  checkScriptGuards(ctx.session, flags);
  // A script that declares its flags is checked before it runs; one without a shebang may
  // write unless run with *_RO (each write is then refused as it comes).
  const noWrites = flags !== null && flags.includes('no-writes');
  if (readOnly && flags !== null && !noWrites) throw new ReplyError('ERR Can not execute a script with write flag using *_ro command.');
  if (flags !== null && flags.includes('no-cluster') && ctx.clusterEnabled) throw new ReplyError("ERR Can not run script on cluster, 'no-cluster' flag is set.");
  engine.execute(ctx, script, argv.slice(3, 3 + count), argv.slice(3 + count), readOnly || noWrites, at(argv, 0));
}

function scriptLoad(ctx: CommandContext, argv: ByteString[]): void {
  const script = engineOf(ctx).load(at(argv, 2));
  if ('error' in script) throw new ReplyError(script.error);
  ctx.reply.bulk(script.sha);
}

function scriptExists(ctx: CommandContext, argv: ByteString[]): void {
  const scripts = engineOf(ctx).scripts;
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.reply.integer(scripts.has(at(argv, i).toLowerCase()) ? 1 : 0);
}

function scriptFlush(ctx: CommandContext, argv: ByteString[]): void {
  const mode = argv[2];
  if (argv.length > 3 || (mode !== undefined && !isWord(mode, 'async') && !isWord(mode, 'sync'))) {
    throw new ReplyError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  // Redis starts a new Lua state: the cache goes, and so does what scripts changed in it
  // (cjson's settings). Not math.random's generator: it is the server's (node.luaRandom).
  ctx.server.resetScripting();
  ctx.reply.ok();
}

function scriptKill(ctx: CommandContext): void {
  killRun(ctx.server, 'eval');
  ctx.reply.ok();
}

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

export const scriptingCommands: readonly CommandImpl[] = [
  cmd('eval', (ctx, argv) => evalGeneric(ctx, argv, false, false)),
  cmd('evalsha', (ctx, argv) => evalGeneric(ctx, argv, true, false)),
  cmd('eval_ro', (ctx, argv) => evalGeneric(ctx, argv, false, true)),
  cmd('evalsha_ro', (ctx, argv) => evalGeneric(ctx, argv, true, true)),
  cmd('script|load', scriptLoad),
  cmd('script|exists', scriptExists),
  cmd('script|flush', scriptFlush),
  cmd('script|kill', scriptKill),
  cmd('script|help', (ctx) => {
    ctx.reply.array(SCRIPT_HELP.length);
    for (const line of SCRIPT_HELP) ctx.reply.simple(line);
  }),
];
