/*
 * Inputs for the request-parser micro-benchmark: what a server's socket actually hands it.
 *
 * A workload is a list of chunks (the reads of one pass) plus the argv each request in them must
 * parse to. A pass feeds every chunk; the figure is requests parsed per second.
 *
 *   pipeline, aligned   one read of <= 16 KiB holding whole requests (a pipelining client whose
 *                       batch fits a read: the common fast case)
 *   1 MiB bulk          SET with a 1 MiB value arriving as 64 KiB reads (a big value trickling in)
 *   pipeline, split     the same bytes as an aligned pipeline, cut into reads of ~1 KiB whose
 *                       boundaries fall inside length lines: right after '$' or '*', between two
 *                       digits, or between the CR and the LF. That is where a parser must keep
 *                       partial state, and where a careless one rescans or concatenates.
 */

export interface Workload {
  name: string;
  chunks: Buffer[];
  /** The argv of every request in one pass, in order. */
  expected: Buffer[][];
  bytesPerPass: number;
}

const ALIGNED_CHUNK_BYTES = 16 * 1024;
const BIG_VALUE_BYTES = 1024 * 1024;
const BIG_VALUE_CHUNK_BYTES = 64 * 1024;
/** Split workloads cut at the first length line at least this far past the previous cut. */
const SPLIT_MIN_PIECE_BYTES = 1000;

interface Encoded {
  bytes: Buffer;
  /** Offsets of each '*' and '$' that starts a length line. */
  lengthLineStarts: number[];
}

/** Encodes requests as a client library would, remembering where each length line begins. */
function encodeRequests(requests: readonly Buffer[][]): Encoded {
  const parts: Buffer[] = [];
  const lengthLineStarts: number[] = [];
  let offset = 0;
  const push = (part: Buffer, startsLengthLine: boolean): void => {
    if (startsLengthLine) lengthLineStarts.push(offset);
    parts.push(part);
    offset += part.length;
  };
  for (const argv of requests) {
    push(Buffer.from(`*${argv.length}\r\n`, 'latin1'), true);
    for (const arg of argv) {
      push(Buffer.from(`$${arg.length}\r\n`, 'latin1'), true);
      push(arg, false);
      push(Buffer.from('\r\n', 'latin1'), false);
    }
  }
  return { bytes: Buffer.concat(parts, offset), lengthLineStarts };
}

function requestSize(argv: readonly Buffer[]): number {
  let size = `*${argv.length}\r\n`.length;
  for (const arg of argv) size += `$${arg.length}\r\n`.length + arg.length + 2;
  return size;
}

function valueOf(index: number, bytes: number): Buffer {
  // Varying content, so that no parser could get away with returning a shared buffer.
  return Buffer.alloc(bytes, String.fromCharCode(0x61 + (index % 26)));
}

/** As many whole requests made by `make` as fit in one aligned chunk (at least one). */
function fillChunk(make: (index: number) => Buffer[]): Buffer[][] {
  const requests: Buffer[][] = [];
  let used = 0;
  for (let index = 0; ; index += 1) {
    const argv = make(index);
    const size = requestSize(argv);
    if (requests.length > 0 && used + size > ALIGNED_CHUNK_BYTES) return requests;
    requests.push(argv);
    used += size;
  }
}

function setRequest(valueBytes: number): (index: number) => Buffer[] {
  return (index) => [Buffer.from('SET'), Buffer.from(`key:${index}`), valueOf(index, valueBytes)];
}

function getRequest(index: number): Buffer[] {
  return [Buffer.from('GET'), Buffer.from(`key:${index}`)];
}

function aligned(name: string, requests: Buffer[][]): Workload {
  const { bytes } = encodeRequests(requests);
  return { name, chunks: [bytes], expected: requests, bytesPerPass: bytes.length };
}

/**
 * Cuts the encoding of `requests` inside length lines. The position inside the line rotates
 * through "after the type byte", "after the first digit" and "between CR and LF".
 */
function split(name: string, requests: Buffer[][]): Workload {
  const { bytes, lengthLineStarts } = encodeRequests(requests);
  const chunks: Buffer[] = [];
  let lastCut = 0;
  let rotation = 0;
  for (const lineStart of lengthLineStarts) {
    if (lineStart - lastCut < SPLIT_MIN_PIECE_BYTES) continue;
    const crAt = bytes.indexOf('\r', lineStart);
    const candidates = [lineStart + 1, Math.min(lineStart + 2, crAt), crAt + 1];
    const cut = candidates[rotation % candidates.length] ?? lineStart + 1;
    rotation += 1;
    chunks.push(bytes.subarray(lastCut, cut));
    lastCut = cut;
  }
  chunks.push(bytes.subarray(lastCut));
  return { name, chunks, expected: requests, bytesPerPass: bytes.length };
}

function bigValue(): Workload {
  const requests = [[Buffer.from('SET'), Buffer.from('big:1'), valueOf(7, BIG_VALUE_BYTES)]];
  const { bytes } = encodeRequests(requests);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += BIG_VALUE_CHUNK_BYTES) {
    chunks.push(bytes.subarray(offset, offset + BIG_VALUE_CHUNK_BYTES));
  }
  return { name: 'SET 1 MiB value, 64 KiB reads', chunks, expected: requests, bytesPerPass: bytes.length };
}

export function buildWorkloads(): Workload[] {
  const set3 = fillChunk(setRequest(3));
  const set100 = fillChunk(setRequest(100));
  const set4k = fillChunk(setRequest(4096));
  const get = fillChunk(getRequest);
  return [
    aligned('SET 3 B, 16 KiB read', set3),
    aligned('SET 100 B, 16 KiB read', set100),
    aligned('SET 4 KiB, 16 KiB read', set4k),
    aligned('GET, 16 KiB read', get),
    bigValue(),
    split('SET 3 B, split mid-line', set3),
    split('SET 100 B, split mid-line', set100),
    split('SET 4 KiB, split mid-line', set4k),
    split('GET, split mid-line', get),
  ];
}
