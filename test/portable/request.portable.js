// buildLeftAmountRequest on the docs/PROTOCOL.md §2 / §3.3 sample: exact fields and order (written out from
// the document), the body equals URLSearchParams of the fields, the canonical bytes equal iconv-lite's,
// the signature equals the independent RFC 6979 reference; gbk bodies carry iconv-lite's bytes.

import * as assert from './assert.js';
import data from './generated/params.js';
import { test } from './harness.js';
import {
  buildLeftAmountRequest,
  canonicalBytes,
  formatFen,
  formDecode,
  importPrivateKey,
  parseAmount,
  toFetchRequest,
  verifyParams,
} from './lib.js';
import { bytesToHex } from './util.js';

const sample = {
  partner: '2088101115793868',
  charset: 'utf-8',
  outerTaskId: '20111221_0011',
  outerAccountId: 'task_publisher',
  alipayUserId: '2088102113960482',
  refund: { serial: '20111221_0012_03', amount: '20.1' },
  platform: { serial: '20111221_0013_04', amount: '30.1' },
  transfers: [
    { serial: '111221_0011_10', amount: '15', alipayUserId: '2088102116203708', nickName: 'JIM' },
    { serial: '20111221_0011_11', amount: '17', alipayUserId: '2088102116203728', nickName: 'Tom' },
  ],
  notifyUrl: 'http://hudson.dll.alipay.net/tools/mnotifyreturn',
  returnUrl: 'http://hudson.dll.alipay.net/tools/return',
};
const privateKey = () => importPrivateKey(data.key.pkcs8Pem);

test('request: the document sample — fields, order, amounts, body, canonical bytes, reference signature', async () => {
  const req = await buildLeftAmountRequest({ ...sample, privateKey: privateKey() });
  const want = data.request.expectedFields;
  assert.deepEqual(Object.keys(req.fields), [...Object.keys(want), 'sign', 'sign_type']);
  for (const [k, v] of Object.entries(want)) assert.equal(req.fields[k], v, k);
  assert.equal(req.fields.sign_type, 'DSA');
  assert.equal(req.fields.sign, data.request.referenceSign);
  assert.equal(bytesToHex(canonicalBytes(req.fields)), data.request.canonicalBytes);
  assert.equal(req.totalFen, 8220n);
  assert.equal(req.method, 'POST');
  assert.equal(req.action, 'https://mapi.alipay.com/gateway.do');
  assert.equal(new TextDecoder().decode(req.body), new URLSearchParams(req.fields).toString());
  assert.deepEqual(formDecode(req.body, 'utf-8'), Object.entries(req.fields));
  assert.equal(verifyParams(req.fields, privateKey().publicKey), true);
  const r = toFetchRequest(req);
  assert.equal(r.method, 'POST');
  assert.equal(r.headers.get('content-type'), req.contentType);
  assert.equal(bytesToHex(new Uint8Array(await r.arrayBuffer())), bytesToHex(req.body));
});

test('request: gbk and gb2312 bodies carry the iconv-lite bytes of the nickname; the signature verifies', async () => {
  const n = data.request.gbkNick;
  const pct = n.gbkHex.toUpperCase().replace(/../g, '%$&');
  for (const charset of ['GBK', 'gb2312']) {
    const req = await buildLeftAmountRequest({
      ...sample,
      charset,
      refund: undefined,
      platform: undefined,
      privateKey: privateKey(),
      transfers: [{ serial: n.serial, amount: { fen: n.fen }, alipayUserId: n.alipayUserId, nickName: n.nickName }],
    });
    assert.equal(req.fields._input_charset, charset.toLowerCase());
    assert.ok(
      new TextDecoder().decode(req.body).includes(`transfer_detail=A-1%7E*%7E0.01%7E*%7E2088102116203708%7E*%7E${pct}&`),
      charset,
    );
    assert.equal(verifyParams(req.fields, privateKey().publicKey), true);
  }
});

test('request: amounts are exact; invalid input is rejected with the gateway code and field', async () => {
  assert.equal(parseAmount('20.1'), 2010n);
  assert.equal(parseAmount({ fen: 2010 }), 2010n);
  assert.equal(formatFen(parseAmount('0.1') + parseAmount('0.2')), '0.30');
  for (const bad of ['0', '-1', '1.234', '100000000.01', '1e3', 20.1, { fen: 1.5 }, null]) {
    assert.throws(
      () => parseAmount(bad, { field: 'transfer_detail', index: 2 }),
      { code: 'ILLEGAL_ARGUMENT', field: 'transfer_detail', index: 2 },
      String(bad),
    );
  }
  await assert.rejects(() => buildLeftAmountRequest({ ...sample, privateKey: privateKey(), partner: '2088' }), {
    code: 'ILLEGAL_PARTNER',
    field: 'partner',
  });
  await assert.rejects(() => buildLeftAmountRequest({ ...sample, privateKey: privateKey(), charset: 'utf8' }), {
    code: 'ILLEGAL_CHARSET',
    field: '_input_charset',
  });
  const t = (i, serial = `s${i}`) => ({ serial, amount: '1', alipayUserId: '2088102116203708', nickName: `n${i}` });
  await assert.rejects(
    () => buildLeftAmountRequest({ ...sample, privateKey: privateKey(), transfers: [t(0), t(1), t(2, 's0')] }),
    { code: 'WITKEY_OUTER_TRANSFER_REPEAT', field: 'transfer_detail', index: 2 },
  );
  await assert.rejects(
    () =>
      buildLeftAmountRequest({
        ...sample,
        privateKey: privateKey(),
        charset: 'gb2312',
        transfers: [{ ...t(0), nickName: '王喆' }],
      }),
    { code: 'ILLEGAL_CHARSET', field: 'transfer_detail', index: 0, offset: 1 },
  );
});
