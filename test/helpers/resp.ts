/* Moved to harness/resp.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/resp';
