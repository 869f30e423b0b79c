// RFC 6979 A.2.1 (DSA 1024) and A.2.2 (DSA 2048): deterministic signatures for "sample" and "test" with
// SHA-1/224/256/384/512 are exactly the RFC's (r, s), in P1363 and DER, and verify.

import * as assert from './assert.js';
import VECTORS from './generated/rfc6979.js';
import { test } from './harness.js';
import { createPrivateKey, precompute, sign, verify } from './lib.js';
import { big, bytesToHex, derSignature, forEachEngine, toBytes, utf8 } from './util.js';

test('rfc6979: 20 cases, both keys × "sample"/"test" × five hashes', () => {
  assert.equal(VECTORS.cases.length, 20);
  assert.equal(new Set(VECTORS.cases.map((c) => `${c.key}|${c.message}|${c.hash}`)).size, 20);
});

function check(c, key) {
  const k = VECTORS.keys[c.key];
  assert.equal(key.publicKey.y, big(k.y), 'y');
  const n = Math.ceil(big(k.q).toString(2).length / 8);
  const msg = utf8(c.message);
  const p1363 = sign(msg, key, { hash: c.hash, format: 'p1363' });
  assert.equal(bytesToHex(p1363), bytesToHex(Uint8Array.from([...toBytes(big(c.r), n), ...toBytes(big(c.s), n)])));
  const der = sign(msg, key, { hash: c.hash, format: 'der' });
  assert.equal(bytesToHex(der), bytesToHex(derSignature(big(c.r), big(c.s))));
  assert.equal(verify(p1363, msg, key.publicKey, { hash: c.hash, format: 'p1363' }), true);
  assert.equal(verify(der, msg, key.publicKey, { hash: c.hash }), true);
  assert.equal(verify(der, utf8(c.message + '.'), key.publicKey, { hash: c.hash }), false);
}

const keyOf = (name) => {
  const k = VECTORS.keys[name];
  return createPrivateKey({ p: big(k.p), q: big(k.q), g: big(k.g), x: big(k.x) });
};

// Each case on each engine, from a fresh key object (the first uses: no tables, then small ones).
for (const c of VECTORS.cases) {
  test(`rfc6979 ${c.key} "${c.message}" ${c.hash}: exact (r, s), on each DSA engine`, () => {
    forEachEngine(() => check(c, keyOf(c.key)));
  });
}

// Every case again with every table built (precompute), on each engine.
test('rfc6979: the 20 cases with precomputed tables, on each DSA engine', () => {
  forEachEngine(() => {
    const keys = {};
    for (const name of Object.keys(VECTORS.keys)) {
      keys[name] = keyOf(name);
      precompute(keys[name]);
      precompute(keys[name].publicKey);
    }
    for (const c of VECTORS.cases) check(c, keys[c.key]);
  });
});
