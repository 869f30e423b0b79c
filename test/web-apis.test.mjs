// Core code uses Web APIs only: no Buffer, process or node: imports outside src/node/ and src/cli/.
// Checked on the sources and on the built ESM bundle that browsers and workers load. (Running the
// bundle in edge-runtime, where these globals do not exist, is the multi-runtime suite's job, test/runtimes.)

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const FORBIDDEN = [
  [/\bBuffer\b/, 'Buffer'],
  [/\bprocess\s*\./, 'process.'],
  [/\bfrom\s+['"]node:|\brequire\(\s*['"]node:|\bimport\(\s*['"]node:/, 'a node: import'],
  [/\brequire\(/, 'require('],
];

function files(dir, ext) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}

// Comment lines may mention these names (e.g. "no Buffer"); code may not.
const codeLines = (text) => text.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l));

test('src/ outside node/ and cli/ references no Buffer, process or node: module', () => {
  const offenders = [];
  const srcFiles = files(path.join(root, 'src'), '.ts').filter((f) => !/[/\\]src[/\\](node|cli)[/\\]/.test(f));
  assert.ok(srcFiles.length > 20, `found ${srcFiles.length} source files`);
  for (const f of srcFiles) {
    for (const line of codeLines(readFileSync(f, 'utf8'))) {
      for (const [re, what] of FORBIDDEN) if (re.test(line)) offenders.push(`${path.relative(root, f)}: ${what}: ${line.trim()}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the built ESM bundle (dist/esm) references no Buffer, process or node: module', () => {
  const offenders = [];
  const built = files(path.join(root, 'dist/esm'), '.js').filter((f) => !/testing\.js$/.test(f));
  assert.ok(built.length >= 5, `found ${built.length} bundle files`);
  for (const f of built) {
    for (const line of codeLines(readFileSync(f, 'utf8'))) {
      for (const [re, what] of FORBIDDEN)
        if (re.test(line)) offenders.push(`${path.relative(root, f)}: ${what}: ${line.trim().slice(0, 120)}`);
    }
  }
  assert.deepEqual(offenders, []);
});
