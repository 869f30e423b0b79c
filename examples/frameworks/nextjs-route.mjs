// A Next.js App Router route handler (app/alipay/notify/route.js): Next passes the Web Request with its
// body unread. Hand it over as it is; never call req.formData() or req.text() first (the signature
// covers the raw bytes, and a GBK body read as text is no longer those bytes).
import { createMemoryNotifyStore, createNotifyHandler, importPublicKey } from 'alipay-witkey';

export const runtime = 'nodejs'; // or 'edge': the handler uses Web APIs only
export const dynamic = 'force-dynamic';

let handler;

export async function POST(req) {
  handler ??= createNotifyHandler({
    alipayPublicKey: importPublicKey(process.env.ALIPAY_PUBLIC_KEY),
    store: createMemoryNotifyStore(), // serverless instances do not share memory: createPostgresNotifyStore from 'alipay-witkey/stores'
    async onNotification(n) {
      // once per notify_id (the store decides); throw and the answer is `fail`, the gateway delivers again
      if (n.kind === 'assign_transfer' && n.isSuccess) console.log('paid', n.transfer.outerTransferNo, n.transfer.status);
      else console.log(n.kind, n.notifyId, n.isSuccess ? 'T' : `F ${n.error}`);
    },
  });
  return handler(req);
}
