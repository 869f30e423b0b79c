// Small helpers shared by the tests: hex and textbook modular arithmetic.
import { createHash } from 'node:crypto';

/** Hex (any case, optional whitespace) → bytes. */
export function hexToBytes(hex) {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2) throw new Error(`odd hex length: ${clean.length}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const b = parseInt(clean.substr(i * 2, 2), 16);
    if (Number.isNaN(b)) throw new Error(`bad hex at ${i * 2}`);
    out[i] = b;
  }
  return out;
}

export const bytesToHex = (b) => Buffer.from(b).toString('hex');

/** Hex → bigint ('' → 0n). Leading sign byte 00 is harmless. */
export const big = (hex) => (hex.replace(/\s+/g, '') === '' ? 0n : BigInt('0x' + hex.replace(/\s+/g, '')));

/** Textbook square-and-multiply (independent of src/dsa/arith.ts). */
export function powMod(b, e, m) {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/** Modular inverse via Fermat (m prime). */
export const invMod = (a, m) => powMod(((a % m) + m) % m, m - 2n, m);

export const bitLen = (n) => n.toString(2).length;

/** node:crypto digest of bytes; name like 'sha1', 'sha224', ... */
export const digest = (name, bytes) => new Uint8Array(createHash(name).update(bytes).digest());

/** z: leftmost min(N, outlen) bits of the hash, as an integer (FIPS 186-4 §4.6). */
export function leftmostBits(hashBytes, N) {
  const v = BigInt('0x' + (bytesToHex(hashBytes) || '0'));
  const blen = hashBytes.length * 8;
  return blen > N ? v >> BigInt(blen - N) : v;
}

/** Fixed-width big-endian bytes of n. */
export function toBytes(n, len) {
  const hex = n.toString(16).padStart(len * 2, '0');
  if (hex.length > len * 2) throw new RangeError('does not fit');
  return hexToBytes(hex);
}
