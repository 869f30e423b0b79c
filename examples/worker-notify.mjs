// Receive the gateway's notifications with a fetch-style handler: a Cloudflare Worker, Vercel Edge,
// `deno serve examples/worker-notify.mjs`, Bun. Web APIs only; the key comes from the environment.
import { createNotifyHandler, importPublicKey } from 'alipay-witkey';

let handler;

export default {
  async fetch(request, env) { // workerd passes its bindings as env; Deno and Bun have process.env
    handler ??= createNotifyHandler({
      alipayPublicKey: importPublicKey(env?.ALIPAY_PUBLIC_KEY ?? globalThis.process?.env.ALIPAY_PUBLIC_KEY), // PEM, DER or base64
      async onNotification(n) { // once per notify_id; throw and the gateway delivers again later
        console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
      },
      // The default store is memory: one isolate's lifetime. Share one with { has(id), add(id, record) }
      // over KV, D1 or your database, so that a retry reaching another isolate is not run twice.
      timeoutMs: 10_000, // answer `fail` (503) rather than hold the gateway's connection; it retries
    });
    if (new URL(request.url).pathname !== '/alipay/notify') return new Response('not found', { status: 404 });
    return handler(request);
  },
};
