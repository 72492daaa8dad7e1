/**
 * DUMP / RESTORE payloads: one value in RDB encoding, with a footer that identifies the format
 * and protects the bytes (redis-wire.md §3.7).
 *
 *   <type byte> <value, as in an RDB file> <RDB version, u16 LE> <CRC-64 of all before, u64 LE>
 *
 * RESTORE first checks the footer (a version newer than ours or a wrong CRC is refused before
 * anything is decoded), then decodes the value; only then does it touch the keyspace. Unlike an
 * RDB file, a payload's CRC is always checked: 0 is not "not computed" here.
 */
import type { StoredValue } from '../values';
import { ByteCursor } from './byte-cursor';
import { ByteSink } from './byte-sink';
import { crc64 } from './crc64';
import { RdbError } from './rdb-error';
import { Opcode, RDB_VERSION } from './rdb-format';
import { readString, writeString } from './rdb-strings';
import type { ByteString } from '../bytes';
import { rdbTypeOf, writeValue } from './value-encoder';
import { readValue } from './value-decoder';

const FOOTER_BYTES = 10;

/** The DUMP payload of a value (`compress`: the rdbcompression setting, as Redis uses it). */
export function createDumpPayload(value: StoredValue, compress: boolean): Buffer {
  const sink = new ByteSink(typeof value === 'string' ? value.length + 32 : 1024);
  const type = rdbTypeOf(value);
  sink.u8(type);
  writeValue(sink, value, type, compress);
  sink.u16le(RDB_VERSION);
  sink.u64le(crc64(0n, sink.view()));
  return sink.take();
}

/**
 * The length of a value's RDB encoding, without its type byte (Redis's rdbSavedObjectLen, DEBUG
 * OBJECT's serializedlength): the bytes an RDB file or a DUMP payload spends on it, with the
 * same integer and LZF choices (`compress`: rdbcompression).
 */
export function rdbSavedLength(value: StoredValue, compress: boolean): number {
  const sink = new ByteSink(typeof value === 'string' ? value.length + 16 : 1024);
  writeValue(sink, value, rdbTypeOf(value), compress);
  return sink.length;
}

/**
 * FUNCTION DUMP: each library as an RDB FUNCTION2 entry (the opcode, then its code as an RDB
 * string), then the footer (version and the CRC-64 of everything before). No library: the
 * footer alone.
 */
export function createFunctionsPayload(codes: readonly ByteString[], compress: boolean): Buffer {
  const sink = new ByteSink(FOOTER_BYTES + codes.reduce((sum, code) => sum + code.length + 8, 0));
  for (const code of codes) {
    sink.u8(Opcode.FUNCTION2);
    writeString(sink, code, compress);
  }
  sink.u16le(RDB_VERSION);
  sink.u64le(crc64(0n, sink.view()));
  return sink.take();
}

/** The library codes of a FUNCTION DUMP payload whose footer verifyDumpPayload accepted. */
export function decodeFunctionsPayload(payload: Buffer): ByteString[] {
  const c = new ByteCursor(payload.subarray(0, payload.length - FOOTER_BYTES));
  const codes: ByteString[] = [];
  while (c.remaining > 0) {
    const opcode = c.u8('a function entry');
    if (opcode !== Opcode.FUNCTION2) throw new RdbError(`given type is not a function (${opcode})`);
    codes.push(readString(c, 'a function library'));
  }
  return codes;
}

/** Whether the footer is sound: a version we can read and a matching CRC. */
export function verifyDumpPayload(payload: Buffer): boolean {
  if (payload.length < FOOTER_BYTES) return false;
  const footer = payload.length - FOOTER_BYTES;
  if (payload.readUInt16LE(footer) > RDB_VERSION) return false;
  return payload.readBigUInt64LE(footer + 2) === crc64(0n, payload, 0, payload.length - 8);
}

/**
 * The value in a payload whose footer verifyDumpPayload accepted. Throws RdbError when the
 * content cannot be decoded (or is an empty aggregate, which no DUMP produces).
 *
 * Like Redis, the value is read from the whole payload: a (crafted) value whose last bytes are
 * the footer's is accepted, and bytes left between the value and the footer are ignored.
 */
export function decodeDumpPayload(payload: Buffer): StoredValue {
  const c = new ByteCursor(payload);
  const type = c.u8('value type');
  const value = readValue(c, type);
  if (value === null) throw new RdbError('payload holds an empty value');
  return value;
}
