/**
 * Splits one line into words the way Redis does for inline requests (`SET k "a b"\r\n` typed in
 * telnet) and for redis.conf lines. The rules, observed on redis-server 7.0.15:
 *
 *   - words are separated by runs of whitespace (space, \t, \n, \v, \f, \r);
 *   - an unquoted word ends at space, \t, \n or \r only, so a \v or \f inside a word is part of
 *     it (leading ones are skipped as whitespace);
 *   - a `"` anywhere in a word starts a double-quoted part with escapes \n \r \t \b \a \xHH
 *     (two hex digits, either case) and `\<c>` meaning c itself (so \" and \\);
 *   - a `'` starts a single-quoted part whose only escape is \';
 *   - a closing quote must be followed by whitespace or the end of the line, otherwise the whole
 *     line is an error (`"a"b`), and so is a quote left open;
 *   - a NUL byte ends the line, as it ends the C string Redis parses: what follows is ignored.
 *
 * An error is reported as null (the caller turns it into "unbalanced quotes"); a blank line
 * gives an empty array. This is on the hot path of inline requests, so it scans bytes and only
 * allocates the output words: an unquoted word is a copy of its byte range, a quoted one is
 * decoded into a scratch buffer first.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const VT = 0x0b;
const FF = 0x0c;
const CR = 0x0d;
const NUL = 0x00;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;

/** C's isspace() in the "C" locale: the separators skipped between words. */
function isSpace(b: number): boolean {
  return b === SPACE || (b >= TAB && b <= CR);
}

/** The bytes that end an unquoted word: note \v and \f are not among them. */
function endsBareWord(b: number): boolean {
  return b === SPACE || b === LF || b === CR || b === TAB || b === NUL;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/**
 * Splits `line[start, end)` into words; null when quotes are unbalanced or a closing quote is
 * glued to the next character.
 */
export function splitArgs(line: Buffer, start = 0, end = line.length): Buffer[] | null {
  const words: Buffer[] = [];
  // A NUL ends the line for Redis (it parses a C string); cut the range there once.
  const nul = line.indexOf(NUL, start);
  if (nul >= 0 && nul < end) end = nul;
  let p = start;
  // Decoded bytes of a word that contains quotes; grows on demand and is reused across words.
  let scratch: Buffer | null = null;
  for (;;) {
    while (p < end && isSpace(line[p] as number)) p++;
    if (p >= end) return words;
    // Fast path: a word with no quote in it is copied as one byte range.
    const wordStart = p;
    while (p < end) {
      const b = line[p] as number;
      if (endsBareWord(b) || b === DQUOTE || b === SQUOTE) break;
      p++;
    }
    if (p >= end || endsBareWord(line[p] as number)) {
      words.push(Buffer.from(line.subarray(wordStart, p)));
      continue;
    }
    // Slow path: the word has a quoted part; decode it into the scratch buffer.
    if (scratch === null || scratch.length < end - wordStart) {
      scratch = Buffer.allocUnsafe(Math.max(64, end - wordStart));
    }
    let n = line.copy(scratch, 0, wordStart, p);
    let done = false;
    while (!done) {
      if (p >= end) break;
      const b = line[p] as number;
      if (b === DQUOTE) {
        p++;
        for (;;) {
          if (p >= end) return null; // unterminated double quotes
          const c = line[p] as number;
          if (c === BACKSLASH && p + 1 < end) {
            const e = line[p + 1] as number;
            const hi = e === 0x78 /* x */ && p + 3 < end ? hexValue(line[p + 2] as number) : -1;
            const lo = hi >= 0 ? hexValue(line[p + 3] as number) : -1;
            if (lo >= 0) {
              scratch[n++] = hi * 16 + lo;
              p += 4;
              continue;
            }
            scratch[n++] = e === 0x6e ? LF : e === 0x72 ? CR : e === 0x74 ? TAB : e === 0x62 ? 0x08 : e === 0x61 ? 0x07 : e;
            p += 2;
          } else if (c === DQUOTE) {
            p++;
            if (p < end && !isSpace(line[p] as number)) return null;
            done = true;
            break;
          } else {
            scratch[n++] = c;
            p++;
          }
        }
      } else if (b === SQUOTE) {
        p++;
        for (;;) {
          if (p >= end) return null; // unterminated single quotes
          const c = line[p] as number;
          if (c === BACKSLASH && p + 1 < end && line[p + 1] === SQUOTE) {
            scratch[n++] = SQUOTE;
            p += 2;
          } else if (c === SQUOTE) {
            p++;
            if (p < end && !isSpace(line[p] as number)) return null;
            done = true;
            break;
          } else {
            scratch[n++] = c;
            p++;
          }
        }
      } else if (endsBareWord(b)) {
        done = true;
      } else {
        scratch[n++] = b;
        p++;
      }
    }
    words.push(Buffer.from(scratch.subarray(0, n)));
  }
}
