// Inbound notifications: decodeNotification / decodeReturn / streamNotification /
// createNotifyHandler against bodies produced independently (OpenSSL signatures over iconv-lite
// bytes, see support/notify-oracle.mjs); expected values are the protocol document's samples.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { importPublicKey } from '../dist/esm/dsa.js';
import { WitkeyError } from '../dist/esm/index.js';
import {
  createMemoryNotifyStore,
  createNotifyHandler,
  decodeNotification,
  decodeReturn,
  notifyVerify,
  streamNotification,
} from '../dist/esm/notify.js';
import {
  LEFT_AMOUNT_XML,
  notificationFields,
  opensslKeyPair,
  percentEncode,
  signedBody,
  streamOf,
  TRANSFER_XML,
} from './support/notify-oracle.mjs';

const alipay = opensslKeyPair();
const other = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const GBK_CT = 'application/x-www-form-urlencoded; charset=GBK';

const gbkLeft = () => signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), { charset: 'gbk', privateKey: alipay.privateKey });

async function rejects(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof WitkeyError, `expected WitkeyError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('§6.1 sample in GBK: verified over the raw bytes and decoded to the documented values', async () => {
  const { body } = gbkLeft();
  const n = await decodeNotification(body, { alipayPublicKey, contentType: GBK_CT });
  assert.equal(n.kind, 'left_amount_handled');
  assert.equal(n.notifyId, '70fec0c2730b27528665af4517c27b95');
  assert.equal(n.notifyTime, '2012-06-12 10:00:00');
  assert.equal(n.notifyType, 'witkey_task_left_amount_handle');
  assert.equal(n.isSuccess, true);
  assert.equal(n.charset, 'gbk');
  assert.equal(n.outerTaskId, '20111221_0011');
  assert.deepEqual(n.refund, { outerTransferNo: '20111221_0012_03', amount: '20.10', status: 'W' });
  assert.deepEqual(n.platform, { outerTransferNo: '20111221_0012_04', amount: '1.50', status: 'W' });
  assert.deepEqual(n.successBidders, [
    { outerTransferNo: '20111221_0011_10', amount: '15.00', alipayUserId: '2088102116203708', nickName: '天之蓝', status: 'W' },
  ]);
  assert.deepEqual(n.failBidders, [
    {
      outerTransferNo: '20111221_0011_11',
      amount: '5.00',
      alipayUserId: '2088102116203709',
      nickName: '喆镕',
      status: 'F',
      errorCode: 'ACCOUNT_NOT_EXIST',
    },
  ]);
  assert.equal(n.fields.notify_id, '70fec0c2730b27528665af4517c27b95');
  assert.equal(n.xml.name, 'alipay');
});

test('§6.2 sample in UTF-8 (no XML declaration): transfer notification', async () => {
  const { body } = signedBody(notificationFields(TRANSFER_XML, { notifyType: 'witkey_assign_transfer' }), {
    privateKey: alipay.privateKey,
  });
  const n = await decodeNotification(body, { alipayPublicKey, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
  assert.equal(n.kind, 'assign_transfer');
  assert.deepEqual(n.transfer, {
    outerTaskId: '20111221_0011',
    outerTransferNo: '20111221_0011_10',
    alipayTransferNo: '2011122100001',
    subType: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
    payeeUserId: '2088102116203708',
    amount: '15.00',
    feeAmount: '0.15',
    status: 'S',
    gmtTransfer: '2011-12-21 10:00:05',
  });
});

test('each notify_type maps to its kind; an unknown one is refused after verification', async () => {
  for (const [type, kind] of [
    ['witkey_refund_transfer', 'refund_transfer'],
    ['witkey_platform_profit_transfer', 'platform_profit_transfer'],
  ]) {
    const { body } = signedBody(notificationFields(TRANSFER_XML, { notifyType: type }), { privateKey: alipay.privateKey });
    assert.equal((await decodeNotification(body, { alipayPublicKey })).kind, kind);
  }
  const { body } = signedBody(notificationFields(TRANSFER_XML, { notifyType: 'witkey_other' }), {
    privateKey: alipay.privateKey,
  });
  await rejects(decodeNotification(body, { alipayPublicKey }), 'INVALID_NOTIFICATION');
});

test('a failed request: is_success F with its error code', async () => {
  const xml =
    '<?xml version="1.0" encoding="utf-8"?><alipay><is_success>F</is_success><error>WITKEY_TASK_NOT_EXIST</error></alipay>';
  const { body } = signedBody(notificationFields(xml), { privateKey: alipay.privateKey });
  const n = await decodeNotification(body, { alipayPublicKey });
  assert.equal(n.isSuccess, false);
  assert.equal(n.error, 'WITKEY_TASK_NOT_EXIST');
  assert.deepEqual([n.successBidders, n.failBidders, n.outerTaskId], [[], [], undefined]);
});

test('kppw dialect: resultMsg with the xml= prefix (signed as received, stripped before parsing)', async () => {
  const f = notificationFields(LEFT_AMOUNT_XML('GBK'), { dataField: 'resultMsg', prefix: 'xml=' });
  const { body } = signedBody(f, { charset: 'gbk', privateKey: alipay.privateKey });
  const n = await decodeNotification(body, { alipayPublicKey, contentType: GBK_CT, dialect: 'kppw' });
  assert.equal(n.successBidders[0].nickName, '天之蓝');
  await rejects(decodeNotification(body, { alipayPublicKey, contentType: GBK_CT }), 'INVALID_NOTIFICATION'); // spec dialect: no notify_data
  const bad = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { dataField: 'resultMsg' }), {
    charset: 'gbk',
    privateKey: alipay.privateKey,
  });
  await rejects(decodeNotification(bad.body, { alipayPublicKey, contentType: GBK_CT, dialect: 'kppw' }), 'INVALID_NOTIFICATION'); // no prefix
});

test('forged, tampered, re-signed and stripped notifications are ILLEGAL_SIGN', async () => {
  const good = gbkLeft();
  // Signed by another key.
  const forged = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), { charset: 'gbk', privateKey: other.privateKey });
  await rejects(decodeNotification(forged.body, { alipayPublicKey, contentType: GBK_CT }), 'ILLEGAL_SIGN');
  // An amount changed after signing.
  const tampered = good.text.replace('15.00', '95.00');
  assert.notEqual(tampered, good.text);
  await rejects(decodeNotification(tampered, { alipayPublicKey, contentType: GBK_CT }), 'ILLEGAL_SIGN');
  // Re-encoded: the GBK nickname sent as UTF-8 bytes (what SDKs that decode and re-encode do).
  const reenc = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), {
    charset: 'gbk',
    privateKey: alipay.privateKey,
    tamper: (all) => {
      all.notify_data = new TextEncoder().encode(iconv.decode(Buffer.from(all.notify_data), 'gbk'));
    },
  });
  await rejects(decodeNotification(reenc.body, { alipayPublicKey, contentType: GBK_CT }), 'ILLEGAL_SIGN');
  // No sign, empty sign, garbage sign, non-DER sign.
  await rejects(
    decodeNotification(good.text.replace(/&sign=[^&]*/, ''), { alipayPublicKey, contentType: GBK_CT }),
    'ILLEGAL_SIGN',
  );
  await rejects(
    decodeNotification(good.text.replace(/&sign=[^&]*/, '&sign='), { alipayPublicKey, contentType: GBK_CT }),
    'ILLEGAL_SIGN',
  );
  await rejects(
    decodeNotification(good.text.replace(/&sign=[^&]*/, '&sign=AAAA'), { alipayPublicKey, contentType: GBK_CT }),
    'ILLEGAL_SIGN',
  );
  await rejects(
    decodeNotification(good.text.replace(/&sign_type=DSA/, ''), { alipayPublicKey, contentType: GBK_CT }),
    'ILLEGAL_SIGN',
  );
  await rejects(
    decodeNotification(good.text.replace(/&sign_type=DSA/, '&sign_type=RSA'), { alipayPublicKey, contentType: GBK_CT }),
    'ILLEGAL_SIGN_TYPE',
  );
  // A field added after signing (it would be part of the signed string).
  await rejects(decodeNotification(good.text + '&extra=1', { alipayPublicKey, contentType: GBK_CT }), 'ILLEGAL_SIGN');
  // Duplicated field: ambiguous, refused before anything else.
  await rejects(decodeNotification(good.text + '&notify_id=x', { alipayPublicKey, contentType: GBK_CT }), 'ILLEGAL_ARGUMENT');
});

test('field order, + versus %20 and escape case do not matter: the raw bytes are what is signed', async () => {
  const fields = notificationFields(LEFT_AMOUNT_XML('GBK'));
  const reordered = signedBody(fields, {
    charset: 'gbk',
    privateKey: alipay.privateKey,
    order: ['sign', 'notify_type', 'notify_data', 'sign_type', 'notify_time', 'notify_id'],
  });
  const a = await decodeNotification(reordered.body, { alipayPublicKey, contentType: GBK_CT });
  const b = await decodeNotification(
    reordered.text.replaceAll('+', '%20').replace(/%([0-9A-F]{2})/g, (_m, h) => '%' + h.toLowerCase()),
    { alipayPublicKey, contentType: GBK_CT },
  );
  assert.deepEqual(b.failBidders, a.failBidders);
  assert.equal(a.successBidders[0].nickName, '天之蓝');
});

test('Content-Type: its charset is used, another media type or charset is refused', async () => {
  const { body } = gbkLeft();
  await rejects(decodeNotification(body, { alipayPublicKey, contentType: 'text/plain' }), 'ILLEGAL_ARGUMENT');
  await rejects(
    decodeNotification(body, { alipayPublicKey, contentType: 'application/x-www-form-urlencoded; charset=latin1' }),
    'ILLEGAL_CHARSET',
  );
  // The GBK form decoded as UTF-8 fails on its non-XML fields? They are ASCII; the XML declares GBK: fine.
  const n = await decodeNotification(body, { alipayPublicKey, contentType: 'application/x-www-form-urlencoded' });
  assert.equal(n.successBidders[0].nickName, '天之蓝');
});

test('chunk splits at every byte offset of a GBK notification give the same result', async () => {
  const { body } = gbkLeft();
  const whole = await decodeNotification(body, { alipayPublicKey, contentType: GBK_CT });
  for (let i = 0; i <= body.length; i++) {
    const n = await decodeNotification(streamOf([body.subarray(0, i), body.subarray(i)]), {
      alipayPublicKey,
      contentType: GBK_CT,
    });
    assert.deepEqual(n, whole, `split at ${i}`);
  }
  // and one byte at a time, through an async iterable
  async function* bytes() {
    for (const b of body) yield new Uint8Array([b]);
  }
  assert.deepEqual(await decodeNotification(bytes(), { alipayPublicKey, contentType: GBK_CT }), whole);
});

test('limits: an oversized body or field is refused as it arrives', async () => {
  const { body } = gbkLeft();
  await rejects(
    decodeNotification(body, { alipayPublicKey, contentType: GBK_CT, limits: { maxBodyBytes: 100 } }),
    'FORM_LIMIT_EXCEEDED',
  );
  await rejects(decodeNotification('notify_id=' + 'a'.repeat(5000), { alipayPublicKey }), 'FORM_LIMIT_EXCEEDED');
  let pulled = 0;
  const endless = new ReadableStream({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(65536).fill(0x61));
    },
  });
  await rejects(decodeNotification(endless, { alipayPublicKey, limits: { maxBodyBytes: 1 << 20 } }), 'FORM_LIMIT_EXCEEDED');
  assert.ok(pulled <= 17, `read ${pulled} chunks of an endless body`);
});

test('hostile XML inside a correctly signed body is still refused (no DTD, limits)', async () => {
  const bomb = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><alipay><is_success>T</is_success></alipay>';
  const b1 = signedBody(notificationFields(bomb), { privateKey: alipay.privateKey });
  await rejects(decodeNotification(b1.body, { alipayPublicKey }), 'INVALID_XML');
  const deep = '<alipay>' + '<a>'.repeat(100) + '</a>'.repeat(100) + '</alipay>';
  const b2 = signedBody(notificationFields(deep), { privateKey: alipay.privateKey });
  await assert.rejects(
    decodeNotification(b2.body, { alipayPublicKey }),
    (e) => e instanceof WitkeyError && /LIMIT/.test(e.code) && e.field === 'maxDepth',
  );
});

test('return data by GET (query) and by POST decode through the same path', async () => {
  const xml = LEFT_AMOUNT_XML('UTF-8');
  const { text } = signedBody(
    { notify_data: xml, notify_type: 'witkey_task_left_amount_handle' },
    { privateKey: alipay.privateKey },
  );
  const get = await decodeReturn(new Request('https://partner.example/return?' + text), { alipayPublicKey });
  assert.equal(get.outerTaskId, '20111221_0011');
  assert.equal(get.notifyId, '');
  const post = await decodeReturn(
    new Request('https://partner.example/return', {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    }),
    { alipayPublicKey },
  );
  assert.deepEqual(post.successBidders, get.successBidders);
  await rejects(
    decodeReturn(new URL('https://partner.example/return?' + text.replace('20111221_0011', '20111221_0012')), {
      alipayPublicKey,
    }),
    'ILLEGAL_SIGN',
  );
});

test('streaming mode: each bidder as its end tag arrives, unverified, then the verified notification', async () => {
  const bidders = Array.from(
    { length: 40 },
    (_, i) =>
      `<bidder><outer_transfer_no>S${i}</outer_transfer_no><transfer_amount>${i + 1}.00</transfer_amount><alipay_user_id>20881021162037${String(i).padStart(2, '0')}</alipay_user_id><nick_name>天之蓝${i}</nick_name><transfer_status>W</transfer_status></bidder>`,
  ).join('');
  const xml = `<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success><response><task_info><outer_task_id>T1</outer_task_id><success_bidders>${bidders}</success_bidders><fail_bidders></fail_bidders></task_info></response></alipay>`;
  const { body, text } = signedBody(notificationFields(xml), {
    charset: 'gbk',
    privateKey: alipay.privateKey,
    order: ['notify_data', 'notify_id', 'notify_time', 'notify_type', 'sign_type', 'sign'],
  });
  const chunks = [];
  for (let i = 0; i < body.length; i += 97) chunks.push(body.subarray(i, i + 97));
  const events = [];
  let firstBidderAtChunk = -1;
  let pulled = 0;
  const src = new ReadableStream({
    pull(c) {
      if (pulled < chunks.length) c.enqueue(chunks[pulled++]);
      else c.close();
    },
  });
  for await (const ev of streamNotification(src, { alipayPublicKey, contentType: GBK_CT })) {
    if (ev.type === 'bidder' && firstBidderAtChunk < 0) firstBidderAtChunk = pulled;
    events.push(ev);
  }
  assert.ok(firstBidderAtChunk < chunks.length / 2, `first bidder only after ${firstBidderAtChunk} of ${chunks.length} chunks`);
  assert.equal(events.length, 41);
  assert.ok(
    events
      .slice(0, 40)
      .every(
        (e, i) =>
          e.type === 'bidder' &&
          e.verified === false &&
          e.index === i &&
          e.bidder.nickName === `天之蓝${i}` &&
          e.bidder.amount === `${i + 1}.00`,
      ),
  );
  const last = events[40];
  assert.equal(last.type, 'notification');
  assert.equal(last.verified, true);
  assert.deepEqual(last.counts, { success: 40, fail: 0 });
  assert.equal(last.notification.outerTaskId, 'T1');
  // The whole-document decoder agrees.
  const whole = await decodeNotification(body, { alipayPublicKey, contentType: GBK_CT });
  assert.deepEqual(
    whole.successBidders,
    events.slice(0, 40).map((e) => e.bidder),
  );
  // Tampered: the events come, then ILLEGAL_SIGN.
  const seen = [];
  await rejects(
    (async () => {
      for await (const ev of streamNotification(text.replace('天之蓝', '').replace('T1', 'T2'), {
        alipayPublicKey,
        contentType: GBK_CT,
      }))
        seen.push(ev);
    })(),
    'ILLEGAL_SIGN',
  );
  assert.equal(seen.length, 40);
  // A signed field sorting before the data field but arriving after it cannot be hashed in one pass.
  const late = signedBody(
    { ...notificationFields(xml), a_field: 'x' },
    {
      charset: 'gbk',
      privateKey: alipay.privateKey,
      order: ['notify_data', 'a_field', 'notify_id', 'notify_time', 'notify_type', 'sign_type', 'sign'],
    },
  );
  await rejects(
    (async () => {
      for await (const _ of streamNotification(late.body, { alipayPublicKey, contentType: GBK_CT }));
    })(),
    'ILLEGAL_ARGUMENT',
  );
  // In the gateway's order (sorted), the same body streams fine.
  const sorted = signedBody(
    { ...notificationFields(xml), a_field: 'x' },
    {
      charset: 'gbk',
      privateKey: alipay.privateKey,
      order: ['a_field', 'notify_data', 'notify_id', 'notify_time', 'notify_type', 'sign_type', 'sign'],
    },
  );
  let n = 0;
  for await (const _ev of streamNotification(sorted.body, { alipayPublicKey, contentType: GBK_CT })) n++;
  assert.equal(n, 41);
});

// ---- the handler ----

const req = (body, ct = GBK_CT) =>
  new Request('https://partner.example/notify', { method: 'POST', body, headers: { 'content-type': ct } });

test('handler: success only after onNotification resolved; fail (and a retry) when it throws', async () => {
  const { body } = gbkLeft();
  const seen = [];
  let failures = 2;
  const handler = createNotifyHandler({
    alipayPublicKey,
    async onNotification(n) {
      if (failures-- > 0) throw new Error('database down');
      seen.push(n.notifyId);
    },
  });
  for (let i = 0; i < 2; i++) {
    const r = await handler(req(body));
    assert.equal(await r.text(), 'fail');
    assert.equal(r.headers.get('x-witkey-error'), 'HANDLER_ERROR');
  }
  const ok = await handler(req(body));
  assert.equal(ok.status, 200);
  assert.deepEqual(new Uint8Array(await ok.arrayBuffer()), new TextEncoder().encode('success'));
  // Duplicates afterwards: acknowledged, not processed again.
  assert.equal(await (await handler(req(body))).text(), 'success');
  assert.deepEqual(seen, ['70fec0c2730b27528665af4517c27b95']);
});

test('handler: concurrent duplicates are processed once', async () => {
  const { body } = gbkLeft();
  let calls = 0;
  let release;
  const gate = new Promise((r) => (release = r));
  const handler = createNotifyHandler({
    alipayPublicKey,
    async onNotification() {
      calls++;
      await gate;
    },
  });
  const answers = Promise.all(Array.from({ length: 5 }, () => handler(req(body)).then((r) => r.text())));
  await new Promise((r) => setTimeout(r, 50));
  release();
  assert.deepEqual(await answers, Array(5).fill('success'));
  assert.equal(calls, 1);
});

test('handler timeoutMs: a run that hangs gets fail (503 HANDLER_TIMEOUT) and a retry; it is not run twice, and a run that fails later runs again', async () => {
  const { body } = gbkLeft();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let calls = 0;
  const releases = [];
  const signals = [];
  const errors = [];
  const handler = createNotifyHandler({
    alipayPublicKey,
    timeoutMs: 40,
    onError: (e) => errors.push(e.code),
    onNotification(_n, { signal }) {
      calls++;
      signals.push(signal);
      return new Promise((resolve, reject) => releases.push({ resolve, reject }));
    },
  });
  const t0 = Date.now();
  const first = await handler(req(body));
  assert.ok(Date.now() - t0 >= 35, 'answered after the timeout, not before');
  assert.equal(first.status, 503);
  assert.equal(first.headers.get('x-witkey-error'), 'HANDLER_TIMEOUT');
  assert.equal(await first.text(), 'fail');
  assert.equal(signals[0].aborted, true, 'the run is told that its delivery gave up');
  assert.equal(signals[0].reason.code, 'HANDLER_TIMEOUT');
  // A retry while the run still hangs: waits for it, times out too, does not start a second run.
  const dup = await handler(req(body));
  assert.equal(dup.headers.get('x-witkey-error'), 'HANDLER_TIMEOUT');
  assert.equal(calls, 1);
  // The run fails after all: the next delivery runs onNotification again, and that run completes.
  releases[0].reject(new Error('database down'));
  await sleep(1);
  const again = handler(req(body));
  await sleep(5);
  assert.equal(calls, 2);
  releases[1].resolve();
  assert.equal(await (await again).text(), 'success');
  // A run that completes after its delivery timed out is stored: the next delivery is acknowledged.
  const other = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }), {
    charset: 'gbk',
    privateKey: alipay.privateKey,
  }).body;
  const late = await handler(req(other));
  assert.equal(late.headers.get('x-witkey-error'), 'HANDLER_TIMEOUT');
  releases[2].resolve();
  await sleep(1);
  assert.equal(await (await handler(req(other))).text(), 'success');
  assert.equal(calls, 3);
  assert.deepEqual(errors, ['HANDLER_TIMEOUT', 'HANDLER_TIMEOUT', 'HANDLER_TIMEOUT']);
  // A store that hangs is bounded too, and onNotification is not reached.
  let reached = false;
  const stuck = createNotifyHandler({
    alipayPublicKey,
    timeoutMs: 30,
    store: { claim: () => new Promise(() => {}), complete: async () => {}, release: async () => {} },
    onNotification: () => {
      reached = true;
    },
  });
  const r = await stuck(req(body));
  assert.equal(r.headers.get('x-witkey-error'), 'HANDLER_TIMEOUT');
  assert.equal(reached, false);
});

test('handler: invalid bodies get fail with the reason, and never reach onNotification', async () => {
  let calls = 0;
  const errors = [];
  const handler = createNotifyHandler({
    alipayPublicKey,
    onNotification: () => {
      calls++;
    },
    onError: (e) => errors.push(e.code),
  });
  const forged = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), { charset: 'gbk', privateKey: other.privateKey });
  const r1 = await handler(req(forged.body));
  assert.deepEqual([r1.status, await r1.text(), r1.headers.get('x-witkey-error')], [403, 'fail', 'ILLEGAL_SIGN']);
  const r2 = await handler(req(new TextEncoder().encode('%zz')));
  assert.deepEqual([r2.status, await r2.text()], [400, 'fail']);
  const r3 = await handler(new Request('https://partner.example/notify'));
  assert.deepEqual([r3.status, await r3.text()], [405, 'fail']);
  assert.equal(calls, 0);
  assert.deepEqual(errors, ['ILLEGAL_SIGN', 'ILLEGAL_ARGUMENT']);
});

test('handler: a store shared across handler instances (a restart) keeps idempotency', async () => {
  const { body } = gbkLeft();
  const store = createMemoryNotifyStore();
  let calls = 0;
  const make = () =>
    createNotifyHandler({
      alipayPublicKey,
      store,
      onNotification: () => {
        calls++;
      },
    });
  assert.equal(await (await make()(req(body))).text(), 'success');
  assert.equal(await (await make()(req(body))).text(), 'success');
  assert.equal(calls, 1);
  assert.equal(store.get('70fec0c2730b27528665af4517c27b95').kind, 'left_amount_handled');
});

test('handler with notify_verify: only a true answer lets a new notification through', async () => {
  const { body } = gbkLeft();
  for (const [answer, expected] of [
    ['true', 'success'],
    ['false', 'fail'],
    ['invalid', 'fail'],
    ['maybe', 'fail'],
  ]) {
    const asked = [];
    let calls = 0;
    const handler = createNotifyHandler({
      alipayPublicKey,
      onNotification: () => {
        calls++;
      },
      verifyWithGateway: {
        partner: '2088101122136241',
        gateway: 'http://127.0.0.1:1/gateway.do',
        fetch: async (r) => {
          asked.push(new URL(r.url));
          return new Response(answer);
        },
      },
    });
    assert.equal(await (await handler(req(body))).text(), expected, answer);
    assert.equal(calls, expected === 'success' ? 1 : 0);
    assert.equal(asked[0].searchParams.get('service'), 'notify_verify');
    assert.equal(asked[0].searchParams.get('notify_id'), '70fec0c2730b27528665af4517c27b95');
  }
  await rejects(notifyVerify({ partner: '123', notifyId: 'x' }), 'ILLEGAL_ARGUMENT');
  await rejects(
    notifyVerify({ partner: '2088101122136241', notifyId: 'x', fetch: async () => new Response('nope', { status: 500 }) }),
    'SYSTEM_ERROR',
  );
});

test('options are checked when the handler is created', () => {
  assert.throws(
    () => createNotifyHandler({ alipayPublicKey: 'pem', onNotification() {} }),
    (e) => e.code === 'INVALID_KEY',
  );
  assert.throws(
    () => createNotifyHandler({ alipayPublicKey }),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'onNotification',
  );
  assert.throws(
    () => createNotifyHandler({ alipayPublicKey, onNotification() {}, dialect: 'xyz' }),
    (e) => e.code === 'INVALID_OPTION' && e.field === 'dialect',
  );
  assert.throws(
    () => createNotifyHandler({ alipayPublicKey, onNotification() {}, charset: 'latin1' }),
    (e) => e.code === 'ILLEGAL_CHARSET',
  );
  for (const timeoutMs of [0, -1, NaN, '5000', null]) {
    assert.throws(
      () => createNotifyHandler({ alipayPublicKey, onNotification() {}, timeoutMs }),
      (e) => e.code === 'INVALID_OPTION' && e.field === 'timeoutMs',
      String(timeoutMs),
    );
  }
});

// ---- fuzzing ----

test('fuzz: random bodies never crash, hang or verify', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
      try {
        await decodeNotification(bytes, { alipayPublicKey });
        return false;
      } catch (e) {
        return e instanceof WitkeyError;
      }
    }),
    { numRuns: 300 },
  );
});

test('fuzz: a mutated valid body either decodes to the same notification or is refused with a WitkeyError', async () => {
  const { body } = gbkLeft();
  const whole = await decodeNotification(body, { alipayPublicKey, contentType: GBK_CT });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.nat({ max: body.length - 1 }), to: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      async (muts) => {
        const b = body.slice();
        for (const m of muts) b[m.at] = m.to;
        try {
          const n = await decodeNotification(b, { alipayPublicKey, contentType: GBK_CT });
          assert.deepEqual(n, whole); // e.g. %3c for %3C: the same bytes
          return true;
        } catch (e) {
          return e instanceof WitkeyError;
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('percent-encoding helper sanity (test oracle): unreserved kept, others escaped', () => {
  assert.equal(percentEncode(new TextEncoder().encode('a b&=<')), 'a+b%26%3D%3C');
});

test('a verified notification lacking what §6 requires is INVALID_NOTIFICATION naming the element', async () => {
  const bidder = (inner) =>
    `<?xml version="1.0" encoding="UTF-8"?><alipay><is_success>T</is_success><response><task_info><outer_task_id>T1</outer_task_id><success_bidders><bidder>${inner}</bidder></success_bidders></task_info></response></alipay>`;
  const ok =
    '<outer_transfer_no>S1</outer_transfer_no><transfer_amount>1.00</transfer_amount><alipay_user_id>2088102116203708</alipay_user_id><nick_name>x</nick_name><transfer_status>W</transfer_status>';
  const cases = [
    [ok.replace('<nick_name>x</nick_name>', ''), 'alipay/response/task_info/success_bidders/bidder[0]/nick_name'],
    [ok + '<transfer_amount>2.00</transfer_amount>', 'alipay/response/task_info/success_bidders/bidder[0]/transfer_amount'],
    [ok.replace('1.00', '1.234'), 'alipay/response/task_info/success_bidders/bidder[0]/transfer_amount'],
    [ok.replace('2088102116203708', '123'), 'alipay/response/task_info/success_bidders/bidder[0]/alipay_user_id'],
    [ok.replace('>W<', '>X<'), 'alipay/response/task_info/success_bidders/bidder[0]/transfer_status'],
    [
      ok.replace('<nick_name>x</nick_name>', '<nick_name><b>x</b></nick_name>'),
      'alipay/response/task_info/success_bidders/bidder[0]/nick_name',
    ],
  ];
  for (const [inner, field] of cases) {
    const { body } = signedBody(notificationFields(bidder(inner)), { privateKey: alipay.privateKey });
    await assert.rejects(
      decodeNotification(body, { alipayPublicKey }),
      (e) => e.code === 'INVALID_NOTIFICATION' && e.field === field,
      field,
    );
  }
  // Unknown elements are kept, not fatal.
  const { body } = signedBody(notificationFields(bidder(ok + '<vip_level>3</vip_level>')), { privateKey: alipay.privateKey });
  const n = await decodeNotification(body, { alipayPublicKey });
  assert.deepEqual({ ...n.successBidders[0].extra }, { vip_level: '3' });
});
