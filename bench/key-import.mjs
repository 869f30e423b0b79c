#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Cold path of a verifier: importPublicKey(SPKI PEM) (+ one verify), for 1024/160 and 2048/256 keys.
//
//   warm   median of 15 timings of `reps` importPublicKey(pem) calls each (per call), and the
//          same for createPublicKey({ p, q, g, y }) from ./dsa: the difference is the decoding
//          (PEM, base64, DER, structure), the rest is validation (two modular exponentiations)
//   cold   a fresh `node` process per run: import the package, importPublicKey(pem), verify once;
//          median over 15 processes of (module import) and (first import + verify)
//
// `node bench/key-import.mjs [distDir]` (default dist/, so run `npx rollup -c` first). Pass another
// build's dist/esm directory to compare two versions on the same machine.
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? 'dist/esm');
const entry = pathToFileURL(path.join(dist, 'index.js')).href;
const { importPublicKey } = await import(entry);
const { createPublicKey } = await import(pathToFileURL(path.join(dist, 'dsa.js')).href);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const dir = mkdtempSync(path.join(tmpdir(), 'key-import-'));
const child = `
const t0 = performance.now();
const { importPublicKey, verify } = await import(process.argv[2]);
const t1 = performance.now();
const { readFileSync } = await import('node:fs');
const pem = readFileSync(process.argv[3], "utf8");
const sig = new Uint8Array(readFileSync(process.argv[4]));
const msg = new TextEncoder().encode('partner=2088101568338364&service=alipay.witkey.task.left.amount.handle');
const t2 = performance.now();
const ok = verify(sig, msg, importPublicKey(pem));
const t3 = performance.now();
if (!ok) throw new Error('verify failed');
console.log(JSON.stringify({ load: t1 - t0, first: t3 - t2 }));
`;
writeFileSync(path.join(dir, 'child.mjs'), child);
try {
  for (const [L, N, hash] of [
    [1024, 160, 'sha1'],
    [2048, 256, 'sha256'],
  ]) {
    const pair = crypto.generateKeyPairSync('dsa', { modulusLength: L, divisorLength: N });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' });
    const msg = new TextEncoder().encode('partner=2088101568338364&service=alipay.witkey.task.left.amount.handle');
    const sig = crypto.sign(hash, msg, { key: pair.privateKey, dsaEncoding: 'der' });
    writeFileSync(path.join(dir, 'key.pem'), pem);
    writeFileSync(path.join(dir, 'sig.der'), sig);
    // warm
    for (let i = 0; i < 200; i++) importPublicKey(pem);
    const key = importPublicKey(pem);
    const parts = { p: key.domain.p, q: key.domain.q, g: key.domain.g, y: key.y };
    for (let i = 0; i < 200; i++) createPublicKey(parts);
    const reps = L === 1024 ? 400 : 100;
    const warm = [];
    const bare = [];
    for (let r = 0; r < 15; r++) {
      let t = performance.now();
      for (let i = 0; i < reps; i++) importPublicKey(pem);
      warm.push(((performance.now() - t) / reps) * 1000);
      t = performance.now();
      for (let i = 0; i < reps; i++) createPublicKey(parts);
      bare.push(((performance.now() - t) / reps) * 1000);
    }
    // cold
    const loads = [];
    const firsts = [];
    for (let r = 0; r < 15; r++) {
      const out = spawnSync(process.execPath, [
        path.join(dir, 'child.mjs'),
        entry,
        path.join(dir, 'key.pem'),
        path.join(dir, 'sig.der'),
      ]);
      if (out.status !== 0) throw new Error(`child: ${out.status} ${out.signal} ${out.error} ${out.stderr}`);
      const { load, first } = JSON.parse(out.stdout.toString());
      loads.push(load);
      firsts.push(first);
    }
    console.log(
      `${L}/${N}: importPublicKey(pem) warm ${median(warm).toFixed(1)} µs/call ` +
        `(createPublicKey ${median(bare).toFixed(1)} µs, so decoding ≈ ${(median(warm) - median(bare)).toFixed(1)} µs); ` +
        `fresh process: package import ${median(loads).toFixed(1)} ms, first importPublicKey + verify ${median(firsts).toFixed(2)} ms`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
