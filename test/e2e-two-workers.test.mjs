// End to end, two partner workers on one PostgreSQL: the gateway simulator (startGatewayServer) runs
// real left-amount flows whose notifications go to a front on loopback that forwards every delivery to
// BOTH workers at the same instant and answers the gateway `success` if either did. The workers are two
// child processes (this file, run with WITKEY_E2E_PG_WORKER set), each a createNodeNotifyHandler with a
// transactional createPostgresNotifyStore on its own pg Pool, writing one effect row per notification
// through context.transaction. Expected: every flow settles, the gateway saw success for every
// notification, each notification's effect row exists exactly once, and both workers ran some.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

if (process.env.WITKEY_E2E_PG_WORKER) await worker(process.env.WITKEY_E2E_PG_WORKER);
else await tests();

/** A partner worker: its notify endpoint on a free loopback port, printed as one JSON line. */
async function worker(name) {
  const { default: pg } = await import('pg');
  const { importPublicKey } = await import('../dist/esm/dsa.js');
  const { createNodeNotifyHandler } = await import('../dist/node/index.js');
  const { createPostgresNotifyStore } = await import('../dist/esm/stores.js');
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  const handler = createNodeNotifyHandler({
    alipayPublicKey: importPublicKey(process.env.ALIPAY_PUBLIC_KEY_PEM),
    store: createPostgresNotifyStore(pool, { table: 'witkey_notify_e2e' }),
    async onNotification(n, { transaction }) {
      await transaction.query('INSERT INTO effects (notify_id, kind, worker) VALUES ($1, $2, $3)', [n.notifyId, n.kind, name]);
    },
  });
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
}

async function tests() {
  const { test } = await import('node:test');
  const { buildLeftAmountRequest, exportPublicKey, generateKeyPair, toFetchRequest } = await import('../dist/esm/index.js');
  const { startGatewayServer } = await import('../dist/node/index.js');
  const { default: pg } = await import('pg');
  const { postgresOrSkip, startPostgres } = await import('./support/postgres-server.mjs');

  const PARTNER = '2088101115793868';
  const PUBLISHER = '2088102113960482';
  const BIDDERS = ['2088102116203708', '2088102116203728', '2088102116203738'];
  const partnerKeys = generateKeyPair({ L: 1024, N: 160 });
  const TASKS = ['T1', 'T2', 'T3', 'T4'];

  /** Starts a worker process; resolves to its URL and a stop(). */
  const startWorker = (name, env) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
        env: { ...process.env, ...env, WITKEY_E2E_PG_WORKER: name },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}) before listening`)));
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line)
          resolve({
            url: `http://127.0.0.1:${JSON.parse(line).port}/notify`,
            stop: () =>
              new Promise((r) => {
                child.removeAllListeners('exit');
                if (child.exitCode !== null) return r();
                child.once('exit', r);
                child.kill('SIGTERM');
              }),
          });
      });
    });

  test('two workers on one PostgreSQL behind a front that delivers each notification to both at once: every notification settles, effects exactly once, both workers run some', async (t) => {
    if (!postgresOrSkip(t)) return;
    const db = await startPostgres();
    const admin = new pg.Pool({ connectionString: db.url, max: 2 });
    admin.on('error', () => {}); // the server is stopped at the end
    const cleanup = [() => admin.end(), () => db.teardown()];
    try {
      await admin.query('CREATE TABLE effects (notify_id text NOT NULL, kind text NOT NULL, worker text NOT NULL)');
      const sim = await startGatewayServer({
        port: 0,
        timeScale: 0.0005,
        partners: { [PARTNER]: { publicKey: exportPublicKey(partnerKeys.publicKey) } },
        tasks: TASKS.map((id) => ({ outerTaskId: id, publisher: PUBLISHER, frozen: '60.00', expiresAt: Date.now() - 3_600_000 })),
        accounts: [PUBLISHER, PARTNER, ...BIDDERS],
        // The gateway itself also sends some deliveries twice.
        faults: [{ action: 'duplicate', kind: 'assign_transfer', times: 2 }],
      });
      cleanup.unshift(() => sim.close());
      const env = { DATABASE_URL: db.url, ALIPAY_PUBLIC_KEY_PEM: sim.gateway.publicKeyPem };
      const workers = await Promise.all([startWorker('a', env), startWorker('b', env)]);
      cleanup.unshift(...workers.map((w) => () => w.stop()));

      // The front: each delivery to both workers at once (alternating which request is sent first).
      const answers = new Map(); // notify_id → [[a, b], …] per delivery
      let deliveries = 0;
      const front = http.createServer(async (req, res) => {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const body = Buffer.concat(chunks);
        const id = new URLSearchParams(body.toString('latin1')).get('notify_id');
        const order = deliveries++ % 2 === 0 ? [0, 1] : [1, 0];
        const send = (w) =>
          fetch(w.url, { method: 'POST', body, headers: { 'content-type': req.headers['content-type'] } })
            .then((r) => r.text())
            .catch((e) => `error ${e.message}`);
        const sent = [];
        for (const i of order) sent[i] = send(workers[i]);
        const both = await Promise.all(sent);
        if (!answers.has(id)) answers.set(id, []);
        answers.get(id).push(both);
        res.end(both.includes('success') ? 'success' : 'fail');
      });
      await new Promise((r) => front.listen(0, '127.0.0.1', r));
      cleanup.unshift(
        () =>
          new Promise((r) => {
            front.close(r);
            front.closeAllConnections();
          }),
      );
      const frontUrl = `http://127.0.0.1:${front.address().port}`;

      for (const [k, task] of TASKS.entries()) {
        const req = await buildLeftAmountRequest({
          partner: PARTNER,
          privateKey: partnerKeys.privateKey,
          charset: k % 2 ? 'utf-8' : 'gbk',
          outerTaskId: task,
          alipayUserId: PUBLISHER,
          refund: { serial: `R-${task}`, amount: '20.00' },
          platform: { serial: `P-${task}`, amount: '5.00' },
          transfers: BIDDERS.map((b, i) => ({ serial: `A${i}-${task}`, amount: '10.00', alipayUserId: b, nickName: '天之蓝' })),
          notifyUrl: `${frontUrl}/notify`,
          returnUrl: `${frontUrl}/return`,
          gateway: sim.gatewayUrl,
        });
        const res = await fetch(toFetchRequest(req), { redirect: 'manual' });
        assert.equal(res.status, 302, `request for ${task}`);
      }
      await sim.gateway.idle();
      const snap = await sim.gateway.inspect();
      const sent = snap.notifications.filter((n) => n.status !== 'return');
      // Per flow (docs/PROTOCOL.md §6): leftover handled, the refund, one bounty payment per bidder, and a
      // platform profit transfer for platform_detail and for the service fee of each bounty payment.
      assert.equal(sent.length, TASKS.length * (1 + 1 + BIDDERS.length + 1 + BIDDERS.length));
      assert.deepEqual(
        sent.filter((n) => n.status !== 'delivered').map((n) => [n.notifyId, n.status]),
        [],
        'the gateway saw success for every notification',
      );
      for (const n of sent) {
        const got = snap.attempts.filter((a) => a.notifyId === n.notifyId && a.outcome !== 'sending');
        assert.ok(
          got.some((a) => a.body === 'success'),
          `${n.notifyId}: ${got.map((a) => a.body)}`,
        );
      }
      const rows = (await admin.query('SELECT notify_id, kind, worker FROM effects')).rows;
      const byId = new Map();
      for (const r of rows) byId.set(r.notify_id, [...(byId.get(r.notify_id) ?? []), r]);
      for (const n of sent) {
        assert.equal(byId.get(n.notifyId)?.length, 1, `${n.notifyId} (${n.kind}): effect rows`);
        assert.equal(byId.get(n.notifyId)[0].kind, n.kind);
      }
      assert.equal(rows.length, sent.length, 'no effect row for anything else');
      // Every delivery reached both workers, and the one that did not run it answered too.
      for (const n of sent) assert.ok(answers.get(n.notifyId)?.length >= 1, n.notifyId);
      const split = { a: rows.filter((r) => r.worker === 'a').length, b: rows.filter((r) => r.worker === 'b').length };
      const pairs = [...answers.values()].flat();
      const bothSuccess = pairs.filter(([a, b]) => a === 'success' && b === 'success').length;
      t.diagnostic(
        `${sent.length} notifications, ${pairs.length} deliveries forwarded to both workers (${bothSuccess} answered success by both); ran in worker a: ${split.a}, worker b: ${split.b}`,
      );
      assert.ok(split.a > 0 && split.b > 0, `both workers ran some: ${JSON.stringify(split)}`);
    } finally {
      for (const step of cleanup) await step().catch(() => {});
    }
  });
}
