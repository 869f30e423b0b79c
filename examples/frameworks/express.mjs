// Express (5 or 4) with the site's usual global body parsers, and the notify route mounted ABOVE them:
// the signature covers the raw bytes, and express.urlencoded() answers a GBK body `415 charset.unsupported`
// (and consumes a UTF-8 one) before any later route could see it. docs/FRAMEWORKS.md has the symptoms.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMemoryNotifyStore, importPublicKey } from 'alipay-witkey';
import { createNodeNotifyHandler } from 'alipay-witkey/node';
import expressDefault from 'express';

export function createApp({
  alipayPublicKey = importPublicKey(readFileSync('keys/gateway_public.pem', 'utf8')),
  store = createMemoryNotifyStore(), // several processes: createPostgresNotifyStore(pool) from 'alipay-witkey/stores'
  express = expressDefault, // Express 5; the same code runs on Express 4
} = {}) {
  const app = express();
  // 1. The notify route first: it reads the request stream itself and always answers success/fail.
  app.post(
    '/alipay/notify',
    createNodeNotifyHandler({
      alipayPublicKey,
      store,
      async onNotification(n) {
        // once per notify_id (the store decides); throw and the answer is `fail`, the gateway delivers again
        if (n.kind === 'assign_transfer' && n.isSuccess) console.log('paid', n.transfer.outerTransferNo, n.transfer.status);
        else console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
      },
    }),
  );
  // 2. Then the parsers, for the rest of the site.
  app.use(express.urlencoded({ extended: false }), express.json());
  app.post('/contact', (req, res) => res.json({ got: req.body }));
  app.get('/', (_req, res) => res.send('partner site'));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) createApp().listen(3000, '127.0.0.1');
