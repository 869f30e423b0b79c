// Several Node workers (processes, machines) on one PostgreSQL: each notification's writes commit exactly
// once, in one transaction with the processed mark, however many workers the gateway's deliveries reach.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importPublicKey } from 'alipay-witkey';
import { createNodeNotifyHandler } from 'alipay-witkey/node';
import { createPostgresNotifyStore } from 'alipay-witkey/stores';
import express from 'express';
import pg from 'pg';

export function createApp({
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL }),
  alipayPublicKey = importPublicKey(readFileSync('keys/gateway_public.pem', 'utf8')),
} = {}) {
  const app = express();
  app.post(
    '/alipay/notify', // above the body parsers (docs/FRAMEWORKS.md)
    createNodeNotifyHandler({
      alipayPublicKey,
      store: createPostgresNotifyStore(pool), // table witkey_notify, created on first use
      async onNotification(n, { transaction }) {
        // `transaction` is a pg PoolClient inside BEGIN, the id already marked processed in it: these
        // writes and the mark commit together. Throw and both roll back; the gateway delivers again.
        if (n.kind !== 'assign_transfer' || !n.isSuccess) return;
        const { outerTransferNo, amount, status } = n.transfer;
        await transaction.query('INSERT INTO payouts (outer_transfer_no, amount, status) VALUES ($1, $2, $3)', [
          outerTransferNo,
          amount,
          status,
        ]);
      },
    }),
  );
  app.use(express.urlencoded({ extended: false }), express.json());
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) createApp().listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
