/**
 * The cluster state machine's events as redis-server's log lines: each Event the machine emits
 * (cluster-bus/effects.ts) becomes the line, and the level, Redis writes for the same step, so a
 * hashslot node's log reads like a redis-server node's ("Marking node ... as failing (quorum
 * reached).", "Failover election won: I'm the new master.") and tools that grep those logs work.
 */
import type { CantFailoverReason, ClusterEvent as Event } from '../../cluster-bus/effects';
import type { Logger } from '../log';

export function logClusterEvent(log: Logger, event: Event): void {
  switch (event.type) {
    case 'node-added':
      if (event.via === 'gossip') log.verbose(`Adding the new node ${event.id} (${event.address}) from gossip`);
      else log.verbose(`Node ${event.id} (${event.address}) added (${event.via})`);
      return;
    case 'handshake-done':
      log.verbose(`Handshake with node ${event.id} (${event.address}) completed.`);
      return;
    case 'handshake-timeout':
      log.verbose(`Clusternode handshake timeout for ${event.address}`);
      return;
    case 'node-forgotten':
      log.notice(`Node ${event.id} forgotten (CLUSTER FORGET)`);
      return;
    case 'node-renamed-duplicate':
      log.verbose(`Handshake: we already know node ${event.id}, updating the address if needed.`);
      return;
    case 'slots-claimed':
      log.verbose(`Node ${event.id} claims ${event.slots} slot(s) with configEpoch ${event.epoch}`);
      return;
    case 'epoch-bumped':
      if (event.reason === 'collision') {
        log.verbose(`WARNING: configEpoch collision with another node. configEpoch set to ${event.epoch}`);
      } else if (event.reason === 'failover') {
        log.warning(`configEpoch set to ${event.epoch} after successful failover`);
      } else if (event.reason === 'takeover') {
        log.notice(`New configEpoch set to ${event.epoch}`);
      } else {
        log.notice(`configEpoch set to ${event.epoch} via CLUSTER ${event.reason === 'bumpepoch' ? 'BUMPEPOCH' : 'SET-CONFIG-EPOCH'}`);
      }
      return;
    case 'state-changed':
      log.notice(event.state === 'ok' ? 'Cluster state changed: ok' : 'Cluster state changed: fail');
      return;
    case 'role-changed':
      log.notice(event.master === null ? 'I am now a master' : `Configuration change detected. Reconfiguring myself as a replica of ${event.master}`);
      return;
    case 'message-dropped':
      log.verbose(`Dropped a cluster bus message: ${event.reason}`);
      return;
    case 'node-pfail':
      log.verbose(`*** NODE ${event.id} possibly failing`);
      return;
    case 'failure-report':
      log.verbose(`Node ${event.from} reported node ${event.id} as not reachable.`);
      return;
    case 'failure-report-withdrawn':
      log.verbose(`Node ${event.from} reported node ${event.id} is back online.`);
      return;
    case 'node-failed':
      if (event.via === 'quorum') log.notice(`Marking node ${event.id} as failing (quorum reached).`);
      else log.notice(`FAIL message received from ${event.from ?? ''} about ${event.id}`);
      return;
    case 'fail-cleared':
      if (event.reason === 'slots-unserved') {
        log.notice(`Clear FAIL state for node ${event.id}: is reachable again and nobody is serving its slots after some time.`);
      } else {
        log.notice(`Clear FAIL state for node ${event.id}: ${event.reason === 'replica' ? 'replica' : 'master without slots'} is reachable again.`);
      }
      return;
    case 'election-scheduled':
      log.warning(`Start of election delayed for ${event.delayMs} milliseconds (rank #${event.rank}, offset ${event.offset}).`);
      return;
    case 'election-rank-updated':
      log.warning(`Replica rank updated to #${event.rank}, added ${event.addedMs} milliseconds of delay.`);
      return;
    case 'election-started':
      log.warning(`Starting a failover election for epoch ${event.epoch}.`);
      return;
    case 'election-won':
      log.warning("Failover election won: I'm the new master.");
      return;
    case 'cant-failover':
      log.notice(`Currently unable to failover: ${CANT_FAILOVER_TEXT[event.reason]}`);
      return;
    case 'vote-granted':
      log.notice(`Failover auth granted to ${event.to} for epoch ${event.epoch}`);
      return;
    case 'vote-denied':
      log.notice(`Failover auth denied to ${event.to}: ${event.reason}`);
      return;
    case 'manual-failover-accepted':
      log.notice(
        event.mode === 'takeover'
          ? 'Taking over the master (user request).'
          : event.mode === 'force'
            ? 'Forced failover user request accepted.'
            : 'Manual failover user request accepted.',
      );
      return;
    case 'manual-failover-requested':
      log.notice(`Manual failover requested by replica ${event.replica}.`);
      return;
    case 'manual-failover-offset':
      log.notice(`Received replication offset for paused master manual failover: ${event.offset}`);
      return;
    case 'manual-failover-can-start':
      log.notice('All master replication stream processed, manual failover can start.');
      return;
    case 'manual-failover-timeout':
      log.notice('Manual failover timed out.');
      return;
    case 'replica-migrated':
      log.notice(`Migrating to orphaned master ${event.to}`);
      return;
    case 'packet-dropped-by-filter':
      log.warning('Dropping packet that matches debug drop filter');
      return;
  }
}

/** The reasons redis-server gives in "Currently unable to failover: ...". */
const CANT_FAILOVER_TEXT: Record<CantFailoverReason, string> = {
  'data-age': "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option.",
  'waiting-delay': 'Waiting the delay before I can start a new failover.',
  expired: 'Failover attempt expired.',
  'waiting-votes': 'Waiting for votes, but majority still not reached.',
};
