/**
 * Every error reply the server sends, worded exactly as Redis 7.0 words it.
 *
 * Clients and test suites match on these strings (ioredis checks "MOVED", redis-py maps prefixes
 * to exception classes, tests compare text), so they live in one catalog and handlers refer to
 * them by name. A handler reports a client error by throwing a ReplyError; the dispatcher
 * encodes it. Anything else that is thrown is a bug in the server, not a reply.
 */

export class ReplyError extends Error {
  override readonly name = 'ReplyError';
  /** `text` is the full reply without the leading '-', e.g. "ERR syntax error". */
  constructor(readonly text: string) {
    super(text);
  }
}

/**
 * An error of a command refused before it ran, as Redis's processCommand refuses it (a script
 * whose declared flags the server's state forbids): counted in the command's rejected_calls,
 * not as a call, and never shown to MONITOR.
 */
export class RejectedError extends ReplyError {}

export const ERR = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidDbIndex: 'ERR invalid DB index',
  sameObject: 'ERR source and destination objects are the same',
  overflow: 'ERR increment or decrement would overflow',
  floatNanOrInf: 'ERR increment would produce NaN or Infinity',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  offsetOutOfRange: 'ERR offset is out of range',
  invalidCursor: 'ERR invalid cursor',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNoPassword:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  noProto: 'NOPROTO unsupported protocol version',
  protoNotInteger: 'ERR Protocol version is not an integer or out of range',
  timeoutNegative: 'ERR timeout is negative',
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  debugDisabled:
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
  lfuNotSelected:
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  lfuSelected:
    'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  clientNameSpaces: 'ERR Client names cannot contain spaces, newlines or special characters.',
  noSuchClient: 'ERR No such client',
  invalidCommandName: 'ERR Invalid command specified',
  invalidArgsForCommand: 'ERR Invalid number of arguments specified for command',
  invalidArgumentsForCommand: 'ERR Invalid arguments specified for command',
  noKeysInCommand: 'ERR The command has no key arguments',
  nxXxGtLt: 'ERR NX and XX, GT or LT options at the same time are not compatible',
  gtAndLt: 'ERR GT and LT options at the same time are not compatible',
  lcsNotStrings: 'ERR The specified keys must contain string values',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooBig: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  decrementOverflow: 'ERR decrement would overflow',
  hashNotInteger: 'ERR hash value is not an integer',
  hashNotFloat: 'ERR hash value is not a float',
  valueNanOrInf: 'ERR value is NaN or Infinity',
  outOfRange: 'ERR value is out of range',
  outOfRangeLong: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  outOfRangePositive: 'ERR value is out of range, must be positive',
  numkeysNotPositive: 'ERR numkeys should be greater than 0',
  numkeysTooMany: "ERR Number of keys can't be greater than number of args",
  limitNegative: "ERR LIMIT can't be negative",
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  bitArgument: 'ERR The bit argument must be 1 or 0.',
  bitopNotSingleSource: 'ERR BITOP NOT must be called with a single source key.',
  bitfieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  bitfieldOverflowType: 'ERR Invalid OVERFLOW type specified',
  bitfieldReadOnly: 'ERR BITFIELD_RO only supports the GET subcommand',
  hllNotHll: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  hllCorrupt: 'INVALIDOBJ Corrupted HLL object detected',
  hllNoSuchKey: 'ERR The specified key does not exist',
  hllNotSparse: 'ERR HLL encoding is not sparse',
} as const;

export function unknownCommand(name: string, args: readonly string[]): string {
  let shown = '';
  for (let i = 0; i < args.length && shown.length < 128; i++) {
    shown += `'${(args[i] as string).slice(0, 128 - shown.length)}' `;
  }
  return `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${shown}`;
}

export function unknownSubcommand(container: string, sub: string): string {
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}

/**
 * A container's subcommand called with arguments it does not take (ACL CAT a b): Redis answers
 * this once the subcommand is running, naming it as the client typed it.
 */
export function subcommandSyntax(container: string, sub: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}

export function wrongArity(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function invalidExpireTime(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}

export function unsupportedOption(option: string): string {
  return `ERR Unsupported option ${option}`;
}
