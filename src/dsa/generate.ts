/**
 * DSA domain parameter and key pair generation (FIPS 186-4): A.1.1.2 probable primes p and q from a
 * seed with SHA-256, A.2.3 verifiable canonical generator g, B.1.1 key pair from extra random bits.
 * All randomness comes from `crypto.getRandomValues`.
 *
 * Cost on one core (bigint Miller-Rabin): about 0.1–1 s for 1024/160, 1–5 s for 2048, 5–20 s for
 * 3072; pass `onProgress` to show that something is happening.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { bigIntToBytes, bytesToBigInt, modPow, randomBits, randomBytes } from './arith.js';
import {
  createPrivateKey,
  type DsaDomain,
  type DsaPrivateKey,
  type DsaPublicKey,
  SUPPORTED_SIZES,
  validateDomain,
} from './key.js';
import { isProbablePrime } from './prime.js';

/** Progress events of a long generation: a candidate tested, a prime found. */
export interface GenerateProgress {
  stage: 'q' | 'p' | 'g' | 'key';
  /** Candidates tried so far in this stage. */
  tries: number;
}

/** Options of {@link generateDomain} and {@link generateKeyPair}. */
export interface GenerateOptions {
  /** Called now and then during a long search; may be used for a spinner. */
  onProgress?: (event: GenerateProgress) => void;
}

/** Domain parameters together with the seed and counter that let anyone re-derive them (A.1.1.3). */
export interface GeneratedDomain extends DsaDomain {
  readonly seed: Uint8Array;
  readonly counter: number;
}

function checkSize(L: unknown, N: unknown): void {
  if (!SUPPORTED_SIZES.some(([l, n]) => l === L && n === N)) {
    throw new WitkeyError(
      'UNSUPPORTED_KEY_SIZE',
      `unsupported DSA key size L=${String(L)}, N=${String(N)}; supported: ${SUPPORTED_SIZES.map(([l, n]) => `${l}/${n}`).join(', ')}`,
      { field: 'L' },
    );
  }
}

/** Miller-Rabin rounds (FIPS 186-4 Table C.1). */
const rounds = (L: number) => (L <= 1024 ? 40 : L <= 2048 ? 56 : 64);

/**
 * Generates fresh domain parameters (p, q, g) of size (L, N).
 * @example
 * const domain = generateDomain({ L: 2048, N: 256 });
 */
export function generateDomain(size: { L: number; N: number }, opts?: GenerateOptions): GeneratedDomain {
  const options = optionsObject(opts, 'generateDomain');
  const { L, N } = size ?? ({} as { L: number; N: number });
  checkSize(L, N);
  const outlen = 256; // SHA-256
  const n = Math.ceil(L / outlen) - 1;
  const b = L - 1 - n * outlen;
  const seedlen = N;
  const seedMod = 1n << BigInt(seedlen);
  const progress = options.onProgress;
  const hashInt = (v: bigint) => bytesToBigInt(sha256(bigIntToBytes(v % seedMod, seedlen / 8)));
  let tries = 0;
  for (;;) {
    // Steps 5–9: q from a random seed.
    const seedBytes = randomBytes(seedlen / 8);
    const seed = bytesToBigInt(seedBytes);
    const U = hashInt(seed) % (1n << BigInt(N - 1));
    const q = (1n << BigInt(N - 1)) + U + 1n - (U % 2n);
    tries++;
    if (progress && tries % 16 === 0) progress({ stage: 'q', tries });
    if (!isProbablePrime(q, rounds(L))) continue;
    // Steps 10–15: p from the same seed.
    let offset = 1n;
    const twoQ = 2n * q;
    const pMin = 1n << BigInt(L - 1);
    for (let counter = 0; counter < 4 * L; counter++) {
      let W = 0n;
      for (let j = 0; j <= n; j++) {
        let V = hashInt(seed + offset + BigInt(j));
        if (j === n) V %= 1n << BigInt(b);
        W += V << BigInt(j * outlen);
      }
      const X = W + pMin;
      const c = X % twoQ;
      const p = X - (c - 1n);
      offset += BigInt(n + 1);
      if (progress && counter % 64 === 0) progress({ stage: 'p', tries: counter + 1 });
      if (p < pMin) continue;
      if (!isProbablePrime(p, rounds(L))) continue;
      const g = canonicalGenerator(p, q, seedBytes, 1);
      if (progress) progress({ stage: 'g', tries: 1 });
      const domain = validateDomain({ p, q, g });
      return Object.freeze({ ...domain, seed: seedBytes, counter });
    }
  }
}

/** A.2.3: verifiable canonical generation of g from the domain parameter seed and an index. */
function canonicalGenerator(p: bigint, q: bigint, seed: Uint8Array, index: number): bigint {
  const e = (p - 1n) / q;
  const ggen = [0x67, 0x67, 0x65, 0x6e];
  for (let count = 1; count < 0x10000; count++) {
    const U = Uint8Array.from([...seed, ...ggen, index & 0xff, count >> 8, count & 0xff]);
    const W = bytesToBigInt(sha256(U));
    const g = modPow(W, e, p);
    if (g >= 2n) return g;
  }
  /* c8 ignore next */
  throw new WitkeyError('INVALID_KEY', 'generator search exhausted (cannot happen for valid p, q)');
}

/**
 * Generates a DSA key pair: fresh domain parameters of size (L, N), or a key within given
 * domain parameters (B.1.1: x = (c mod (q−1)) + 1 with c of N + 64 random bits).
 * @example
 * const { privateKey, publicKey } = generateKeyPair({ L: 1024, N: 160 });
 * const { privateKey: k2 } = generateKeyPair({ domain: publicKey.domain });
 */
export function generateKeyPair(
  spec: { L: number; N: number } | { domain: { p: bigint; q: bigint; g: bigint } },
  opts?: GenerateOptions,
): { privateKey: DsaPrivateKey; publicKey: DsaPublicKey } {
  const options = optionsObject(opts, 'generateKeyPair');
  if (spec === null || typeof spec !== 'object') {
    throw new WitkeyError('INVALID_OPTION', 'generateKeyPair: expected { L, N } or { domain }', { field: 'spec' });
  }
  const domain = 'domain' in spec ? validateDomain(spec.domain) : generateDomain(spec, options);
  const c = randomBits(domain.N + 64);
  const x = (c % (domain.q - 1n)) + 1n;
  if (options.onProgress) options.onProgress({ stage: 'key', tries: 1 });
  const privateKey = createPrivateKey({ domain, x });
  return { privateKey, publicKey: privateKey.publicKey };
}
