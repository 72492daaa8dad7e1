/*
 * Differential tests for the bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD
 * and BITFIELD_RO, every reply compared byte for byte with a real redis-server, in RESP2 and
 * RESP3 (BITFIELD's refused OVERFLOW FAIL writes are $-1 in one and _ in the other).
 *
 * Besides the replies, the cases look at what a command leaves behind: OBJECT ENCODING (a string
 * touched by SETBIT or BITFIELD, or made by BITOP, is raw) and INFO's rdb_changes_since_last_save,
 * which is Redis's dirty counter: it shows which commands count as a change (and so are
 * propagated), e.g. a SETBIT that does not flip its bit, or a BITFIELD whose writes all FAIL,
 * is none.
 *
 * Offsets at the top of the range (2^32-1) are read, never written: writing there makes a
 * 512 MB string on each server, more than this shared machine should spend and, for hashslot,
 * more than a JavaScript string holds (see checkRepresentable in server/commands/bitmaps.ts).
 */

import t from 'tap';
import { check, dualRun, error } from './harness';
import { inBothProtocols } from './random-picks';
import type { Comparator } from './compare';
import { escapeMultiline } from '../helpers/resp';

const dual = dualRun(t);

/** Compares only the rdb_changes_since_last_save line of INFO persistence. */
const dirtyCounter: Comparator = (redis, target) => {
  const pick = (b: Buffer): string => /rdb_changes_since_last_save:\d+/.exec(b.toString('latin1'))?.[0] ?? escapeMultiline(b);
  return { expected: pick(redis), actual: pick(target) };
};
const changes = (): ReturnType<typeof check> => check(dirtyCounter, 'INFO', 'persistence');

const MAX_OFFSET = '4294967295'; // 2^32 - 1: the last bit of a 512 MB string
const PAST_MAX = '4294967296';

inBothProtocols(dual, 'SETBIT and GETBIT', [
  ['SETBIT', 'b', '7', '1'],
  ['GET', 'b'],
  ['SETBIT', 'b', '7', '1'],
  ['SETBIT', 'b', '7', '0'],
  ['SETBIT', 'b', '0', '1'],
  ['GET', 'b'],
  ['GETBIT', 'b', '0'],
  ['GETBIT', 'b', '1'],
  ['GETBIT', 'b', '7'],
  ['GETBIT', 'b', '100'],
  ['GETBIT', 'b', MAX_OFFSET],
  ['GETBIT', 'missing', '0'],
  ['GETBIT', 'missing', MAX_OFFSET],
  ['SETBIT', 'far', '100', '1'],
  ['STRLEN', 'far'],
  ['GET', 'far'],
  ['OBJECT', 'ENCODING', 'far'],
  ['SETBIT', 'bin', '0', '1'],
  ['SETBIT', 'bin', '8', '1'],
  ['SETBIT', 'bin', '23', '1'],
  ['GET', 'bin'],
  ['SET', 'n', '12345'],
  ['GETBIT', 'n', '2'],
  ['GETBIT', 'n', '3'],
  ['SETBIT', 'n', '6', '1'],
  ['GET', 'n'],
  ['SET', 'ttl', 'x'],
  ['EXPIRE', 'ttl', '100'],
  ['SETBIT', 'ttl', '20', '1'],
  ['TTL', 'ttl'],
]);

inBothProtocols(dual, 'SETBIT and GETBIT errors', [
  ['RPUSH', 'list', 'a'],
  error('SETBIT', 'b', '-1', '1'),
  error('SETBIT', 'b', 'x', '1'),
  error('SETBIT', 'b', '1.5', '1'),
  error('SETBIT', 'b', '01', '1'),
  error('SETBIT', 'b', '+1', '1'),
  error('SETBIT', 'b', '', '1'),
  error('SETBIT', 'b', PAST_MAX, '1'),
  error('SETBIT', 'b', '9223372036854775807', '1'),
  error('SETBIT', 'b', '9223372036854775808', '1'),
  error('SETBIT', 'b', '0', '2'),
  error('SETBIT', 'b', '0', '-1'),
  error('SETBIT', 'b', '0', '-0'),
  error('SETBIT', 'b', '0', '01'),
  error('SETBIT', 'b', '0', 'x'),
  error('SETBIT', 'b', '0', ''),
  error('SETBIT', 'b', '0', '9223372036854775808'),
  error('SETBIT', 'list', '0', '1'),
  error('SETBIT', 'list', 'x', '1'),
  error('SETBIT', 'list', '0', '2'),
  error('GETBIT', 'list', '0'),
  error('GETBIT', 'list', 'x'),
  error('GETBIT', 'b', '-1'),
  error('GETBIT', 'b', PAST_MAX),
  error('GETBIT', 'b', '#1'),
  error('SETBIT', 'b', '0'),
  error('SETBIT', 'b', '0', '1', '1'),
  error('GETBIT', 'b'),
  error('GETBIT', 'b', '0', '0'),
  ['EXISTS', 'b'],
]);

dual.case('SETBIT counts a change only when a bit flips or the string grows', [
  ['SAVE'],
  ['SET', 'n', '12345'],
  ['OBJECT', 'ENCODING', 'n'],
  changes(),
  ['SETBIT', 'n', '0', '0'],
  ['OBJECT', 'ENCODING', 'n'],
  changes(),
  ['SETBIT', 'n', '0', '1'],
  changes(),
  ['SETBIT', 'n', '0', '1'],
  changes(),
  ['SETBIT', 'n', '100', '0'],
  changes(),
  ['SETBIT', 'new', '0', '0'],
  ['OBJECT', 'ENCODING', 'new'],
  changes(),
]);

dual.case('proto-max-bulk-len bounds bit offsets', [
  ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'],
  ['SETBIT', 'b', String(1048576 * 8 - 1), '1'],
  ['STRLEN', 'b'],
  ['BITCOUNT', 'b'],
  error('SETBIT', 'b', String(1048576 * 8), '1'),
  error('GETBIT', 'b', String(1048576 * 8), '1'),
  ['BITFIELD', 'c', 'SET', 'u8', String(1048576 * 8 - 8), '255'],
  error('BITFIELD', 'c', 'SET', 'u8', String(1048576 * 8), '255'),
  error('BITFIELD', 'c', 'GET', 'u8', '#1048576'),
  ['BITFIELD', 'c', 'GET', 'u8', '#1048575'],
  ['CONFIG', 'SET', 'proto-max-bulk-len', '536870912'],
]);

inBothProtocols(dual, 'BITCOUNT', [
  ['SET', 's', 'foobar'],
  ['BITCOUNT', 's'],
  ['BITCOUNT', 's', '0', '0'],
  ['BITCOUNT', 's', '1', '1'],
  ['BITCOUNT', 's', '0', '-1'],
  ['BITCOUNT', 's', '-2', '-1'],
  ['BITCOUNT', 's', '-1', '-2'],
  ['BITCOUNT', 's', '-100', '100'],
  ['BITCOUNT', 's', '3', '1'],
  ['BITCOUNT', 's', '100', '200'],
  ['BITCOUNT', 's', '5', '30', 'BIT'],
  ['BITCOUNT', 's', '5', '30', 'bit'],
  ['BITCOUNT', 's', '1', '1', 'BYTE'],
  ['BITCOUNT', 's', '0', '0', 'BIT'],
  ['BITCOUNT', 's', '1', '6', 'BIT'],
  ['BITCOUNT', 's', '-5', '-1', 'BIT'],
  ['BITCOUNT', 's', '-1', '-5', 'BIT'],
  ['BITCOUNT', 's', '40', '47', 'BIT'],
  ['BITCOUNT', 's', '47', '40', 'BIT'],
  ['BITCOUNT', 's', '0', '1000', 'BIT'],
  ['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807'],
  ['BITCOUNT', 's', '-9223372036854775808', '-9223372036854775807', 'BIT'],
  ['BITCOUNT', 's', '-9223372036854775807', '-9223372036854775808', 'BIT'],
  ['BITCOUNT', 'missing'],
  ['BITCOUNT', 'missing', '0', '-1'],
  ['SET', 'empty', ''],
  ['BITCOUNT', 'empty'],
  ['BITCOUNT', 'empty', '0', '-1'],
  ['BITCOUNT', 'empty', '0', '-1', 'BIT'],
  ['SET', 'n', '-12'],
  ['BITCOUNT', 'n'],
  ['SET', 'ff', Buffer.from([0xff, 0x00, 0xff, 0x80, 0x01])],
  ['BITCOUNT', 'ff'],
  ['BITCOUNT', 'ff', '7', '24', 'BIT'],
  ['BITCOUNT', 'ff', '9', '23', 'BIT'],
]);

inBothProtocols(dual, 'BITCOUNT errors and their order', [
  ['SET', 's', 'foobar'],
  ['RPUSH', 'list', 'a'],
  error('BITCOUNT', 's', '0'),
  error('BITCOUNT', 's', '0', '1', '2'),
  error('BITCOUNT', 's', '0', '1', 'BITS'),
  error('BITCOUNT', 's', '0', '1', 'BIT', 'x'),
  error('BITCOUNT', 's', 'x', '1'),
  error('BITCOUNT', 's', '0', 'x'),
  error('BITCOUNT', 's', '0', '9223372036854775808'),
  error('BITCOUNT', 's', '1.5', '2'),
  // Crossed negative ends answer 0 before the unit is read.
  ['BITCOUNT', 's', '-1', '-2', 'bogus'],
  // A missing key answers 0 before its arguments are parsed.
  ['BITCOUNT', 'missing', 'x'],
  ['BITCOUNT', 'missing', 'x', 'y', 'z'],
  error('BITCOUNT', 'list'),
  error('BITCOUNT', 'list', 'x'),
  error('BITCOUNT'),
]);

inBothProtocols(dual, 'BITPOS', [
  ['SET', 's', Buffer.from([0xff, 0xf0, 0x00])],
  ['BITPOS', 's', '0'],
  ['BITPOS', 's', '1'],
  ['BITPOS', 's', '1', '2'],
  ['BITPOS', 's', '0', '0'],
  ['BITPOS', 's', '0', '0', '0'],
  ['BITPOS', 's', '0', '0', '-1'],
  ['BITPOS', 's', '1', '-1'],
  ['BITPOS', 's', '1', '-1', '-1'],
  ['BITPOS', 's', '0', '2', '1'],
  ['BITPOS', 's', '0', '-1', '-2'],
  ['BITPOS', 's', '1', '7', '15', 'BIT'],
  ['BITPOS', 's', '0', '7', '15', 'BIT'],
  ['BITPOS', 's', '0', '7', '11', 'BIT'],
  ['BITPOS', 's', '0', '0', '11', 'bit'],
  ['BITPOS', 's', '1', '12', '-1', 'BIT'],
  ['BITPOS', 's', '0', '12', '-1', 'BIT'],
  ['BITPOS', 's', '1', '3', '3', 'BIT'],
  ['BITPOS', 's', '1', '20', '3', 'BIT'],
  ['BITPOS', 's', '1', '0', '0', 'BYTE'],
  ['BITPOS', 's', '1', '-9223372036854775808', '9223372036854775807'],
  ['BITPOS', 's', '0', '100'],
  ['BITPOS', 's', '0', '100', '200'],
  ['SET', 'ones', Buffer.from([0xff, 0xff])],
  // Looking for 0 without an end: the first bit after the string; with an end: not found.
  ['BITPOS', 'ones', '0'],
  ['BITPOS', 'ones', '0', '1'],
  ['BITPOS', 'ones', '0', '0', '-1'],
  ['BITPOS', 'ones', '0', '0', '15', 'BIT'],
  ['BITPOS', 'ones', '0', '3', '5', 'BIT'],
  ['BITPOS', 'ones', '0', '9', '15', 'BIT'],
  ['BITPOS', 'ones', '1', '9', '15', 'BIT'],
  ['SET', 'zeros', Buffer.from([0, 0, 0])],
  ['BITPOS', 'zeros', '1'],
  ['BITPOS', 'zeros', '0'],
  ['BITPOS', 'zeros', '0', '-1'],
  ['BITPOS', 'missing', '0'],
  ['BITPOS', 'missing', '1'],
  ['BITPOS', 'missing', '0', 'x', 'y'],
  ['SET', 'empty', ''],
  ['BITPOS', 'empty', '0'],
  ['BITPOS', 'empty', '1'],
  ['BITPOS', 'empty', '0', '0', '-1', 'BIT'],
  ['SET', 'n', '7'],
  ['BITPOS', 'n', '1'],
  ['BITPOS', 'n', '0', '0', '2', 'BIT'],
]);

inBothProtocols(dual, 'BITPOS errors and their order', [
  ['SET', 's', 'abc'],
  ['RPUSH', 'list', 'a'],
  error('BITPOS', 's', '2'),
  error('BITPOS', 's', '-1'),
  error('BITPOS', 's', 'x'),
  error('BITPOS', 's', '1.0'),
  error('BITPOS', 'missing', '2'),
  error('BITPOS', 'list', '2'),
  error('BITPOS', 'list', '1'),
  error('BITPOS', 's', '1', 'x'),
  error('BITPOS', 's', '1', '0', 'x'),
  error('BITPOS', 's', '1', '0', '1', 'BITS'),
  error('BITPOS', 's', '1', '0', 'x', 'BITS'),
  error('BITPOS', 's', '1', 'x', '1', 'BITS'),
  error('BITPOS', 's', '1', '0', 'x', 'BIT'),
  error('BITPOS', 's', '1', '0', '1', 'BIT', 'x'),
  error('BITPOS', 's', '1', '0', 'BIT'),
  error('BITPOS', 's'),
]);

inBothProtocols(dual, 'BITOP', [
  ['SET', 'a', Buffer.from([0xf0, 0x0f, 0xaa])],
  ['SET', 'b', Buffer.from([0xff, 0x01])],
  ['BITOP', 'AND', 'dand', 'a', 'b'],
  ['GET', 'dand'],
  ['BITOP', 'or', 'dor', 'a', 'b'],
  ['GET', 'dor'],
  ['BITOP', 'Xor', 'dxor', 'a', 'b'],
  ['GET', 'dxor'],
  ['BITOP', 'NOT', 'dnot', 'a'],
  ['GET', 'dnot'],
  ['OBJECT', 'ENCODING', 'dnot'],
  ['BITOP', 'AND', 'dm', 'a', 'missing'],
  ['GET', 'dm'],
  ['BITOP', 'OR', 'dm', 'missing', 'b', 'missing2'],
  ['GET', 'dm'],
  ['BITOP', 'XOR', 'self', 'a', 'a', 'a'],
  ['GET', 'self'],
  ['BITOP', 'AND', 'a', 'a', 'b'],
  ['GET', 'a'],
  ['BITOP', 'AND', 'one', 'b'],
  ['GET', 'one'],
  ['SET', 'n', '12'],
  ['BITOP', 'NOT', 'dn', 'n'],
  ['GET', 'dn'],
  ['OBJECT', 'ENCODING', 'dn'],
  // An empty result deletes the destination.
  ['SET', 'dest', 'x'],
  ['EXPIRE', 'dest', '100'],
  ['BITOP', 'AND', 'dest', 'missing', 'missing2'],
  ['EXISTS', 'dest'],
  ['SET', 'dest', 'x'],
  ['SET', 'empty', ''],
  ['BITOP', 'NOT', 'dest', 'empty'],
  ['EXISTS', 'dest'],
  ['BITOP', 'OR', 'nothing', 'missing'],
  ['EXISTS', 'nothing'],
  // The destination loses its TTL.
  ['SET', 'dest', 'x'],
  ['EXPIRE', 'dest', '100'],
  ['BITOP', 'OR', 'dest', 'b'],
  ['TTL', 'dest'],
  ['RPUSH', 'list', 'x'],
  ['BITOP', 'OR', 'list', 'b'],
  ['TYPE', 'list'],
]);

inBothProtocols(dual, 'BITOP errors', [
  ['SET', 'a', 'x'],
  ['RPUSH', 'list', 'a'],
  error('BITOP', 'NAND', 'd', 'a'),
  error('BITOP', 'NOT', 'd', 'a', 'a'),
  error('BITOP', 'NAND', 'd', 'a', 'a'),
  error('BITOP', 'AND', 'd', 'a', 'list'),
  error('BITOP', 'AND', 'd', 'missing', 'list'),
  error('BITOP', 'NOT', 'd', 'list'),
  error('BITOP', 'AND', 'd'),
  error('BITOP', 'AND'),
  ['EXISTS', 'd'],
]);

dual.case('BITOP counts its change', [
  ['SAVE'],
  ['SET', 'a', 'x'],
  changes(),
  ['BITOP', 'NOT', 'd', 'a'],
  changes(),
  ['BITOP', 'AND', 'd', 'missing'],
  changes(),
  ['BITOP', 'AND', 'd', 'missing'],
  changes(),
]);


