// Notifications in a fetch-style handler: Cloudflare Workers, Vercel Edge, `deno serve`, Bun. Web APIs only.
import { createNotifyHandler, importPublicKey } from 'alipay-witkey';

let handler;

export default {
  async fetch(request, env) {
    // workerd passes its bindings as env; Deno and Bun have process.env
    handler ??= createNotifyHandler({
      alipayPublicKey: importPublicKey(env?.ALIPAY_PUBLIC_KEY ?? globalThis.process?.env.ALIPAY_PUBLIC_KEY),
      async onNotification(n) {
        // once per notify_id; throw and the gateway delivers again later
        console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
      },
      // store: createD1NotifyStore(env.DB) from 'alipay-witkey/stores' across isolates; the default memory store lives as long as the isolate
      timeoutMs: 10_000, // a slow run is answered `fail` (503) instead of holding the gateway's connection
    });
    if (new URL(request.url).pathname !== '/alipay/notify') return new Response('not found', { status: 404 });
    return handler(request);
  },
};
