#!/usr/bin/env node
// One modular multiplication at 1024, 2048 and 3072 bits: the WebAssembly Montgomery multiplication
// (src/dsa/mont.ts, module from scripts/gen-mont-wasm.mjs) against bigint `a * b % p`, interleaved in
// rounds, median per-call latency. The finding it backs is in bench/README.md ("DSA on WebAssembly").
// Build first (`npm run build`). `node bench/mont-mul.mjs [--rounds N]`; V8 flags such as
// `--liftoff-only` or `--no-liftoff` show the two WebAssembly compilers apart.
import crypto from 'node:crypto';
import { MontSpace } from '../dist/esm/testing.js';
import { median } from './lib/harness.mjs';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 9;
const CALLS = 20000;
for (const bits of [1024, 2048, 3072]) {
  const p = BigInt(`0x${crypto.randomBytes(bits / 8).toString('hex')}`) | (1n << BigInt(bits - 1)) | 1n;
  const space = new MontSpace(p, 2);
  const a = space.alloc(1);
  const b = space.alloc(1);
  const x0 = BigInt(`0x${crypto.randomBytes(bits / 8).toString('hex')}`) % p;
  const y = BigInt(`0x${crypto.randomBytes(bits / 8).toString('hex')}`) % p;
  space.set(a, x0);
  space.set(b, y);
  const wasm = [];
  const big = [];
  for (let r = 0; r <= rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < CALLS; i++) space.mul(a, a, b);
    if (r) wasm.push(((performance.now() - t) / CALLS) * 1000);
    let x = x0;
    t = performance.now();
    for (let i = 0; i < CALLS; i++) x = (x * y) % p;
    if (r) big.push(((performance.now() - t) / CALLS) * 1000);
  }
  // The two agree: x0·y^n computed both ways (the Montgomery one read back out of Montgomery form).
  const check = new MontSpace(p, 1);
  const c = check.alloc(1);
  const cy = check.alloc(1);
  check.set(c, x0);
  check.set(cy, y);
  let ref = x0;
  for (let i = 0; i < 100; i++) {
    check.mul(c, c, cy);
    ref = (ref * y) % p;
  }
  if (check.get(c) !== ref) throw new Error(`${bits}: WebAssembly and bigint disagree`);
  const w = median(wasm);
  const g = median(big);
  console.log(`${bits} bits: WebAssembly ${w.toFixed(3)} µs, bigint ${g.toFixed(3)} µs, ratio ${(g / w).toFixed(2)}×`);
}
