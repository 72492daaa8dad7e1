/**
 * The cluster bus message codec: `ClusterMessage` values (messages.ts) to and from the exact bytes
 * of Redis 7.0's `clusterMsg` (redis-wire.md §1.2-1.5), so that a real redis-server and hashslot
 * can share one cluster.
 *
 * Encoding writes a message at its exact length (`totlen`), never padded to the 4352 bytes of the
 * C struct, and derives the fields that describe the body from the body itself: `count` is the
 * number of gossip entries, and `extensions` together with the EXT_DATA bit of `mflags[0]` say
 * whether ping extensions follow. 7.0 validates extension lengths only when the bit is set but
 * then walks `extensions` entries regardless, so sending one without the other would make a real
 * peer read garbage; the encoder therefore never lets the caller set them independently.
 *
 * Decoding follows the receiver's sanity checks (§1.1, §1.3) and never throws: every malformed
 * input comes back as a `DecodeProblem` value naming what was wrong, for a counter and a log line,
 * and the link stays open, as in Redis. What Redis checks, and therefore what we check:
 *   - `ver` must be 1 (Redis ignores other versions silently);
 *   - for every known type the length is recomputed from the body and must equal `totlen`
 *     exactly; for PING/PONG/MEET with EXT_DATA set, each extension must be a multiple of 8 long
 *     and fit in what is left of the message;
 *   - unknown types are accepted and handed over as `{ type: 'unknown', code, header }`.
 * Where 7.0 would read past the message (an extension shorter than its own 8-byte header, a
 * PUBLISH too short to hold its two lengths, lengths whose u32 sum wraps around) we report a
 * problem instead: those packets cannot come from a correct peer.
 *
 * Strings: node ids are the 40 raw bytes as a 40-char latin1 string (an all-NUL `slaveof` means
 * "no master" and decodes to null); IPs and the hostname are NUL-terminated latin1; PUBLISH channel
 * and message are latin1 byte strings, so every byte value survives a round trip.
 */
import {
  ClusterMessage,
  GossipEntry,
  MessageFlag,
  MessageHeader,
  MessageType,
  ModuleMessage,
  NODE_ID_LENGTH,
  PingExtension,
  PingMessage,
  PublishMessage,
  SLOT_BITMAP_BYTES,
  typeCode,
  UpdateMessage,
} from './messages';
import {
  CLUSTER_MSG_HEADER_BYTES,
  CLUSTER_MSG_SIGNATURE,
  CLUSTER_PROTO_VERSION,
  FAIL_BODY_BYTES,
  GOSSIP_ENTRY_BYTES,
  GossipOffset,
  HeaderOffset,
  IP_FIELD_BYTES,
  MODULE_FIXED_BYTES,
  MODULE_ID_BYTES,
  ModuleOffset,
  PING_EXT_HEADER_BYTES,
  PING_EXT_TYPE_HOSTNAME,
  PUBLISH_FIXED_BYTES,
  UPDATE_BODY_BYTES,
  UpdateOffset,
  align8,
} from './message-codec-layout';

export type { BusFrameReaderOptions, FrameError, FrameErrorCode } from './message-codec-frame-reader';

/** Why a frame was not turned into a message. */
export type DecodeProblemCode =
  | 'truncated' // shorter than the 2256-byte header
  | 'bad-signature' // does not start with "RCmb"
  | 'totlen-mismatch' // the header's totlen is not the frame's length
  | 'bad-version' // ver != 1: Redis ignores these silently
  | 'bad-length' // a known type whose recomputed length differs from totlen
  | 'bad-extension'; // a ping extension that is not 8-aligned or overruns the message

/** A frame that was ignored, with a short reason; never thrown. */
export interface DecodeProblem {
  problem: DecodeProblemCode;
  reason: string;
  /** The message type, when the header could be read. */
  type?: number;
}

export function isDecodeProblem(value: ClusterMessage | DecodeProblem): value is DecodeProblem {
  return 'problem' in value;
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function assertEncodable(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`encodeMessage: ${what}`);
}

/** Writes `text` as latin1 into a fixed field, NUL padded (the buffer is already zeroed). */
function writeFixedString(buf: Buffer, offset: number, size: number, text: string, what: string): void {
  assertEncodable(text.length <= size, `${what} longer than ${size} bytes`);
  buf.write(text, offset, size, 'latin1');
}

function writeNodeId(buf: Buffer, offset: number, id: string, what: string): void {
  assertEncodable(id.length === NODE_ID_LENGTH, `${what} must be ${NODE_ID_LENGTH} chars, got ${id.length}`);
  buf.write(id, offset, NODE_ID_LENGTH, 'latin1');
}

function writeSlots(buf: Buffer, offset: number, slots: Uint8Array, what: string): void {
  assertEncodable(slots.length === SLOT_BITMAP_BYTES, `${what} must be ${SLOT_BITMAP_BYTES} bytes`);
  buf.set(slots, offset);
}

/** Length of one encoded extension, header included. */
function extensionBytes(ext: PingExtension): number {
  if (ext.type === PING_EXT_TYPE_HOSTNAME) return PING_EXT_HEADER_BYTES + align8(Buffer.byteLength(ext.hostname, 'latin1') + 1);
  return PING_EXT_HEADER_BYTES + align8(ext.payload.length);
}

function writeHeader(buf: Buffer, type: number, h: MessageHeader, count: number, extensions: number): void {
  const O = HeaderOffset;
  buf.write(CLUSTER_MSG_SIGNATURE, O.sig, 4, 'latin1');
  buf.writeUInt32BE(buf.length, O.totlen);
  buf.writeUInt16BE(CLUSTER_PROTO_VERSION, O.ver);
  buf.writeUInt16BE(h.port, O.port);
  buf.writeUInt16BE(type, O.type);
  buf.writeUInt16BE(count, O.count);
  buf.writeBigUInt64BE(h.currentEpoch, O.currentEpoch);
  buf.writeBigUInt64BE(h.configEpoch, O.configEpoch);
  buf.writeBigUInt64BE(h.offset, O.offset);
  writeNodeId(buf, O.sender, h.sender, 'sender');
  writeSlots(buf, O.myslots, h.myslots, 'myslots');
  if (h.slaveof !== null) writeNodeId(buf, O.slaveof, h.slaveof, 'slaveof');
  writeFixedString(buf, O.myip, IP_FIELD_BYTES, h.myip, 'myip');
  buf.writeUInt16BE(extensions, O.extensions);
  buf.writeUInt16BE(h.pport, O.pport);
  buf.writeUInt16BE(h.cport, O.cport);
  buf.writeUInt16BE(h.flags, O.flags);
  buf.writeUInt8(h.state, O.state);
  // EXT_DATA follows the body, whatever the caller's header says (see the module comment).
  const mflags = extensions > 0 ? h.mflags | MessageFlag.EXT_DATA : h.mflags & ~MessageFlag.EXT_DATA;
  buf.writeUInt8(mflags, O.mflags);
}

function writeGossip(buf: Buffer, at: number, g: GossipEntry): void {
  const O = GossipOffset;
  writeNodeId(buf, at + O.nodename, g.nodename, 'gossip nodename');
  buf.writeUInt32BE(g.pingSent, at + O.pingSent);
  buf.writeUInt32BE(g.pongReceived, at + O.pongReceived);
  writeFixedString(buf, at + O.ip, IP_FIELD_BYTES, g.ip, 'gossip ip');
  buf.writeUInt16BE(g.port, at + O.port);
  buf.writeUInt16BE(g.cport, at + O.cport);
  buf.writeUInt16BE(g.flags, at + O.flags);
  buf.writeUInt16BE(g.pport, at + O.pport);
}

function encodePing(msg: PingMessage): Buffer {
  const gossipBytes = msg.gossip.length * GOSSIP_ENTRY_BYTES;
  let extBytes = 0;
  for (const ext of msg.extensions) extBytes += extensionBytes(ext);
  const buf = Buffer.alloc(CLUSTER_MSG_HEADER_BYTES + gossipBytes + extBytes);
  writeHeader(buf, msg.type, msg.header, msg.gossip.length, msg.extensions.length);
  let at = CLUSTER_MSG_HEADER_BYTES;
  for (const g of msg.gossip) {
    writeGossip(buf, at, g);
    at += GOSSIP_ENTRY_BYTES;
  }
  for (const ext of msg.extensions) {
    const len = extensionBytes(ext);
    buf.writeUInt32BE(len, at);
    // The padding after the payload (and the hostname's terminating NUL) is already zero.
    if (ext.type === PING_EXT_TYPE_HOSTNAME) {
      buf.writeUInt16BE(ext.type, at + 4);
      buf.write(ext.hostname, at + PING_EXT_HEADER_BYTES, 'latin1');
    } else {
      buf.writeUInt16BE(ext.code, at + 4);
      buf.set(ext.payload, at + PING_EXT_HEADER_BYTES);
    }
    at += len;
  }
  return buf;
}

function encodePublish(msg: PublishMessage): Buffer {
  const channelLen = Buffer.byteLength(msg.channel, 'latin1');
  const messageLen = Buffer.byteLength(msg.message, 'latin1');
  const body = CLUSTER_MSG_HEADER_BYTES;
  const buf = Buffer.alloc(body + PUBLISH_FIXED_BYTES + channelLen + messageLen);
  writeHeader(buf, msg.type, msg.header, 0, 0);
  buf.writeUInt32BE(channelLen, body);
  buf.writeUInt32BE(messageLen, body + 4);
  buf.write(msg.channel, body + PUBLISH_FIXED_BYTES, 'latin1');
  buf.write(msg.message, body + PUBLISH_FIXED_BYTES + channelLen, 'latin1');
  return buf;
}

function encodeUpdate(msg: UpdateMessage): Buffer {
  const body = CLUSTER_MSG_HEADER_BYTES;
  const buf = Buffer.alloc(body + UPDATE_BODY_BYTES);
  writeHeader(buf, msg.type, msg.header, 0, 0);
  buf.writeBigUInt64BE(msg.configEpoch, body + UpdateOffset.configEpoch);
  writeNodeId(buf, body + UpdateOffset.nodename, msg.nodename, 'UPDATE nodename');
  writeSlots(buf, body + UpdateOffset.slots, msg.slots, 'UPDATE slots');
  return buf;
}

function encodeModule(msg: ModuleMessage): Buffer {
  assertEncodable(msg.moduleId.length === MODULE_ID_BYTES, `moduleId must be ${MODULE_ID_BYTES} bytes`);
  const body = CLUSTER_MSG_HEADER_BYTES;
  const buf = Buffer.alloc(body + MODULE_FIXED_BYTES + msg.payload.length);
  writeHeader(buf, msg.type, msg.header, 0, 0);
  buf.set(msg.moduleId, body + ModuleOffset.moduleId);
  buf.writeUInt32BE(msg.payload.length, body + ModuleOffset.len);
  buf.writeUInt8(msg.moduleType, body + ModuleOffset.type);
  buf.set(msg.payload, body + ModuleOffset.payload);
  return buf;
}

/**
 * The exact bytes of `msg` as Redis 7.0 would send it. Throws RangeError when a field does not fit
 * its wire slot (a node id that is not 40 chars, a port above 65535, a negative epoch...): that is
 * a bug in the caller, not something a peer can cause.
 */
export function encodeMessage(msg: ClusterMessage): Buffer {
  switch (msg.type) {
    case MessageType.PING:
    case MessageType.PONG:
    case MessageType.MEET:
      return encodePing(msg);
    case MessageType.PUBLISH:
    case MessageType.PUBLISHSHARD:
      return encodePublish(msg);
    case MessageType.UPDATE:
      return encodeUpdate(msg);
    case MessageType.MODULE:
      return encodeModule(msg);
    case MessageType.FAIL: {
      const buf = Buffer.alloc(CLUSTER_MSG_HEADER_BYTES + FAIL_BODY_BYTES);
      writeHeader(buf, msg.type, msg.header, 0, 0);
      writeNodeId(buf, CLUSTER_MSG_HEADER_BYTES, msg.nodename, 'FAIL nodename');
      return buf;
    }
    case MessageType.FAILOVER_AUTH_REQUEST:
    case MessageType.FAILOVER_AUTH_ACK:
    case MessageType.MFSTART:
    case 'unknown': {
      // Header only. We never originate unknown types except in tests.
      const buf = Buffer.alloc(CLUSTER_MSG_HEADER_BYTES);
      writeHeader(buf, typeCode(msg), msg.header, 0, 0);
      return buf;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

function problem(code: DecodeProblemCode, reason: string, type?: number): DecodeProblem {
  return type === undefined ? { problem: code, reason } : { problem: code, reason, type };
}

/** A fixed-size field read up to its first NUL (IPs, the hostname). */
function readCString(buf: Buffer, start: number, end: number): string {
  const nul = buf.subarray(start, end).indexOf(0);
  return buf.toString('latin1', start, nul === -1 ? end : start + nul);
}

function isAllZero(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** A copy, so that a decoded message never aliases the frame (which may alias a socket chunk). */
function copyBytes(buf: Buffer, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.subarray(start, end));
}

function readHeader(buf: Buffer): MessageHeader {
  const O = HeaderOffset;
  return {
    port: buf.readUInt16BE(O.port),
    currentEpoch: buf.readBigUInt64BE(O.currentEpoch),
    configEpoch: buf.readBigUInt64BE(O.configEpoch),
    offset: buf.readBigUInt64BE(O.offset),
    sender: buf.toString('latin1', O.sender, O.sender + NODE_ID_LENGTH),
    myslots: copyBytes(buf, O.myslots, O.myslots + SLOT_BITMAP_BYTES),
    slaveof: isAllZero(buf, O.slaveof, O.slaveof + NODE_ID_LENGTH)
      ? null
      : buf.toString('latin1', O.slaveof, O.slaveof + NODE_ID_LENGTH),
    myip: readCString(buf, O.myip, O.myip + IP_FIELD_BYTES),
    pport: buf.readUInt16BE(O.pport),
    cport: buf.readUInt16BE(O.cport),
    flags: buf.readUInt16BE(O.flags),
    state: buf.readUInt8(O.state),
    mflags: buf.readUInt8(O.mflags),
  };
}

function readGossip(buf: Buffer, at: number): GossipEntry {
  const O = GossipOffset;
  return {
    nodename: buf.toString('latin1', at + O.nodename, at + O.nodename + NODE_ID_LENGTH),
    pingSent: buf.readUInt32BE(at + O.pingSent),
    pongReceived: buf.readUInt32BE(at + O.pongReceived),
    ip: readCString(buf, at + O.ip, at + O.ip + IP_FIELD_BYTES),
    port: buf.readUInt16BE(at + O.port),
    cport: buf.readUInt16BE(at + O.cport),
    flags: buf.readUInt16BE(at + O.flags),
    pport: buf.readUInt16BE(at + O.pport),
  };
}

function lengthProblem(type: number, expected: number | string, totlen: number): DecodeProblem {
  return problem('bad-length', `type ${type}: length ${totlen}, expected ${expected}`, type);
}

function decodePing(buf: Buffer, type: 0 | 1 | 2, header: MessageHeader): PingMessage | DecodeProblem {
  const totlen = buf.length;
  const count = buf.readUInt16BE(HeaderOffset.count);
  const gossipEnd = CLUSTER_MSG_HEADER_BYTES + count * GOSSIP_ENTRY_BYTES;
  if (gossipEnd > totlen) return lengthProblem(type, `at least ${gossipEnd} for ${count} gossip entries`, totlen);

  // Extensions are looked at only when EXT_DATA is set; without it 7.0's length check counts
  // gossip alone, so a well-formed message then has none.
  const extensions: PingExtension[] = [];
  let end = gossipEnd;
  if (header.mflags & MessageFlag.EXT_DATA) {
    const extCount = buf.readUInt16BE(HeaderOffset.extensions);
    for (let i = 0; i < extCount; i++) {
      if (totlen - end < PING_EXT_HEADER_BYTES) {
        return problem('bad-extension', `extension ${i} header overruns the message (${totlen} bytes)`, type);
      }
      const len = buf.readUInt32BE(end);
      if (len % 8 !== 0) return problem('bad-extension', `extension ${i} without proper padding (${len} bytes)`, type);
      if (len < PING_EXT_HEADER_BYTES || len > totlen - end) {
        return problem('bad-extension', `extension ${i} of ${len} bytes exceeds the message (${totlen} bytes)`, type);
      }
      const extType = buf.readUInt16BE(end + 4);
      const payloadStart = end + PING_EXT_HEADER_BYTES;
      if (extType === PING_EXT_TYPE_HOSTNAME) {
        extensions.push({ type: PING_EXT_TYPE_HOSTNAME, hostname: readCString(buf, payloadStart, end + len) });
      } else {
        extensions.push({ type: 'unknown', code: extType, payload: copyBytes(buf, payloadStart, end + len) });
      }
      end += len;
    }
  }
  if (end !== totlen) return lengthProblem(type, end, totlen);

  const gossip: GossipEntry[] = new Array<GossipEntry>(count);
  for (let i = 0; i < count; i++) gossip[i] = readGossip(buf, CLUSTER_MSG_HEADER_BYTES + i * GOSSIP_ENTRY_BYTES);
  return { type, header, gossip, extensions };
}

function decodePublish(buf: Buffer, type: 4 | 10, header: MessageHeader): PublishMessage | DecodeProblem {
  const body = CLUSTER_MSG_HEADER_BYTES;
  if (buf.length < body + PUBLISH_FIXED_BYTES) {
    return lengthProblem(type, `at least ${body + PUBLISH_FIXED_BYTES}`, buf.length);
  }
  const channelLen = buf.readUInt32BE(body);
  const messageLen = buf.readUInt32BE(body + 4);
  // Plain JS numbers: the sum cannot wrap around as a u32 would.
  const expected = body + PUBLISH_FIXED_BYTES + channelLen + messageLen;
  if (expected !== buf.length) return lengthProblem(type, expected, buf.length);
  const channelStart = body + PUBLISH_FIXED_BYTES;
  return {
    type,
    header,
    channel: buf.toString('latin1', channelStart, channelStart + channelLen),
    message: buf.toString('latin1', channelStart + channelLen, expected),
  };
}

function decodeModule(buf: Buffer, header: MessageHeader): ModuleMessage | DecodeProblem {
  const body = CLUSTER_MSG_HEADER_BYTES;
  const type = MessageType.MODULE;
  if (buf.length < body + MODULE_FIXED_BYTES) {
    return lengthProblem(type, `at least ${body + MODULE_FIXED_BYTES}`, buf.length);
  }
  const len = buf.readUInt32BE(body + ModuleOffset.len);
  const expected = body + MODULE_FIXED_BYTES + len;
  if (expected !== buf.length) return lengthProblem(type, expected, buf.length);
  return {
    type,
    header,
    moduleId: copyBytes(buf, body + ModuleOffset.moduleId, body + ModuleOffset.moduleId + MODULE_ID_BYTES),
    moduleType: buf.readUInt8(body + ModuleOffset.type),
    payload: copyBytes(buf, body + ModuleOffset.payload, expected),
  };
}

/**
 * One complete frame (exactly `totlen` bytes, as BusFrameReader returns them) to a message, or a
 * DecodeProblem saying why Redis would ignore it. Never throws on any input.
 */
export function decodeMessage(frame: Uint8Array): ClusterMessage | DecodeProblem {
  const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < CLUSTER_MSG_HEADER_BYTES) {
    return problem('truncated', `${buf.length} bytes, shorter than the ${CLUSTER_MSG_HEADER_BYTES}-byte header`);
  }
  if (buf.toString('latin1', 0, 4) !== CLUSTER_MSG_SIGNATURE) return problem('bad-signature', 'signature is not RCmb');
  const totlen = buf.readUInt32BE(HeaderOffset.totlen);
  if (totlen !== buf.length) return problem('totlen-mismatch', `totlen ${totlen} but the frame has ${buf.length} bytes`);
  const ver = buf.readUInt16BE(HeaderOffset.ver);
  const type = buf.readUInt16BE(HeaderOffset.type);
  if (ver !== CLUSTER_PROTO_VERSION) return problem('bad-version', `protocol version ${ver}`, type);
  const header = readHeader(buf);

  const T = MessageType;
  switch (type) {
    case T.PING:
    case T.PONG:
    case T.MEET:
      return decodePing(buf, type, header);
    case T.FAIL: {
      const expected = CLUSTER_MSG_HEADER_BYTES + FAIL_BODY_BYTES;
      if (totlen !== expected) return lengthProblem(type, expected, totlen);
      return { type, header, nodename: buf.toString('latin1', CLUSTER_MSG_HEADER_BYTES, expected) };
    }
    case T.PUBLISH:
    case T.PUBLISHSHARD:
      return decodePublish(buf, type, header);
    case T.FAILOVER_AUTH_REQUEST:
    case T.FAILOVER_AUTH_ACK:
    case T.MFSTART:
      if (totlen !== CLUSTER_MSG_HEADER_BYTES) return lengthProblem(type, CLUSTER_MSG_HEADER_BYTES, totlen);
      return { type, header };
    case T.UPDATE: {
      const expected = CLUSTER_MSG_HEADER_BYTES + UPDATE_BODY_BYTES;
      if (totlen !== expected) return lengthProblem(type, expected, totlen);
      const body = CLUSTER_MSG_HEADER_BYTES;
      return {
        type,
        header,
        configEpoch: buf.readBigUInt64BE(body + UpdateOffset.configEpoch),
        nodename: buf.toString('latin1', body + UpdateOffset.nodename, body + UpdateOffset.nodename + NODE_ID_LENGTH),
        slots: copyBytes(buf, body + UpdateOffset.slots, body + UpdateOffset.slots + SLOT_BITMAP_BYTES),
      };
    }
    case T.MODULE:
      return decodeModule(buf, header);
    default:
      return { type: 'unknown', code: type, header };
  }
}
