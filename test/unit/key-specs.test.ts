/**
 * findKeys, the one routine behind cluster routing and COMMAND GETKEYS, against the legacy
 * (first, last, step) triple every command also carries in COMMAND INFO. For a command without
 * the movablekeys flag, Redis guarantees the triple covers exactly its keys, so on any arguments
 * both must name the same positions; this pins the key specs' reading (and the one-range fast path
 * routing takes) to an independent description. Byte-exact GETKEYS replies are compared with a
 * real redis-server in test/compat/command-table.test.ts.
 */
import t from 'tap';
import fc from 'fast-check';
import { ALL_COMMANDS } from '../../server/commands/all';
import type { CommandSpec } from '../../server/dispatch/command';
import { CommandTable } from '../../server/dispatch/command-table';
import { findKeys } from '../../server/dispatch/key-specs';

const table = new CommandTable(ALL_COMMANDS);

function legacyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.keyStep) out.push(i);
  return out;
}

const WORDS = ['k', '0', '1', '2', '-1', 'STORE', 'GET', 'BY', 'LIMIT', 'STREAMS', 'WEIGHTS', 'x'];

t.test('without movablekeys, the key specs name what the legacy triple names', async (t) => {
  const fixed = [...table.allWithSubcommands()].filter((spec) => spec.handler !== null && spec.firstKey > 0 && !spec.flags.has('movablekeys'));
  t.ok(fixed.length > 100, `${fixed.length} commands checked`);
  fc.assert(
    fc.property(fc.constantFrom(...fixed), fc.array(fc.constantFrom(...WORDS), { maxLength: 9 }), (spec, rest) => {
      const argv = [...spec.fullName.split('|'), ...rest];
      const sorted = [...findKeys(spec.keys, argv)].sort((a, b) => a - b);
      const flags: Array<readonly string[]> = [];
      const withFlags = findKeys(spec.keys, argv, flags);
      return (
        JSON.stringify(sorted) === JSON.stringify(legacyPositions(spec, argv)) &&
        JSON.stringify([...withFlags].sort((a, b) => a - b)) === JSON.stringify(sorted) &&
        flags.length === withFlags.length
      );
    }),
    { numRuns: 20_000, seed: 11 },
  );
});

t.test('flags follow the key specs, SET GET included', async (t) => {
  const set = table.get('set');
  if (set === undefined) throw new Error('no SET');
  const flags: Array<readonly string[]> = [];
  t.same(findKeys(set.keys, ['SET', 'k', 'v'], flags), [1]);
  t.same(flags, [['OW', 'update']]);
  flags.length = 0;
  t.same(findKeys(set.keys, ['SET', 'k', 'v', 'GET'], flags), [1]);
  t.same(flags, [['RW', 'access', 'update']]);
  const zunion = table.get('zunionstore');
  if (zunion === undefined) throw new Error('no ZUNIONSTORE');
  t.same(findKeys(zunion.keys, ['ZUNIONSTORE', 'd', '2', 'a', 'b']), [1, 3, 4], 'numkeys');
  t.same(findKeys(zunion.keys, ['ZUNIONSTORE', 'd', '3', 'a', 'b']), [], 'more keys announced than given: none');
  t.same(findKeys(zunion.keys, ['ZUNIONSTORE', 'd', 'x', 'a']), [], 'a count that is not a number: none');
});
