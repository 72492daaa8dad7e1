/**
 * cjson.decode as Redis 7.0's lua-cjson 2.1.0 decodes: a tokenizer over the text read as a C
 * string, and a recursive parser that builds Lua tables as it goes.
 *
 * Facts a script can observe, all checked against redis-server:
 * - The text is read as C reads a string: a NUL byte ends it ("[1]\0junk" decodes as [1]; a NUL
 *   inside a string literal is "unexpected end of string"). A first or second byte of 0 is
 *   refused up front: "JSON parser does not support UTF-16 or UTF-32".
 * - White space is only space, tab, CR and LF.
 * - Numbers go through strtod, so with decode_invalid_numbers on (the default) "0x1F", "+1",
 *   "01", "1.", "inf", "-Infinity", "nan" are all numbers. Off, a number that JSON forbids
 *   (leading "+", leading zero, hex, inf/nan) is an "invalid number" or "invalid token".
 * - null becomes cjson.null; arrays fill 1..n with rawseti; objects rawset their keys in text
 *   order (a repeated key keeps the last value). Tables start empty (lua_newtable), so their
 *   layout, hence pairs() order, follows from the insertion order, as in C.
 * - Errors: "Expected <what> but found <token> at character <n>", where a token is named by its
 *   C enum (T_END, T_ARR_END, ...) or, for a bad token, by the tokenizer's complaint ("invalid
 *   token", "invalid escape code", ...). n is 1-based: the token's first byte, or for a complaint
 *   the byte where the tokenizer gave up (the backslash of a bad escape, the NUL ending a string).
 * - Depth: more than decode_max_depth nested arrays/objects is "Found too many nested data
 *   structures (<depth>) at character <offset just past the bracket>". The C code also asks the
 *   Lua stack for room (2 slots per array, 3 per object, within Lua's limit of 8000 slots per C
 *   call), which fails first when the limit is raised: [[[... stops at depth 7999, {"a":{"a":...
 *   at 4000, with the same message. The slots in use are counted here to fail at the same depth.
 */
import { LuaTable } from '../table';
import type { LuaRuntime, LuaUserdata, LuaValue } from '../values';
import { strtod } from './c-numbers';

/** Lua 5.1's LUAI_MAXCSTACK: the stack slots a C function may use. */
export const LUA_C_STACK_LIMIT = 8000;

export interface DecodeOptions {
  maxDepth: number;
  invalidNumbers: boolean;
  null: LuaUserdata;
}

const enum Token {
  ObjectBegin,
  ObjectEnd,
  ArrayBegin,
  ArrayEnd,
  String,
  Number,
  Boolean,
  Null,
  Colon,
  Comma,
  End,
  Error,
}

const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END', 'T_ERROR'];

/** What an escape letter stands for; absent: an invalid escape. 'u' is handled apart. */
const ESCAPED: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

/** Bytes that may start a keyword or number; the tokenizer looks further at these. */
const WORD_START = new Set('fiInNt+-0123456789'.split('').map((c) => c.charCodeAt(0)));

/** An array or object being filled: `slots` counts the Lua stack slots in use before it. */
interface Container {
  table: LuaTable;
  isArray: boolean;
  /** Array: the elements stored so far. */
  count: number;
  /** Object: the key of the member being read. */
  key: string;
  slots: number;
}

/** Marks a value that is an array or object just opened, still to be filled. */
const OPENED = Symbol('opened');

class Decoder {
  private position = 0;
  // The current token: its kind, value, and where it starts (or where the tokenizer gave up).
  private token = Token.End;
  private tokenValue: string | number | boolean = 0;
  private tokenIndex = 0;
  private depth = 0;
  private readonly open: Container[] = [];

  constructor(
    private readonly rt: LuaRuntime,
    private readonly text: string,
    private readonly options: DecodeOptions,
  ) {}

  /**
   * The parse, without recursion (JS would run out of stack before Lua's 8000 slots do): the
   * arrays and objects being filled are kept on `open`, innermost last.
   */
  decode(): LuaValue {
    this.nextToken();
    let value = this.beginValue(1);
    for (;;) {
      const container = this.open[this.open.length - 1];
      if (container === undefined) break;
      if (value === OPENED) {
        // A container was just opened; the token after its bracket is current.
        if (this.token === (container.isArray ? Token.ArrayEnd : Token.ObjectEnd)) value = this.close();
        else value = container.isArray ? this.beginValue(container.slots + 1) : this.beginMember(container);
        continue;
      }
      if (container.isArray) container.table.setInt(++container.count, value);
      else container.table.setStr(container.key, value);
      const after = this.nextToken();
      if (after === (container.isArray ? Token.ArrayEnd : Token.ObjectEnd)) {
        value = this.close();
        continue;
      }
      if (after !== Token.Comma) this.fail(container.isArray ? 'comma or array end' : 'comma or object end');
      this.nextToken();
      value = container.isArray ? this.beginValue(container.slots + 1) : this.beginMember(container);
    }
    if (this.nextToken() !== Token.End) this.fail('the end');
    return value === OPENED ? undefined : value; // never OPENED here: `open` is empty
  }

  /** The byte at i as C sees it: the end of the string (and any NUL) reads as 0. */
  private byte(i: number): number {
    return i < this.text.length ? this.text.charCodeAt(i) : 0;
  }

  private fail(expected: string): never {
    const found = this.token === Token.Error ? (this.tokenValue as string) : TOKEN_NAMES[this.token];
    return this.rt.error(`Expected ${expected} but found ${found} at character ${this.tokenIndex + 1}`);
  }

  private setError(message: string): void {
    this.token = Token.Error;
    this.tokenValue = message;
    this.tokenIndex = this.position;
  }

  /** Reads the next token into this.token and returns its kind. */
  private nextToken(): Token {
    this.readToken();
    return this.token;
  }

  private readToken(): void {
    let c = this.byte(this.position);
    while (c === 32 || c === 9 || c === 13 || c === 10) c = this.byte(++this.position);
    this.tokenIndex = this.position;
    const single = this.singleCharToken(c);
    if (single !== null) {
      this.token = single;
      if (single !== Token.End) this.position++;
      return;
    }
    if (!WORD_START.has(c) && c !== 34) {
      this.setError('invalid token');
      return;
    }
    if (c === 34 /* " */) return this.stringToken();
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      if (!this.options.invalidNumbers && this.isInvalidNumber()) return this.setError('invalid number');
      return this.numberToken();
    }
    if (this.text.startsWith('true', this.position)) return this.keyword(Token.Boolean, true, 4);
    if (this.text.startsWith('false', this.position)) return this.keyword(Token.Boolean, false, 5);
    if (this.text.startsWith('null', this.position)) return this.keyword(Token.Null, 0, 4);
    if (this.options.invalidNumbers && this.isInvalidNumber()) return this.numberToken();
    this.setError('invalid token');
  }

  private singleCharToken(c: number): Token | null {
    switch (c) {
      case 0:
        return Token.End;
      case 123:
        return Token.ObjectBegin;
      case 125:
        return Token.ObjectEnd;
      case 91:
        return Token.ArrayBegin;
      case 93:
        return Token.ArrayEnd;
      case 58:
        return Token.Colon;
      case 44:
        return Token.Comma;
      default:
        return null;
    }
  }

  private keyword(token: Token, value: boolean | number, length: number): void {
    this.token = token;
    this.tokenValue = value;
    this.position += length;
  }

  /** A number JSON forbids: leading '+', leading zero, hex, inf or nan. */
  private isInvalidNumber(): boolean {
    let i = this.position;
    if (this.byte(i) === 43) return true;
    if (this.byte(i) === 45) i++;
    const c = this.byte(i);
    if (c === 48) {
      const next = this.byte(i + 1);
      return (next | 0x20) === 120 || (next >= 48 && next <= 57);
    }
    if (c <= 57) return false;
    const word = this.text.slice(i, i + 3).toLowerCase();
    return word === 'inf' || word === 'nan';
  }

  private numberToken(): void {
    const { value, end } = strtod(this.text, this.position);
    if (end === this.position) return this.setError('invalid number');
    this.token = Token.Number;
    this.tokenValue = value;
    this.position = end;
  }

  private stringToken(): void {
    this.position++; // the opening quote
    const parts: string[] = [];
    let runStart = this.position;
    for (;;) {
      const c = this.byte(this.position);
      if (c === 34) break;
      if (c === 0) return this.setError('unexpected end of string');
      if (c !== 92) {
        this.position++;
        continue;
      }
      parts.push(this.text.slice(runStart, this.position));
      const letter = this.byte(this.position + 1);
      if (letter === 117 /* u */) {
        const decoded = this.unicodeEscape();
        if (decoded === null) return this.setError('invalid unicode escape code');
        parts.push(decoded);
      } else {
        const replacement = ESCAPED[letter];
        if (replacement === undefined) return this.setError('invalid escape code');
        parts.push(replacement);
        this.position += 2;
      }
      runStart = this.position;
    }
    parts.push(this.text.slice(runStart, this.position));
    this.position++; // the closing quote
    this.token = Token.String;
    this.tokenValue = parts.join('');
  }

  private hex4(at: number): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.byte(at + i);
      let digit = -1;
      if (c >= 48 && c <= 57) digit = c - 48;
      else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) digit = (c | 0x20) - 87;
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  }

  /** \uXXXX (a surrogate pair as two of them) at this.position, as UTF-8 bytes; null if bad. */
  private unicodeEscape(): string | null {
    let codepoint = this.hex4(this.position + 2);
    if (codepoint < 0) return null;
    let length = 6;
    if ((codepoint & 0xf800) === 0xd800) {
      if (codepoint & 0x400) return null; // a low surrogate first
      if (this.byte(this.position + 6) !== 92 || this.byte(this.position + 7) !== 117) return null;
      const low = this.hex4(this.position + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return null;
      codepoint = (((codepoint & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      length = 12;
    }
    this.position += length;
    return utf8(codepoint);
  }

  /** The value that starts at the current token; OPENED when it is an array or object. */
  private beginValue(slots: number): LuaValue | typeof OPENED {
    switch (this.token) {
      case Token.String:
      case Token.Number:
      case Token.Boolean:
        return this.tokenValue;
      case Token.Null:
        return this.options.null;
      case Token.ObjectBegin:
      case Token.ArrayBegin: {
        const isArray = this.token === Token.ArrayBegin;
        // Entering: the depth limit, then room on the Lua stack (2 slots for an array, 3 for an object).
        this.depth++;
        if (this.depth > this.options.maxDepth || slots + (isArray ? 2 : 3) > LUA_C_STACK_LIMIT) {
          this.rt.error(`Found too many nested data structures (${this.depth}) at character ${this.position}`);
        }
        this.open.push({ table: new LuaTable(), isArray, count: 0, key: '', slots });
        this.nextToken();
        return OPENED;
      }
      default:
        return this.fail('value');
    }
  }

  /** An object member from its key (the current token) to the start of its value. */
  private beginMember(container: Container): LuaValue | typeof OPENED {
    if (this.token !== Token.String) this.fail('object key string');
    container.key = this.tokenValue as string;
    if (this.nextToken() !== Token.Colon) this.fail('colon');
    this.nextToken();
    return this.beginValue(container.slots + 2);
  }

  /** The innermost container is complete: it becomes a value of the one around it. */
  private close(): LuaTable {
    const container = this.open.pop() as Container;
    this.depth--;
    return container.table;
  }
}

/** A code point (at most 0x10FFFF) as UTF-8, one byte per char. */
function utf8(codepoint: number): string {
  if (codepoint < 0x80) return String.fromCharCode(codepoint);
  if (codepoint < 0x800) return String.fromCharCode(0xc0 | (codepoint >> 6), 0x80 | (codepoint & 0x3f));
  if (codepoint < 0x10000) {
    return String.fromCharCode(0xe0 | (codepoint >> 12), 0x80 | ((codepoint >> 6) & 0x3f), 0x80 | (codepoint & 0x3f));
  }
  return String.fromCharCode(
    0xf0 | (codepoint >> 18),
    0x80 | ((codepoint >> 12) & 0x3f),
    0x80 | ((codepoint >> 6) & 0x3f),
    0x80 | (codepoint & 0x3f),
  );
}

/** Decodes JSON text (the argument already checked to be a string) into a Lua value. */
export function decodeJson(rt: LuaRuntime, text: string, options: DecodeOptions): LuaValue {
  if (text.length >= 2 && (text.charCodeAt(0) === 0 || text.charCodeAt(1) === 0)) {
    rt.error('JSON parser does not support UTF-16 or UTF-32');
  }
  return new Decoder(rt, text, options).decode();
}
