// Fastify 5 with @fastify/formbody for the site's forms, and the notify route in its own encapsulated
// scope whose only content-type parser keeps the raw bytes (the signature covers them, GBK included).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import { createMemoryNotifyStore, createNotifyHandler, importPublicKey } from 'alipay-witkey';
import Fastify from 'fastify';

export function createApp({
  alipayPublicKey = importPublicKey(readFileSync('keys/gateway_public.pem', 'utf8')),
  store = createMemoryNotifyStore(), // several processes: createPostgresNotifyStore(pool) from 'alipay-witkey/stores'
} = {}) {
  const app = Fastify();
  app.register(formbody); // parses forms into request.body everywhere but the notify scope
  const notify = createNotifyHandler({
    alipayPublicKey,
    store,
    async onNotification(n) {
      // once per notify_id (the store decides); throw and the answer is `fail`, the gateway delivers again
      if (n.kind === 'assign_transfer' && n.isSuccess) console.log('paid', n.transfer.outerTransferNo, n.transfer.status);
      else console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
    },
  });
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers(); // formbody's parser is not inherited here
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // The fetch-style handler gets the bytes as received; Fastify sends the Response it returns.
    scope.post('/alipay/notify', (req) =>
      notify(
        new Request(`http://${req.host}${req.url}`, {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: req.body,
        }),
      ),
    );
  });
  app.post('/contact', async (req) => ({ got: req.body }));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await createApp().listen({ port: 3000, host: '127.0.0.1' });
