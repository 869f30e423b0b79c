// Sign a request in GBK and POST it. The defaults name the demo partner, task and keys of `npx witkey gateway --keys-dir keys`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formEncode, importPrivateKey, leftAmountParams, loadCharset, signParams } from 'alipay-witkey';

export async function main({
  gateway = 'http://127.0.0.1:8080/gateway.do',
  privateKey = importPrivateKey(readFileSync('keys/partner_private.pem', 'utf8')),
  notifyUrl = 'http://127.0.0.1:3000/alipay/notify',
  serial = `bid_${Date.now()}`, // unique forever: the gateway refuses a serial it has paid
} = {}) {
  await loadCharset('gbk'); // GBK loads on demand; the synchronous calls below need it
  const { params } = leftAmountParams({
    partner: '2088101115793868',
    charset: 'gbk',
    outerTaskId: 'demo_task',
    alipayUserId: '2088102113960482',
    transfers: [{ serial, amount: '15.00', alipayUserId: '2088102116203708', nickName: '天之蓝' }],
    notifyUrl,
    returnUrl: 'https://partner.example/alipay/return',
  });
  const signed = signParams(params, privateKey); // adds sign (SHA1withDSA over the GBK bytes) and sign_type
  const body = formEncode(signed, 'gbk'); // urlencoded, percent-escaped GBK bytes
  const response = await fetch(gateway, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=gbk' },
  });
  console.log(response.status, response.headers.get('location')); // 302 to return_url with signed return data
  return { signed, body, response };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
