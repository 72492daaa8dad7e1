/**
 * Lua 5.1's string library, as Redis 7.0 loads it: byte, char, dump, find, format, gfind (the
 * old name of gmatch, kept by LUA_COMPAT_GFIND: the same function), gmatch, gsub, len, lower,
 * match, rep, reverse, sub, upper.
 *
 * Strings are byte strings (one char per byte), so len counts bytes, byte returns 0-255, and
 * upper/lower change only the ASCII letters (the C locale). Arguments convert as the C API
 * converts them (lib-args.ts): numbers are accepted for strings ("%.14g") and numeric strings
 * for numbers; positions are C integers (64-bit, truncated toward zero), counts of repetitions
 * C ints (the low 32 bits of that).
 *
 * Positions: a negative position counts from the end (-1 is the last byte); sub and byte then
 * clamp to the string. find/match clamp their start to [1, #s + 1], which is why
 * ('abc'):find('', 10) finds the empty string at 4.
 *
 * The matching functions differ from Lua 5.2+ in ways scripts can see: gsub and gmatch allow
 * an empty match right after a non-empty one ("hello"):gsub("l*", "-") is "-h-e--o-"); gmatch
 * treats a leading '^' as a plain character; gsub's replacement string takes %0-%9 and treats
 * '%' before anything else as that character (no "invalid use of '%'" error), and a table or
 * function result of false or nil keeps the original match.
 *
 * The order of the library's keys matters (pairs(string) walks them in hash order): the table
 * is created for 15 entries and filled in 5.1's registration order, as lstrlib does.
 */
import { argError, checkInt, checkInteger, checkString, optInt, optInteger, typeError } from './lib-args';
import { hasPatternSpecials, PatternMatcher } from './lua-pattern';
import { numberToString } from './numbers';
import { stringFormat } from './string-format';
import { LuaTable } from './table';
import { LuaError, LuaFunction, NativeFunction, luaType, truthy, type LuaRuntime, type LuaString, type LuaValue } from './values';

/** Lua 5.1's LUAI_MAXCSTACK: how many values a C function may push (string.byte's limit). */
const MAX_C_STACK = 8000;
/** Lua 5.1's MAXTAGLOOP: how long a chain of __index tables may be. */
const MAX_INDEX_CHAIN = 100;
/** Longer strings than V8 can hold fail as C Lua fails when malloc does. */
const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** A relative position (negative: from the end) made absolute, as 5.1's posrelat: never below 0. */
function absolutePosition(position: number, length: number): number {
  if (position >= 0) return position;
  const absolute = length + position + 1;
  return absolute >= 0 ? absolute : 0;
}

function byteFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const s = checkString(rt, args, 1, 'byte');
  let first = absolutePosition(optInteger(rt, args, 2, 'byte', 1), s.length);
  let last = absolutePosition(optInteger(rt, args, 3, 'byte', first), s.length);
  if (first <= 0) first = 1;
  if (last > s.length) last = s.length;
  if (first > last) return [];
  const count = last - first + 1;
  // lua_checkstack: the arguments already on the stack count against the limit.
  if (args.length + count > MAX_C_STACK) rt.error('stack overflow (string slice too long)');
  const codes: LuaValue[] = new Array<LuaValue>(count);
  for (let i = 0; i < count; i++) codes[i] = s.charCodeAt(first - 1 + i);
  return codes;
}

function charFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  let out = '';
  for (let i = 1; i <= args.length; i++) {
    const code = checkInt(rt, args, i, 'char');
    if (code < 0 || code > 255) argError(rt, i, 'char', 'invalid value');
    out += String.fromCharCode(code);
  }
  return [out];
}

function dumpFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  if (!(args[0] instanceof LuaFunction)) typeError(rt, args, 1, 'dump', 'function');
  // C Lua cannot dump a native function either. For a Lua function lua5.1 (and Redis) return
  // its bytecode ("\27LuaQ..."); this interpreter has no such bytecode, so it fails the way a
  // native function does: a deliberate difference.
  return rt.error('unable to dump given function');
}

/** string.find and string.match: 5.1's str_find_aux. */
function findOrMatch(rt: LuaRuntime, args: LuaValue[], find: boolean): LuaValue[] {
  const name = find ? 'find' : 'match';
  const s = checkString(rt, args, 1, name);
  const pattern = checkString(rt, args, 2, name);
  let init = absolutePosition(optInteger(rt, args, 3, name, 1), s.length) - 1;
  if (init < 0) init = 0;
  else if (init > s.length) init = s.length;
  if (find && (truthy(args[3]) || !hasPatternSpecials(pattern))) {
    const at = s.indexOf(pattern, init);
    return at === -1 ? [undefined] : [at + 1, at + pattern.length];
  }
  const matcher = new PatternMatcher(rt, s, pattern);
  const anchored = pattern[0] === '^';
  const patternStart = anchored ? 1 : 0;
  let start = init;
  do {
    const end = matcher.matchAt(start, patternStart);
    if (end >= 0) {
      if (find) return [start + 1, end, ...matcher.captures(start, end, false)];
      return matcher.captures(start, end, true);
    }
    start++;
  } while (start <= s.length && !anchored);
  return [undefined];
}

function gmatchFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const s = checkString(rt, args, 1, 'gmatch');
  const pattern = checkString(rt, args, 2, 'gmatch');
  let next = 0;
  const iterator = new NativeFunction('gmatch_aux', (iteratorRt) => {
    const matcher = new PatternMatcher(iteratorRt, s, pattern);
    // No anchor: gmatch matches a leading '^' as a plain character.
    for (let start = next; start <= s.length; start++) {
      const end = matcher.matchAt(start, 0);
      if (end >= 0) {
        next = end === start ? end + 1 : end; // after an empty match, move on by one
        return matcher.captures(start, end, true);
      }
    }
    return [];
  });
  return [iterator];
}

/** t[key] as the `[]` operator reads it: raw, then the __index chain (functions or tables). */
function indexWithMetamethods(rt: LuaRuntime, table: LuaTable, key: LuaValue): LuaValue {
  let current: LuaValue = table;
  for (let loop = 0; loop < MAX_INDEX_CHAIN; loop++) {
    let handler: LuaValue;
    if (current instanceof LuaTable) {
      const value = current.get(key);
      if (value !== undefined) return value;
      handler = current.metatable?.getStr('__index');
      if (handler === undefined) return undefined;
    } else {
      handler = rt.getMetatable(current)?.getStr('__index');
      if (handler === undefined) return rt.error(`attempt to index a ${luaType(current)} value`);
    }
    if (handler instanceof LuaFunction) return rt.call(handler, [current, key])[0];
    current = handler;
  }
  return rt.error('loop in gettable');
}

function gsubFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const s = checkString(rt, args, 1, 'gsub');
  const pattern = checkString(rt, args, 2, 'gsub');
  const replacement = args[2];
  const maxReplacements = optInt(rt, args, 4, 'gsub', s.length + 1);
  const kind = luaType(replacement);
  if (kind !== 'number' && kind !== 'string' && kind !== 'function' && kind !== 'table') {
    argError(rt, 3, 'gsub', 'string/function/table expected');
  }
  const template = typeof replacement === 'number' ? numberToString(replacement) : replacement;
  const anchored = pattern[0] === '^';
  const patternStart = anchored ? 1 : 0;
  const matcher = new PatternMatcher(rt, s, pattern);
  const out: string[] = [];
  let position = 0;
  /** s[copied, position) is still to be copied as is. */
  let copied = 0;
  let count = 0;
  while (count < maxReplacements) {
    const end = matcher.matchAt(position, patternStart);
    if (end >= 0) {
      count++;
      out.push(s.slice(copied, position), replacementFor(rt, matcher, template, position, end));
      copied = end;
    }
    // After an empty match (or none) the byte at `position` is kept and matching moves on.
    if (end > position) position = end;
    else if (position < s.length) position++;
    else break;
    if (anchored) break;
  }
  out.push(s.slice(copied));
  return [out.join(''), count];
}

/** What one match [start, end) becomes in gsub (5.1's add_value). */
function replacementFor(rt: LuaRuntime, matcher: PatternMatcher, replacement: LuaValue, start: number, end: number): string {
  if (typeof replacement === 'string') return expandTemplate(matcher, replacement, start, end);
  let value: LuaValue;
  if (replacement instanceof LuaTable) value = indexWithMetamethods(rt, replacement, matcher.capture(0, start, end));
  else value = rt.call(replacement, matcher.captures(start, end, true))[0];
  if (!truthy(value)) return matcher.subjectSlice(start, end);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberToString(value);
  return rt.error(`invalid replacement value (a ${luaType(value)})`);
}

/** A replacement string: %0 the whole match, %1-%9 captures, '%' + anything else that thing. */
function expandTemplate(matcher: PatternMatcher, template: string, start: number, end: number): string {
  if (!template.includes('%')) return template;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    i++;
    // A '%' at the very end reads C's terminating NUL, and adds it.
    const next = i < template.length ? template[i]! : '\0';
    if (next < '0' || next > '9') out += next;
    else if (next === '0') out += matcher.subjectSlice(start, end);
    else {
      const value = matcher.capture(next.charCodeAt(0) - 49, start, end);
      out += typeof value === 'number' ? numberToString(value) : (value as string);
    }
  }
  return out;
}

function subFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const s = checkString(rt, args, 1, 'sub');
  let start = absolutePosition(checkInteger(rt, args, 2, 'sub'), s.length);
  let end = absolutePosition(optInteger(rt, args, 3, 'sub', -1), s.length);
  if (start < 1) start = 1;
  if (end > s.length) end = s.length;
  return [start <= end ? s.slice(start - 1, end) : ''];
}

function repFn(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const s = checkString(rt, args, 1, 'rep');
  const n = checkInt(rt, args, 2, 'rep');
  if (n <= 0 || s.length === 0) return [''];
  if (s.length * n > MAX_STRING_LENGTH) throw new LuaError('not enough memory');
  return [s.repeat(n)];
}

// JS's toUpperCase/toLowerCase alone would also change bytes 128-255 (é, ÿ...); C's do not.
function asciiUpper(s: LuaString): LuaString {
  return s.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

function asciiLower(s: LuaString): LuaString {
  return s.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The library's functions, in lstrlib's registration order (which decides pairs() order). */
function defineAll(): [string, NativeFunction][] {
  const fn = (name: string, body: (rt: LuaRuntime, args: LuaValue[]) => LuaValue[]): [string, NativeFunction] => [name, new NativeFunction(name, body)];
  const gmatch = new NativeFunction('gmatch', gmatchFn);
  return [
    fn('byte', byteFn),
    fn('char', charFn),
    fn('dump', dumpFn),
    fn('find', (rt, args) => findOrMatch(rt, args, true)),
    fn('format', (rt, args) => [stringFormat(rt, args)]),
    // 5.1 registers a stub under 'gfind' here and then, with LUA_COMPAT_GFIND, stores gmatch
    // in its place (same key, same node), which is what openStringLib does.
    ['gfind', gmatch],
    ['gmatch', gmatch],
    fn('gsub', gsubFn),
    fn('len', (rt, args) => [checkString(rt, args, 1, 'len').length]),
    fn('lower', (rt, args) => [asciiLower(checkString(rt, args, 1, 'lower'))]),
    fn('match', (rt, args) => findOrMatch(rt, args, false)),
    fn('rep', repFn),
    fn('reverse', (rt, args) => [checkString(rt, args, 1, 'reverse').split('').reverse().join('')]),
    fn('sub', subFn),
    fn('upper', (rt, args) => [asciiUpper(checkString(rt, args, 1, 'upper'))]),
  ];
}

/** The `string` table. (The string metatable, {__index = string}, is the VM's to set up.) */
export function openStringLib(): LuaTable {
  const functions = defineAll();
  const library = new LuaTable(0, functions.length);
  for (const [name, fn] of functions) library.setStr(name, fn);
  return library;
}
