// Wycheproof DSA vectors (test/vectors/wycheproof, all 9 files, every case): every `valid` case
// verifies; every `invalid` and `acceptable` (BER) case is rejected — verify answers false, never
// throws. Each group's DER key imports to the same (p, q, g, y) as its components.

import * as assert from './assert.js';
import data from './generated/wycheproof.js';
import { test } from './harness.js';
import { createPublicKey, importPublicKey, verify } from './lib.js';
import { big, forEachEngine, hexToBytes } from './util.js';

// Expected counts, copied by hand from the table in SOURCE.md (independent of the JSON files).
const EXPECTED = {
  'testvectors/dsa_test.json': { groups: 9, tests: 906, valid: 33, invalid: 870, acceptable: 3 },
  'testvectors_v1/dsa_2048_224_sha224_p1363_test.json': { groups: 18, tests: 109, valid: 51, invalid: 58, acceptable: 0 },
  'testvectors_v1/dsa_2048_224_sha224_test.json': { groups: 18, tests: 336, valid: 52, invalid: 283, acceptable: 1 },
  'testvectors_v1/dsa_2048_224_sha256_p1363_test.json': { groups: 18, tests: 137, valid: 79, invalid: 58, acceptable: 0 },
  'testvectors_v1/dsa_2048_224_sha256_test.json': { groups: 18, tests: 364, valid: 80, invalid: 283, acceptable: 1 },
  'testvectors_v1/dsa_2048_256_sha256_p1363_test.json': { groups: 20, tests: 139, valid: 81, invalid: 58, acceptable: 0 },
  'testvectors_v1/dsa_2048_256_sha256_test.json': { groups: 20, tests: 366, valid: 82, invalid: 283, acceptable: 1 },
  'testvectors_v1/dsa_3072_256_sha256_p1363_test.json': { groups: 20, tests: 139, valid: 81, invalid: 58, acceptable: 0 },
  'testvectors_v1/dsa_3072_256_sha256_test.json': { groups: 20, tests: 366, valid: 82, invalid: 283, acceptable: 1 },
};
const HASHES = { 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const FORMATS = { DsaVerify: 'der', DsaP1363Verify: 'p1363' };

test('wycheproof: the generated data holds exactly the files listed in SOURCE.md', () => {
  assert.deepEqual([...data.present].sort(), Object.keys(EXPECTED).sort());
});

for (const [file, expected] of Object.entries(EXPECTED)) {
  test(`wycheproof: ${file} (${expected.tests} cases), on each DSA engine`, () => {
    const d = data.files[file];
    assert.ok(d, `${file} missing from the generated data`);
    assert.equal(d.algorithm, 'DSA');
    const cases = d.testGroups.flatMap((g) => g.tests);
    const count = (r) => cases.filter((c) => c.result === r).length;
    assert.equal(d.testGroups.length, expected.groups, 'groups');
    assert.equal(d.numberOfTests, expected.tests, 'numberOfTests');
    assert.equal(cases.length, expected.tests, 'cases present');
    assert.equal(count('valid'), expected.valid, 'valid');
    assert.equal(count('invalid'), expected.invalid, 'invalid');
    assert.equal(count('acceptable'), expected.acceptable, 'acceptable');
    forEachEngine(() => {
      const failures = [];
      let checked = 0;
      for (const g of d.testGroups) {
        const hash = HASHES[g.sha];
        const format = FORMATS[g.type];
        assert.ok(hash && format, `${g.sha} ${g.type}`);
        const key = createPublicKey({ p: big(g.key.p), q: big(g.key.q), g: big(g.key.g), y: big(g.key.y) });
        assert.equal(key.domain.L, g.key.keySize, 'key size');
        for (const c of g.tests) {
          let got;
          try {
            got = verify(hexToBytes(c.sig), hexToBytes(c.msg), key, { hash, format });
          } catch (e) {
            failures.push(`tcId ${c.tcId} (${c.result}, ${c.comment}): threw ${e?.code ?? ''} ${e?.message}`);
            continue;
          }
          if (typeof got !== 'boolean') failures.push(`tcId ${c.tcId}: returned ${typeof got}`);
          else if (got !== (c.result === 'valid'))
            failures.push(`tcId ${c.tcId} (${c.result}, ${c.comment}): verify returned ${got}`);
          else checked++;
        }
      }
      assert.deepEqual(failures, []);
      assert.equal(checked, expected.tests);
    });
  });
}

test('wycheproof: importPublicKey(DER of every group) gives the components', () => {
  let groups = 0;
  for (const file of Object.keys(EXPECTED)) {
    for (const g of data.files[file].testGroups) {
      const k = importPublicKey(hexToBytes(g.keyDer));
      assert.equal(k.type, 'public');
      assert.equal(k.y, big(g.key.y), `${file}: y`);
      assert.equal(k.domain.p, big(g.key.p), `${file}: p`);
      assert.equal(k.domain.q, big(g.key.q), `${file}: q`);
      assert.equal(k.domain.g, big(g.key.g), `${file}: g`);
      groups++;
    }
  }
  assert.equal(
    groups,
    Object.values(EXPECTED).reduce((a, e) => a + e.groups, 0),
  );
});
