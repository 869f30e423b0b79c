/**
 * DSA domain parameters and key objects, with the validation every key goes through.
 *
 * Keys are immutable objects. A private key's secret `x` is held outside the object (a module
 * WeakMap), so it is never printed by `console.log`, `JSON.stringify` or an error message.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { bitLength } from './arith.js';
import { domainSignState, powGSecret } from './domain-tables.js';
import { pow2 } from './mont-pow.js';
import { isProbablePrime } from './prime.js';

/** The (L, N) sizes this library accepts (FIPS 186-4 §4.2). */
export const SUPPORTED_SIZES: ReadonlyArray<readonly [L: number, N: number]> = [
  [1024, 160],
  [2048, 224],
  [2048, 256],
  [3072, 256],
];

/** DSA domain parameters. `L` and `N` are the bit lengths of `p` and `q`. */
export interface DsaDomain {
  readonly p: bigint;
  readonly q: bigint;
  readonly g: bigint;
  readonly L: number;
  readonly N: number;
}

/** Options of the domain/key validation done on import and construction. */
export interface KeyValidationOptions {
  /**
   * Also test p and q for primality (Miller-Rabin, FIPS 186-4 Table C.1 round counts). Costs
   * tens of milliseconds (1024 bits) to seconds (3072 bits); off by default because a key from a
   * trusted file cannot be made weaker by composite p or q without also failing the cheap checks
   * in most cases. Turn it on for keys from untrusted sources.
   */
  checkPrimes?: boolean;
}

const PUBLIC_TAG = Symbol('DsaPublicKey');
/** Key objects really made (and validated) by this module; `instanceof` alone can be forged with Object.create. */
const genuine = new WeakSet<object>();
const PRIVATE_TAG = Symbol('DsaPrivateKey');

/** A DSA public key: domain parameters and y = g^x mod p. */
export class DsaPublicKey {
  readonly type = 'public' as const;
  readonly domain: DsaDomain;
  readonly y: bigint;
  /** @internal */
  constructor(tag: symbol, domain: DsaDomain, y: bigint) {
    if (tag !== PUBLIC_TAG) throw new TypeError('use importPublicKey or createPublicKey');
    this.domain = domain;
    this.y = y;
    genuine.add(this);
    Object.freeze(this);
  }
  /** JSON form: the size only (bigints have no JSON form; export the key with exportPublicKey). */
  toJSON(): { type: 'public'; L: number; N: number } {
    return { type: 'public', L: this.domain.L, N: this.domain.N };
  }
}

/** True for a public key made and validated by this library (not merely an object with its prototype). */
export function isDsaPublicKey(value: unknown): value is DsaPublicKey {
  return typeof value === 'object' && value !== null && genuine.has(value) && value instanceof DsaPublicKey;
}

/** True for a private key made and validated by this library. */
export function isDsaPrivateKey(value: unknown): value is DsaPrivateKey {
  return typeof value === 'object' && value !== null && genuine.has(value) && value instanceof DsaPrivateKey;
}

const secrets = new WeakMap<DsaPrivateKey, bigint>();
const publicHalves = new WeakMap<DsaPrivateKey, DsaPublicKey>();

/** A DSA private key. The secret x is not a property: it cannot be printed or serialised by accident. */
export class DsaPrivateKey {
  readonly type = 'private' as const;
  readonly domain: DsaDomain;
  /**
   * The matching public key. Computed on first access (y = g^x mod p, a blinded regular
   * exponentiation) when the key was made without y, as from PKCS#8, which carries none: a key
   * imported only to sign never pays for it. The same object on every access.
   */
  declare readonly publicKey: DsaPublicKey;
  /** @internal */
  constructor(tag: symbol, domain: DsaDomain, x: bigint, publicKey?: DsaPublicKey) {
    if (tag !== PRIVATE_TAG) throw new TypeError('use importPrivateKey, createPrivateKey or generateKeyPair');
    this.domain = domain;
    secrets.set(this, x);
    if (publicKey) publicHalves.set(this, publicKey);
    // An own enumerable accessor, so that Object.keys and console.log list `publicKey` like a data
    // property; the value is computed once, then remembered.
    Object.defineProperty(this, 'publicKey', { enumerable: true, get: publicHalf });
    genuine.add(this);
    Object.freeze(this);
  }
  /** Serialises to the public part only. */
  toJSON(): { type: 'private'; L: number; N: number } {
    return { type: 'private', L: this.domain.L, N: this.domain.N };
  }
}

function publicHalf(this: DsaPrivateKey): DsaPublicKey {
  let pub = publicHalves.get(this);
  if (!pub) {
    const { domain } = this;
    pub = new DsaPublicKey(PUBLIC_TAG, domain, powGSecret(domain, domainSignState(domainId(domain)), privateScalar(this)));
    publicHalves.set(this, pub);
  }
  return pub;
}

/** @internal The secret exponent of a private key. Never log or return it. */
export function privateScalar(key: DsaPrivateKey): bigint {
  const x = secrets.get(key);
  if (x === undefined) throw new WitkeyError('INVALID_KEY', 'not a DsaPrivateKey made by this library');
  return x;
}

function invalid(field: string, what: string): WitkeyError {
  return new WitkeyError('INVALID_KEY', `invalid DSA key: ${what}`, { field });
}

/** Miller-Rabin rounds for p and q from FIPS 186-4 Table C.1 (error ≤ 2^-80 / 2^-112 / 2^-128). */
function mrRounds(L: number): number {
  return L <= 1024 ? 40 : L <= 2048 ? 56 : 64;
}

/**
 * Checks domain parameters: supported (L, N), q | p − 1, 1 < g < p, g^q ≡ 1 (mod p), and
 * optionally the primality of p and q. Returns the domain with L and N filled in.
 * @throws WitkeyError `UNSUPPORTED_KEY_SIZE` or `INVALID_KEY` naming the component (`field`).
 */
export function validateDomain(params: { p: bigint; q: bigint; g: bigint }, options: KeyValidationOptions = {}): DsaDomain {
  options = optionsObject(options, 'validateDomain');
  if (params === null || typeof params !== 'object') throw invalid('domain', 'domain parameters must be an object { p, q, g }');
  const { p, q, g } = params;
  for (const [name, v] of [
    ['p', p],
    ['q', q],
    ['g', g],
  ] as const) {
    if (typeof v !== 'bigint') throw invalid(name, `${name} must be a bigint`);
    if (v <= 0n) throw invalid(name, `${name} must be positive`);
  }
  const L = bitLength(p);
  const N = bitLength(q);
  if (!SUPPORTED_SIZES.some(([l, n]) => l === L && n === N)) {
    throw new WitkeyError(
      'UNSUPPORTED_KEY_SIZE',
      `unsupported DSA key size L=${L}, N=${N}; supported: ${SUPPORTED_SIZES.map(([l, n]) => `${l}/${n}`).join(', ')}`,
      { field: 'p' },
    );
  }
  if ((p & 1n) === 0n) throw invalid('p', 'p is even');
  if ((q & 1n) === 0n) throw invalid('q', 'q is even');
  if ((p - 1n) % q !== 0n) throw invalid('q', 'q does not divide p - 1');
  if (g <= 1n || g >= p) throw invalid('g', 'g is not in (1, p)');
  if (pow2(g, q, 1n, 0n, p) !== 1n) throw invalid('g', 'g does not have order q (g^q mod p != 1)');
  if (options.checkPrimes) {
    const rounds = mrRounds(L);
    if (!isProbablePrime(q, rounds)) throw invalid('q', 'q is not prime');
    if (!isProbablePrime(p, rounds)) throw invalid('p', 'p is not prime');
  }
  return Object.freeze({ p, q, g, L, N });
}

/**
 * Validation results by value. Why: importing the same PEM again (per request, per process start
 * of a serverless function, or the same Alipay domain under several keys) would repeat g^q and y^q —
 * two exponentiations of ~200 (1024-bit) to ~310 (3072-bit) multiplications each, more than a
 * verification with tables. A check of the same values gives the same answer, so a hit returns the
 * earlier validated domain object (or skips the y check) and results are identical. Cost: bounded
 * maps of hex strings (≤ 16 domains, ≤ 64 public values; least recently used evicted).
 */
const DOMAIN_CACHE_SIZE = 16;
const PUBLIC_CACHE_SIZE = 64;
const domainCache = new Map<string, { domain: DsaDomain; primes: boolean }>();
const publicCache = new Map<string, true>();
const domainIds = new WeakMap<DsaDomain, string>();

/** Marks `id` most recently used and evicts the least recently used entry beyond `size`. */
function touch<V>(map: Map<string, V>, id: string, value: V, size: number): void {
  map.delete(id);
  map.set(id, value);
  if (map.size > size) map.delete(map.keys().next().value!);
}

function domainOf(params: { p: bigint; q: bigint; g: bigint } | DsaDomain, options: KeyValidationOptions): DsaDomain {
  // A domain that came from this library was validated already (unless primes are asked for now).
  if (validated.has(params as DsaDomain) && !options.checkPrimes) return params as DsaDomain;
  const { p, q, g } = params;
  if (typeof p !== 'bigint' || typeof q !== 'bigint' || typeof g !== 'bigint') return validateDomain(params, options); // throws
  const id = `${p.toString(16)}:${q.toString(16)}:${g.toString(16)}`;
  const hit = domainCache.get(id);
  if (hit && (hit.primes || !options.checkPrimes)) {
    touch(domainCache, id, hit, DOMAIN_CACHE_SIZE);
    return hit.domain;
  }
  let d: DsaDomain;
  if (hit) {
    validateDomain(params, options);
    d = hit.domain;
  } else d = validateDomain(params, options);
  validated.add(d);
  domainIds.set(d, id);
  touch(domainCache, id, { domain: d, primes: !!options.checkPrimes }, DOMAIN_CACHE_SIZE);
  return d;
}
const validated = new WeakSet<DsaDomain>();

/** @internal The domain's value id (hex p:q:g), remembered per domain object. */
export function domainId(domain: DsaDomain): string {
  let did = domainIds.get(domain);
  if (did === undefined)
    domainIds.set(domain, (did = `${domain.p.toString(16)}:${domain.q.toString(16)}:${domain.g.toString(16)}`));
  return did;
}

/** y^q ≡ 1 (mod p), remembered by value; `id` is the key's value id (domain id and y). */
function inSubgroup(domain: DsaDomain, y: bigint, id: string): boolean {
  if (publicCache.has(id)) {
    touch(publicCache, id, true, PUBLIC_CACHE_SIZE);
    return true;
  }
  if (pow2(y, domain.q, 1n, 0n, domain.p) !== 1n) return false;
  touch(publicCache, id, true, PUBLIC_CACHE_SIZE);
  return true;
}

/**
 * Builds a public key from its components, validating them: the domain as in {@link validateDomain},
 * then 1 < y < p and y^q ≡ 1 (mod p).
 * @example
 * const key = createPublicKey({ p, q, g, y });
 */
export function createPublicKey(
  components: { p: bigint; q: bigint; g: bigint; y: bigint } | { domain: DsaDomain; y: bigint },
  options: KeyValidationOptions = {},
): DsaPublicKey {
  options = optionsObject(options, 'createPublicKey');
  if (components === null || typeof components !== 'object')
    throw invalid('y', 'expected an object { p, q, g, y } or { domain, y }');
  const domain = domainOf('domain' in components ? components.domain : components, options);
  const { y } = components;
  if (typeof y !== 'bigint') throw invalid('y', 'y must be a bigint');
  if (y <= 1n || y >= domain.p) throw invalid('y', 'y is not in (1, p)');
  const id = `${domainId(domain)}:${y.toString(16)}`;
  if (!inSubgroup(domain, y, id)) throw invalid('y', 'y is not in the order-q subgroup (y^q mod p != 1)');
  // Same values as a recently made key → the same (frozen, immutable) object, so its lazily built
  // tables (precompute.ts) serve every import. Why: edge functions and per-request handlers import
  // Alipay's PEM again on every request; without this each import would start table-free, and a
  // table-free verification is several times slower. Cost: the last RECENT_KEYS public key objects
  // stay reachable, with their tables if they were used enough to build them (≤ 1 MB each on WebAssembly, ≤ 8 MB on bigint, see precompute).
  const recent = recentKeys.get(id);
  if (recent) {
    touch(recentKeys, id, recent, RECENT_KEYS);
    return recent;
  }
  const key = new DsaPublicKey(PUBLIC_TAG, domain, y);
  touch(recentKeys, id, key, RECENT_KEYS);
  return key;
}
const RECENT_KEYS = 4;
const recentKeys = new Map<string, DsaPublicKey>();

/**
 * Builds a private key from its components: validates the domain and checks 0 < x < q. When `y` is
 * given it is checked now against g^x mod p (an invalid key fails where it is made); without
 * `y` (PKCS#8 carries none) y = g^x mod p is computed when `publicKey` is first read, since nothing
 * can fail there: every x in [1, q − 1] has its y.
 * @example
 * const key = createPrivateKey({ p, q, g, x });
 */
export function createPrivateKey(
  components: { p: bigint; q: bigint; g: bigint; x: bigint; y?: bigint } | { domain: DsaDomain; x: bigint; y?: bigint },
  options: KeyValidationOptions = {},
): DsaPrivateKey {
  options = optionsObject(options, 'createPrivateKey');
  if (components === null || typeof components !== 'object')
    throw invalid('x', 'expected an object { p, q, g, x } or { domain, x }');
  const domain = domainOf('domain' in components ? components.domain : components, options);
  const { x } = components;
  if (typeof x !== 'bigint') throw invalid('x', 'x must be a bigint');
  if (x <= 0n || x >= domain.q) throw invalid('x', 'x is not in (0, q)');
  if (components.y === undefined) return new DsaPrivateKey(PRIVATE_TAG, domain, x);
  // x is secret: regular exponentiation with a blinded exponent x + m·q (g has order q), from the
  // domain's signing comb once it has one (domain-tables.ts).
  const y = powGSecret(domain, domainSignState(domainId(domain)), x);
  if (components.y !== y) throw invalid('y', 'y does not match g^x mod p');
  return new DsaPrivateKey(PRIVATE_TAG, domain, x, new DsaPublicKey(PUBLIC_TAG, domain, y));
}
