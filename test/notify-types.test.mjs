// The Notification union: its types (narrowing on `kind` and `isSuccess` gives the fields the protocol
// guarantees, without `| undefined`) are proved by compiling test/types/notification-types.ts with tsc;
// the decoder's output is checked against the same field lists (test/types/notification-keys.mjs) on
// notifications signed by OpenSSL around the docs/PROTOCOL.md §6 samples and their failed forms.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNotifyHandler, decodeNotification, decodeReturn, importPublicKey, streamNotification } from 'alipay-witkey';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody, TRANSFER_XML } from './support/notify-oracle.mjs';
import { VARIANT_KEYS } from './types/notification-keys.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('types: narrowing on kind and isSuccess compiles under strict; reading what the protocol leaves out does not (tsc)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'test', 'types', 'tsconfig.json')], {
    encoding: 'utf8',
    cwd: root,
  });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

const alipay = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const sign = (xml, { charset = 'utf-8', notifyType = 'witkey_task_left_amount_handle', notifyId = 'types-1' } = {}) =>
  signedBody(notificationFields(xml, { notifyType, notifyId }), { charset, privateKey: alipay.privateKey });
const contentType = (charset) => `application/x-www-form-urlencoded; charset=${charset}`;

// The §6.1 failed request, as docs/PROTOCOL.md §6.1 writes it.
const FAILED = (code) =>
  `<?xml version="1.0" encoding="UTF-8"?><alipay><is_success>F</is_success><error>${code}</error></alipay>`;
// §6.1 of a request with neither refund nor platform share (docs/PROTOCOL.md §1: any part may be absent).
const WITHOUT_REFUND = LEFT_AMOUNT_XML('UTF-8')
  .replace(/<refund_detail>[\s\S]*?<\/refund_detail>/, '')
  .replace(/<platform_detail>[\s\S]*?<\/platform_detail>/, '');

/** The variant's field lists that `n` must match exactly, chosen by its kind and is_success. */
function assertVariant(n, variant) {
  const lists = VARIANT_KEYS[variant];
  const keys = Object.keys(n);
  for (const k of lists.required) assert.ok(k in n && n[k] !== undefined, `${variant}: ${k} is present`);
  for (const k of keys) {
    assert.ok(lists.required.includes(k) || lists.optional.includes(k), `${variant}: ${k} is a field of the type`);
    assert.notEqual(n[k], undefined, `${variant}: ${k} is not present as undefined`);
  }
  for (const k of lists.absent) assert.ok(!(k in n), `${variant}: ${k} is absent`);
}

const samples = [
  {
    what: '§6.1 GBK, T, with refund and platform share',
    body: () => sign(LEFT_AMOUNT_XML('GBK'), { charset: 'gbk' }).body,
    charset: 'GBK',
    variant: 'leftAmountHandledSuccess',
    check: (n) => {
      assert.equal(n.isSuccess, true);
      assert.equal(n.outerTaskId, '20111221_0011');
      assert.equal(n.refund.amount, '20.10');
      assert.equal(n.platform.outerTransferNo, '20111221_0012_04');
    },
  },
  {
    what: '§6.1 UTF-8, T, without refund or platform share',
    body: () => sign(WITHOUT_REFUND).body,
    charset: 'UTF-8',
    variant: 'leftAmountHandledSuccess',
    check: (n) => {
      assert.equal(n.outerTaskId, '20111221_0011');
      assert.ok(!('refund' in n) && !('platform' in n));
    },
  },
  {
    what: '§6.1, F',
    body: () => sign(FAILED('WITKEY_TASK_NOT_EXIST')).body,
    charset: 'UTF-8',
    variant: 'leftAmountHandledFailure',
    check: (n) => {
      assert.equal(n.isSuccess, false);
      assert.equal(n.error, 'WITKEY_TASK_NOT_EXIST');
      assert.deepEqual([n.successBidders, n.failBidders], [[], []]);
    },
  },
  {
    what: '§6.3, T',
    body: () => sign(TRANSFER_XML, { notifyType: 'witkey_assign_transfer' }).body,
    charset: 'UTF-8',
    variant: 'transferSuccess',
    check: (n) => {
      assert.equal(n.kind, 'assign_transfer');
      assert.equal(n.transfer.outerTransferNo, '20111221_0011_10');
      assert.equal(n.transfer.status, 'S');
    },
  },
  {
    what: '§6.2, F',
    body: () => sign(FAILED('WITKEY_DATA_NOT_MATCH'), { notifyType: 'witkey_refund_transfer' }).body,
    charset: 'UTF-8',
    variant: 'transferFailure',
    check: (n) => {
      assert.equal(n.kind, 'refund_transfer');
      assert.equal(n.error, 'WITKEY_DATA_NOT_MATCH');
    },
  },
];

for (const s of samples) {
  test(`runtime = types: ${s.what} decodes to exactly the fields of ${s.variant} (decodeNotification, streamNotification, the handler)`, async () => {
    const body = s.body();
    const n = await decodeNotification(body, { alipayPublicKey, contentType: contentType(s.charset) });
    assertVariant(n, s.variant);
    s.check(n);

    let streamed;
    for await (const ev of streamNotification(body, { alipayPublicKey, contentType: contentType(s.charset) }))
      if (ev.type === 'notification') streamed = ev.notification;
    assertVariant(streamed, s.variant);
    assert.equal(streamed.isSuccess, n.isSuccess);

    let received;
    const handler = createNotifyHandler({
      alipayPublicKey,
      onNotification: (x) => {
        received = x;
      },
    });
    const res = await handler(
      new Request('http://partner.example/notify', { method: 'POST', body, headers: { 'content-type': contentType(s.charset) } }),
    );
    assert.equal(await res.text(), 'success');
    assertVariant(received, s.variant);
    s.check(received);
  });
}

test('runtime = types: the synchronous return (decodeReturn) of a T and an F request', async () => {
  const ok = await decodeReturn(sign(WITHOUT_REFUND).text, { alipayPublicKey });
  assertVariant(ok, 'leftAmountHandledSuccess');
  assert.equal(ok.outerTaskId, '20111221_0011');
  const failed = await decodeReturn(sign(FAILED('WITKEY_TASK_NOT_EXPIRED')).text, { alipayPublicKey });
  assertVariant(failed, 'leftAmountHandledFailure');
  assert.equal(failed.error, 'WITKEY_TASK_NOT_EXPIRED');
});
