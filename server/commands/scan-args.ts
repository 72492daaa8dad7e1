/**
 * The arguments of HSCAN, SSCAN and ZSCAN (and SCAN's cursor): the cursor as Redis reads it, and
 * the COUNT and MATCH options. The walk itself is storage/container-scan.ts.
 */
import type { ByteString } from '../../storage/bytes';
import { globMatch } from '../../storage/glob';
import { ERR, ReplyError } from '../dispatch/errors';
import { intArg, isWord, syntaxError } from './args';

const UINT64_RANGE = 2n ** 64n;

/**
 * A SCAN cursor as Redis 7.0 reads it (strtoul): optional sign, decimal digits, no leading space,
 * nothing after; a negative number wraps around 2^64, and "" reads as 0.
 */
export function parseScanCursor(arg: ByteString): bigint {
  const m = /^([+-]?)(\d*)$/.exec(arg);
  if (m === null || (m[2] === '' && m[1] !== '')) throw new ReplyError(ERR.invalidCursor);
  const magnitude = m[2] === '' ? 0n : BigInt(m[2] as string);
  if (magnitude >= UINT64_RANGE) throw new ReplyError(ERR.invalidCursor);
  return m[1] === '-' && magnitude !== 0n ? UINT64_RANGE - magnitude : magnitude;
}

export interface ScanOptions {
  count: number;
  /** null for no MATCH, or MATCH "*", which matches everything. */
  pattern: ByteString | null;
}

/** COUNT and MATCH, from argv[from] on (HSCAN/SSCAN take no TYPE). */
export function parseScanOptions(argv: readonly ByteString[], from: number): ScanOptions {
  const options: ScanOptions = { count: 10, pattern: null };
  for (let j = from; j < argv.length; j++) {
    const opt = argv[j] as ByteString;
    const hasNext = j + 1 < argv.length;
    if (isWord(opt, 'count') && hasNext) {
      options.count = intArg(argv[++j] as ByteString);
      if (options.count < 1) syntaxError();
    } else if (isWord(opt, 'match') && hasNext) {
      const pattern = argv[++j] as ByteString;
      options.pattern = pattern === '*' ? null : pattern;
    } else {
      syntaxError();
    }
  }
  return options;
}

/** Whether an element passes MATCH. */
export function scanMatches(options: ScanOptions, element: ByteString): boolean {
  return options.pattern === null || globMatch(options.pattern, element);
}
