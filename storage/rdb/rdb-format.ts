/**
 * The numbers of the RDB format, version 10 as Redis 7.0 writes it (redis-wire.md §3). One table
 * each for opcodes and value types, with what each means, shared by the reader and the writer.
 *
 *   "REDIS0010"                                      magic and 4-digit version
 *   FA <string> <string>                             AUX field (redis-ver, ctime, repl-id, ...)
 *   FE <len>  FB <len> <len>                         SELECTDB, RESIZEDB (keys, keys with a TTL)
 *   [FC <int64 LE ms>] <type> <key> <value>          one entry, with an optional deadline
 *   FF <crc64 LE>                                    EOF and the checksum of everything before
 */

export const RDB_VERSION = 10;
export const RDB_MAGIC = 'REDIS';

/** Opcodes: bytes that may appear where a value type is expected. */
export const Opcode = {
  /** Function library source (7.0): skipped, hashslot has no functions. */
  FUNCTION2: 0xf5,
  /** Functions as 7.0 release candidates wrote them; Redis 7.0 refuses them too. */
  FUNCTION_PRE_GA: 0xf6,
  /** Module auxiliary data: only a module can read it. */
  MODULE_AUX: 0xf7,
  /** LRU idle time in seconds (a length) of the next entry. */
  IDLE: 0xf8,
  /** LFU frequency (one byte) of the next entry. */
  FREQ: 0xf9,
  AUX: 0xfa,
  RESIZEDB: 0xfb,
  /** Absolute deadline of the next entry, int64 little-endian milliseconds. */
  EXPIRETIME_MS: 0xfc,
  /** Absolute deadline in seconds, int32 little-endian (files before version 3). */
  EXPIRETIME: 0xfd,
  SELECTDB: 0xfe,
  EOF: 0xff,
} as const;

/** Value types: the byte before a key. */
export const ValueType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

/** Quicklist-2 node containers. */
export const QuicklistNode = {
  /** One element, stored as a plain string (elements of 1 GiB and more). */
  PLAIN: 1,
  /** A listpack of elements. */
  PACKED: 2,
} as const;

/** Special string encodings: a length byte 11xxxxxx announces one of these instead. */
export const StringEncoding = {
  INT8: 0,
  INT16: 1,
  INT32: 2,
  LZF: 3,
} as const;
