// The light notify-endpoint entry `alipay-witkey/endpoint` (src/endpoint.ts): reached through the
// package's own `exports` (import and require), it gives the very functions and classes of the other
// entries (one copy of the core), it verifies and decodes a notification produced without this library
// (OpenSSL signature over iconv-lite bytes, support/notify-oracle.mjs; expected values from the
// protocol document's §6.1 sample), and its static import graph is what bench/load.mjs measured as
// fast to load: one shared chunk, no package to resolve, none of the lazy or unrelated chunks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NAMES = ['NOTIFY_ERROR_HEADER', 'WitkeyError', 'createNotifyHandler', 'decodeNotification', 'importPublicKey'];
const GBK_CT = 'application/x-www-form-urlencoded; charset=GBK';

test('alipay-witkey/endpoint (import and require): exactly its five exports, the same objects as the other entries', async () => {
  const esm = await import('alipay-witkey/endpoint');
  const cjs = require('alipay-witkey/endpoint');
  assert.deepEqual(Object.keys(esm).sort(), NAMES);
  assert.deepEqual(Object.keys(cjs).sort(), NAMES);
  const notify = await import('alipay-witkey/notify');
  const dsa = await import('alipay-witkey/dsa');
  const index = await import('alipay-witkey');
  for (const n of ['createNotifyHandler', 'decodeNotification', 'NOTIFY_ERROR_HEADER']) {
    assert.equal(esm[n], notify[n], n);
    assert.equal(esm[n], index[n], n);
  }
  assert.equal(esm.importPublicKey, dsa.importPublicKey);
  assert.equal(esm.WitkeyError, dsa.WitkeyError);
  const cjsNotify = require('alipay-witkey/notify');
  const cjsDsa = require('alipay-witkey/dsa');
  assert.equal(cjs.createNotifyHandler, cjsNotify.createNotifyHandler);
  assert.equal(cjs.importPublicKey, cjsDsa.importPublicKey);
  assert.equal(cjs.WitkeyError, cjsDsa.WitkeyError);
  const key = esm.importPublicKey(opensslKeyPair().publicPem);
  assert.ok(key instanceof dsa.DsaPublicKey, 'a key imported through the endpoint entry is a DsaPublicKey of ./dsa');
});

test('alipay-witkey/endpoint: a GBK §6.1 notification signed by OpenSSL is verified and decoded; a wrong key is ILLEGAL_SIGN', async () => {
  const { createNotifyHandler, decodeNotification, importPublicKey, WitkeyError } = await import('alipay-witkey/endpoint');
  const alipay = opensslKeyPair();
  const alipayPublicKey = importPublicKey(alipay.publicPem);
  const { body } = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), { charset: 'gbk', privateKey: alipay.privateKey });
  const n = await decodeNotification(body, { alipayPublicKey, contentType: GBK_CT });
  assert.equal(n.kind, 'left_amount_handled');
  assert.equal(n.notifyId, '70fec0c2730b27528665af4517c27b95');
  assert.equal(n.outerTaskId, '20111221_0011');
  assert.deepEqual(n.successBidders, [
    { outerTransferNo: '20111221_0011_10', amount: '15.00', alipayUserId: '2088102116203708', nickName: '天之蓝', status: 'W' },
  ]);
  await assert.rejects(
    decodeNotification(body, { alipayPublicKey: importPublicKey(opensslKeyPair().publicPem), contentType: GBK_CT }),
    (e) => e instanceof WitkeyError && e.code === 'ILLEGAL_SIGN',
  );
  const seen = [];
  const handler = createNotifyHandler({ alipayPublicKey, onNotification: (x) => seen.push(x.notifyId) });
  const post = () =>
    handler(new Request('https://partner.example/alipay/notify', { method: 'POST', body, headers: { 'content-type': GBK_CT } }));
  assert.equal(await (await post()).text(), 'success');
  assert.equal(await (await post()).text(), 'success');
  assert.deepEqual(seen, ['70fec0c2730b27528665af4517c27b95'], 'onNotification ran once for two deliveries');
});

/** The files a module loads statically (relative imports followed), and its bare (package) imports. */
function staticGraph(file) {
  const files = new Set();
  const bare = new Set();
  const queue = [file];
  while (queue.length) {
    const f = queue.pop();
    if (files.has(f)) continue;
    files.add(f);
    const text = readFileSync(f, 'utf8');
    const specs = [
      ...text.matchAll(/^(?:import|export)\s[^;]*?['"]([^'"]+)['"];?$/gm),
      ...text.matchAll(/^import\s*['"]([^'"]+)['"];?$/gm),
      // CommonJS: a top-level require, not the one inside a lazy chunk's `Promise.resolve().then(…)`.
      ...text.matchAll(/^(?:var \w+ = )?require\(['"]([^'"]+)['"]\);$/gm),
    ].map((m) => m[1]);
    for (const s of specs) {
      if (s.startsWith('.')) queue.push(path.resolve(path.dirname(f), s));
      else bare.add(s);
    }
  }
  return { files: [...files].map((f) => path.relative(root, f)), bare: [...bare] };
}

test('the endpoint entry loads two files (the entry and one chunk) and no package, in every build', () => {
  for (const entry of ['dist/esm/endpoint.js', 'dist/cjs/endpoint.cjs', 'dist/browser/endpoint.js']) {
    const g = staticGraph(path.join(root, entry));
    assert.equal(g.files.length, 2, `${entry}: ${g.files.join(', ')}`);
    assert.match(g.files[1], /chunks\/notify-endpoint-[\w-]+\.c?js$/, entry);
    assert.deepEqual(g.bare, [], `${entry} imports packages`);
    const chunk = readFileSync(path.join(root, g.files[1]), 'utf8');
    // Lazy or unrelated code stays out: the GBK codec and table, the encrypted-key code (asn1js,
    // pkijs), signing (RFC 6979 nonces), the request builder, the simulator.
    for (const [what, re] of [
      ['GBK table data', /\[utg\]AbHBDGbABBDaAAAADCbAACFCABaFcAa/],
      ['the GBK codec', /function createGbkCodec\b/],
      ['the encrypted-key code', /function decryptPrivateKey\b|from ['"](asn1js|pkijs)['"]/],
      ['signing', /function sign\(/],
      ['the request builder', /function buildLeftAmountRequest\b/],
      ['the simulator', /function createGateway\b/],
    ])
      assert.doesNotMatch(chunk, re, `${entry}'s chunk contains ${what}`);
  }
  // The other entries share that chunk: one copy of the core.
  for (const entry of ['dist/esm/index.js', 'dist/esm/notify.js', 'dist/esm/dsa.js'])
    assert.ok(
      staticGraph(path.join(root, entry)).files.some((f) => /chunks\/notify-endpoint-/.test(f)),
      `${entry} does not import the endpoint chunk`,
    );
});
