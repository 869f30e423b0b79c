// The D1 notify store (alipay-witkey/stores) on Cloudflare's real D1 in workerd, through miniflare:
// the store contract from Node over miniflare's D1 binding proxy (transactional and lease-only), the
// guard that makes a stale run's batch fail whole, and a worker that imports the browser bundle and
// serves the notify handler on D1, driven with OpenSSL-signed notifications.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { createD1NotifyStore } from '../dist/esm/stores.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';
import { storeContract } from './support/store-contract.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const walk = (d) =>
  readdirSync(d).flatMap((n) =>
    statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : n.endsWith('.js') ? [path.join(d, n)] : [],
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const record = () => ({ kind: 'assign_transfer', notifyTime: '2012-06-12 10:00:00', processedAt: new Date().toISOString() });
const alipay = opensslKeyPair();

// The worker: the notify handler from the bundle (dist/browser, as a Worker loads it), a D1 store per
// request (each request stands for another isolate: no shared in-process run map), and an
// onNotification that adds its effect to the transaction; `runs` counts calls (written directly, so
// it is at-least-once by design), `effects` must be exactly once.
const WORKER = `
import { importPublicKey } from './dist/browser/dsa.js';
import { createNotifyHandler } from './dist/browser/notify.js';
import { createD1NotifyStore } from './dist/browser/stores.js';
export default {
  async fetch(request, env) {
    const handler = createNotifyHandler({
      alipayPublicKey: importPublicKey(env.ALIPAY_PUBLIC_KEY),
      store: createD1NotifyStore(env.DB),
      async onNotification(n, { transaction, request }) {
        if (transaction.db !== env.DB || typeof transaction.add !== 'function') throw new Error('transaction is not { db, add }');
        await env.DB.prepare('INSERT INTO runs (notify_id) VALUES (?1)').bind(n.notifyId).run();
        transaction.add(env.DB.prepare('INSERT INTO effects (notify_id, kind) VALUES (?1, ?2)').bind(n.notifyId, n.kind));
        await new Promise((r) => setTimeout(r, Number(request.headers.get('x-test-delay') ?? 0)));
        if (request.headers.get('x-test-throw')) throw new Error('partner code failed after adding its effect');
      },
    });
    return handler(request);
  },
};
`;

let mf;
let db;
before(async () => {
  const files = walk(path.join(root, 'dist/browser'));
  mf = new Miniflare({
    modulesRoot: root,
    modules: [
      { type: 'ESModule', path: path.join(root, 'd1-notify-worker.js'), contents: WORKER },
      ...files.map((p) => ({ type: 'ESModule', path: p, contents: readFileSync(p, 'utf8') })),
    ],
    compatibilityDate: '2025-01-01',
    d1Databases: ['DB'], // in memory, for this run only
    bindings: { ALIPAY_PUBLIC_KEY: alipay.publicPem },
  });
  db = await mf.getD1Database('DB');
  await db.prepare('CREATE TABLE effects (notify_id TEXT NOT NULL, kind TEXT)').run();
  await db.prepare('CREATE TABLE runs (notify_id TEXT NOT NULL)').run();
});
after(() => mf?.dispose());

const count = async (tableName, id) =>
  (await db.prepare(`SELECT count(*) AS c FROM ${tableName} WHERE notify_id = ?1`).bind(id).first()).c;

test('store contract: D1 in workerd (miniflare), transactional and lease-only', async (t) => {
  let n = 0;
  await storeContract(t, 'd1', () => createD1NotifyStore(db, { table: `notify_${++n}` }), {
    effect: {
      write: (tx, id) => tx.add(db.prepare('INSERT INTO effects (notify_id) VALUES (?1)').bind(id)),
      count: (id) => count('effects', id),
    },
  });
  await storeContract(t, 'd1-lease', () => createD1NotifyStore(db, { table: `notify_${++n}`, transactional: false }));
});

test('D1 store: options and arguments are checked', async () => {
  for (const [options, field] of [
    [{ table: 'a b' }, 'table'],
    [{ transactional: 1 }, 'transactional'],
    [{ createTable: 'no' }, 'createTable'],
    [{ leaseMs: 0 }, 'leaseMs'],
  ])
    assert.throws(
      () => createD1NotifyStore(db, options),
      (e) => e.code === 'INVALID_OPTION' && e.field === field,
    );
  assert.throws(
    () => createD1NotifyStore({}),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'db',
  );
  assert.equal(createD1NotifyStore(db, { transactional: false }).runInTransaction, undefined);
  const s = createD1NotifyStore(db, { table: 'notify_args' });
  await assert.rejects(
    s.runInTransaction('args-1', record(), async (tx) => tx.add('INSERT INTO effects VALUES (1)')),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'statement',
  );
  // That run threw, so it released the id: the next one runs.
  let late;
  assert.deepEqual(
    await s.runInTransaction('args-1', record(), async (tx) => {
      late = tx;
    }),
    { status: 'done' },
  );
  assert.throws(
    () => late.add(db.prepare('INSERT INTO effects (notify_id) VALUES (?1)').bind('args-1')),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'transaction',
  );
  assert.equal(await count('effects', 'args-1'), 0);
});

test('D1 store: createTable false leaves the schema to you; a missing table is STORE_UNAVAILABLE with the D1 error as cause', async () => {
  const s = createD1NotifyStore(db, { table: 'notify_manual', createTable: false });
  await assert.rejects(
    async () => s.claim('m', { leaseMs: 1000, owner: 'x' }),
    (e) => e.code === 'STORE_UNAVAILABLE' && e.cause instanceof Error && /notify_manual/.test(e.cause.message),
  );
  await db.prepare(s.schema).run();
  assert.equal((await s.claim('m', { leaseMs: 1000, owner: 'x' })).status, 'claimed');
});

test('D1 store: a run whose lease expired and was taken over commits NOTHING of its batch (LEASE_LOST); nor does one whose id another run completed', async () => {
  const table = 'notify_stale';
  const tx = createD1NotifyStore(db, { table, leaseMs: 100 });
  const other = createD1NotifyStore(db, { table, transactional: false });
  for (const [id, finish] of [
    ['stale-claimed', false],
    ['stale-completed', true],
  ]) {
    const running = tx.runInTransaction(id, record(), async (t) => {
      t.add(db.prepare('INSERT INTO effects (notify_id, kind) VALUES (?1, ?2)').bind(id, 'stale'));
      t.add(db.prepare('INSERT INTO runs (notify_id) VALUES (?1)').bind(id));
      await sleep(300);
    });
    await sleep(200); // the 100 ms lease has expired: another delivery takes the id over
    const c = await other.claim(id, { leaseMs: 60_000, owner: 'other' });
    assert.equal(c.status, 'claimed');
    if (finish) await other.complete(id, c.token, record());
    await assert.rejects(
      running,
      (e) => e.code === 'LEASE_LOST' && (finish ? /committed it first/ : /lease expired/).test(e.message),
    );
    assert.equal(await count('effects', id), 0, 'the effect of the stale run did not commit');
    assert.equal(await count('runs', id), 0, 'no statement of its batch committed');
    const row = await db.prepare(`SELECT state, token FROM ${table} WHERE notify_id = ?1`).bind(id).first();
    assert.deepEqual(row, { state: finish ? 'processed' : 'claimed', token: Number(c.token) }, 'the other claim is untouched');
  }
});

test('D1 store: a statement of the partner that fails rolls back the mark with it, and the id is released', async () => {
  const s = createD1NotifyStore(db, { table: 'notify_badstmt' });
  await assert.rejects(
    s.runInTransaction('bad-1', record(), async (t) => {
      t.add(db.prepare('INSERT INTO effects (notify_id) VALUES (?1)').bind('bad-1'));
      t.add(db.prepare('INSERT INTO effects (notify_id) VALUES (NULL)')); // NOT NULL: fails
    }),
    (e) => e.code === 'STORE_UNAVAILABLE' && e.cause !== undefined,
  );
  assert.equal(await count('effects', 'bad-1'), 0);
  assert.deepEqual(await s.runInTransaction('bad-1', record(), async () => {}), { status: 'done' });
});

const deliver = (notifyId, headers = {}) =>
  mf.dispatchFetch('http://localhost/alipay/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK', ...headers },
    body: signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId }), { charset: 'gbk', privateKey: alipay.privateKey })
      .body,
  });
const answer = async (r) => ({ status: r.status, text: await r.text(), reason: r.headers.get('x-witkey-error') });

test('worker in workerd: the bundle handler on D1 — concurrent duplicates run once, a throwing run commits nothing, effects exactly once', async () => {
  // Concurrent duplicates (each request its own store and handler, as separate isolates are).
  const dup = await Promise.all(Array.from({ length: 6 }, () => deliver('w-dup', { 'x-test-delay': '300' }).then(answer)));
  const busy = dup.filter((a) => a.text !== 'success');
  assert.ok(busy.length >= 1 && busy.length < 6, JSON.stringify(dup));
  for (const a of busy) assert.deepEqual(a, { status: 503, text: 'fail', reason: 'NOTIFY_BUSY' });
  // The gateway delivers again: acknowledged without a second run.
  assert.deepEqual(await answer(await deliver('w-dup')), { status: 200, text: 'success', reason: null });
  assert.equal(await count('runs', 'w-dup'), 1);
  assert.equal(await count('effects', 'w-dup'), 1);

  // A run that throws after adding its effect: fail, nothing committed; the next delivery runs and commits once.
  assert.deepEqual(await answer(await deliver('w-throw', { 'x-test-throw': '1' })), {
    status: 500,
    text: 'fail',
    reason: 'HANDLER_ERROR',
  });
  assert.equal(await count('effects', 'w-throw'), 0);
  assert.equal(await count('runs', 'w-throw'), 1, 'it did run (its direct write is not part of the batch)');
  assert.deepEqual(await answer(await deliver('w-throw')), { status: 200, text: 'success', reason: null });
  assert.deepEqual(await answer(await deliver('w-throw')), { status: 200, text: 'success', reason: null });
  assert.equal(await count('effects', 'w-throw'), 1);
  assert.equal(await count('runs', 'w-throw'), 2);

  // Many ids, each delivered three times at once, then again until acknowledged.
  const ids = Array.from({ length: 20 }, (_, i) => `w-many-${i}`);
  let pending = ids;
  for (let round = 0; pending.length && round < 10; round++) {
    const answers = await Promise.all(pending.flatMap((id) => [1, 2, 3].map(() => deliver(id).then(answer))));
    pending = pending.filter((_, i) => !answers.slice(i * 3, i * 3 + 3).some((a) => a.text === 'success'));
  }
  assert.deepEqual(pending, []);
  const rows = await db
    .prepare("SELECT notify_id, count(*) AS c FROM effects WHERE notify_id LIKE 'w-many-%' GROUP BY notify_id")
    .all();
  assert.equal(rows.results.length, 20);
  assert.deepEqual(
    rows.results.filter((r) => r.c !== 1),
    [],
  );
  const marks = await db
    .prepare("SELECT count(*) AS c FROM witkey_notify WHERE notify_id LIKE 'w-%' AND state = 'processed'")
    .first();
  assert.equal(marks.c, 22);
});
