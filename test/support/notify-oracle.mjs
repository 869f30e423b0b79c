// Test helper: notifications signed the way the gateway signs them, built WITHOUT this library —
// bytes from iconv-lite (GBK/GB2312) or TextEncoder (UTF-8), SHA1withDSA by OpenSSL (node:crypto),
// percent-encoding written here — so that our decoder is checked against an independent producer.
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { SAMPLE_61 } from './xml-docs.mjs';

/** A 1024/160 DSA key pair made by OpenSSL, with the public key as SPKI PEM. */
export function opensslKeyPair(modulusLength = 1024, divisorLength = 160) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('dsa', { modulusLength, divisorLength });
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) };
}

export function encodeText(text, charset) {
  if (charset === 'utf-8') return new TextEncoder().encode(text);
  const b = iconv.encode(text, charset === 'gb2312' ? 'gb2312' : 'gbk');
  if (iconv.decode(b, 'gbk') !== text) throw new Error(`test data not representable in ${charset}`);
  return new Uint8Array(b);
}

const UNRESERVED = /[A-Za-z0-9*\-._]/;
/** application/x-www-form-urlencoded of raw bytes (space as '+', as browsers and Java do). */
export function percentEncode(bytes) {
  let s = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (b < 0x80 && UNRESERVED.test(ch)) s += ch;
    else if (b === 0x20) s += '+';
    else s += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

const concat = (arrays) => {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
};

/**
 * Signs `fields` (name → text) as docs/PROTOCOL.md §4 says — sorted names, empty values and sign/sign_type
 * left out, `name=value` joined by `&`, bytes in `charset` — with OpenSSL, and returns the body.
 * `order` gives the field order in the body (default: as given, then sign_type, sign).
 */
export function signedBody(fields, { charset = 'utf-8', privateKey, order, signType = 'DSA', tamper } = {}) {
  const enc = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, encodeText(v, charset)]));
  const names = Object.keys(enc)
    .filter((n) => n !== 'sign' && n !== 'sign_type' && enc[n].length > 0)
    .sort();
  const parts = [];
  names.forEach((n, i) => {
    if (i > 0) parts.push(new Uint8Array([0x26]));
    parts.push(new TextEncoder().encode(n + '='), enc[n]);
  });
  const canonical = concat(parts);
  const sign = crypto.sign('sha1', canonical, privateKey).toString('base64');
  const all = { ...enc, sign_type: new TextEncoder().encode(signType), sign: new TextEncoder().encode(sign) };
  if (tamper) tamper(all);
  const keys = order ?? Object.keys(all);
  const body = keys.map((k) => `${k}=${percentEncode(all[k])}`).join('&');
  return { body: new TextEncoder().encode(body), text: body, canonical, sign };
}

/** docs/PROTOCOL.md §6.1 sample (the XML tests' copy, placeholders written out) with the given declared encoding. */
export const LEFT_AMOUNT_XML = (encoding) => SAMPLE_61.replace('encoding="GBK"', `encoding="${encoding}"`);

/** docs/PROTOCOL.md §6.2 sample (a bounty payment to a winner), shared with the XML tests. */
export { SAMPLE_62 as TRANSFER_XML } from './xml-docs.mjs';

/** The notification form of docs/PROTOCOL.md §6 around an XML document. */
export function notificationFields(
  xml,
  {
    notifyType = 'witkey_task_left_amount_handle',
    notifyId = '70fec0c2730b27528665af4517c27b95',
    notifyTime = '2012-06-12 10:00:00',
    dataField = 'notify_data',
    prefix = '',
  } = {},
) {
  return { notify_id: notifyId, notify_time: notifyTime, notify_type: notifyType, [dataField]: prefix + xml };
}

/** A ReadableStream over the given chunks. */
export function streamOf(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  });
}
