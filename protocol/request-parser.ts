/**
 * Server-side RESP request parser: turns the bytes a client sends into argument vectors.
 *
 * Clients send requests in two shapes, told apart by the first byte of each request:
 *   multibulk   `*<argc>\r\n` then argc times `$<len>\r\n<len bytes>\r\n`   (what every client library sends)
 *   inline      `<words separated by spaces, with optional quoting>\n`        (telnet, redis-cli piping)
 *
 * The parser is pure: `feed()` appends bytes, `next()` hands out one complete request at a time
 * and returns null when the bytes end mid-request, keeping the partial request for the next feed.
 * A malformed request throws a ProtocolError whose message is Redis's reply text; the caller
 * answers it and closes the connection, as Redis does. Limits mirror Redis's: bulk lengths are
 * bounded by proto-max-bulk-len, and a length line or inline request with no newline within
 * 64 KiB is refused, so a client cannot make the server buffer unbounded garbage.
 *
 * Four details keep the hot path cheap (bench/parser.ts measures them):
 *  - length lines are parsed in the same pass that looks for their CR, for the common shape
 *    (plain digits); anything else takes the general path with Redis's exact rules;
 *  - arguments are made by a subclass: Buffer views (RequestParser) or byte strings
 *    (ByteStringRequestParser, the server's), which never builds an intermediate Buffer, cuts
 *    short arguments out of one latin1 copy of the read and makes key-sized ones with
 *    String.fromCharCode, instead of one native call each;
 *  - a command name the server has seen before is handed out as the same string as before, so
 *    the command table's lookup finds its hash already computed (recentNames, below);
 *  - a bulk argument larger than BIG_ARG_BYTES is received into its own exactly-sized buffer
 *    instead of re-concatenating the input on every chunk, which would make a 512 MB value cost
 *    quadratic copying.
 */
import './buffer-latin1';
import { splitArgs } from './split-args';

/** Redis refuses a length line or inline request longer than this without a newline. */
export const INLINE_MAX_BYTES = 64 * 1024;
/** Bulk arguments at least this large are assembled in a dedicated buffer. */
const BIG_ARG_BYTES = 32 * 1024;
const CR = 0x0d;
const LF = 0x0a;

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export interface ParserLimits {
  /** proto-max-bulk-len: the largest bulk argument accepted. */
  maxBulkLen?: number;
  /** Largest argc of a multibulk request (Redis: INT_MAX). */
  maxMultibulkLen?: number;
  /** Length lines and inline requests longer than this without a newline are refused. */
  maxInlineLen?: number;
}

const EMPTY_BUFFER = Buffer.alloc(0);

export abstract class GenericRequestParser<Arg extends { readonly length: number }> {
  private buf: Buffer = EMPTY_BUFFER;
  /** Whether `buf` is the parser's own copy, rather than a chunk as the caller fed it. */
  private bufOwned = true;

  /** The buffer requests are currently parsed from (subclasses compare against it). */
  protected get currentBuffer(): Buffer {
    return this.buf;
  }

  private pos = 0;
  /** Where the requests run since the last markBatchStart() began (see batchBytes). */
  private batchStart = 0;
  /** Arguments still expected by the multibulk request in progress; 0 when between requests. */
  private pendingArgs = 0;
  private argv: Arg[] = [];
  /** A large bulk being assembled, with how many of its bytes (plus CRLF) are filled. */
  private bigArg: Buffer | null = null;
  private bigArgFilled = 0;
  /** proto-max-bulk-len; the owner updates it when the configuration changes. */
  maxBulkLen: number;
  /**
   * Until a client has authenticated, Redis accepts only tiny requests (10 arguments, 16 KiB
   * per argument), so an unauthenticated peer cannot make the server allocate much.
   */
  authRequired = false;
  private readonly maxMultibulkLen: number;
  private readonly maxInlineLen: number;

  /** The value of the length line parsed by scanDigits. */
  private scanned = 0;

  constructor(limits: ParserLimits = {}) {
    this.maxBulkLen = limits.maxBulkLen ?? 512 * 1024 * 1024;
    this.maxMultibulkLen = limits.maxMultibulkLen ?? 2147483647;
    this.maxInlineLen = limits.maxInlineLen ?? INLINE_MAX_BYTES;
  }

  /** Makes one argument from `buf[start, end)`. */
  protected abstract makeArg(buf: Buffer, start: number, end: number): Arg;

  /** Makes a request's first argument, its command name (a subclass may hand out one it made before). */
  protected makeName(buf: Buffer, start: number, end: number): Arg {
    return this.makeArg(buf, start, end);
  }

  /** Called whenever the internal buffer is replaced. */
  protected bufferChanged(): void {}

  /** Bytes received but not yet handed out as part of a complete request. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.bigArgFilled;
  }

  /**
   * Redis's qbuf while a command runs: the bytes of the whole read it arrived in, counting the
   * requests before it and after it (Redis trims its query buffer only once the read is
   * processed). The owner calls markBatchStart() before running a read's requests.
   */
  get batchBytes(): number {
    return this.buf.length - this.batchStart + this.bigArgFilled;
  }

  markBatchStart(): void {
    this.batchStart = this.pos + this.pendingBulkLineBytes();
  }

  /**
   * Redis's qbuf between commands: the bytes not yet consumed, where a bulk argument's `$<len>`
   * line counts as consumed once it is complete (Redis then waits for the data alone).
   */
  get unconsumedBytes(): number {
    return this.bufferedBytes - this.pendingBulkLineBytes();
  }

  /** The length of a complete `$<len>` line waiting at `pos` for its data, else 0. */
  private pendingBulkLineBytes(): number {
    if (this.pendingArgs === 0 || this.bigArg !== null || this.buf[this.pos] !== 0x24 /* $ */) return 0;
    const cr = this.buf.indexOf(CR, this.pos);
    return cr >= 0 && cr + 1 < this.buf.length ? cr + 2 - this.pos : 0;
  }

  /** The arguments of the multibulk request still arriving: how many, and their total length. */
  get pendingArgCount(): number {
    return this.pendingArgs > 0 ? this.argv.length : 0;
  }

  /** The argument count the multibulk request still arriving announced (`*<argc>`); 0 between requests. */
  get pendingRequestArgc(): number {
    return this.pendingArgs > 0 ? this.argv.length + this.pendingArgs : 0;
  }

  get pendingArgBytes(): number {
    if (this.pendingArgs === 0) return 0;
    let bytes = 0;
    for (const arg of this.argv) bytes += arg.length;
    return bytes;
  }

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const big = this.bigArg;
    if (big !== null) {
      const take = Math.min(chunk.length, big.length - this.bigArgFilled);
      chunk.copy(big, this.bigArgFilled, 0, take);
      this.bigArgFilled += take;
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.bufOwned = false;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.bufOwned = true;
    }
    this.pos = 0;
    this.batchStart = 0;
    this.bufferChanged();
  }

  /**
   * The caller is about to reuse the memory of the chunk it fed (a read buffer shared by every
   * connection, server/network/shared-reads.ts): the bytes not consumed yet are copied, and
   * nothing of the chunk is kept.
   */
  releaseInput(): void {
    if (this.bufOwned) return;
    this.buf = this.pos >= this.buf.length ? EMPTY_BUFFER : Buffer.from(this.buf.subarray(this.pos));
    this.bufOwned = true;
    this.pos = 0;
    this.batchStart = 0;
    this.bufferChanged();
  }

  /**
   * The next complete request, or null when more bytes are needed. An empty array is a request
   * with no arguments (a blank inline line or `*0`), which the server ignores silently.
   */
  next(): Arg[] | null {
    if (this.bigArg !== null) {
      if (!this.finishBigArg()) return null;
    } else if (this.pendingArgs === 0) {
      if (this.pos >= this.buf.length) return null;
      if (this.buf[this.pos] !== 0x2a /* * */) return this.nextInline();
      const count = this.readMultibulkHeader();
      if (count === null) return null;
      if (count <= 0) return [];
      this.pendingArgs = count;
      this.argv = [];
    }
    while (this.pendingArgs > 0) {
      if (!this.readBulk()) return null;
    }
    // Handed out as it is: the next request's header starts a new array, and nothing reads this
    // one in between (the pending-argument figures look at it only while pendingArgs > 0).
    return this.argv;
  }

  private nextInline(): Arg[] | null {
    const buf = this.buf;
    const nl = lineByteBeforeNul(buf, LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > this.maxInlineLen) {
        throw new ProtocolError('Protocol error: too big inline request');
      }
      return null;
    }
    const start = this.pos;
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    this.pos = nl + 1;
    const words = splitArgs(buf, start, end);
    if (words === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    const argv: Arg[] = new Array<Arg>(words.length);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as Buffer;
      argv[i] = i === 0 ? this.makeName(w, 0, w.length) : this.makeArg(w, 0, w.length);
    }
    return argv;
  }

  /** Parses `*<n>\r\n`; null when the line is not complete yet. */
  private readMultibulkHeader(): number | null {
    let lineEnd = this.scanDigits(this.buf, this.pos + 1);
    let n: number | null;
    if (lineEnd >= 0) {
      n = this.scanned;
    } else {
      lineEnd = this.findLineEnd('Protocol error: too big mbulk count string');
      if (lineEnd < 0) return null;
      n = parseStrictInt(this.buf, this.pos + 1, lineEnd);
    }
    this.pos = lineEnd + 2;
    if (n === null || n > this.maxMultibulkLen) {
      throw new ProtocolError('Protocol error: invalid multibulk length');
    }
    if (n > 10 && this.authRequired) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
    return n;
  }

  /** Reads one `$<len>\r\n<bytes>\r\n` into argv; false when more bytes are needed. */
  private readBulk(): boolean {
    const buf = this.buf;
    let lineEnd = buf[this.pos] === 0x24 /* $ */ ? this.scanDigits(buf, this.pos + 1) : -1;
    let len: number | null;
    if (lineEnd >= 0) {
      len = this.scanned;
    } else {
      lineEnd = this.findLineEnd('Protocol error: too big bulk count string');
      if (lineEnd < 0) return false;
      const first = buf[this.pos] as number;
      if (first !== 0x24 /* $ */) {
        throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(first)}'`);
      }
      len = parseStrictInt(buf, this.pos + 1, lineEnd);
    }
    if (len === null || len < 0 || len > this.maxBulkLen) {
      throw new ProtocolError('Protocol error: invalid bulk length');
    }
    if (len > 16384 && this.authRequired) throw new ProtocolError('Protocol error: unauthenticated bulk length');
    const dataStart = lineEnd + 2;
    const available = buf.length - dataStart;
    if (available >= len + 2) {
      const argv = this.argv;
      const n = argv.length;
      const end = dataStart + len;
      argv[n] = n === 0 ? this.makeName(buf, dataStart, end) : this.makeArg(buf, dataStart, end);
      this.pos = end + 2;
      this.pendingArgs--;
      return true;
    }
    if (len >= BIG_ARG_BYTES) {
      // Receive the rest straight into a buffer of the final size.
      const big = Buffer.allocUnsafe(len + 2);
      buf.copy(big, 0, dataStart);
      this.bigArg = big;
      this.bigArgFilled = available;
      this.buf = EMPTY_BUFFER;
      this.bufOwned = true;
      this.pos = 0;
      this.batchStart = 0;
      this.bufferChanged();
      return false;
    }
    return false;
  }

  /** Completes a big argument once all its bytes arrived; false while it is still filling. */
  private finishBigArg(): boolean {
    const big = this.bigArg as Buffer;
    if (this.bigArgFilled < big.length) return false;
    this.argv.push(this.makeArg(big, 0, big.length - 2));
    this.bigArg = null;
    this.bigArgFilled = 0;
    this.pendingArgs--;
    return true;
  }

  /**
   * The fast path for a length line: plain digits (1 to 15, no leading zero) then CR LF, read in
   * one pass. Returns the index of the CR and leaves the value in `scanned`; -1 when the line
   * is not of that shape or not complete yet, so the caller takes the general path.
   */
  private scanDigits(buf: Buffer, from: number): number {
    const end = buf.length;
    let value = 0;
    for (let i = from; i < end; i++) {
      const c = buf[i] as number;
      if (c >= 0x30 && c <= 0x39) {
        value = value * 10 + (c - 0x30);
        continue;
      }
      const digits = i - from;
      if (c !== CR || digits === 0 || digits > 15 || i + 1 >= end) return -1;
      if (buf[from] === 0x30 && digits > 1) return -1;
      this.scanned = value;
      return i;
    }
    return -1;
  }

  /**
   * Index of the CR ending the length line that starts at pos, or -1 when the line (and the LF
   * after the CR) has not fully arrived. Like Redis, only the CR is looked for; the byte after
   * it is assumed to be LF.
   */
  private findLineEnd(tooBigMessage: string): number {
    const buf = this.buf;
    const cr = lineByteBeforeNul(buf, CR, this.pos);
    if (cr < 0 || cr + 1 >= buf.length) {
      if (buf.length - this.pos > this.maxInlineLen) throw new ProtocolError(tooBigMessage);
      return -1;
    }
    return cr;
  }
}

/**
 * Where `byte` (the CR or LF ending a line) first occurs from `from`, or -1 if it does not occur
 * before a NUL byte. Redis finds line ends with C's strchr on its query buffer, which stops at
 * the first NUL: a line holding a NUL never ends for it, and the request grows until it is "too
 * big" (`*\0\r\n` answers "too big mbulk count string" once 64 KB followed it). Clients see
 * that, so the parser does the same.
 */
function lineByteBeforeNul(buf: Buffer, byte: number, from: number): number {
  const at = buf.indexOf(byte, from);
  if (at < 0) return -1;
  // Only the line itself is looked at (a later NUL, say in a binary value, does not count).
  for (let i = from; i < at; i++) if (buf[i] === 0) return -1;
  return at;
}

/** A request parser producing Buffer arguments (views into the received bytes). */
export class RequestParser extends GenericRequestParser<Buffer> {
  protected makeArg(buf: Buffer, start: number, end: number): Buffer {
    return buf.subarray(start, end);
  }
}

/** Arguments shorter than this are cut from a string copy of the whole read (see below). */
const SHORT_ARG_CHARS = 13;

/**
 * Command names made before, shared by every parser: a direct-mapped cache whose slot is chosen
 * by a name's length and its first and last bytes, so the name's bytes are compared with at most
 * one string. A request whose name is found there gets that very string instead of a new one.
 * The point is what comes after: V8 keeps a string's hash in the string once computed, so the
 * command table's lookup of a reused name does not hash it again (a new string is hashed on every
 * lookup), and no string is made. Names are spelled from a small set, so the slots settle; a
 * client sending random names only turns slots over.
 */
const NAME_SLOTS = 256;
/** Longer names (no command's is above 20 characters) are made each time, not cached. */
const NAME_MAX_CHARS = 24;
const recentNames: string[] = new Array<string>(NAME_SLOTS).fill('');

/**
 * Arguments from SHORT_ARG_CHARS up to this long (most keys) are made in JavaScript by
 * String.fromCharCode with one parameter per byte, instead of Buffer's native latin1Slice: the
 * call into C++ and back costs more than the copy itself at this size (a 16-byte key: about 40
 * against 85 ns, and 6% of a GET's instructions). Above about 32 bytes the native copy wins.
 */
const MEDIUM_ARG_MAX_CHARS = 24;

/** Makes the byte string of `buf[start, start + n)` for one fixed n. */
type FixedLengthMaker = (buf: Buffer, start: number) => string;

/**
 * One maker per length, each a plain call `String.fromCharCode(buf[start], buf[start + 1], ...)`
 * with that many parameters, generated once here: a loop could only pass a variable number of
 * codes through `apply` and an array, which is as slow as the native call. The codes are bytes,
 * so the string is V8's one-byte kind, latin1 like every byte string.
 */
const fixedLengthMakers: FixedLengthMaker[] = Array.from({ length: MEDIUM_ARG_MAX_CHARS + 1 }, (_, n) => {
  const codes = Array.from({ length: n }, (_, i) => `buf[start + ${i}]`).join(', ');
  const build = new Function('fromCharCode', `return function (buf, start) { return fromCharCode(${codes}); };`);
  return build(String.fromCharCode) as FixedLengthMaker;
});

/**
 * A request parser producing byte strings (latin1), the server's representation.
 *
 * Short arguments (command names, small values) are cut out of one latin1 copy of the read
 * with substring, which stays in optimised JavaScript instead of a native call per argument.
 * V8 copies substrings shorter than 13 chars, so they never pin the read's string; longer
 * arguments would become views into it (keeping a whole read alive for as long as a stored
 * value lives), so they are converted on their own: up to MEDIUM_ARG_MAX_CHARS by a generated
 * String.fromCharCode call, longer ones by the native latin1Slice.
 */
export class ByteStringRequestParser extends GenericRequestParser<string> {
  private text: string | null = null;

  protected override bufferChanged(): void {
    this.text = null;
  }

  protected makeArg(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length >= SHORT_ARG_CHARS) {
      if (length <= MEDIUM_ARG_MAX_CHARS) return (fixedLengthMakers[length] as FixedLengthMaker)(buf, start);
      return buf.latin1Slice(start, end);
    }
    if (buf !== this.currentBuffer) return buf.latin1Slice(start, end);
    this.text ??= buf.latin1Slice(0, buf.length);
    return this.text.substring(start, end);
  }

  protected override makeName(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length === 0 || length > NAME_MAX_CHARS) return this.makeArg(buf, start, end);
    const slot = (length * 37 + (buf[start] as number) * 7 + (buf[end - 1] as number)) & (NAME_SLOTS - 1);
    const cached = recentNames[slot] as string;
    if (cached.length === length) {
      let i = 0;
      while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === length) return cached;
    }
    const name = this.makeArg(buf, start, end);
    recentNames[slot] = name;
    return name;
  }
}

/**
 * Parses a decimal integer the way Redis's string2ll does: optional '-', no '+', no leading
 * zeros, no spaces, at most 20 characters. Returns null when the bytes are not such a number.
 */
export function parseStrictInt(buf: Buffer, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len > 20) return null;
  let i = start;
  let negative = false;
  if (buf[i] === 0x2d /* - */) {
    negative = true;
    i++;
    if (i === end) return null;
  }
  const firstDigit = buf[i] as number;
  if (firstDigit === 0x30 /* 0 */) return i + 1 === end && !negative ? 0 : null;
  let value = 0;
  for (; i < end; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}
