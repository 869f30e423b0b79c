// The PostgreSQL notify store (alipay-witkey/stores) on a real PostgreSQL server started for this file
// (test/support/postgres-server.mjs), through both real clients: node-postgres (pg Pool) and postgres.js.
// The conformance suite of the store contract, the handler on top of it (two handler instances stand
// for two workers: each has its own in-process run map and its own store object), the engine stopped
// and started under load, table creation, and the typing of context.transaction (tsc on a small file).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import postgres from 'postgres';
import { importPublicKey } from '../dist/esm/dsa.js';
import { createNotifyHandler } from '../dist/esm/notify.js';
import { createPostgresNotifyStore, postgresNotifyStoreDDL } from '../dist/esm/stores.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';
import { postgresBinDir, postgresOrSkip, startPostgres } from './support/postgres-server.mjs';
import { storeContract } from './support/store-contract.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const alipay = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const uniq = (p) => `${p}_${process.pid}_${++seq}`;
const body = (notifyId) =>
  signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId }), { charset: 'gbk', privateKey: alipay.privateKey }).body;
const deliver = async (handler, notifyId) => {
  const res = await handler(
    new Request('https://partner.example/alipay/notify', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
      body: body(notifyId),
    }),
  );
  return { status: res.status, text: await res.text(), reason: res.headers.get('x-witkey-error') };
};
const deferred = () => {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

let server;
/** Clients to close after the file (pg Pools and postgres.js sqls). */
const clients = [];
const newPool = (extra = {}) => {
  const pool = new pg.Pool({ connectionString: server.url, max: 10, ...extra });
  clients.push(() => {
    // Only now: during the tests, a pool has no listener but the store's (the engine-fault tests rely on it).
    pool.on('error', () => {});
    return pool.end();
  });
  return pool;
};
const newSql = (extra = {}) => {
  const sql = postgres(server.url, { max: 10, onnotice: () => {}, ...extra });
  clients.push(() => sql.end({ timeout: 1 }));
  return sql;
};
let admin; // a pg Pool for the tests' own reads

before(async () => {
  if (!postgresBinDir()) return; // each test then fails or skips (postgresOrSkip)
  server = await startPostgres();
  admin = newPool({ max: 3 });
  admin.on('error', () => {}); // the engine-fault tests stop the server under it
  await admin.query('CREATE TABLE effects (notify_id text NOT NULL, worker text)');
});
after(async () => {
  for (const close of clients) await close().catch(() => {});
  await server?.teardown();
});

const count = async (id) =>
  Number((await admin.query('SELECT count(*)::int AS n FROM effects WHERE notify_id = $1', [id])).rows[0].n);

const CLIENTS = [
  {
    name: 'pg Pool',
    open: () => newPool(),
    write: (tx, id, worker = null) => tx.query('INSERT INTO effects (notify_id, worker) VALUES ($1, $2)', [id, worker]),
  },
  {
    name: 'postgres.js',
    open: () => newSql(),
    write: (tx, id, worker = null) => tx`INSERT INTO effects (notify_id, worker) VALUES (${id}, ${worker})`,
  },
];

for (const c of CLIENTS) {
  test(`store contract: PostgreSQL, ${c.name}, transactional`, async (t) => {
    if (!postgresOrSkip(t)) return;
    const client = c.open();
    await storeContract(t, `pg-${c.name}-tx`, () => createPostgresNotifyStore(client, { table: uniq('contract') }), {
      effect: { write: (tx, id) => c.write(tx, id), count },
    });
  });
  test(`store contract: PostgreSQL, ${c.name}, lease-only`, async (t) => {
    if (!postgresOrSkip(t)) return;
    const client = c.open();
    await storeContract(t, `pg-${c.name}-lease`, () =>
      createPostgresNotifyStore(client, { table: uniq('contract'), transactional: false }),
    );
    const store = createPostgresNotifyStore(client, { transactional: false, table: uniq('lease') });
    assert.equal(store.runInTransaction, undefined, 'a lease-only store has no runInTransaction');
  });
}

test('handler, two workers (one pg Pool, one postgres.js) on one table: duplicates delivered concurrently to both → one run, one effect, success everywhere', async (t) => {
  if (!postgresOrSkip(t)) return;
  const table = uniq('handler');
  let calls = 0;
  const worker = (client, name) =>
    createNotifyHandler({
      alipayPublicKey,
      store: createPostgresNotifyStore(client, { table }),
      async onNotification(n, { transaction, fencingToken }) {
        calls++;
        assert.equal(fencingToken, undefined);
        await CLIENTS[name === 'a' ? 0 : 1].write(transaction, n.notifyId, name);
        await sleep(40); // hold the transaction while the duplicates arrive
      },
    });
  const a = worker(newPool(), 'a');
  const b = worker(newSql(), 'b');
  const ids = Array.from({ length: 5 }, () => uniq('dup'));
  const answers = await Promise.all(ids.flatMap((id) => [a, b, a, b].map((w) => deliver(w, id))));
  assert.deepEqual(
    answers.filter((r) => r.text !== 'success'),
    [],
  );
  assert.equal(calls, ids.length);
  for (const id of ids) assert.equal(await count(id), 1, id);
  // Delivered again later: acknowledged, not run.
  for (const id of ids) for (const w of [a, b]) assert.equal((await deliver(w, id)).text, 'success');
  assert.equal(calls, ids.length);
});

test('handler: a delivery that finds the id held by a transaction longer than lockWaitMs is answered 503 NOTIFY_BUSY; then acknowledged without a second run', async (t) => {
  if (!postgresOrSkip(t)) return;
  const table = uniq('busy');
  const pool = newPool();
  const gate = deferred();
  const started = deferred();
  let calls = 0;
  const errors = [];
  const worker = () =>
    createNotifyHandler({
      alipayPublicKey,
      store: createPostgresNotifyStore(pool, { table, lockWaitMs: 150 }),
      onError: (e) => errors.push(e),
      async onNotification(n, { transaction }) {
        calls++;
        await transaction.query('INSERT INTO effects (notify_id) VALUES ($1)', [n.notifyId]);
        started.resolve();
        await gate.promise;
      },
    });
  const a = worker();
  const b = worker();
  const id = uniq('held');
  const first = deliver(a, id);
  await started.promise;
  const t0 = Date.now();
  const second = await deliver(b, id);
  const waited = Date.now() - t0;
  assert.deepEqual([second.status, second.text, second.reason], [503, 'fail', 'NOTIFY_BUSY']);
  assert.ok(waited >= 140, `waited ${waited} ms for the lock (lockWaitMs 150)`);
  assert.equal(errors[0].code, 'NOTIFY_BUSY');
  gate.resolve();
  assert.equal((await first).text, 'success');
  assert.equal((await deliver(b, id)).text, 'success');
  assert.equal(calls, 1);
  assert.equal(await count(id), 1);
  // The partner's own statements are not bound by lockWaitMs: the session's lock_timeout is back.
  const store = createPostgresNotifyStore(pool, { table, lockWaitMs: 150 });
  let inside;
  await store.runInTransaction(uniq('lt'), { kind: 'k', notifyTime: 't', processedAt: 'p' }, async (tx) => {
    inside = (await tx.query('SHOW lock_timeout')).rows[0].lock_timeout;
  });
  assert.equal(inside, (await admin.query('SHOW lock_timeout')).rows[0].lock_timeout);
});

test('handler: an onNotification that throws rolls its effect back and is answered fail; the next delivery runs it', async (t) => {
  if (!postgresOrSkip(t)) return;
  for (const c of CLIENTS) {
    const table = uniq('throws');
    let fail = true;
    let calls = 0;
    const h = createNotifyHandler({
      alipayPublicKey,
      store: createPostgresNotifyStore(c.open(), { table }),
      async onNotification(n, { transaction }) {
        calls++;
        await c.write(transaction, n.notifyId);
        if (fail) throw new Error('partner code failed');
      },
    });
    const id = uniq('boom');
    const r = await deliver(h, id);
    assert.deepEqual([r.status, r.text, r.reason], [500, 'fail', 'HANDLER_ERROR'], c.name);
    assert.equal(await count(id), 0, `${c.name}: rolled back`);
    fail = false;
    assert.equal((await deliver(h, id)).text, 'success');
    assert.equal((await deliver(h, id)).text, 'success');
    assert.equal(calls, 2);
    assert.equal(await count(id), 1, c.name);
  }
});

test('one table, lease-mode and transactional runs: a live lease makes runInTransaction busy without running; an expired one is taken over in the transaction, and the stale run cannot complete', async (t) => {
  if (!postgresOrSkip(t)) return;
  for (const c of CLIENTS) {
    const table = uniq('mixed');
    const client = c.open();
    const tx = createPostgresNotifyStore(client, { table, lockWaitMs: 200 });
    const lease = createPostgresNotifyStore(client, { table, transactional: false });
    const rec = { kind: 'assign_transfer', notifyTime: '2012-06-12 10:00:00', processedAt: new Date().toISOString() };
    const id = uniq('mixed');
    const held = await lease.claim(id, { leaseMs: 300, owner: 'lease-worker' });
    assert.equal(held.status, 'claimed');
    let calls = 0;
    const write = async (h) => {
      calls++;
      await c.write(h, id);
    };
    assert.deepEqual(await tx.runInTransaction(id, rec, write), { status: 'busy' }, c.name);
    assert.equal(calls, 0);
    await sleep(400); // the lease expires (on the database's clock)
    assert.deepEqual(await tx.runInTransaction(id, rec, write), { status: 'done' }, c.name);
    assert.equal(calls, 1);
    await assert.rejects(
      async () => lease.complete(id, held.token, rec),
      (e) => e.code === 'LEASE_LOST' && e.field === 'notify_id',
    );
    const again = await lease.claim(id, { leaseMs: 1000, owner: 'x' });
    assert.equal(again.status, 'processed');
    assert.equal(again.record.kind, rec.kind);
    assert.equal(again.record.notifyTime, rec.notifyTime);
    assert.ok(Math.abs(Date.parse(again.record.processedAt) - Date.now()) < 60_000, again.record.processedAt);
    assert.equal(await count(id), 1);
  }
});

for (const c of CLIENTS) {
  test(`engine fault, ${c.name}: the server stops with transactions in flight and idle connections; every delivery answers fail, nothing crashes; after the restart the same handlers answer success, effects exactly once`, async (t) => {
    if (!postgresOrSkip(t)) return;
    const crashes = [];
    const onCrash = (e) => crashes.push(e);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    try {
      const table = uniq('fault');
      const poolErrors = [];
      const gate = deferred();
      let gated = 0;
      const holding = deferred();
      const HELD = 4;
      const workers = ['a', 'b'].map((name) => {
        const client = c.open();
        return createNotifyHandler({
          alipayPublicKey,
          store: createPostgresNotifyStore(client, { table, onError: (e) => poolErrors.push(e) }),
          async onNotification(n, { transaction }) {
            await c.write(transaction, n.notifyId, name);
            if (n.notifyId.includes('held') && gated < HELD) {
              if (++gated === HELD) holding.resolve();
              await gate.promise; // in a transaction when the server stops
            }
          },
        });
      });
      // Warm: every worker's client has open connections, idle once these are done.
      const warm = Array.from({ length: 6 }, () => uniq('warm'));
      for (const r of await Promise.all(warm.map((id, i) => deliver(workers[i % 2], id)))) assert.equal(r.text, 'success');
      // In flight: transactions holding checked-out connections.
      const held = Array.from({ length: HELD }, () => uniq('held'));
      const inFlight = held.map((id, i) => deliver(workers[i % 2], id));
      await holding.promise;
      await server.stop();
      gate.resolve();
      const during = Array.from({ length: 6 }, () => uniq('outage'));
      const outage = await Promise.all([...inFlight, ...during.map((id, i) => deliver(workers[i % 2], id))]);
      assert.deepEqual(
        outage.filter((r) => r.text !== 'fail'),
        [],
        'no success while the server is down',
      );
      assert.ok(
        outage.every((r) => r.status === 503 || r.status === 500),
        outage.map((r) => `${r.status} ${r.reason}`).join(', '),
      );
      // The store's own failures are STORE_UNAVAILABLE (503); a run whose own statement lost the connection is the partner's error (500).
      assert.ok(outage.filter((r) => r.reason === 'STORE_UNAVAILABLE').length >= during.length);
      const t0 = Date.now();
      await server.start();
      // The gateway delivers again: the same handlers, the same stores and clients.
      const all = [...warm, ...held, ...during];
      let rounds = 0;
      let firstOk;
      for (;;) {
        rounds++;
        const answers = await Promise.all(all.map((id, i) => deliver(workers[i % 2], id)));
        if (firstOk === undefined && answers.some((r) => r.text === 'success')) firstOk = Date.now() - t0;
        if (answers.every((r) => r.text === 'success')) break;
        assert.ok(Date.now() - t0 < 10_000, `not recovered in 10 s: ${answers.map((r) => r.reason).join(', ')}`);
        await sleep(50);
      }
      for (const id of all) assert.equal(await count(id), 1, `${id}: effect exactly once`);
      await sleep(50); // late 'error' events of dead connections
      assert.deepEqual(crashes, []);
      if (c.name === 'pg Pool') assert.ok(poolErrors.length > 0, "the pool's idle clients' errors reached onError");
      t.diagnostic(
        `${c.name}: ${outage.length}/${outage.length} deliveries failed during the outage (${outage.filter((r) => r.reason === 'STORE_UNAVAILABLE').length} STORE_UNAVAILABLE); ` +
          `first success ${firstOk} ms after the restart began, all ${all.length} ids acknowledged in ${Date.now() - t0} ms (${rounds} rounds); ${poolErrors.length} connection errors reported to onError`,
      );
    } finally {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  });
}

test('createTable: stores created concurrently on a fresh table (separate connections) all work; the exported DDL makes the same table', async (t) => {
  if (!postgresOrSkip(t)) return;
  const table = uniq('race');
  const stores = [
    ...Array.from({ length: 4 }, () => createPostgresNotifyStore(newPool({ max: 2 }), { table })),
    ...Array.from({ length: 4 }, () => createPostgresNotifyStore(newSql({ max: 2 }), { table })),
  ];
  const results = await Promise.all(stores.map((s, i) => s.claim(`${table}-${i}`, { leaseMs: 60_000, owner: `p${i}` })));
  assert.ok(results.every((r) => r.status === 'claimed'));
  // Then the DDL, applied by hand in a schema, gives the same columns, types, nullability, defaults and constraints.
  await admin.query('CREATE SCHEMA IF NOT EXISTS billing');
  const ddl = postgresNotifyStoreDDL(`billing.${table}`);
  await admin.query(ddl);
  await admin.query(ddl); // idempotent
  const shape = async (schema) =>
    (
      await admin.query(
        `SELECT column_name, data_type, is_nullable, column_default IS NOT NULL AS has_default FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
      )
    ).rows;
  const constraints = async (schema) =>
    (
      await admin.query(
        `SELECT contype, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
         JOIN pg_namespace s ON s.oid = r.relnamespace WHERE s.nspname = $1 AND r.relname = $2 ORDER BY contype, def`,
        [schema, table],
      )
    ).rows;
  const auto = await shape('public');
  assert.deepEqual(
    auto.map((r) => r.column_name),
    ['notify_id', 'state', 'token', 'owner', 'lease_until', 'kind', 'notify_time', 'processed_at'],
  );
  assert.deepEqual(await shape('billing'), auto);
  assert.deepEqual(await constraints('billing'), await constraints('public'));
  // A store on the hand-made table, told not to create it, works.
  const s = createPostgresNotifyStore(newPool(), { table: `billing.${table}`, createTable: false });
  const c = await s.claim('x', { leaseMs: 60_000, owner: 'o' });
  assert.equal(c.status, 'claimed');
  await s.complete('x', c.token, { kind: 'k', notifyTime: 't', processedAt: new Date().toISOString() });
  assert.equal((await s.claim('x', { leaseMs: 60_000, owner: 'o' })).status, 'processed');
  // createTable: false on a table that does not exist: the engine's error, as it is (not a connection fault).
  await assert.rejects(
    createPostgresNotifyStore(admin, { table: uniq('missing'), createTable: false }).claim('x', { leaseMs: 1000, owner: 'o' }),
    (e) => e.code === '42P01',
  );
});

test('options and clients are checked at creation, with the field named', async (t) => {
  if (!postgresOrSkip(t)) return;
  const single = new pg.Client({ connectionString: server.url });
  assert.throws(
    () => createPostgresNotifyStore(single),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'client' && /Pool/.test(e.message),
  );
  const pool = newPool({ max: 1 });
  const checkedOut = await pool.connect();
  try {
    assert.throws(
      () => createPostgresNotifyStore(checkedOut),
      (e) => e.code === 'INVALID_OPTION' && e.field === 'client',
    );
  } finally {
    checkedOut.release();
  }
  for (const bad of [undefined, null, {}, () => {}, 'postgres://x'])
    assert.throws(
      () => createPostgresNotifyStore(bad),
      (e) => e.code === 'INVALID_OPTION' && e.field === 'client',
    );
  for (const [k, v] of [
    ['table', 'a.b.c'],
    ['table', 'drop table x;--'],
    ['table', '1abc'],
    ['table', 'x'.repeat(54)],
    ['table', ''],
    ['lockWaitMs', 0],
    ['lockWaitMs', 1.5],
    ['lockWaitMs', '2000'],
    ['transactional', 'yes'],
    ['createTable', 1],
    ['onError', 'log'],
  ])
    assert.throws(
      () => createPostgresNotifyStore(pool, { [k]: v }),
      (e) => e.code === 'INVALID_OPTION' && e.field === k,
      `${k}=${v}`,
    );
  assert.throws(
    () => postgresNotifyStoreDDL('bad name'),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'table',
  );
  // A pool whose server is unreachable: STORE_UNAVAILABLE with the cause, at use (not at creation).
  const dead = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), user: 'postgres' });
  clients.push(() => dead.end());
  await assert.rejects(
    createPostgresNotifyStore(dead).claim('x', { leaseMs: 1000, owner: 'o' }),
    (e) => e.code === 'STORE_UNAVAILABLE' && e.cause !== undefined,
  );
});

/** A loopback port nothing listens on. */
async function closedPort() {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

test('prune deletes processed ids (and long-expired claims) older than olderThanMs on the database clock; keeps the rest; refuses less than 48 h', async (t) => {
  if (!postgresOrSkip(t)) return;
  const table = uniq('prune');
  const pool = newPool();
  const store = createPostgresNotifyStore(pool, { table });
  const rec = { kind: 'k', notifyTime: 't', processedAt: new Date().toISOString() };
  for (const id of ['old', 'recent', 'stale-claim', 'live-claim']) {
    const c = await store.claim(id, { leaseMs: 60_000, owner: 'o' });
    if (!id.endsWith('claim')) await store.complete(id, c.token, rec);
  }
  // Back-date, as time would: 'old' processed 8 days ago, 'recent' 6 days ago, a claim whose lease ended 8 days ago.
  await admin.query(`UPDATE ${table} SET processed_at = now() - interval '8 days' WHERE notify_id = 'old'`);
  await admin.query(`UPDATE ${table} SET processed_at = now() - interval '6 days' WHERE notify_id = 'recent'`);
  await admin.query(`UPDATE ${table} SET lease_until = now() - interval '8 days' WHERE notify_id = 'stale-claim'`);
  assert.equal(await store.prune(), 2);
  const left = (await admin.query(`SELECT notify_id FROM ${table} ORDER BY notify_id`)).rows.map((r) => r.notify_id);
  assert.deepEqual(left, ['live-claim', 'recent']);
  assert.equal(await store.prune({ olderThanMs: 5 * 24 * 3600_000 }), 1);
  for (const olderThanMs of [0, 47 * 3600_000, 1.5, '7d'])
    await assert.rejects(store.prune({ olderThanMs }), (e) => e.code === 'INVALID_OPTION' && e.field === 'olderThanMs');
});

test('typing: context.transaction is the client’s own transaction type (pg PoolClient, postgres.js TransactionSql), undefined in lease mode (tsc)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-pg-types-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const stores = JSON.stringify(path.join(repo, 'dist/esm/stores.js'));
  const notify = JSON.stringify(path.join(repo, 'dist/esm/notify.js'));
  writeFileSync(
    path.join(dir, 'check.mts'),
    `import pg from 'pg';
import postgres from 'postgres';
import { createPostgresNotifyStore } from ${stores};
import { createNotifyHandler, type NotifyHandlerOptions } from ${notify};
declare const alipayPublicKey: NotifyHandlerOptions['alipayPublicKey'];
type IsAny<T> = 0 extends 1 & T ? true : false;
const pool = new pg.Pool();
createNotifyHandler({
  alipayPublicKey,
  store: createPostgresNotifyStore(pool),
  async onNotification(_n, { transaction }) {
    const notAny: IsAny<typeof transaction> = false;
    const client: pg.PoolClient = transaction;
    const back: typeof transaction = {} as pg.PoolClient;
    const q: pg.PoolClient['query'] = transaction.query;
    await transaction.query('SELECT 1');
    // @ts-expect-error not a method of a PoolClient
    transaction.begin();
    void [notAny, client, back, q];
  },
});
const sql = postgres();
createNotifyHandler({
  alipayPublicKey,
  store: createPostgresNotifyStore(sql, { lockWaitMs: 500 }),
  async onNotification(_n, { transaction }) {
    const notAny: IsAny<typeof transaction> = false;
    const tx: postgres.TransactionSql = transaction;
    await transaction\`SELECT 1\`;
    await transaction.savepoint(async () => {});
    // @ts-expect-error a transaction sql has no begin()
    transaction.begin(async () => {});
    void [notAny, tx];
  },
});
createNotifyHandler({
  alipayPublicKey,
  store: createPostgresNotifyStore(pool, { transactional: false }),
  onNotification(_n, { transaction, fencingToken }) {
    const none: undefined = transaction;
    const token: string | undefined = fencingToken;
    void [none, token];
  },
});
// @ts-expect-error a single pg.Client is not a pool
createPostgresNotifyStore(new pg.Client());
// @ts-expect-error lockWaitMs is a number
createPostgresNotifyStore(pool, { lockWaitMs: '2s' });
`,
  );
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        esModuleInterop: true,
      },
      files: ['check.mts'],
    }),
  );
  const tsc = spawnSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir], {
    encoding: 'utf8',
  });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});
