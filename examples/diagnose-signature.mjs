// Why does a signature not verify? Give the doctor the body exactly as received and every key you have:
// it verifies as the protocol says, then tries the known mistakes, and names one only if it verifies.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnoseSignature } from 'alipay-witkey/doctor';

export async function main({ body, alipayPublicKey, partnerPublicKey, contentType } = {}) {
  body ??= readFileSync(process.argv[2] ?? 'notification.txt'); // the raw urlencoded bytes, not a parsed map
  alipayPublicKey ??= readFileSync('keys/alipay_public.pem', 'utf8');
  partnerPublicKey ??= readFileSync('keys/partner_public.pem', 'utf8');
  const d = await diagnoseSignature(body, {
    publicKey: alipayPublicKey, // the key it should verify with
    otherKeys: [{ key: partnerPublicKey, label: 'your own (partner) public key' }],
    contentType, // the request's Content-Type header: its charset= is the body's (notifications have no _input_charset)
  });
  console.log(`${d.verified ? 'verified' : 'not verified'}: ${d.cause}`);
  console.log(d.message);
  if (!d.verified) console.log(`canonical string (${d.charset}): ${d.canonical}`);
  return d;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
