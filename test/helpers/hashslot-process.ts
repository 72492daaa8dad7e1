/* Moved to harness/hashslot-process.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/hashslot-process';
