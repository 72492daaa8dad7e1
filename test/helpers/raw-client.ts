/* Moved to harness/raw-client.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/raw-client';
