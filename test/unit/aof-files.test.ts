/*
 * Unit tests for the pure parts of the AOF (server/persistence/aof-reader.ts and
 * aof-manifest.ts): a command file cut at every offset is either whole, a torn tail whose valid
 * prefix is exactly the complete commands before the cut (an unfinished MULTI counts as not
 * there), or never a format error; bad bytes in the middle are a format error; the manifest's
 * text round-trips in Redis's line format and order.
 */
import t from 'tap';
import { readAofCommands } from '../../server/persistence/aof-reader';
import { AofManifestError, formatManifest, parseManifest } from '../../server/persistence/aof-manifest';
import { encodeCommand } from '../../protocol/command-encoder';

const commands = [
  ['SELECT', '0'],
  ['SET', 'k', 'v'],
  ['MULTI'],
  ['INCR', 'n'],
  ['SET', 'bin', '\x00\r\n\xff'],
  ['EXEC'],
  ['DEL', 'k'],
];
const parts = commands.map((argv) => encodeCommand(argv));
const ts = Buffer.from('#TS:1796414726\r\n', 'latin1');
const file = Buffer.concat([ts, parts[0] as Buffer, parts[1] as Buffer, ts, ...parts.slice(2)]);

t.test('whole file: every command, in order', async (t) => {
  const seen: string[][] = [];
  const result = readAofCommands(file, (argv) => seen.push(argv));
  t.same(result, { status: 'ok', validBytes: file.length, commands: commands.length });
  t.same(seen, commands);
});

t.test('cut at every offset: a torn tail, valid up to the last whole command outside MULTI', async (t) => {
  // Where each command (and annotation) ends, and the offsets inside MULTI..EXEC.
  const multiStart = ts.length * 2 + (parts[0] as Buffer).length + (parts[1] as Buffer).length;
  const execEnd = multiStart + parts.slice(2, 6).reduce((n, p) => n + p.length, 0);
  const boundaries = [ts.length];
  let pos = ts.length;
  for (const [i, p] of [parts[0], parts[1]].entries()) {
    pos += (p as Buffer).length;
    boundaries.push(pos);
    if (i === 1) boundaries.push((pos += ts.length));
  }
  boundaries.push(execEnd, file.length);
  let checked = 0;
  for (let cut = 0; cut < file.length; cut++) {
    const result = readAofCommands(file.subarray(0, cut), () => undefined);
    const expected = Math.max(0, ...boundaries.filter((b) => b <= cut));
    const whole = boundaries.includes(cut) || cut === 0;
    if (whole && !(cut > multiStart && cut < execEnd)) {
      t.equal(result.status, 'ok', `cut ${cut}: whole`);
    } else {
      t.equal(result.status, 'truncated', `cut ${cut}: torn`);
      t.equal(result.validBytes, expected, `cut ${cut}: valid prefix`);
    }
    checked++;
  }
  t.equal(checked, file.length);
});

t.test('bytes that cannot be a command: a format error', async (t) => {
  for (const bad of ['GARBAGE\r\n', '*x\r\n', '*0\r\n', '*1\r\n+OK\r\n', '*1\r\n$-1\r\n']) {
    const result = readAofCommands(Buffer.concat([parts[1] as Buffer, Buffer.from(bad, 'latin1'), parts[1] as Buffer]), () => undefined);
    t.equal(result.status, 'format', JSON.stringify(bad));
    t.equal(result.validBytes, (parts[1] as Buffer).length);
  }
});

t.test('manifest: Redis line format, base then history then incr', async (t) => {
  const text = 'file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.2.incr.aof seq 2 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n';
  const manifest = parseManifest(text);
  t.equal(manifest.currBaseSeq, 3);
  t.equal(manifest.currIncrSeq, 4);
  t.equal(formatManifest(manifest), text);
  t.same(parseManifest('# comment\nseq 1 type b file x.rdb\n').base, { name: 'x.rdb', seq: 1, type: 'b' }, 'keys in any order');
  t.equal(formatManifest(parseManifest('file "a b.aof" seq 1 type i\n')), 'file "a b.aof" seq 1 type i\n', 'a name with a space is quoted');
  const refused = (text: string): string => {
    try {
      parseManifest(text);
    } catch (err) {
      return err instanceof AofManifestError ? err.message : `not an AofManifestError: ${String(err)}`;
    }
    return 'accepted';
  };
  t.equal(refused('file a seq 1 type x\n'), 'Invalid AOF manifest file format');
  t.equal(refused('file a seq 1 type b\nfile b seq 2 type b\n'), 'Found duplicate base file information');
  t.equal(refused('file a seq 2 type i\nfile b seq 1 type i\n'), 'Found a non-monotonic sequence number');
});
