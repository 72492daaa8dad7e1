/**
 * What EVAL and FCALL (and SCRIPT KILL and FUNCTION KILL) share: the numkeys argument with
 * Redis's checks, and stopping a busy script.
 */
import type { ByteString } from '../../storage/bytes';
import { ERR, ReplyError } from '../dispatch/errors';
import type { RedisNode } from '../node';
import { at, int64Arg } from './args';

/**
 * numkeys (argv[2]), checked as Redis checks it: an integer as Redis reads one (no sign but '-',
 * no leading zero), else `notInteger` (EVAL's "value is not an integer or out of range"; FCALL
 * says "Bad number of keys provided"), then neither more than the arguments nor negative.
 */
export function keyCount(argv: readonly ByteString[], notInteger: string = ERR.notInteger): number {
  const count = int64Arg(at(argv, 2), notInteger);
  if (count > BigInt(argv.length - 3)) throw new ReplyError("ERR Number of keys can't be greater than number of args");
  if (count < 0n) throw new ReplyError("ERR Number of keys can't be negative");
  return Number(count);
}

/**
 * SCRIPT KILL ('eval') / FUNCTION KILL ('function'): stops the busy script at its next tick,
 * in Redis's order of refusals: none busy (NOTBUSY), sent by this node's master or already
 * written (UNKILLABLE), or the other kind of script (-BUSY naming the KILL that would work).
 */
export function killRun(node: RedisNode, kind: 'eval' | 'function'): void {
  const running = node.runningScript;
  if (running === null || !running.run.busy) throw new ReplyError('NOTBUSY No scripts in execution right now.');
  const run = running.run;
  if (run.caller.session.kind === 'master') {
    throw new ReplyError('UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.');
  }
  if (run.wrote) {
    throw new ReplyError(
      'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
    );
  }
  if (running.kind !== kind) throw new ReplyError(node.busyError);
  run.killRequested = true;
}
