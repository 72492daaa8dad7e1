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

/** redis.register_function's two forms, checked as Redis checks them. */
export function registerFunction(args: LuaValue[], into: Map<string, RegisteredFunction>): void {
  let name: LuaValue;
  let callback: LuaValue;
  let flags: string[] = [];
  let description: string | null = null;
  if (args.length === 1) {
    const named = args[0];
    if (!(named instanceof LuaTable)) registrationError('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
    for (let entry = named.next(undefined); entry !== undefined; entry = named.next(entry[0])) {
      const [key, value] = entry;
      if (key === 'function_name') name = value;
      else if (key === 'callback') callback = value;
      else if (key === 'flags') flags = parseFlags(value);
      else if (key === 'description') description = typeof value === 'string' ? value : registrationError('description argument given to redis.register_function must be a string');
      else registrationError('unknown argument given to redis.register_function');
    }
    if (name === undefined) registrationError('redis.register_function must get a function name argument');
    if (callback === undefined) registrationError('redis.register_function must get a callback argument');
  } else if (args.length === 2) {
    [name, callback] = args;
  } else {
    registrationError('wrong number of arguments to redis.register_function');
  }
  if (typeof name !== 'string') registrationError('function_name argument given to redis.register_function must be a string');
  if (!(callback instanceof LuaFunction)) {
    registrationError(args.length === 2 ? 'second argument to redis.register_function must be a function' : 'callback argument given to redis.register_function must be a function');
  }
  // (Redis words a bad function name with the library-name message.)
  if (!NAME.test(name)) registrationError(BAD_LIBRARY_NAME.slice('ERR '.length));
  if (into.has(name)) registrationError('Function already exists in the library');
  into.set(name, { name, callback, flags, description });
}

function parseFlags(value: LuaValue): string[] {
  if (!(value instanceof LuaTable)) registrationError('flags argument to redis.register_function must be a table representing function flags');
  const flags: string[] = [];
  for (let i = 1; value.getInt(i) !== undefined; i++) {
    const flag = value.getInt(i);
    if (typeof flag !== 'string' || !(FUNCTION_FLAGS as readonly string[]).includes(flag)) registrationError('unknown flag given');
    flags.push(flag);
  }
  return flags;
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
