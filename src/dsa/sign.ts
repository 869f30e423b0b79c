/**
 * DSA signature generation (FIPS 186-4 §4.6) with RFC 6979 deterministic nonces by default.
 *
 * Side channels: JavaScript `bigint` arithmetic is not constant-time. Signing keeps the sequence of
 * operations independent of the secret values where that is cheap: the nonce exponentiation is a
 * fixed-window ladder (table-free) or a fixed-base comb (once the key has tables, see precompute.ts)
 * over a fixed number of bits, multiplying for every digit including zero ones; the exponent is
 * blinded as k + m·q with a fresh random 64-bit m, and k is inverted as b·(k·b)^-1 with a random b.
 * Table lookups by (blinded) digit are visible to cache-timing attackers on the same machine. Treat
 * signing keys on shared hardware accordingly.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { bitLength, bytesToBigInt, mod, modInv, randomBytes } from './arith.js';
import { type DsaHashName, digest, hashFor } from './hash.js';
import { type DsaPrivateKey, isDsaPrivateKey, privateScalar } from './key.js';
import { combRegular, powRegular } from './mont-pow.js';
import { BLIND_BITS, signComb, signExponentBits } from './precompute.js';
import { bits2int, rfc6979Nonces } from './rfc6979.js';
import { encodeDer, encodeP1363, type SignatureFormat } from './signature.js';

/** Options of {@link sign}. */
export interface SignOptions {
  /** Hash to sign with. Default follows N: 160 → sha1, 224 → sha224, 256 → sha256. */
  hash?: DsaHashName;
  /** Signature encoding. Default `der`. */
  format?: SignatureFormat;
  /**
   * Hedged nonces (RFC 6979 §3.6): mix these bytes, or with `true` 32 fresh random bytes, into the
   * deterministic nonce derivation. The signature is then no longer reproducible, but stays safe even
   * if the RNG or the determinism is broken.
   */
  extraEntropy?: Uint8Array | true;
}

function checkKey(key: unknown): asserts key is DsaPrivateKey {
  if (!isDsaPrivateKey(key)) {
    throw new WitkeyError('INVALID_KEY', 'sign: expected a DsaPrivateKey (see importPrivateKey)', { field: 'key' });
  }
}

function checkMessage(message: unknown, fn: string): asserts message is Uint8Array {
  if (!(message instanceof Uint8Array)) {
    throw new WitkeyError('INVALID_OPTION', `${fn}: message must be a Uint8Array`, { field: 'message' });
  }
}

/**
 * Computes (r, s) for hash bytes h1 and a nonce k. @internal — exported for the NIST SigGen vectors,
 * which give k. Returns undefined when r or s is 0 (the caller takes the next k).
 */
export function signWithNonce(key: DsaPrivateKey, h1: Uint8Array, k: bigint): { r: bigint; s: bigint } | undefined {
  const { p, q, g, N } = key.domain;
  const x = privateScalar(key);
  if (k <= 0n || k >= q) throw new RangeError('nonce out of range');
  const z = bits2int(h1, N);
  // One getRandomValues call for both blinding values: each call has a fixed overhead in Node, a
  // visible part of a 1024-bit signature. Bytes [0, 8) give m, the rest give b.
  const bBytes = Math.ceil((N + BLIND_BITS) / 8);
  const rnd = randomBytes(BLIND_BITS / 8 + bBytes);
  const m = bytesToBigInt(rnd.subarray(0, BLIND_BITS / 8));
  // Blinded exponent: g has order q, so g^(k + m·q) = g^k. Fixed bit length N + 65 either way: the
  // comb runs b − 1 squarings and b·v multiplications whatever the digits, the ladder likewise.
  const e = k + m * q;
  const comb = signComb(key);
  const gk = comb ? combRegular(comb, e, p) : powRegular(g, e, p, signExponentBits(N));
  const r = mod(gk, q);
  if (r === 0n) return undefined;
  // Blinded inversion: k^-1 = b · (k·b)^-1 mod q. b ≡ 0 has probability about 1/q; fresh bytes then.
  let b = bytesToBigInt(rnd.subarray(BLIND_BITS / 8)) % q;
  while (b === 0n) b = bytesToBigInt(randomBytes(bBytes)) % q;
  const kinv = mod(b * modInv(mod(k * b, q), q), q);
  const s = mod(kinv * mod(z + x * r, q), q);
  if (s === 0n) return undefined;
  return { r, s };
}

/**
 * Signs `message` with a DSA private key.
 * @returns the signature, DER by default (`SEQUENCE { INTEGER r, INTEGER s }`), or P1363 `r || s`.
 * @throws WitkeyError `INVALID_KEY` (not a private key) or `INVALID_OPTION` (bad hash/format/message).
 * @example
 * const sig = sign(new TextEncoder().encode('a=1&b=2'), privateKey); // SHA1withDSA for 1024/160 keys
 */
export function sign(message: Uint8Array, key: DsaPrivateKey, opts?: SignOptions): Uint8Array {
  const options = optionsObject(opts, 'sign');
  checkKey(key);
  checkMessage(message, 'sign');
  const hash = hashFor(options.hash, key.domain.N);
  const format = options.format === undefined ? 'der' : options.format;
  if (format !== 'der' && format !== 'p1363') {
    throw new WitkeyError('INVALID_OPTION', `sign: unknown format "${String(format)}"; expected der or p1363`, {
      field: 'format',
    });
  }
  let extra: Uint8Array | undefined;
  if (options.extraEntropy === true) extra = randomBytes(32);
  else if (options.extraEntropy instanceof Uint8Array) extra = options.extraEntropy;
  else if (options.extraEntropy !== undefined) {
    throw new WitkeyError('INVALID_OPTION', 'sign: extraEntropy must be a Uint8Array or true', { field: 'extraEntropy' });
  }
  const h1 = digest(hash, message);
  const { q } = key.domain;
  for (const k of rfc6979Nonces(hash, q, privateScalar(key), h1, extra, key.domain.N)) {
    const rs = signWithNonce(key, h1, k);
    if (rs) return format === 'der' ? encodeDer(rs.r, rs.s) : encodeP1363(rs.r, rs.s, Math.ceil(bitLength(q) / 8));
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}
