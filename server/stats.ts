/** Counters INFO stats reports; reset by CONFIG RESETSTAT. One per node. */
export class ServerStats {
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  /** The active expire cycle (server/active-expire.ts): INFO's expire fields. */
  expiredStalePerc = 0;
  expiredTimeCapReachedCount = 0;
  expireCycleMicros = 0;
  /** Keys evicted for maxmemory, clients closed for maxmemory-clients (server/memory/). */
  evictedKeys = 0;
  evictedClients = 0;
  /** Time memory stayed over maxmemory: ended periods (ms), and the current one's start (-1: none). */
  evictionExceededMs = 0;
  evictionExceededSinceMs = -1;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  /** Replication traffic (total_net_repl_input_bytes / _output_bytes). */
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  /** Sync requests served: full, partial accepted, partial asked for but refused. */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** Error replies by their first word (ERR, WRONGTYPE, ...), for INFO errorstats. */
  readonly errorsByPrefix = new Map<string, number>();
  /** Samples of the command counter, for instantaneous_ops_per_sec. */
  private opsSamples: number[] = [];
  private lastSampleCommands = 0;
  private lastSampleMs = 0;

  reset(): void {
    this.totalConnectionsReceived = 0;
    this.totalCommandsProcessed = 0;
    this.rejectedConnections = 0;
    this.expiredKeys = 0;
    this.expiredStalePerc = 0;
    this.expiredTimeCapReachedCount = 0;
    this.expireCycleMicros = 0;
    this.evictedKeys = 0;
    this.evictedClients = 0;
    this.evictionExceededMs = 0;
    this.evictionExceededSinceMs = -1;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.syncFull = 0;
    this.syncPartialOk = 0;
    this.syncPartialErr = 0;
    this.errorsByPrefix.clear();
    this.opsSamples = [];
    this.lastSampleCommands = 0;
  }

  countError(text: string): void {
    this.totalErrorReplies++;
    const space = text.indexOf(' ');
    const prefix = space < 0 ? text : text.slice(0, space);
    this.errorsByPrefix.set(prefix, (this.errorsByPrefix.get(prefix) ?? 0) + 1);
  }

  /** Called from the cron: keeps the last 16 per-second rates, as Redis does. */
  sampleOps(nowMs: number): void {
    if (this.lastSampleMs === 0) {
      this.lastSampleMs = nowMs;
      this.lastSampleCommands = this.totalCommandsProcessed;
      return;
    }
    const elapsed = nowMs - this.lastSampleMs;
    if (elapsed < 100) return;
    const rate = ((this.totalCommandsProcessed - this.lastSampleCommands) * 1000) / elapsed;
    this.opsSamples.push(rate);
    if (this.opsSamples.length > 16) this.opsSamples.shift();
    this.lastSampleMs = nowMs;
    this.lastSampleCommands = this.totalCommandsProcessed;
  }

  get instantaneousOpsPerSec(): number {
    if (this.opsSamples.length === 0) return 0;
    return Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
  }
}
