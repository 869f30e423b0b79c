// Builds dist/: ESM and CJS for Node (and, for now, any ESM runtime) plus bundled .d.ts per entry.
// Entry points are the package root and one subpath per capability; shared code becomes chunks.
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { dts } from 'rollup-plugin-dts';
import path from 'node:path';

const input = {
  index: 'src/index.ts',
  dsa: 'src/dsa.ts',
  charset: 'src/charset.ts',
  params: 'src/params.ts',
  witkey: 'src/witkey.ts',
  notify: 'src/notify.ts',
  xml: 'src/xml.ts',
  gateway: 'src/gateway.ts',
  testing: 'src/internal/testing.ts',
};

// Runtime dependencies stay external in the Node builds: the user's package manager dedupes them.
const external = (id) => /^(@noble\/hashes|asn1js|pkijs)(\/|$)/.test(id);

const ts = () =>
  typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined, noEmitOnError: true });

// Node-only code (src/node → dist/node, src/cli → dist/cli/witkey.js) is built apart, with Node's
// types (tsconfig.node.json). It imports the core only through the public entries, which stay
// external and point at dist/esm (or dist/cjs), so a key or error made by one entry is the same
// class instance in every other (no second copy of the core). dist/esm itself stays Web-APIs-only.
const entryOf = (id) => /[/\\]src[/\\](node[/\\]index|index|dsa|charset|params|witkey|gateway|notify|xml)\.(js|ts)$/.exec(id)?.[1].replace('\\', '/');
const nodeExternal = (id, importer, isResolved) =>
  /^node:/.test(id) || id === 'better-sqlite3' || external(id) ||
  (!isResolved && importer !== undefined && /^\.\.\/(node\/index|index|dsa|charset|params|witkey|gateway|notify|xml)\.js$/.test(id) && entryOf(path.resolve(path.dirname(importer), id)) !== undefined);
const nodePaths = (ext, dir) => (id) => {
  const e = entryOf(id);
  return e === undefined ? id : e === 'node/index' ? `./node/index.${ext}` : `./${dir}/${e}.${ext}`; // relative to dist/, as rollup reads it
};
const nodeTs = () =>
  typescript({ tsconfig: './tsconfig.node.json', declaration: false, outDir: undefined, rootDir: undefined, noEmitOnError: true });
const nodeBuilds = [
  {
    input: { 'node/index': 'src/node/index.ts', 'cli/witkey': 'src/cli/witkey.ts' },
    external: nodeExternal,
    plugins: [nodeTs()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', paths: nodePaths('js', 'esm'), banner: (c) => (c.name === 'cli/witkey' ? '#!/usr/bin/env node' : '') },
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

export default [
  {
    input,
    external,
    plugins: [nodeResolve(), ts()],
    output: [
      { dir: 'dist/esm', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      { dir: 'dist/cjs', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named' },
    ],
  },
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
