/**
 * Deterministic nonce generation for DSA, exactly RFC 6979 §3.2 (HMAC_DRBG keyed by x and H(m)),
 * with the optional additional data k' of §3.6 for hedged ("extra entropy") nonces.
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { bigIntToBytes, bitLength, bytesToBigInt } from './arith.js';
import type { HashFn } from './hash.js';

/** bits2int (RFC 6979 §2.3.2): the leftmost qlen bits of `bytes` as an integer. */
export function bits2int(bytes: Uint8Array, qlen: number): bigint {
  const v = bytesToBigInt(bytes);
  const blen = bytes.length * 8;
  return blen > qlen ? v >> BigInt(blen - qlen) : v;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Yields candidate nonces k ∈ [1, q-1] for private key x and message hash h1 (RFC 6979 §3.2 step h).
 * The caller takes the first one, and asks for the next only if r or s turned out to be 0.
 */
export function* rfc6979Nonces(
  hash: HashFn,
  q: bigint,
  x: bigint,
  h1: Uint8Array,
  extra?: Uint8Array,
): Generator<bigint, never, void> {
  const qlen = bitLength(q);
  const rlen = Math.ceil(qlen / 8);
  const hlen = hash.outputLen;
  const mac = (key: Uint8Array, ...msg: Uint8Array[]) => hmac(hash, key, concat(...msg));
  const bx = bigIntToBytes(x, rlen);
  let z = bits2int(h1, qlen);
  if (z >= q) z -= q; // bits2octets: z mod q (z < 2q)
  const bh = bigIntToBytes(z, rlen);
  const k2 = extra ?? new Uint8Array(0);
  let V: Uint8Array = new Uint8Array(hlen).fill(1);
  let K: Uint8Array = new Uint8Array(hlen);
  K = mac(K, V, Uint8Array.of(0), bx, bh, k2);
  V = mac(K, V);
  K = mac(K, V, Uint8Array.of(1), bx, bh, k2);
  V = mac(K, V);
  for (;;) {
    let T: Uint8Array = new Uint8Array(0);
    while (T.length * 8 < qlen) {
      V = mac(K, V);
      T = concat(T, V);
    }
    const k = bits2int(T, qlen);
    if (k >= 1n && k < q) yield k;
    K = mac(K, V, Uint8Array.of(0));
    V = mac(K, V);
  }
}
