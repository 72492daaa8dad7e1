/**
 * A V8 setting the server process gives itself at start: a larger inlining budget for TurboFan.
 *
 * When TurboFan optimises a function, it copies the small functions it calls into it (inlining),
 * which removes the calls and lets it optimise across them. It stops once the bytecode it has
 * copied into one function reaches `--max-inlined-bytecode-size-cumulative` (920 bytes in Node
 * 20's V8). A request's path goes through a few large functions (runPending, dispatch,
 * runCommand) that call many small ones (getters, guards, the database's lookups), and the
 * default budget runs out part of the way: `perf` shows getters such as `scriptBusy` as calls of
 * their own. With a budget of 3,000 bytes, valgrind counted 4-11% fewer instructions per SET,
 * GET and INCR (counted as bench/instruction-count.sh does; README, Single node). The cost is
 * more machine code and longer optimising compilations, paid while the code warms up: a fresh
 * server served its first 400,000 SETs about 5% slower.
 *
 * Node's documentation leaves flags changed after start-up undefined in general; this one is
 * read by every optimising compilation, so it holds for all code optimised after the call
 * (which is why cli.ts calls it first), and the pinned CPU figures in the README show it acting.
 *
 * Only the server's own entry point (cli.ts) sets it: an application that runs hashslot in its
 * own process (hashslot/testing) keeps its V8 as it was. A budget given on node's command line
 * (`node --max-inlined-bytecode-size-cumulative=N bin/hashslot-server`) is left alone.
 */
import * as v8 from 'node:v8';

const INLINING_BUDGET_FLAG = '--max-inlined-bytecode-size-cumulative';
/** Bytes of bytecode TurboFan may inline into one function. */
export const INLINING_BUDGET_BYTES = 3000;

/**
 * Sets the inlining budget unless node's command line (`execArgv`) already gives one. (Node
 * refuses this flag in NODE_OPTIONS, so the command line is the only other place it can be.)
 */
export function raiseInliningBudget(execArgv: readonly string[]): void {
  // V8 spells its flags with dashes or underscores alike.
  if (execArgv.some((arg) => arg.replaceAll('_', '-').startsWith(INLINING_BUDGET_FLAG))) return;
  v8.setFlagsFromString(`${INLINING_BUDGET_FLAG}=${INLINING_BUDGET_BYTES}`);
}
