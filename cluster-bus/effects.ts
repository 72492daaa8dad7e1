/**
 * What the cluster state machine asks the outside world to do (effects) and what it reports
 * having done (events). The machine never performs I/O: an adapter (tcp-transport.ts behind real
 * sockets, or a simulated network in tests) drains these after every input.
 */
import type { LinkId } from './cluster-node';
import type { ClusterMessage } from './messages';

export type ClusterEvent =
  | { type: 'node-added'; id: string; address: string; via: 'meet' | 'gossip' | 'handshake' }
  | { type: 'handshake-done'; id: string; address: string }
  | { type: 'handshake-timeout'; id: string; address: string }
  | { type: 'node-forgotten'; id: string }
  | { type: 'node-renamed-duplicate'; id: string }
  | { type: 'slots-claimed'; id: string; epoch: bigint; slots: number }
  | { type: 'epoch-bumped'; epoch: bigint; reason: 'collision' | 'bumpepoch' | 'set-config-epoch' }
  | { type: 'state-changed'; state: 'ok' | 'fail' }
  | { type: 'role-changed'; role: 'master' | 'replica'; master: string | null }
  | { type: 'message-dropped'; reason: string };

export type ClusterEffect =
  /** Open an outbound link to a node's bus port; report back with outboundConnected / linkClosed. */
  | { kind: 'connect'; link: LinkId; ip: string; port: number }
  | { kind: 'send'; link: LinkId; message: ClusterMessage }
  | { kind: 'close'; link: LinkId }
  /** Persist nodes.conf (the text comes from machine.configText()). */
  | { kind: 'save-config' }
  /** Keys in a slot this node no longer serves must go. */
  | { kind: 'delete-slot-keys'; slot: number }
  /** A PUBLISH (or PUBLISHSHARD) arrived over the bus: deliver it to local subscribers. */
  | { kind: 'publish'; channel: string; message: string; shard: boolean }
  | { kind: 'event'; event: ClusterEvent };
