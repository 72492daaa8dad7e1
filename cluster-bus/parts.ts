/**
 * The parts the cluster state machine is made of, named once. The facade (cluster-state.ts)
 * builds them; each chapter declares, with `Pick`, the few it may use, so that what a mechanism
 * can touch is written at its top and checked by the compiler: failure detection cannot start
 * an election, the admin input cannot send a message except through the messenger, and so on.
 *
 *   settings, host, random       given from outside (settings.ts)
 *   outbox                       effects for the adapter
 *   table, slots, links          the node table, the slot table, the bus links
 *   epochs, health               currentEpoch/configEpoch rules, cluster_state
 *   messenger                    headers and sending
 *   claims, handshake            slot claims and roles; MEET, PING/PONG and gossip
 *   manualFailover               CLUSTER FAILOVER's state
 */
import type { ClusterHealth } from './cluster-health';
import type { Epochs } from './epochs';
import type { Handshake } from './handshake';
import type { LinkTable } from './links';
import type { ManualFailover } from './manual-failover';
import type { Messenger } from './messenger';
import type { NodeTable } from './node-table';
import type { Outbox } from './outbox';
import type { ClusterHost, ClusterSettings, RandomSource } from './settings';
import type { SlotClaims } from './slot-claims';
import type { SlotTable } from './slot-table';

export interface MachineParts {
  settings: ClusterSettings;
  host: ClusterHost;
  random: RandomSource;
  outbox: Outbox;
  table: NodeTable;
  slots: SlotTable;
  links: LinkTable;
  epochs: Epochs;
  health: ClusterHealth;
  messenger: Messenger;
  claims: SlotClaims;
  handshake: Handshake;
  manualFailover: ManualFailover;
}
