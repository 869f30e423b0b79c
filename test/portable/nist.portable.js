// NIST CAVP FIPS 186-3 DSA (test/vectors/nist, all 600 records): SigVer — every P verifies (DER and
// P1363), every F is rejected; SigGen — y = g^x, signWithNonce(key, H(Msg), K) is exactly (R, S), and
// verify accepts. H(Msg) was computed by node:crypto when the data was generated.

import * as assert from './assert.js';
import data from './generated/nist.js';
import { test } from './harness.js';
import { createPrivateKey, createPublicKey, signWithNonce, verify } from './lib.js';
import { big, derSignature, forEachEngine, hexToBytes, toBytes } from './util.js';

const HASHES = { 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

test('NIST SigVer: 300 records (140 P, 160 F); P verify, F are rejected, on each DSA engine', () => {
  const records = data.sigver;
  assert.equal(records.length, 300);
  assert.equal(records.filter((r) => r.Result === 'P').length, 140);
  assert.equal(records.filter((r) => /^F \(\d - .*\)$/.test(r.Result)).length, 160);
  forEachEngine(() => {
    const failures = [];
    let verified = 0;
    let rejected = 0;
    for (const [i, r] of records.entries()) {
      const expectOk = r.Result === 'P';
      const label = `record ${i} [${r.L}/${r.N} ${r.sha}] ${r.Result}`;
      let key;
      try {
        key = createPublicKey({ p: big(r.P), q: big(r.Q), g: big(r.G), y: big(r.Y) });
      } catch (e) {
        // A changed Y may leave the order-q subgroup: refusing the key counts as a rejection, for "2 - Y changed" only.
        if (!expectOk && r.Result.startsWith('F (2 ') && e.code === 'INVALID_KEY' && e.field === 'y') rejected++;
        else failures.push(`${label}: createPublicKey threw ${e.code} ${e.message}`);
        continue;
      }
      const msg = hexToBytes(r.Msg);
      const R = big(r.R);
      const S = big(r.S);
      const n = Math.ceil(r.N / 8);
      const p1363 = Uint8Array.from([...toBytes(R, n), ...toBytes(S, n)]);
      const hash = HASHES[r.sha];
      const a = verify(p1363, msg, key, { hash, format: 'p1363' });
      const b = verify(derSignature(R, S), msg, key, { hash, format: 'der' });
      if (a !== expectOk || b !== expectOk) failures.push(`${label}: p1363 ${a}, der ${b}`);
      else if (expectOk) verified++;
      else rejected++;
    }
    assert.deepEqual(failures, []);
    assert.equal(verified, 140);
    assert.equal(rejected, 160);
  });
});

test('NIST SigGen: 300 records; y = g^x, exact (R, S) from K, verify accepts, on each DSA engine', () => {
  const records = data.siggen;
  assert.equal(records.length, 300);
  forEachEngine(() => {
    const failures = [];
    let signed = 0;
    for (const [i, r] of records.entries()) {
      const label = `record ${i} [${r.L}/${r.N} ${r.sha}]`;
      const key = createPrivateKey({ p: big(r.P), q: big(r.Q), g: big(r.G), x: big(r.X) });
      if (key.publicKey.y !== big(r.Y)) {
        failures.push(`${label}: y != Y`);
        continue;
      }
      const rs = signWithNonce(key, hexToBytes(r.H), big(r.K));
      if (!rs || rs.r !== big(r.R) || rs.s !== big(r.S)) {
        failures.push(`${label}: got r=${rs?.r.toString(16)} s=${rs?.s.toString(16)}`);
        continue;
      }
      if (!verify(derSignature(rs.r, rs.s), hexToBytes(r.Msg), key.publicKey, { hash: HASHES[r.sha] })) {
        failures.push(`${label}: verify rejects the NIST (R, S)`);
        continue;
      }
      signed++;
    }
    assert.deepEqual(failures, []);
    assert.equal(signed, 300);
  });
});
