/**
 * The DSA exponentiations on either engine (mont.ts): the same algorithms as comb.ts (fixed-base
 * combs, regular and joint), multiexp.ts (joint sliding windows) and arith.ts (the regular 4-bit
 * ladder), run on WebAssembly Montgomery multiplication where the runtime allows it, else on bigint.
 * Callers (sign.ts, verify.ts, precompute.ts, domain-tables.ts, key.ts) go through the functions
 * here and never ask which engine runs; combs remember the engine they were built with.
 *
 * The WebAssembly versions perform the same sequence of multiplications as the bigint ones, so the
 * regularity promised for signing (the same squarings and multiplications for every exponent of
 * the table's size) holds on both; see mont.ts for what WebAssembly adds to it.
 * @module
 */
import { mod, modPowRegular } from './arith.js';
import { bitsOf, buildComb, type Comb, type CombShape, combPow2, combPowRegular, index } from './comb.js';
import { dsaEngine, LIST_MAX, MontSpace } from './mont.js';
import { modPow2, slidingDigits, windowFor } from './multiexp.js';

/** A comb whose tables are numbers of a MontSpace: table j, entry u at `at + (j·2^h + u)·size`. */
export interface WasmComb extends CombShape {
  readonly a: number;
  readonly bits: number;
  readonly space: MontSpace;
  readonly at: number;
  /** The accumulator of evaluations (shared by every comb of the space). */
  readonly acc: number;
}

/** A comb of either engine. */
export type AnyComb = Comb | WasmComb;

const isWasm = (c: AnyComb): c is WasmComb => 'space' in c;

/**
 * Builds the combs of every base in `xs` for one shape, in one space when on WebAssembly (so that
 * they can be evaluated jointly). Cost: per base, about h·v·b squarings plus one multiplication per
 * entry.
 */
export function buildCombs(xs: readonly bigint[], p: bigint, shape: CombShape): AnyComb[] {
  if (dsaEngine() === 'bigint') return xs.map((x) => buildComb(x, p, shape));
  const { h, v, b } = shape;
  const a = v * b;
  const size = 1 << h;
  const space = new MontSpace(p, xs.length * v * size + 2);
  const acc = space.alloc(1);
  const cur = space.alloc(1);
  return xs.map((x) => {
    const at = space.alloc(v * size);
    const entry = (j: number, u: number): number => at + (j * size + u) * space.size;
    space.set(cur, x);
    // x^(2^(i·a + j·b)) into entry (j, 2^i), by repeated squaring.
    for (let t = 0; t < h * a; t++) {
      if (t % b === 0) {
        const ij = t / b; // = i·v + j
        space.copy(entry(ij % v, 1 << Math.floor(ij / v)), cur);
      }
      if (t + 1 < h * a) space.mul(cur, cur, cur);
    }
    for (let j = 0; j < v; j++) {
      space.copy(entry(j, 0), space.one);
      for (let u = 3; u < size; u++) {
        const low = u & -u;
        if (low !== u) space.mul(entry(j, u), entry(j, u - low), entry(j, low));
      }
    }
    return { h, v, b, a, bits: h * a, space, at, acc };
  });
}

/**
 * x^e mod p from x's comb with a fixed sequence of b − 1 squarings and b·v multiplications for any
 * e below 2^bits (a zero index multiplies by the entry 1). For the blinded signing nonce.
 */
export function combRegular(c: AnyComb, e: bigint, p: bigint): bigint {
  if (!isWasm(c)) return combPowRegular(c, e, p);
  const bits = bitsOf(e, c.bits);
  const { space, acc } = c;
  const stride = space.size << c.h;
  let n = 0;
  for (let k = c.b - 1; k >= 0; k--) {
    if (k !== c.b - 1) OPS[n++] = acc;
    for (let j = c.v - 1; j >= 0; j--) OPS[n++] = c.at + j * stride + index(c, bits, j, k) * space.size;
  }
  space.copy(acc, space.one);
  space.chain(acc, OPS, n);
  return space.get(acc);
}

/** Scratch list of the addresses one exponentiation multiplies by (LIST_MAX of mont.ts). */
const OPS = /* @__PURE__ */ new Uint32Array(LIST_MAX);

/**
 * x^e · y^f mod p from the combs of x and y (built together by one buildCombs call), sharing the
 * b − 1 squarings; zero columns are skipped. Variable time: public exponents only.
 */
export function comb2(cx: AnyComb, e: bigint, cy: AnyComb, f: bigint, p: bigint): bigint {
  if (!isWasm(cx) || !isWasm(cy)) {
    if (isWasm(cx) || isWasm(cy)) throw new RangeError('comb2: combs of different engines');
    return combPow2(cx, e, cy, f, p);
  }
  if (cx.b !== cy.b || cx.space !== cy.space) throw new RangeError('comb2: combs must share their columns and space');
  const be = bitsOf(e, cx.bits);
  const bf = bitsOf(f, cy.bits);
  const { space, acc } = cx;
  const stride = space.size << cx.h;
  // The list of multiplications: squarings (acc) once something was multiplied in; the first entry
  // is copied into acc instead of multiplied.
  let first = -1;
  let n = 0;
  for (let k = cx.b - 1; k >= 0; k--) {
    if (first >= 0) OPS[n++] = acc;
    for (let side = 0; side < 2; side++) {
      const c = side ? cy : cx;
      const bits = side ? bf : be;
      for (let j = c.v - 1; j >= 0; j--) {
        const u = index(c, bits, j, k);
        if (!u) continue;
        const at = c.at + j * stride + u * space.size;
        if (first < 0) first = at;
        else OPS[n++] = at;
      }
    }
  }
  if (first < 0) return 1n;
  space.copy(acc, first);
  space.chain(acc, OPS, n);
  return space.get(acc);
}

/** Scratch spaces of the table-free exponentiations, by modulus (the most recent few). */
const scratch = new Map<bigint, { space: MontSpace; at: number }>();
const SCRATCH_SPACES = 4;
/** Numbers in a scratch space: two tables of 16 odd powers (window 5), a square and the accumulator. */
const SCRATCH_NUMBERS = 34;

function scratchFor(p: bigint): { space: MontSpace; at: number } {
  let s = scratch.get(p);
  if (s) scratch.delete(p);
  else {
    const space = new MontSpace(p, SCRATCH_NUMBERS);
    s = { space, at: space.alloc(SCRATCH_NUMBERS) };
  }
  scratch.set(p, s);
  if (scratch.size > SCRATCH_SPACES) scratch.delete(scratch.keys().next().value!);
  return s;
}

/**
 * base^exp mod p with a fixed 4-bit window over `bits` bits, as arith.ts's modPowRegular (same
 * sequence of operations whatever the exponent's digits). For secret exponents; callers blind them.
 */
export function powRegular(base: bigint, exp: bigint, p: bigint, bits: number): bigint {
  if (dsaEngine() === 'bigint') return modPowRegular(base, exp, p, bits);
  if (exp < 0n || exp.toString(2).length > bits) throw new RangeError('powRegular: exponent out of range');
  const { space, at } = scratchFor(p);
  const t = (i: number): number => at + i * space.size;
  const r = t(16);
  space.copy(t(0), space.one);
  space.set(t(1), mod(base, p));
  for (let i = 2; i < 16; i++) space.mul(t(i), t(i - 1), t(1));
  const hex = exp.toString(16);
  const windows = Math.ceil(bits / 4);
  space.copy(r, space.one);
  let n = 0;
  for (let k = windows - 1; k >= 0; k--) {
    OPS[n++] = r;
    OPS[n++] = r;
    OPS[n++] = r;
    OPS[n++] = r;
    const i = hex.length - 1 - k;
    OPS[n++] = t(i >= 0 ? parseInt(hex[i]!, 16) : 0);
  }
  space.chain(r, OPS, n);
  return space.get(r);
}

/**
 * g^a · y^b mod p for non-negative public exponents, sharing one chain of squarings (as
 * multiexp.ts's modPow2, on either engine). Variable time.
 */
export function pow2(g: bigint, a: bigint, y: bigint, b: bigint, p: bigint): bigint {
  if (dsaEngine() === 'bigint') return modPow2(g, a, y, b, p);
  if (a < 0n || b < 0n) throw new RangeError('pow2: negative exponent');
  const w = windowFor(Math.max(a.toString(2).length, b.toString(2).length));
  const half = 1 << (w - 1);
  const { space, at } = scratchFor(p);
  const t = (i: number): number => at + i * space.size;
  const sq = t(32);
  const r = t(33);
  // Odd powers of g at t(0 … half−1), of y at t(16 … 16 + half−1).
  const odd = (x: bigint, from: number): void => {
    space.set(t(from), x);
    if (half > 1) {
      space.mul(sq, t(from), t(from));
      for (let i = 1; i < half; i++) space.mul(t(from + i), t(from + i - 1), sq);
    }
  };
  const da = a === 0n ? new Uint8Array(0) : slidingDigits(a, w);
  const db = b === 0n ? new Uint8Array(0) : slidingDigits(b, w);
  if (da.length) odd(g, 0);
  if (db.length) odd(y, 16);
  // The list of multiplications (squarings: r), the first factor copied into r instead.
  let first = -1;
  let n = 0;
  const factor = (at: number): void => {
    if (first < 0) first = at;
    else OPS[n++] = at;
  };
  for (let i = Math.max(da.length, db.length) - 1; i >= 0; i--) {
    if (first >= 0) OPS[n++] = r;
    const x = da[i] ?? 0;
    if (x) factor(t(x >> 1));
    const z = db[i] ?? 0;
    if (z) factor(t(16 + (z >> 1)));
  }
  if (first < 0) return 1n;
  space.copy(r, first);
  space.chain(r, OPS, n);
  return space.get(r);
}
