// One notify-endpoint worker of the notify-endpoint bench (bench/notify-endpoint.mjs): node:http,
// createNodeNotifyHandler, one store; onNotification does nothing (the bench measures the endpoint and
// its store, not partner code). Transactional stores still run their transaction (BEGIN, the mark,
// COMMIT) around it.
// Environment: BENCH_ENGINE (memory | sqlite | pg | redis), BENCH_URL (server URL or SQLite file), BENCH_KEY
// (public key PEM file). Prints {"port": N} once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { importPublicKey } from '../../dist/esm/dsa.js';
import { createMemoryNotifyStore } from '../../dist/esm/notify.js';
import { createPostgresNotifyStore, createRedisNotifyStore } from '../../dist/esm/stores.js';
import { createNodeNotifyHandler, createSqliteNotifyStore } from '../../dist/node/index.js';

const { BENCH_ENGINE: engine, BENCH_URL: url, BENCH_KEY: keyFile } = process.env;

async function open() {
  if (engine === 'memory') return createMemoryNotifyStore();
  if (engine === 'sqlite') return createSqliteNotifyStore(url);
  if (engine === 'pg') {
    const { default: pg } = await import('pg');
    return createPostgresNotifyStore(new pg.Pool({ connectionString: url, max: 8 }));
  }
  if (engine === 'redis') {
    const { createClient } = await import('redis');
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    return createRedisNotifyStore(client);
  }
  throw new Error(`unknown BENCH_ENGINE ${engine}`);
}

const store = await open();
const server = createServer(
  createNodeNotifyHandler({
    alipayPublicKey: importPublicKey(readFileSync(keyFile, 'utf8')),
    store,
    onNotification() {},
  }),
);
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
