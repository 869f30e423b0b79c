/**
 * Probabilistic primality testing (FIPS 186-4 C.3.1 Miller-Rabin, preceded by trial division).
 * Bases come from `crypto.getRandomValues`. Used by key generation and by the optional full
 * domain-parameter check on import.
 * @module
 */
import { bitLength, modPow, randomBits } from './arith.js';

let SMALL: bigint[] | undefined;
/** Odd primes below 2000, built on first use. */
function smallPrimes(): bigint[] {
  if (SMALL) return SMALL;
  const limit = 2000;
  const sieve = new Uint8Array(limit);
  const out: bigint[] = [];
  for (let i = 3; i < limit; i += 2) {
    if (sieve[i]) continue;
    out.push(BigInt(i));
    for (let j = i * i; j < limit; j += 2 * i) sieve[j] = 1;
  }
  return (SMALL = out);
}

/** True when n has a prime factor below 2000 other than itself. */
export function hasSmallFactor(n: bigint): boolean {
  if ((n & 1n) === 0n) return n !== 2n;
  for (const p of smallPrimes()) {
    if (n === p) return false;
    if (n % p === 0n) return true;
  }
  return false;
}

/**
 * Miller-Rabin with `rounds` random bases (FIPS 186-4 C.3.1), after trial division.
 * Returns false for composites with probability ≥ 1 - 4^-rounds.
 */
export function isProbablePrime(n: bigint, rounds: number): boolean {
  if (n < 2n) return false;
  if (n < 4n) return true;
  if (hasSmallFactor(n)) return false;
  if (n < 2000n * 2000n) return true;
  let m = n - 1n;
  let a = 0;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    a++;
  }
  const wlen = bitLength(n);
  const nm1 = n - 1n;
  for (let i = 0; i < rounds; i++) {
    let b: bigint;
    do b = randomBits(wlen);
    while (b <= 1n || b >= nm1);
    let z = modPow(b, m, n);
    if (z === 1n || z === nm1) continue;
    let composite = true;
    for (let j = 1; j < a; j++) {
      z = (z * z) % n;
      if (z === nm1) {
        composite = false;
        break;
      }
      if (z === 1n) break;
    }
    if (composite) return false;
  }
  return true;
}
