/**
 * What EVAL and FCALL (and SCRIPT KILL and FUNCTION KILL) share: the numkeys argument with
 * Redis's checks, and stopping a busy script.
 */
import type { ByteString } from '../../storage/bytes';
import { ERR, ReplyError } from '../dispatch/errors';
import type { ScriptRun } from '../scripting/script-run';
import { at } from './args';

/** numkeys (argv[2]), checked as Redis checks it. */
export function keyCount(argv: readonly ByteString[]): number {
  const text = at(argv, 2);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new ReplyError(ERR.notInteger);
  const count = Number(text);
  if (count > argv.length - 3) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  if (count < 0) throw new ReplyError("ERR Number of keys can't be negative");
  return count;
}

/** SCRIPT KILL / FUNCTION KILL: stops `run` at its next tick, unless it wrote (UNKILLABLE). */
export function killRun(run: ScriptRun | null): void {
  if (run === null || !run.busy) throw new ReplyError('NOTBUSY No scripts in execution right now.');
  if (run.wrote) {
    throw new ReplyError(
      'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
    );
  }
  run.killRequested = true;
}
