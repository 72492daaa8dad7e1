/**
 * Where a call's keys are: the one routine that cluster routing (CROSSSLOT, MOVED, ASK) and
 * COMMAND GETKEYS / GETKEYSANDFLAGS both use.
 *
 * Redis 7 describes a command's keys with key specs (COMMAND INFO's 9th field). Each spec says
 * where its keys start and how many follow:
 *
 *     begin_search  index N            the first key is argument N
 *                   keyword K from S   the first key follows the word K, searched from
 *                                      argument S (backwards from the end when S < 0)
 *     find_keys     range L step T     keys up to first+L (L < 0: counted from the end; with a
 *                   limit M            limit M > 1, only the first 1/M of what remains)
 *                   keynum I first F   argument first+I holds a count; that many keys follow
 *                   step T             from first+F, every T-th argument
 *
 * The captured metadata holds these as RESP maps. They are read once, when the command table is
 * built (`resolveCommandKeys`), into the plain records below, so a call only walks numbers and
 * never looks a field up by name. A few commands' keys no spec can describe (SORT's STORE): they
 * carry a procedure from movable-keys.ts instead, which takes precedence, as in Redis.
 */
import type { RespValue } from '../../protocol/resp-value';
import type { ByteString } from '../../storage/bytes';
import { keysProcedure, type KeysProc } from './movable-keys';

type BeginSearch =
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'keyword'; readonly keyword: string; readonly startFrom: number }
  | { readonly kind: 'unknown' };

type FindKeys =
  | { readonly kind: 'range'; readonly lastKey: number; readonly keyStep: number; readonly limit: number }
  | { readonly kind: 'keynum'; readonly keyNumIndex: number; readonly firstKey: number; readonly keyStep: number }
  | { readonly kind: 'unknown' };

interface ResolvedKeySpec {
  readonly begin: BeginSearch;
  readonly find: FindKeys;
  /** The spec's flags as COMMAND GETKEYSANDFLAGS prints them (RW, access, update...). */
  readonly flags: readonly string[];
  /** The spec says "variable_flags" and the command has a procedure computing them per call. */
  readonly variableFlags: VariableFlags | null;
}

type VariableFlags = (args: readonly ByteString[]) => readonly string[];

/** What a command's keys are, resolved once per command at table build time. */
export interface CommandKeys {
  readonly specs: readonly ResolvedKeySpec[];
  /** A procedure that replaces the specs (movable-keys.ts), or null. */
  readonly procedure: KeysProc | null;
  /**
   * The specs reduced to one (first, last, step) range when they are a single "index N, range"
   * spec (GET, SET, MSET...: most commands), so routing walks three numbers. Null otherwise.
   */
  readonly simpleRange: SimpleRange | null;
}

interface SimpleRange {
  readonly first: number;
  /** As in the spec: >= 0 counts from `first`, < 0 from the end of the call. */
  readonly lastKey: number;
  readonly step: number;
}

function simpleRangeOf(specs: readonly ResolvedKeySpec[], procedure: KeysProc | null): SimpleRange | null {
  const [only] = specs;
  if (procedure !== null || specs.length !== 1 || only === undefined) return null;
  if (only.begin.kind !== 'index' || only.find.kind !== 'range' || only.find.limit > 1) return null;
  return { first: only.begin.index, lastKey: only.find.lastKey, step: Math.max(1, only.find.keyStep) };
}

/**
 * Commands whose key spec says "variable_flags": the real flags depend on the arguments, and
 * Redis computes them per call. SET only reads the old value when GET is given.
 */
const SET_READING = ['RW', 'access', 'update'];
const SET_OVERWRITING = ['OW', 'update'];
const VARIABLE_FLAGS: ReadonlyMap<string, VariableFlags> = new Map([
  ['set', (args: readonly ByteString[]) => (args.slice(3).some((a) => a.toLowerCase() === 'get') ? SET_READING : SET_OVERWRITING)],
]);

// ─── Reading the captured metadata (once per command) ───────────────────────────────────────

type Fields = Map<string, RespValue>;

function asMap(value: RespValue | undefined): Fields {
  const map = new Map<string, RespValue>();
  if (value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value) && '%' in value) {
    const items = value['%'];
    for (let i = 0; i + 1 < items.length; i += 2) map.set(String(items[i]), items[i + 1] as RespValue);
  }
  return map;
}

function asNumber(value: RespValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}

function setMembers(value: RespValue | undefined): string[] {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value) || !('~' in value)) return [];
  return value['~'].map((f) => (typeof f === 'object' && f !== null && '+' in f ? f['+'] : String(f)));
}

function resolveBegin(value: RespValue | undefined): BeginSearch {
  const begin = asMap(value);
  const spec = asMap(begin.get('spec'));
  switch (begin.get('type')) {
    case 'index':
      return { kind: 'index', index: asNumber(spec.get('index')) };
    case 'keyword':
      return { kind: 'keyword', keyword: String(spec.get('keyword')).toLowerCase(), startFrom: asNumber(spec.get('startfrom')) };
    default:
      return { kind: 'unknown' };
  }
}

function resolveFind(value: RespValue | undefined): FindKeys {
  const find = asMap(value);
  const spec = asMap(find.get('spec'));
  switch (find.get('type')) {
    case 'range':
      return { kind: 'range', lastKey: asNumber(spec.get('lastkey')), keyStep: asNumber(spec.get('keystep')), limit: asNumber(spec.get('limit')) };
    case 'keynum':
      return {
        kind: 'keynum',
        keyNumIndex: asNumber(spec.get('keynumidx')),
        firstKey: asNumber(spec.get('firstkey')),
        keyStep: asNumber(spec.get('keystep')),
      };
    default:
      return { kind: 'unknown' };
  }
}

/** Reads a command's key specs (`info` is its captured COMMAND INFO entry) into CommandKeys. */
export function resolveCommandKeys(fullName: string, info: RespValue): CommandKeys {
  const specsField = Array.isArray(info) ? info[8] : undefined;
  const specs: ResolvedKeySpec[] = [];
  if (specsField !== null && specsField !== undefined && typeof specsField === 'object' && !Array.isArray(specsField) && '~' in specsField) {
    for (const value of specsField['~']) {
      const spec = asMap(value);
      const flags = setMembers(spec.get('flags'));
      const variable = flags.includes('variable_flags') ? (VARIABLE_FLAGS.get(fullName) ?? null) : null;
      specs.push({ begin: resolveBegin(spec.get('begin_search')), find: resolveFind(spec.get('find_keys')), flags, variableFlags: variable });
    }
  }
  const procedure = keysProcedure(fullName) ?? null;
  return { specs, procedure, simpleRange: simpleRangeOf(specs, procedure) };
}

/** Whether the command declares any key spec at all (COMMAND GETKEYS: "has no key arguments"). */
export function hasKeySpecs(keys: CommandKeys): boolean {
  return keys.specs.length > 0;
}

// ─── Finding the keys of one call ───────────────────────────────────────────────────────────

const NO_KEYS: readonly number[] = [];

/**
 * The argument indexes of every key in the call `args` (args[0] is the command name), in the
 * order Redis lists them. When `flagsOut` is given, the flags of each key are pushed to it in
 * the same order (COMMAND GETKEYSANDFLAGS); routing passes nothing and pays nothing for flags.
 * An invalid call (a key count that is not a number, or more keys announced than there are
 * arguments) has no keys at all, as in Redis's getKeysUsingKeySpecs.
 */
export function findKeys(keys: CommandKeys, args: readonly ByteString[], flagsOut?: Array<readonly string[]>): readonly number[] {
  if (keys.procedure !== null) {
    const positions = keys.procedure(args);
    if (flagsOut !== undefined) for (const [, flags] of positions) flagsOut.push(flags);
    return positions.map(([index]) => index);
  }
  const argc = args.length;
  const range = keys.simpleRange;
  if (range !== null && flagsOut === undefined) {
    // The same walk as the general loop below does for this one spec, without its dispatch.
    const last = range.lastKey >= 0 ? range.first + range.lastKey : argc + range.lastKey;
    const out: number[] = [];
    for (let i = range.first; i <= last && i < argc; i += range.step) out.push(i);
    return out;
  }
  let out: number[] | null = null;
  for (const spec of keys.specs) {
    let first: number;
    const begin = spec.begin;
    if (begin.kind === 'index') {
      first = begin.index;
    } else if (begin.kind === 'keyword') {
      first = -1;
      const step = begin.startFrom >= 0 ? 1 : -1;
      for (let i = begin.startFrom >= 0 ? begin.startFrom : argc + begin.startFrom; i > 0 && i < argc; i += step) {
        if ((args[i] as ByteString).toLowerCase() === begin.keyword) {
          first = i + 1;
          break;
        }
      }
      if (first < 0) continue;
    } else {
      continue;
    }
    const find = spec.find;
    let last: number;
    let step: number;
    if (find.kind === 'range') {
      step = find.keyStep;
      if (find.lastKey >= 0) last = first + find.lastKey;
      else if (find.limit <= 1) last = argc + find.lastKey;
      else last = first + Math.floor((argc - first) / find.limit) - 1;
    } else if (find.kind === 'keynum') {
      const countArg = args[first + find.keyNumIndex];
      // A count that is not a non-negative integer makes the call invalid, as in Redis.
      if (countArg === undefined || !/^(0|[1-9]\d*)$/.test(countArg)) return invalidCall(flagsOut);
      const count = Number(countArg);
      step = find.keyStep;
      first = first + find.firstKey;
      last = first + (count - 1) * step;
      // More keys announced than there are arguments, or none at all: an invalid call.
      if (last >= argc || last < first) return invalidCall(flagsOut);
    } else {
      continue;
    }
    const flags = flagsOut === undefined ? null : spec.variableFlags === null ? spec.flags : spec.variableFlags(args);
    for (let i = first; i <= last && i < argc; i += Math.max(1, step)) {
      (out ??= []).push(i);
      if (flags !== null) flagsOut?.push(flags);
    }
  }
  return out ?? NO_KEYS;
}

function invalidCall(flagsOut: Array<readonly string[]> | undefined): readonly number[] {
  if (flagsOut !== undefined) flagsOut.length = 0;
  return NO_KEYS;
}
