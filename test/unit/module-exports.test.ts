/*
 * Every module of the server keeps its exports object in V8's fast mode.
 *
 * TypeScript compiles `import { X } from './a'` to a load of `a_1.X` at each use, so a module's
 * exports object is read on every call of everything it exports. A re-export (`export { X }`,
 * `export { X } from './a'`) compiles to `exports.X = void 0` and then Object.defineProperty with
 * a getter over that same property, and turning a data property into an accessor makes V8 move
 * the whole object to dictionary mode. Optimised code cannot inline a load from such an object:
 * each one becomes a call to the generic LoadIC. One re-export of NotifyFlag from
 * keyspace-events.ts cost every write command such a call (1.7% of an in-process INCR's samples in
 * perf), and the exports of eleven other modules were slow the same way. So modules import a
 * name from where it is defined, and this test keeps it so.
 *
 * `%HasFastProperties` is V8's own answer; natives syntax is switched on at run time, which
 * affects only functions compiled after it (the probe below).
 */
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';

v8.setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

/** dist/, from dist/test/unit/ where this runs. */
const DIST = path.resolve(__dirname, '..', '..');
const TREES = ['server', 'storage', 'protocol', 'cluster-bus'];
/**
 * server/testing/index.ts is the public entry point of `hashslot/testing`: re-exporting is its
 * job, and only a user's code reads it. The two entry points run a node when loaded, and the live
 * view's client/ is browser code (ES modules), not the server's.
 */
const EXEMPT = new Set(['server/testing/index.js', 'server/cli.js', 'server/start.js']);
const EXEMPT_DIRS = ['server/testing/view/client/'];

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(full);
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

t.test('the probe tells a dictionary-mode object from a fast one', async (t) => {
  const slow: Record<string, unknown> = { a: 1 };
  Object.defineProperty(slow, 'a', { enumerable: true, get: () => 1 });
  t.equal(hasFastProperties({ a: 1 }), true);
  t.equal(hasFastProperties(slow), false);
});

t.test("every module's exports stay in fast mode", async (t) => {
  const files = TREES.flatMap((tree) => modules(path.join(DIST, tree)));
  t.ok(files.length > 200, `found ${files.length} modules`);
  const slow: string[] = [];
  for (const file of files) {
    const name = path.relative(DIST, file).split(path.sep).join('/');
    if (EXEMPT.has(name) || EXEMPT_DIRS.some((dir) => name.startsWith(dir))) continue;
    const exports: unknown = require(file);
    if (typeof exports === 'object' && exports !== null && !hasFastProperties(exports)) slow.push(name);
  }
  t.same(slow, [], 'modules whose exports are in dictionary mode (a re-export?)');
});
