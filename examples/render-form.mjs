// buildLeftAmountRequest validates, loads the charset, signs and encodes; renderForm makes the HTML form
// that the user's browser submits to the gateway (accept-charset="gbk", no inline script).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildLeftAmountRequest, importPrivateKey, renderForm } from 'alipay-witkey';

export async function main({
  gateway = 'http://127.0.0.1:8080/gateway.do',
  privateKey = importPrivateKey(readFileSync('keys/partner_private.pem', 'utf8')),
} = {}) {
  const req = await buildLeftAmountRequest({
    partner: '2088101115793868',
    privateKey,
    gateway,
    charset: 'gbk',
    outerTaskId: 'demo_task',
    alipayUserId: '2088102113960482',
    refund: { serial: `refund_${Date.now()}`, amount: '20.1' }, // "20.10" on the wire; or { fen: 2010 }
    transfers: [{ serial: `bid_${Date.now()}`, amount: { fen: 1500 }, alipayUserId: '2088102116203708', nickName: '天之蓝' }],
    notifyUrl: 'https://partner.example/alipay/notify',
    returnUrl: 'https://partner.example/alipay/return',
  });
  const html = `<!doctype html><meta charset="utf-8"><title>Pay out</title>${renderForm(req)}`;
  console.log(html); // renderForm(req, { autoSubmit: true, nonce }) adds a submitting <script>
  return { req, html };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
