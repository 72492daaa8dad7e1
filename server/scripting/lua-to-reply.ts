/**
 * A script's return value, as the client receives it (Redis 7.0's rules):
 *
 *   Lua                          reply
 *   string                       bulk string
 *   number                       integer, truncated toward zero (3.99 → 3)
 *   true / false                 :1 / null (setresp 2, the default); #t / #f after setresp(3)
 *   nil, functions, ...          null
 *   { err = "CODE msg" }         -CODE msg (no ERR added: the text is the whole error; up to a NUL)
 *   { ok = "text" }              +text (up to a NUL)
 *   { double = 3.5 }             ,3.5  (RESP2: bulk "3.5")
 *   { big_number = "123" }       (123  (RESP2: bulk)
 *   { verbatim_string = {format=, string=} }   =...  (RESP2: bulk)
 *   { map = {...} } / { set = {...} }          %n / ~n, in the table's next() order (RESP2: arrays)
 *   any other table              an array of t[1], t[2], ... up to the first nil (raw reads)
 *
 * Only the first value a script returns counts. The reply is written in the caller's protocol;
 * `scriptResp` (what redis.setresp chose) only decides how booleans come out.
 */
import type { ReplyWriter } from '../../protocol/reply-writer';
import { formatDouble } from '../../storage/numbers';
import { nonFiniteText } from './lua/numbers';
import { LuaTable } from './lua/table';
import type { LuaValue } from './lua/values';
import { IGNORE_STATS_FIELD } from './reply-to-lua';

/** Deeper tables than this get Redis's error instead of a reply (its Lua stack check). */
const MAX_DEPTH = 2000;
const INT64_MIN = '-9223372036854775808';

/** The integer Redis's (long long) cast of a double gives: truncation, and INT64_MIN out of range. */
export function luaNumberToInteger(n: number): number | string {
  if (!Number.isFinite(n) || n >= 9223372036854775808 || n < -9223372036854775808) return INT64_MIN;
  const whole = Math.trunc(n);
  return Number.isSafeInteger(whole) ? whole : BigInt(whole).toString();
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

/** Redis copies a status or error text as a C string: it ends at a NUL byte. */
export function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/**
 * Told of each error reply a script's value writes: its text, and whether it was counted
 * already (ignore_error_stats_update, on the errors of commands the script called).
 */
export type ScriptErrorSink = (message: string, alreadyCounted: boolean) => void;

const IGNORE_ERRORS: ScriptErrorSink = () => undefined;

export function writeLuaReply(reply: ReplyWriter, value: LuaValue, scriptResp: 2 | 3, onError: ScriptErrorSink = IGNORE_ERRORS, depth = 0): void {
  switch (typeof value) {
    case 'string':
      reply.bulk(value);
      return;
    case 'number': {
      const integer = luaNumberToInteger(value);
      if (typeof integer === 'number') reply.integer(integer);
      else reply.raw(`:${integer}\r\n`);
      return;
    }
    case 'boolean':
      if (scriptResp === 2) {
        if (value) reply.integer(1);
        else reply.nullBulk();
      } else {
        reply.boolean(value);
      }
      return;
    default:
      break;
  }
  if (!(value instanceof LuaTable)) {
    reply.nullBulk();
    return;
  }
  if (depth >= MAX_DEPTH) {
    reply.error('ERR reached lua stack limit');
    onError('ERR reached lua stack limit', false);
    return;
  }
  const err = value.getStr('err');
  if (typeof err === 'string') {
    const message = oneLine(cString(err));
    reply.raw(`-${message}\r\n`);
    onError(message, value.getStr(IGNORE_STATS_FIELD) === true);
    return;
  }
  const ok = value.getStr('ok');
  if (typeof ok === 'string') {
    reply.simple(oneLine(cString(ok)));
    return;
  }
  const double = value.getStr('double');
  if (typeof double === 'number') {
    // A NaN as printf("%.17g") writes it, after its sign bit: "-nan" for 0/0.
    reply.double(Number.isNaN(double) ? nonFiniteText(double) : formatDouble(double));
    return;
  }
  const bigNumber = value.getStr('big_number');
  if (typeof bigNumber === 'string') {
    if (reply.resp === 3) reply.raw(`(${oneLine(bigNumber)}\r\n`);
    else reply.bulk(bigNumber);
    return;
  }
  const verbatim = value.getStr('verbatim_string');
  if (verbatim instanceof LuaTable) {
    const format = verbatim.getStr('format');
    const text = verbatim.getStr('string');
    if (typeof format === 'string' && typeof text === 'string') {
      reply.verbatim(text, format);
      return;
    }
  }
  const map = value.getStr('map');
  if (map instanceof LuaTable) {
    const entries = entriesOf(map);
    reply.map(entries.length);
    for (const [k, v] of entries) {
      writeLuaReply(reply, k, scriptResp, onError, depth + 1);
      writeLuaReply(reply, v, scriptResp, onError, depth + 1);
    }
    return;
  }
  const set = value.getStr('set');
  if (set instanceof LuaTable) {
    const entries = entriesOf(set);
    reply.set(entries.length);
    for (const [k] of entries) writeLuaReply(reply, k, scriptResp, onError, depth + 1);
    return;
  }
  let count = 0;
  while (value.getInt(count + 1) !== undefined) count++;
  reply.array(count);
  for (let i = 1; i <= count; i++) writeLuaReply(reply, value.getInt(i), scriptResp, onError, depth + 1);
}

function entriesOf(table: LuaTable): Array<[LuaValue, LuaValue]> {
  const entries: Array<[LuaValue, LuaValue]> = [];
  for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) entries.push(entry);
  return entries;
}
