// Runs the portable suite in Vercel's edge-runtime (EdgeRuntime evaluates scripts in a Node vm
// context with only the Edge APIs: no process, no require). The suite (test/runtimes/loop-entry.js,
// importing the browser build) is bundled by esbuild into one IIFE script.
//
// Emulator bug, worked around loudly: edge-runtime 4.0.1's crypto.subtle (Node's WebCrypto behind the
// vm boundary) rejects every ArrayBuffer created inside the context ("2nd argument is not instance of
// ArrayBuffer ...") while accepting typed arrays; real Edge/worker runtimes and browsers accept both.
// pkijs (encrypted PKCS#8) passes ArrayBuffers. When the bug is detected, crypto.subtle's methods are
// wrapped to pass ArrayBuffer arguments as Uint8Array views, and the summary says so.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const SHIM = `(() => {
  const s = crypto.subtle;
  for (const m of ['encrypt', 'decrypt', 'sign', 'verify', 'digest', 'importKey', 'deriveBits', 'deriveKey', 'wrapKey', 'unwrapKey']) {
    const orig = s[m].bind(s);
    s[m] = (...args) => orig(...args.map((a) => (Object.prototype.toString.call(a) === '[object ArrayBuffer]' ? new Uint8Array(a) : a)));
  }
})();\n`;

export async function runEdge({ timeoutMs = 300_000 } = {}) {
  const { EdgeRuntime } = await import('edge-runtime');
  const out = await build({
    entryPoints: [path.join(root, 'test/runtimes/loop-entry.js')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
    // package.json says sideEffects: false (true of the library); the test modules register tests on import.
    ignoreAnnotations: true,
  });
  const probe = new EdgeRuntime();
  const bug = await probe.evaluate(`crypto.subtle.digest('SHA-256', new ArrayBuffer(1)).then(() => false, () => true)`);
  const notes = [];
  if (bug)
    notes.push(
      'edge-runtime bug: crypto.subtle rejects ArrayBuffers made in its context; shimmed (ArrayBuffer → Uint8Array view)',
    );
  const rt = new EdgeRuntime({ initialCode: (bug ? SHIM : '') + out.outputFiles[0].text });
  const kind = await rt.evaluate(`[typeof EdgeRuntime, typeof process, typeof require].join(' ')`);
  let timer;
  const result = await Promise.race([
    rt.evaluate('__runPortable().then((r) => JSON.stringify(r))'),
    new Promise(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`edge-runtime: no result within ${timeoutMs / 1000} s`)), timeoutMs)),
    ),
  ]).finally(() => clearTimeout(timer));
  return { ...JSON.parse(result), runtime: `edge-runtime (typeof EdgeRuntime/process/require: ${kind})`, notes };
}
