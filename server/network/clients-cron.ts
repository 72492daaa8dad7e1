/**
 * Redis's clientsCron: the per-client part of the server cron, done for a slice of the clients
 * on each pass so that a node with thousands of connections does not walk all of them ten times
 * a second. Each pass visits numclients / hz clients (at least 5, or all of them when there are
 * fewer), going round the client table, so every client is seen about once a second:
 *
 *   pass 1: c1 c2 c3 c4 c5   pass 2: c6 c7 c8 c9 c10   pass 3: c11 c1 c2 ...   (11 clients, hz 10)
 *
 * A visit, in Redis's order:
 *   timeout      an idle normal client past `timeout` seconds is closed (not a blocked one, not
 *                a subscriber, not a MONITOR, which Redis flags a replica), and the visit ends
 *   buffers      the idle query-buffer cut and the reply-buffer resize (client-memory.ts), the
 *                sample for INFO's recent buffer peaks (recent-client-peaks.ts)
 *   memory       its share of INFO's mem_clients_normal / mem_clients_slaves replaced by what it
 *                holds now, and its maxmemory-clients figure (memory/)
 *
 * After the visits, maxmemory-clients is enforced against the updated total.
 */
import type { RedisNode } from '../node';
import type { Client } from './client';

/** CLIENTS_CRON_MIN_ITERATIONS: the fewest clients a pass visits. */
const MIN_VISITS = 5;

export class ClientsCron {
  /** Where the round of the client table stands; a new round starts when it is done. */
  private cursor: Iterator<Client> | null = null;

  run(node: RedisNode, nowMs: number): void {
    const count = node.clients.size;
    const hz = Math.max(1, node.config.number('hz'));
    let visits = Math.floor(count / hz);
    if (visits < MIN_VISITS) visits = Math.min(count, MIN_VISITS);
    const timeoutMs = node.config.number('timeout') * 1000;
    node.clientPeaks.startPass(nowMs);
    for (let i = 0; i < visits; i++) {
      const client = this.next(node);
      if (client === null) break;
      if (timeoutMs > 0 && idleTooLong(node, client, nowMs, timeoutMs)) {
        node.log.verbose('Closing idle client');
        client.close();
        continue;
      }
      node.memory.clientVisited(client, client.memoryCron(nowMs, node.debugHooks));
    }
    node.memory.clientsPassEnd();
  }

  /** The next client of the round, starting a new round at the end of the table. */
  private next(node: RedisNode): Client | null {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.cursor === null) this.cursor = node.clients.values();
      const step = this.cursor.next();
      if (step.done !== true) return step.value;
      this.cursor = null;
    }
    return null;
  }
}

function idleTooLong(node: RedisNode, client: Client, nowMs: number, timeoutMs: number): boolean {
  if (client.kind !== 'normal' || client.isBlocked) return false;
  if (client.session.subscriptions.active || node.monitors.has(client.session)) return false;
  return nowMs - client.lastInteractionMs > timeoutMs;
}
