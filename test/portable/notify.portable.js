// Inbound notifications (alipay-witkey/notify) in every runtime: decodeNotification, decodeReturn,
// streamNotification and createNotifyHandler on bodies made without the library (generated/notify.js:
// OpenSSL signatures over iconv-lite bytes). Expected values: the docs/PROTOCOL.md §6 samples.

import * as assert from './assert.js';
import data from './generated/notify.js';
import { test } from './harness.js';
import { createNotifyHandler, decodeNotification, decodeReturn, importPublicKey, streamNotification } from './lib.js';

const GBK_CT = 'application/x-www-form-urlencoded; charset=GBK';
const key = () => importPublicKey(data.alipayPublicPem);
const bytes = (s) => new TextEncoder().encode(s);
function streamOf(b, size) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < b.length) {
        c.enqueue(b.subarray(i, i + size));
        i += size;
      } else c.close();
    },
  });
}

test('notify: the §6.1 GBK sample, verified over raw bytes, typed as documented', async () => {
  const n = await decodeNotification(streamOf(bytes(data.leftGbk), 61), { alipayPublicKey: key(), contentType: GBK_CT });
  assert.equal(n.kind, 'left_amount_handled');
  assert.equal(n.notifyId, '70fec0c2730b27528665af4517c27b95');
  assert.equal(n.outerTaskId, '20111221_0011');
  assert.deepEqual(n.refund, { outerTransferNo: '20111221_0012_03', amount: '20.10', status: 'W' });
  assert.deepEqual(n.successBidders, [
    { outerTransferNo: '20111221_0011_10', amount: '15.00', alipayUserId: '2088102116203708', nickName: '天之蓝', status: 'W' },
  ]);
  assert.equal(n.failBidders[0].nickName, '喆镕');
  assert.equal(n.failBidders[0].errorCode, 'ACCOUNT_NOT_EXIST');
});

test('notify: §6.2 transfer in UTF-8; kppw dialect; forged and tampered bodies are ILLEGAL_SIGN', async () => {
  const t = await decodeNotification(data.transferUtf8, { alipayPublicKey: key() });
  assert.equal(t.kind, 'assign_transfer');
  assert.deepEqual(
    [t.transfer.alipayTransferNo, t.transfer.amount, t.transfer.feeAmount, t.transfer.status],
    ['2011122100001', '15.00', '0.15', 'S'],
  );
  const k = await decodeNotification(data.kppwGbk, { alipayPublicKey: key(), contentType: GBK_CT, dialect: 'kppw' });
  assert.equal(k.successBidders[0].nickName, '天之蓝');
  await assert.rejects(() => decodeNotification(data.forgedGbk, { alipayPublicKey: key(), contentType: GBK_CT }), {
    code: 'ILLEGAL_SIGN',
  });
  await assert.rejects(
    () => decodeNotification(data.leftGbk.replace('15.00', '95.00'), { alipayPublicKey: key(), contentType: GBK_CT }),
    { code: 'ILLEGAL_SIGN' },
  );
});

test('notify: return data by GET; streaming bidders then the verified notification', async () => {
  const r = await decodeReturn(new Request('https://partner.example/return?' + data.returnUtf8), { alipayPublicKey: key() });
  assert.equal(r.outerTaskId, '20111221_0011');
  const events = [];
  for await (const ev of streamNotification(streamOf(bytes(data.streamGbk), 97), { alipayPublicKey: key(), contentType: GBK_CT }))
    events.push(ev);
  assert.equal(events.length, 13);
  assert.equal(events[11].bidder.nickName, '天之蓝11');
  assert.equal(events[11].verified, false);
  assert.deepEqual([events[12].type, events[12].verified, events[12].counts.success], ['notification', true, 12]);
});

test('notify: the fetch-style handler answers success once processed, fail otherwise, once per notify_id', async () => {
  let calls = 0;
  let failFirst = true;
  const errors = [];
  const handler = createNotifyHandler({
    alipayPublicKey: key(),
    onError: (e) => errors.push(`${e?.code ?? ''} ${e?.message ?? e}`),
    onNotification() {
      if (failFirst) {
        failFirst = false;
        throw new Error('down');
      }
      calls++;
    },
  });
  const post = async (body) =>
    (
      await handler(new Request('https://partner.example/notify', { method: 'POST', body, headers: { 'content-type': GBK_CT } }))
    ).text();
  assert.equal(await post(data.leftGbk), 'fail');
  assert.equal(errors.length === 1 && errors[0].includes('down'), true, `onError saw: ${errors.join(' | ')}`);
  assert.equal(await post(data.leftGbk), 'success');
  assert.equal(await post(data.leftGbk), 'success');
  assert.equal(await post(data.forgedGbk), 'fail');
  assert.equal(calls, 1);
});
