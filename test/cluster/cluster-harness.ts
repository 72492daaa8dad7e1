/* Moved to harness/cluster-harness.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/cluster-harness';
