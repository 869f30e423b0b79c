// Runs the portable suite inside an MV3 extension's module service worker in headless Chromium.
// The extension (test/runtimes/extension/{manifest.json,sw.js}) gets copies of dist/sw and
// test/portable (with its generated data), unbundled: the worker imports the service-worker build
// (`alipay-witkey/service-worker`) as an extension user would ship it. The worker POSTs its JSON result to a loopback HTTP server started
// here. Chromium runs detached and is killed as a whole process group (renderers included).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** @returns {Promise<object>} the worker's JSON report; rejects on timeout with Chromium's last output. */
export async function runExtension({ chromium = process.env.CHROME_PATH || '/usr/bin/chromium', timeoutMs = 300_000 } = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'witkey-ext-'));
  const ext = path.join(work, 'ext');
  const profile = path.join(work, 'profile');
  let server;
  let child;
  let output = '';
  try {
    cpSync(path.join(root, 'test/runtimes/extension'), ext, { recursive: true });
    cpSync(path.join(root, 'dist/sw'), path.join(ext, 'dist/sw'), { recursive: true });
    cpSync(path.join(root, 'test/portable'), path.join(ext, 'test/portable'), { recursive: true });
    // Service workers cannot import() (the browser build's lazy chunks): the suite runs on dist/sw,
    // the single-file build for service workers (testing.js = index.js + the test-only internals).
    writeFileSync(path.join(ext, 'test/portable/lib.js'), `export * from '../../dist/sw/testing.js';\n`);
    let resolveReport;
    const report = new Promise((r) => (resolveReport = r));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
        if (req.method === 'POST' && req.url === '/report') resolveReport(body);
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    writeFileSync(
      path.join(ext, 'report-config.js'),
      `export const REPORT_URL = 'http://127.0.0.1:${server.address().port}/report';\n`,
    );
    child = spawn(
      chromium,
      [
        '--headless=new',
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        `--disable-extensions-except=${ext}`,
        `--load-extension=${ext}`,
        'about:blank',
      ],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (d) => (output = (output + d).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise((r) =>
      child.on('exit', (code, sig) => r(`chromium exited (${code ?? sig}) before the worker reported`)),
    );
    let timer;
    const timeout = new Promise(
      (r) => (timer = setTimeout(() => r(`no report from the service worker within ${timeoutMs / 1000} s`), timeoutMs)),
    );
    const first = await Promise.race([
      report.then((body) => ({ body })),
      exited.then((err) => ({ err })),
      timeout.then((err) => ({ err })),
    ]);
    clearTimeout(timer);
    if (first.err) throw new Error(`${first.err}\n--- chromium output (tail) ---\n${output.trim()}`);
    return JSON.parse(first.body);
  } finally {
    if (child && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    }
    server?.close();
    rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const r = await runExtension();
  console.log(JSON.stringify({ ...r, names: r.names?.length }, null, 1), `${Date.now() - t0} ms`);
}
