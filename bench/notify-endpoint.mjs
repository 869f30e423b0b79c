#!/usr/bin/env node
// Notify-endpoint benchmark: the partner's endpoint over HTTP on loopback — body read, signature check,
// XML, typing, and the store's claim/complete (or transaction) — for the memory, SQLite, PostgreSQL and
// Redis stores, with 1 and 4 worker processes (bench/lib/endpoint-worker.mjs) on real servers started
// for the run (test/support/*-server.mjs; PostgreSQL with fsync on: a durable commit per notification).
// Every request is a new OpenSSL-signed GBK notification (a new notify_id), so every one is claimed and
// marked processed.
//   latency: one client, one request at a time → p50/p99; "store adds" = p50 minus the memory store's
//            p50 with the same worker count (target ≤ 1 ms);
//   throughput: 16 clients with keep-alive for a fixed time → notifications/s and p50/p99 under load
//            (target: 4 workers on PostgreSQL ≥ 1,000 notifications/s on this 2-core machine).
// The load generator runs in this process, on the same 2 cores as the workers and the servers.
//
// `runNotifyEndpointBench({ rounds, log })` returns { title, text, markdown }; run this file directly
// to print it. Needs a build.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notificationFields, opensslKeyPair, signedBody, TRANSFER_XML } from '../test/support/notify-oracle.mjs';
import { startPostgres } from '../test/support/postgres-server.mjs';
import { startRedis } from '../test/support/redis-server.mjs';
import { mdTable, median, textTable } from './lib/harness.mjs';

const LATENCY_REQUESTS = 300;
const THROUGHPUT_MS = 3000;
const CLIENTS = 16;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function startWorker(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./lib/endpoint-worker.mjs', import.meta.url))], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`bench worker exited (${code}) before listening`)));
  });
}

function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/alipay/notify',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK', 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          if (text !== 'success') reject(new Error(`answered ${res.statusCode} ${text} ${res.headers['x-witkey-error']}`));
          else resolve(performance.now() - t);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runNotifyEndpointBench({ rounds = 1, log = console.log } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'witkey-bench-endpoint-'));
  const alipay = opensslKeyPair();
  const keyFile = join(dir, 'alipay_public.pem');
  writeFileSync(keyFile, alipay.publicPem);
  let serial = 0;
  const nextBody = () => {
    const notifyId = `bench${(++serial).toString(16).padStart(27, '0')}`;
    return Buffer.from(
      signedBody(notificationFields(TRANSFER_XML, { notifyType: 'witkey_assign_transfer', notifyId }), {
        charset: 'gbk',
        privateKey: alipay.privateKey,
      }).body,
    );
  };
  // Bodies are signed ahead of each phase, so that signing does not compete with the endpoint.
  const batch = (n) => Array.from({ length: n }, nextBody);
  log('starting PostgreSQL (fsync on) and Redis (AOF, appendfsync always) for the bench');
  const [pg, redis] = await Promise.all([startPostgres({ durable: true }), startRedis()]);
  const engines = [
    { id: 'memory', label: 'memory', url: '' },
    { id: 'sqlite', label: 'SQLite (WAL, synchronous FULL)', url: () => join(dir, `bench-${serial}.db`) },
    { id: 'pg', label: 'PostgreSQL (pg Pool, transactional)', url: pg.url },
    { id: 'redis', label: 'Redis (node-redis, leases)', url: redis.url },
  ];
  const rows = [];
  const inProcess = [];
  try {
    // The store alone, in this process: what one notification costs it (no HTTP, no signature).
    {
      const { default: pgLib } = await import('pg');
      const { createClient } = await import('redis');
      const { createPostgresNotifyStore, createRedisNotifyStore } = await import('../dist/esm/stores.js');
      const { createSqliteNotifyStore } = await import('../dist/node/index.js');
      const { createMemoryNotifyStore } = await import('../dist/esm/notify.js');
      const pool = new pgLib.Pool({ connectionString: pg.url, max: 4 });
      const redisClient = createClient({ url: redis.url });
      redisClient.on('error', () => {});
      await redisClient.connect();
      const sqlite = createSqliteNotifyStore(join(dir, 'in-process.db'));
      const rec = { kind: 'assign_transfer', notifyTime: '2012-06-12 10:00:00', processedAt: new Date().toISOString() };
      let k = 0;
      const lease = (store) => async () => {
        const id = `inproc${++k}`;
        const c = await store.claim(id, { leaseMs: 60_000, owner: 'bench' });
        await store.complete(id, c.token, rec);
      };
      const tx = (store) => () => store.runInTransaction(`inproc${++k}`, rec, async () => {});
      const cases = [
        ['memory (claim + complete)', lease(createMemoryNotifyStore())],
        ['SQLite (one transaction)', tx(sqlite)],
        ['PostgreSQL (one transaction)', tx(createPostgresNotifyStore(pool))],
        ['PostgreSQL lease-only (claim + complete)', lease(createPostgresNotifyStore(pool, { transactional: false }))],
        ['Redis (claim + complete)', lease(createRedisNotifyStore(redisClient))],
      ];
      try {
        for (const [name, op] of cases) {
          for (let i = 0; i < 200; i++) await op();
          const times = [];
          for (let i = 0; i < 1000; i++) {
            const t = performance.now();
            await op();
            times.push(performance.now() - t);
          }
          times.sort((a, b) => a - b);
          inProcess.push([
            name,
            `${(percentile(times, 0.5) * 1000).toFixed(0)} µs`,
            `${(percentile(times, 0.99) * 1000).toFixed(0)} µs`,
          ]);
          log(`in process, ${name}: p50 ${(percentile(times, 0.5) * 1000).toFixed(0)} µs`);
        }
      } finally {
        sqlite.close();
        await pool.end();
        await redisClient.quit();
      }
    }
    for (const workers of [1, 4]) {
      const baseline = [];
      for (const e of engines) {
        const p50s = [];
        const p99s = [];
        const rates = [];
        const loadP50s = [];
        const loadP99s = [];
        for (let round = 0; round < rounds; round++) {
          const env = { BENCH_ENGINE: e.id, BENCH_URL: typeof e.url === 'function' ? e.url() : e.url, BENCH_KEY: keyFile };
          const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(env)));
          const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
          try {
            // warm-up: key tables, connections, JIT
            let w = 0;
            for (const body of batch(100)) await post(agent, procs[w++ % workers].port, body);
            const lat = [];
            w = 0;
            for (const body of batch(LATENCY_REQUESTS)) lat.push(await post(agent, procs[w++ % workers].port, body));
            lat.sort((a, b) => a - b);
            p50s.push(percentile(lat, 0.5));
            p99s.push(percentile(lat, 0.99));
            // More than the endpoint can take in THROUGHPUT_MS on this machine, so the clients never run dry.
            const bodies = batch(6000);
            let next = 0;
            let done = 0;
            const loadLat = [];
            const end = performance.now() + THROUGHPUT_MS;
            const t0 = performance.now();
            await Promise.all(
              Array.from({ length: CLIENTS }, async (_, c) => {
                while (performance.now() < end && next < bodies.length) {
                  const body = bodies[next++];
                  loadLat.push(await post(agent, procs[(c + next) % workers].port, body));
                  done++;
                }
              }),
            );
            const seconds = (performance.now() - t0) / 1000;
            if (next >= bodies.length)
              log(`  (${e.id}, ${workers} workers: ran out of pre-signed bodies; rate is a lower bound)`);
            loadLat.sort((a, b) => a - b);
            rates.push(done / seconds);
            loadP50s.push(percentile(loadLat, 0.5));
            loadP99s.push(percentile(loadLat, 0.99));
          } finally {
            agent.destroy();
            for (const p of procs) p.child.kill('SIGTERM');
          }
        }
        const row = {
          engine: e.label,
          workers,
          p50: median(p50s),
          p99: median(p99s),
          rate: median(rates),
          loadP50: median(loadP50s),
          loadP99: median(loadP99s),
        };
        if (e.id === 'memory') baseline.push(row.p50);
        row.adds = row.p50 - baseline[0];
        rows.push(row);
        log(
          `${e.label}, ${workers} worker(s): p50 ${row.p50.toFixed(2)} ms (store adds ${row.adds.toFixed(2)} ms), p99 ${row.p99.toFixed(2)} ms; ${row.rate.toFixed(0)} notifications/s`,
        );
      }
    }
  } finally {
    await Promise.all([pg.teardown(), redis.teardown()]);
    rmSync(dir, { recursive: true, force: true });
  }
  const header = [
    'store',
    'workers',
    'p50 (1 client)',
    'p99',
    'store adds (p50)',
    `notifications/s (${CLIENTS} clients)`,
    'p50 / p99 under load',
  ];
  const cells = rows.map((r) => [
    r.engine,
    String(r.workers),
    `${r.p50.toFixed(2)} ms`,
    `${r.p99.toFixed(2)} ms`,
    r.engine === 'memory' ? '—' : `${r.adds.toFixed(2)} ms ${r.adds <= 1 ? '(≤ 1 ms: met)' : '(> 1 ms: NOT met)'}`,
    `${r.rate.toFixed(0)}${r.engine.startsWith('PostgreSQL') && r.workers === 4 ? (r.rate >= 1000 ? ' (≥ 1,000: met)' : ' (≥ 1,000: NOT met)') : ''}`,
    `${r.loadP50.toFixed(1)} / ${r.loadP99.toFixed(1)} ms`,
  ]);
  const storeHeader = ['store, in process (one new notify_id)', 'p50', 'p99'];
  return {
    title: 'Notify endpoint over HTTP (stores)',
    text: `${textTable(storeHeader, inProcess)}\n\n${textTable(header, cells)}`,
    markdown: `Every request is a new signed GBK §6.2 notification posted over loopback HTTP with keep-alive to ${'`createNodeNotifyHandler`'} workers (separate processes); medians over ${rounds} round(s). "store adds" is the p50 minus the memory store's p50 with the same worker count. PostgreSQL runs with fsync on; Redis with AOF fsync'ed on every write (\`appendfsync always\`): every mark is durable before \`success\`. Load generator, workers and servers share this machine's cores.\n\nThe store alone, in the bench process (no HTTP, no signature check), 1,000 sequential new ids after 200 warm-up ones:\n\n${mdTable(storeHeader, inProcess)}\n\nOver HTTP:\n\n${mdTable(header, cells)}`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runNotifyEndpointBench({ rounds: Number(process.argv[2] ?? 1) });
  console.log(`\n== ${r.title} ==\n${r.text}`);
}
