// The notify store contract on the stores that need no server (memory, file), and the handler's use
// of it: two handler instances sharing one store stand for two workers (each has its own in-process
// run map, as two processes do).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importPublicKey } from '../dist/esm/dsa.js';
import { createMemoryNotifyStore, createNotifyHandler } from '../dist/esm/notify.js';
import { createFileNotifyStore } from '../dist/node/index.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';
import { storeContract } from './support/store-contract.mjs';

const alipay = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const body = (notifyId = '70fec0c2730b27528665af4517c27b95') =>
  signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId }), { charset: 'gbk', privateKey: alipay.privateKey }).body;
const req = (b) =>
  new Request('https://partner.example/alipay/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
    body: b,
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deferred = () => {
  let resolve;
  let reject;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};

test('store contract: memory store', (t) => storeContract(t, 'memory', () => createMemoryNotifyStore()));

test('store contract: file store', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witkey-contract-'));
  let n = 0;
  return storeContract(t, 'file', () => createFileNotifyStore(join(dir, `ids-${++n}.jsonl`)));
});

test('memory store: maxEntries forgets the oldest processed ids first; bad options are named', () => {
  const s = createMemoryNotifyStore({ maxEntries: 2 });
  for (const id of ['a', 'b', 'c']) {
    const c = s.claim(id, { leaseMs: 1000, owner: 'x' });
    s.complete(id, c.token, { kind: 'k', notifyTime: 't', processedAt: 'p' });
  }
  assert.equal(s.size, 2);
  assert.equal(s.get('a'), undefined);
  assert.equal(s.claim('c', { leaseMs: 1000, owner: 'x' }).status, 'processed');
  assert.throws(
    () => createMemoryNotifyStore({ maxEntries: 0 }),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'maxEntries',
  );
});

test('handler: a store with the old has()/add() contract is refused at creation, with what to change', () => {
  const old = { has: () => false, add: () => {} };
  assert.throws(
    () => createNotifyHandler({ alipayPublicKey, store: old, onNotification: () => {} }),
    (e) =>
      e.code === 'INVALID_OPTION' &&
      e.field === 'store' &&
      /has\(\)\/add\(\)/.test(e.message) &&
      /claim\/complete\/release/.test(e.message) &&
      /createPostgresNotifyStore/.test(e.message),
  );
  assert.throws(
    () => createNotifyHandler({ alipayPublicKey, store: {}, onNotification: () => {} }),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'store',
  );
  for (const [k, v] of [
    ['leaseMs', 0],
    ['leaseMs', 2.5],
    ['owner', ''],
  ])
    assert.throws(
      () => createNotifyHandler({ alipayPublicKey, [k]: v, onNotification: () => {} }),
      (e) => e.code === 'INVALID_OPTION' && e.field === k,
    );
});

test('handler, two workers on one store: the second delivery of a running notification is answered busy (503 NOTIFY_BUSY), then acknowledged without a second run', async () => {
  const store = createMemoryNotifyStore();
  const gate = deferred();
  let calls = 0;
  const errors = [];
  const tokens = [];
  const worker = (owner) =>
    createNotifyHandler({
      alipayPublicKey,
      store,
      owner,
      onError: (e) => errors.push([owner, e.code, e.message]),
      async onNotification(_n, context) {
        calls++;
        assert.equal(context.transaction, undefined);
        tokens.push(context.fencingToken);
        await gate.promise;
      },
    });
  const a = worker('worker-a');
  const b = worker('worker-b');
  const first = a(req(body()));
  await sleep(20);
  const second = await b(req(body()));
  assert.deepEqual([second.status, await second.text(), second.headers.get('x-witkey-error')], [503, 'fail', 'NOTIFY_BUSY']);
  assert.match(errors[0][2], /worker-a holds its lease until \d{4}-/);
  // A duplicate that reaches the same worker joins the run in flight instead of being refused.
  const joined = a(req(body()));
  gate.resolve();
  assert.equal(await (await first).text(), 'success');
  assert.equal(await (await joined).text(), 'success');
  const third = await b(req(body()));
  assert.equal(await third.text(), 'success');
  assert.equal(calls, 1);
  assert.match(tokens[0], /^\d+$/);
});

test('handler, lease mode: a failed run releases its claim, so the next delivery (any worker) runs at once', async () => {
  const store = createMemoryNotifyStore();
  let calls = 0;
  const worker = () =>
    createNotifyHandler({
      alipayPublicKey,
      store,
      async onNotification() {
        if (++calls === 1) throw new Error('partner database down');
      },
    });
  const r1 = await worker()(req(body()));
  assert.deepEqual([r1.status, r1.headers.get('x-witkey-error')], [500, 'HANDLER_ERROR']);
  const r2 = await worker()(req(body()));
  assert.equal(await r2.text(), 'success');
  assert.equal(calls, 2);
});

test('handler, lease mode: a worker that dies mid-run (never completes or releases) holds the id for leaseMs, then another takes over', async () => {
  const store = createMemoryNotifyStore();
  let calls = 0;
  const dying = createNotifyHandler({
    alipayPublicKey,
    store,
    leaseMs: 100,
    timeoutMs: 20,
    onNotification: () => {
      calls++;
      return new Promise(() => {}); // never settles: the process "died"
    },
  });
  assert.equal((await dying(req(body()))).headers.get('x-witkey-error'), 'HANDLER_TIMEOUT');
  const survivor = createNotifyHandler({
    alipayPublicKey,
    store,
    leaseMs: 100,
    onNotification: () => {
      calls++;
    },
  });
  assert.equal((await survivor(req(body()))).headers.get('x-witkey-error'), 'NOTIFY_BUSY');
  await sleep(150);
  assert.equal(await (await survivor(req(body()))).text(), 'success');
  assert.equal(calls, 2, 'one run that died, one that completed');
});

test('handler, lease mode: a run that outlived its lease and lost it to another delivery answers fail LEASE_LOST; the id stays processed once', async () => {
  const store = createMemoryNotifyStore();
  const slow = deferred();
  let calls = 0;
  const worker = (run) => createNotifyHandler({ alipayPublicKey, store, leaseMs: 50, onNotification: run });
  const first = worker(async () => {
    calls++;
    await slow.promise;
  })(req(body()));
  await sleep(80);
  const second = await worker(() => {
    calls++;
  })(req(body()));
  assert.equal(await second.text(), 'success');
  slow.resolve();
  const late = await first;
  assert.deepEqual([late.status, late.headers.get('x-witkey-error')], [500, 'LEASE_LOST']);
  assert.equal(calls, 2);
  assert.equal(store.claim('70fec0c2730b27528665af4517c27b95', { leaseMs: 1000, owner: 'x' }).status, 'processed');
});

test('handler: a store that fails answers fail (never success without the mark), with the engine error reported', async () => {
  const errors = [];
  const mem = createMemoryNotifyStore();
  let down = true;
  const store = {
    claim: (id, o) => mem.claim(id, o),
    release: (id, t) => mem.release(id, t),
    complete: async (id, t, r) => {
      if (down) throw new Error('connection refused');
      return mem.complete(id, t, r);
    },
  };
  let calls = 0;
  const handler = createNotifyHandler({
    alipayPublicKey,
    store,
    onError: (e) => errors.push(e.message),
    onNotification: () => {
      calls++;
    },
  });
  const r1 = await handler(req(body()));
  assert.deepEqual([r1.status, await r1.text()], [500, 'fail']);
  assert.deepEqual(errors, ['connection refused']);
  down = false;
  assert.equal(await (await handler(req(body()))).text(), 'success');
  assert.equal(calls, 2, 'at-least-once: the run whose mark failed runs again');
});
