/**
 * client-output-buffer-limit: what a client that does not read its replies may make the server
 * hold. Each class (normal, pubsub) has a hard limit, a soft limit and soft seconds, as in Redis:
 * over the hard limit the client is closed at once, over the soft limit once that has lasted
 * longer than the soft seconds; a limit of 0 is none. A client closed for this is not sent what
 * waits (Redis frees it rather than writing to it) and the log says so in Redis's words.
 *
 * The measure is what waits in the client's reply buffer plus what its socket has not handed to
 * the kernel yet, checked whenever its replies are about to be written. The replica class is not
 * applied: a replica's output is the replication stream, measured by the replication code.
 */
import type { Client } from './client';

/** Whether `client` is over its class's limit now (and must be closed). */
export function overOutputLimit(client: Client): boolean {
  const type = client.clientType;
  if (type !== 'normal' && type !== 'pubsub') return false;
  const limit = client.node.config.value('client-output-buffer-limit')[type];
  if (limit.hardBytes === 0 && limit.softBytes === 0) return false;
  const bytes = client.session.reply.pendingBytes + client.outputBytes;
  if (limit.hardBytes > 0 && bytes >= limit.hardBytes) return true;
  if (limit.softBytes === 0 || bytes < limit.softBytes) {
    client.overSoftLimitSinceMs = 0;
    return false;
  }
  const nowMs = client.node.clock();
  if (client.overSoftLimitSinceMs === 0) {
    client.overSoftLimitSinceMs = nowMs;
    return false;
  }
  return Math.floor((nowMs - client.overSoftLimitSinceMs) / 1000) > limit.softSeconds;
}

/** Closes `client` for passing its limit, logging it as Redis does. */
export function closeForOutputLimit(client: Client): void {
  client.node.log.warning(`Client ${client.describe()} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  client.close();
}
