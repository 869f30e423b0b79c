// One partner worker of the chaos test (test/chaos.test.mjs): the notify endpoint on node:http, on a
// store of a real engine shared with the other workers, running notifications the way a partner
// would — writing one effect per notification — slowly enough that a SIGKILL lands mid-run.
//
// Configuration (environment): CHAOS_ENGINE (pg | postgresjs | redis | ioredis | sqlite), CHAOS_MODE
// (tx: the effect goes through context.transaction; lease: the store is lease-only and the effect is
// written outside it), CHAOS_URL (server URL or SQLite file), CHAOS_KEY (the gateway's public key PEM
// file), CHAOS_LOG (a file every worker appends `start`/`end` lines to, with O_APPEND, so the parent can
// check that no two live runs of one id overlapped), CHAOS_LEASE_MS.
// Prints one JSON line {"port": N} once it listens.
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { importPublicKey } from '../../dist/esm/dsa.js';
import * as stores from '../../dist/esm/stores.js';
import { createNodeNotifyHandler, createSqliteNotifyStore } from '../../dist/node/index.js';

const { createPostgresNotifyStore, createRedisNotifyStore } = stores;

const { CHAOS_ENGINE: engine, CHAOS_MODE: mode, CHAOS_URL: url, CHAOS_KEY: keyFile, CHAOS_LOG: log } = process.env;
const leaseMs = Number(process.env.CHAOS_LEASE_MS ?? 1500);
const transactional = mode === 'tx';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const note = (line) => appendFileSync(log, `${line}\n`);

/** The store and the effect writer for each engine. */
async function open() {
  if (engine === 'pg') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const store = createPostgresNotifyStore(pool, { transactional });
    const write = transactional
      ? (ctx, id) => ctx.transaction.query('INSERT INTO chaos_effects (notify_id, pid) VALUES ($1, $2)', [id, process.pid])
      : (_ctx, id) => pool.query('INSERT INTO chaos_effects (notify_id, pid) VALUES ($1, $2)', [id, process.pid]);
    return { store, write };
  }
  if (engine === 'postgresjs') {
    const { default: postgres } = await import('postgres');
    const sql = postgres(url, { max: 8, onnotice: () => {} });
    const store = createPostgresNotifyStore(sql, { transactional });
    const write = transactional
      ? (ctx, id) => ctx.transaction`INSERT INTO chaos_effects (notify_id, pid) VALUES (${id}, ${process.pid})`
      : (_ctx, id) => sql`INSERT INTO chaos_effects (notify_id, pid) VALUES (${id}, ${process.pid})`;
    return { store, write };
  }
  if (engine === 'redis') {
    const { createClient } = await import('redis');
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    return { store: createRedisNotifyStore(client), write: (_ctx, id) => client.rPush('chaos:effects', `${id} ${process.pid}`) };
  }
  if (engine === 'ioredis') {
    const { default: Redis } = await import('ioredis');
    const client = new Redis(url);
    return { store: createRedisNotifyStore(client), write: (_ctx, id) => client.rpush('chaos:effects', `${id} ${process.pid}`) };
  }
  if (engine === 'sqlite') {
    const store = createSqliteNotifyStore(url, { transactional });
    const { default: Database } = await import('better-sqlite3');
    const own = transactional ? undefined : new Database(url);
    if (own) own.pragma('busy_timeout = 2000');
    const write = transactional
      ? (ctx, id) => ctx.transaction.prepare('INSERT INTO chaos_effects (notify_id, pid) VALUES (?, ?)').run(id, process.pid)
      : (_ctx, id) => own.prepare('INSERT INTO chaos_effects (notify_id, pid) VALUES (?, ?)').run(id, process.pid);
    return { store, write };
  }
  throw new Error(`unknown CHAOS_ENGINE ${engine}`);
}

const { store, write } = await open();
const handler = createNodeNotifyHandler({
  alipayPublicKey: importPublicKey(readFileSync(keyFile, 'utf8')),
  store,
  leaseMs,
  owner: `pid-${process.pid}`,
  async onNotification(n, ctx) {
    note(`start ${n.notifyId} ${process.pid}`);
    await sleep(5 + Math.floor(Math.random() * 40)); // test jitter only, nothing cryptographic
    await write(ctx, n.notifyId);
    await sleep(Math.floor(Math.random() * 10));
    note(`end ${n.notifyId} ${process.pid}`);
  },
});
const server = createServer(handler);
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
