// Hono (here on @hono/node-server): the route gets the Web Request with its body unread; hand it over
// as it is. Do not read it first (c.req.parseBody(), a form validator): the signature covers the raw bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createMemoryNotifyStore, createNotifyHandler, importPublicKey } from 'alipay-witkey';
import { Hono } from 'hono';

export function createApp({
  alipayPublicKey = importPublicKey(readFileSync('keys/gateway_public.pem', 'utf8')),
  store = createMemoryNotifyStore(), // several processes: createPostgresNotifyStore(pool) from 'alipay-witkey/stores'
} = {}) {
  const app = new Hono();
  const notify = createNotifyHandler({
    alipayPublicKey,
    store,
    async onNotification(n) {
      // once per notify_id (the store decides); throw and the answer is `fail`, the gateway delivers again
      if (n.kind === 'assign_transfer' && n.isSuccess) console.log('paid', n.transfer.outerTransferNo, n.transfer.status);
      else console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
    },
  });
  app.post('/alipay/notify', (c) => notify(c.req.raw));
  app.post('/contact', async (c) => c.json({ got: await c.req.parseBody() }));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve({ fetch: createApp().fetch, port: 3000, hostname: '127.0.0.1' });
