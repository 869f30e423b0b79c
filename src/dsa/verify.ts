/**
 * DSA signature verification (FIPS 186-4 §4.7), strict.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { mod, modInv } from './arith.js';
import { type DsaHashName, digest, hashFor } from './hash.js';
import { type DsaPrivateKey, type DsaPublicKey, isDsaPrivateKey, isDsaPublicKey } from './key.js';
import { comb2, pow2 } from './mont-pow.js';
import { verifyCombs } from './precompute.js';
import { bits2int } from './rfc6979.js';
import { decodeDer, decodeP1363, type SignatureFormat } from './signature.js';

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** Hash the signature was made with. Default follows N: 160 → sha1, 224 → sha224, 256 → sha256. */
  hash?: DsaHashName;
  /** Signature encoding. Default `der`. */
  format?: SignatureFormat;
}

/**
 * Verifies a DSA signature over `message`.
 *
 * Never throws for a malformed signature: it returns false. A signature is accepted only if it is
 * strict DER (or P1363 of exactly 2 × byte length of q), with 0 < r, s < q, and the equation holds
 * with the hash truncated to its leftmost N bits. Throws only for programming errors: a key that is
 * not a DSA key, a message that is not a Uint8Array, or an unknown hash/format option.
 * @example
 * if (!verify(sig, bytes, alipayPublicKey)) throw new Error('forged notification');
 */
export function verify(
  signature: Uint8Array,
  message: Uint8Array,
  key: DsaPublicKey | DsaPrivateKey,
  opts?: VerifyOptions,
): boolean {
  const options = optionsObject(opts, 'verify');
  const pub = isDsaPrivateKey(key) ? key.publicKey : key;
  if (!isDsaPublicKey(pub)) {
    throw new WitkeyError('INVALID_KEY', 'verify: expected a DsaPublicKey (see importPublicKey)', { field: 'key' });
  }
  if (!(message instanceof Uint8Array)) {
    throw new WitkeyError('INVALID_OPTION', 'verify: message must be a Uint8Array', { field: 'message' });
  }
  const hash = hashFor(options.hash, pub.domain.N);
  const format = options.format === undefined ? 'der' : options.format;
  if (format !== 'der' && format !== 'p1363') {
    throw new WitkeyError('INVALID_OPTION', `verify: unknown format "${String(format)}"; expected der or p1363`, {
      field: 'format',
    });
  }
  if (!(signature instanceof Uint8Array)) return false;
  return verifyDigest(signature, digest(hash, message), pub, format);
}

/**
 * @internal The body of {@link verify} for a message digest computed by the caller (a streaming
 * hash over received bytes). Same strictness; never throws for a malformed signature.
 */
export function verifyDigest(
  signature: Uint8Array,
  digest: Uint8Array,
  pub: DsaPublicKey,
  format: SignatureFormat = 'der',
): boolean {
  const { p, q, g, N } = pub.domain;
  const rs = format === 'der' ? decodeDer(signature) : decodeP1363(signature, Math.ceil(N / 8));
  if (!rs) return false;
  const { r, s } = rs;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  const z = bits2int(digest, N);
  const w = modInv(s, q);
  const u1 = mod(z * w, q);
  const u2 = mod(r * w, q);
  // g^u1 · y^u2 in one pass: from the key's combs once it has them (see precompute.ts), else by a
  // joint sliding window that shares the squarings between the two bases.
  const combs = verifyCombs(pub);
  const v = mod(combs ? comb2(combs.g, u1, combs.y, u2, p) : pow2(g, u1, pub.y, u2, p), q);
  return v === r;
}
