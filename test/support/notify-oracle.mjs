// Test helper: notifications signed the way the gateway signs them, built WITHOUT this library —
// bytes from iconv-lite (GBK/GB2312) or TextEncoder (UTF-8), SHA1withDSA by OpenSSL (node:crypto),
// percent-encoding written here — so that our decoder is checked against an independent producer.
import crypto from 'node:crypto';
import iconv from 'iconv-lite';

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
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
};

/**
 * Signs `fields` (name → text) as PROTOCOL.md §4 says — sorted names, empty values and sign/sign_type
 * left out, `name=value` joined by `&`, bytes in `charset` — with OpenSSL, and returns the body.
 * `order` gives the field order in the body (default: as given, then sign_type, sign).
 */
export function signedBody(fields, { charset = 'utf-8', privateKey, order, signType = 'DSA', tamper } = {}) {
  const enc = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, encodeText(v, charset)]));
  const names = Object.keys(enc).filter((n) => n !== 'sign' && n !== 'sign_type' && enc[n].length > 0).sort();
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

/** PROTOCOL.md §6.1 sample, as the document gives it (with one fail bidder filled in). */
export const LEFT_AMOUNT_XML = (encoding) => `<?xml version="1.0" encoding="${encoding}"?>
<alipay>
  <is_success>T</is_success>
  <response>
    <task_info>
      <outer_task_id>20111221_0011</outer_task_id>
      <refund_detail>
        <outer_transfer_no>20111221_0012_03</outer_transfer_no>
        <transfer_amount>20.10</transfer_amount>
        <transfer_status>W</transfer_status>
      </refund_detail>
      <platform_detail>
        <outer_transfer_no>20111221_0012_04</outer_transfer_no>
        <transfer_amount>5.00</transfer_amount>
        <transfer_status>W</transfer_status>
      </platform_detail>
      <success_bidders>
        <bidder>
          <outer_transfer_no>20111221_0011_10</outer_transfer_no>
          <transfer_amount>15.00</transfer_amount>
          <alipay_user_id>2088102116203708</alipay_user_id>
          <nick_name>天之蓝</nick_name>
          <transfer_status>W</transfer_status>
        </bidder>
      </success_bidders>
      <fail_bidders>
        <bidder>
          <outer_transfer_no>20111221_0011_11</outer_transfer_no>
          <transfer_amount>3.50</transfer_amount>
          <alipay_user_id>2088102116203709</alipay_user_id>
          <nick_name>&lt;李四&gt; &amp; Co</nick_name>
          <transfer_status>F</transfer_status>
          <error_code>ACCOUNT_NOT_EXIST</error_code>
        </bidder>
      </fail_bidders>
    </task_info>
  </response>
</alipay>`;

/** PROTOCOL.md §6.2 sample (a bounty payment to a winner), shared with the XML tests. */
export { SAMPLE_62 as TRANSFER_XML } from './xml-docs.mjs';

/** The notification form of PROTOCOL.md §6 around an XML document. */
export function notificationFields(xml, { notifyType = 'witkey_task_left_amount_handle', notifyId = '70fec0c2730b27528665af4517c27b95', notifyTime = '2012-06-12 10:00:00', dataField = 'notify_data', prefix = '' } = {}) {
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
