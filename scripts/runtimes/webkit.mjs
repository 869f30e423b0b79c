#!/usr/bin/env node
// Runs Web Test Runner against WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver). Must run
// under an X display: scripts/runtimes/run.mjs starts it as `xvfb-run -a node scripts/runtimes/webkit.mjs`.
// Starts WebKitWebDriver on a free loopback port, waits for it, runs WTR with WTR_BROWSER=webkit, and
// stops the driver (its whole process group) whatever happens. Exit code: WTR's.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const port = await freePort();
const driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  detached: true,
});
const stop = () => {
  try {
    process.kill(-driver.pid, 'SIGTERM');
  } catch {}
};
process.on('exit', stop);
let ready = false;
for (let i = 0; i < 100 && !ready; i++) {
  try {
    ready = (await fetch(`http://127.0.0.1:${port}/status`)).ok;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!ready) {
  console.error(`WebKitWebDriver did not answer on port ${port}`);
  process.exit(2);
}
const wtr = spawn(
  process.execPath,
  [path.join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', 'test/runtimes/wtr.config.mjs'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, WTR_BROWSER: 'webkit', WEBDRIVER_PORT: String(port) },
  },
);
const code = await new Promise((resolve) => wtr.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
stop();
process.exit(code);
