/*
 * The server a non-differential suite (clients, redis-cli, redis-benchmark) runs against:
 * hashslot by default, or a real redis-server with HASHSLOT_COMPAT_TARGET=redis, which is how
 * those suites are checked to be correct before hashslot can pass them.
 */

import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import { startRealRedis } from '../../bench/harness/real-redis';
import type { ServerProcess } from '../../bench/harness/server-process';

export type TargetName = 'hashslot' | 'redis';

export function targetName(): TargetName {
  return process.env['HASHSLOT_COMPAT_TARGET'] === 'redis' ? 'redis' : 'hashslot';
}

export function startTarget(extraArgs: readonly string[] = []): Promise<ServerProcess> {
  return targetName() === 'redis' ? startRealRedis(extraArgs) : startHashslotLikeRedis(extraArgs);
}
