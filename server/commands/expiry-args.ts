/**
 * Turning EX / PX / EXAT / PXAT arguments into absolute deadlines, with Redis 7.0's checks.
 * Deadlines are computed as bigint: the checks are about signed 64-bit overflow.
 * Redis keeps deadlines as absolute milliseconds; so do we (and replication will propagate them
 * as PXAT so a replica expires keys at the same instant as its master).
 */
import type { ByteString } from '../../storage/bytes';
import { INT64_MAX, INT64_MIN } from '../../storage/numbers';
import { invalidExpireTime, ReplyError } from '../dispatch/errors';
import { int64Arg } from './args';

export type ExpireUnit = 'ex' | 'px' | 'exat' | 'pxat';

/**
 * The deadline for SET/GETEX-style options: the time must be positive and the result must not
 * overflow 64 bits, else "invalid expire time in '<command>' command".
 */
export function deadlineFromOption(arg: ByteString, unit: ExpireUnit, nowMs: number, command: string): bigint {
  let ms = int64Arg(arg);
  const seconds = unit === 'ex' || unit === 'exat';
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) throw new ReplyError(invalidExpireTime(command));
  if (seconds) ms *= 1000n;
  if (unit === 'ex' || unit === 'px') ms += BigInt(nowMs);
  if (ms > INT64_MAX) throw new ReplyError(invalidExpireTime(command));
  return ms;
}

/**
 * The deadline for EXPIRE-style commands, which accept negative and past times (the key is then
 * deleted) but refuse values whose conversion to absolute milliseconds would overflow.
 */
export function deadlineFromExpireArg(arg: ByteString, seconds: boolean, baseMs: number, command: string): bigint {
  let when = int64Arg(arg);
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) throw new ReplyError(invalidExpireTime(command));
    when *= 1000n;
  }
  const base = BigInt(baseMs);
  if (when > INT64_MAX - base) throw new ReplyError(invalidExpireTime(command));
  return when + base;
}
