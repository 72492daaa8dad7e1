/**
 * The Redis version hashslot answers as, written once. Clients choose code paths by it (HELLO's
 * `version`, INFO's `redis_version`), tools print it (`--version`, the start-up banner, the
 * fatal config error header), and every RDB file carries it in its `redis-ver` AUX field. All of
 * them must agree, and all of them must name the release whose behaviour hashslot reproduces:
 * replies are compared byte for byte with that release.
 */

export const REDIS_VERSION = '7.0.15';
