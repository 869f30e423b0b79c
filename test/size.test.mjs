// Browser bundle budgets (min+gz, esbuild), measured by scripts/size.mjs, and the "bleed"
// checks: what a verify-only or UTF-8-only user must never download.
//
// Every budget is asserted: verify ≤ 28 KB, UTF-8 signing ≤ 32 KB, a notify endpoint (importPublicKey +
// createNotifyHandler: form, verification, XML, typing) ≤ 40 KB, the lazy GBK chunks ≤ 45 KB (min+gz).
// The first two were over while keys were read through asn1js (28.3 and 33.8 KB); with
// src/keys/der.ts's own DER reader they are about 12.7 and 18.2 KB, and the bleed checks make sure
// asn1js/pkijs do not come back into them.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ASN1_LIBS, analyse, formatTable, measureSizes } from '../scripts/size.mjs';

test('bundle sizes: every budget met; no bleeding', async () => {
  const rows = await measureSizes();
  console.log(formatTable(rows));
  assert.deepEqual(
    rows.map((r) => [r.name, r.budget]),
    [
      ['verify', 28 * 1024],
      ['sign-utf8', 32 * 1024],
      ['notify', 40 * 1024],
      ['gbk-lazy', 45 * 1024],
    ],
  );
  for (const r of rows) {
    assert.deepEqual(r.bleed, [], `${r.name} bundle contains ${r.bleed.join(', ')}`);
    assert.ok(r.withinBudget, `${r.name}: ${r.gz} bytes gz over the budget ${r.budget}`);
  }
  const gbk = rows.find((r) => r.name === 'gbk-lazy');
  assert.ok(gbk.gz > 10 * 1024, 'the GBK chunks were found and measured');
});

test('the bleed check itself: it flags a bundle that pulls in signing and the GBK codec', async () => {
  const a = await analyse({
    code: `import { sign, encode, loadCharset } from './src/index.ts'; export { sign, encode, loadCharset };`,
    forbidden: [/src\/dsa\/sign\.ts$/, /@noble\/hashes\/hmac/, /src\/charset\/gbk/],
    maxBytesFrom: { 'src/dsa/rfc6979.ts': 200 },
  });
  assert.ok(a.bleed.includes('src/dsa/sign.ts'), a.bleed.join());
  // The nonce generator's HMAC lives in src/dsa/rfc6979.ts (over noble hash states), so
  // signing shows up as more than bits2int's bytes from that file.
  assert.ok(
    a.bleed.some((b) => b.startsWith('src/dsa/rfc6979.ts (')),
    a.bleed.join(),
  );
  // loadCharset keeps the GBK codec in a lazy chunk: not part of the eager bundle.
  assert.ok(!a.bleed.some((b) => b.includes('charset/gbk')), a.bleed.join());
  const eager = await analyse({ code: `export { GBK_INDEX_DATA } from './src/charset/gbk-index.ts';`, forbidden: [] });
  assert.ok(eager.bleed.includes('GBK table data'), eager.bleed.join());
});

test('the bleed check itself: decryptPrivateKey does pull in asn1js and pkijs, which the check sees', async () => {
  const a = await analyse({ code: `export { decryptPrivateKey } from './src/index.ts';`, forbidden: [ASN1_LIBS] });
  assert.ok(
    a.bleed.some((b) => /node_modules\/asn1js\//.test(b)),
    a.bleed.join(),
  );
  assert.ok(
    a.bleed.some((b) => /node_modules\/pkijs\//.test(b)),
    a.bleed.join(),
  );
});

test('the shipped browser build: loading the root pulls neither the GBK codec/table nor asn1js/pkijs; the service-worker build has no import()', async () => {
  const { measureShipped } = await import('../scripts/size.mjs');
  const { readFileSync } = await import('node:fs');
  const s = measureShipped();
  console.log(
    s.rows
      .map(
        (r) =>
          `${r.name.padEnd(30)} ${(r.bytes / 1024).toFixed(1).padStart(7)} KB  ${(r.gz / 1024).toFixed(1).padStart(6)} KB gz`,
      )
      .join('\n'),
  );
  assert.ok(s.eagerFiles.includes('dist/browser/index.js'));
  assert.ok(s.eagerFiles.length > 3, 'the static graph was followed');
  for (const f of s.eagerFiles) {
    assert.doesNotMatch(f, /gbk-|encrypted-keys-/, `${f} is loaded eagerly`);
    const text = readFileSync(f, 'utf8');
    assert.ok(!text.includes('[utg]AbHBDGbABBDaAAAADCbAACFCABaFcAa'), `${f} contains the GBK table`);
    assert.doesNotMatch(text, /\bLocalBaseBlock\b|\bEncryptedContentInfo\b/, `${f} contains pkijs/asn1js`);
  }
  const lazy = s.rows.find((r) => r.name.startsWith('browser gbk'));
  assert.equal(lazy.files.length, 2, 'GBK codec and table chunks exist');
  const sw = readFileSync('dist/sw/index.js', 'utf8');
  assert.doesNotMatch(sw.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''), /\bimport\s*\(/, 'dist/sw/index.js calls import()');
  assert.ok(sw.includes('[utg]AbHBDGbABBDaAAAADCbAACFCABaFcAa'), 'dist/sw/index.js inlines the GBK table');
});
