#!/usr/bin/env node
// The Debian packages the browser runtimes need, installed by `npm test` itself when missing and when
// it can (root with apt-get): chromium (Chromium and the MV3 extension run), firefox-esr,
// webkit2gtk-driver (WebKit's WebDriver and MiniBrowser) with xvfb/xauth for its display. No tool
// downloads a browser. When they cannot be installed, this says so loudly; the runtimes that need them
// are then NOT RUN, which fails `npm test` unless WITKEY_ALLOW_NOT_RUN names them
// (scripts/runtimes/run.mjs) — never a silent pass. Usage: node scripts/system-deps.mjs
import { spawnSync } from 'node:child_process';

const WANT = [
  ['chromium', 'chromium'],
  ['firefox-esr', 'firefox-esr'],
  ['WebKitWebDriver', 'webkit2gtk-driver'],
  ['xvfb-run', 'xvfb'],
  ['xauth', 'xauth'],
];
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = WANT.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
if (missing.length === 0) {
  console.log('system packages: chromium, firefox-esr, webkit2gtk-driver, xvfb, xauth present');
  process.exit(0);
}
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !has('apt-get')) {
  console.error(
    `\n!!! system packages missing: ${missing.join(', ')} — cannot install them here (${root ? 'no apt-get' : 'not root'}).`,
  );
  console.error(
    '!!! The browser runtimes that need them will be NOT RUN, which fails npm test unless WITKEY_ALLOW_NOT_RUN allows it.\n',
  );
  process.exit(0);
}
console.log(`system packages: installing ${missing.join(', ')} (apt-get update once, then install; 1–3 min on a fresh machine)`);
const t0 = Date.now();
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', ...missing])) {
  console.error(`\n!!! apt-get could not install ${missing.join(', ')}: those runtimes will be NOT RUN (see above).\n`);
  process.exit(0);
}
console.log(`system packages: installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
