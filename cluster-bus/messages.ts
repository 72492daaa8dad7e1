/**
 * The cluster bus messages, as data: what the codec decodes from and encodes to the bytes of
 * Redis 7.0's `clusterMsg` (redis-wire.md §1.2-1.5), and what the state machine consumes and
 * produces. Node ids are 40-char lowercase hex strings; slot sets are 2048-byte bitmaps (slot j is
 * byte j>>3, bit j&7 from the least significant bit); epochs and offsets are bigint because they
 * are u64 on the wire.
 *
 * A message is a discriminated union on its top-level `type` (the header's type field on the
 * wire), so `switch (msg.type)` narrows it to the body that type carries without `in` checks or
 * casts. The header itself holds every other fixed field; the codec writes `type` into it.
 * A type 7.0 does not know decodes to `{ type: 'unknown', code }`, kept apart from the numeric
 * literals so that it never widens a `case`.
 */

import { SLOT_COUNT as KEYSPACE_SLOT_COUNT } from '../storage/key-slot';

export const NODE_ID_LENGTH = 40;
// The slot count is the keyspace's (storage/key-slot.ts); the bitmap on the wire has a bit per
// slot. A constant of this module, not a re-export: CommonJS turns a re-export into a getter,
// which every loop over the 16384 slots would call on each iteration.
export const SLOT_COUNT = KEYSPACE_SLOT_COUNT;
export const SLOT_BITMAP_BYTES = SLOT_COUNT / 8;

/** Message types (the header's `type` field). */
export const MessageType = {
  PING: 0,
  PONG: 1,
  MEET: 2,
  FAIL: 3,
  PUBLISH: 4,
  FAILOVER_AUTH_REQUEST: 5,
  FAILOVER_AUTH_ACK: 6,
  UPDATE: 7,
  MFSTART: 8,
  MODULE: 9,
  PUBLISHSHARD: 10,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Node flags, in the header's `flags` and in gossip entries. */
export const NodeFlag = {
  MASTER: 1,
  SLAVE: 2,
  PFAIL: 4,
  FAIL: 8,
  MYSELF: 16,
  HANDSHAKE: 32,
  NOADDR: 64,
  MEET: 128,
  MIGRATE_TO: 256,
  NOFAILOVER: 512,
} as const;

/** Message flags, `mflags[0]`. */
export const MessageFlag = {
  PAUSED: 1,
  FORCEACK: 2,
  EXT_DATA: 4,
} as const;

/** Cluster state byte in the header. */
export const ClusterStateByte = { OK: 0, FAIL: 1 } as const;

/** The fixed 2256-byte header every message starts with. */
export interface MessageHeader {
  /** Sender's client port. */
  port: number;
  currentEpoch: bigint;
  /** Sender's configEpoch, or its master's when the sender is a replica. */
  configEpoch: bigint;
  /** Replication offset. */
  offset: bigint;
  sender: string;
  /** 2048-byte slot bitmap of the sender (or its master). */
  myslots: Uint8Array;
  /** Master's id when the sender is a replica, null when it is a master (40 NUL bytes on the wire). */
  slaveof: string | null;
  /** Announced IP, '' when not announced (the receiver then uses the socket's peer address). */
  myip: string;
  /** Plaintext port when TLS is used on the bus, else 0. */
  pport: number;
  /** Sender's bus port. */
  cport: number;
  /** Sender's own node flags. */
  flags: number;
  /** 0 = ok, 1 = fail, in the sender's view. */
  state: number;
  /** mflags[0]. */
  mflags: number;
}

/** One gossip entry of PING/PONG/MEET (104 bytes on the wire). */
export interface GossipEntry {
  nodename: string;
  /** Seconds (u32), 0 when no ping is pending. */
  pingSent: number;
  /** Seconds (u32). */
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

/**
 * A ping extension (7.0 knows only type 0, HOSTNAME). Unknown types are kept as raw bytes, under
 * `type: 'unknown'` with the wire type in `code`, like unknown messages.
 */
export type PingExtension =
  | { type: 0; hostname: string }
  | { type: 'unknown'; code: number; payload: Uint8Array };

export interface PingMessage {
  type: 0 | 1 | 2;
  header: MessageHeader;
  gossip: GossipEntry[];
  extensions: PingExtension[];
}

export interface FailMessage {
  type: 3;
  header: MessageHeader;
  nodename: string;
}

export interface PublishMessage {
  type: 4 | 10;
  header: MessageHeader;
  /** Byte strings (latin1). */
  channel: string;
  message: string;
}

export interface UpdateMessage {
  type: 7;
  header: MessageHeader;
  configEpoch: bigint;
  nodename: string;
  slots: Uint8Array;
}

export interface ModuleMessage {
  type: 9;
  header: MessageHeader;
  moduleId: Uint8Array;
  moduleType: number;
  payload: Uint8Array;
}

/** FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART: header only. */
export interface BareMessage {
  type: 5 | 6 | 8;
  header: MessageHeader;
}

/** A message of a type 7.0 does not know: accepted and ignored, as Redis does. */
export interface UnknownMessage {
  type: 'unknown';
  /** The type field as it was on the wire. */
  code: number;
  header: MessageHeader;
}

export type ClusterMessage =
  | PingMessage
  | FailMessage
  | PublishMessage
  | UpdateMessage
  | ModuleMessage
  | BareMessage
  | UnknownMessage;

/** The type field a message carries on the wire. */
export function typeCode(msg: ClusterMessage): number {
  return msg.type === 'unknown' ? msg.code : msg.type;
}
