// Koa 3 with @koa/bodyparser for the rest of the site, and the notify endpoint as a middleware ABOVE it:
// the parser would consume the stream (and keep only a decoded string), and the signature covers the raw bytes.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { bodyParser } from '@koa/bodyparser';
import { createMemoryNotifyStore, importPublicKey } from 'alipay-witkey';
import { createNodeNotifyHandler } from 'alipay-witkey/node';
import Koa from 'koa';

export function createApp({
  alipayPublicKey = importPublicKey(readFileSync('keys/gateway_public.pem', 'utf8')),
  store = createMemoryNotifyStore(), // several processes: createPostgresNotifyStore(pool) from 'alipay-witkey/stores'
} = {}) {
  const app = new Koa();
  const notify = createNodeNotifyHandler({
    alipayPublicKey,
    store,
    async onNotification(n) {
      // once per notify_id (the store decides); throw and the answer is `fail`, the gateway delivers again
      if (n.kind === 'assign_transfer' && n.isSuccess) console.log('paid', n.transfer.outerTransferNo, n.transfer.status);
      else console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
    },
  });
  app.use(async (ctx, next) => {
    if (ctx.path !== '/alipay/notify') return next();
    ctx.respond = false; // the notify handler writes the answer itself
    await notify(ctx.req, ctx.res);
  });
  app.use(bodyParser()); // after the notify endpoint
  app.use((ctx) => {
    ctx.body = ctx.method === 'POST' ? { got: ctx.request.body } : 'partner site';
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) createServer(createApp().callback()).listen(3000, '127.0.0.1');
