/**
 * Key positions of commands whose keys no key spec can describe (Redis marks such specs
 * "unknown" and finds the keys with a per-command procedure instead). COMMAND GETKEYS and
 * cluster routing both ask here first, so that, for instance, "SORT src STORE dst" is refused
 * with CROSSSLOT when dst hashes to another slot, exactly as in Redis.
 *
 * Each procedure returns [argument index, key spec flags] pairs in the order Redis lists them.
 * The command table looks the procedure up once per command (key-specs.ts resolveCommandKeys).
 */
import type { ByteString } from '../../storage/bytes';

export type KeyPositions = Array<[number, string[]]>;
export type KeysProc = (args: readonly ByteString[]) => KeyPositions;

const READ = ['RO', 'access'];
const STORE = ['OW', 'update'];

/** Options of SORT that take arguments, and how many: skipped when looking for STORE. */
const SORT_OPTION_ARGS: ReadonlyMap<string, number> = new Map([
  ['limit', 2],
  ['get', 1],
  ['by', 1],
]);

/**
 * SORT: the source key, then the destination of the last STORE option. An unknown word counts
 * as an option without arguments; the word after STORE is itself scanned as a possible option
 * (Redis does the same), and a STORE with nothing after it is not a key.
 */
function sortKeys(args: readonly ByteString[]): KeyPositions {
  const keys: KeyPositions = [[1, READ]];
  let store = -1;
  for (let i = 2; i < args.length; i++) {
    const word = (args[i] as ByteString).toLowerCase();
    const skip = SORT_OPTION_ARGS.get(word);
    if (skip !== undefined) i += skip;
    else if (word === 'store' && i + 1 < args.length) store = i + 1;
  }
  if (store >= 0) keys.push([store, STORE]);
  return keys;
}

/** Words of MIGRATE before KEYS, with how many arguments each takes (skipped when looking for KEYS). */
const MIGRATE_OPTION_ARGS: ReadonlyMap<string, number> = new Map([
  ['copy', 0],
  ['replace', 0],
  ['auth', 1],
  ['auth2', 2],
]);

/**
 * MIGRATE: the key argument, or with the KEYS option (whose key argument must be empty) every
 * argument after the first KEYS word found among the options; a KEYS form with a non-empty key
 * argument has no keys (Redis refuses it).
 */
function migrateKeys(args: readonly ByteString[]): KeyPositions {
  const flags = ['RW', 'access', 'delete'];
  for (let i = 6; i < args.length; i++) {
    const word = (args[i] as ByteString).toLowerCase();
    if (word === 'keys') {
      if ((args[3] as ByteString).length > 0) return [];
      const keys: KeyPositions = [];
      for (let k = i + 1; k < args.length; k++) keys.push([k, flags]);
      return keys;
    }
    i += MIGRATE_OPTION_ARGS.get(word) ?? 0;
  }
  return [[3, flags]];
}

const PROCS: ReadonlyMap<string, KeysProc> = new Map([
  ['sort', sortKeys],
  ['sort_ro', () => [[1, READ]]],
  ['migrate', migrateKeys],
]);

/** The procedure finding the keys of `fullName`, or undefined when its key specs describe them. */
export function keysProcedure(fullName: string): KeysProc | undefined {
  return PROCS.get(fullName);
}

/** The key positions of a call of `fullName`, or undefined when its key specs describe them. */
export function movableKeys(fullName: string, args: readonly ByteString[]): KeyPositions | undefined {
  const proc = PROCS.get(fullName);
  return proc === undefined ? undefined : proc(args);
}

// ─── Routing's procedures ───────────────────────────────────────────────────────────────────────

/** XREAD/XREADGROUP options before STREAMS, with how many arguments each takes. */
const XREAD_OPTION_ARGS: ReadonlyMap<string, number> = new Map([
  ['block', 1],
  ['count', 1],
  ['group', 2],
  ['noack', 0],
]);

/**
 * XREAD and XREADGROUP as Redis's getkeys procedure finds their keys: the options are skipped up
 * to the STREAMS word (so a group or consumer named "streams" is not taken for it), and a list
 * of streams and IDs that does not split in two halves has no keys at all. The call then runs,
 * wherever it was sent, and answers its "Unbalanced XREAD list" error instead of a redirect.
 */
function xreadRoutingKeys(args: readonly ByteString[]): readonly number[] {
  let streams = -1;
  for (let i = 1; i < args.length; i++) {
    const word = (args[i] as ByteString).toLowerCase();
    if (word === 'streams') {
      streams = i;
      break;
    }
    const skip = XREAD_OPTION_ARGS.get(word);
    if (skip === undefined) break;
    i += skip;
  }
  const count = args.length - streams - 1;
  if (streams < 0 || count === 0 || count % 2 !== 0) return [];
  const keys: number[] = [];
  for (let k = 0; k < count / 2; k++) keys.push(streams + 1 + k);
  return keys;
}

const ROUTING_PROCS: ReadonlyMap<string, (args: readonly ByteString[]) => readonly number[]> = new Map([
  ['xread', xreadRoutingKeys],
  ['xreadgroup', xreadRoutingKeys],
]);

/**
 * The keys cluster routing reads for `fullName`, when they differ from what the key specs say:
 * Redis routes with a command's getkeys procedure where it has one, while COMMAND GETKEYS
 * prefers the key specs; the two part on invalid calls only. Undefined: use the key specs.
 */
export function routingKeys(fullName: string, args: readonly ByteString[]): readonly number[] | undefined {
  return ROUTING_PROCS.get(fullName)?.(args);
}
