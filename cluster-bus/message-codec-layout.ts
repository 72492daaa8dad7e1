/**
 * Byte offsets of Redis 7.0's cluster bus message `clusterMsg` (redis-wire.md §1.2-1.5), in one
 * place so that the encoder, the decoder and the tests read the same numbers. Every multi-byte
 * integer is big-endian; the only opaque field is a MODULE message's 8-byte module id.
 *
 * ```
 *  0        4        8    10   12   14   16            24            32            40
 *  | "RCmb" | totlen | ver|port|type|count| currentEpoch | configEpoch  |   offset    |
 *  40                         80                                          2128
 *  | sender (40)              | myslots (2048-byte bitmap)                |
 *  2128           2168           2214  2216          2246  2248  2250  2252  2253   2256
 *  | slaveof (40) | myip (46)     | ext | notused1 (30) |pport|cport|flags|state|mflags|
 *  2256 ...
 *  | body: gossip[count] + extensions | FAIL | PUBLISH | UPDATE | MODULE | nothing
 * ```
 *
 * The offsets are pinned by a test that writes distinctive values and reads the raw bytes back.
 */

/** Size of the fixed header; also the smallest legal frame (`CLUSTERMSG_MIN_LEN`). */
export const CLUSTER_MSG_HEADER_BYTES = 2256;

/** The four signature bytes every frame starts with. */
export const CLUSTER_MSG_SIGNATURE = 'RCmb';
/** `ver` of every message we send and the only one we accept (`CLUSTER_PROTO_VER`). */
export const CLUSTER_PROTO_VERSION = 1;
/** The prefix a link reader needs before it knows a frame's length: signature + totlen. */
export const FRAME_PREFIX_BYTES = 8;

export const HeaderOffset = {
  sig: 0,
  totlen: 4,
  ver: 8,
  port: 10,
  type: 12,
  count: 14,
  currentEpoch: 16,
  configEpoch: 24,
  offset: 32,
  sender: 40,
  myslots: 80,
  slaveof: 2128,
  myip: 2168,
  extensions: 2214,
  notused1: 2216,
  pport: 2246,
  cport: 2248,
  flags: 2250,
  state: 2252,
  mflags: 2253,
} as const;

/** `myip` and the gossip `ip` are NET_IP_STR_LEN (46) bytes, NUL padded. */
export const IP_FIELD_BYTES = 46;

/** One `clusterMsgDataGossip` entry. */
export const GOSSIP_ENTRY_BYTES = 104;
export const GossipOffset = {
  nodename: 0,
  pingSent: 40,
  pongReceived: 44,
  ip: 48,
  port: 94,
  cport: 96,
  flags: 98,
  pport: 100,
  notused1: 102,
} as const;

/** Ping extension header: u32 length (whole extension, multiple of 8), u16 type, u16 unused. */
export const PING_EXT_HEADER_BYTES = 8;
export const PING_EXT_TYPE_HOSTNAME = 0;

/** FAIL body: the failing node's name. */
export const FAIL_BODY_BYTES = 40;

/** PUBLISH/PUBLISHSHARD body: u32 channel_len, u32 message_len, then the two byte strings. */
export const PUBLISH_FIXED_BYTES = 8;

/** UPDATE body: u64 configEpoch, nodename[40], slots[2048]. */
export const UpdateOffset = { configEpoch: 0, nodename: 8, slots: 48 } as const;
export const UPDATE_BODY_BYTES = 2096;

/** MODULE body: module_id[8] (opaque), u32 len, u8 type, then len payload bytes. */
export const ModuleOffset = { moduleId: 0, len: 8, type: 12, payload: 13 } as const;
export const MODULE_FIXED_BYTES = 13;
export const MODULE_ID_BYTES = 8;

/**
 * The default upper bound on `totlen` accepted by the frame reader.
 *
 * Redis 7.0 itself has no upper bound: its reader only insists on `totlen >= 2256`. So any cap we
 * pick must stay above the largest message a healthy 7.0 peer can send, or we would drop a link
 * Redis keeps. The only unbounded bodies are PUBLISH/PUBLISHSHARD (and MODULE, which a module
 * sends from memory it already holds). A PUBLISH is relayed from a client command, and a client's
 * whole request is bounded by `client-query-buffer-limit` (1 GB by default; each argument also by
 * `proto-max-bulk-len`, 512 MB by default). So channel + message ≤ 1 GiB, and the frame is at most
 * header + 8 + 1 GiB. Anything larger is a corrupt or hostile length. The reader does not
 * allocate for a claimed length up front, so a large claim costs memory only as bytes arrive.
 */
export const DEFAULT_MAX_FRAME_BYTES = CLUSTER_MSG_HEADER_BYTES + PUBLISH_FIXED_BYTES + 1024 * 1024 * 1024;

/** Rounds up to a multiple of 8, the alignment of ping extensions. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
