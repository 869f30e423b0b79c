// Builds dist/: ESM and CJS for Node (and, for now, any ESM runtime) plus bundled .d.ts per entry.
// Entry points are the package root and one subpath per capability; shared code becomes chunks.
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { dts } from 'rollup-plugin-dts';

const input = {
  index: 'src/index.ts',
  dsa: 'src/dsa.ts',
  charset: 'src/charset.ts',
  params: 'src/params.ts',
  witkey: 'src/witkey.ts',
  notify: 'src/notify.ts',
  xml: 'src/xml.ts',
  testing: 'src/internal/testing.ts',
};

// Runtime dependencies stay external in the Node builds: the user's package manager dedupes them.
const external = (id) => /^(@noble\/hashes|asn1js|pkijs)(\/|$)/.test(id);

const ts = () =>
  typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined, noEmitOnError: true });

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
];
