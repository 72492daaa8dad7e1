/**
 * Glob-style pattern matching over byte strings, with the semantics Redis gives KEYS, SCAN MATCH,
 * PSUBSCRIBE and CONFIG GET: `*` any run, `?` one byte, `[abc]`, `[^a-z]` classes with ranges,
 * and `\` escaping the next byte. Both arguments are byte strings (one char per byte, see
 * bytes.ts), so a pattern can match binary keys.
 *
 * The matcher is iterative with a single backtrack point for the last `*`: the classic greedy
 * algorithm, linear in practice, which avoids the exponential blow-up of naive recursion on
 * patterns such as `*a*a*a*a*b`.
 */

export function globMatch(pattern: string, subject: string, noCase = false): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  const plen = pattern.length;
  const slen = subject.length;
  while (s < slen) {
    if (p < plen) {
      const pc = pattern.charCodeAt(p);
      if (pc === 0x2a /* * */) {
        while (p < plen && pattern.charCodeAt(p) === 0x2a) p++;
        if (p === plen) return true;
        starP = p;
        starS = s;
        continue;
      }
      const step = matchOne(pattern, p, subject.charCodeAt(s), noCase);
      if (step > 0) {
        p += step;
        s++;
        continue;
      }
    }
    if (starP < 0) return false;
    // Backtrack: let the last star swallow one more byte.
    starS++;
    s = starS;
    p = starP;
  }
  while (p < plen && pattern.charCodeAt(p) === 0x2a) p++;
  return p === plen;
}

/**
 * Matches the single pattern element at `p` against byte `c`. Returns the element's length in
 * the pattern when it matches, 0 when it does not.
 */
function matchOne(pattern: string, p: number, c: number, noCase: boolean): number {
  const plen = pattern.length;
  const pc = pattern.charCodeAt(p);
  if (pc === 0x3f /* ? */) return 1;
  if (pc === 0x5c /* \ */ && p + 1 < plen) {
    return sameByte(pattern.charCodeAt(p + 1), c, noCase) ? 2 : 0;
  }
  if (pc === 0x5b /* [ */) return matchClass(pattern, p, c, noCase);
  return sameByte(pc, c, noCase) ? 1 : 0;
}

function matchClass(pattern: string, start: number, c: number, noCase: boolean): number {
  const plen = pattern.length;
  let p = start + 1;
  let negate = false;
  if (p < plen && pattern.charCodeAt(p) === 0x5e /* ^ */) {
    negate = true;
    p++;
  }
  let matched = false;
  // An unterminated class runs to the end of the pattern, as in Redis.
  while (p < plen && pattern.charCodeAt(p) !== 0x5d /* ] */) {
    let lo = pattern.charCodeAt(p);
    if (lo === 0x5c && p + 1 < plen) {
      p++;
      if (sameByte(pattern.charCodeAt(p), c, noCase)) matched = true;
      p++;
      continue;
    }
    if (p + 2 < plen && pattern.charCodeAt(p + 1) === 0x2d /* - */) {
      let hi = pattern.charCodeAt(p + 2);
      if (lo > hi) [lo, hi] = [hi, lo];
      let x = c;
      if (noCase) {
        lo = lower(lo);
        hi = lower(hi);
        x = lower(c);
      }
      if (x >= lo && x <= hi) matched = true;
      p += 3;
      continue;
    }
    if (sameByte(lo, c, noCase)) matched = true;
    p++;
  }
  if (matched === negate) return 0;
  // Consume the closing bracket when there is one.
  return (p < plen ? p + 1 : p) - start;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

function sameByte(a: number, b: number, noCase: boolean): boolean {
  return a === b || (noCase && lower(a) === lower(b));
}
