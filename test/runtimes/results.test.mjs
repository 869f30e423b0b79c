// One node:test test per runtime of the portable suite, from the results scripts/runtimes/run.mjs
// wrote in this same `npm test` run (build-tmp/runtimes.json, tagged with WITKEY_RUN_ID). So the closing
// lines of `npm test` (node --test's summary, which CI reads) count the other runtimes too: a FAILED
// runtime is a failed test here, a NOT RUN one a failed test unless WITKEY_ALLOW_NOT_RUN allowed it,
// in which case it is reported as skipped — visibly, in node's "skipped" count.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const file = new URL('../../build-tmp/runtimes.json', import.meta.url);
const runId = process.env.WITKEY_RUN_ID;
let data;
try {
  data = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  data = null;
}

test('runtimes: results of this npm test run exist (scripts/test.mjs runs scripts/runtimes/run.mjs first)', () => {
  assert.ok(runId, 'WITKEY_RUN_ID is not set: run `npm test`, not this file alone');
  assert.ok(data, 'build-tmp/runtimes.json is missing: scripts/runtimes/run.mjs did not run or crashed');
  assert.equal(data.runId, runId, 'build-tmp/runtimes.json is from another run');
  assert.ok(data.results.length >= 11, `${data.results.length} runtimes`);
  assert.ok(data.portableTests > 0);
});

test('runtimes: every test/portable/*.portable.js file is listed in test/portable/all.js', () => {
  const listed = readFileSync(new URL('../portable/all.js', import.meta.url), 'utf8');
  const files = readdirSync(new URL('../portable/', import.meta.url)).filter((f) => f.endsWith('.portable.js'));
  assert.ok(files.length >= 8);
  assert.deepEqual(
    files.filter((f) => !listed.includes(`'./${f}'`)),
    [],
  );
});

for (const r of data?.runId === runId ? data.results : []) {
  test(`runtime ${r.name}: the portable suite`, (t) => {
    if (r.status === 'not run') {
      if (r.allowed) {
        t.skip(`NOT RUN (allowed): ${r.reason}`);
        return;
      }
      assert.fail(`NOT RUN: ${r.reason} (set WITKEY_ALLOW_NOT_RUN=${r.id} to allow)`);
    }
    t.diagnostic(
      `${r.version}: ${r.passed}/${r.expected} passed in ${(r.ms / 1000).toFixed(1)} s${r.notes?.length ? `; ${r.notes.join('; ')}` : ''}`,
    );
    const failures = (r.failures ?? []).map((f) => `${f.name}: ${f.error}`);
    assert.equal(r.status, 'passed', `${r.reason}${failures.length ? `\n${failures.join('\n')}` : ''}`);
    assert.equal(r.passed, r.expected);
    assert.equal(r.failed, 0);
    // DSA on WebAssembly wherever the runtime compiles it; bigint in workerd (no code generation at
    // run time) and in the MV3 extension (its default policy has no 'wasm-unsafe-eval'); both
    // engines ran the vectors wherever WebAssembly did.
    const refuses = r.id === 'workerd' || r.id === 'extension';
    assert.equal(r.facts?.['dsa arithmetic'], refuses ? 'bigint' : 'WebAssembly', 'DSA arithmetic engine');
    assert.equal(r.facts?.['dsa engines tested'], refuses ? 'bigint' : 'wasm + bigint', 'DSA engines the vectors ran on');
  });
}
