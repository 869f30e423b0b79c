// The precomputed paths (comb tables, lazy build, table-free joint exponentiation, Lehmer inverse)
// give exactly the results of the textbook arithmetic and of the table-free paths: NIST vectors
// through precomputed keys, keys crossing the lazy threshold, edge exponents, and the memory cap.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  createPrivateKey,
  createPublicKey,
  DsaPrivateKey,
  DsaPublicKey,
  exportPublicKey,
  importPrivateKey,
  importPublicKey,
  precompute,
  sign,
  verify,
  WitkeyError,
} from '../dist/esm/index.js';
import * as T from '../dist/esm/testing.js';
import { parseCavs } from './support/cavp.mjs';
import { derSignature } from './support/der.mjs';
import { big, digest, hexToBytes, invMod, powMod } from './support/util.mjs';

const DIR = new URL('./vectors/nist/', import.meta.url);
const HASHES = { 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const readVectors = (name) => parseCavs(readFileSync(new URL(name, DIR), 'utf8'));
const SIZES = [
  [1024, 160],
  [2048, 224],
  [2048, 256],
  [3072, 256],
];

/** One NIST domain per size (from SigGen), for the arithmetic tests. */
const DOMAINS = (() => {
  const out = new Map();
  for (const r of readVectors('FIPS_186_3_SigGen.txt')) {
    const id = `${r.L}/${r.N}`;
    if (!out.has(id)) out.set(id, { p: big(r.P), q: big(r.Q), g: big(r.G), x: big(r.X), L: r.L, N: r.N });
  }
  return out;
})();

const randBelow = (n) => BigInt('0x' + crypto.randomBytes(Math.ceil(n.toString(2).length / 8) + 8).toString('hex')) % n;

test('NIST SigVer through precomputed keys: same verdicts as the vectors and as the table-free path', () => {
  const failures = [];
  let checked = 0;
  for (const [i, r] of readVectors('FIPS_186_3_SigVer.rsp').entries()) {
    let key;
    try {
      key = createPublicKey({ p: big(r.P), q: big(r.Q), g: big(r.G), y: big(r.Y) });
    } catch {
      continue; // a changed Y outside the subgroup: refused on import (covered by nist.test.mjs)
    }
    const msg = hexToBytes(r.Msg);
    const sig = derSignature(big(r.R), big(r.S));
    const hash = HASHES[r.sha];
    const before = verify(sig, msg, key, { hash }); // no tables yet: joint sliding window
    precompute(key);
    const after = verify(sig, msg, key, { hash }); // combs
    if (before !== (r.Result === 'P') || after !== before)
      failures.push(`record ${i} ${r.Result}: table-free ${before}, comb ${after}`);
    checked++;
  }
  assert.deepEqual(failures, []);
  assert.ok(checked >= 260, `checked ${checked}`);
});

test('NIST SigGen through precomputed private keys: exact (R, S) from K', () => {
  const failures = [];
  for (const [i, r] of readVectors('FIPS_186_3_SigGen.txt').entries()) {
    const key = createPrivateKey({ p: big(r.P), q: big(r.Q), g: big(r.G), x: big(r.X) });
    precompute(key);
    const rs = T.signWithNonce(key, digest(HASHES[r.sha], hexToBytes(r.Msg)), big(r.K));
    if (!rs || rs.r !== big(r.R) || rs.s !== big(r.S)) failures.push(`record ${i}`);
  }
  assert.deepEqual(failures, []);
});

test('a key crossing the lazy threshold signs and verifies identically before and after its tables exist, on each DSA engine', () => {
  for (const engine of ['wasm', 'bigint']) {
    assert.equal(T.setDsaEngine(engine), true);
    try {
      for (const [L, N] of [
        [1024, 160],
        [2048, 256],
      ]) {
        const d = DOMAINS.get(`${L}/${N}`);
        // Signing tables are shared by domain value: the eager key's domain state is made, then dropped
        // from the library's cache, so that the lazy key (same domain) starts with a state of its own.
        T.resetDomainStates();
        const eager = createPrivateKey({ p: d.p, q: d.q, g: d.g, x: d.x });
        precompute(eager);
        precompute(eager.publicKey);
        T.resetDomainStates();
        const lazy = createPrivateKey({ p: d.p, q: d.q, g: d.g, x: d.x });
        assert.notEqual(T.signState(lazy), T.signState(eager));
        assert.equal(T.signState(lazy).comb, undefined, 'the lazy key starts table-free');
        // 200 uses: past the ski-rental threshold (tens of uses) for both sign and verify.
        for (let i = 0; i < 200; i++) {
          const msg = new TextEncoder().encode(`message ${i}`);
          const a = sign(msg, lazy);
          assert.deepEqual(a, sign(msg, eager), `${L}/${N} use ${i}: RFC 6979 signatures differ`);
          assert.equal(verify(a, msg, lazy.publicKey), true, `${L}/${N} use ${i}: lazy verify`);
          assert.equal(verify(a, msg, eager.publicKey), true, `${L}/${N} use ${i}: eager verify`);
          // Uses of the domain: signatures and the one y computation of lazy.publicKey.
          const st = T.signState(lazy);
          if (!st.comb) {
            assert.ok(st.uses < T.signThreshold(d), `${L}/${N}: full comb not built after ${st.uses} uses`);
            assert.equal(!!st.small, st.uses >= T.smallSignThreshold(d), `${L}/${N}: small comb after ${st.uses} uses`);
          } else {
            assert.equal(st.uses, T.signThreshold(d), `${L}/${N}: full comb built at its threshold`);
            assert.equal(st.small, undefined, `${L}/${N}: small comb dropped`);
          }
          if (i % 20 === 0) {
            const bad = Uint8Array.from(a);
            bad[bad.length - 1] ^= 1;
            assert.equal(verify(bad, msg, lazy.publicKey), false);
          }
        }
        assert.ok(T.signState(lazy).comb, `${L}/${N}: the full comb was built`);
      }
    } finally {
      T.setDsaEngine(undefined);
    }
  }
});

test('comb exponentiation equals textbook square-and-multiply, edge exponents included', () => {
  for (const [L, N] of SIZES) {
    const { p, q, g } = DOMAINS.get(`${L}/${N}`);
    const y = powMod(g, randBelow(q), p);
    for (const [bits, bases] of [
      [N + 65, 1],
      [N, 2],
    ]) {
      const shape = T.chooseShape(bits, bases, L, 8 * 2 ** 20);
      const cg = T.buildComb(g, p, shape);
      const cy = T.buildComb(y, p, shape);
      const top = (1n << BigInt(bits)) - 1n;
      const es = [
        0n,
        1n,
        2n,
        3n,
        top,
        top - 1n,
        1n << BigInt(bits - 1),
        q - 1n,
        q,
        randBelow(top),
        randBelow(top),
        randBelow(top),
      ];
      for (const e of es) {
        assert.equal(T.combPowRegular(cg, e, p), powMod(g, e, p), `${L}/${N} regular e=${e.toString(16)}`);
        if (bases === 2 && e <= q) {
          const f = randBelow(q);
          assert.equal(T.combPow2(cg, e, cy, f, p), (powMod(g, e, p) * powMod(y, f, p)) % p, `${L}/${N} joint`);
          assert.equal(T.combPow2(cg, f, cy, e, p), (powMod(g, f, p) * powMod(y, e, p)) % p, `${L}/${N} joint swapped`);
        }
      }
      assert.throws(() => T.combPowRegular(cg, 1n << BigInt(cg.bits), p), RangeError);
    }
    // The small signing comb (≤ 64 KiB) that serves a domain's first uses.
    const small = T.smallSignShape({ L, N });
    assert.ok(
      small.h * small.v * small.b >= N + 65 && T.combEntries(small) * T.bytesPerEntry(L) <= 64 * 1024,
      `${L}/${N} small shape`,
    );
    const cs = T.buildComb(g, p, small);
    const top = (1n << BigInt(N + 65)) - 1n;
    for (const e of [0n, 1n, q - 1n, q, top, randBelow(top), randBelow(top)])
      assert.equal(T.combPowRegular(cs, e, p), powMod(g, e, p), `${L}/${N} small comb e=${e.toString(16)}`);
  }
});

test('table-free joint exponentiation and Lehmer inverse equal textbook arithmetic', () => {
  for (const [L, N] of SIZES) {
    const { p, q, g } = DOMAINS.get(`${L}/${N}`);
    const y = powMod(g, randBelow(q), p);
    for (const [a, b] of [
      [0n, 0n],
      [0n, 1n],
      [1n, 0n],
      [q - 1n, q - 1n],
      [1n, 2n ** 200n + 1n],
      [randBelow(q), randBelow(q)],
      [randBelow(q), 5n],
    ]) {
      assert.equal(T.modPow2(g, a, y, b, p), (powMod(g, a, p) * powMod(y, b, p)) % p, `${L}/${N} modPow2 ${a} ${b}`);
    }
    for (let i = 0; i < 200; i++) {
      const a = i < 3 ? [1n, 2n, q - 1n][i] : randBelow(q - 1n) + 1n;
      assert.equal(T.modInv(a, q), invMod(a, q), `${N}-bit modInv`);
    }
  }
  assert.throws(() => T.modInv(0n, 7n), RangeError);
  assert.throws(() => T.modInv(6n, 9n), RangeError);
  assert.throws(() => T.modInv(2n ** 70n, 2n ** 80n), RangeError);
  assert.equal(T.modInv(3n, 2n ** 127n - 1n), invMod(3n, 2n ** 127n - 1n));
});

test('tables on bigint stay under 8 MB per key object at every size (WebAssembly: test/dsa-wasm.test.mjs)', () => {
  assert.equal(T.setDsaEngine('bigint'), true);
  try {
    for (const [L, N] of SIZES) {
      const d = { L, N };
      const s = T.signShape(d);
      const v = T.verifyShape(d);
      const signBytes = T.combEntries(s) * T.bytesPerEntry(L);
      const verifyBytes = 2 * T.combEntries(v) * T.bytesPerEntry(L);
      assert.ok(s.h * s.v * s.b >= N + 65, `${L}/${N} sign comb covers the blinded exponent`);
      assert.ok(v.h * v.v * v.b >= N, `${L}/${N} verify comb covers N bits`);
      assert.ok(signBytes <= 8 * 2 ** 20, `${L}/${N} sign tables ${signBytes}`);
      assert.ok(verifyBytes <= 8 * 2 ** 20, `${L}/${N} verify tables ${verifyBytes}`);
    }
  } finally {
    T.setDsaEngine(undefined);
  }
});

test('lazy thresholds: none below FEWEST_USES (the first uses skip the shape search), on each DSA engine', () => {
  for (const engine of ['wasm', 'bigint']) {
    assert.equal(T.setDsaEngine(engine), true);
    try {
      for (const [L, N] of SIZES) {
        assert.ok(T.signThreshold({ L, N }) >= T.FEWEST_USES, `${L}/${N} sign ${T.signThreshold({ L, N })}`);
        assert.ok(T.verifyThreshold({ L, N }) >= T.FEWEST_USES, `${L}/${N} verify ${T.verifyThreshold({ L, N })}`);
      }
    } finally {
      T.setDsaEngine(undefined);
    }
  }
});

test('signing tables are shared by domain value: re-imports and other keys of the domain sign with them; private keys are never interned', () => {
  const gen = (bits) => crypto.generateKeyPairSync('dsa', { modulusLength: bits, divisorLength: bits === 1024 ? 160 : 256 });
  const pair = gen(1024);
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
  T.resetDomainStates();
  const a = importPrivateKey(pem);
  precompute(a);
  const b = importPrivateKey(pem);
  assert.notEqual(b, a, 'a private key import always makes a new object (no secrets cached by value)');
  assert.equal(T.signState(b), T.signState(a), 'same domain value → same signing state');
  assert.ok(T.signState(b).comb, 'the re-imported key signs with the tables at once');
  const { p, q, g } = a.domain;
  const other = createPrivateKey({ p, q, g, x: 12345n });
  assert.equal(T.signState(other).comb, T.signState(a).comb, 'another key of the domain shares them too');
  const msg = new TextEncoder().encode('partner=2088101122136241&service=alipay.witkey.task.left.amount.handle');
  const sa = sign(msg, a);
  assert.deepEqual(sign(msg, b), sa, 'RFC 6979: same key, same signature, with or without having built tables');
  assert.equal(crypto.verify('sha1', msg, pair.publicKey, Buffer.from(sa)), true, 'OpenSSL verifies it');
  assert.equal(
    crypto.verify('sha1', msg, crypto.createPublicKey(exportPublicKey(other.publicKey)), Buffer.from(sign(msg, other))),
    true,
  );
  // Two other domains push the first out of the library's LRU (two domains), but while a key of the
  // domain is alive a new import still finds its state (one state per domain, no second build).
  const others = [gen(1024), gen(1024)].map((k) => importPrivateKey(k.privateKey.export({ type: 'pkcs8', format: 'pem' })));
  for (const k of others) sign(msg, k);
  const c = importPrivateKey(pem);
  assert.equal(T.signState(c), T.signState(a), 'found through the live key after the LRU dropped it');
  assert.deepEqual(sign(msg, c), sa);
});

test('a domain state nobody holds any more is collected once the LRU dropped it; the next key starts afresh', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const gen = () =>
    crypto
      .generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' });
  const pem = gen();
  const msg = new Uint8Array([1, 2, 3]);
  T.resetDomainStates();
  const expected = (() => {
    const k = importPrivateKey(pem);
    precompute(k);
    return sign(msg, k);
  })();
  for (const other of [gen(), gen()]) sign(msg, importPrivateKey(other));
  await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets are kept until the job ends
  gc();
  const c = importPrivateKey(pem);
  assert.equal(T.signState(c).comb, undefined, 'a fresh state: the dropped tables were not kept');
  assert.deepEqual(sign(msg, c), expected, 'and the same signature (RFC 6979) without them');
});

test('PKCS#8 import leaves y to the first read of publicKey; a y that is given is checked at once, with or without domain tables', () => {
  const pair = crypto.generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const spkiPem = pair.publicKey.export({ type: 'spki', format: 'pem' });
  T.resetDomainStates();
  const k = importPrivateKey(pem);
  const st = T.signState(k);
  assert.equal(st.uses, 0, 'the import computed no g^x');
  assert.ok(Object.keys(k).includes('publicKey'), 'publicKey is still an own enumerable property');
  const pub = k.publicKey;
  assert.equal(st.uses, 1, 'reading publicKey computed y once');
  assert.equal(k.publicKey, pub, 'the same object on every read');
  assert.equal(st.uses, 1);
  assert.equal(exportPublicKey(pub), spkiPem, "y equals OpenSSL's public key");
  const y = importPublicKey(spkiPem).y;
  const { p, q, g } = k.domain;
  const x = T.privateScalar(k);
  for (const tables of [false, true]) {
    T.resetDomainStates();
    if (tables) precompute(createPrivateKey({ p, q, g, x: 7n }));
    assert.equal(!!T.signState(createPrivateKey({ p, q, g, x: 7n })).comb, tables);
    assert.equal(createPrivateKey({ p, q, g, x, y }).publicKey.y, y, `tables ${tables}: the right y is accepted`);
    assert.equal(createPrivateKey({ p, q, g, x }).publicKey.y, y, `tables ${tables}: lazy y`);
    assert.throws(
      () => createPrivateKey({ p, q, g, x, y: y === 2n ? 3n : 2n }),
      (e) => e instanceof WitkeyError && e.code === 'INVALID_KEY' && e.field === 'y',
      `tables ${tables}: a wrong y fails at once`,
    );
  }
});

test('precompute: idempotent, and refuses what is not a key made by the library', () => {
  const d = DOMAINS.get('1024/160');
  const key = createPrivateKey({ p: d.p, q: d.q, g: d.g, x: d.x });
  precompute(key);
  precompute(key);
  precompute(key.publicKey);
  const msg = new Uint8Array([1, 2, 3]);
  assert.equal(verify(sign(msg, key), msg, key.publicKey), true);
  for (const bad of [null, undefined, {}, 'key', Object.create(DsaPublicKey.prototype), Object.create(DsaPrivateKey.prototype)]) {
    assert.throws(
      () => precompute(bad),
      (e) => e instanceof WitkeyError && e.code === 'INVALID_KEY',
    );
  }
});

test('re-importing the same public key gives the same object, so its tables serve every import (bounded to 4 keys)', () => {
  const keys = [1024, 2048].map(
    (bits) => crypto.generateKeyPairSync('dsa', { modulusLength: bits, divisorLength: bits === 1024 ? 160 : 256 }).publicKey,
  );
  const pems = keys.map((k) => k.export({ type: 'spki', format: 'pem' }));
  const a = importPublicKey(pems[0]);
  precompute(a);
  const b = importPublicKey(pems[0]);
  assert.equal(b, a, 'same PEM → same key object');
  assert.equal(createPublicKey({ domain: a.domain, y: a.y }), a, 'same components → same key object');
  assert.notEqual(importPublicKey(pems[1]), a, 'a different key is a different object');
  // The cache is bounded: after four other keys, the first is a fresh object again (and still right).
  const others = [];
  for (let i = 0; i < 4; i++) {
    const { publicKey } = crypto.generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
    others.push(importPublicKey(publicKey.export({ type: 'spki', format: 'pem' })));
  }
  assert.equal(new Set(others).size, 4);
  const c = importPublicKey(pems[0]);
  assert.notEqual(c, a, 'evicted after four other keys');
  assert.equal(c.y, a.y);
  // OpenSSL-made signature verifies through both objects.
  const msg = new TextEncoder().encode('cache');
  const priv = crypto.generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
  const pub = importPublicKey(priv.publicKey.export({ type: 'spki', format: 'pem' }));
  const sig = new Uint8Array(crypto.sign('sha1', msg, priv.privateKey));
  assert.equal(verify(sig, msg, pub), true);
  assert.equal(verify(sig, msg, importPublicKey(priv.publicKey.export({ type: 'spki', format: 'der' }))), true);
});
