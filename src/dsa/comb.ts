/**
 * Fixed-base comb (Lim–Lee) tables for x^e mod p with a long-lived base x, and their evaluation:
 * regular (for the secret, blinded nonce of signing) and joint for two bases (for verification).
 *
 * Why: a modular multiplication `a*b % p` is the unit of cost, most of it in `%`, and Montgomery or
 * Barrett reduction on bigint is no faster (bench/README.md), so the lever is the number of
 * multiplications. A sliding window needs about 1.2 per exponent bit; a comb with
 * parameters (h, v, b) needs b − 1 squarings and b·v multiplications for an exponent of up to
 * h·v·b bits, against v·(2^h − 1) precomputed entries (e.g. 160 bits in 2 + 15 multiplications with
 * 3 × 2048 entries). Two combs with the same b share their squarings.
 *
 * Layout: the exponent is cut into h rows of a = v·b bits; each row into v blocks of b bits. Table
 * j holds, for every h-bit index u, Π_i x^(u_i · 2^(i·a + j·b)); column k of the comb picks bit k of
 * every block j in every row i. Entry 0 of every table is 1.
 *
 * Security: `combPowRegular` performs the same sequence of squarings and multiplications for every
 * exponent of the table's size (zero columns multiply by the entry 1); the caller blinds the
 * exponent. Bigint arithmetic itself is not constant-time, and table lookups by secret index are
 * visible to a cache-timing attacker on the same machine; the blinding changes the indices on
 * every signature. `combPow2` skips zero columns and is for public exponents only.
 * @module
 */

/** Comb shape: h bits per index, v tables, b columns (b − 1 squarings). Covers h·v·b exponent bits. */
export interface CombShape {
  readonly h: number;
  readonly v: number;
  readonly b: number;
}

/** A built comb: its shape, the bits it covers and its v tables of 2^h entries. */
export interface Comb extends CombShape {
  /** Row length v·b. */
  readonly a: number;
  /** Exponent bits covered, h·a. */
  readonly bits: number;
  readonly tables: readonly (readonly bigint[])[];
}

/** Approximate V8 heap bytes per table entry: a bigint of L bits (16-byte header + digits) and its array slot. */
export function bytesPerEntry(L: number): number {
  return 16 + Math.ceil(L / 64) * 8 + 8;
}

/** Modular multiplications (squarings included) to evaluate `bases` combs of this shape jointly. */
export function combOps(s: CombShape, bases: number): number {
  return s.b - 1 + bases * s.b * s.v;
}

/** Table entries of one comb of this shape. */
export function combEntries(s: CombShape): number {
  return s.v * (1 << s.h);
}

/**
 * The comb shape for `bases` combs over `bits`-bit exponents modulo an L-bit p that needs the fewest
 * multiplications within `budget` bytes in all. Each extra 16384 entries (the build cost of about
 * 16384 multiplications, and the memory) must save at least one multiplication per use, so the
 * choice does not chase the last per cent with a table twice as large (the exchange rate and what it
 * gives per size: bench/README.md).
 */
export function chooseShape(bits: number, bases: number, L: number, budget: number, per = bytesPerEntry(L)): CombShape {
  let best: CombShape | undefined;
  let bestScore = Infinity;
  for (let h = 1; h <= 14; h++) {
    const a0 = Math.ceil(bits / h);
    for (let b0 = 1; b0 <= a0; b0++) {
      const v = Math.ceil(a0 / b0);
      const b = Math.ceil(a0 / v);
      const s = { h, v, b };
      const entries = bases * combEntries(s);
      if (entries * per > budget) continue;
      const score = combOps(s, bases) + entries / 16384;
      if (score < bestScore) {
        bestScore = score;
        best = s;
      }
    }
  }
  /* c8 ignore next */
  if (!best) throw new RangeError('chooseShape: budget too small');
  return best;
}

/**
 * Builds the comb tables of x for exponents of up to h·v·b bits. Cost: about h·v·b squarings (the
 * powers x^(2^t)) plus one multiplication per entry.
 */
export function buildComb(x: bigint, p: bigint, shape: CombShape): Comb {
  const { h, v, b } = shape;
  const a = v * b;
  const size = 1 << h;
  // x^(2^(i·a + j·b)) for every row i and block j, by repeated squaring.
  const pow: bigint[] = new Array(h * v);
  let cur = x % p;
  for (let t = 0; t < h * a; t++) {
    if (t % b === 0) pow[t / b] = cur; // t = i·a + j·b ⇔ t/b = i·v + j
    if (t + 1 < h * a) cur = (cur * cur) % p;
  }
  const tables: bigint[][] = [];
  for (let j = 0; j < v; j++) {
    const T: bigint[] = new Array(size);
    T[0] = 1n;
    for (let i = 0; i < h; i++) T[1 << i] = pow[i * v + j]!;
    for (let u = 3; u < size; u++) {
      const low = u & -u;
      if (low === u) continue;
      T[u] = (T[u - low]! * T[low]!) % p;
    }
    tables.push(T);
  }
  return { h, v, b, a, bits: h * a, tables };
}

/** Bits of e, least significant first, as 0/1 bytes; length `bits` (e must fit). */
export function bitsOf(e: bigint, bits: number): Uint8Array {
  // From the hexadecimal digits, four bits per char code: faster than toString(2) and a char per bit.
  const h = e.toString(16);
  const n = h.length;
  const top = n * 4 - 4 + (32 - Math.clz32(hexDigit(h.charCodeAt(0))));
  if (e > 0n && top > bits) throw new RangeError('comb: exponent too large for the table');
  const out = new Uint8Array(Math.max(bits, n * 4));
  for (let i = 0, t = (n - 1) * 4; i < n; i++, t -= 4) {
    const d = hexDigit(h.charCodeAt(i));
    out[t] = d & 1;
    out[t + 1] = (d >> 1) & 1;
    out[t + 2] = (d >> 2) & 1;
    out[t + 3] = d >> 3;
  }
  return out.length === bits ? out : out.subarray(0, bits);
}

/** Value of a lowercase hex digit's char code. */
const hexDigit = (c: number): number => (c < 58 ? c - 48 : c - 87);

/** Index of column k of block j: bit (i·a + j·b + k) of e for rows i = h−1 … 0. */
export function index(c: CombShape & { readonly a: number }, e: Uint8Array, j: number, k: number): number {
  let u = 0;
  for (let i = c.h - 1, t = i * c.a + j * c.b + k; i >= 0; i--, t -= c.a) u = (u << 1) | e[t]!;
  return u;
}

/**
 * x^e mod p from x's comb, with a fixed sequence of b − 1 squarings and b·v multiplications for any
 * e below 2^bits (a zero index multiplies by the entry 1). For the blinded signing nonce.
 */
export function combPowRegular(c: Comb, e: bigint, p: bigint): bigint {
  const bits = bitsOf(e, c.bits);
  let r = 1n;
  for (let k = c.b - 1; k >= 0; k--) {
    if (k !== c.b - 1) r = (r * r) % p;
    for (let j = c.v - 1; j >= 0; j--) r = (r * c.tables[j]![index(c, bits, j, k)]!) % p;
  }
  return r;
}

/**
 * x^e · y^f mod p from the combs of x and y (same b), sharing the b − 1 squarings; zero columns are
 * skipped. Variable time: public exponents only.
 */
export function combPow2(cx: Comb, e: bigint, cy: Comb, f: bigint, p: bigint): bigint {
  if (cx.b !== cy.b) throw new RangeError('combPow2: combs must have the same number of columns');
  const be = bitsOf(e, cx.bits);
  const bf = bitsOf(f, cy.bits);
  let r = 1n;
  let started = false;
  for (let k = cx.b - 1; k >= 0; k--) {
    if (started) r = (r * r) % p;
    for (let j = cx.v - 1; j >= 0; j--) {
      const u = index(cx, be, j, k);
      if (u) {
        r = started ? (r * cx.tables[j]![u]!) % p : cx.tables[j]![u]!;
        started = true;
      }
    }
    for (let j = cy.v - 1; j >= 0; j--) {
      const u = index(cy, bf, j, k);
      if (u) {
        r = started ? (r * cy.tables[j]![u]!) % p : cy.tables[j]![u]!;
        started = true;
      }
    }
  }
  return r;
}
