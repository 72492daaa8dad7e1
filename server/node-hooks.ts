/**
 * The few places where a test harness may reach inside a running node (hashslot/testing, in
 * server/testing/): the node calls these hooks, when set, at the exact points a fault or an
 * interception must act, so that what clients see stays real (the addresses in MOVED and
 * CLUSTER SLOTS, the sockets, the replies) instead of being faked by a proxy in front.
 *
 *   socketOpened   every socket the node accepts or opens: clients, bus links, the replication
 *                  link to a master, MIGRATE's connections. A harness keeps them to freeze a node
 *                  (socket.pause, like SIGSTOP) or to kill it (reset, like kill -9).
 *   busMessage     a decoded cluster-bus message before the state machine sees it: deliver it,
 *                  drop it, or deliver it after a delay (partitions, lossy links, slow links).
 *   command        a command of a normal client before it runs: run it, or answer instead.
 *
 * A node without hooks pays one property read per command and per bus message.
 */
import type * as net from 'node:net';
import type { ClusterMessage } from '../cluster-bus/messages';
import type { ByteString } from '../storage/bytes';

export type SocketKind = 'client' | 'bus' | 'replication' | 'migrate';

/** What to do with a bus message: deliver it now, drop it, or deliver it `delayMs` later. */
export type BusVerdict = 'deliver' | 'drop' | { delayMs: number };

/** A command's fate: run it, or answer with this reply instead (an error, a bulk, nil). */
export type CommandVerdict =
  | { kind: 'proceed' }
  | { kind: 'error'; message: string }
  | { kind: 'bulk'; value: ByteString | null };

export interface NodeHooks {
  socketOpened?(socket: net.Socket, kind: SocketKind): void;
  busMessage?(message: ClusterMessage): BusVerdict;
  command?(name: string, args: readonly ByteString[]): CommandVerdict;
}
