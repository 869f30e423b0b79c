// Notifications in a Cloudflare Worker, on D1: every isolate that serves the endpoint shares the store,
// and what onNotification writes through `transaction` commits in one batch with the processed mark —
// once per notify_id, however many isolates the gateway's deliveries reach. Web APIs only.
// (Without `store`, each isolate has its own memory store, and two isolates may each run a notification.)
import { createNotifyHandler, importPublicKey } from 'alipay-witkey';
import { createD1NotifyStore } from 'alipay-witkey/stores';

let handler;

export default {
  async fetch(request, env) {
    handler ??= createNotifyHandler({
      alipayPublicKey: importPublicKey(env.ALIPAY_PUBLIC_KEY),
      store: createD1NotifyStore(env.DB), // creates its table on first use
      async onNotification(n, { transaction }) {
        // Collected statements run after this resolves, with the mark, all or nothing; throw and nothing
        // commits, the answer is `fail` and the gateway delivers again later.
        const status = n.isSuccess ? 'T' : `F ${n.error}`;
        const sql = 'INSERT INTO notifications (notify_id, kind, status) VALUES (?, ?, ?)';
        transaction.add(env.DB.prepare(sql).bind(n.notifyId, n.kind, status));
      },
      timeoutMs: 10_000, // a slow run is answered `fail` (503) instead of holding the gateway's connection
    });
    if (new URL(request.url).pathname !== '/alipay/notify') return new Response('not found', { status: 404 });
    return handler(request);
  },
};
