#!/usr/bin/env node
// The Debian packages the suite needs beyond npm, installed by `npm test` itself when missing and when
// it can (root with apt-get): chromium (Chromium and the MV3 extension run), firefox-esr,
// webkit2gtk-driver (WebKit's WebDriver and MiniBrowser) with xvfb/xauth for its display, and the real
// database servers the notify stores are tested on: postgresql and redis-server (test/support/*-server.mjs
// start a throwaway one on loopback per run). No tool downloads a browser. When they cannot be installed,
// this says so loudly; the runtimes that need them are then NOT RUN, which fails `npm test` unless
// WITKEY_ALLOW_NOT_RUN names them (scripts/runtimes/run.mjs), and the store tests fail unless it names
// `postgresql`/`redis` — never a silent pass. Usage: node scripts/system-deps.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
// Debian keeps the PostgreSQL server binaries off PATH, in /usr/lib/postgresql/<major>/bin.
const hasPostgres = () => {
  try {
    return readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  } catch {
    return false;
  }
};
const WANT = [
  ['chromium', 'chromium'],
  ['firefox-esr', 'firefox-esr'],
  ['WebKitWebDriver', 'webkit2gtk-driver'],
  ['xvfb-run', 'xvfb'],
  ['xauth', 'xauth'],
  [hasPostgres, 'postgresql'],
  ['redis-server', 'redis-server'],
];
const missing = WANT.filter(([check]) => !(typeof check === 'function' ? check() : has(check))).map(([, pkg]) => pkg);
if (missing.length === 0) {
  console.log(`system packages: ${WANT.map(([, p]) => p).join(', ')} present`);
  process.exit(0);
}
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !has('apt-get')) {
  console.error(
    `\n!!! system packages missing: ${missing.join(', ')} — cannot install them here (${root ? 'no apt-get' : 'not root'}).`,
  );
  console.error(
    '!!! The runtimes and store tests that need them will be NOT RUN, which fails npm test unless WITKEY_ALLOW_NOT_RUN allows it.\n',
  );
  process.exit(0);
}
console.log(`system packages: installing ${missing.join(', ')} (apt-get update once, then install; 1–3 min on a fresh machine)`);
const t0 = Date.now();
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
// The postgresql and redis-server packages start a system-wide server on install where an init system
// runs; the tests never use it (they start their own on a free port), so installing must not start one.
const policy = '/usr/sbin/policy-rc.d';
let policyAdded = false;
if (!existsSync(policy)) {
  (await import('node:fs')).writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  policyAdded = true;
}
process.on('exit', () => {
  if (policyAdded) spawnSync('rm', ['-f', policy]);
});
if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', ...missing])) {
  console.error(`\n!!! apt-get could not install ${missing.join(', ')}: those runtimes will be NOT RUN (see above).\n`);
  process.exit(0);
}
console.log(`system packages: installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
