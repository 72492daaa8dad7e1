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
 *   busInput       each input of a bus link (accepted, connected, a message, closed), to run now
 *                  or later: a harness on virtual time runs them once the sockets are quiet, in
 *                  an order that is the same in every run (server/testing/virtual-network.ts).
 *   busConnectRefused  a bus connect to an address the harness knows is dead (a node it killed)
 *                  fails at once, as the kernel would refuse it, without the cost of a socket:
 *                  every live node retries a dead peer at each 100 ms cron.
 *   command        a command of a normal client before it runs: run it, or answer instead.
 *   commandExecuted  a command of a normal client after it ran, and a blocked one when it is
 *                  served (the lost-write oracle records the writes a primary acknowledged,
 *                  server/testing/oracle.ts).
 *   waitAnswered   a WAIT replied to a normal client, with the number of replicas it counted
 *                  (the oracle marks that connection's earlier writes as covered).
 *
 * A node without hooks pays one property read per bus message and two per command (`command`
 * and `commandExecuted`).
 */
import type * as net from 'node:net';
import type { ClusterMessage } from '../cluster-bus/messages';
import type { ByteString } from '../storage/bytes';
import type { CommandSpec } from './dispatch/command';
import type { Session } from './dispatch/session';
import type { QueuedCommand } from './dispatch/transaction';

export type SocketKind = 'client' | 'bus' | 'replication' | 'migrate';

/** What to do with a bus message: deliver it now, drop it, or deliver it `delayMs` later. */
export type BusVerdict = 'deliver' | 'drop' | { delayMs: number };

/** A command's fate: run it, or answer with this reply instead (an error, a bulk, nil). */
export type CommandVerdict =
  | { kind: 'proceed' }
  | { kind: 'error'; message: string }
  | { kind: 'bulk'; value: ByteString | null };

/** A command of a normal client that got past the checks and ran (RedisNode.execute). */
export interface ExecutedCommand {
  /** The command (or subcommand) that ran: EXEC for a transaction. */
  readonly spec: CommandSpec;
  readonly argv: readonly ByteString[];
  /** For EXEC, the commands it ran (in order); null for any other command. */
  readonly queued: readonly QueuedCommand[] | null;
  readonly session: Session;
  /** The dataset changed (the keyspace's dirty counter moved): what replicas are sent. */
  readonly changed: boolean;
  /** An error reply was counted while it ran (for EXEC: in any of its commands). */
  readonly failed: boolean;
  /** Its reply went to the client's output: false under CLIENT REPLY OFF, or the one SKIP drops. */
  readonly replied: boolean;
}

export interface NodeHooks {
  socketOpened?(socket: net.Socket, kind: SocketKind): void;
  busMessage?(message: ClusterMessage): BusVerdict;
  /** Runs `run` (one input of this bus socket) now or later; each socket's in the order given. */
  busInput?(socket: net.Socket, run: () => void): void;
  /** Nothing listens at this bus address (a killed node): refuse the connect without a socket. */
  busConnectRefused?(ip: string, port: number): boolean;
  command?(name: string, args: readonly ByteString[]): CommandVerdict;
  commandExecuted?(command: ExecutedCommand): void;
  /** WAIT answered `replicas` to client `clientId` (a normal client, replying now). */
  waitAnswered?(clientId: number, replicas: number): void;
}
