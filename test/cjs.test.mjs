// The CommonJS build: require() works, and the encrypted-key code (asn1js + pkijs) loads only on the
// first decryptPrivateKey/encryptPrivateKey call — the rest of the package does not pay for it.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const loaded = (name) => Object.keys(require.cache).some((p) => p.includes(`/node_modules/${name}/`));

test('dist/cjs: require() gives the API; pkijs/asn1js load lazily; encrypt → decrypt round-trips', async () => {
  const w = require('../dist/cjs/index.cjs');
  assert.equal(typeof w.importPublicKey, 'function');
  assert.equal(loaded('pkijs') || loaded('asn1js'), false, 'pkijs/asn1js loaded at require() time');
  const k = w.generateKeyPair({ L: 1024, N: 160 });
  const pem = await w.encryptPrivateKey(k.privateKey, 'passphrase', { iterations: 1000 });
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  assert.equal(loaded('pkijs'), true);
  const d = await w.decryptPrivateKey(pem, 'passphrase');
  assert.equal(w.exportPublicKey(d.publicKey), w.exportPublicKey(k.publicKey));
  await assert.rejects(w.decryptPrivateKey(pem, 'wrong'), (e) => e instanceof w.WitkeyError && e.code === 'WRONG_PASSPHRASE');
});
