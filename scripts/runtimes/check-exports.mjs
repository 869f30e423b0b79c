#!/usr/bin/env node
// package.json `exports` and `typesVersions` follow from rollup.config.mjs's `input` map, one rule for
// every entry, so that a branch adding an entry (xml, notify, gateway, node) only adds one line there:
//
//   "./<name>": {                                   ("." for index)
//     "browser": { "types": dist/esm/<name>.d.ts, "default": dist/browser/<name>.js },   not for node-only entries
//     "worker":  { same as browser },                                                    not for node-only entries
//     "import":  { "types": dist/esm/<name>.d.ts, "default": dist/esm/<name>.js },
//     "require": { "types": dist/cjs/<name>.d.cts, "default": dist/cjs/<name>.cjs } }
//   "./service-worker": single-file dist/sw/index.js for MV3 service workers (require: the CJS root)
//   typesVersions (TypeScript's node10 resolution): "<name>": [dist/cjs/<name>.d.cts]
//
//   node scripts/runtimes/check-exports.mjs           exits 1, with a diff, when package.json differs
//   node scripts/runtimes/check-exports.mjs --write   rewrites exports/typesVersions in package.json
// After a build it also checks that every file named in exports exists.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { input, nodeOnly } = await import(pathToFileURL(path.join(root, 'rollup.config.mjs')).href);
const INTERNAL = new Set(['testing']);

export function expected() {
  const exports = {};
  const typesVersions = {};
  for (const name of Object.keys(input)) {
    if (INTERNAL.has(name)) continue;
    const key = name === 'index' ? '.' : `./${name}`;
    const web = { types: `./dist/esm/${name}.d.ts`, default: `./dist/browser/${name}.js` };
    exports[key] = {
      ...(nodeOnly.has(name) ? {} : { browser: web, worker: { ...web } }),
      import: { types: `./dist/esm/${name}.d.ts`, default: `./dist/esm/${name}.js` },
      require: { types: `./dist/cjs/${name}.d.cts`, default: `./dist/cjs/${name}.cjs` },
    };
    if (name !== 'index') typesVersions[name] = [`./dist/cjs/${name}.d.cts`];
  }
  exports['./service-worker'] = {
    import: { types: './dist/esm/index.d.ts', default: './dist/sw/index.js' },
    require: { types: './dist/cjs/index.d.cts', default: './dist/cjs/index.cjs' },
  };
  typesVersions['service-worker'] = ['./dist/cjs/index.d.cts'];
  // Node-only helpers (src/node): built apart into dist/node by rollup.config.mjs's nodeBuilds.
  exports['./node'] = {
    import: { types: './dist/node/index.d.ts', default: './dist/node/index.js' },
    require: { types: './dist/node/index.d.cts', default: './dist/node/index.cjs' },
  };
  typesVersions['node'] = ['./dist/node/index.d.cts'];
  exports['./package.json'] = './package.json';
  return { exports, typesVersions: { '*': typesVersions } };
}

const pkgPath = path.join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
const want = expected();
if (process.argv.includes('--write')) {
  pkg.exports = want.exports;
  pkg.typesVersions = want.typesVersions;
  writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
  console.log('package.json exports/typesVersions written from rollup.config.mjs input');
  process.exit(0);
}
const problems = [];
const a = JSON.stringify(pkg.exports, null, 2);
const b = JSON.stringify(want.exports, null, 2);
if (a !== b)
  problems.push(
    `package.json "exports" differs from what rollup.config.mjs's input implies (run with --write):\n--- expected\n${b}`,
  );
if (JSON.stringify(pkg.typesVersions) !== JSON.stringify(want.typesVersions))
  problems.push(`package.json "typesVersions" differs (run with --write): expected ${JSON.stringify(want.typesVersions)}`);
if (pkg.sideEffects !== false) problems.push('package.json "sideEffects" must be false');
if (existsSync(path.join(root, 'dist'))) {
  const files = JSON.stringify(want.exports).match(/\.\/dist\/[^"]+/g) ?? [];
  for (const f of new Set(files))
    if (!existsSync(path.join(root, f))) problems.push(`exports names ${f}, which the build did not produce`);
}
if (problems.length) {
  console.error(problems.map((p) => `✖ ${p}`).join('\n'));
  process.exit(1);
}
console.log(`exports: ${Object.keys(want.exports).length} entries consistent with rollup.config.mjs; every file exists`);
