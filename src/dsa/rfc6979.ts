/**
 * Deterministic nonce generation for DSA, exactly RFC 6979 §3.2 (HMAC_DRBG keyed by x and H(m)),
 * with the optional additional data k' of §3.6 for hedged ("extra entropy") nonces.
 * @module
 */

import { concat } from '../wire/bytes.js';
import { blocks as sha1Blocks } from '../wire/sha1.js';
import { bigIntToBytes, bitLength, bytesToBigInt } from './arith.js';
import { type HashFn, isSha1 } from './hash.js';

/** bits2int (RFC 6979 §2.3.2): the leftmost qlen bits of `bytes` as an integer. */
export function bits2int(bytes: Uint8Array, qlen: number): bigint {
  const v = bytesToBigInt(bytes);
  const blen = bytes.length * 8;
  return blen > qlen ? v >> BigInt(blen - qlen) : v;
}

/** The part of a noble hash instance used here (its published generic types are awkward to name). */
interface HashState {
  update(bytes: Uint8Array): HashState;
  digest(): Uint8Array;
  _cloneInto(to?: HashState): HashState;
  destroy(): void;
}
const fresh = (hash: HashFn): HashState => hash.create() as unknown as HashState;

/**
 * HMAC over reusable hash states, for the six HMAC calls of one HMAC_DRBG run.
 *
 * Why: noble's one-shot `hmac(hash, key, msg)` re-keys (two compressions) and allocates an HMAC
 * object with two hash objects on every call, which over one signature's HMAC calls adds up to about as
 * much as a 1024-bit exponentiation with tables. Here each K is keyed once (its ipad/opad states), every MAC clones those
 * states into two work objects that live for the whole run (`_cloneInto`, no allocation), message
 * parts are fed without concatenation, and the all-zero initial K's states are kept per hash
 * function. 16 compressions per 1024/160 signature instead of ~27. Cost: this class, and reliance on
 * noble's `_cloneInto` (the method its own HMAC uses). Output is byte-identical.
 *
 * DataViews: noble creates a DataView whenever `update` gets a whole block at a block boundary and
 * whenever `digestInto` writes to a foreign array, ~18 per signature, enough to be a large share of a
 * 1024/160 signature's time on Node (bench/README.md). So the pads go in as two half blocks (copied
 * into the hash's own buffer, whose view is cached) and MACs end with `digest()`, which writes into the
 * own buffer and returns a copy; it also destroys the work state, which the next `_cloneInto` revives.
 * Each hash instance also makes a DataView in its constructor, so the four states are kept in a small
 * per-hash pool between runs (taken at the start of a run and returned, wiped, at its end).
 */
class Hmac {
  private readonly iKey: HashState;
  private readonly oKey: HashState;
  private readonly iWork: HashState;
  private readonly oWork: HashState;
  private readonly pad: Uint8Array;
  constructor(private readonly hash: HashFn) {
    this.iKey = fresh(hash);
    this.oKey = fresh(hash);
    this.iWork = fresh(hash);
    this.oWork = fresh(hash);
    this.pad = new Uint8Array(hash.blockLen);
  }
  get hashFn(): HashFn {
    return this.hash;
  }
  /** Starts a run: K = 0x00 … 0x00 (§3.2 step c), from the cached states. */
  start(): this {
    const z = zeroKey(this.hash);
    z.i._cloneInto(this.iKey);
    z.o._cloneInto(this.oKey);
    return this;
  }
  /** Re-keys with K (K is hlen ≤ blockLen bytes, so it is zero-padded, never hashed). */
  rekey(key: Uint8Array): void {
    keyStates(this.hash, key, this.pad, this.iKey, this.oKey);
  }
  /** HMAC_K(parts[0] || parts[1] || …) as a new array. */
  mac(...parts: Uint8Array[]): Uint8Array {
    const i = this.iKey._cloneInto(this.iWork);
    for (const p of parts) i.update(p);
    const inner = i.digest();
    const o = this.oKey._cloneInto(this.oWork).update(inner);
    inner.fill(0);
    return o.digest();
  }
  /** Ends a run: destroys the states (K-derived words) and the pad; `start` revives them. */
  wipe(): void {
    for (const h of [this.iKey, this.oKey, this.iWork, this.oWork]) h.destroy();
    this.pad.fill(0);
  }
}

/** Sets `i`/`o` to the hash states after absorbing key ⊕ ipad / key ⊕ opad (in two halves: see Hmac). */
function keyStates(hash: HashFn, key: Uint8Array, pad: Uint8Array, i: HashState, o: HashState): void {
  const iv = initial(hash);
  const half = pad.length >> 1;
  pad.fill(0);
  pad.set(key);
  for (let t = 0; t < pad.length; t++) pad[t]! ^= 0x36;
  iv._cloneInto(i).update(pad.subarray(0, half)).update(pad.subarray(half));
  for (let t = 0; t < pad.length; t++) pad[t]! ^= 0x36 ^ 0x5c;
  iv._cloneInto(o).update(pad.subarray(0, half)).update(pad.subarray(half));
  pad.fill(0);
}

// Per hash function: a never-updated instance to reset states from, and the keyed states of the
// initial K = 0x00…00 of §3.2 step c (not secret; the same for every signature).
const INITIAL = new WeakMap<HashFn, HashState>();
const ZERO_KEY = new WeakMap<HashFn, { i: HashState; o: HashState }>();
function initial(hash: HashFn): HashState {
  let h = INITIAL.get(hash);
  if (!h) INITIAL.set(hash, (h = fresh(hash)));
  return h;
}
function zeroKey(hash: HashFn): { i: HashState; o: HashState } {
  let z = ZERO_KEY.get(hash);
  if (!z) {
    z = { i: fresh(hash), o: fresh(hash) };
    keyStates(hash, new Uint8Array(hash.outputLen), new Uint8Array(hash.blockLen), z.i, z.o);
    ZERO_KEY.set(hash, z);
  }
  return z;
}

let SHA1_ZERO_KEY: { i: Int32Array; o: Int32Array } | undefined;
const SHA1_IV = /* @__PURE__ */ Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);

/**
 * HMAC-SHA-1 on the SHA-1 compression of src/wire/sha1.ts, with the interface of {@link Hmac}. Why:
 * a 1024/160 signature's nonce takes five HMACs and two re-keyings (16 SHA-1 blocks); through
 * `@noble/hashes` (clones, views, a class per hash) that was about a fifth of the signature, here it
 * is a few microseconds. States and scratch are typed arrays that `wipe` zeroes.
 */
class HmacSha1 {
  private readonly ih = new Int32Array(5); // state after the key ⊕ ipad block
  private readonly oh = new Int32Array(5); // state after the key ⊕ opad block
  private readonly st = new Int32Array(5);
  private readonly buf = new Uint8Array(64);
  private readonly view = new DataView(this.buf.buffer);
  /** Starts a run: K = 0x00 … 0x00 (§3.2 step c), from the states of that key (computed once; not secret). */
  start(): this {
    if (!SHA1_ZERO_KEY) {
      this.rekey(new Uint8Array(20));
      SHA1_ZERO_KEY = { i: this.ih.slice(), o: this.oh.slice() };
    }
    this.ih.set(SHA1_ZERO_KEY.i);
    this.oh.set(SHA1_ZERO_KEY.o);
    return this;
  }
  /** Re-keys with K (20 bytes, so zero-padded, never hashed). */
  rekey(key: Uint8Array): void {
    const { buf, view } = this;
    buf.fill(0x36);
    for (let t = 0; t < key.length; t++) buf[t] = key[t]! ^ 0x36;
    this.ih.set(SHA1_IV);
    sha1Blocks(this.ih, view, 0, 64);
    for (let t = 0; t < 64; t++) buf[t]! ^= 0x36 ^ 0x5c;
    this.oh.set(SHA1_IV);
    sha1Blocks(this.oh, view, 0, 64);
    buf.fill(0);
  }
  /** HMAC_K(parts[0] || parts[1] || …) as a new array. */
  mac(...parts: Uint8Array[]): Uint8Array {
    const { buf, view, st } = this;
    st.set(this.ih);
    let used = 0;
    let length = 64; // the key block
    for (const p of parts) {
      length += p.length;
      if (used + p.length < 64) {
        buf.set(p, used); // the usual case: V, a byte, x, h fit in the block being filled
        used += p.length;
        continue;
      }
      for (let t = 0; t < p.length; t++) {
        buf[used++] = p[t]!;
        if (used === 64) {
          sha1Blocks(st, view, 0, 64);
          used = 0;
        }
      }
    }
    this.finish(used, length);
    // Outer hash: the inner digest (20 bytes) after the opad block.
    for (let k = 0; k < 5; k++) view.setInt32(k * 4, st[k]!);
    st.set(this.oh);
    this.finish(20, 84);
    const out = new Uint8Array(20);
    for (let k = 0, o = 0; k < 5; k++, o += 4) {
      const w = st[k]!;
      out[o] = w >>> 24;
      out[o + 1] = w >>> 16;
      out[o + 2] = w >>> 8;
      out[o + 3] = w;
    }
    return out;
  }
  /** Pads the `used` bytes in buf of a `length`-byte message and compresses the last block(s) into st. */
  private finish(used: number, length: number): void {
    const { buf, view, st } = this;
    buf[used++] = 0x80;
    if (used > 56) {
      buf.fill(0, used);
      sha1Blocks(st, view, 0, 64);
      used = 0;
    }
    buf.fill(0, used, 56);
    view.setUint32(56, 0);
    view.setUint32(60, length * 8);
    sha1Blocks(st, view, 0, 64);
  }
  /** Ends a run: zeroes the key-derived states and the scratch. */
  wipe(): void {
    this.ih.fill(0);
    this.oh.fill(0);
    this.st.fill(0);
    this.buf.fill(0);
  }
}

// Wiped Hmac objects between runs, per hash function (a run takes one and gives it back; two runs
// alive at once simply get two objects).
const POOL = new WeakMap<HashFn, Hmac[]>();
const SHA1_POOL: HmacSha1[] = [];
function takeHmac(hash: HashFn): Hmac | HmacSha1 {
  if (isSha1(hash)) return SHA1_POOL.pop() ?? new HmacSha1();
  return POOL.get(hash)?.pop() ?? new Hmac(hash);
}
function putHmac(m: Hmac | HmacSha1): void {
  if (m instanceof HmacSha1) {
    if (SHA1_POOL.length < 2) SHA1_POOL.push(m);
    return;
  }
  const hash = m.hashFn;
  let list = POOL.get(hash);
  if (!list) POOL.set(hash, (list = []));
  if (list.length < 2) list.push(m);
}

const B0 = /* @__PURE__ */ Uint8Array.of(0);
const B1 = /* @__PURE__ */ Uint8Array.of(1);

/**
 * Yields candidate nonces k ∈ [1, q-1] for private key x and message hash h1 (RFC 6979 §3.2 step h).
 * The caller takes the first one, and asks for the next only if r or s turned out to be 0. `qlen` is
 * the bit length of q (N of a validated domain; computed from q when not given).
 */
export function* rfc6979Nonces(
  hash: HashFn,
  q: bigint,
  x: bigint,
  h1: Uint8Array,
  extra?: Uint8Array,
  qlen: number = bitLength(q),
): Generator<bigint, never, void> {
  const rlen = Math.ceil(qlen / 8);
  const hlen = hash.outputLen;
  const bx = bigIntToBytes(x, rlen);
  let z = bits2int(h1, qlen);
  if (z >= q) z -= q; // bits2octets: z mod q (z < 2q)
  const bh = bigIntToBytes(z, rlen);
  const k2 = extra ?? new Uint8Array(0);
  const m = takeHmac(hash).start(); // K = 0x00 … 0x00 (step c)
  try {
    let V: Uint8Array = new Uint8Array(hlen).fill(1); // step b
    m.rekey(m.mac(V, B0, bx, bh, k2)); // step d
    V = m.mac(V); // step e
    m.rekey(m.mac(V, B1, bx, bh, k2)); // step f
    V = m.mac(V); // step g
    for (;;) {
      V = m.mac(V);
      let T: Uint8Array = V; // one block is enough whenever hlen ≥ qlen, as with the default hashes
      while (T.length * 8 < qlen) {
        V = m.mac(V);
        T = concat([T, V]);
      }
      const k = bits2int(T, qlen);
      if (k >= 1n && k < q) yield k;
      m.rekey(m.mac(V, B0));
      V = m.mac(V);
    }
  } finally {
    // Runs when the caller stops asking (a for-of that returns calls the generator's return()).
    m.wipe();
    putHmac(m);
  }
}
