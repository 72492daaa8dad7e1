/* Moved to harness/server-process.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/server-process';
