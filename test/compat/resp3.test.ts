/*
 * The same command families after HELLO 3 (issue 2): RESP3 changes reply types, not just framing.
 * Nulls become `_`, INCRBYFLOAT stays a bulk string, CONFIG GET and HELLO become maps, COMMAND
 * DOCS nests maps, INFO and CLIENT INFO become verbatim strings, and errors keep their text.
 */

import t from 'tap';
import { approx, dualRun, error, mapExcept, sorted, sortedPairs } from './harness';

const dual = dualRun(t);
const resp3 = { resp3: true };

dual.case('nulls, integers and bulk strings', [
  ['GET', 'missing'],
  ['SET', 'k', 'v'],
  ['GET', 'k'],
  ['SET', 'k', 'w', 'GET'],
  ['SET', 'missing2', 'x', 'XX', 'GET'],
  ['SET', 'k', 'v', 'NX'],
  ['MGET', 'k', 'missing', 'k'],
  ['GETDEL', 'missing'],
  ['GETEX', 'missing'],
  ['INCR', 'n'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['INCRBYFLOAT', 'f', '1e3'],
  ['STRLEN', 'k'],
  ['EXISTS', 'k', 'missing'],
  ['FLUSHALL'],
  ['RANDOMKEY'],
  ['TTL', 'missing'],
  ['OBJECT', 'ENCODING', 'missing'],
  ['LCS', 'a', 'b'],
], resp3);

dual.case('LCS IDX map', [
  ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
  ['LCS', 'a', 'b', 'IDX'],
  ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '2'],
  ['LCS', 'a', 'b', 'LEN'],
], resp3);

dual.case('keys and expiry', [
  ['MSET', 'a', '1', 'b', '2'],
  sorted('KEYS', '*'),
  ['TYPE', 'a'],
  ['EXPIRE', 'a', '100'],
  approx(1, 'TTL', 'a'),
  ['EXPIRETIME', 'b'],
  ['PERSIST', 'a'],
  ['SCAN', '0', 'MATCH', 'nomatch'],
  ['COPY', 'a', 'c'],
  ['RENAME', 'c', 'd'],
  ['DBSIZE'],
], resp3);

dual.case('maps: HELLO and CONFIG GET', [
  mapExcept(['id', 'version'], 'HELLO'),
  mapExcept(['id', 'version'], 'HELLO', '3'),
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'GET', 'nosuchparam'],
  sortedPairs('CONFIG', 'GET', 'maxmemory*'),
  sortedPairs('CONFIG', 'GET', 'timeout', 'hz'),
], resp3);

dual.case('errors keep their text', [
  error('GET'),
  error('NOSUCHCOMMAND', 'x'),
  error('SET', 'k', 'v', 'EX', '0'),
  ['SET', 'n', 'abc'],
  error('INCR', 'n'),
  error('SELECT', '99'),
  error('HELLO', '4'),
], resp3);

dual.case('connection commands', [
  ['PING'],
  ['PING', 'x'],
  ['ECHO', 'e'],
  ['CLIENT', 'SETNAME', 'r3'],
  ['CLIENT', 'GETNAME'],
  ['SELECT', '1'],
  ['RESET'],
  ['GET', 'missing'],
  mapExcept(['id', 'version'], 'HELLO', '2'),
  ['GET', 'missing'],
], resp3);

dual.case('server commands', [
  ['DBSIZE'],
  ['OBJECT', 'REFCOUNT', 'missing'],
  ['SET', 's', '5'],
  ['OBJECT', 'ENCODING', 's'],
  ['COMMAND', 'GETKEYS', 'SET', 'k', 'v'],
  ['COMMAND', 'INFO', 'get', 'nosuch'],
  ['FUNCTION', 'FLUSH'],
  ['DEBUG', 'SLEEP', '0'],
  ['SWAPDB', '0', '1'],
], resp3);
