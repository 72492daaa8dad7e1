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
 * Two details keep the hot path cheap. Arguments are produced by a factory chosen once at
 * construction (Buffer views or latin1 byte strings), so a server that keys its storage by byte
 * strings never builds an intermediate Buffer. And a bulk argument larger than BIG_ARG_BYTES is
 * received into its own exactly-sized buffer instead of re-concatenating the input on every
 * chunk, which would make a 512 MB value cost quadratic copying.
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

/** Makes one argument from `buf[start, end)`. */
export type ArgFactory<Arg> = (buf: Buffer, start: number, end: number) => Arg;

export const bufferArg: ArgFactory<Buffer> = (buf, start, end) => buf.subarray(start, end);
export const latin1Arg: ArgFactory<string> = (buf, start, end) => buf.latin1Slice(start, end);

const EMPTY_BUFFER = Buffer.alloc(0);

export class GenericRequestParser<Arg> {
  private buf: Buffer = EMPTY_BUFFER;
  private pos = 0;
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

  constructor(
    private readonly makeArg: ArgFactory<Arg>,
    limits: ParserLimits = {},
  ) {
    this.maxBulkLen = limits.maxBulkLen ?? 512 * 1024 * 1024;
    this.maxMultibulkLen = limits.maxMultibulkLen ?? 2147483647;
    this.maxInlineLen = limits.maxInlineLen ?? INLINE_MAX_BYTES;
  }

  /** Bytes received but not yet handed out as part of a complete request. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.bigArgFilled;
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
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
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
    const argv = this.argv;
    this.argv = [];
    return argv;
  }

  private nextInline(): Arg[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
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
      argv[i] = this.makeArg(w, 0, w.length);
    }
    return argv;
  }

  /** Parses `*<n>\r\n`; null when the line is not complete yet. */
  private readMultibulkHeader(): number | null {
    const lineEnd = this.findLineEnd('Protocol error: too big mbulk count string');
    if (lineEnd < 0) return null;
    const n = parseStrictInt(this.buf, this.pos + 1, lineEnd);
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
    const lineEnd = this.findLineEnd('Protocol error: too big bulk count string');
    if (lineEnd < 0) return false;
    const first = buf[this.pos] as number;
    if (first !== 0x24 /* $ */) {
      throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(first)}'`);
    }
    const len = parseStrictInt(buf, this.pos + 1, lineEnd);
    if (len === null || len < 0 || len > this.maxBulkLen) {
      throw new ProtocolError('Protocol error: invalid bulk length');
    }
    if (len > 16384 && this.authRequired) throw new ProtocolError('Protocol error: unauthenticated bulk length');
    const dataStart = lineEnd + 2;
    const available = buf.length - dataStart;
    if (available >= len + 2) {
      this.argv.push(this.makeArg(buf, dataStart, dataStart + len));
      this.pos = dataStart + len + 2;
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
      this.pos = 0;
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
   * Index of the CR ending the length line that starts at pos, or -1 when the line (and the LF
   * after the CR) has not fully arrived. Like Redis, only the CR is looked for; the byte after
   * it is assumed to be LF.
   */
  private findLineEnd(tooBigMessage: string): number {
    const buf = this.buf;
    const cr = buf.indexOf(CR, this.pos);
    if (cr < 0 || cr + 1 >= buf.length) {
      if (buf.length - this.pos > this.maxInlineLen) throw new ProtocolError(tooBigMessage);
      return -1;
    }
    return cr;
  }
}

/** A request parser producing Buffer arguments (views into the received bytes). */
export class RequestParser extends GenericRequestParser<Buffer> {
  constructor(limits: ParserLimits = {}) {
    super(bufferArg, limits);
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
