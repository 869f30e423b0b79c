/**
 * Per-key precomputation: comb tables for g (signing; verification) and for a public key's y
 * (verification), built lazily once a key has been used enough to pay for them, or at once with
 * {@link precompute}. Held in a module WeakMap keyed by the (frozen) key object, so every use of one
 * key object shares them and they go away with the key.
 *
 * Lazy policy (ski rental): the first uses run the table-free path and count the multiplications a
 * table would have saved; once that saving reaches the build cost, the tables are built. A key used
 * a few times never pays for tables; a long-lived key pays at most twice the optimum.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { buildComb, chooseShape, combEntries, combOps, type Comb, type CombShape } from './comb.js';
import { isDsaPrivateKey, isDsaPublicKey, type DsaDomain, type DsaPrivateKey, type DsaPublicKey } from './key.js';

/**
 * Memory cap for one key's tables (bytes of V8 heap, estimated as entries × `bytesPerEntry(L)` of comb.ts).
 * The shapes it yields are listed in the TSDoc of {@link precompute}.
 */
const BUDGET = 8 * 1024 * 1024 * 0.95;

/** Bits of the blinding multiplier m in the signing exponent k + m·q. */
export const BLIND_BITS = 64;

/** Bits of a signing exponent k + m·q < 2^(N + BLIND_BITS + 1). */
export const signExponentBits = (N: number): number => N + BLIND_BITS + 1;

interface SignState {
  uses: number;
  comb?: Comb;
}
interface VerifyState {
  uses: number;
  g?: Comb;
  y?: Comb;
}

const signStates = new WeakMap<DsaPrivateKey, SignState>();
const verifyStates = new WeakMap<DsaPublicKey, VerifyState>();

const shapeCache = new Map<string, CombShape>();
function shapeFor(L: number, bits: number, bases: number): CombShape {
  const id = `${L}/${bits}/${bases}`;
  let s = shapeCache.get(id);
  if (!s) shapeCache.set(id, (s = chooseShape(bits, bases, L, BUDGET)));
  return s;
}

/** Comb shape of a private key's g table (one base, blinded N+65-bit exponents). */
export function signShape(d: DsaDomain): CombShape {
  return shapeFor(d.L, signExponentBits(d.N), 1);
}

/** Comb shape of each of a public key's two tables (g and y, N-bit exponents, evaluated jointly). */
export function verifyShape(d: DsaDomain): CombShape {
  return shapeFor(d.L, d.N, 2);
}

/** Uses after which building pays: build multiplications / multiplications saved per use. */
function threshold(buildOps: number, freeOps: number, tableOps: number): number {
  return Math.max(1, Math.ceil(buildOps / Math.max(1, freeOps - tableOps)));
}

function signThreshold(d: DsaDomain): number {
  const s = signShape(d);
  const n = signExponentBits(d.N);
  // Table-free: modPowRegular with 4-bit windows, n squarings + n/4 multiplications + 14.
  return threshold(s.h * s.v * s.b + combEntries(s), n + Math.ceil(n / 4) + 14, combOps(s, 1));
}

function verifyThreshold(d: DsaDomain): number {
  const s = verifyShape(d);
  const n = d.N;
  // Table-free: modPow2, n squarings + 2·(n/5 + 8) multiplications.
  return threshold(2 * (s.h * s.v * s.b + combEntries(s)), n + 2 * (Math.ceil(n / 5) + 8), combOps(s, 2));
}

/** @internal The g comb of a private key for signing, counting this use; undefined while the table-free path is cheaper. */
export function signComb(key: DsaPrivateKey): Comb | undefined {
  let st = signStates.get(key);
  if (!st) signStates.set(key, (st = { uses: 0 }));
  if (st.comb) return st.comb;
  if (++st.uses >= signThreshold(key.domain)) buildSign(key, st);
  return st.comb;
}

/** @internal The g and y combs of a public key for verification, counting this use. */
export function verifyCombs(key: DsaPublicKey): { g: Comb; y: Comb } | undefined {
  let st = verifyStates.get(key);
  if (!st) verifyStates.set(key, (st = { uses: 0 }));
  if (!st.g && ++st.uses >= verifyThreshold(key.domain)) buildVerify(key, st);
  return st.g && st.y ? { g: st.g, y: st.y } : undefined;
}

function buildSign(key: DsaPrivateKey, st: SignState): void {
  const { g, p } = key.domain;
  st.comb = buildComb(g, p, signShape(key.domain));
}

function buildVerify(key: DsaPublicKey, st: VerifyState): void {
  const { g, p } = key.domain;
  const shape = verifyShape(key.domain);
  st.g = buildComb(g, p, shape);
  st.y = buildComb(key.y, p, shape);
}

/**
 * Builds a key's precomputed tables now instead of after its first uses, so that even the first
 * `sign` (private key) or `verify` (public key) runs at full speed. Idempotent; the tables belong to
 * this key object (a module WeakMap) and are shared by every later use of it.
 *
 * A private key gets a comb for g over the blinded signing exponent; a public key gets combs for g
 * and y over N-bit exponents. To verify with a private key's public half, precompute
 * `key.publicKey` as well. Without this call a key builds the same tables by itself once it has been
 * used enough to pay for them, and that use takes the build time: after 179 / 54 / 55 / 34 signatures
 * (1024/160, 2048/224, 2048/256, 3072/256) or 101 / 46 / 78 / 53 verifications.
 *
 * Memory per key object (V8 heap retained, measured by bench/dsa.mjs; the estimate used to choose
 * the shape is within 1 %), build time, and modular multiplications per operation with the tables
 * (table-free in brackets), on a 2-core AMD EPYC with Node 20:
 *
 * | size     | private key: sign tables           | public key: verify tables (g and y)  |
 * |----------|------------------------------------|--------------------------------------|
 * | 1024/160 | 7.1 MiB, 60 ms, 20 (≈296) mults    | 3.0 MiB, 26 ms, 32 (≈240) mults      |
 * | 2048/224 | 4.9 MiB, 72 ms, 29 (≈376) mults    | 3.3 MiB, 49 ms, 48 (≈332) mults      |
 * | 2048/256 | 5.5 MiB, 82 ms, 32 (≈416) mults    | 6.6 MiB, 96 ms, 51 (≈375) mults      |
 * | 3072/256 | 4.8 MiB, 98 ms, 34 (≈416) mults    | 6.4 MiB, 129 ms, 53 (≈375) mults     |
 *
 * Never more than 8 MB per key object.
 * @throws WitkeyError `INVALID_KEY` if `key` is not a DSA key made by this library.
 * @example
 * const alipayKey = importPublicKey(pem);
 * precompute(alipayKey); // at start-up, not on the first notification
 */
export function precompute(key: DsaPublicKey | DsaPrivateKey): void {
  if (isDsaPrivateKey(key)) {
    let st = signStates.get(key);
    if (!st) signStates.set(key, (st = { uses: 0 }));
    if (!st.comb) buildSign(key, st);
  } else if (isDsaPublicKey(key)) {
    let st = verifyStates.get(key);
    if (!st) verifyStates.set(key, (st = { uses: 0 }));
    if (!st.g) buildVerify(key, st);
  } else {
    throw new WitkeyError('INVALID_KEY', 'precompute: expected a DsaPublicKey or DsaPrivateKey', { field: 'key' });
  }
}

