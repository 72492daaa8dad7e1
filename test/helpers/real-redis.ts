/* Moved to harness/real-redis.ts (shared with bench/); this re-export keeps test imports working. */
export * from '../../harness/real-redis';
