/**
 * Loading a function library (FUNCTION LOAD, FUNCTION RESTORE, an RDB's FUNCTION2 entries):
 *
 *   #!lua name=mylib                         the shebang: engine and metadata (name is required;
 *                                            read in shebang.ts)
 *   redis.register_function('f', function(keys, args) ... end)
 *   redis.register_function{function_name = 'g', callback = ..., flags = {'no-writes'}, description = '...'}
 *
 * The code runs once, at load, in a narrow environment: the only global is `redis`, and it only
 * has register_function, log and the constants (Redis's rule: loading a library must not touch
 * the dataset, so it can be replayed anywhere, on replicas, from an RDB). The functions it
 * registers run later, at FCALL, with the full environment of the function engine.
 *
 * Errors are Redis's texts, e.g. "ERR Library name was not given", "ERR Error compiling
 * function: user_function:2: ...", "ERR Error registering functions: ERR unknown flag given".
 */
import type { ByteString } from '../../storage/bytes';
import { LuaTable } from './lua/table';
import { errorTable } from './reply-to-lua';
import { numberToString } from './lua/numbers';
import { LuaError, LuaFunction, NativeFunction, type LuaValue } from './lua/values';

export const FUNCTION_FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;

export interface RegisteredFunction {
  readonly name: string;
  readonly callback: LuaFunction;
  readonly flags: readonly string[];
  readonly description: string | null;
}

export interface FunctionLibrary {
  readonly name: string;
  readonly code: ByteString;
  /** In registration order. */
  readonly functions: Map<string, RegisteredFunction>;
}

const NAME = /^[A-Za-z0-9_]+$/;
const BAD_LIBRARY_NAME = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

export class LibraryError extends Error {}

/** Redis's rule for a library's name (letters, digits, underscores), else a LibraryError. */
export function checkLibraryName(name: string): void {
  if (!NAME.test(name)) throw new LibraryError(BAD_LIBRARY_NAME);
}

function registrationError(message: string): never {
  throw new LuaError(errorTable(`ERR ${message}`));
}

/**
 * A string argument as Redis reads one (lua_isstring, then lua_tolstring): a string, or a number
 * converted as tostring converts it (1 is "1", 1.5 is "1.5"); null for anything else.
 */
function stringArg(value: LuaValue): string | null {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? numberToString(value) : null;
}

/**
 * redis.register_function's two forms, checked as Redis checks them. The named form's keys are
 * read in the table's own order and without regard to case, each value checked as it is met,
 * so with several bad ones the first in pairs() order is the one reported.
 */
export function registerFunction(args: LuaValue[], into: Map<string, RegisteredFunction>): void {
  let name: string | null = null;
  let callback: LuaFunction | null = null;
  let flags: string[] = [];
  let description: string | null = null;
  if (args.length === 1) {
    const named = args[0];
    if (!(named instanceof LuaTable)) registrationError('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
    for (let entry = named.next(undefined); entry !== undefined; entry = named.next(entry[0])) {
      const [key, value] = entry;
      const word = stringArg(key);
      if (word === null) registrationError('named argument key given to redis.register_function is not a string');
      switch (word.toLowerCase()) {
        case 'function_name':
          name = stringArg(value) ?? registrationError('function_name argument given to redis.register_function must be a string');
          break;
        case 'description':
          description = stringArg(value) ?? registrationError('description argument given to redis.register_function must be a string');
          break;
        case 'callback':
          callback = value instanceof LuaFunction ? value : registrationError('callback argument given to redis.register_function must be a function');
          break;
        case 'flags':
          flags = parseFlags(value);
          break;
        default:
          registrationError('unknown argument given to redis.register_function');
      }
    }
    if (name === null) registrationError('redis.register_function must get a function name argument');
    if (callback === null) registrationError('redis.register_function must get a callback argument');
  } else if (args.length === 2) {
    name = stringArg(args[0]) ?? registrationError('first argument to redis.register_function must be a string');
    const second = args[1];
    callback = second instanceof LuaFunction ? second : registrationError('second argument to redis.register_function must be a function');
  } else {
    registrationError('wrong number of arguments to redis.register_function');
  }
  // (Redis words a bad function name with the library-name message.)
  if (!NAME.test(name)) registrationError(BAD_LIBRARY_NAME.slice('ERR '.length));
  if (into.has(name)) registrationError('Function already exists in the library');
  into.set(name, { name, callback, flags, description });
}

/**
 * The flags table: its strings from index 1 up to the first nil, each a known flag in any case.
 * Redis keeps them as a set and lists them in its own order (FUNCTION_FLAGS), once each.
 */
function parseFlags(value: LuaValue): string[] {
  if (!(value instanceof LuaTable)) registrationError('flags argument to redis.register_function must be a table representing function flags');
  const given = new Set<string>();
  for (let i = 1; value.getInt(i) !== undefined; i++) {
    const flag = value.getInt(i);
    const known = typeof flag === 'string' ? FUNCTION_FLAGS.find((name) => name === flag.toLowerCase()) : undefined;
    if (known === undefined) registrationError('unknown flag given');
    given.add(known);
  }
  return FUNCTION_FLAGS.filter((name) => given.has(name));
}

/** The `redis` table library code sees while it loads: register_function, log, constants. */
export function loadTimeRedisApi(fullApi: LuaTable, registered: () => Map<string, RegisteredFunction>): LuaTable {
  const api = new LuaTable(0, 16);
  api.setStr('register_function', new NativeFunction('register_function', (_rt, args) => {
    registerFunction(args, registered());
    return [];
  }));
  for (const name of ['log', 'REDIS_VERSION', 'REDIS_VERSION_NUM', 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING']) {
    api.setStr(name, fullApi.getStr(name));
  }
  return api;
}
