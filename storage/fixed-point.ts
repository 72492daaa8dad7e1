/**
 * C's "%.Nf" for a double, digit for digit as glibc prints it: the exact binary value rounded to
 * N decimals, a tie (an exact ...5 at the first dropped digit) going to the even last digit.
 * JavaScript's toFixed rounds ties up and refuses more than 100 digits, so the decimal expansion
 * is computed here with BigInt: a double is m × 2^e, and for e < 0 its N-decimal value is
 * m × 10^N / 2^-e with the remainder deciding the rounding.
 *
 * Where Redis uses it: the "invalid longitude,latitude pair" error prints "%f" (6 decimals,
 * every integer digit of 1e300 included); GEOPOS prints "%.17Lf" of the double and trims
 * trailing zeros (humanFixed). GEODIST and WITHDIST look like "%.4f" but are not: Redis 7.0
 * prints distances with its own fixed-point routine (scaledFixed, below), which rounds a
 * different number and so, now and then, to a different last digit.
 */

const SCRATCH = new DataView(new ArrayBuffer(8));

/** [mantissa, exponent] with |x| = mantissa × 2^exponent, for a finite x. */
function decompose(x: number): [bigint, number] {
  SCRATCH.setFloat64(0, x);
  const hi = SCRATCH.getUint32(0);
  const lo = SCRATCH.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [fraction, -1074];
  return [fraction | (1n << 52n), biased - 1075];
}

/** printf("%.<decimals>f", x) as glibc formats it. */
export function formatFixed(x: number, decimals: number): string {
  if (Number.isNaN(x)) return Object.is(Math.sign(x), -0) ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const [mantissa, exponent] = decompose(Math.abs(x));
  const scale = 10n ** BigInt(decimals);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const divisor = 1n << BigInt(-exponent);
    const numerator = mantissa * scale;
    scaled = numerator / divisor;
    const twiceRemainder = (numerator % divisor) * 2n;
    if (twiceRemainder > divisor || (twiceRemainder === divisor && scaled % 2n === 1n)) scaled += 1n;
  }
  let digits = scaled.toString();
  if (decimals > 0) {
    digits = digits.padStart(decimals + 1, '0');
    digits = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Redis's "human" long double text: "%.17Lf", then trailing zeros and a bare point dropped. */
export function humanFixed(x: number): string {
  let text = formatFixed(x, 17);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

/**
 * Redis 7.0's fixed-point text of a distance (its fixedpoint_d2string): the double times 10^N,
 * computed in double arithmetic (10^N is exact), rounded to an integer as C's llrint rounds in
 * the default mode (to nearest, ties to even), then printed with N decimals. It differs from
 * "%.Nf" where the product lands on or within an ulp of a half: 5461283.90975 stored as
 * 5461283.909749999... prints ...9097 with "%.4f" but ...9098 here, since the product
 * 54612839097.5 is a tie that goes to the even ...98.
 */
export function scaledFixed(x: number, decimals: number): string {
  const scaled = x * 10 ** decimals;
  // Beyond 2^53 the product is an integer already; llrint's range is C's, far beyond distances.
  if (!Number.isFinite(scaled) || Math.abs(scaled) >= 2 ** 53) return formatFixed(x, decimals);
  const floor = Math.floor(scaled);
  const fraction = scaled - floor; // exact: both are doubles of the same binade or closer
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  const digits = String(Math.abs(rounded)).padStart(decimals + 1, '0');
  const text = decimals > 0 ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return rounded < 0 ? `-${text}` : text;
}
