#!/usr/bin/env node
// `npm test`: build dist/, typecheck, then run the Node suite with `node --test`.
// Each step's failure fails the run; nothing is skipped silently.
import { spawnSync } from 'node:child_process';

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
run('build', npx, ['rollup', '-c', '--silent']);
run('node tests', process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', 'test/']);
