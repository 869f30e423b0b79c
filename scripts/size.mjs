#!/usr/bin/env node
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
// Browser bundle sizes (esbuild: bundle, minify, format esm, platform browser; gzip level 9) for
// three users of the library, against their budgets:
//   verify      importPublicKey + verify (checking Alipay's signatures)         ≤ 28 KB gz
//   notify      importPublicKey + createNotifyHandler (a notify endpoint)        ≤ 40 KB gz
//   sign-utf8   importPrivateKey + signParams + buildLeftAmountRequest (utf-8)  ≤ 32 KB gz
//   gbk-lazy    the chunks loaded by loadCharset('gbk') on top of sign-utf8     ≤ 45 KB gz
// Each build starts from src/ through the package root (src/index.ts), so tree-shaking of the public
// entry point is measured too. The esbuild metafile lists the modules in each output, for the
// "bleed" checks: the verify bundle must not contain the GBK codec or table, signing (RFC 6979,
// HMAC) or XML; the UTF-8 signing bundle must not contain the GBK codec or table; neither may contain
// asn1js or pkijs (kept for the encrypted-PKCS#8 path only; keys are read by src/keys/der.ts).
//
// `node scripts/size.mjs` prints the table and exits 1 when a budget is exceeded or a bundle bleeds.
// `measureSizes()` returns the rows for test/size.test.mjs. `measureShipped()` (at the end) measures
// what dist/browser and dist/sw ship for use without a bundler; scripts/runtimes/tables.mjs turns both
// into the "Bundle size" tables of docs/RUNTIMES.md.
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KB = 1024;

// asn1js, pkijs and their helper packages: only decryptPrivateKey/encryptPrivateKey may pull them in.
export const ASN1_LIBS = /node_modules\/(asn1js|pkijs|pvtsutils|pvutils|bytestreamjs|@peculiar)\//;

const CASES = [
  {
    name: 'verify',
    what: 'importPublicKey + verify',
    code: `import { importPublicKey, verify } from './src/index.ts'; export { importPublicKey, verify };`,
    budget: 28 * KB,
    // src/dsa/rfc6979.ts is allowed only for bits2int (FIPS 186-4 hash truncation, which verify uses);
    // its nonce generator (HMAC_DRBG, with its own HMAC over noble hash states) must stay out: at most
    // 200 bytes from that file. noble's hmac module is no longer used at all, and stays forbidden.
    forbidden: [
      /src\/charset\/gbk/,
      /src\/dsa\/(sign|generate)\.ts$/,
      /@noble\/hashes\/hmac/,
      /xml/i,
      /src\/params\//,
      /src\/witkey\//,
      ASN1_LIBS,
    ],
    maxBytesFrom: { 'src/dsa/rfc6979.ts': 200 },
  },
  {
    name: 'sign-utf8',
    what: 'importPrivateKey + signParams + buildLeftAmountRequest',
    code: `import { importPrivateKey, signParams, buildLeftAmountRequest } from './src/index.ts'; export { importPrivateKey, signParams, buildLeftAmountRequest };`,
    budget: 32 * KB,
    forbidden: [/src\/charset\/gbk/, /xml/i, ASN1_LIBS],
  },
  {
    // The inbound side: a worker's notify endpoint. It verifies, so it must not carry signing,
    // key generation, the request builder or an eager GBK table (GBK notifications load it lazily).
    name: 'notify',
    what: 'importPublicKey + createNotifyHandler',
    code: `import { importPublicKey, createNotifyHandler } from './src/index.ts'; export { importPublicKey, createNotifyHandler };`,
    budget: 40 * KB,
    forbidden: [
      /src\/charset\/gbk/,
      /src\/dsa\/(sign|generate)\.ts$/,
      /src\/witkey\/(request|send)\.ts$/,
      /src\/gateway\//,
      ASN1_LIBS,
    ],
  },
];
const GBK_BUDGET = 45 * KB;
// The first characters of the delta-coded GBK table: must never be in an eager bundle.
const TABLE_MARK = '[utg]AbHBDGbABBDaAAAADCbAACFCABaFcAa';

async function bundle(code) {
  const r = await build({
    stdin: { contents: code, resolveDir: root, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: 'out', // nothing is written (write: false)
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const outputs = r.outputFiles.map((f) => {
    const meta =
      r.metafile.outputs[path.relative(root, f.path)] ??
      Object.entries(r.metafile.outputs).find(([k]) => f.path.endsWith(k))?.[1];
    return {
      path: f.path,
      text: f.text,
      contents: f.contents,
      bytes: f.contents.length,
      entry: Boolean(meta?.entryPoint),
      inputs: Object.keys(meta?.inputs ?? {}),
      meta,
    };
  });
  return outputs;
}

// Gzipped size of some chunks as if they were one file (what a single-file bundle would weigh;
// gzipping each chunk on its own adds a few hundred bytes of headers and lost context).
function gzSize(outputs) {
  if (outputs.length === 0) return 0;
  return gzipSync(Buffer.concat(outputs.map((o) => o.contents)), { level: 9 }).length;
}

// The eager part of a build: the entry chunk plus every chunk it imports statically.
function eager(outputs) {
  const entry = outputs.find((o) => o.entry);
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    const o = queue.pop();
    for (const m of o.text.matchAll(/(?:^|[;}])\s*import\s*(?:[\w${},\s*]+from\s*)?"(\.\/[^"]+)"/g)) {
      const dep = outputs.find((x) => x.path.endsWith(m[1].slice(1)));
      if (dep && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return [...seen];
}

/**
 * Bundles `code` and reports its eager part: sizes and the forbidden modules it contains.
 * @param {{ code: string, forbidden?: RegExp[], maxBytesFrom?: Record<string, number> }} c
 */
export async function analyse(c) {
  const outputs = await bundle(c.code);
  const eagerOut = eager(outputs);
  const inputs = eagerOut.flatMap((o) => o.inputs);
  const bleed = [...new Set(inputs.filter((i) => (c.forbidden ?? []).some((re) => re.test(i))))];
  for (const [input, max] of Object.entries(c.maxBytesFrom ?? {})) {
    const n = eagerOut.reduce((s, o) => s + (o.meta?.inputs?.[input]?.bytesInOutput ?? 0), 0);
    if (n > max) bleed.push(`${input} (${n} bytes, more than bits2int)`);
  }
  if (eagerOut.some((o) => o.text.includes(TABLE_MARK))) bleed.push('GBK table data');
  return { outputs, eagerOut, bytes: eagerOut.reduce((s, o) => s + o.bytes, 0), gz: gzSize(eagerOut), bleed };
}

/**
 * @returns {Promise<Array<{ name: string, what: string, bytes: number, gz: number, budget: number, withinBudget: boolean, bleed: string[] }>>}
 */
export async function measureSizes() {
  const rows = [];
  let signOutputs;
  for (const c of CASES) {
    const a = await analyse(c);
    rows.push({
      name: c.name,
      what: c.what,
      bytes: a.bytes,
      gz: a.gz,
      budget: c.budget,
      withinBudget: a.gz <= c.budget,
      bleed: a.bleed,
    });
    if (c.name === 'sign-utf8') signOutputs = a;
  }
  const lazy = signOutputs.outputs.filter((o) => !signOutputs.eagerOut.includes(o));
  const lazyInputs = lazy.flatMap((o) => o.inputs);
  const gz = gzSize(lazy);
  rows.push({
    name: 'gbk-lazy',
    what: `loadCharset('gbk') chunks (${lazy.length}), on top of sign-utf8`,
    bytes: lazy.reduce((s, o) => s + o.bytes, 0),
    gz,
    budget: GBK_BUDGET,
    withinBudget: gz <= GBK_BUDGET && lazyInputs.some((i) => /src\/charset\/gbk\.ts$/.test(i)),
    bleed: [],
  });
  return rows;
}

export function formatTable(rows) {
  const kb = (n) => (n / KB).toFixed(1) + ' KB';
  const lines = ['bundle      min        min+gz     budget (gz)  status   contents'];
  for (const r of rows) {
    const status = r.bleed.length ? 'BLEED' : r.withinBudget ? 'ok' : 'OVER';
    lines.push(
      `${r.name.padEnd(11)} ${kb(r.bytes).padStart(9)}  ${kb(r.gz).padStart(9)}  ${kb(r.budget).padStart(9)}    ${status.padEnd(7)}  ${r.what}${r.bleed.length ? ` — contains ${r.bleed.join(', ')}` : ''}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await measureSizes();
  console.log(formatTable(rows));
  if (process.env.JSON) console.log(JSON.stringify(rows, null, 2));
  const bad = rows.filter((r) => !r.withinBudget || r.bleed.length);
  if (bad.length) {
    console.error(`\n✖ over budget or bleeding: ${bad.map((r) => r.name).join(', ')}`);
    process.exit(1);
  }
}

// ---- the shipped browser builds (dist/browser, dist/sw), as a browser loads them unbundled ----
import { existsSync as exists, readFileSync as readFile } from 'node:fs';

/** Static import graph of a built ES module file: the file and every module it imports statically. */
export function staticGraph(file) {
  const seen = new Set();
  const queue = [path.resolve(root, file)];
  while (queue.length) {
    const f = queue.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFile(f, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?['"](\.{1,2}\/[^'"]+)['"];?$/gm))
      queue.push(path.resolve(path.dirname(f), m[1]));
  }
  return [...seen];
}
const gzFiles = (files) => gzipSync(Buffer.concat(files.map((f) => readFile(f))), { level: 9 }).length;
const rawFiles = (files) => files.reduce((s, f) => s + readFile(f).length, 0);

/**
 * What a browser or extension downloads from dist/ without a bundler (not minified), and what stays
 * lazy: the root entry's static graph, the GBK chunks loadCharset imports, the encrypted-key chunk,
 * and the single-file service-worker build. Needs a build (`npx rollup -c`).
 */
export function measureShipped() {
  if (!exists(path.join(root, 'dist/browser/index.js'))) throw new Error('dist/browser is missing: build first');
  const eagerFiles = staticGraph('dist/browser/index.js');
  const chunks = (re) => {
    const dir = path.join(root, 'dist/browser/chunks');
    return readdirSync(dir)
      .filter((n) => re.test(n))
      .map((n) => path.join(dir, n));
  };
  const gbk = chunks(/^gbk-(codec|table)-/);
  const enc = chunks(/^encrypted-keys-/);
  const sw = [path.join(root, 'dist/sw/index.js')];
  const row = (name, what, files) => ({
    name,
    what,
    files: files.map((f) => path.relative(root, f)),
    bytes: rawFiles(files),
    gz: gzFiles(files),
  });
  return {
    eagerFiles: eagerFiles.map((f) => path.relative(root, f)),
    rows: [
      row(
        'browser eager',
        "dist/browser/index.js and its static imports (what `import … from './dist/browser/index.js'` loads in a page or extension page)",
        eagerFiles,
      ),
      row(
        'browser gbk (lazy)',
        "loadCharset('gbk'): the codec chunk, and the table chunk unless the runtime's TextDecoder('gbk') matches it",
        gbk,
      ),
      row('browser encrypted keys (lazy)', 'decrypt/encryptPrivateKey: asn1js + pkijs, loaded on first call', enc),
      row('service worker', 'dist/sw/index.js: everything in one file (service workers cannot import())', sw),
    ],
  };
}
