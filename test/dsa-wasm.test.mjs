// The WebAssembly Montgomery arithmetic under DSA (src/dsa/mont.ts, assembled by
// scripts/gen-mont-wasm.mjs) and its bigint fallback: the module is what the script assembles; Node
// picks WebAssembly and a runtime without it picks bigint; both engines sign byte-identically
// (RFC 6979) at every size, with and without tables, and OpenSSL verifies both and both verify
// OpenSSL; the tables of one key or domain stay within 1 MB of WebAssembly memory.
// (The standard vectors run on both engines in every runtime: test/portable/*.portable.js.)

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importPrivateKey, importPublicKey, precompute, sign, verify } from '../dist/esm/index.js';
import * as T from '../dist/esm/testing.js';

const SIZES = [
  [1024, 160],
  [2048, 224],
  [2048, 256],
  [3072, 256],
];
const HASH = { 160: 'sha1', 224: 'sha224', 256: 'sha256' };
const pairs = new Map();
function pair(L, N) {
  const id = `${L}/${N}`;
  if (!pairs.has(id)) pairs.set(id, crypto.generateKeyPairSync('dsa', { modulusLength: L, divisorLength: N }));
  return pairs.get(id);
}
const pem = (k, type) => k.export({ type, format: 'pem' });

function withEngine(engine, fn) {
  assert.equal(T.setDsaEngine(engine), true, `engine ${engine} available`);
  try {
    return fn();
  } finally {
    T.setDsaEngine(undefined);
  }
}

test('the WebAssembly module in src/dsa/mont-wasm-bytes.ts is what scripts/gen-mont-wasm.mjs assembles', () => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/gen-mont-wasm.mjs', import.meta.url)), '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('Node runs DSA on WebAssembly; --jitless Node (no WebAssembly) on bigint, and its signatures pass OpenSSL', () => {
  assert.equal(T.dsaEngine(), 'wasm');
  const { privateKey, publicKey } = pair(1024, 160);
  const script = `
    import { importPrivateKey, importPublicKey, sign, verify } from ${JSON.stringify(new URL('../dist/esm/index.js', import.meta.url).href)};
    import { dsaEngine, setDsaEngine } from ${JSON.stringify(new URL('../dist/esm/testing.js', import.meta.url).href)};
    const [privPem, pubPem, msgHex, osslSigHex] = JSON.parse(process.argv[1]);
    const msg = Buffer.from(msgHex, 'hex');
    const out = { typeofWasm: typeof WebAssembly, engine: dsaEngine(), canForce: setDsaEngine('wasm'),
      sig: Buffer.from(sign(msg, importPrivateKey(privPem))).toString('hex'),
      verifiesOpenSsl: verify(Buffer.from(osslSigHex, 'hex'), msg, importPublicKey(pubPem)) };
    console.log(JSON.stringify(out));`;
  const msg = Buffer.from('partner=2088101115793868&service=alipay.witkey.task.left.amount.handle');
  const args = [
    pem(privateKey, 'pkcs8'),
    pem(publicKey, 'spki'),
    msg.toString('hex'),
    crypto.sign('sha1', msg, privateKey).toString('hex'),
  ];
  const r = spawnSync(process.execPath, ['--jitless', '--input-type=module', '-e', script, JSON.stringify(args)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.typeofWasm, 'undefined');
  assert.equal(out.engine, 'bigint');
  assert.equal(out.canForce, false, 'wasm cannot be forced where there is none');
  assert.equal(out.verifiesOpenSsl, true);
  assert.equal(crypto.verify('sha1', msg, publicKey, Buffer.from(out.sig, 'hex')), true);
  assert.equal(out.sig, Buffer.from(withEngine('wasm', () => sign(msg, importPrivateKey(args[0])))).toString('hex'));
});

test('both engines sign byte-identically at every size, table-free, with small and with full tables; OpenSSL agrees both ways', () => {
  for (const [L, N] of SIZES) {
    const { privateKey, publicKey } = pair(L, N);
    const hash = HASH[N];
    const msgs = Array.from({ length: 4 }, (_, i) => crypto.randomBytes(20 + i * 50));
    const run = (engine) =>
      withEngine(engine, () => {
        const priv = importPrivateKey(pem(privateKey, 'pkcs8'));
        const pub = importPublicKey(pem(publicKey, 'spki'));
        const out = [];
        // Table-free (first uses of the domain), then the small comb, then the full tables.
        for (const phase of ['first', 'small', 'full']) {
          if (phase === 'full') {
            precompute(priv);
            precompute(pub);
          }
          for (const m of msgs) {
            const sig = sign(m, priv);
            assert.equal(crypto.verify(hash, m, publicKey, sig), true, `${engine} ${L}/${N} ${phase}: OpenSSL verifies ours`);
            assert.equal(
              verify(crypto.sign(hash, m, privateKey), m, pub),
              true,
              `${engine} ${L}/${N} ${phase}: ours verifies OpenSSL`,
            );
            assert.equal(
              verify(sig, Buffer.concat([m, Buffer.of(0)]), pub),
              false,
              `${engine} ${L}/${N} ${phase}: other message`,
            );
            out.push(Buffer.from(sig).toString('hex'));
          }
        }
        assert.ok(T.signState(priv).comb, `${engine} ${L}/${N}: full comb built`);
        return out;
      });
    assert.deepEqual(run('wasm'), run('bigint'), `${L}/${N}: same signatures on both engines`);
  }
});

test('on WebAssembly, the tables of one domain (signing) or one key (verification) fit in 1 MB', () => {
  for (const [L, N] of SIZES) {
    const { privateKey, publicKey } = pair(L, N);
    const priv = importPrivateKey(pem(privateKey, 'pkcs8'));
    const pub = importPublicKey(pem(publicKey, 'spki'));
    precompute(priv);
    precompute(pub);
    const comb = T.signState(priv).comb;
    assert.ok(comb.space, `${L}/${N}: the signing comb is on WebAssembly`);
    const s = T.signShape({ L, N });
    const v = T.verifyShape({ L, N });
    const numberBytes = 4 * Math.ceil((L + 2) / 28);
    assert.ok(T.combEntries(s) * numberBytes <= 2 ** 20, `${L}/${N}: signing tables ${T.combEntries(s) * numberBytes} B`);
    assert.ok(
      2 * T.combEntries(v) * numberBytes <= 2 ** 20,
      `${L}/${N}: verification tables ${2 * T.combEntries(v) * numberBytes} B`,
    );
    // The memory really held: tables plus the space's own numbers, rounded up to 64 KiB pages.
    const memory = comb.space.memory.buffer.byteLength;
    assert.ok(memory <= 2 ** 20 + 65536, `${L}/${N}: the signing space holds ${memory} B`);
  }
});
