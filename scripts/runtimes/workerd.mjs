// Runs the portable suite in Cloudflare's workerd through miniflare, WITHOUT nodejs_compat. The worker
// is loaded unbundled: test/runtimes/worker-entry.js, the test modules and every file of dist/browser
// (chunks and lazy import()s included) as ES modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const walk = (d) =>
  readdirSync(d).flatMap((n) =>
    statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : n.endsWith('.js') ? [path.join(d, n)] : [],
  );

export async function runWorkerd({ timeoutMs = 300_000 } = {}) {
  const { Miniflare } = await import('miniflare');
  const files = [
    ...new Set([
      path.join(root, 'test/runtimes/worker-entry.js'),
      path.join(root, 'test/runtimes/loop-entry.js'),
      ...walk(path.join(root, 'dist/browser')),
      ...walk(path.join(root, 'test/portable')),
    ]),
  ];
  const mf = new Miniflare({
    modulesRoot: root,
    modules: files.map((p) => ({ type: 'ESModule', path: p, contents: readFileSync(p, 'utf8') })),
    compatibilityDate: '2025-01-01', // no compatibilityFlags: no nodejs_compat
  });
  let timer;
  try {
    const res = await Promise.race([
      mf.dispatchFetch('http://localhost/'),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`workerd: no response within ${timeoutMs / 1000} s`)), timeoutMs)),
      ),
    ]);
    const text = await res.text();
    if (!res.ok) throw new Error(`workerd answered ${res.status}: ${text.slice(0, 2000)}`);
    return JSON.parse(text);
  } finally {
    clearTimeout(timer);
    await mf.dispose();
  }
}
