// RFC 6979 Appendix A.2.1 (DSA 1024) and A.2.2 (DSA 2048): deterministic signatures for
// "sample" and "test" with SHA-1/224/256/384/512 must be exactly the RFC's (r, s). Plus hedged
// signatures (§3.6 extra entropy). Vectors: test/vectors/rfc6979-dsa.json (see its `source`).

import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createPrivateKey, sign, verify } from '../dist/esm/index.js';
import { derSignature, dsaSpki } from './support/der.mjs';
import { rfc6979Nonce } from './support/rfc6979.mjs';
import { big, bitLen, bytesToHex, digest, invMod, leftmostBits, powMod, toBytes } from './support/util.mjs';

const VECTORS = JSON.parse(readFileSync(new URL('./vectors/rfc6979-dsa.json', import.meta.url), 'utf8'));
const HASHES = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
const enc = (s) => new TextEncoder().encode(s);

const KEYS = Object.fromEntries(
  Object.entries(VECTORS.keys).map(([name, k]) => [
    name,
    { ...k, p: big(k.p), q: big(k.q), g: big(k.g), x: big(k.x), y: big(k.y) },
  ]),
);

/** The same key for node:crypto (OpenSSL), through an SPKI built by hand. */
const nodeKey = (k) => nodeCrypto.createPublicKey({ key: Buffer.from(dsaSpki(k)), format: 'der', type: 'spki' });

function nodeVerify(k, hash, msg, sig, dsaEncoding) {
  return nodeCrypto.verify(hash, msg, { key: nodeKey(k), dsaEncoding }, sig);
}

const p1363Of = (r, s, q) => {
  const n = Math.ceil(bitLen(q) / 8);
  return Uint8Array.from([...toBytes(r, n), ...toBytes(s, n)]);
};

test('rfc6979 vectors: 20 cases, both keys × "sample"/"test" × five hashes', () => {
  assert.equal(VECTORS.cases.length, 20);
  const combos = new Set(VECTORS.cases.map((c) => `${c.key}|${c.message}|${c.hash}`));
  assert.equal(combos.size, 20);
  for (const key of ['DSA1024', 'DSA2048']) {
    for (const m of ['sample', 'test']) for (const h of HASHES) assert.ok(combos.has(`${key}|${m}|${h}`), `${key} ${m} ${h}`);
  }
  assert.equal(bitLen(KEYS.DSA1024.p), 1024);
  assert.equal(bitLen(KEYS.DSA1024.q), 160);
  assert.equal(bitLen(KEYS.DSA2048.p), 2048);
  assert.equal(bitLen(KEYS.DSA2048.q), 256);
});

// Transcription check with textbook arithmetic, independent of the library: a typo in the JSON
// shows up here rather than as a mysterious signing mismatch.
test('rfc6979 vectors: y = g^x mod p, r = (g^k mod p) mod q, s = k^-1 (z + x r) mod q, k per §3.2', () => {
  for (const [name, k] of Object.entries(KEYS)) {
    assert.equal(powMod(k.g, k.x, k.p), k.y, `${name}: y`);
    assert.equal(powMod(k.g, k.q, k.p), 1n, `${name}: g has order q`);
    assert.equal((k.p - 1n) % k.q, 0n, `${name}: q | p-1`);
  }
  for (const c of VECTORS.cases) {
    const k = KEYS[c.key];
    const K = big(c.k);
    const r = powMod(k.g, K, k.p) % k.q;
    const z = leftmostBits(digest(c.hash, enc(c.message)), bitLen(k.q));
    const s = (invMod(K, k.q) * ((z + k.x * r) % k.q)) % k.q;
    assert.equal(r, big(c.r), `${c.key} ${c.message} ${c.hash}: r`);
    assert.equal(s, big(c.s), `${c.key} ${c.message} ${c.hash}: s`);
    const nonce = rfc6979Nonce({ q: k.q, x: k.x, hash: c.hash, h1: digest(c.hash, enc(c.message)) });
    assert.equal(nonce, K, `${c.key} ${c.message} ${c.hash}: reference k`);
  }
});

for (const c of VECTORS.cases) {
  test(`rfc6979 ${VECTORS.keys[c.key].section} ${c.key} "${c.message}" ${c.hash}: exact (r, s)`, () => {
    const k = KEYS[c.key];
    const key = createPrivateKey({ p: k.p, q: k.q, g: k.g, x: k.x });
    assert.equal(key.publicKey.y, k.y, 'y');
    const msg = enc(c.message);
    const want = p1363Of(big(c.r), big(c.s), k.q);
    const got = sign(msg, key, { hash: c.hash, format: 'p1363' });
    assert.equal(bytesToHex(got), bytesToHex(want));
    const der = sign(msg, key, { hash: c.hash, format: 'der' });
    assert.equal(bytesToHex(der), bytesToHex(derSignature(big(c.r), big(c.s))));
    assert.equal(verify(got, msg, key.publicKey, { hash: c.hash, format: 'p1363' }), true);
    assert.equal(verify(der, msg, key.publicKey, { hash: c.hash }), true);
    assert.equal(nodeVerify(k, c.hash, msg, der, 'der'), true, 'OpenSSL accepts our DER');
  });
}

test('hedged: extraEntropy: true differs from run to run and from the deterministic signature, and verifies', () => {
  for (const [name, k] of Object.entries(KEYS)) {
    const key = createPrivateKey({ p: k.p, q: k.q, g: k.g, x: k.x });
    const msg = enc('sample');
    const det = bytesToHex(sign(msg, key, { hash: 'sha256' }));
    const seen = new Set([det]);
    for (let i = 0; i < 4; i++) {
      const sig = sign(msg, key, { hash: 'sha256', extraEntropy: true });
      assert.equal(seen.has(bytesToHex(sig)), false, `${name}: hedged signature ${i} repeats`);
      seen.add(bytesToHex(sig));
      assert.equal(verify(sig, msg, key, { hash: 'sha256' }), true, `${name}: our verify`);
      assert.equal(nodeVerify(k, 'sha256', msg, sig, 'der'), true, `${name}: OpenSSL verify`);
    }
  }
});

test('hedged: fixed extraEntropy bytes are deterministic, differ from none, and follow RFC 6979 §3.6 exactly', () => {
  const extras = [Uint8Array.of(1), new Uint8Array(32).fill(0xa5), enc("additional data k'")];
  for (const [name, k] of Object.entries(KEYS)) {
    const key = createPrivateKey({ p: k.p, q: k.q, g: k.g, x: k.x });
    for (const hash of HASHES) {
      const msg = enc('test');
      const plain = bytesToHex(sign(msg, key, { hash, format: 'p1363' }));
      // An empty k' is, by §3.6, no k' at all.
      assert.equal(bytesToHex(sign(msg, key, { hash, format: 'p1363', extraEntropy: new Uint8Array(0) })), plain);
      const outputs = new Set();
      for (const extra of extras) {
        const a = sign(msg, key, { hash, format: 'p1363', extraEntropy: extra });
        const b = sign(msg, key, { hash, format: 'p1363', extraEntropy: Uint8Array.from(extra) });
        assert.equal(bytesToHex(a), bytesToHex(b), `${name} ${hash}: same extra, same signature`);
        assert.notEqual(bytesToHex(a), plain, `${name} ${hash}: extra entropy changes the signature`);
        outputs.add(bytesToHex(a));
        // Independent expectation: k from the reference HMAC_DRBG with k', then textbook (r, s).
        const h1 = digest(hash, msg);
        const K = rfc6979Nonce({ q: k.q, x: k.x, hash, h1, extra });
        const r = powMod(k.g, K, k.p) % k.q;
        const s = (invMod(K, k.q) * ((leftmostBits(h1, bitLen(k.q)) + k.x * r) % k.q)) % k.q;
        assert.equal(bytesToHex(a), bytesToHex(p1363Of(r, s, k.q)), `${name} ${hash}: §3.6 signature`);
        assert.equal(verify(a, msg, key, { hash, format: 'p1363' }), true);
      }
      assert.equal(outputs.size, extras.length, `${name} ${hash}: different extras give different signatures`);
    }
  }
});
