/**
 * Precomputation: comb tables for g over signing exponents (shared by every private key of one
 * domain value, see domain-tables.ts) and, per public key object, combs for g and y (verification).
 * Built lazily once a domain or key has been used enough to pay for them, or at once with
 * {@link precompute}. Verification tables are held in a module WeakMap keyed by the (frozen) key
 * object, so every use of one key object shares them and they go away with the key; re-imports of
 * the same public key return the same object (key.ts).
 *
 * Lazy policy (ski rental): the first uses run the table-free path and count the multiplications a
 * table would have saved; once that saving reaches the build cost, the tables are built. A key used
 * a few times never pays for tables; a long-lived key pays at most twice the optimum.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { type CombShape, combEntries, combOps } from './comb.js';
import {
  buildSignComb,
  type DomainSignState,
  domainSignState,
  FEWEST_USES,
  resetDomainStates,
  shapeFor,
  threshold,
  useSignComb,
} from './domain-tables.js';
import { type DsaDomain, type DsaPrivateKey, type DsaPublicKey, domainId, isDsaPrivateKey, isDsaPublicKey } from './key.js';
import { onEngineChange } from './mont.js';
import { type AnyComb, buildCombs } from './mont-pow.js';

export { BLIND_BITS, signExponentBits, signShape } from './domain-tables.js';

interface VerifyState {
  uses: number;
  g?: AnyComb;
  y?: AnyComb;
}

/** Each private key object holds its domain's signing state (strongly: tables outlive an LRU eviction while a key uses them). */
let signStates = new WeakMap<DsaPrivateKey, DomainSignState>();
let verifyStates = new WeakMap<DsaPublicKey, VerifyState>();
onEngineChange(() => {
  signStates = new WeakMap();
  verifyStates = new WeakMap();
  resetDomainStates();
});

/** Comb shape of each of a public key's two tables (g and y, N-bit exponents, evaluated jointly). */
export function verifyShape(d: DsaDomain): CombShape {
  return shapeFor(d.L, d.N, 2);
}

/** @internal Uses of a public key after which its verification combs are built (33 / 10 / 12 / 9 on WebAssembly, 101 / 46 / 78 / 53 on bigint). */
export function verifyThreshold(d: DsaDomain): number {
  const s = verifyShape(d);
  const n = d.N;
  // Table-free: modPow2, n squarings + 2·(n/5 + 8) multiplications.
  return threshold(2 * (s.h * s.v * s.b + combEntries(s)), n + 2 * (Math.ceil(n / 5) + 8), combOps(s, 2));
}

/** @internal The signing state of a private key's domain (shared by value with every key of the domain). */
export function signState(key: DsaPrivateKey): DomainSignState {
  let st = signStates.get(key);
  if (!st) signStates.set(key, (st = domainSignState(domainId(key.domain))));
  return st;
}

/** @internal The g comb of a private key's domain for signing, counting this use; undefined while the table-free path is cheaper. */
export function signComb(key: DsaPrivateKey): AnyComb | undefined {
  return useSignComb(key.domain, signState(key));
}

/** @internal The g and y combs of a public key for verification, counting this use. */
export function verifyCombs(key: DsaPublicKey): { g: AnyComb; y: AnyComb } | undefined {
  let st = verifyStates.get(key);
  if (!st) verifyStates.set(key, (st = { uses: 0 }));
  if (!st.g && ++st.uses >= FEWEST_USES && st.uses >= verifyThreshold(key.domain)) buildVerify(key, st);
  return st.g && st.y ? { g: st.g, y: st.y } : undefined;
}

function buildVerify(key: DsaPublicKey, st: VerifyState): void {
  const { g, p } = key.domain;
  [st.g, st.y] = buildCombs([g, key.y], p, verifyShape(key.domain));
}

/**
 * Builds a key's precomputed tables now instead of after its first uses, so that even the first
 * `sign` (private key) or `verify` (public key) runs at full speed. Idempotent.
 *
 * A private key's signing comb (for g) depends on the public domain (p, q, g) only, so it is shared
 * by every private key object of the same domain value: a key imported again from the same PEM, or
 * another key of the domain, signs with it at once. A public key's combs (g and y) belong to the key
 * object (a module WeakMap) and serve every later use of it, and of the same key imported again.
 *
 * A private key gets a comb for g over the blinded signing exponent; a public key gets combs for g
 * and y over N-bit exponents. To verify with a private key's public half, precompute
 * `key.publicKey` as well. Without this call the same tables are built by themselves once they have
 * been used enough to pay for them, and that use takes the build time.
 *
 * The tables depend on the arithmetic the runtime runs DSA on (mont.ts). For the four sizes
 * (1024/160, 2048/224, 2048/256, 3072/256):
 *
 * - WebAssembly (Node, Deno, Bun, browsers, edge-runtime): tables ≤ 1 MB per key object or domain,
 *   which stay in a core's L2 cache. Built after 24 / 11 / 10 / 7 signatures in the domain or
 *   33 / 10 / 12 / 9 verifications with the key; a signature's exponentiation then takes 27 / 39 / 41
 *   / 44 Montgomery multiplications, a verification's 38 / 62 / 69 / 71.
 * - bigint (workerd, extensions without `'wasm-unsafe-eval'`): tables ≤ 8 MB, built after
 *   179 / 54 / 55 / 34 signatures or 101 / 46 / 78 / 53 verifications; 20 / 29 / 32 / 34 and
 *   32 / 48 / 51 / 53 multiplications.
 *
 * Table-free, a signature takes ≈296 / 376 / 416 / 416 multiplications and a verification ≈240 /
 * 332 / 375 / 375. From the 3rd / 2nd / 2nd / 2nd use of a domain until the full comb exists, signing
 * uses a small comb of the domain (≤ 64 KiB; 43 / 67 / 71 / 77–80 multiplications). Building the
 * full tables takes milliseconds on WebAssembly and tens of milliseconds on bigint; the memory and
 * build time per size are in the repository's bench/RESULTS.md.
 *
 * The signing tables of the two most recently used domains are kept after their keys are dropped
 * (domain-tables.ts).
 * @throws WitkeyError `INVALID_KEY` if `key` is not a DSA key made by this library.
 * @example
 * const alipayKey = importPublicKey(pem);
 * precompute(alipayKey); // at start-up, not on the first notification
 */
export function precompute(key: DsaPublicKey | DsaPrivateKey): void {
  if (isDsaPrivateKey(key)) {
    buildSignComb(key.domain, signState(key));
  } else if (isDsaPublicKey(key)) {
    let st = verifyStates.get(key);
    if (!st) verifyStates.set(key, (st = { uses: 0 }));
    if (!st.g) buildVerify(key, st);
  } else {
    throw new WitkeyError('INVALID_KEY', 'precompute: expected a DsaPublicKey or DsaPrivateKey', { field: 'key' });
  }
}
