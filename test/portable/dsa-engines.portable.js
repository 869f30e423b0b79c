// The two DSA arithmetic engines (WebAssembly Montgomery multiplication, bigint) give the same powers
// as a plain square-and-multiply written here (independent of src/), for every exponentiation the
// library runs: the regular ladder (signing without tables), the joint sliding window (verification
// without tables), the regular comb (signing with tables) and the joint comb (verification with
// tables), at every size of the NIST vectors, on random and edge exponents. And which engine this
// runtime picks (WebAssembly unless the runtime refuses to compile it), in the summary.

import * as assert from './assert.js';
import data from './generated/nist.js';
import { fact, test } from './harness.js';
import { buildCombs, comb2, combRegular, dsaEngine, pow2, powRegular } from './lib.js';
import { big, forEachEngine } from './util.js';

/** x^e mod m, bit by bit: the reference. */
function refPow(x, e, m) {
  let r = 1n;
  let b = x % m;
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}

/** A deterministic stream of bigints below 2^bits (xorshift; test inputs only, nothing secret). */
function numbers(seed) {
  let s = seed >>> 0 || 1;
  const next32 = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return (bits) => {
    let v = 0n;
    for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(next32());
    return v & ((1n << BigInt(bits)) - 1n);
  };
}

// One domain per (L, N) of the SigGen records, with its key's y.
const domains = [];
for (const r of data.siggen) {
  if (domains.some((d) => d.L === r.L && d.N === r.N)) continue;
  domains.push({ L: r.L, N: r.N, p: big(r.P), q: big(r.Q), g: big(r.G), y: big(r.Y) });
}

test('dsa engines: the runtime compiles the WebAssembly arithmetic, or says why not', () => {
  const engine = dsaEngine();
  fact('dsa arithmetic', engine === 'wasm' ? 'WebAssembly' : 'bigint');
  assert.ok(engine === 'wasm' || engine === 'bigint', engine);
});

test('dsa engines: every exponentiation equals square-and-multiply, at every size, on each engine', () => {
  assert.deepEqual(
    domains.map((d) => `${d.L}/${d.N}`),
    ['1024/160', '2048/224', '2048/256', '3072/256'],
  );
  const ran = forEachEngine((engine) => {
    for (const d of domains) {
      const rnd = numbers(d.L + d.N);
      const label = `${engine} ${d.L}/${d.N}`;
      const signBits = d.N + 65;
      // Shapes of the library's kind, small enough to build fast on bigint (the full ones are
      // exercised by the rfc6979 vectors with precomputed tables).
      const sShape = { h: 6, v: 2, b: Math.ceil(signBits / 12) };
      const vShape = { h: 5, v: 2, b: Math.ceil(d.N / 10) };
      const [cg] = buildCombs([d.g], d.p, sShape);
      const [vg, vy] = buildCombs([d.g, d.y], d.p, vShape);
      const combBits = sShape.h * sShape.v * sShape.b;
      const verifyBits = vShape.h * vShape.v * vShape.b;
      assert.ok(combBits >= signBits && verifyBits >= d.N, `${label}: shapes cover the exponents`);
      const exps = [0n, 1n, 2n, d.q - 1n, (1n << BigInt(d.N)) - 1n];
      for (let i = 0; i < 6; i++) exps.push(rnd(d.N));
      for (const [i, e] of exps.entries()) {
        const f = exps[(i + 3) % exps.length];
        const ge = refPow(d.g, e, d.p);
        const yf = refPow(d.y, f, d.p);
        assert.equal(pow2(d.g, e, d.y, f, d.p), (ge * yf) % d.p, `${label}: pow2 #${i}`);
        assert.equal(comb2(vg, e, vy, f, d.p), (ge * yf) % d.p, `${label}: comb2 #${i}`);
        assert.equal(powRegular(d.g, e, d.p, signBits), ge, `${label}: powRegular #${i}`);
        assert.equal(combRegular(cg, e, d.p), ge, `${label}: combRegular #${i}`);
      }
      // Blinded signing exponents use every bit of the regular comb and ladder.
      for (const e of [(1n << BigInt(signBits)) - 1n, rnd(signBits), rnd(signBits)]) {
        const ge = refPow(d.g, e, d.p);
        assert.equal(powRegular(d.g, e, d.p, signBits), ge, `${label}: powRegular of ${signBits} bits`);
        assert.equal(combRegular(cg, e, d.p), ge, `${label}: combRegular of ${signBits} bits`);
      }
      // A base that is not reduced (p + g), and the base 1.
      assert.equal(pow2(d.p + d.g, 5n, 1n, 7n, d.p), refPow(d.g, 5n, d.p), `${label}: unreduced base`);
      assert.equal(powRegular(1n, d.q - 1n, d.p, signBits), 1n, `${label}: base 1`);
    }
  });
  fact('dsa engines tested', ran.join(' + '));
});
