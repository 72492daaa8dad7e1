/* Moved to harness/free-port.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/free-port';
