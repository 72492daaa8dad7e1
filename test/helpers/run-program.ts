/* Moved to harness/run-program.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/run-program';
