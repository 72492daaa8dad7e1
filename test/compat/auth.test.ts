/*
 * Differential tests for AUTH and HELLO AUTH against servers started with --requirepass, and the
 * tighter protocol limits Redis applies to connections that have not authenticated yet (so an
 * anonymous client cannot make the server buffer a huge request).
 */

import t from 'tap';
import { dualRun, error, mapExcept, rawClose, reconnect } from './harness';

const PASSWORD = 'secret-pw';
const dual = dualRun(t, { serverArgs: ['--requirepass', PASSWORD], password: PASSWORD });

dual.case('commands need AUTH first', [
  reconnect(),
  error('GET', 'k'),
  error('PING'),
  error('SELECT', '1'),
  error('NOSUCHCOMMAND'),
  error('HELLO', '3'),
  error('AUTH', 'wrong'),
  error('AUTH', 'default', 'wrong'),
  error('AUTH', 'nosuchuser', PASSWORD),
  error('AUTH'),
  ['AUTH', PASSWORD],
  ['PING'],
  ['AUTH', 'default', PASSWORD],
  ['AUTH', PASSWORD],
  error('AUTH', 'wrong'),
  ['PING'],
]);

dual.case('HELLO with AUTH', [
  reconnect(),
  error('HELLO', '3', 'AUTH', 'default', 'wrong'),
  error('GET', 'k'),
  mapExcept(['id', 'version'], 'HELLO', '3', 'AUTH', 'default', PASSWORD, 'SETNAME', 'authed'),
  ['CLIENT', 'GETNAME'],
  ['GET', 'k'],
  reconnect(),
  mapExcept(['id', 'version'], 'HELLO', '2', 'AUTH', 'default', PASSWORD),
  ['PING'],
]);

// Redis 7.0 applies AUTH and SETNAME as it reads HELLO's options: an error after them keeps them.
dual.case('HELLO applies its options in order', [
  reconnect(),
  error('HELLO', '3', 'AUTH', 'default', 'wrong', 'FOO'),
  error('GET', 'k'),
  error('HELLO', '3', 'SETNAME', 'early', 'AUTH', 'default', 'wrong'),
  error('HELLO', '3', 'AUTH', 'default', PASSWORD, 'FOO'),
  ['CLIENT', 'GETNAME'],
  ['ACL', 'WHOAMI'],
  ['GET', 'k'],
  error('HELLO', '2', 'SETNAME', 'named', 'BAR'),
  ['CLIENT', 'GETNAME'],
  error('HELLO', '3', 'SETNAME', 'bad name'),
  ['CLIENT', 'GETNAME'],
  ['ACL', 'LOG', 'RESET'],
]);

dual.case('RESET drops authentication', [
  ['PING'],
  ['RESET'],
  error('PING'),
  ['AUTH', PASSWORD],
  ['PING'],
]);

dual.case('QUIT works before AUTH', [
  reconnect(),
  rawClose('*1\r\n$4\r\nQUIT\r\n'),
]);

dual.case('unauthenticated clients get small protocol limits', [
  reconnect(),
  rawClose('*11\r\n'),
  reconnect(),
  rawClose('*1\r\n$16385\r\n'),
  reconnect(),
  rawClose('*1\r\n$-5\r\n'),
]);

dual.case('authenticated clients get the normal limits', [
  ['AUTH', PASSWORD],
  ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', '6'],
  ['SET', 'big', 'x'.repeat(20_000)],
  ['STRLEN', 'big'],
]);

dual.case('requirepass can be changed and cleared at runtime', [
  ['CONFIG', 'SET', 'requirepass', 'other'],
  reconnect(),
  error('PING'),
  error('AUTH', PASSWORD),
  ['AUTH', 'other'],
  ['CONFIG', 'SET', 'requirepass', ''],
  reconnect(),
  ['PING'],
  error('AUTH', 'anything'),
  ['CONFIG', 'SET', 'requirepass', PASSWORD],
  reconnect(),
  error('PING'),
]);
