// Builds dist/:
//   dist/esm/*.js  + *.d.ts    Node (and bundlers) ESM; runtime dependencies stay bare imports
//   dist/cjs/*.cjs + *.d.cts   Node CommonJS (require)
//   dist/browser/*.js          browsers, MV3 extensions, workers (workerd, edge, Deno): ESM with every
//                              dependency bundled in, so `import('./dist/browser/index.js')` works from a
//                              plain <script type="module"> or an extension with no import map and no
//                              bundler. Same API and types as dist/esm (package.json points the
//                              `browser`/`worker` conditions' types at the .d.ts files).
//   dist/sw/index.js           MV3 extension service workers: one file, no import() (see below);
//                              exported as `alipay-witkey/service-worker`.
// Entry points: the package root and one subpath per capability; shared code becomes chunks, and the
// GBK codec/table stay lazy chunks (loadCharset's dynamic import).
//
// To add a subpath: add one line to `input` below, and the matching block to package.json `exports`
// (scripts/runtimes/check-exports.mjs, run by `npm test`, fails when the two disagree).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

/** Every public entry (name → source). `testing` is internal: built, but not exported or packed. */
export const input = {
  index: 'src/index.ts',
  dsa: 'src/dsa.ts',
  charset: 'src/charset.ts',
  params: 'src/params.ts',
  witkey: 'src/witkey.ts',
  notify: 'src/notify.ts',
  xml: 'src/xml.ts',
  gateway: 'src/gateway.ts',
  doctor: 'src/doctor.ts',
  stores: 'src/stores.ts',
  endpoint: 'src/endpoint.ts',
  testing: 'src/internal/testing.ts',
};

/** Entries that use Node built-ins: no browser/worker build for them. */
export const nodeOnly = new Set(['node']);

// asn1js and pkijs (the lazy encrypted-key code only) stay external in the Node builds: the user's
// package manager dedupes them. @noble/hashes is bundled (SHA-1 and SHA-2, tree-shaken), as in the
// browser build: as a package it is five more module files a level deeper in the import graph, plus a
// package resolution, ≈ 11 ms of the ≈ 20 ms a notify endpoint took to load (bench/load.mjs).
const external = (id) => /^(asn1js|pkijs)(\/|$)/.test(id);

const ts = () =>
  typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined, noEmitOnError: true });

// Node-only code (src/node → dist/node, src/cli → dist/cli/witkey.js) is built apart, with Node's
// types (tsconfig.node.json). It imports the core only through the public entries, which stay
// external and point at dist/esm (or dist/cjs), so a key or error made by one entry is the same
// class instance in every other (no second copy of the core). dist/esm itself stays Web-APIs-only.
const entryOf = (id) =>
  /[/\\]src[/\\](node[/\\]index|index|dsa|charset|params|witkey|gateway|notify|xml)\.(js|ts)$/.exec(id)?.[1].replace('\\', '/');
const nodeExternal = (id, importer, isResolved) =>
  /^node:/.test(id) ||
  id === 'better-sqlite3' ||
  external(id) ||
  /^@noble\/hashes(\/|$)/.test(id) ||
  (!isResolved &&
    importer !== undefined &&
    /^\.\.\/(node\/index|index|dsa|charset|params|witkey|gateway|notify|xml)\.js$/.test(id) &&
    entryOf(path.resolve(path.dirname(importer), id)) !== undefined);
const nodePaths = (ext, dir) => (id) => {
  const e = entryOf(id);
  return e === undefined ? id : e === 'node/index' ? `./node/index.${ext}` : `./${dir}/${e}.${ext}`; // relative to dist/, as rollup reads it
};
const nodeTs = () =>
  typescript({
    tsconfig: './tsconfig.node.json',
    declaration: false,
    outDir: undefined,
    rootDir: undefined,
    noEmitOnError: true,
  });
const nodeBuilds = [
  {
    input: { 'node/index': 'src/node/index.ts', 'cli/witkey': 'src/cli/witkey.ts' },
    external: nodeExternal,
    plugins: [nodeTs()],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      paths: nodePaths('js', 'esm'),
      banner: (c) => (c.name === 'cli/witkey' ? '#!/usr/bin/env node' : ''),
    },
  },
  {
    input: { 'node/index': 'src/node/index.ts' },
    external: nodeExternal,
    plugins: [nodeTs()],
    output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', paths: nodePaths('cjs', 'cjs'), exports: 'named' },
  },
  {
    input: { 'node/index': 'src/node/index.ts' },
    external: nodeExternal,
    plugins: [dts({ tsconfig: './tsconfig.node.json' })],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', paths: nodePaths('js', 'esm') },
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.cts', paths: nodePaths('cjs', 'cjs') },
    ],
  },
];
// Built output only (Node and browser builds): src/keys/encrypted.ts (the one module that needs
// asn1js/pkijs, ~110 KB gz) is replaced, where src/keys/index.ts re-exports it, by async wrappers that
// import it on first call. Both functions are already async, so behaviour is identical; only the
// loading moves to a lazy chunk. Not done in the source: esbuild keeps a dynamic import's target (and
// splits the code it shares into eager chunks) even when the importing code is tree-shaken away, which
// measurably grew the verify-only bundle (15.3 → 16.9 KB gz).
const LAZY = { 'src/keys/encrypted.ts': ['decryptPrivateKey', 'encryptPrivateKey'] };
function lazyModules() {
  const root = path.dirname(fileURLToPath(import.meta.url));
  const targets = new Map(Object.entries(LAZY).map(([rel, names]) => [path.join(root, rel), names]));
  return {
    name: 'lazy-modules',
    async resolveId(source, importer, opts) {
      if (source.endsWith('?lazy-real')) return source.slice(0, -'?lazy-real'.length);
      if (!importer || importer.startsWith('\0')) return null;
      const r = await this.resolve(source, importer, { ...opts, skipSelf: true });
      if (r && targets.has(r.id)) return `\0lazy:${r.id}`;
      return null;
    },
    load(id) {
      if (!id.startsWith('\0lazy:')) return null;
      const real = id.slice('\0lazy:'.length);
      const spec = JSON.stringify(real + '?lazy-real');
      return targets
        .get(real)
        .map((n) => `export async function ${n}(...args) { return (await import(${spec})).${n}(...args); }`)
        .join('\n');
    },
  };
}

// Chunk file names say what a chunk holds (rollup would name shared chunks after any entry, e.g.
// "testing"): the lazy ones are recognisable in a network panel and in scripts/size.mjs's tables.
const CHUNK_NAMES = [
  [/src\/notify\/handler\.ts$/, 'notify-endpoint'],
  [/src\/charset\/gbk-index\.ts$/, 'gbk-table'],
  [/src\/charset\/gbk-load\.ts$/, 'gbk-codec'],
  [/src\/keys\/encrypted\.ts$/, 'encrypted-keys'],
  [/src\/dsa\/sign\.ts$/, 'dsa-sign'],
  [/src\/dsa\/verify\.ts$/, 'dsa-verify'],
  [/src\/keys\//, 'keys'],
  [/src\/dsa\//, 'dsa'],
  [/src\/charset\/codec\.ts$/, 'charset'],
  [/@noble\/hashes/, 'hashes'],
  [/src\/errors\.ts$/, 'errors'],
];
// Load time (bench/load.mjs): Node's ESM loader pays per module file, and a module's imports are only
// found once it has been read and compiled, so a deep graph of small chunks is a waterfall of file
// reads. Every module that src/endpoint.ts (a notify endpoint: importPublicKey, createNotifyHandler,
// decodeNotification) imports statically goes into ONE chunk, which every other entry imports too (one
// copy of each class: a key or error from one entry is an instance of the classes of every other).
// Lazy chunks (GBK codec and table, encrypted keys) stay apart.
const ENDPOINT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src/endpoint.ts');
const endpointChunk = () => {
  let ids; // per build (and output): the module ids differ between the Node and browser builds
  return (id, { getModuleInfo }) => {
    if (ids === undefined) {
      ids = new Set();
      const queue = [ENDPOINT];
      while (queue.length) {
        const m = getModuleInfo(queue.pop());
        if (!m || m.isExternal || ids.has(m.id)) continue;
        ids.add(m.id);
        queue.push(...m.importedIds);
      }
      ids.delete(ENDPOINT);
    }
    return ids.has(id) ? 'notify-endpoint' : undefined;
  };
};
const chunkName = (ext) => (info) => {
  const ids = info.moduleIds.filter((id) => !id.startsWith('\0')).map((id) => id.split(path.sep).join('/'));
  const hit = CHUNK_NAMES.find(([re]) => ids.some((id) => re.test(id)));
  return `chunks/${hit ? hit[1] : 'shared'}-[hash].${ext}`;
};

// Comments out of the built JavaScript (not out of the .d.ts files, which carry the TSDoc): V8 scans
// every byte of a module before running it, and the comments were 40 % of the endpoint chunk; without
// them (esbuild reprints the code, unminified) a cold `import` of the endpoint entry took ≈ 2 ms
// (≈ 20 %) less (bench/load.mjs). Kept: `@__PURE__` annotations (users' bundlers tree-shake with them),
// legal comments, and non-ASCII characters as they are (charset utf8).
function stripComments() {
  return {
    name: 'strip-comments',
    async renderChunk(code) {
      const { transform } = await import('esbuild');
      const r = await transform(code, { loader: 'js', legalComments: 'inline', charset: 'utf8' });
      return { code: r.code, map: null };
    },
  };
}
// @noble/hashes is bundled: its MIT licence notice goes with the chunk that holds its code.
const NOBLE_NOTICE = '/*! @noble/hashes, MIT License, Copyright (c) 2022 Paul Miller (https://paulmillr.com) */';
const nobleBanner = (chunk) => (chunk.moduleIds.some((id) => /[/\\]@noble[/\\]hashes[/\\]/.test(id)) ? NOBLE_NOTICE : '');

const browserInput = Object.fromEntries(Object.entries(input).filter(([name]) => !nodeOnly.has(name)));

export default [
  {
    input,
    external,
    // The encrypted-key code is lazy here too: asn1js + pkijs are ≈ 35 of the ≈ 40 ms it took Node 20
    // to load the package (bench/cold-sign.mjs, "module load"), paid by every user who never decrypts a key.
    plugins: [lazyModules(), nodeResolve(), ts(), stripComments()],
    output: [
      {
        dir: 'dist/esm',
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: chunkName('js'),
        manualChunks: endpointChunk(),
        banner: nobleBanner,
      },
      {
        dir: 'dist/cjs',
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: chunkName('cjs'),
        manualChunks: endpointChunk(),
        banner: nobleBanner,
        exports: 'named',
      },
    ],
  },
  {
    // Self-contained ESM for browsers and workers: @noble/hashes (and, in the lazy encrypted-key
    // chunk, asn1js/pkijs) bundled in. Not minified (comments only are left out, see stripComments):
    // extension stores review readable code, and users' bundlers minify; the min+gz cost per use is
    // measured by scripts/size.mjs.
    input: browserInput,
    plugins: [
      lazyModules(),
      nodeResolve({ browser: true, exportConditions: ['browser', 'worker', 'import', 'default'] }),
      ts(),
      stripComments(),
    ],
    output: {
      dir: 'dist/browser',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: chunkName('js'),
      manualChunks: endpointChunk(),
      banner: nobleBanner,
    },
  },
  // MV3 extension service workers: Chrome refuses import() in any service worker ("import() is
  // disallowed on ServiceWorkerGlobalScope"), so the lazy chunks above cannot load there. dist/sw/index.js
  // is one file with every dynamic import inlined (GBK codec and table, encrypted-key code): larger, but
  // loadable by `import` from a module service worker. dist/sw/testing.js adds the test-only internals
  // (not packed).
  ...[
    ['index', 'src/index.ts'],
    ['testing', '\0sw-testing'],
  ].map(([name, entry]) => ({
    input: entry,
    plugins: [
      {
        name: 'sw-testing-entry',
        resolveId: (id) => (id === '\0sw-testing' ? id : null),
        load: (id) =>
          id === '\0sw-testing'
            ? `export * from ${JSON.stringify(path.resolve('src/index.ts'))}; export * from ${JSON.stringify(path.resolve('src/internal/testing.ts'))};`
            : null,
      },
      nodeResolve({ browser: true, exportConditions: ['browser', 'worker', 'import', 'default'] }),
      ts(),
      stripComments(),
    ],
    output: { file: `dist/sw/${name}.js`, format: 'es', inlineDynamicImports: true, banner: nobleBanner },
  })),
  {
    input,
    external,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [
      { dir: 'dist/esm', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
      { dir: 'dist/cjs', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: 'chunks/[name]-[hash].d.cts' },
    ],
  },
  ...nodeBuilds,
];
