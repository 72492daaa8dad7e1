/**
 * Evaluates Redis 7 key specs (COMMAND INFO's 9th field) against a call's arguments: where the
 * keys start (begin_search: a fixed index, or after a keyword) and how many follow (find_keys:
 * a range to a last index with a step, or a count read from an argument). This is what COMMAND
 * GETKEYS answers and, later, what cluster routing hashes.
 */
import type { RespValue } from '../../protocol/resp-value';
import { movableKeys } from './movable-keys';

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

function flagNames(value: RespValue | undefined): string[] {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value) || !('~' in value)) return [];
  return value['~'].map((f) => (typeof f === 'object' && f !== null && '+' in f ? f['+'] : String(f)));
}

/**
 * Commands whose key spec says "variable_flags": the real flags depend on the arguments, and
 * Redis computes them per call. SET only reads the old value when GET is given.
 */
const VARIABLE_FLAGS: Record<string, (args: readonly string[]) => string[]> = {
  set: (args) => (args.slice(3).some((a) => a.toLowerCase() === 'get') ? ['RW', 'access', 'update'] : ['OW', 'update']),
};

/** [argument index, key spec flags] of every key in the call `args` (args[0] is the command). */
export function keysWithFlags(info: RespValue | undefined, args: readonly string[]): Array<[number, string[]]> {
  if (!Array.isArray(info)) return [];
  const byProc = movableKeys(String(info[0]), args);
  if (byProc !== undefined) return byProc;
  const specsField = info[8];
  if (specsField === null || specsField === undefined || typeof specsField !== 'object' || Array.isArray(specsField)) return [];
  if (!('~' in specsField)) return [];
  const out: Array<[number, string[]]> = [];
  const argc = args.length;
  for (const specValue of specsField['~']) {
    const spec = asMap(specValue);
    let flags = flagNames(spec.get('flags'));
    const resolve = VARIABLE_FLAGS[String(info[0])];
    if (flags.includes('variable_flags') && resolve !== undefined) flags = resolve(args);
    const begin = asMap(spec.get('begin_search'));
    const beginSpec = asMap(begin.get('spec'));
    let first: number;
    if (begin.get('type') === 'index') {
      first = asNumber(beginSpec.get('index'));
    } else if (begin.get('type') === 'keyword') {
      const keyword = String(beginSpec.get('keyword')).toLowerCase();
      const startFrom = asNumber(beginSpec.get('startfrom'));
      first = -1;
      const step = startFrom >= 0 ? 1 : -1;
      for (let i = startFrom >= 0 ? startFrom : argc + startFrom; i > 0 && i < argc; i += step) {
        if ((args[i] as string).toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first < 0) continue;
    } else {
      continue;
    }
    const find = asMap(spec.get('find_keys'));
    const findSpec = asMap(find.get('spec'));
    let last: number;
    let step: number;
    if (find.get('type') === 'range') {
      const lastKey = asNumber(findSpec.get('lastkey'));
      step = asNumber(findSpec.get('keystep'));
      const limit = asNumber(findSpec.get('limit'));
      if (lastKey >= 0) last = first + lastKey;
      else if (limit <= 1) last = argc + lastKey;
      else last = first + Math.floor((argc - first) / limit) - 1;
    } else if (find.get('type') === 'keynum') {
      const countArg = args[first + asNumber(findSpec.get('keynumidx'))];
      // A count that is not a non-negative integer makes the call invalid, as in Redis.
      if (countArg === undefined || !/^(0|[1-9]\d*)$/.test(countArg)) return [];
      const count = Number(countArg);
      step = asNumber(findSpec.get('keystep'));
      first = first + asNumber(findSpec.get('firstkey'));
      last = first + (count - 1) * step;
      // More keys announced than there are arguments, or none at all: an invalid call, which
      // has no keys (Redis's getKeysUsingKeySpecs gives up on the whole call).
      if (last >= argc || last < first) return [];
    } else {
      continue;
    }
    for (let i = first; i <= last && i < argc; i += Math.max(1, step)) out.push([i, flags]);
  }
  return out;
}

/** Whether the command declares any key spec at all (COMMAND GETKEYS: "has no key arguments"). */
export function hasKeySpecs(info: RespValue | undefined): boolean {
  if (!Array.isArray(info)) return false;
  const specsField = info[8];
  if (specsField === null || specsField === undefined || typeof specsField !== 'object' || Array.isArray(specsField)) return false;
  return '~' in specsField && specsField['~'].length > 0;
}
