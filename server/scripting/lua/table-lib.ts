/**
 * Lua 5.1's `table` library: insert, remove, concat, sort, getn, maxn, setn, foreach, foreachi.
 *
 * Everything here is observable by scripts, so it follows Lua 5.1.5 step by step rather than
 * just producing "a" right answer:
 * - Lengths are the `#` border (LuaTable.length), positions are C ints (lib-args checkInt).
 * - insert/remove shift elements one raw read and one raw write at a time, in Lua's order; the
 *   writes go through LuaTable, so the table ends up laid out as in C Lua.
 * - sort is Lua 5.1's own quicksort (median of three, recursion into the smaller part), not
 *   Array.prototype.sort: with equal keys or an inconsistent comparator the final order, the
 *   comparator calls and the moment "invalid order function for sorting" is raised all show.
 * - Redis 7 marks some tables readonly; any write into one raises "Attempt to modify a readonly
 *   table" from inside the library function, so without a script position (luaG_runerror).
 */
import {
  checkFunction,
  checkInt,
  checkTable,
  isNoneOrNil,
  optInt,
  optString,
  toLuaString,
} from './lib-args';
import { LuaTable } from './table';
import { LuaError, NativeFunction, luaType, truthy, type LuaRuntime, type LuaValue, type NativeBody } from './values';

/** A raw write by a library function (lua_rawseti), refused on a readonly table. */
function store(table: LuaTable, index: number, value: LuaValue): void {
  if (table.readonly) throw new LuaError('Attempt to modify a readonly table');
  table.setInt(index, value);
}

const insert: NativeBody = (rt, args) => {
  const table = checkTable(rt, args, 1, 'insert');
  let end = table.length() + 1; // the first empty slot
  let position: number;
  switch (args.length) {
    case 2:
      position = end;
      break;
    case 3:
      position = checkInt(rt, args, 2, 'insert');
      if (position > end) end = position;
      for (let i = end; i > position; i--) store(table, i, table.getInt(i - 1));
      break;
    default:
      return rt.error("wrong number of arguments to 'insert'");
  }
  store(table, position, args[args.length - 1]);
  return [];
};

const remove: NativeBody = (rt, args) => {
  const table = checkTable(rt, args, 1, 'remove');
  const size = table.length();
  let position = optInt(rt, args, 2, 'remove', size);
  if (!(position >= 1 && position <= size)) return []; // nothing to remove: no result at all
  const removed = table.getInt(position);
  for (; position < size; position++) store(table, position, table.getInt(position + 1));
  store(table, size, undefined);
  return [removed];
};

const concat: NativeBody = (rt, args) => {
  // Lua checks the separator before the table.
  const separator = optString(rt, args, 2, 'concat', '');
  const table = checkTable(rt, args, 1, 'concat');
  let index = optInt(rt, args, 3, 'concat', 1);
  const last = isNoneOrNil(args, 4) ? table.length() : checkInt(rt, args, 4, 'concat');
  const field = (i: number): string => {
    const value = table.getInt(i);
    const text = toLuaString(value);
    if (text === undefined) return rt.error(`invalid value (${luaType(value)}) at index ${i} in table for 'concat'`);
    return text;
  };
  const parts: string[] = [];
  for (; index < last; index++) {
    parts.push(field(index));
    parts.push(separator);
  }
  if (index === last) parts.push(field(index)); // the interval was not empty
  return [parts.join('')];
};

const getn: NativeBody = (rt, args) => [checkTable(rt, args, 1, 'getn').length()];

const maxn: NativeBody = (rt, args) => {
  const table = checkTable(rt, args, 1, 'maxn');
  let max = 0;
  for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) {
    const key = entry[0];
    if (typeof key === 'number' && key > max) max = key;
  }
  return [max];
};

const setn: NativeBody = (rt, args) => {
  checkTable(rt, args, 1, 'setn');
  return rt.error("'setn' is obsolete");
};

const foreachi: NativeBody = (rt, args) => {
  const table = checkTable(rt, args, 1, 'foreachi');
  const size = table.length();
  const callback = checkFunction(rt, args, 2, 'foreachi');
  for (let i = 1; i <= size; i++) {
    const result = rt.call(callback, [i, table.getInt(i)])[0];
    if (result !== undefined) return [result];
  }
  return [];
};

const foreach: NativeBody = (rt, args) => {
  const table = checkTable(rt, args, 1, 'foreach');
  const callback = checkFunction(rt, args, 2, 'foreach');
  for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) {
    const result = rt.call(callback, [entry[0], entry[1]])[0];
    if (result !== undefined) return [result];
  }
  return [];
};

const sort: NativeBody = (rt, args) => {
  const table = checkTable(rt, args, 1, 'sort');
  const size = table.length();
  const comparator = isNoneOrNil(args, 2) ? null : checkFunction(rt, args, 2, 'sort');
  const less =
    comparator === null ? (a: LuaValue, b: LuaValue): boolean => rt.lessThan(a, b) : (a: LuaValue, b: LuaValue): boolean => truthy(rt.call(comparator, [a, b])[0]);
  quicksort(rt, table, less, 1, size);
  return [];
};

/**
 * Sorts t[low..high] in place as Lua 5.1 does. Each round orders t[low], t[middle], t[high]
 * (median of three), parks the median (the pivot) at high-1, partitions low+1..high-2 around
 * it, moves it between the parts, then recurses into the smaller part and loops on the larger.
 * Every value is read from the table when it is used; the pivot is the value read once.
 */
function quicksort(rt: LuaRuntime, table: LuaTable, less: (a: LuaValue, b: LuaValue) => boolean, low: number, high: number): void {
  while (low < high) {
    const first = table.getInt(low);
    const last = table.getInt(high);
    if (less(last, first)) {
      store(table, low, last);
      store(table, high, first);
    }
    if (high - low === 1) return;
    const middle = Math.floor((low + high) / 2);
    const mid = table.getInt(middle);
    const lowValue = table.getInt(low);
    if (less(mid, lowValue)) {
      store(table, middle, lowValue);
      store(table, low, mid);
    } else {
      const highValue = table.getInt(high);
      if (less(highValue, mid)) {
        store(table, middle, highValue);
        store(table, high, mid);
      }
    }
    if (high - low === 2) return;
    const pivot = table.getInt(middle);
    store(table, middle, table.getInt(high - 1));
    store(table, high - 1, pivot);

    // Invariant: t[low..i] <= pivot <= t[j..high]. A comparator that is not a strict order can
    // run the scans past the ends; Lua notices only once a scan has left the range.
    let i = low;
    let j = high - 1;
    for (;;) {
      let left: LuaValue;
      let right: LuaValue;
      while (less((left = table.getInt(++i)), pivot)) {
        if (i > high) rt.error('invalid order function for sorting');
      }
      while (less(pivot, (right = table.getInt(--j)))) {
        if (j < low) rt.error('invalid order function for sorting');
      }
      if (j < i) break;
      store(table, i, right);
      store(table, j, left);
    }
    const parked = table.getInt(high - 1);
    store(table, high - 1, table.getInt(i));
    store(table, i, parked);

    if (i - low < high - i) {
      quicksort(rt, table, less, low, i - 1);
      low = i + 1;
    } else {
      quicksort(rt, table, less, i + 1, high);
      high = i - 1;
    }
  }
}

/**
 * The `table` library table. Functions are stored in Lua 5.1's registration order into a table
 * presized for them, so pairs(table) walks them in the order it does in redis-server.
 */
export function openTableLib(): LuaTable {
  const functions: Array<[string, NativeBody]> = [
    ['concat', concat],
    ['foreach', foreach],
    ['foreachi', foreachi],
    ['getn', getn],
    ['maxn', maxn],
    ['insert', insert],
    ['remove', remove],
    ['setn', setn],
    ['sort', sort],
  ];
  const lib = new LuaTable(0, functions.length);
  for (const [name, body] of functions) lib.setStr(name, new NativeFunction(name, body));
  return lib;
}
