/**
 * Signing tables shared by domain value: the fixed-base comb for g over blinded signing exponents,
 * and g^x for a private key's public value, for every private key object of one domain (p, q, g).
 *
 * Why by domain: the signing comb depends on p, q and g only, which are public. A server that
 * re-imports its PEM per request (or per serverless invocation) makes a new key object every time;
 * with tables per key object each of them would start table-free (a blinded ladder of ~300 modular
 * multiplications at 1024/160, against 20–27 with the comb) and never reach the tables. Keyed by the
 * domain's value, every key object of the domain finds them. Private keys themselves
 * are still never cached by value (that would keep secrets alive after the caller dropped them):
 * only public domain data is, which anyone may hold.
 *
 * Lazy policy (ski rental, as in precompute.ts): uses of the domain (signatures, public-value
 * computations) are counted; once the multiplications a comb would have saved reach its build
 * cost, it is built. Two steps: a small comb (≤ 64 KiB) after 2–3 uses, which makes a signature's
 * exponentiation 4–7× cheaper than the table-free ladder, then the full comb after 24 / 11 / 10 / 7
 * uses on WebAssembly (≤ 1 MB) or 179 / 54 / 55 / 34 on bigint (≤ 8 MB) (the thresholds are counted
 * against the ladder, not the small comb, so that the small comb never delays the full one). `precompute(privateKey)` builds the full comb at
 * once.
 *
 * Memory: one comb per domain, ≤ 1 MB on WebAssembly or ≤ 8 MB on bigint (shapes: the TSDoc of
 * `precompute`; sizes measured: bench/RESULTS.md), or the small one. A key object holds
 * its domain's state strongly, so tables live at least as long as a key of the domain; beyond that
 * the LRU below keeps the states of the DOMAIN_STATES most recently used domains (at most two full
 * combs after every key is dropped). A new key finds its domain's state while any key of the domain is
 * alive (a WeakRef registry), so one domain never has two states at once unless the state was
 * dropped and collected in between; results never depend on which state a key holds.
 *
 * Security: the comb is evaluated with a fixed sequence of operations for every exponent of its
 * size (combRegular), and callers blind the secret exponent (k + m·q, x + m·q with a fresh 64-bit
 * m), exactly as with per-key tables. The tables hold powers of the public g only.
 * @module
 */
import { randomBits } from './arith.js';
import { bytesPerEntry, type CombShape, chooseShape, combEntries, combOps } from './comb.js';
import { dsaEngine, montBytes } from './mont.js';
import { type AnyComb, buildCombs, combRegular, powRegular } from './mont-pow.js';

/** The domain fields this module needs (a validated DsaDomain). */
interface Domain {
  readonly p: bigint;
  readonly q: bigint;
  readonly g: bigint;
  readonly L: number;
  readonly N: number;
}

/**
 * Memory cap for one comb on bigint (bytes of V8 heap, estimated as entries × `bytesPerEntry(L)` of
 * comb.ts). The shapes it yields are listed in the TSDoc of `precompute`.
 */
export const BUDGET = 8 * 1024 * 1024 * 0.95;

/**
 * Memory cap for the combs of one key or domain on WebAssembly (entries × `montBytes(L)`): small
 * enough to stay in a core's L2 cache, so that the tables' speed does not depend on a last-level
 * cache shared with other tenants (bench/README.md, "DSA on WebAssembly").
 */
export const WASM_BUDGET = 1024 * 1024;

/** Per-entry bytes and memory cap of a comb on the engine in use. */
function budgetOf(L: number, budget: 'full' | 'small'): { per: number; cap: number; engine: string } {
  const engine = dsaEngine();
  if (engine === 'wasm') return { per: montBytes(L), cap: budget === 'full' ? WASM_BUDGET : SMALL_BUDGET, engine };
  return { per: bytesPerEntry(L), cap: budget === 'full' ? BUDGET : SMALL_BUDGET, engine };
}

/** Bits of the blinding multiplier m in the signing exponent k + m·q. */
export const BLIND_BITS = 64;

/** Bits of a signing exponent k + m·q < 2^(N + BLIND_BITS + 1). */
export const signExponentBits = (N: number): number => N + BLIND_BITS + 1;

const shapeCache = new Map<string, CombShape>();
/**
 * @internal The cheapest comb shape for `bases` bases over `bits`-bit exponents within the engine's
 * budget (BUDGET on bigint, WASM_BUDGET on WebAssembly; SMALL_BUDGET for `small`).
 */
export function shapeFor(L: number, bits: number, bases: number, budget: 'full' | 'small' = 'full'): CombShape {
  const { per, cap, engine } = budgetOf(L, budget);
  const id = `${L}/${bits}/${bases}/${budget}/${engine}`;
  let s = shapeCache.get(id);
  if (!s) shapeCache.set(id, (s = chooseShape(bits, bases, L, cap, per)));
  return s;
}

/** Comb shape of a domain's g table for signing (one base, blinded N+65-bit exponents). */
export function signShape(d: { L: number; N: number }): CombShape {
  return shapeFor(d.L, signExponentBits(d.N), 1);
}

/** Uses after which building pays: build multiplications / multiplications saved per use. */
export function threshold(buildOps: number, freeOps: number, tableOps: number): number {
  return Math.max(1, Math.ceil(buildOps / Math.max(1, freeOps - tableOps)));
}

/**
 * Uses of a domain after which its signing comb is built: 24 / 11 / 10 / 7 for the four sizes on
 * WebAssembly, 179 / 54 / 55 / 34 on bigint.
 */
export function signThreshold(d: { L: number; N: number }): number {
  const s = signShape(d);
  const n = signExponentBits(d.N);
  // Table-free: modPowRegular with 4-bit windows, n squarings + n/4 multiplications + 14.
  return threshold(s.h * s.v * s.b + combEntries(s), n + Math.ceil(n / 4) + 14, combOps(s, 1));
}

/**
 * No threshold is below this many uses (the lowest is 7, 3072/256 on WebAssembly, whose tables are
 * cheap to build; 34 on bigint), so the first uses do not run the shape search (chooseShape), which
 * would add to a fresh process's first signature.
 */
export const FEWEST_USES = 6;

/**
 * Memory cap of the small comb that serves a domain between its first uses and the full comb: a
 * few uses pay for it (2–3: it costs 400–600 multiplications to build, about two table-free
 * signatures), and it cuts a signature's exponentiation from ≈296 / 376 / 416 / 416 multiplications
 * (the ladder) to 43 / 67 / 71 / 77. Dropped once the full comb is built.
 */
export const SMALL_BUDGET = 64 * 1024;

/** Comb shape of a domain's small signing comb (≤ SMALL_BUDGET). */
export function smallSignShape(d: { L: number; N: number }): CombShape {
  return shapeFor(d.L, signExponentBits(d.N), 1, 'small');
}

/** Uses of a domain after which its small signing comb is built (3 / 2 / 2 / 2 for the four sizes). */
export function smallSignThreshold(d: { L: number; N: number }): number {
  const s = smallSignShape(d);
  const n = signExponentBits(d.N);
  return threshold(s.h * s.v * s.b + combEntries(s), n + Math.ceil(n / 4) + 14, combOps(s, 1));
}

/** @internal The signing state of one domain value. */
export interface DomainSignState {
  uses: number;
  /** The full comb (≤ 8 MB on bigint, ≤ 1 MB on WebAssembly). */
  comb?: AnyComb;
  /** The small comb (≤ SMALL_BUDGET), used until the full one exists. */
  small?: AnyComb;
}

/** Most recently used domain states kept when no key object holds them. */
const DOMAIN_STATES = 2;
const states = new Map<string, DomainSignState>();
/**
 * Every state still held by some key object, weakly: a key imported while another key of its domain
 * is alive finds that key's state even if the LRU above dropped it (with 3+ domains in use, a new
 * key would otherwise start a second state and build the same comb again). Entries whose state was
 * collected are dropped when met.
 */
const live = new Map<string, WeakRef<DomainSignState>>();
const weakRefs = typeof WeakRef === 'function';

/** @internal The state of the domain whose value id is `id` (most recently used now; made if absent). */
export function domainSignState(id: string): DomainSignState {
  let st = states.get(id);
  if (st) states.delete(id);
  else {
    st = live.get(id)?.deref();
    if (!st) {
      st = { uses: 0 };
      if (weakRefs) {
        if (live.size >= 64) for (const [k, r] of live) if (!r.deref()) live.delete(k);
        live.set(id, new WeakRef(st));
      }
    }
  }
  states.set(id, st);
  if (states.size > DOMAIN_STATES) states.delete(states.keys().next().value!);
  return st;
}

/** @internal Builds the domain's full signing comb now (idempotent). */
export function buildSignComb(d: Domain, st: DomainSignState): AnyComb {
  if (!st.comb) {
    st.comb = buildCombs([d.g], d.p, signShape(d))[0]!;
    st.small = undefined;
  }
  return st.comb;
}

/**
 * @internal The domain's comb for this signature, counting the use: the full comb once its uses
 * have paid for it (signThreshold), before that the small comb once a few uses have paid for that
 * (smallSignThreshold), and undefined before that (the table-free ladder is cheaper).
 */
export function useSignComb(d: Domain, st: DomainSignState): AnyComb | undefined {
  if (st.comb) return st.comb;
  const uses = ++st.uses;
  if (uses >= FEWEST_USES && uses >= signThreshold(d)) return buildSignComb(d, st);
  if (!st.small && uses >= 2 && uses >= smallSignThreshold(d)) st.small = buildCombs([d.g], d.p, smallSignShape(d))[0]!;
  return st.small;
}

/**
 * g^x mod p for a secret x in [1, q−1], blinded as x + m·q with a fresh 64-bit m (g has order q),
 * with a fixed sequence of operations: the domain's comb if it is built, else the 4-bit ladder.
 * Counts as a use of the domain.
 */
export function powGSecret(d: Domain, st: DomainSignState, x: bigint): bigint {
  const comb = useSignComb(d, st);
  const e = x + randomBits(BLIND_BITS) * d.q;
  return comb ? combRegular(comb, e, d.p) : powRegular(d.g, e, d.p, signExponentBits(d.N));
}

/** @internal Test hook: forget every domain state (keys holding one keep it, new keys start afresh). */
export function resetDomainStates(): void {
  states.clear();
  live.clear();
}
