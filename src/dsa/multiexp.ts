/**
 * Table-free joint exponentiation g^a · y^b mod p (Straus/Shamir with interleaved sliding windows),
 * for DSA verification with a key that has no precomputed tables yet.
 *
 * Why: computing g^u1 and y^u2 separately costs two chains of N squarings; interleaving them shares
 * one chain of squarings, so an N-bit pair costs about N squarings + 2·(N/(w+1) + 2^(w−1))
 * multiplications instead of 2N + … — about 240 instead of 400 modular multiplications at N = 160,
 * about 375 instead of 620 at N = 256. Cost: two small odd-power tables (2^(w−1) entries each),
 * built per call.
 *
 * Variable time (zero bits are skipped): for public exponents only, which is what verification has.
 * Not the place for anything secret; signing uses `modPowRegular` or a comb with every column.
 * @module
 */
import { mod } from './arith.js';

/** Odd powers x, x^3, …, x^(2^w − 1) mod p. */
function oddPowers(x: bigint, w: number, p: bigint): bigint[] {
  const half = 1 << (w - 1);
  const out: bigint[] = new Array(half);
  out[0] = x;
  if (half > 1) {
    const x2 = (x * x) % p;
    for (let i = 1; i < half; i++) out[i] = (out[i - 1]! * x2) % p;
  }
  return out;
}

/**
 * Sliding-window digits of e, least significant first: digits[i] is an odd value < 2^w placed at bit
 * i, or 0. Windows start at a set bit and take the next w bits, so every digit is odd.
 */
export function slidingDigits(e: bigint, w: number): Uint8Array | Uint16Array {
  const s = e.toString(2);
  const n = s.length;
  const digits = w <= 8 ? new Uint8Array(n) : new Uint16Array(n);
  let i = 0;
  while (i < n) {
    if (s.charCodeAt(n - 1 - i) === 48) {
      i++;
      continue;
    }
    // Bits i .. i+w−1 (those above the top bit read as 0).
    let d = 0;
    const top = Math.min(i + w, n) - 1;
    for (let t = top; t >= i; t--) d = (d << 1) | (s.charCodeAt(n - 1 - t) - 48);
    digits[i] = d;
    i += w;
  }
  return digits;
}

/** Window width for an exponent of `bits` bits (two bases): balances 2^(w−1) table entries against bits/(w+1) multiplications. */
export function windowFor(bits: number): number {
  return bits > 200 ? 5 : bits > 64 ? 4 : bits > 16 ? 3 : 1;
}

/**
 * g^a · y^b mod p for non-negative public exponents a and b, sharing one chain of squarings.
 * Variable time.
 */
export function modPow2(g: bigint, a: bigint, y: bigint, b: bigint, p: bigint): bigint {
  if (a < 0n || b < 0n) throw new RangeError('modPow2: negative exponent');
  if (p === 1n) return 0n;
  const w = windowFor(Math.max(a.toString(2).length, b.toString(2).length));
  const da = a === 0n ? new Uint8Array(0) : slidingDigits(a, w);
  const db = b === 0n ? new Uint8Array(0) : slidingDigits(b, w);
  const tg = da.length ? oddPowers(mod(g, p), w, p) : [];
  const ty = db.length ? oddPowers(mod(y, p), w, p) : [];
  let r = 1n;
  let started = false;
  for (let i = Math.max(da.length, db.length) - 1; i >= 0; i--) {
    if (started) r = (r * r) % p;
    const x = da[i] ?? 0;
    if (x) {
      r = started ? (r * tg[x >> 1]!) % p : tg[x >> 1]!;
      started = true;
    }
    const z = db[i] ?? 0;
    if (z) {
      r = started ? (r * ty[z >> 1]!) % p : ty[z >> 1]!;
      started = true;
    }
  }
  return r;
}
