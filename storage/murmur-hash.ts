/**
 * MurmurHash64A (Austin Appleby's 64-bit MurmurHash2), the hash HyperLogLog feeds its elements
 * through (hyperloglog.ts), computed over 32-bit halves.
 *
 * The same element must land in the same register with the same run of zeros as in Redis, or a
 * sketch built here would have different bytes from redis-server's. So this is the exact
 * function: the multiplier m = 0xc6a4a7935bd1e995, the shift r = 47, the blocks read as
 * little-endian 64-bit words, the tail folded in byte by byte, and the final avalanche
 * (h ^= h >> 47; h *= m; h ^= h >> 47).
 *
 * Why halves and not BigInt: a PFADD of thousands of elements runs a dozen 64-bit multiplies per
 * element, and BigInt arithmetic allocates on every operation. A 64-bit value is kept as
 * (hi, lo), two unsigned 32-bit numbers; a 64-bit product modulo 2^64 is the full 64-bit
 * product of the low words plus the two cross products shifted up by 32 bits:
 *
 *   (ah·2^32 + al) · (bh·2^32 + bl)  mod 2^64  =  al·bl  +  ((ah·bl + al·bh) mod 2^32) · 2^32
 *
 * al·bl needs all 64 bits, which doubles cannot hold exactly, so it is assembled from 16-bit
 * pieces (mulHigh32). Math.imul gives the low 32 bits of the cross products.
 */
import type { ByteString } from './bytes';

/** A 64-bit hash as two unsigned 32-bit halves. */
export interface Hash64 {
  hi: number;
  lo: number;
}

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** The high 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  // The carry out of bits 16..31: the middle column summed (each term below 2^16, no overflow).
  const middle = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16)) >>> 0;
}

/** MurmurHash64A of the bytes of `data` with `seed` (a 32-bit seed, as Redis passes). */
export function murmurHash64A(data: ByteString, seed: number, out: Hash64): Hash64 {
  const length = data.length;
  // h = seed ^ (length * m); length < 2^32, so length has no high word.
  let hHi = (Math.imul(length, M_HI) + mulHigh32(length, M_LO)) >>> 0;
  let hLo = (Math.imul(length, M_LO) ^ seed) >>> 0;
  const blocksEnd = length - (length & 7);
  for (let i = 0; i < blocksEnd; i += 8) {
    let kLo =
      (data.charCodeAt(i) | (data.charCodeAt(i + 1) << 8) | (data.charCodeAt(i + 2) << 16) | (data.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi =
      (data.charCodeAt(i + 4) | (data.charCodeAt(i + 5) << 8) | (data.charCodeAt(i + 6) << 16) | (data.charCodeAt(i + 7) << 24)) >>> 0;
    // k *= m
    let hi = (Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI) + mulHigh32(kLo, M_LO)) >>> 0;
    let lo = Math.imul(kLo, M_LO) >>> 0;
    // k ^= k >> 47: only the top 17 bits move, into the low word.
    lo = (lo ^ (hi >>> 15)) >>> 0;
    // k *= m
    kHi = (Math.imul(hi, M_LO) + Math.imul(lo, M_HI) + mulHigh32(lo, M_LO)) >>> 0;
    kLo = Math.imul(lo, M_LO) >>> 0;
    // h ^= k; h *= m
    hi = (hHi ^ kHi) >>> 0;
    lo = (hLo ^ kLo) >>> 0;
    hHi = (Math.imul(hi, M_LO) + Math.imul(lo, M_HI) + mulHigh32(lo, M_LO)) >>> 0;
    hLo = Math.imul(lo, M_LO) >>> 0;
  }
  const tail = length & 7;
  if (tail !== 0) {
    // The tail bytes are XORed in at their little-endian positions (byte j at bit 8·j).
    for (let j = tail - 1; j >= 0; j--) {
      const byte = data.charCodeAt(blocksEnd + j);
      if (j >= 4) hHi = (hHi ^ (byte << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (byte << (8 * j))) >>> 0;
    }
    const hi = hHi;
    const lo = hLo;
    hHi = (Math.imul(hi, M_LO) + Math.imul(lo, M_HI) + mulHigh32(lo, M_LO)) >>> 0;
    hLo = Math.imul(lo, M_LO) >>> 0;
  }
  // The avalanche: h ^= h >> 47; h *= m; h ^= h >> 47.
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  const hi = hHi;
  const lo = hLo;
  hHi = (Math.imul(hi, M_LO) + Math.imul(lo, M_HI) + mulHigh32(lo, M_LO)) >>> 0;
  hLo = Math.imul(lo, M_LO) >>> 0;
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  out.hi = hHi;
  out.lo = hLo;
  return out;
}
