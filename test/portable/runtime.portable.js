// What the library relies on from the runtime (Web APIs only), and which runtime this is (reported in
// the summary). The check that Node globals are absent is made by the adapters of the runtimes that
// must not have them (edge-runtime, workerd, browsers, the extension): see test/runtimes/.

import * as assert from './assert.js';
import { fact, test } from './harness.js';
import { generateKeyPair, sign, verify } from './lib.js';
import { utf8 } from './util.js';

test('runtime: Web APIs the library uses are present', () => {
  for (const name of [
    'TextEncoder',
    'TextDecoder',
    'ReadableStream',
    'TransformStream',
    'URLSearchParams',
    'Request',
    'Response',
    'atob',
    'btoa',
  ]) {
    assert.equal(typeof globalThis[name], 'function', name);
  }
  assert.equal(typeof globalThis.crypto?.getRandomValues, 'function', 'crypto.getRandomValues');
  assert.equal(typeof globalThis.crypto?.subtle?.digest, 'function', 'crypto.subtle');
  const g = globalThis;
  fact(
    'globals',
    ['process', 'require', 'Buffer', 'Deno', 'Bun', 'EdgeRuntime', 'chrome']
      .filter((n) => typeof g[n] !== 'undefined')
      .join(' ') || '(none of process, require, Buffer, Deno, Bun, EdgeRuntime, chrome)',
  );
});

test('runtime: a fresh 1024/160 key pair (crypto.getRandomValues) signs and verifies', async () => {
  const { privateKey, publicKey } = await generateKeyPair({ L: 1024, N: 160 });
  const msg = utf8('partner=2088101115793868&service=alipay.witkey.task.left.amount.handle');
  const sig = sign(msg, privateKey, { extraEntropy: true });
  assert.equal(verify(sig, msg, publicKey), true);
  assert.equal(verify(sig, utf8('partner=2088101115793869'), publicKey), false);
});
