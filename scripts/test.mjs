#!/usr/bin/env node
// `npm test`: install the Debian browser packages when missing and possible (scripts/system-deps.mjs),
// check formatting and lint (Biome), typecheck, build dist/, check the package (exports, publint --strict, attw --pack), build
// the portable suite's data, run the portable suite in every runtime (scripts/runtimes/run.mjs: Node
// 20/22/24, Deno, Bun, edge-runtime, workerd, Chromium, Firefox ESR, WebKit, an MV3 extension), then
// the Node suite with `node --test` — LAST, so that node's closing summary lines are the last lines of
// the output (CI reads them). The runtimes' results enter that summary through
// test/runtimes/results.test.mjs: one test per runtime.
//
// Steps before the runtimes stop the run on failure. A failing or NOT RUN runtime does not stop it:
// it fails its test in the final node --test run (NOT RUN may be allowed: WITKEY_ALLOW_NOT_RUN, see
// scripts/runtimes/run.mjs). Each step prints its wall time.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { ensureMachineNode, envWithMachineNode } from './runtimes/machine-node.mjs';

// npm puts node_modules/.bin first on PATH, and node_modules/.bin/node is Node 22 (the node22 alias
// package): run this script, every tool and node --test on the machine's Node instead.
await ensureMachineNode();
const baseEnv = envWithMachineNode();

const t0 = Date.now();
const times = [];
function run(title, cmd, args, { mayFail = false, env } = {}) {
  console.log(`\n=== ${title}: ${cmd === process.execPath ? 'node' : cmd} ${args.join(' ')}`);
  const s = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false, env: { ...baseEnv, ...env } });
  times.push(`${title} ${((Date.now() - s) / 1000).toFixed(1)} s`);
  if (r.status !== 0 && !mayFail) {
    console.error(`\n✖ ${title} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  return r.status;
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const node = process.execPath;
process.env.PUPPETEER_SKIP_DOWNLOAD = '1';
run('system packages', node, ['scripts/system-deps.mjs']);
// Formatting and lint (Biome, configured in biome.json): `npm run format` fixes what it can.
run('format and lint', npx, ['biome', 'ci', '--error-on-warnings', '.']);
run('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('typecheck (Node-only code)', npx, ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
rmSync('dist', { recursive: true, force: true }); // no stale chunks from earlier builds
run('build', npx, ['rollup', '-c', '--silent']);
run('exports', node, ['scripts/runtimes/check-exports.mjs']);
run('publint', npx, ['publint', '--strict']);
run('attw', npx, ['attw', '--pack', '.', '--format', 'table-flipped']);
run('portable data', node, ['scripts/runtimes/gen-data.mjs']);
const runId = randomUUID();
run('runtimes', node, ['scripts/runtimes/run.mjs'], { mayFail: true, env: { WITKEY_RUN_ID: runId } });

console.log(`\n=== Node for the build, tools and node --test: ${process.execPath} ${process.version} (the machine's)`);
console.log(`=== step times: ${times.join(', ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s before node --test`);
// Only *.test.mjs at the top of test/ (test/support/ holds helpers), plus the runtimes' results.
const files = readdirSync('test')
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => `test/${f}`);
const status = run(
  'node tests',
  node,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files, 'test/runtimes/results.test.mjs'],
  { mayFail: true, env: { WITKEY_RUN_ID: runId } },
);
process.exit(status);
