/**
 * The hash functions DSA signs with, from @noble/hashes, by name.
 * @module
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { WitkeyError } from '../errors.js';
import { sha1 as fastSha1 } from '../wire/sha1.js';

/** Hash names accepted by `sign` and `verify`. */
export type DsaHashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** A noble-style hash: callable, with `outputLen`, `blockLen` and `create()`. */
export type HashFn = CHash;

const HASHES: Record<DsaHashName, HashFn> = { sha1, sha224, sha256, sha384, sha512 };

/** The hash function for a name, or the default for N (160 → sha1, 224 → sha224, 256 → sha256). */
export function hashFor(name: DsaHashName | undefined, N: number): HashFn {
  if (name === undefined) return N === 160 ? HASHES.sha1 : N === 224 ? HASHES.sha224 : HASHES.sha256;
  const h = Object.hasOwn(HASHES, name) ? HASHES[name] : undefined;
  if (!h) {
    throw new WitkeyError('INVALID_OPTION', `unknown hash "${String(name)}"; expected one of ${Object.keys(HASHES).join(', ')}`, {
      field: 'hash',
    });
  }
  return h;
}

/** Whether `hash` is SHA-1 (for which faster code than the generic noble paths exists). */
export function isSha1(hash: HashFn): boolean {
  return hash === HASHES.sha1;
}

/**
 * The digest of `message`: SHA-1 by src/wire/sha1.ts (about three times as fast as `@noble/hashes`'
 * on V8, same digests), every other hash by `@noble/hashes`.
 */
export function digest(hash: HashFn, message: Uint8Array): Uint8Array {
  return hash === HASHES.sha1 ? fastSha1(message) : hash(message);
}
