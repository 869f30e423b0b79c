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
 * HMAC keyed once, evaluated many times: `with(key)` runs the two pad compressions, `mac(...)` clones
 * that keyed state into one reusable scratch object and hashes the message parts in place.
 *
 * Why: HMAC_DRBG calls HMAC six times per signature, and noble's one-shot `hmac(hash, key, msg)`
 * re-keys (two extra compressions) and allocates two hash objects each time (~4 µs per call, ~25 µs
 * per 1024-bit signature, as much as the exponentiation). Keying once per K, keeping the all-zero
 * initial key per hash function, and feeding the parts without concatenating cuts the compressions
 * from ~27 to 16 and the allocations to a few. Cost: this class. Output is byte-identical.
 */
/** The part of noble's HMAC instance used here (its published types are too generic to name it). */
interface Mac {
  update(bytes: Uint8Array): Mac;
  digest(): Uint8Array;
  clone(): Mac;
  _cloneInto(to?: Mac): Mac;
}
const keyedMac = (hash: HashFn, key: Uint8Array): Mac => hmac.create(hash, key) as unknown as Mac;

class KeyedMac {
  private keyed!: Mac;
  private readonly scratch: Mac;
  constructor(private readonly hash: HashFn) {
    this.keyed = zeroKeyed(hash);
    this.scratch = this.keyed.clone();
  }
  /** Re-keys with K. */
  with(key: Uint8Array): this {
    this.keyed = keyedMac(this.hash, key);
    return this;
  }
  /** HMAC_K(parts[0] || parts[1] || …). */
  mac(...parts: Uint8Array[]): Uint8Array {
    const h = this.keyed._cloneInto(this.scratch);
    for (const p of parts) h.update(p);
    return h.digest();
  }
}

// The initial K of §3.2 step c is hlen zero bytes: its keyed state is the same for every signature.
const ZERO_KEYED = new WeakMap<HashFn, Mac>();
function zeroKeyed(hash: HashFn): Mac {
  let h = ZERO_KEYED.get(hash);
  if (!h) ZERO_KEYED.set(hash, (h = keyedMac(hash, new Uint8Array(hash.outputLen))));
  return h;
}

const B0 = /* @__PURE__ */ Uint8Array.of(0);
const B1 = /* @__PURE__ */ Uint8Array.of(1);

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
  const bx = bigIntToBytes(x, rlen);
  let z = bits2int(h1, qlen);
  if (z >= q) z -= q; // bits2octets: z mod q (z < 2q)
  const bh = bigIntToBytes(z, rlen);
  const k2 = extra ?? new Uint8Array(0);
  const m = new KeyedMac(hash); // K = 0x00 … 0x00 (step c)
  let V: Uint8Array = new Uint8Array(hlen).fill(1); // step b
  m.with(m.mac(V, B0, bx, bh, k2)); // step d
  V = m.mac(V); // step e
  m.with(m.mac(V, B1, bx, bh, k2)); // step f
  V = m.mac(V); // step g
  for (;;) {
    let T: Uint8Array = new Uint8Array(0);
    while (T.length * 8 < qlen) {
      V = m.mac(V);
      T = concat(T, V);
    }
    const k = bits2int(T, qlen);
    if (k >= 1n && k < q) yield k;
    m.with(m.mac(V, B0));
    V = m.mac(V);
  }
}
