// The SQLite notify store (alipay-witkey/node) on real better-sqlite3 files: the store contract
// (transactional and lease-only), several processes on one file, the event loop while another
// process holds the write lock, the notify handler with context.transaction, and the error when
// better-sqlite3 is not installed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { importPublicKey } from '../dist/esm/dsa.js';
import { createNotifyHandler } from '../dist/esm/notify.js';
import { createSqliteNotifyStore } from '../dist/node/index.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';
import { storeContract } from './support/store-contract.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODE_ENTRY = new URL('../dist/node/index.js', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'witkey-sqlite-'));
let files = 0;
const freshFile = () => join(dir, `notify-${++files}.db`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deferred = () => {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
};
const record = () => ({ kind: 'assign_transfer', notifyTime: '2012-06-12 10:00:00', processedAt: new Date().toISOString() });
/** An independent connection (plain better-sqlite3) that reads what committed. */
const reader = (file) => {
  const db = new Database(file, { readonly: true });
  db.pragma('busy_timeout = 5000');
  return db;
};
const effectsTable = (db) => db.exec('CREATE TABLE IF NOT EXISTS effects (notify_id TEXT NOT NULL, writer TEXT)');

test('store contract: SQLite, transactional and lease-only (one file, a table per store)', async (t) => {
  const file = freshFile();
  const setup = new Database(file);
  setup.pragma('journal_mode = WAL');
  effectsTable(setup);
  setup.close();
  const check = reader(file);
  let n = 0;
  const open = (options) => () => createSqliteNotifyStore(file, { table: `notify_${++n}`, ...options });
  try {
    await storeContract(t, 'sqlite', open(), {
      effect: {
        write: (tx, id) => {
          tx.prepare('INSERT INTO effects (notify_id) VALUES (?)').run(id);
        },
        count: (id) => check.prepare('SELECT count(*) AS c FROM effects WHERE notify_id = ?').get(id).c,
      },
    });
    await storeContract(t, 'sqlite-lease', open({ transactional: false }));
  } finally {
    check.close();
  }
});

test('SQLite store: options are checked; lease-only has no runInTransaction; a passed Database stays open', () => {
  for (const [options, field] of [
    [{ table: 'x; DROP TABLE y' }, 'table'],
    [{ table: '1abc' }, 'table'],
    [{ lockWaitMs: -1 }, 'lockWaitMs'],
    [{ lockWaitMs: 1.5 }, 'lockWaitMs'],
    [{ transactional: 'yes' }, 'transactional'],
  ])
    assert.throws(
      () => createSqliteNotifyStore(freshFile(), options),
      (e) => e.code === 'INVALID_OPTION' && e.field === field,
    );
  assert.throws(
    () => createSqliteNotifyStore(42),
    (e) => e.code === 'INVALID_OPTION',
  );
  assert.equal(typeof createSqliteNotifyStore(freshFile()).runInTransaction, 'function');
  assert.equal(createSqliteNotifyStore(freshFile(), { transactional: false }).runInTransaction, undefined);
  const db = new Database(freshFile());
  const s = createSqliteNotifyStore(db);
  assert.equal(s.database, db);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL');
  assert.ok(db.pragma('busy_timeout', { simple: true }) <= 10, 'no long busy_timeout blocking the event loop');
  s.close();
  assert.equal(db.open, true);
  db.close();
});

test('SQLite store: fencing tokens grow across claims and releases of an id; a stale token cannot complete', async () => {
  const s = createSqliteNotifyStore(freshFile(), { transactional: false });
  const tokens = [];
  for (let i = 0; i < 5; i++) {
    const c = await s.claim('id-1', { leaseMs: 60_000, owner: `w${i}` });
    assert.equal(c.status, 'claimed');
    tokens.push(BigInt(c.token));
    await s.release('id-1', c.token);
  }
  assert.deepEqual(
    tokens,
    [...tokens].sort((a, b) => (a < b ? -1 : 1)),
  );
  assert.equal(new Set(tokens).size, 5);
  const last = await s.claim('id-1', { leaseMs: 60_000, owner: 'last' });
  await assert.rejects(
    async () => s.complete('id-1', String(tokens[0]), record()),
    (e) => e.code === 'LEASE_LOST',
  );
  await s.complete('id-1', last.token, record());
  s.close();
});

// A child process: opens the store on FILE, and runs IDS ids (in its own shuffled order) to the end,
// writing one effect row per run that it does; prints a JSON summary.
const WORKER = `
import { createSqliteNotifyStore } from ${JSON.stringify(NODE_ENTRY)};
const { FILE, MODE, IDS, NAME } = process.env;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const store = createSqliteNotifyStore(FILE, { transactional: MODE === 'tx' });
const db = store.database;
const insert = db.prepare('INSERT INTO effects (notify_id, writer) VALUES (?, ?)');
let worst = 0, last = performance.now();
const tick = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last); last = now; }, 5);
const ids = Array.from({ length: Number(IDS) }, (_, i) => 'n' + i).sort(() => Math.random() - 0.5);
const stats = { done: 0, processed: 0, busy: 0, unavailable: 0 };
console.log('ready');
await new Promise((r) => process.stdin.once('data', r)); // everyone starts together
last = performance.now();
while (ids.length) {
  await new Promise((r) => setImmediate(r)); // one id per turn of the event loop, as one request per delivery
  const id = ids.shift();
  const rec = { kind: 'k', notifyTime: 't', processedAt: new Date().toISOString() };
  try {
    if (MODE === 'tx') {
      const r = await store.runInTransaction(id, rec, async (tx) => {
        tx.prepare('INSERT INTO effects (notify_id, writer) VALUES (?, ?)').run(id, NAME);
        await sleep(Math.random() < 0.1 ? 2 : 0);
      });
      stats[r.status]++;
      if (r.status === 'busy') { ids.push(id); await sleep(2); }
    } else {
      const c = await store.claim(id, { leaseMs: 60_000, owner: NAME });
      if (c.status === 'claimed') {
        // the effect, outside the store: this worker's own write, retried while another connection writes
        for (;;) { try { insert.run(id, NAME); break; } catch (e) { if (!String(e.code).startsWith('SQLITE_BUSY')) throw e; await sleep(2); } }
        await store.complete(id, c.token, rec);
        stats.done++;
      } else {
        stats[c.status]++;
        if (c.status === 'busy') { ids.push(id); await sleep(2); } // as the gateway: later
      }
    }
  } catch (e) {
    if (e.code !== 'STORE_UNAVAILABLE') throw e;
    stats.unavailable++;
    ids.push(id);
    await sleep(2);
  }
}
clearInterval(tick);
store.close();
console.log(JSON.stringify({ ...stats, worstGapMs: Math.round(worst) }));
`;

const child = (source, env) => {
  const p = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => {
    out += d;
  });
  p.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise((resolve) => p.on('close', (code) => resolve({ code, out, err })));
  return { p, exited, stdout: () => out };
};

for (const mode of ['tx', 'lease'])
  test(`SQLite store, 4 processes on one file, the same 200 ids concurrently (${mode === 'tx' ? 'runInTransaction' : 'claim/complete'}): every effect exactly once`, async () => {
    const file = freshFile();
    const setup = new Database(file);
    setup.pragma('journal_mode = WAL');
    effectsTable(setup);
    setup.close();
    const workers = Array.from({ length: 4 }, (_, i) => child(WORKER, { FILE: file, MODE: mode, IDS: '200', NAME: `p${i}` }));
    // Start them together once all have loaded and opened the store (each then waits for a line on stdin).
    while (!workers.every((w) => w.stdout().includes('ready'))) await sleep(10);
    const started = Date.now();
    for (const w of workers) w.p.stdin.end('go\n');
    const results = await Promise.all(workers.map((w) => w.exited));
    const elapsed = Date.now() - started;
    for (const r of results) assert.equal(r.code, 0, r.err);
    const stats = results.map((r) => JSON.parse(r.out.trim().split('\n').pop()));
    const check = reader(file);
    const rows = check.prepare('SELECT notify_id, count(*) AS c FROM effects GROUP BY notify_id').all();
    const marks = check.prepare("SELECT count(*) AS c FROM witkey_notify WHERE state = 'processed'").get().c;
    const writers = check.prepare('SELECT count(DISTINCT writer) AS c FROM effects').get().c;
    check.close();
    assert.equal(rows.length, 200, 'every id has an effect');
    assert.deepEqual(
      rows.filter((r) => r.c !== 1),
      [],
      'no id has two',
    );
    assert.equal(marks, 200);
    assert.equal(
      stats.reduce((n, s) => n + s.done, 0),
      200,
      'exactly 200 runs across the processes',
    );
    assert.ok(writers > 1, 'the work was shared between processes (they really ran concurrently)');
    // The longest synchronous stretch of any call (a fsync'ed commit included), plus the scheduler's
    // share on a loaded machine; a busy wait inside SQLite would show as lockWaitMs (2000 ms).
    const worst = Math.max(...stats.map((s) => s.worstGapMs));
    assert.ok(worst < 250, `worst event-loop gap ${worst} ms`);
    console.log(`# ${mode}: 4 processes × 200 ids in ${elapsed} ms; per process ${JSON.stringify(stats)}`);
  });

test('SQLite store: while another process holds the write lock, calls wait asynchronously (the event loop keeps ticking) up to lockWaitMs', async () => {
  const file = freshFile();
  const holder = createSqliteNotifyStore(file);
  const held = deferred();
  const entered = deferred();
  const holding = holder.runInTransaction('held', record(), async () => {
    entered.resolve();
    await held.promise;
  });
  await entered.promise;
  const c = child(
    `
import Database from 'better-sqlite3';
import { createSqliteNotifyStore } from ${JSON.stringify(NODE_ENTRY)};
const { FILE } = process.env;
let worst = 0, last = performance.now();
const tick = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last); last = now; }, 5);
const gap = async (fn) => { await new Promise((r) => setTimeout(r, 20)); worst = 0; last = performance.now(); const t0 = performance.now(); let out; try { out = await fn(); } catch (e) { out = { code: e.code }; } await new Promise((r) => setTimeout(r, 20)); return { ...out, ms: Math.round(performance.now() - t0), worstGapMs: Math.round(worst) }; };
const rec = { kind: 'k', notifyTime: 't', processedAt: 'p' };
const short = createSqliteNotifyStore(FILE, { lockWaitMs: 300 });
const a = await gap(() => short.runInTransaction('other', rec, async () => {}));
const l = await gap(() => short.claim('lease', { leaseMs: 1000, owner: 'x' }));
// the control: a plain connection with a long busy_timeout freezes the event loop while it waits
const raw = new Database(FILE); raw.pragma('busy_timeout = 600');
const control = await gap(() => { raw.exec('BEGIN IMMEDIATE'); return {}; });
raw.close();
console.log('waiting');
const patient = createSqliteNotifyStore(FILE, { lockWaitMs: 5000 });
const b = await gap(() => patient.runInTransaction('other', rec, async () => {}));
clearInterval(tick);
console.log(JSON.stringify({ a, l, control, b }));
`,
    { FILE: file },
  );
  while (!c.stdout().includes('waiting')) await sleep(10);
  await sleep(400);
  held.resolve();
  assert.deepEqual(await holding, { status: 'done' });
  const r = await c.exited;
  assert.equal(r.code, 0, r.err);
  const { a, l, control, b } = JSON.parse(r.out.trim().split('\n').pop());
  console.log(`# lock held by another process: ${JSON.stringify({ a, l, control, b })}`);
  assert.equal(a.code, 'STORE_UNAVAILABLE');
  assert.ok(a.ms >= 300 && a.ms < 1500, `gave up after ${a.ms} ms`);
  assert.ok(a.worstGapMs < 250, `runInTransaction: worst event-loop gap ${a.worstGapMs} ms`);
  assert.equal(l.code, 'STORE_UNAVAILABLE');
  assert.ok(l.worstGapMs < 250, `claim: worst event-loop gap ${l.worstGapMs} ms`);
  assert.equal(control.code, 'SQLITE_BUSY');
  assert.ok(control.worstGapMs >= 500, `the control froze the loop for ${control.worstGapMs} ms`);
  assert.equal(b.status, 'done');
  assert.ok(b.ms >= 300, `waited for the holder (${b.ms} ms)`);
  assert.ok(b.worstGapMs < 250, `worst event-loop gap while waiting ${b.worstGapMs} ms`);
  holder.close();
});

test('SQLite store: a process killed inside its transaction commits nothing and frees the lock at once; one killed after complete resolved keeps the mark', async () => {
  const file = freshFile();
  const setup = createSqliteNotifyStore(file);
  effectsTable(setup.database);
  setup.close();
  const c = child(
    `
import { createSqliteNotifyStore } from ${JSON.stringify(NODE_ENTRY)};
const store = createSqliteNotifyStore(process.env.FILE);
const rec = { kind: 'k', notifyTime: 't', processedAt: 'p' };
const lease = await store.claim('crash-done', { leaseMs: 60_000, owner: 'dying' });
await store.complete('crash-done', lease.token, rec);
store.runInTransaction('crash-tx', rec, async (db) => {
  db.prepare('INSERT INTO effects (notify_id, writer) VALUES (?, ?)').run('crash-tx', 'dying');
  console.log('inside');
  await new Promise(() => {});
});
setInterval(() => {}, 1000);
`,
    { FILE: file },
  );
  while (!c.stdout().includes('inside')) await sleep(10);
  c.p.kill('SIGKILL');
  await c.exited;
  const s = createSqliteNotifyStore(file, { lockWaitMs: 300 });
  assert.equal((await s.claim('crash-done', { leaseMs: 1000, owner: 'next' })).status, 'processed');
  const t0 = Date.now();
  assert.deepEqual(
    await s.runInTransaction('crash-tx', record(), async (db) => {
      db.prepare('INSERT INTO effects (notify_id, writer) VALUES (?, ?)').run('crash-tx', 'next');
    }),
    { status: 'done' },
  );
  assert.ok(Date.now() - t0 < 300, 'no wait: the dead process held no lock');
  const check = reader(file);
  assert.deepEqual(check.prepare("SELECT writer FROM effects WHERE notify_id = 'crash-tx'").all(), [{ writer: 'next' }]);
  check.close();
  s.close();
});

test('SQLite store: in one process, runs are serialized in order; a duplicate that waited sees processed; a run that never settles makes the others fail loudly after lockWaitMs', async () => {
  const s = createSqliteNotifyStore(freshFile(), { lockWaitMs: 200 });
  effectsTable(s.database);
  const order = [];
  const runs = ['a', 'b', 'a', 'c'].map((id, i) =>
    s.runInTransaction(id, record(), async (tx) => {
      order.push(`${id}${i}`);
      tx.prepare('INSERT INTO effects (notify_id) VALUES (?)').run(id);
      await sleep(20);
    }),
  );
  const results = await Promise.all(runs);
  assert.deepEqual(
    results.map((r) => r.status),
    ['done', 'done', 'processed', 'done'],
  );
  assert.deepEqual(order, ['a0', 'b1', 'c3']);
  const stuck = s.runInTransaction('stuck', record(), () => new Promise(() => {}));
  await sleep(10);
  await assert.rejects(
    s.runInTransaction('d', record(), async () => {}),
    (e) => e.code === 'STORE_UNAVAILABLE' && /notify_id stuck/.test(e.message) && /lockWaitMs 200/.test(e.message),
  );
  assert.deepEqual(await s.runInTransaction('stuck', record(), async () => {}), { status: 'busy' });
  await assert.rejects(
    async () => s.claim('e', { leaseMs: 1000, owner: 'x' }),
    (e) => e.code === 'STORE_UNAVAILABLE',
  );
  void stuck;
});

test('SQLite store, runInTransaction: an id under a live lease-mode claim is busy; an expired one is taken over (the stale token is then LEASE_LOST)', async () => {
  const file = freshFile();
  const lease = createSqliteNotifyStore(file, { transactional: false });
  const tx = createSqliteNotifyStore(file);
  const live = await lease.claim('x', { leaseMs: 60_000, owner: 'w' });
  let calls = 0;
  assert.deepEqual(
    await tx.runInTransaction('x', record(), async () => {
      calls++;
    }),
    { status: 'busy' },
  );
  await lease.release('x', live.token);
  const short = await lease.claim('x', { leaseMs: 50, owner: 'w' });
  await sleep(100);
  assert.deepEqual(
    await tx.runInTransaction('x', record(), async () => {
      calls++;
    }),
    { status: 'done' },
  );
  assert.equal(calls, 1);
  await assert.rejects(
    async () => lease.complete('x', short.token, record()),
    (e) => e.code === 'LEASE_LOST',
  );
  lease.close();
  tx.close();
});

const alipay = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const req = (notifyId) =>
  new Request('https://partner.example/alipay/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
    body: signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId }), { charset: 'gbk', privateKey: alipay.privateKey })
      .body,
  });

test('handler on the SQLite store: context.transaction is the Database; the effect commits with the mark, a throw rolls both back; duplicates to two workers run once', async () => {
  const file = freshFile();
  const a = createSqliteNotifyStore(file);
  const b = createSqliteNotifyStore(file); // a second connection: another worker
  effectsTable(a.database);
  const check = reader(file);
  const count = (id) => check.prepare('SELECT count(*) AS c FROM effects WHERE notify_id = ?').get(id).c;
  const marked = (id) =>
    check.prepare("SELECT count(*) AS c FROM witkey_notify WHERE notify_id = ? AND state = 'processed'").get(id).c;
  let calls = 0;
  let fail = false;
  const seen = [];
  const worker = (store) =>
    createNotifyHandler({
      alipayPublicKey,
      store,
      async onNotification(n, { transaction, fencingToken }) {
        calls++;
        seen.push(transaction === store.database && fencingToken === undefined);
        transaction.prepare('INSERT INTO effects (notify_id, writer) VALUES (?, ?)').run(n.notifyId, n.kind);
        await sleep(50);
        if (fail) throw new Error('partner code failed after its write');
      },
    });
  const wa = worker(a);
  const wb = worker(b);

  fail = true;
  const r1 = await wa(req('n-throws'));
  assert.deepEqual([r1.status, r1.headers.get('x-witkey-error')], [500, 'HANDLER_ERROR']);
  assert.equal(count('n-throws'), 0, 'the effect rolled back');
  assert.equal(marked('n-throws'), 0, 'the mark rolled back');
  fail = false;
  assert.equal(await (await wb(req('n-throws'))).text(), 'success');
  assert.equal(count('n-throws'), 1);
  assert.equal(marked('n-throws'), 1);

  calls = 0;
  const answers = await Promise.all([wa, wb, wa, wb, wb, wa].map((w) => w(req('n-dup')).then((r) => r.text())));
  assert.deepEqual(answers, Array(6).fill('success'));
  assert.equal(calls, 1);
  assert.equal(count('n-dup'), 1);
  assert.equal(marked('n-dup'), 1);
  assert.ok(seen.every(Boolean), 'transaction is the store Database, fencingToken undefined');
  check.close();
  a.close();
  b.close();
});

test('better-sqlite3 not installed: createSqliteNotifyStore (ESM and CommonJS builds) and openSqliteStore throw MISSING_DEPENDENCY naming it', () => {
  // A copy of the package without better-sqlite3: dist/ and package.json, and only the runtime
  // dependencies linked in node_modules.
  const pkg = mkdtempSync(join(tmpdir(), 'witkey-nosqlite-'));
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  for (const dep of ['@noble/hashes', 'asn1js', 'pkijs']) {
    const at = join(pkg, 'node_modules', dep);
    mkdirSync(join(at, '..'), { recursive: true });
    symlinkSync(realpathSync(join(root, 'node_modules', dep)), at, 'dir');
  }
  const run = (args) => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: pkg, env: { ...process.env, NODE_PATH: '' } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim());
  };
  const dbFile = join(pkg, 'x.db');
  const esm = run([
    '--input-type=module',
    '-e',
    `import { createRequire } from 'node:module';
     import { createSqliteNotifyStore, openSqliteStore } from './dist/node/index.js';
     const out = {};
     try { createRequire(import.meta.url + '/../dist/node/index.js').resolve('better-sqlite3'); out.resolvable = true; } catch { out.resolvable = false; }
     try { createSqliteNotifyStore(${JSON.stringify(dbFile)}); } catch (e) { out.create = [e.name, e.code, e.message]; }
     try { await openSqliteStore(${JSON.stringify(dbFile)}); } catch (e) { out.gateway = [e.name, e.code, e.message]; }
     console.log(JSON.stringify(out));`,
  ]);
  const cjs = run([
    '-e',
    `const { createSqliteNotifyStore } = require('./dist/node/index.cjs');
     try { createSqliteNotifyStore(${JSON.stringify(dbFile)}); console.log('null'); } catch (e) { console.log(JSON.stringify([e.name, e.code, e.message])); }`,
  ]);
  assert.equal(esm.resolvable, false, 'better-sqlite3 really is absent in the copy');
  for (const [name, code, message] of [esm.create, esm.gateway, cjs]) {
    assert.equal(name, 'WitkeyError');
    assert.equal(code, 'MISSING_DEPENDENCY');
    assert.match(message, /better-sqlite3/);
  }
  assert.match(esm.create[2], /npm install better-sqlite3@12/);
});

test('the CommonJS build loads better-sqlite3 too (createRequire in dist/node/index.cjs)', () => {
  const file = freshFile();
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const { createSqliteNotifyStore } = require(${JSON.stringify(join(root, 'dist/node/index.cjs'))});
       const s = createSqliteNotifyStore(${JSON.stringify(file)});
       s.claim('cjs', { leaseMs: 1000, owner: 'cjs' }).then((c) => { console.log(JSON.stringify(c)); s.close(); });`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'claimed');
  const check = reader(file);
  assert.equal(check.prepare("SELECT owner FROM witkey_notify WHERE notify_id = 'cjs'").get().owner, 'cjs');
  check.close();
});
