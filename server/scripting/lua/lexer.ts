/**
 * The lexer of Lua 5.1: turns the bytes of a chunk into tokens, one at a time, on demand.
 *
 * Why on demand, and not a token array up front: Lua 5.1 reports the FIRST error it meets while
 * reading left to right, and its parser asks for a token only when it needs one. A script like
 * `x = = "unterminated` must fail with "unexpected symbol near '='", not with the lexer's
 * "unfinished string" that lies further on. So the parser pulls tokens through `next()`, and
 * `peek()` reads one token ahead only where Lua 5.1 does (in a table constructor, to tell
 * `{name = v}` from `{name}`).
 *
 * The lexer also keeps the two line counters that Lua's error positions and code lines come
 * from: `line` is where the reader is now (the end of the last token read, which may be the
 * peeked one), `lastLine` is `line` as it was when the current token was taken. Errors are
 * reported at `line`; luac gives an instruction the `lastLine` of the moment it emits it.
 *
 * Observed rules of 5.1.5 reproduced here (checked against lua5.1 and redis-server 7.0):
 * - line breaks are \n, \r, \r\n and \n\r, each counting one line;
 * - no '#' first-line skipping (loadstring and Redis's luaL_loadbuffer do not do it);
 * - character classes are the C locale's: bytes >= 128 are neither letters nor spaces;
 * - a number is read greedily (digits and dots, an exponent sign right after e/E, then letters,
 *   digits and '_') and then converted as C's strtod would, whole token or "malformed number";
 * - "near" shows a name, number or string token as read (a string with its quotes and its
 *   escapes already decoded), cut at the first NUL byte, since C formats it with %s;
 * - a NUL byte matches the "is the next char one of ..." tests of 5.1 (C's strchr finds the
 *   string terminator), so `1\0` reads as the number 1 and `.\0` as `..`; a NUL token is
 *   "token 0", for which messages have no "near" part;
 * - a long bracket ends at the first closing bracket of its level; `[[` inside `[[...]]` is
 *   accepted as Redis's Lua does (Debian's lua5.1, built with LUA_COMPAT_LSTR=1, rejects it
 *   with "nesting of [[...]] is deprecated": an option, for the differential tests).
 */
import type { LuaString } from './values';

/** A syntax or lexical error, with the message exactly as Lua 5.1 formats it. */
export class LuaSyntaxError extends Error {
  override name = 'LuaSyntaxError';
}

export const RESERVED_WORDS = [
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'if', 'in',
  'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
] as const;
export type ReservedWord = (typeof RESERVED_WORDS)[number];

export type SymbolToken =
  | '+' | '-' | '*' | '/' | '%' | '^' | '#' | '==' | '~=' | '<=' | '>=' | '<' | '>' | '='
  | '(' | ')' | '{' | '}' | '[' | ']' | ';' | ':' | ',' | '.' | '..' | '...';

/** 'char' is any other single byte (`~`, `$`, `@`, control bytes...), which no rule accepts. */
export type TokenKind = 'name' | 'string' | 'number' | 'eof' | 'char' | ReservedWord | SymbolToken;

export interface Token {
  kind: TokenKind;
  /** What "near" shows for name, string, number and char tokens (the text as read). */
  raw: string;
  /** name: the name; string: its bytes after escapes. */
  text: LuaString;
  /** number: its value. */
  value: number;
}

const RESERVED = new Set<string>(RESERVED_WORDS);
const END = -1;
const LF = 10;
const CR = 13;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c);
/** C's isspace in the C locale: space, \t, \n, \v, \f, \r. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isNewline = (c: number): boolean => c === LF || c === CR;

/**
 * How Lua 5.1 names a chunk in messages (luaO_chunkid, with the LUA_IDSIZE of 80 that both
 * Debian's lua5.1 and Redis's embedded Lua show): "@file" → file (its last 72 bytes after
 * "..." when longer), "=name" → name (at most 79 bytes), anything else is source text, shown
 * as [string "first line"] with "..." when cut at a line break or after 63 bytes.
 */
export function chunkId(chunkName: string): string {
  const name = cutAtNul(chunkName);
  if (name.startsWith('=')) return name.slice(1, 80);
  if (name.startsWith('@')) {
    const file = name.slice(1);
    return file.length > 72 ? '...' + file.slice(file.length - 72) : file;
  }
  let len = name.search(/[\n\r]/);
  if (len < 0) len = name.length;
  if (len > 63) len = 63;
  return len < name.length ? `[string "${name.slice(0, len)}..."]` : `[string "${name}"]`;
}

function cutAtNul(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** How a token is named in "'x' expected" messages (luaX_token2str). */
export function tokenName(kind: TokenKind): string {
  switch (kind) {
    case 'name':
      return '<name>';
    case 'string':
      return '<string>';
    case 'number':
      return '<number>';
    case 'eof':
      return '<eof>';
    default:
      return kind;
  }
}

/** A single byte as 5.1 prints an unexpected one: itself, or char(N) for control bytes. */
function charName(code: number): string {
  return code < 32 || code === 127 ? `char(${code})` : String.fromCharCode(code);
}

/**
 * The value of a numeral token as 5.1 reads it (strtod over the whole token, C locale, glibc
 * accepting hexadecimal), or null if malformed. Decimal: digits with an optional point and
 * exponent. Hexadecimal: 0x and hex digits, optionally a binary exponent p<digits>; a point or
 * an exponent sign never gets into a hex token (the lexer stops before them).
 */
export function numeralValue(token: string): number | null {
  const text = cutAtNul(token);
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
  const hex = /^0[xX]([0-9a-fA-F]+)(?:[pP](\d+))?$/.exec(text);
  if (hex === null) return null;
  const mantissa = Number(BigInt('0x' + (hex[1] ?? '0'))); // rounds to nearest, ties to even
  if (mantissa === 0) return 0;
  const exponent = Number(hex[2] ?? '0');
  return exponent > 2100 ? Infinity : mantissa * 2 ** exponent;
}

export class Lexer {
  /** The current token. */
  token: Token = { kind: 'eof', raw: '', text: '', value: 0 };
  /** The line the reader is on. */
  line = 1;
  /** `line` as it was when the current token was taken. */
  lastLine = 1;
  readonly chunk: string;

  private ahead: Token | null = null;
  /** The reader's position in the source; `current` is the byte there (END past the end). */
  private pos = 0;
  private current: number;

  constructor(
    private readonly source: LuaString,
    chunkName: string,
    /**
     * Reject `[[` inside a `[[...]]` string or comment ("nesting of [[...]] is deprecated"),
     * as Lua 5.1 built with LUA_COMPAT_LSTR=1 does (Debian's lua5.1). Redis 7.0's Lua does not:
     * there such a string simply ends at the first `]]`.
     */
    private readonly rejectNestedLongBrackets = false,
  ) {
    this.chunk = chunkId(chunkName);
    this.current = source.length > 0 ? source.charCodeAt(0) : END;
  }

  /** Moves to the next token. */
  next(): void {
    this.lastLine = this.line;
    if (this.ahead !== null) {
      this.token = this.ahead;
      this.ahead = null;
    } else {
      this.token = this.scan();
    }
  }

  /** The token after the current one, read now (the reader's line moves past it). */
  peek(): Token {
    if (this.ahead === null) this.ahead = this.scan();
    return this.ahead;
  }

  /** An error at the reader's line, "near" the given text when there is one. */
  fail(message: string, near: string | null): never {
    let text = `${this.chunk}:${this.line}: ${message}`;
    if (near !== null) text += ` near '${cutAtNul(near)}'`;
    throw new LuaSyntaxError(text);
  }

  /**
   * A syntax error near the current token. A NUL byte token is token number 0 in 5.1, which
   * means "no token": its message has no "near" part.
   */
  syntaxError(message: string): never {
    const token = this.token;
    return this.fail(message, token.kind === 'char' && token.raw === 'char(0)' ? null : this.nearText(token));
  }

  nearText(token: Token): string {
    switch (token.kind) {
      case 'name':
      case 'string':
      case 'number':
      case 'char':
        return token.raw;
      default:
        return tokenName(token.kind);
    }
  }

  /** The char at the reader (a method, so that TypeScript does not narrow it across advances). */
  private ch(): number {
    return this.current;
  }

  private advance(): void {
    this.pos++;
    this.current = this.pos < this.source.length ? this.source.charCodeAt(this.pos) : END;
  }

  /** 5.1's "is the current char in this set": a NUL byte always is (see the header). */
  private skipIfIn(set: string): boolean {
    const c = this.ch();
    if (c === END || (c !== 0 && !set.includes(String.fromCharCode(c)))) return false;
    this.advance();
    return true;
  }

  /** Skips one line break (\n, \r, \r\n or \n\r) and counts it. */
  private newline(): void {
    const first = this.current;
    this.advance();
    if (isNewline(this.ch()) && this.ch() !== first) this.advance();
    this.line++;
  }

  private token0(kind: TokenKind, raw = '', text = '', value = 0): Token {
    return { kind, raw, text, value };
  }

  private scan(): Token {
    for (;;) {
      const c = this.current;
      switch (c) {
        case LF:
        case CR:
          this.newline();
          continue;
        case 45 /* - */:
          this.advance();
          if (this.ch() !== 45) return this.token0('-');
          this.advance();
          if (this.ch() === 91 /* [ */) {
            const level = this.bracketLevel();
            if (level >= 0) {
              this.longBracket(level, true);
              continue;
            }
          }
          while (!isNewline(this.ch()) && this.ch() !== END) this.advance();
          continue;
        case 91 /* [ */: {
          const start = this.pos;
          const level = this.bracketLevel();
          if (level >= 0) {
            const text = this.longBracket(level, false);
            const bracket = '='.repeat(level);
            return this.token0('string', `[${bracket}[${text}]${bracket}]`, text);
          }
          if (level === -1) return this.token0('[');
          return this.fail('invalid long string delimiter', this.source.slice(start, this.pos));
        }
        case 61 /* = */:
          this.advance();
          if (this.ch() !== 61) return this.token0('=');
          this.advance();
          return this.token0('==');
        case 60 /* < */:
          this.advance();
          if (this.ch() !== 61) return this.token0('<');
          this.advance();
          return this.token0('<=');
        case 62 /* > */:
          this.advance();
          if (this.ch() !== 61) return this.token0('>');
          this.advance();
          return this.token0('>=');
        case 126 /* ~ */:
          this.advance();
          if (this.ch() !== 61) return this.token0('char', '~');
          this.advance();
          return this.token0('~=');
        case 34 /* " */:
        case 39 /* ' */:
          return this.shortString(c);
        case 46 /* . */: {
          const start = this.pos;
          this.advance();
          if (this.skipIfIn('.')) return this.skipIfIn('.') ? this.token0('...') : this.token0('..');
          if (!isDigit(this.ch())) return this.token0('.');
          return this.numeral(start);
        }
        case END:
          return this.token0('eof');
        default:
          if (isSpace(c)) {
            this.advance();
            continue;
          }
          if (isDigit(c)) return this.numeral(this.pos);
          if (isAlpha(c) || c === 95 /* _ */) {
            const start = this.pos;
            do this.advance();
            while (isAlnum(this.ch()) || this.ch() === 95);
            const word = this.source.slice(start, this.pos);
            return RESERVED.has(word) ? this.token0(word as ReservedWord) : this.token0('name', word, word);
          }
          this.advance();
          return this.token0(SINGLE_CHAR_TOKENS.has(c) ? (String.fromCharCode(c) as SymbolToken) : 'char', charName(c));
      }
    }
  }

  /**
   * At a '[' or ']': reads it and the '='s after it. Returns the number of '='s when the same
   * bracket follows (a long bracket of that level), else -(count)-1. The closing bracket itself
   * is left unread, as is whatever char stopped the '='s.
   */
  private bracketLevel(): number {
    const bracket = this.current;
    this.advance();
    let count = 0;
    while (this.ch() === 61) {
      this.advance();
      count++;
    }
    return this.ch() === bracket ? count : -count - 1;
  }

  /**
   * Reads a long string or comment whose opening bracket (of `level`) is at the reader (on its
   * second '['). Its text keeps each line break as one \n. It ends at the first closing
   * bracket of its level: 5.1 does not nest them.
   */
  private longBracket(level: number, isComment: boolean): string {
    this.advance(); // the second '['
    if (isNewline(this.ch())) this.newline(); // a first line break is not part of the string
    let text = '';
    let runStart = this.pos;
    for (;;) {
      const c = this.ch();
      if (c === END) return this.fail(isComment ? 'unfinished long comment' : 'unfinished long string', '<eof>');
      if (c === 93 /* ] */) {
        const at = this.pos;
        if (this.bracketLevel() === level) {
          this.advance();
          return text + this.source.slice(runStart, at);
        }
      } else if (c === 91 /* [ */ && level === 0 && this.rejectNestedLongBrackets) {
        this.advance();
        if (this.ch() === 91) {
          this.advance();
          this.fail('nesting of [[...]] is deprecated', '[');
        }
      } else if (c === LF || c === CR) {
        text += this.source.slice(runStart, this.pos) + '\n';
        this.newline();
        runStart = this.pos;
      } else {
        this.advance();
      }
    }
  }

  private shortString(delimiter: number): Token {
    const quote = String.fromCharCode(delimiter);
    this.advance();
    let text = '';
    let runStart = this.pos;
    for (;;) {
      const c = this.ch();
      if (c === delimiter) break;
      if (c === END) return this.fail('unfinished string', '<eof>');
      if (c === LF || c === CR) return this.fail('unfinished string', quote + text + this.source.slice(runStart, this.pos));
      if (c !== 92 /* \ */) {
        this.advance();
        continue;
      }
      text += this.source.slice(runStart, this.pos);
      this.advance();
      const escaped = ESCAPES.get(this.ch());
      let byte: number;
      if (escaped !== undefined) {
        byte = escaped;
        this.advance();
      } else if (isNewline(this.ch())) {
        this.newline();
        byte = LF;
      } else if (this.ch() === END) {
        return this.fail('unfinished string', '<eof>');
      } else if (!isDigit(this.ch())) {
        byte = this.ch(); // \\ \" \' and any other char stand for themselves
        this.advance();
      } else {
        byte = 0;
        let digits = 0;
        do {
          byte = byte * 10 + (this.ch() - 48);
          this.advance();
        } while (++digits < 3 && isDigit(this.ch()));
        if (byte > 255) this.fail('escape sequence too large', quote + text);
      }
      text += String.fromCharCode(byte);
      runStart = this.pos;
    }
    text += this.source.slice(runStart, this.pos);
    this.advance();
    return this.token0('string', quote + text + quote, text);
  }

  /** A numeral from `start` (its first digit, or the '.' before one) up to where 5.1 stops. */
  private numeral(start: number): Token {
    while (isDigit(this.ch()) || this.ch() === 46) this.advance();
    if (this.skipIfIn('Ee')) this.skipIfIn('+-');
    while (isAlnum(this.ch()) || this.ch() === 95) this.advance();
    const raw = this.source.slice(start, this.pos);
    const value = numeralValue(raw);
    if (value === null) return this.fail('malformed number', raw);
    return this.token0('number', raw, '', value);
  }
}

const SINGLE_CHAR_TOKENS = new Set([...'+*/%^#(){}];:,'].map((c) => c.charCodeAt(0)));

/** \a \b \f \n \r \t \v. */
const ESCAPES = new Map<number, number>([
  [97, 7],
  [98, 8],
  [102, 12],
  [110, 10],
  [114, 13],
  [116, 9],
  [118, 11],
]);
