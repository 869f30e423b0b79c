/**
 * Modular arithmetic on native `bigint` for DSA: conversions, exponentiation, inversion, randomness.
 *
 * This is the one module that sign/verify/keygen use for arithmetic, so that it can be replaced by
 * a faster one (precomputed tables, multi-exponentiation) without touching them.
 *
 * Security: JavaScript `bigint` operations are not constant-time; timing depends on operand sizes
 * and values. `modPowRegular` keeps the *sequence* of multiplications independent of the exponent
 * (no skipped zero windows) and callers blind secret exponents, which removes the cheap, obvious
 * leaks, but this is not a constant-time implementation.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** Number of bits of a non-negative bigint (0 for 0). */
export function bitLength(n: bigint): number {
  if (n < 0n) throw new RangeError('bitLength: expected non-negative number');
  if (n === 0n) return 0;
  // toString(16) is far faster than a shift loop for big numbers.
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/** Big-endian unsigned bytes → bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!];
  return BigInt('0x' + hex);
}

/** bigint → big-endian unsigned bytes of exactly `length` bytes (throws if it does not fit). */
export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  if (n < 0n) throw new RangeError('bigIntToBytes: expected non-negative number');
  const hex = n.toString(16);
  if (hex.length > length * 2) throw new RangeError(`bigIntToBytes: number does not fit in ${length} bytes`);
  // Hex digits straight from char codes, right-aligned: parseInt(substr) per byte is slower, and every
  // signature makes four 20–32-byte conversions.
  const out = new Uint8Array(length);
  for (let i = hex.length - 1, o = length - 1; i >= 0; i -= 2, o--) {
    const lo = hexValue(hex.charCodeAt(i));
    out[o] = i > 0 ? (hexValue(hex.charCodeAt(i - 1)) << 4) | lo : lo;
  }
  return out;
}

/** Value of a lowercase hex digit's char code ('0'–'9', 'a'–'f'), as produced by toString(16). */
function hexValue(c: number): number {
  return c < 58 ? c - 48 : c - 87;
}

/** Minimal big-endian unsigned bytes (at least one byte). */
export function bigIntToMinimalBytes(n: bigint): Uint8Array {
  return bigIntToBytes(n, Math.max(1, Math.ceil(bitLength(n) / 8)));
}

const HEX: string[] = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** a mod m in [0, m). */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * base^exp mod m by a sliding window (variable time; for public exponents).
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  if (exp < 0n) throw new RangeError('modPow: negative exponent');
  base = mod(base, m);
  if (exp === 0n) return 1n;
  const bits = bitLength(exp);
  const w = bits > 512 ? 6 : bits > 160 ? 5 : bits > 48 ? 4 : 2;
  // Odd powers base^1, base^3, …, base^(2^w - 1).
  const half = 1 << (w - 1);
  const odd: bigint[] = new Array(half);
  odd[0] = base;
  const b2 = (base * base) % m;
  for (let i = 1; i < half; i++) odd[i] = (odd[i - 1]! * b2) % m;
  const s = exp.toString(2);
  let r = 1n;
  let started = false;
  let i = 0;
  while (i < s.length) {
    if (s[i] === '0') {
      if (started) r = (r * r) % m;
      i++;
      continue;
    }
    // Longest window ≤ w bits ending in a 1.
    let j = Math.min(i + w, s.length);
    while (s[j - 1] === '0') j--;
    const val = parseInt(s.slice(i, j), 2);
    if (started) for (let t = i; t < j; t++) r = (r * r) % m;
    r = started ? (r * odd[(val - 1) >> 1]!) % m : odd[(val - 1) >> 1]!;
    started = true;
    i = j;
  }
  return r;
}

/**
 * base^exp mod m with a fixed 4-bit window whose sequence of squarings and multiplications depends
 * only on `bits` (the caller's fixed exponent length), never on the exponent's digits: every window
 * multiplies, including zero windows (by table[0] = 1). For secret exponents; callers also blind them.
 */
export function modPowRegular(base: bigint, exp: bigint, m: bigint, bits: number): bigint {
  if (exp < 0n || bitLength(exp) > bits) throw new RangeError('modPowRegular: exponent out of range');
  const w = 4;
  const table: bigint[] = new Array(16);
  table[0] = 1n;
  table[1] = mod(base, m);
  for (let i = 2; i < 16; i++) table[i] = (table[i - 1]! * table[1]!) % m;
  const windows = Math.ceil(bits / w);
  let r = 1n;
  for (let k = windows - 1; k >= 0; k--) {
    for (let t = 0; t < w; t++) r = (r * r) % m;
    r = (r * table[Number((exp >> BigInt(k * w)) & 15n)]!) % m;
  }
  return r;
}

/** floor(x / y) for integers |x|, |y| < 2^53 (y ≠ 0), corrected for the rounding of the float division. */
function floorDiv(x: number, y: number): number {
  if (y < 0) {
    x = -x;
    y = -y;
  }
  let q = Math.floor(x / y);
  const r = x - q * y; // exact: |q·y| ≤ |x| + |y| < 2^53
  if (r < 0) q--;
  else if (r >= y) q++;
  return q;
}

const TWO_53 = 0x20000000000000n;

/**
 * Modular inverse of a mod m (m > 1, gcd(a, m) = 1), by Lehmer's extended Euclidean algorithm.
 *
 * Why: a bigint Euclid step (division, multiplication, two subtractions) costs the same whatever the
 * size of the quotient, and a 160–256-bit inverse takes ~90–150 of them. Lehmer runs the Euclid steps
 * on the top 52 bits of the operands in float64 arithmetic (exact below 2^53) with Collins'
 * two-quotient test, and applies the collected 2×2 cofactor matrix to the bigints once per ~25 bits of
 * progress, which makes the inverse several times faster (bench/README.md). Cost: ~40 more lines. Only the cofactor of `a` is tracked. Variable time, like
 * every bigint operation here; callers blind secret inputs.
 */
export function modInv(a: bigint, m: bigint): bigint {
  let u = m;
  let v = mod(a, m);
  if (v === 0n) throw new RangeError('modInv: expected non-zero number');
  // Invariant: t0·a ≡ u and t1·a ≡ v (mod m).
  let t0 = 0n;
  let t1 = 1n;
  while (v >= TWO_53) {
    const shift = BigInt(Math.max(0, bitLength(u) - 52));
    let uh = Number(u >> shift);
    let vh = Number(v >> shift);
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    // Single-precision steps while the quotient of the top bits is certainly the true quotient.
    for (;;) {
      if (vh + C === 0 || vh + D === 0) break;
      const q1 = floorDiv(uh + A, vh + C);
      if (q1 !== floorDiv(uh + B, vh + D)) break;
      let t = A - q1 * C;
      A = C;
      C = t;
      t = B - q1 * D;
      B = D;
      D = t;
      t = uh - q1 * vh;
      uh = vh;
      vh = t;
    }
    if (B === 0) {
      // No single-precision progress (a large quotient): one full bigint step.
      const q = u / v;
      let t = u - q * v;
      u = v;
      v = t;
      t = t0 - q * t1;
      t0 = t1;
      t1 = t;
    } else {
      const bA = BigInt(A);
      const bB = BigInt(B);
      const bC = BigInt(C);
      const bD = BigInt(D);
      let t = bA * u + bB * v;
      v = bC * u + bD * v;
      u = t;
      t = bA * t0 + bB * t1;
      t1 = bC * t0 + bD * t1;
      t0 = t;
    }
  }
  if (u >= TWO_53 && v !== 0n) {
    const q = u / v;
    let t = u - q * v;
    u = v;
    v = t;
    t = t0 - q * t1;
    t0 = t1;
    t1 = t;
  }
  if (u >= TWO_53) throw new RangeError('modInv: number is not invertible'); // v = 0, gcd = u > 1
  // Both below 2^53: finish in float64, tracking the cofactor matrix (entries stay below 2^53).
  let uh = Number(u);
  let vh = Number(v);
  let A = 1;
  let B = 0;
  let C = 0;
  let D = 1;
  while (vh !== 0) {
    const q = floorDiv(uh, vh);
    let t = uh - q * vh;
    uh = vh;
    vh = t;
    t = A - q * C;
    A = C;
    C = t;
    t = B - q * D;
    B = D;
    D = t;
  }
  if (uh !== 1) throw new RangeError('modInv: number is not invertible');
  return mod(BigInt(A) * t0 + BigInt(B) * t1, m);
}

// Pool for small requests. Why: in Node each crypto.getRandomValues call has a fixed cost whatever its
// size (argument checks, a native call), a visible part of a 1024-bit signature; taking 48 bytes from a
// 4 KiB pool costs a small fraction of it. Cost: up to 4 KiB of future random bytes held in memory; every byte is
// handed out once and zeroed in the pool when taken. The bytes still come only from getRandomValues.
const POOL_SIZE = 4096;
let pool: Uint8Array | undefined;
let poolPos = POOL_SIZE;

function getRandomValues(): (a: Uint8Array) => Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new WitkeyError('RANDOM_UNAVAILABLE', 'crypto.getRandomValues is not available in this runtime');
  }
  return (a) => c.getRandomValues!(a);
}

/** Cryptographically secure random bytes from `crypto.getRandomValues` (Web Crypto's RNG only). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (length <= 256) {
    if (!pool) pool = new Uint8Array(POOL_SIZE);
    if (poolPos + length > POOL_SIZE) {
      getRandomValues()(pool);
      poolPos = 0;
    }
    const taken = pool.subarray(poolPos, poolPos + length);
    out.set(taken);
    taken.fill(0);
    poolPos += length;
    return out;
  }
  const fill = getRandomValues();
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) fill(out.subarray(i, Math.min(length, i + 65536)));
  return out;
}

/** A uniformly random bigint of exactly `bits` random bits (0 ≤ n < 2^bits). */
export function randomBits(bits: number): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  const extra = bytes.length * 8 - bits;
  if (extra > 0) bytes[0]! &= 0xff >> extra;
  return bytesToBigInt(bytes);
}
