// Notifications in Express: verified over the raw bytes, one run per notify_id, `success` only once
// onNotification resolved (else `fail`, and the gateway delivers again later).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importPublicKey } from 'alipay-witkey';
import { createNodeNotifyHandler } from 'alipay-witkey/node';
import express from 'express';

export function createApp({ alipayPublicKey = importPublicKey(readFileSync('keys/gateway_public.pem', 'utf8')), store } = {}) {
  const app = express();
  // Before the global parsers: the signature covers the raw body, and express.urlencoded() answers a GBK
  // body with 415 (charset.unsupported) before this handler could run.
  app.post(
    '/alipay/notify',
    createNodeNotifyHandler({
      alipayPublicKey,
      store, // default createMemoryNotifyStore(); several processes: createPostgresNotifyStore(pool) from 'alipay-witkey/stores'
      async onNotification(n) {
        if (!n.isSuccess) console.log(n.kind, 'failed:', n.error);
        else if (n.kind === 'left_amount_handled')
          console.log(n.kind, n.outerTaskId, 'paid:', n.successBidders.length, 'failed:', n.failBidders.length);
        else console.log(n.kind, n.transfer.outerTransferNo, n.transfer.amount, n.transfer.status);
      },
    }),
  );
  app.use(express.urlencoded({ extended: false }), express.json());
  app.get('/', (_req, res) => res.send('partner site'));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) createApp().listen(3000, '127.0.0.1');
