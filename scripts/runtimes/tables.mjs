#!/usr/bin/env node
// Markdown for the README's "Runtimes" and "Bundle size" tables, from real measurements:
//   - build-tmp/runtimes.json, written by scripts/runtimes/run.mjs (npm test runs it)
//   - scripts/size.mjs: esbuild bundles (min+gz) of three uses, and the shipped dist/browser and dist/sw
// Usage: node scripts/runtimes/tables.mjs [--out FILE]    (needs a build and a runtimes run first)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureSizes, measureShipped } from '../size.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = JSON.parse(readFileSync(path.join(root, 'build-tmp/runtimes.json'), 'utf8'));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const HOW = {
  node20: '`node --test` (node:test adapter)',
  node22: 'same, `node_modules/node22/bin/node`',
  node24: 'same, `node_modules/node24/bin/node`',
  deno: '`deno test` (Deno.test adapter)',
  bun: '`bun test` (bun:test adapter)',
  'edge-runtime': '`EdgeRuntime` (esbuild IIFE bundle; no `process`/`require`)',
  workerd: 'miniflare, unbundled ES modules, no `nodejs_compat`',
  chromium: 'Web Test Runner + `@web/test-runner-chrome`',
  firefox: 'Web Test Runner + `@web/test-runner-puppeteer` (BiDi)',
  webkit: 'Web Test Runner + `@web/test-runner-webdriver`, MiniBrowser under `xvfb-run`',
  extension: 'headless Chromium `--load-extension`, module service worker, reports to loopback',
};
const gbkShort = (f) => {
  const s = f?.['TextDecoder gbk'];
  if (!s) return '—';
  const m = /differs from iconv-lite at (\d+) codes/.exec(s);
  const loop = f['gbk decode loop'] === 'WebAssembly' ? ', WebAssembly loop' : f['gbk decode loop'] === 'JS' ? ', JS loop' : '';
  const use = (f['loadCharset gbk source'] === 'native' ? 'native index used' : 'bundled table used') + loop;
  if (m) return `differs at ${m[1]} codes → ${use}`;
  if (s.startsWith('matches')) return `matches iconv-lite → ${use}`;
  return `${s} → ${use}`;
};

const lines = [];
lines.push('### Runtimes', '');
lines.push(`Every runtime runs the same portable suite (\`test/portable/\`, ${data.portableTests} tests: all Wycheproof DSA and NIST CAVP vectors, RFC 6979, OpenSSL-made keys, GBK/GB2312 against iconv-lite over the whole BMP, canonicalisation, signing, the request builder, and notification decoding, streaming and the notify handler over OpenSSL-signed GBK bodies), plus the runtime's own checks (no Node globals in edge-runtime, workerd, browsers and the extension; a signed request and a GBK notification in the extension service worker). Measured by \`npm test\` (\`scripts/runtimes/run.mjs\`) on Debian 12, 2 cores; wall time includes starting the runtime.`, '');
lines.push('| Runtime | Version | How | Tests | Wall time | `TextDecoder(\'gbk\')` vs iconv-lite; GBK decode loop |', '| --- | --- | --- | --- | --- | --- |');
for (const r of data.results) {
  const tests = r.status === 'passed' ? `${r.passed}/${r.expected} ✔` : r.status === 'failed' ? `FAILED (${r.reason})` : `NOT RUN (${r.reason})`;
  lines.push(`| ${r.name} | ${(r.version ?? '—').replace(/ \(\/.*\)$/, '')} | ${HOW[r.id] ?? ''} | ${tests} | ${r.ms === undefined ? '—' : `${(r.ms / 1000).toFixed(1)} s`} | ${gbkShort(r.facts)} |`);
}
const notes = data.results.flatMap((r) => (r.notes ?? []).map((n) => `${r.name}: ${n}`));
lines.push('', `All runtimes: ${(data.totalMs / 1000).toFixed(0)} s.${notes.length ? ` Notes: ${notes.join('; ')}.` : ''}`, '');

const sizes = await measureSizes();
const shipped = measureShipped();
lines.push('### Bundle size', '');
lines.push('What an application bundle contains, by use (esbuild: bundle, minify, ESM, browser; gzip -9; from `scripts/size.mjs`, checked by `test/size.test.mjs`):', '');
lines.push('| Use | Imports | min | min+gz | Budget (min+gz) |', '| --- | --- | --- | --- | --- |');
for (const r of sizes) lines.push(`| ${r.name} | ${r.what} | ${kb(r.bytes)} | **${kb(r.gz)}** | ${kb(r.budget)}${r.withinBudget && !r.bleed.length ? ' ✔' : ' ✖'} |`);
lines.push('', 'The verify-only bundle contains no signing code, no GBK codec or table, no XML and no asn1js/pkijs; the UTF-8 signing bundle no GBK codec or table (the "bleed" checks).', '');
lines.push('What `dist/` ships for use without a bundler (ES modules, not minified, dependencies included):', '');
lines.push('| Files | What | Size | gzip |', '| --- | --- | --- | --- |');
for (const r of shipped.rows) lines.push(`| ${r.name} | ${r.what} | ${kb(r.bytes)} | ${kb(r.gz)} |`);
const md = lines.join('\n') + '\n';
const i = process.argv.indexOf('--out');
if (i > 0) writeFileSync(process.argv[i + 1], md);
else process.stdout.write(md);
