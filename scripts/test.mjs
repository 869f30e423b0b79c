#!/usr/bin/env node
// `npm test`: build dist/, typecheck, then run the Node suite with `node --test`.
// Each step's failure fails the run; nothing is skipped silently.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

function run(title, cmd, args) {
  console.log(`\n=== ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
run('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
rmSync('dist', { recursive: true, force: true }); // no stale chunks from earlier builds
run('build', npx, ['rollup', '-c', '--silent']);
// Say plainly which runtimes this suite covers, and which it does not run yet (printed before the
// node --test run so that node's summary stays the last lines of the output, as CI reads them).
console.log(`\n=== runtimes
  runs:    Node ${process.version} (node --test, all test/*.test.mjs below); browser bundles measured by esbuild (size.test.mjs)
  NOT RUN: Chromium, Firefox ESR, WebKit, MV3 extension, workerd (miniflare), edge-runtime, Deno, Bun, Node 22/24
           — the multi-runtime suite is not built yet (issue 7); nothing below claims those runtimes pass.`);

// Only *.test.mjs: test/support/ holds helpers, which node --test would otherwise load as tests.
const files = readdirSync('test').filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `test/${f}`);
run('node tests', process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files]);

