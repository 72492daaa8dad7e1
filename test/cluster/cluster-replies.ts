/* Moved to harness/cluster-replies.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/cluster-replies';
