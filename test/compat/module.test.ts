/*
 * Differential tests for MODULE against a redis-server with no module loaded: LIST and HELP,
 * the refusal of LOAD / LOADEX / UNLOAD while enable-module-command is no, and with it on, the
 * replies of a load that fails (a missing file, a file without execute permission, malformed
 * LOADEX arguments) and of unloading a module that is not there.
 */

import t from 'tap';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dualRun, error } from './harness';
import { inBothProtocols } from './random-picks';

const dir = mkdtempSync(join(tmpdir(), 'hashslot-module-'));
const notExecutable = join(dir, 'plain.so');
writeFileSync(notExecutable, 'not a shared object');
chmodSync(notExecutable, 0o644);

const locked = dualRun(t);

inBothProtocols(locked, 'MODULE with enable-module-command no', [
  ['MODULE', 'LIST'],
  ['MODULE', 'HELP'],
  error('MODULE', 'LOAD', '/nonexistent/x.so'),
  error('MODULE', 'LOADEX', '/nonexistent/x.so', 'ARGS', 'a'),
  error('MODULE', 'UNLOAD', 'x'),
  error('MODULE', 'LOAD'),
  error('MODULE', 'LIST', 'x'),
  error('MODULE', 'BOGUS'),
  error('MODULE'),
  ['COMMAND', 'INFO', 'module|list', 'module|loadex'],
  ['COMMAND', 'DOCS', 'module|loadex'],
  ['HELLO', '3'],
]);

const open = dualRun(t, { serverArgs: ['--enable-module-command', 'yes'] });

inBothProtocols(open, 'MODULE loads that fail, with enable-module-command yes', [
  error('MODULE', 'LOAD', join(dir, 'missing.so')),
  error('MODULE', 'LOAD', notExecutable, 'arg1', 'arg2'),
  error('MODULE', 'LOADEX', join(dir, 'missing.so')),
  error('MODULE', 'LOADEX', join(dir, 'missing.so'), 'CONFIG', 'a'),
  error('MODULE', 'LOADEX', join(dir, 'missing.so'), 'CONFIG', 'a', 'b', 'ARGS', 'x'),
  error('MODULE', 'LOADEX', join(dir, 'missing.so'), 'FOO'),
  error('MODULE', 'UNLOAD', 'nosuch'),
  error('MODULE', 'UNLOAD'),
  ['MODULE', 'LIST'],
]);
