/**
 * RESP reply encoder that appends every reply of one event-loop turn into one output buffer.
 *
 * A connection executes all complete requests of a read chunk, then writes everything it has to
 * say with a single socket write (DESIGN.md decision 7). ReplyWriter is that accumulator: typed
 * append methods for each RESP2/RESP3 reply type, writing straight into a growing scratch buffer
 * without building intermediate strings or arrays. `take()` hands the bytes out and resets.
 *
 * Strings are byte strings (one char per byte, latin1), the representation storage uses, so a
 * stored value is copied into the output with one latin1 write. Buffers are copied as they are.
 *
 * The protocol version (2 or 3) is a property of the writer because a few reply types exist only
 * in RESP3 (null, map, set, double, boolean, verbatim, push); their RESP2 fallbacks are the ones
 * Redis uses: `$-1`/`*-1` for null, flat arrays for maps and sets, bulk strings for doubles,
 * integers for booleans.
 */
import './buffer-latin1';

const INITIAL_BYTES = 16 * 1024;
/** Replies above this are handed to the socket as their own chunk instead of being copied in. */
const LARGE_BULK_BYTES = 64 * 1024;
const CRLF = '\r\n';
/**
 * Strings up to this length are copied a char at a time in JavaScript: for the short values and
 * headers that make up most replies, that is cheaper than the call into native code that
 * Buffer.latin1Write costs (measured with redis-benchmark -P 16 GET/SET: bench/pinned-ab.sh).
 */
const SHORT_STRING = 48;
const DOLLAR = 0x24;
const STAR = 0x2a;
const COLON = 0x3a;
const CR = 0x0d;
const LF = 0x0a;

export type Bytes = string | Buffer;

/** The number of decimal digits of a safe non-negative integer. */
function decimalDigits(n: number): number {
  let digits = 1;
  for (let bound = 10; n >= bound && digits < 16; bound *= 10) digits++;
  return digits;
}

/** Writes the `digits` decimal digits of a safe non-negative integer at `at`, last digit first. */
function writeDecimal(buf: Buffer, at: number, n: number, digits: number): void {
  for (let i = at + digits - 1; i >= at; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 0x30 + (n - q * 10);
    n = q;
  }
}

export class ReplyWriter {
  /** RESP protocol version spoken on this connection. */
  resp: 2 | 3 = 2;
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;
  /** Completed chunks, in order, that precede `buf[0, len)`. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  /** Bytes appended since the last take(). */
  get pendingBytes(): number {
    return this.chunkBytes + this.len;
  }

  /** A position to rewind to (used by CLIENT REPLY OFF|SKIP to drop a reply). */
  mark(): number {
    return this.pendingBytes;
  }

  /** Drops everything appended after `mark`. */
  rewind(mark: number): void {
    if (mark >= this.chunkBytes) {
      this.len = mark - this.chunkBytes;
      return;
    }
    // Rare: the reply spilled into separate chunks. Flatten and cut.
    const all = this.take();
    this.appendBuffer(all.subarray(0, mark));
  }

  /** Drops everything appended so far (replies nobody reads: a replica's master link). */
  discard(): void {
    this.len = 0;
    this.chunks = [];
    this.chunkBytes = 0;
  }

  /** Removes and returns everything appended so far. */
  take(): Buffer {
    const tail = Buffer.allocUnsafe(this.len);
    this.buf.copy(tail, 0, 0, this.len);
    this.len = 0;
    // A burst of large replies should not pin a large scratch buffer to an idle connection.
    if (this.buf.length > 4 * INITIAL_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    if (this.chunks.length === 0) return tail;
    const all = Buffer.concat([...this.chunks, tail]);
    this.chunks = [];
    this.chunkBytes = 0;
    return all;
  }

  // ---------------------------------------------------------------------------------------------
  // RESP2 types

  /** +OK, the most frequent reply. */
  ok(): void {
    if (this.len + 5 > this.buf.length) this.grow(5);
    const buf = this.buf;
    const at = this.len;
    buf[at] = 0x2b;
    buf[at + 1] = 0x4f;
    buf[at + 2] = 0x4b;
    buf[at + 3] = CR;
    buf[at + 4] = LF;
    this.len = at + 5;
  }

  simple(text: string): void {
    this.ascii('+');
    this.latin1(text);
    this.ascii(CRLF);
  }

  /** An error reply; `text` is the whole message after the '-', e.g. "ERR syntax error". */
  error(text: string): void {
    this.ascii('-');
    // A newline inside an error would break the protocol; Redis turns them into spaces.
    this.latin1(/[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text);
    this.ascii(CRLF);
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) this.counted(COLON, n);
    else this.ascii(':' + String(n) + CRLF);
  }

  bulk(value: Bytes): void {
    const n = value.length;
    this.counted(DOLLAR, n);
    if (n >= LARGE_BULK_BYTES) {
      this.spill(typeof value === 'string' ? Buffer.from(value, 'latin1') : value);
    } else if (typeof value === 'string') {
      this.latin1(value);
    } else {
      this.appendBuffer(value);
    }
    this.crlf();
  }

  /**
   * A stream ID, "<ms>-<seq>", as a bulk string, from its two halves (safe non-negative
   * integers), written digit by digit: the text made by a template is a rope of three parts,
   * which the copy below would first have to flatten through the runtime.
   */
  bulkStreamId(ms: number, seq: number): void {
    const msDigits = decimalDigits(ms);
    const seqDigits = decimalDigits(seq);
    this.counted(DOLLAR, msDigits + 1 + seqDigits);
    if (this.len + msDigits + seqDigits + 3 > this.buf.length) this.grow(msDigits + seqDigits + 3);
    const buf = this.buf;
    let at = this.len;
    writeDecimal(buf, at, ms, msDigits);
    at += msDigits;
    buf[at++] = 0x2d;
    writeDecimal(buf, at, seq, seqDigits);
    at += seqDigits;
    buf[at++] = CR;
    buf[at++] = LF;
    this.len = at;
  }

  /** A bulk string holding the decimal form of a number (e.g. INCRBYFLOAT in RESP2). */
  bulkNumber(n: number | bigint): void {
    this.bulk(String(n));
  }

  /** The null bulk string ($-1 in RESP2, _ in RESP3). */
  nullBulk(): void {
    this.ascii(this.resp === 3 ? '_\r\n' : '$-1\r\n');
  }

  /** The null array (*-1 in RESP2, _ in RESP3). */
  nullArray(): void {
    this.ascii(this.resp === 3 ? '_\r\n' : '*-1\r\n');
  }

  array(count: number): void {
    this.counted(STAR, count);
  }

  /** An array of bulk strings. */
  bulkArray(values: readonly Bytes[]): void {
    this.array(values.length);
    for (const v of values) this.bulk(v);
  }

  // ---------------------------------------------------------------------------------------------
  // RESP3 types, with Redis's RESP2 fallbacks

  /** A map of `count` key/value pairs (RESP2: a flat array of 2*count). */
  map(count: number): void {
    this.ascii(this.resp === 3 ? '%' + count + CRLF : '*' + count * 2 + CRLF);
  }

  /** A set of `count` members (RESP2: an array). */
  set(count: number): void {
    this.ascii(this.resp === 3 ? '~' + count + CRLF : '*' + count + CRLF);
  }

  /** A push message of `count` items (RESP2: an array). */
  push(count: number): void {
    this.ascii(this.resp === 3 ? '>' + count + CRLF : '*' + count + CRLF);
  }

  /** A double, already formatted the way Redis prints it (RESP2: a bulk string). */
  double(formatted: string): void {
    if (this.resp === 3) this.ascii(',' + formatted + CRLF);
    else this.bulk(formatted);
  }

  boolean(value: boolean): void {
    if (this.resp === 3) this.ascii(value ? '#t\r\n' : '#f\r\n');
    else this.ascii(value ? ':1\r\n' : ':0\r\n');
  }

  /** The RESP3 null, which RESP2 writes as a null bulk string. */
  null(): void {
    this.nullBulk();
  }

  /** A verbatim string with a 3-letter format such as "txt" (RESP2: a bulk string). */
  verbatim(text: Bytes, format = 'txt'): void {
    if (this.resp !== 3) {
      this.bulk(text);
      return;
    }
    this.ascii('=' + (text.length + 4) + CRLF + format + ':');
    if (typeof text === 'string') this.latin1(text);
    else this.appendBuffer(text);
    this.ascii(CRLF);
  }

  /** Bytes already encoded as RESP, appended as they are. */
  raw(encoded: Bytes): void {
    if (typeof encoded === 'string') this.latin1(encoded);
    else this.appendBuffer(encoded);
  }

  // ---------------------------------------------------------------------------------------------
  // Buffer management

  private ascii(text: string): void {
    this.latin1(text);
  }

  private latin1(text: string): void {
    const n = text.length;
    if (this.len + n > this.buf.length) this.grow(n);
    if (n > SHORT_STRING) {
      this.len += this.buf.latin1Write(text, this.len);
      return;
    }
    // A char above 0xff keeps its low byte, as a latin1 write does.
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.len = at;
  }

  /** `prefix`, a safe integer in decimal, CRLF: the header of bulks, arrays, and integers. */
  private counted(prefix: number, n: number): void {
    if (this.len + 24 > this.buf.length) this.grow(24);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = prefix;
    if (n < 0) {
      buf[at++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      buf[at++] = 0x30 + n;
    } else if (n <= 0x7fffffff) {
      // Most counts and integers fit 31 bits, where `/ 10 | 0` is integer division (a multiply
      // and a shift once optimised): count the digits, then write them from the last.
      let digits = 2;
      for (let m = (n / 100) | 0; m > 0; m = (m / 10) | 0) digits++;
      at += digits;
      for (let i = at - 1; n > 0; i--) {
        const q = (n / 10) | 0;
        buf[i] = 0x30 + (n - q * 10);
        n = q;
      }
    } else {
      const digits = decimalDigits(n);
      writeDecimal(buf, at, n, digits);
      at += digits;
    }
    buf[at++] = CR;
    buf[at++] = LF;
    this.len = at;
  }

  private crlf(): void {
    if (this.len + 2 > this.buf.length) this.grow(2);
    this.buf[this.len++] = CR;
    this.buf[this.len++] = LF;
  }

  private appendBuffer(bytes: Buffer): void {
    const n = bytes.length;
    if (this.len + n > this.buf.length) this.grow(n);
    bytes.copy(this.buf, this.len);
    this.len += n;
  }

  /** Hands a large value to the chunk list so it is not copied into the scratch buffer. */
  private spill(bytes: Buffer): void {
    if (this.len > 0) {
      const head = Buffer.allocUnsafe(this.len);
      this.buf.copy(head, 0, 0, this.len);
      this.chunks.push(head);
      this.chunkBytes += this.len;
      this.len = 0;
    }
    this.chunks.push(bytes);
    this.chunkBytes += bytes.length;
  }

  private grow(extra: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}
