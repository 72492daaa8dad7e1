/**
 * Lua 5.1 pattern matching (string.find, match, gmatch, gsub), with 5.1.5's observable rules.
 *
 * A pattern is a sequence of items, each a single-character class (a byte, '.', a %-class such
 * as %a or %Z, or a set [...] / [^...]) optionally followed by a quantifier ('*' longest run,
 * '+' at least one, '-' shortest run, '?' optional), or one of: a capture '(' ... ')', a
 * position capture '()', a back-reference %1-%9, a balanced match %bxy, a frontier %f[set],
 * or '$' at the very end (the subject's end). Anything else is a literal byte, including '^'
 * (only the callers treat a leading '^' as an anchor; gmatch does not) and a '$' elsewhere.
 *
 * How 5.1 matches, and what this file reproduces:
 * - Matching is depth-first backtracking: the quantifiers '*', '+', '?' try the longest choice
 *   first, '-' the shortest, and a failure further on retries the next choice. The C code does
 *   this by recursion (one C frame per choice point, so a long pattern can overflow the C stack:
 *   lua5.1 and redis-server crash on string.rep('a*', 100000)). Here the choice points live in
 *   an explicit stack of small records, so any pattern length is safe and the order of the
 *   attempts (which decides the result, and the moment an error is met) is the same.
 * - Errors are found lazily, when the matcher reaches the faulty item: find('abc', 'x[') is
 *   nil, not an error, because no 'x' ever lets the matcher look at '['.
 * - C sees the pattern only up to its first NUL byte (the NUL marks the end of the pattern);
 *   the subject is used with its full length, and the byte "after" its end reads as NUL (for
 *   %f). Character classes are the C locale's: only ASCII bytes are letters, digits, etc.
 * - Captures: at most 32 ("too many captures"); ')' closes the innermost open one ("invalid
 *   pattern capture" when none is open); a back-reference must name a closed capture ("invalid
 *   capture index"); a back-reference to a position capture never matches.
 */
import { type LuaRuntime, type LuaString, type LuaValue } from './values';

export const MAX_CAPTURES = 32;
/** Capture length markers: still open, or a position capture "()". */
const CAPTURE_OPEN = -1;
const CAPTURE_POSITION = -2;

// The C locale's <ctype.h> classes of the bytes 0-255, one bit per %-class letter.
const CLASS_ALPHA = 1;
const CLASS_CNTRL = 2;
const CLASS_DIGIT = 4;
const CLASS_LOWER = 8;
const CLASS_PUNCT = 16;
const CLASS_SPACE = 32;
const CLASS_UPPER = 64;
const CLASS_XDIGIT = 128;
const classBits = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  let bits = 0;
  const upper = c >= 65 && c <= 90;
  const lower = c >= 97 && c <= 122;
  const digit = c >= 48 && c <= 57;
  if (upper || lower) bits |= CLASS_ALPHA;
  if (upper) bits |= CLASS_UPPER;
  if (lower) bits |= CLASS_LOWER;
  if (digit) bits |= CLASS_DIGIT;
  if (c < 32 || c === 127) bits |= CLASS_CNTRL;
  if (c === 32 || (c >= 9 && c <= 13)) bits |= CLASS_SPACE;
  if (c > 32 && c < 127 && !upper && !lower && !digit) bits |= CLASS_PUNCT;
  if (digit || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) bits |= CLASS_XDIGIT;
  classBits[c] = bits;
}

/** The bits a class letter (lower case) tests; 0 for letters that are not classes. */
function classMask(letter: number): number {
  switch (letter) {
    case 97: return CLASS_ALPHA; // a
    case 99: return CLASS_CNTRL; // c
    case 100: return CLASS_DIGIT; // d
    case 108: return CLASS_LOWER; // l
    case 112: return CLASS_PUNCT; // p
    case 115: return CLASS_SPACE; // s
    case 117: return CLASS_UPPER; // u
    case 119: return CLASS_ALPHA | CLASS_DIGIT; // w
    case 120: return CLASS_XDIGIT; // x
    default: return 0;
  }
}

/** Does byte `c` belong to %`classChar`? An upper-case class letter is the complement. */
function matchClass(c: number, classChar: number): boolean {
  const isUpper = classChar >= 65 && classChar <= 90;
  const letter = isUpper ? classChar + 32 : classChar;
  let result: boolean;
  if (letter === 122) result = c === 0; // %z
  else {
    const mask = classMask(letter);
    if (mask === 0) return classChar === c; // %. %% %] ...: the character itself
    result = (classBits[c]! & mask) !== 0;
  }
  return isUpper ? !result : result;
}

/** The characters that make string.find leave plain search for pattern matching. */
const SPECIALS = '^$*+?.([%-';

/** Whether string.find must treat `pattern` as a pattern (C looks only up to the first NUL). */
export function hasPatternSpecials(pattern: LuaString): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\0') return false;
    if (SPECIALS.includes(ch)) return true;
  }
  return false;
}

/** The pattern as C sees it: up to its first NUL byte. */
export function patternText(pattern: LuaString): string {
  const nul = pattern.indexOf('\0');
  return nul === -1 ? pattern : pattern.slice(0, nul);
}

// Choice-point records on the backtracking stack: a kind, then up to four numbers.
const FRAME_SIZE = 5;
/** On failure: forget the capture opened here. */
const UNDO_OPEN = 0;
/** On failure: reopen capture [1]. */
const UNDO_CLOSE = 1;
/** '?' that took its character: on failure retry at [1] without it, pattern at [3] + 1. */
const RETRY_OPTIONAL = 2;
/** '*' / '+': [1] start, [2] item, [3] item end, [4] repetitions now tried: on failure one fewer. */
const RETRY_LONGEST = 3;
/** '-': [1] position, [2] item, [3] item end: on failure one repetition more, if possible. */
const RETRY_SHORTEST = 4;

/**
 * One match attempt's state over a subject and a pattern: the captures, and the matcher.
 * The string functions create one per call and run `matchAt` at successive start positions.
 */
export class PatternMatcher {
  /** The number of captures opened so far (open or closed). */
  level = 0;
  private readonly captureStart: number[] = [];
  private readonly captureLength: number[] = [];
  private readonly pattern: string;
  private readonly patternLength: number;
  /** classEnd results by item start (+1; 0: not computed yet). */
  private readonly itemEnds: Int32Array;
  /** The backtracking stack: FRAME_SIZE numbers per choice point, `stackTop` of them in use. */
  private stack = new Int32Array(FRAME_SIZE * 64);
  private stackTop = 0;

  constructor(
    private readonly rt: LuaRuntime,
    private readonly subject: LuaString,
    pattern: LuaString,
  ) {
    this.pattern = patternText(pattern);
    this.patternLength = this.pattern.length;
    this.itemEnds = new Int32Array(this.patternLength + 1);
  }

  /** Matches the pattern from `patternStart` against the subject at `start`: the end, or -1. */
  matchAt(start: number, patternStart: number): number {
    this.level = 0;
    this.stackTop = 0;
    return this.run(start, patternStart);
  }

  /**
   * Capture i as a Lua value (a string, or a position for "()"); with no captures at all,
   * capture 0 is the whole match [start, end).
   */
  capture(i: number, start: number, end: number): LuaValue {
    if (i >= this.level) {
      if (i === 0) return this.subject.slice(start, end);
      return this.rt.error('invalid capture index');
    }
    const length = this.captureLength[i]!;
    if (length === CAPTURE_OPEN) return this.rt.error('unfinished capture');
    if (length === CAPTURE_POSITION) return this.captureStart[i]! + 1;
    return this.subject.substr(this.captureStart[i]!, length);
  }

  /** The subject's bytes [start, end). */
  subjectSlice(start: number, end: number): LuaString {
    return this.subject.slice(start, end);
  }

  /** All captures; with none, the whole match when `wholeIfNone`, else nothing. */
  captures(start: number, end: number, wholeIfNone: boolean): LuaValue[] {
    const count = this.level === 0 && wholeIfNone ? 1 : this.level;
    const values: LuaValue[] = [];
    for (let i = 0; i < count; i++) values.push(this.capture(i, start, end));
    return values;
  }

  private error(message: string): never {
    return this.rt.error(message);
  }

  /** Where the single-character class starting at p ends (errors for a malformed one). */
  private itemEnd(p: number): number {
    const known = this.itemEnds[p]!;
    if (known !== 0) return known - 1;
    const pattern = this.pattern;
    const length = this.patternLength;
    let end: number;
    const first = pattern.charCodeAt(p);
    if (first === 37 /* % */) {
      if (p + 1 >= length) this.error("malformed pattern (ends with '%')");
      end = p + 2;
    } else if (first === 91 /* [ */) {
      let q = p + 1;
      if (pattern[q] === '^') q++;
      // The first character after '[' or '[^' belongs to the set even when it is ']'.
      do {
        if (q >= length) this.error("malformed pattern (missing ']')");
        const ch = pattern.charCodeAt(q++);
        if (ch === 37 && q < length) q++; // an escape: "%]" does not close the set
      } while (pattern[q] !== ']');
      end = q + 1;
    } else {
      end = p + 1;
    }
    this.itemEnds[p] = end + 1;
    return end;
  }

  /** Does byte c belong to the set [...] spanning p (its '[') to close (its ']')? */
  private inSet(c: number, p: number, close: number): boolean {
    const pattern = this.pattern;
    let wanted = true;
    if (pattern[p + 1] === '^') {
      wanted = false;
      p++;
    }
    while (++p < close) {
      const ch = pattern.charCodeAt(p);
      if (ch === 37 /* % */) {
        p++;
        if (matchClass(c, pattern.charCodeAt(p))) return wanted;
      } else if (pattern[p + 1] === '-' && p + 2 < close) {
        p += 2;
        if (ch <= c && c <= pattern.charCodeAt(p)) return wanted;
      } else if (ch === c) {
        return wanted;
      }
    }
    return !wanted;
  }

  /** Does byte c match the single-character class [p, end)? */
  private singleMatch(c: number, p: number, end: number): boolean {
    const ch = this.pattern.charCodeAt(p);
    if (ch === 46 /* . */) return true;
    if (ch === 37 /* % */) return matchClass(c, this.pattern.charCodeAt(p + 1));
    if (ch === 91 /* [ */) return this.inSet(c, p, end - 1);
    return ch === c;
  }

  /** How many times in a row the class [p, end) matches from s on. */
  private countRun(s: number, p: number, end: number): number {
    const subject = this.subject;
    let i = 0;
    while (s + i < subject.length && this.singleMatch(subject.charCodeAt(s + i), p, end)) i++;
    return i;
  }

  private push(kind: number, a: number, b: number, c: number, d: number): void {
    let stack = this.stack;
    const top = this.stackTop;
    if (top + FRAME_SIZE > stack.length) {
      const grown = new Int32Array(stack.length * 2);
      grown.set(stack);
      this.stack = stack = grown;
    }
    stack[top] = kind;
    stack[top + 1] = a;
    stack[top + 2] = b;
    stack[top + 3] = c;
    stack[top + 4] = d;
    this.stackTop = top + FRAME_SIZE;
  }

  /** %bxy at s with x, y at p, p + 1: the end of the balanced run, or -1. */
  private matchBalance(s: number, p: number): number {
    if (p + 1 >= this.patternLength) this.error('unbalanced pattern');
    const subject = this.subject;
    const open = this.pattern.charCodeAt(p);
    const close = this.pattern.charCodeAt(p + 1);
    if (s >= subject.length || subject.charCodeAt(s) !== open) return -1;
    let depth = 1;
    for (let i = s + 1; i < subject.length; i++) {
      const c = subject.charCodeAt(i);
      if (c === close) {
        if (--depth === 0) return i + 1;
      } else if (c === open) {
        depth++;
      }
    }
    return -1;
  }

  /** The innermost capture still open, for ')'. */
  private captureToClose(): number {
    for (let l = this.level - 1; l >= 0; l--) if (this.captureLength[l] === CAPTURE_OPEN) return l;
    return this.error('invalid pattern capture');
  }

  private openCapture(s: number, kind: number): void {
    if (this.level >= MAX_CAPTURES) this.error('too many captures');
    this.captureStart[this.level] = s;
    this.captureLength[this.level] = kind;
    this.level++;
  }

  /** The matcher proper: advances through items, backtracking through the choice-point stack. */
  private run(s: number, p: number): number {
    const subject = this.subject;
    const pattern = this.pattern;
    const patternLength = this.patternLength;
    for (;;) {
      let failed = false;
      // Advance item by item until the pattern ends (success) or an item fails.
      while (!failed) {
        if (p >= patternLength) return s;
        const ch = pattern.charCodeAt(p);
        if (ch === 40 /* ( */) {
          const position = pattern.charCodeAt(p + 1) === 41;
          this.openCapture(s, position ? CAPTURE_POSITION : CAPTURE_OPEN);
          this.push(UNDO_OPEN, 0, 0, 0, 0);
          p += position ? 2 : 1;
          continue;
        }
        if (ch === 41 /* ) */) {
          const l = this.captureToClose();
          this.captureLength[l] = s - this.captureStart[l]!;
          this.push(UNDO_CLOSE, l, 0, 0, 0);
          p++;
          continue;
        }
        if (ch === 36 /* $ */ && p + 1 === patternLength) {
          if (s === subject.length) return s;
          failed = true;
          continue;
        }
        if (ch === 37 /* % */) {
          const next = pattern.charCodeAt(p + 1);
          if (next === 98 /* b */) {
            const end = this.matchBalance(s, p + 2);
            if (end < 0) failed = true;
            else {
              s = end;
              p += 4;
            }
            continue;
          }
          if (next === 102 /* f */) {
            p += 2;
            if (pattern[p] !== '[') this.error("missing '[' after '%f' in pattern");
            const end = this.itemEnd(p);
            const previous = s === 0 ? 0 : subject.charCodeAt(s - 1);
            const current = s < subject.length ? subject.charCodeAt(s) : 0;
            if (!this.inSet(previous, p, end - 1) && this.inSet(current, p, end - 1)) p = end;
            else failed = true;
            continue;
          }
          if (next >= 48 && next <= 57) {
            const l = next - 49;
            if (l < 0 || l >= this.level || this.captureLength[l] === CAPTURE_OPEN) this.error('invalid capture index');
            const length = this.captureLength[l]!;
            const start = this.captureStart[l]!;
            if (length !== CAPTURE_POSITION && subject.length - s >= length && subject.substr(start, length) === subject.substr(s, length)) {
              s += length;
              p += 2;
            } else {
              failed = true;
            }
            continue;
          }
        }
        // A single-character class, maybe with a quantifier.
        const end = this.itemEnd(p);
        const matches = s < subject.length && this.singleMatch(subject.charCodeAt(s), p, end);
        const quantifier = end < patternLength ? pattern.charCodeAt(end) : 0;
        if (quantifier === 63 /* ? */) {
          if (matches) {
            this.push(RETRY_OPTIONAL, s, 0, end, 0);
            s++;
          }
          p = end + 1;
        } else if (quantifier === 42 /* * */ || quantifier === 43 /* + */) {
          if (quantifier === 43 && !matches) {
            failed = true;
            continue;
          }
          const from = quantifier === 43 ? s + 1 : s;
          const count = this.countRun(from, p, end);
          this.push(RETRY_LONGEST, from, p, end, count);
          s = from + count;
          p = end + 1;
        } else if (quantifier === 45 /* - */) {
          this.push(RETRY_SHORTEST, s, p, end, 0);
          p = end + 1;
        } else if (matches) {
          s++;
          p = end;
        } else {
          failed = true;
        }
      }
      // Backtrack to the latest choice point that has another choice.
      let resumed = false;
      const stack = this.stack; // (push may have replaced it with a bigger one)
      while (!resumed) {
        if (this.stackTop === 0) return -1;
        const top = this.stackTop - FRAME_SIZE;
        const kind = stack[top]!;
        if (kind === UNDO_OPEN) {
          this.level--;
        } else if (kind === UNDO_CLOSE) {
          this.captureLength[stack[top + 1]!] = CAPTURE_OPEN;
        } else if (kind === RETRY_OPTIONAL) {
          s = stack[top + 1]!;
          p = stack[top + 3]! + 1;
          resumed = true;
        } else if (kind === RETRY_LONGEST) {
          const count = stack[top + 4]!;
          if (count > 0) {
            stack[top + 4] = count - 1;
            s = stack[top + 1]! + count - 1;
            p = stack[top + 3]! + 1;
            resumed = true;
            continue; // the record stays for the next retry
          }
        } else {
          const position = stack[top + 1]!;
          const item = stack[top + 2]!;
          const itemEnd = stack[top + 3]!;
          if (position < subject.length && this.singleMatch(subject.charCodeAt(position), item, itemEnd)) {
            stack[top + 1] = position + 1;
            s = position + 1;
            p = itemEnd + 1;
            resumed = true;
            continue; // the record stays
          }
        }
        this.stackTop = top;
      }
    }
  }
}
