// The gateway simulator (src/gateway) driven with an injected clock and an injected partner
// endpoint: requests built by buildLeftAmountRequest or signed by OpenSSL, answers checked with
// independent oracles (OpenSSL over the raw received bytes, iconv-lite, fast-xml-parser).

import assert from 'node:assert/strict';
import test from 'node:test';
import iconv from 'iconv-lite';
import { createGateway } from '../dist/esm/gateway.js';
import { buildLeftAmountRequest, toFetchRequest } from '../dist/esm/index.js';
import { NOTIFY_TYPES } from '../dist/esm/notify.js';
import {
  B1,
  B2,
  B3,
  baseConfig,
  clock,
  drain,
  fieldBytes,
  ic,
  notificationXml,
  opensslSignedBody,
  opensslVerifiesRaw,
  PARTNER,
  PUBLISHER,
  parseUrlencoded,
  partnerEndpoint,
  partnerKeys,
  sampleInput,
  simulatorKeys,
  T0,
  UNKNOWN,
} from './support/gateway-fixtures.mjs';

const MIN = 60_000;

/** An answer function failing the first `n` attempts of every notification, then `success`. */
const failFirst = (n, failure = 'fail') => {
  const seen = new Map();
  return (rec) => {
    const id = rec.field('notify_id');
    seen.set(id, (seen.get(id) ?? 0) + 1);
    return seen.get(id) <= n ? failure : 'success';
  };
};

function setup(over = {}, answer) {
  const c = clock();
  const partner = partnerEndpoint(c, answer);
  const gw = createGateway(baseConfig({ now: c.now, fetch: partner.fetch, ...over }));
  return { c, partner, gw };
}

async function send(gw, input) {
  const req = await buildLeftAmountRequest(input);
  return gw.fetch(toFetchRequest(req));
}

const post = (gw, body, cs = 'utf-8') =>
  gw.fetch(
    new Request('http://gateway.test/gateway.do', {
      method: 'POST',
      headers: { 'content-type': `application/x-www-form-urlencoded; charset=${cs}` },
      body,
    }),
  );

/** The return data from a 302 Location: raw pairs of its query. */
function returnPairs(res) {
  assert.equal(res.status, 302);
  const loc = res.headers.get('location');
  assert.ok(loc.startsWith('http://partner.test/return?'), loc);
  return parseUrlencoded(loc.slice(loc.indexOf('?') + 1));
}

const bidder = (serial, amount, id, nick, status, errorCode) => ({
  outer_transfer_no: serial,
  transfer_amount: amount,
  alipay_user_id: id,
  nick_name: nick,
  transfer_status: status,
  ...(errorCode && { error_code: errorCode }),
});

const expectedTaskInfo = {
  alipay: {
    is_success: 'T',
    response: {
      task_info: {
        outer_task_id: 'T1',
        refund_detail: { outer_transfer_no: 'r_01', transfer_amount: '20.10', transfer_status: 'W' },
        platform_detail: { outer_transfer_no: 'p_01', transfer_amount: '30.10', transfer_status: 'W' },
        success_bidders: {
          bidder: [bidder('s_01', '15.00', B1, '天之蓝', 'W'), bidder('s_03', '12.34', B3, 'Tom & <Jerry>', 'W')],
        },
        fail_bidders: { bidder: [bidder('s_02', '17.00', B2, '红彤彤', 'F', 'ACCOUNT_QUERY_ERROR')] },
      },
    },
  },
};

for (const cs of ['utf-8', 'gbk', 'gb2312']) {
  test(`happy path in ${cs}: signed return, four notification kinds, fees, settlement order, SMS`, async () => {
    const { c, partner, gw } = setup();
    const res = await send(gw, sampleInput({ charset: cs }));
    const ret = returnPairs(res);
    assert.ok(opensslVerifiesRaw(ret, simulatorKeys.nodePublic), 'return data verifies with OpenSSL over raw bytes');
    assert.equal(fieldBytes(ret, 'notify_type').toString(), 'witkey_task_left_amount_handle');
    assert.equal(fieldBytes(ret, 'notify_time').toString(), '2012-06-12 10:00:00');
    const retXml = notificationXml(ret, cs);
    assert.equal(retXml.encoding, { 'utf-8': 'UTF-8', gbk: 'GBK', gb2312: 'GB2312' }[cs]);
    assert.deepEqual(retXml.doc, expectedTaskInfo);

    await drain(gw, c);
    const got = partner.got;
    assert.deepEqual(
      got.map((g) => g.field('notify_type')),
      [
        'witkey_task_left_amount_handle',
        'witkey_refund_transfer',
        'witkey_platform_profit_transfer',
        'witkey_assign_transfer',
        'witkey_assign_transfer',
        'witkey_platform_profit_transfer',
        'witkey_platform_profit_transfer',
      ],
    );
    for (const g of got) {
      assert.equal(g.method, 'POST');
      assert.equal(g.url, 'http://partner.test/notify');
      assert.equal(g.contentType, `application/x-www-form-urlencoded; charset=${cs}`);
      assert.ok(opensslVerifiesRaw(g.pairs, simulatorKeys.nodePublic), `${g.field('notify_type')} verifies`);
      assert.match(g.field('notify_id'), /^[0-9a-f]{32}$/);
      assert.equal(notificationXml(g.pairs, cs).encoding, { 'utf-8': 'UTF-8', gbk: 'GBK', gb2312: 'GB2312' }[cs]);
    }
    assert.equal(new Set(got.map((g) => g.field('notify_id'))).size, got.length, 'notify_id unique');
    assert.notEqual(got[0].field('notify_id'), fieldBytes(ret, 'notify_id').toString(), 'the return has its own notify_id');
    assert.deepEqual(notificationXml(got[0].pairs, cs).doc, expectedTaskInfo);
    assert.equal(got[0].at, T0);

    const docs = got.slice(1).map((g) => notificationXml(g.pairs, cs).doc.alipay.response.transfer);
    const settled = '2012-06-12 10:00:05';
    const profitTime = '2012-06-12 10:00:10';
    const common = { outer_task_id: 'T1', transfer_status: 'S', error_code: '' };
    const strip = ({ alipay_transfer_no, ...rest }) => rest;
    // Fees: Alipay 1 % (half up, at least 0.01), the partner's service fee 10 % of each bounty.
    assert.deepEqual(docs.map(strip), [
      {
        ...common,
        outer_transfer_no: 'r_01',
        payee_user_id: PUBLISHER,
        transfer_amount: '20.10',
        fee_amount: '0.00',
        gmt_transfer: settled,
      },
      {
        ...common,
        outer_transfer_no: 'p_01',
        sub_type: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
        payee_user_id: PARTNER,
        transfer_amount: '30.10',
        fee_amount: '0.30',
        gmt_transfer: settled,
      },
      {
        ...common,
        outer_transfer_no: 's_01',
        sub_type: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
        payee_user_id: B1,
        transfer_amount: '15.00',
        fee_amount: '0.15',
        gmt_transfer: settled,
      },
      {
        ...common,
        outer_transfer_no: 's_03',
        sub_type: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
        payee_user_id: B3,
        transfer_amount: '12.34',
        fee_amount: '0.12',
        gmt_transfer: settled,
      },
      {
        ...common,
        outer_transfer_no: 's_01',
        sub_type: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
        payee_user_id: PARTNER,
        transfer_amount: '1.50',
        fee_amount: '0.02',
        gmt_transfer: profitTime,
      },
      {
        ...common,
        outer_transfer_no: 's_03',
        sub_type: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
        payee_user_id: PARTNER,
        transfer_amount: '1.23',
        fee_amount: '0.01',
        gmt_transfer: profitTime,
      },
    ]);
    // Element order of §6.2–6.4 (refunds have no sub_type).
    assert.match(
      notificationXml(got[3].pairs, cs).text,
      /<transfer><outer_task_id>T1<\/outer_task_id><outer_transfer_no>s_01<\/outer_transfer_no><alipay_transfer_no>\d+<\/alipay_transfer_no><sub_type>ASSIGN_FOR_IMMEDIATE_PAYMENT<\/sub_type><payee_user_id>\d+<\/payee_user_id><transfer_amount>15\.00<\/transfer_amount><fee_amount>0\.15<\/fee_amount><transfer_status>S<\/transfer_status><error_code\/><gmt_transfer>/,
    );
    assert.equal(new Set(docs.map((d) => d.alipay_transfer_no)).size, 6);

    const s = await gw.inspect();
    assert.deepEqual(
      s.tasks.find((t) => t.outerTaskId === 'T1'),
      {
        outerTaskId: 'T1',
        partner: PARTNER,
        publisher: PUBLISHER,
        frozen: '200.00',
        paid: '77.54',
        remaining: '122.46',
        expiresAt: new Date(T0 - 86_400_000).toISOString(),
      },
    );
    const bal = Object.fromEntries(s.balances.map((b) => [b.account, b.amount]));
    // 15.00 − 1.50 − 0.15; 12.34 − 1.23 − 0.12; 30.10 − 0.30 + 1.50 − 0.02 + 1.23 − 0.01
    assert.deepEqual(bal, { [PUBLISHER]: '20.10', [PARTNER]: '32.50', [B1]: '13.35', [B3]: '10.99', alipay: '0.60' });
    assert.equal(s.sms.length, 1);
    assert.equal(s.sms[0].to, PUBLISHER);
    assert.equal(
      s.sms[0].text,
      '【支付宝】您发布的任务T1剩余赏金已处理：退还您20.10元；平台划拨30.10元；向2位中标者支付赏金27.34元；1位中标者账户异常，未支付17.00元。',
    );
    assert.equal(s.attempts.length, 7);
    assert.ok(s.attempts.every((a) => a.outcome === 'success' && a.status === 200 && a.body === 'success'));
    assert.equal(await gw.pending(), 0);
  });
}

test('a bounty whose payment fails at settlement gets no platform-profit notification; the money stays in the task', async () => {
  const { c, partner, gw } = setup({ accounts: [PUBLISHER, { id: B1, settleError: 'PAYEE_ACCOUNT_FROZEN' }, B3] });
  await send(
    gw,
    sampleInput({
      refund: undefined,
      platform: undefined,
      transfers: [
        { serial: 's_01', amount: '15', alipayUserId: B1, nickName: 'a' },
        { serial: 's_03', amount: '10', alipayUserId: B3, nickName: 'b' },
      ],
    }),
  );
  await drain(gw, c);
  const docs = partner.got
    .slice(1)
    .map((g) => [g.field('notify_type'), notificationXml(g.pairs, 'utf-8').doc.alipay.response.transfer]);
  assert.deepEqual(
    docs.map(([t, d]) => [t, d.outer_transfer_no, d.transfer_status, d.error_code]),
    [
      ['witkey_assign_transfer', 's_01', 'F', 'PAYEE_ACCOUNT_FROZEN'],
      ['witkey_assign_transfer', 's_03', 'S', ''],
      ['witkey_platform_profit_transfer', 's_03', 'S', ''],
    ],
  );
  const s = await gw.inspect();
  assert.equal(s.tasks.find((t) => t.outerTaskId === 'T1').remaining, '190.00');
});

test('kppw dialect: detail separators ~*@^ / *@|$ in, resultMsg=xml=… out', async () => {
  const { c, partner, gw } = setup({ partners: { [PARTNER]: { publicKey: partnerKeys.publicPem, dialect: 'kppw' } } });
  const res = await send(gw, sampleInput({ charset: 'gbk', dialect: 'kppw' }));
  const ret = returnPairs(res);
  assert.equal(fieldBytes(ret, 'notify_data'), undefined);
  assert.ok(opensslVerifiesRaw(ret, simulatorKeys.nodePublic));
  assert.deepEqual(notificationXml(ret, 'gbk', 'kppw').doc, expectedTaskInfo);
  await drain(gw, c);
  assert.equal(partner.got.length, 7);
  for (const g of partner.got) assert.ok(opensslVerifiesRaw(g.pairs, simulatorKeys.nodePublic));
  assert.equal(notificationXml(partner.got[1].pairs, 'gbk', 'kppw').doc.alipay.response.transfer.outer_transfer_no, 'r_01');
});

test('spec partner given kppw separators: the records do not split, ILLEGAL_ARGUMENT page', async () => {
  const { gw } = setup();
  const res = await send(gw, sampleInput({ dialect: 'kppw' }));
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-witkey-error'), 'ILLEGAL_ARGUMENT');
});

test('the document sample form (amounts 20.1 / 30.1, transfers by OpenSSL-signed hand-built body) is accepted', async () => {
  const { gw } = setup();
  const fields = {
    service: 'alipay.witkey.task.left.amount.handle',
    partner: PARTNER,
    _input_charset: 'utf-8',
    outer_task_id: 'T1',
    outer_account_id: 'task_publisher',
    refund_detail: '20111221_0012_03~*~20.1',
    platform_detail: '20111221_0013_04~*~30.1',
    transfer_detail: '111221_0011_10~*~15~*~2088102116203708~*~JIM*~*~$20111221_0011_11~*~17~*~2088102116208991~*~Tom',
    notify_url: 'http://partner.test/notify',
    return_url: 'http://partner.test/return',
    alipay_user_id: PUBLISHER,
  };
  const ret = returnPairs(await post(gw, opensslSignedBody(fields, 'utf-8')));
  const info = notificationXml(ret, 'utf-8').doc.alipay.response.task_info;
  assert.equal(info.refund_detail.transfer_amount, '20.10');
  assert.deepEqual(
    info.success_bidders.bidder.map((b) => [b.outer_transfer_no, b.transfer_amount]),
    [
      ['111221_0011_10', '15.00'],
      ['20111221_0011_11', '17.00'],
    ],
  );
});

// ---- business rules: signed is_success=F return and notification --------------------------------

async function rejection(over, input, expected, setupOver = {}) {
  const { c, partner, gw } = setup(setupOver);
  for (const pre of over.before ?? []) {
    await send(gw, pre);
    await drain(gw, c);
  }
  const before = partner.got.length;
  const res = input.raw ? await post(gw, input.raw) : await send(gw, input);
  const ret = returnPairs(res);
  assert.ok(opensslVerifiesRaw(ret, simulatorKeys.nodePublic));
  assert.deepEqual(notificationXml(ret, 'utf-8').doc, { alipay: { is_success: 'F', error: expected } });
  await drain(gw, c);
  const after = partner.got.slice(before);
  assert.equal(after.length, 1, 'one failure notification');
  assert.deepEqual(notificationXml(after[0].pairs, 'utf-8').doc, { alipay: { is_success: 'F', error: expected } });
  const s = await gw.inspect();
  assert.equal(s.requests.at(-1).error, expected);
  return { gw, s };
}

test('WITKEY_TASK_NOT_EXIST: unknown task, or a task of another partner', async () => {
  await rejection({}, sampleInput({ outerTaskId: 'NOPE' }), 'WITKEY_TASK_NOT_EXIST');
  const other = '2088101115790000';
  await rejection({}, sampleInput(), 'WITKEY_TASK_NOT_EXIST', {
    tasks: [{ outerTaskId: 'T1', partner: other, publisher: PUBLISHER, frozen: '200.00', expiresAt: 0 }],
    partners: { [PARTNER]: { publicKey: partnerKeys.publicPem }, [other]: { publicKey: partnerKeys.publicPem } },
  });
});

test('WITKEY_TASK_NOT_EXPIRED: the leftover is handled only after expiry', async () => {
  const { s } = await rejection(
    {},
    sampleInput({
      outerTaskId: 'T_OPEN',
      outerAccountId: undefined,
      refund: { serial: 'x1', amount: '1' },
      platform: undefined,
      transfers: undefined,
    }),
    'WITKEY_TASK_NOT_EXPIRED',
  );
  assert.equal(s.tasks.find((t) => t.outerTaskId === 'T_OPEN').paid, '0.00');
  assert.equal(s.sms.length, 0);
});

test('WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH: one fen more than is left', async () => {
  // 200.00 frozen; 30.10 + 15 + 17 + 12.34 = 74.44 besides the refund, so a refund of 125.57 exceeds it by 0.01.
  await rejection({}, sampleInput({ refund: { serial: 'r_01', amount: '125.57' } }), 'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH');
  const { gw } = setup({ requireExactTotal: true });
  const ret = returnPairs(await send(gw, sampleInput({ refund: { serial: 'r_01', amount: '125.56' } })));
  assert.equal(
    notificationXml(ret, 'utf-8').doc.alipay.is_success,
    'T',
    'exactly the remaining amount is fine, even when the whole must be handled',
  );
});

test('REMAINS_OF_TASK_AMOUNT_FOUND when the whole leftover must be handled', async () => {
  await rejection({}, sampleInput(), 'REMAINS_OF_TASK_AMOUNT_FOUND', { requireExactTotal: true });
});

test('WITKEY_OUTER_TRANSFER_ALREADY_PAID: a serial from the config, and one from an earlier request', async () => {
  await rejection({}, sampleInput({ platform: { serial: 'old_serial', amount: '1' } }), 'WITKEY_OUTER_TRANSFER_ALREADY_PAID');
  const first = sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined });
  await rejection(
    { before: [first] },
    sampleInput({ refund: undefined, platform: { serial: 'a_1', amount: '1' }, transfers: undefined }),
    'WITKEY_OUTER_TRANSFER_ALREADY_PAID',
  );
});

test('WITKEY_OUTER_TRANSFER_REPEAT: the same serial twice in one request (hand-built, OpenSSL-signed)', async () => {
  const fields = {
    service: 'alipay.witkey.task.left.amount.handle',
    partner: PARTNER,
    _input_charset: 'utf-8',
    outer_task_id: 'T1',
    alipay_user_id: PUBLISHER,
    refund_detail: 'dup~*~1.00',
    platform_detail: 'dup~*~2.00',
    notify_url: 'http://partner.test/notify',
    return_url: 'http://partner.test/return',
  };
  await rejection({}, { raw: opensslSignedBody(fields, 'utf-8') }, 'WITKEY_OUTER_TRANSFER_REPEAT');
});

test('BIDDER_EQUALS_TASK_CREATOR_ERROR: the publisher cannot be a winning bidder', async () => {
  await rejection(
    {},
    sampleInput({ transfers: [{ serial: 's_9', amount: '1', alipayUserId: PUBLISHER, nickName: 'me' }] }),
    'BIDDER_EQUALS_TASK_CREATOR_ERROR',
  );
});

test('WITKEY_DATA_NOT_MATCH: alipay_user_id or outer_account_id not the task publisher', async () => {
  await rejection({}, sampleInput({ alipayUserId: B1 }), 'WITKEY_DATA_NOT_MATCH');
  await rejection({}, sampleInput({ outerAccountId: 'someone_else' }), 'WITKEY_DATA_NOT_MATCH');
});

test("NOT_DONE_OF_TRANSFER_FOUND: a second request while the first one's transfers are unsettled", async () => {
  const { c, gw } = setup();
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  const ret = returnPairs(
    await send(gw, sampleInput({ refund: { serial: 'a_2', amount: '1' }, platform: undefined, transfers: undefined })),
  );
  assert.deepEqual(notificationXml(ret, 'utf-8').doc, { alipay: { is_success: 'F', error: 'NOT_DONE_OF_TRANSFER_FOUND' } });
  await drain(gw, c);
  const ok = returnPairs(
    await send(gw, sampleInput({ refund: { serial: 'a_3', amount: '1' }, platform: undefined, transfers: undefined })),
  );
  assert.equal(notificationXml(ok, 'utf-8').doc.alipay.is_success, 'T');
});

test('accounts: an unknown bidder goes to fail_bidders with ACCOUNT_NOT_EXIST, abnormal with its code; the rest is paid', async () => {
  const { gw } = setup({ accounts: [PUBLISHER, B1, { id: B2, abnormal: 'ACCOUNT_FROZEN' }] });
  const ret = returnPairs(
    await send(
      gw,
      sampleInput({
        transfers: [
          { serial: 's_1', amount: '1', alipayUserId: B1, nickName: 'a' },
          { serial: 's_2', amount: '2', alipayUserId: B2, nickName: 'b' },
          { serial: 's_3', amount: '3', alipayUserId: UNKNOWN, nickName: 'c' },
        ],
      }),
    ),
  );
  const info = notificationXml(ret, 'utf-8').doc.alipay.response.task_info;
  assert.deepEqual(
    info.success_bidders.bidder.map((b) => b.outer_transfer_no),
    ['s_1'],
  );
  assert.deepEqual(
    info.fail_bidders.bidder.map((b) => [b.outer_transfer_no, b.error_code, b.transfer_status]),
    [
      ['s_2', 'ACCOUNT_FROZEN', 'F'],
      ['s_3', 'ACCOUNT_NOT_EXIST', 'F'],
    ],
  );
  const s = await gw.inspect();
  assert.equal(s.tasks.find((t) => t.outerTaskId === 'T1').paid, '51.20', '20.10 + 30.10 + 1.00: failed bidders are not paid');
});

// ---- gateway checks: HTML error pages ------------------------------------------------------------

async function pageError(res, code, status = 400) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('x-witkey-error'), code);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const body = await res.text();
  assert.match(body, new RegExp(`<strong id="error-code">${code}</strong>`));
}

const goodFields = (over = {}) => ({
  service: 'alipay.witkey.task.left.amount.handle',
  partner: PARTNER,
  _input_charset: 'gbk',
  outer_task_id: 'T1',
  alipay_user_id: PUBLISHER,
  transfer_detail: 's_1~*~15.00~*~2088102116203708~*~天之蓝',
  notify_url: 'http://partner.test/notify',
  return_url: 'http://partner.test/return',
  ...over,
});

test('ILLEGAL_SIGN: a changed amount, a changed charset of the same text, a signature by another key, garbage', async () => {
  const { gw, partner } = setup();
  const body = opensslSignedBody(goodFields(), 'gbk');
  assert.equal((await post(gw, body, 'gbk')).status, 302, 'control: the untouched body is accepted');
  const gw2 = setup().gw;
  await pageError(await post(gw2, body.replace('15.00', '16.00'), 'gbk'), 'ILLEGAL_SIGN');
  // The same characters encoded in UTF-8 but declared gbk: the bytes differ from what was signed.
  const { sign } = Object.fromEntries(parseUrlencoded(body).map(([n, v]) => [n.toString(), v.toString('latin1')]));
  const { urlencode } = await import('./support/gateway-fixtures.mjs');
  const utf8Body = urlencode({ ...goodFields(), sign, sign_type: 'DSA' }, 'utf-8');
  await pageError(await post(gw2, utf8Body, 'gbk'), 'ILLEGAL_SIGN');
  await pageError(await post(gw2, opensslSignedBody(goodFields(), 'gbk', simulatorKeys.nodePrivate), 'gbk'), 'ILLEGAL_SIGN');
  await pageError(await post(gw2, body.replace(/sign=[^&]+/, 'sign=AAAA'), 'gbk'), 'ILLEGAL_SIGN');
  await pageError(await post(gw2, body.replace(/sign=[^&]+/, 'sign=not+base64!'), 'gbk'), 'ILLEGAL_SIGN');
  assert.equal(partner.got.length, 0);
  assert.equal((await gw2.inspect()).requests.length, 0, 'rejected pages never reach the business rules');
});

test('ILLEGAL_PARTNER, ILLEGAL_SERVICE, ILLEGAL_SIGN_TYPE, ILLEGAL_CHARSET, ILLEGAL_ARGUMENT, HAS_NO_PUBLICKEY, HAS_NO_PRIVILEGE', async () => {
  const other = '2088101115790000';
  const third = '2088101115790001';
  const { gw } = setup({
    partners: {
      [PARTNER]: { publicKey: partnerKeys.publicPem, charsets: ['gbk', 'utf-8'] },
      [other]: {},
      [third]: { publicKey: partnerKeys.publicPem, services: ['some.other.service'] },
    },
  });
  await pageError(
    await post(gw, opensslSignedBody(goodFields({ partner: '2088999999999999' }), 'gbk'), 'gbk'),
    'ILLEGAL_PARTNER',
  );
  await pageError(await post(gw, opensslSignedBody(goodFields({ partner: '' }), 'gbk'), 'gbk'), 'ILLEGAL_PARTNER');
  await pageError(
    await post(gw, opensslSignedBody(goodFields({ service: 'alipay.witkey.task.create' }), 'gbk'), 'gbk'),
    'ILLEGAL_SERVICE',
  );
  await pageError(
    await post(gw, opensslSignedBody(goodFields(), 'gbk', undefined, { sign_type: 'dsa' }), 'gbk'),
    'ILLEGAL_SIGN_TYPE',
  );
  await pageError(
    await post(gw, opensslSignedBody(goodFields(), 'gbk', undefined, { sign_type: 'RSA' }), 'gbk'),
    'ILLEGAL_SIGN_TYPE',
  );
  await pageError(await post(gw, opensslSignedBody(goodFields({ _input_charset: 'big5' }), 'gbk'), 'gbk'), 'ILLEGAL_CHARSET');
  await pageError(
    await post(
      gw,
      opensslSignedBody(
        goodFields({ _input_charset: 'gb2312', transfer_detail: 's_1~*~15.00~*~2088102116203708~*~Tom' }),
        'gb2312',
      ),
      'gb2312',
    ),
    'ILLEGAL_CHARSET',
  );
  await pageError(await post(gw, opensslSignedBody(goodFields({ notify_url: '' }), 'gbk'), 'gbk'), 'ILLEGAL_ARGUMENT');
  await pageError(
    await post(gw, opensslSignedBody(goodFields({ transfer_detail: 's_1~*~15.001~*~2088102116203708~*~a' }), 'gbk'), 'gbk'),
    'ILLEGAL_ARGUMENT',
  );
  await pageError(
    await post(gw, opensslSignedBody(goodFields({ notify_url: 'http://partner.test/n?x=1' }), 'gbk'), 'gbk'),
    'ILLEGAL_ARGUMENT',
  );
  await pageError(await post(gw, 'service=a&service=b', 'gbk'), 'ILLEGAL_ARGUMENT');
  await pageError(await post(gw, 'service=%ZZ', 'gbk'), 'ILLEGAL_ARGUMENT');
  await pageError(await post(gw, opensslSignedBody(goodFields({ partner: other }), 'gbk'), 'gbk'), 'HAS_NO_PUBLICKEY');
  await pageError(await post(gw, opensslSignedBody(goodFields({ partner: third }), 'gbk'), 'gbk'), 'HAS_NO_PRIVILEGE');
  const multipart = await gw.fetch(
    new Request('http://gateway.test/gateway.do', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x--',
    }),
  );
  await pageError(multipart, 'ILLEGAL_ARGUMENT');
});

test('a signed GBK body with bytes that are not GBK (0xFF) is ILLEGAL_CHARSET even though the signature holds', async () => {
  const { gw } = setup();
  const fields = goodFields({ transfer_detail: 's_1~*~15.00~*~2088102116203708~*~X' });
  const crypto = await import('node:crypto');
  // transfer_detail sorts last, so the canonical string ends with its nickname "X": sign it with 0xFF there.
  const canon = Buffer.from(
    Object.keys(fields)
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&'),
    'latin1',
  );
  assert.equal(canon.at(-1), 0x58);
  canon[canon.length - 1] = 0xff;
  const sign = crypto.sign('sha1', canon, { key: partnerKeys.nodePrivate, dsaEncoding: 'der' }).toString('base64');
  const body = opensslSignedBody(fields, 'gbk')
    .replace(/sign=[^&]+/, `sign=${encodeURIComponent(sign)}`)
    .replace('%7E*%7EX', '%7E*%7E%FF');
  assert.match(body, /%FF/);
  await pageError(await post(gw, body, 'gbk'), 'ILLEGAL_CHARSET');
});

test('GET gateway.do with the form in the query is accepted too; other methods get 405', async () => {
  const { gw } = setup();
  const res = await gw.fetch(new Request(`http://gateway.test/gateway.do?${opensslSignedBody(goodFields(), 'gbk')}`));
  assert.equal(res.status, 302);
  assert.equal((await gw.fetch(new Request('http://gateway.test/gateway.do', { method: 'PUT', body: 'x' }))).status, 405);
  assert.equal((await gw.fetch(new Request('http://gateway.test/nothing'))).status, 404);
});

test('fault: error — a forced SYSTEM_ERROR page, then a forced business error, then normal again', async () => {
  const { gw } = setup({
    faults: [
      { action: 'error', code: 'SYSTEM_ERROR' },
      { action: 'error', code: 'WITKEY_DATA_VALIDATE_FAILURE' },
    ],
  });
  await pageError(await send(gw, sampleInput()), 'SYSTEM_ERROR', 500);
  const ret = returnPairs(await send(gw, sampleInput()));
  assert.deepEqual(notificationXml(ret, 'utf-8').doc, { alipay: { is_success: 'F', error: 'WITKEY_DATA_VALIDATE_FAILURE' } });
  const ok = returnPairs(await send(gw, sampleInput()));
  assert.equal(notificationXml(ok, 'utf-8').doc.alipay.is_success, 'T');
});

// ---- return form mode -----------------------------------------------------------------------------

test('returnMode form: a POST form to return_url in the request charset, no inline script, the script served by the gateway', async () => {
  const { gw } = setup({ returnMode: 'form' });
  const res = await send(gw, sampleInput({ charset: 'gbk' }));
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(
    html,
    /<form id="witkey-return" data-witkey-autosubmit action="http:\/\/partner\.test\/return" method="post" accept-charset="gbk">/,
  );
  assert.match(html, /<script src="witkey-autosubmit\.js"><\/script>/);
  assert.doesNotMatch(html, /<script>|<script [^s]|\son\w+=/, 'no inline script or handler');
  const values = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1],
      m[2]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    ]),
  );
  assert.deepEqual(Object.keys(values), ['notify_id', 'notify_time', 'notify_type', 'notify_data', 'sign', 'sign_type']);
  // What the browser would send: the fields encoded in GBK (iconv-lite), then checked by OpenSSL.
  const pairs = Object.entries(values).map(([k, v]) => [Buffer.from(k), iconv.encode(v, 'gbk')]);
  assert.ok(opensslVerifiesRaw(pairs, simulatorKeys.nodePublic));
  const js = await gw.fetch(new Request('http://gateway.test/witkey-autosubmit.js'));
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.match(await js.text(), /data-witkey-autosubmit/);
});

// ---- delivery: retries, schedule, faults -------------------------------------------------------

test('retry schedule: a partner failing 3 times then answering success; attempts 4m, 10m, 10m apart', async () => {
  const { c, partner, gw } = setup({}, failFirst(3));
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await drain(gw, c);
  const first = partner.got.filter((g) => g.field('notify_type') === NOTIFY_TYPES.left_amount_handled);
  assert.deepEqual(
    first.map((g) => g.at - T0),
    [0, 4 * MIN, 14 * MIN, 24 * MIN],
  );
  assert.equal(new Set(first.map((g) => g.body)).size, 1, 'every retry sends the same bytes');
  const s = await gw.inspect();
  const attempts = s.attempts.filter((a) => a.notifyId === first[0].field('notify_id'));
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.outcome, a.body]),
    [
      [1, 'failed', 'fail'],
      [2, 'failed', 'fail'],
      [3, 'failed', 'fail'],
      [4, 'success', 'success'],
    ],
  );
});

test('retry schedule: 1 + 7 attempts at 4m, 10m, 10m, 1h, 2h, 6h, 15h, then given up; a body other than exactly "success" fails', async () => {
  // Near misses of the 7 bytes "success", an empty 503, other words: none acknowledges.
  const answers = ['success ', 'SUCCESS', 'success\n', ' success', 'fail', new Response('', { status: 503 }), 'ok', 'succes'];
  const { c, partner, gw } = setup({}, (_rec, n) => answers[(n - 1) % answers.length]);
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await drain(gw, c);
  const first = partner.got.filter((g) => g.field('notify_type') === NOTIFY_TYPES.left_amount_handled);
  const gaps = first.slice(1).map((g, i) => (g.at - first[i].at) / MIN);
  assert.deepEqual(gaps, [4, 10, 10, 60, 120, 360, 900]);
  const s = await gw.inspect();
  const n = s.notifications.find((x) => x.notifyId === first[0].field('notify_id'));
  assert.equal(n.status, 'failed');
  assert.equal(n.attempts, 8);
  // notify_verify: genuine and never acknowledged → true
  const v = await gw.fetch(
    new Request(`http://gateway.test/gateway.do?service=notify_verify&partner=${PARTNER}&notify_id=${n.notifyId}`),
  );
  assert.equal(await v.text(), 'true');
});

test('timeScale 0.001 scales the schedule: retries 240 ms, 600 ms apart', async () => {
  const { c, partner, gw } = setup({ timeScale: 0.001 }, failFirst(2, 'no'));
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await drain(gw, c);
  const first = partner.got.filter((g) => g.field('notify_type') === NOTIFY_TYPES.left_amount_handled);
  assert.deepEqual(
    first.map((g) => g.at - T0),
    [0, 240, 840],
  );
  const refund = partner.got.find((g) => g.field('notify_type') === NOTIFY_TYPES.refund_transfer);
  assert.equal(refund.at - T0, 5, 'settle delay 5 s × 0.001');
});

test('a network error or a timeout counts as a failed attempt and is recorded', async () => {
  const c = clock();
  let n = 0;
  const gw = createGateway(
    baseConfig({
      now: c.now,
      deliveryTimeoutMs: 50,
      fetch: async (req) => {
        n++;
        if (n === 1) throw new TypeError('fetch failed: ECONNREFUSED');
        if (n === 2)
          return new Promise((_resolve, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted'))));
        return new Response('success');
      },
    }),
  );
  // An unknown task: a single (failure) notification and no transfers.
  await send(gw, sampleInput({ outerTaskId: 'NOPE' }));
  await gw.runDue();
  c.t += 4 * MIN;
  await gw.runDue();
  c.t += 10 * MIN;
  await gw.runDue();
  const a = (await gw.inspect()).attempts;
  assert.deepEqual(
    a.map((x) => x.outcome),
    ['failed', 'failed', 'success'],
  );
  assert.match(a[0].error, /ECONNREFUSED/);
  assert.match(a[1].error, /no answer within 50 ms/);
});

test('fault: drop — the first attempt is recorded but not sent, the retry 4 minutes later delivers', async () => {
  const { c, partner, gw } = setup({ faults: [{ action: 'drop', kind: 'left_amount_handled', attempt: 1 }] });
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await drain(gw, c);
  const first = partner.got.filter((g) => g.field('notify_type') === NOTIFY_TYPES.left_amount_handled);
  assert.deepEqual(
    first.map((g) => g.at - T0),
    [4 * MIN],
  );
  const s = await gw.inspect();
  assert.deepEqual(
    s.attempts.filter((a) => a.notifyId === first[0].field('notify_id')).map((a) => a.outcome),
    ['dropped', 'success'],
  );
});

test('fault: duplicate — the partner receives the same notification twice (same notify_id and bytes)', async () => {
  const { c, partner, gw } = setup({ faults: [{ action: 'duplicate', kind: 'refund_transfer' }] });
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await drain(gw, c);
  const refunds = partner.got.filter((g) => g.field('notify_type') === NOTIFY_TYPES.refund_transfer);
  assert.equal(refunds.length, 2);
  assert.equal(refunds[0].body, refunds[1].body);
  const s = await gw.inspect();
  assert.deepEqual(
    s.attempts.filter((a) => a.notifyId === refunds[0].field('notify_id')).map((a) => [a.attempt, a.duplicate ?? false]),
    [
      [1, false],
      [1, true],
    ],
  );
});

test('fault: reorder — the leftover-handled notification arrives after the first transfer notification', async () => {
  const { c, partner, gw } = setup({ faults: [{ action: 'reorder', kind: 'left_amount_handled' }] });
  await send(gw, sampleInput());
  await drain(gw, c);
  const types = partner.got.map((g) => g.field('notify_type'));
  assert.equal(types.length, 7);
  assert.equal(types[0], NOTIFY_TYPES.refund_transfer, 'a transfer notification overtakes it');
  const i = types.indexOf(NOTIFY_TYPES.left_amount_handled);
  assert.equal(partner.got[i].at, T0 + 5000, 'released as soon as the first transfer notification went out');
  assert.ok(i < 5, 'before the service-fee notifications settled 5 s later');
});

test('fault: reorder with nothing to overtake it releases after the first retry interval; delay postpones', async () => {
  const { c, partner, gw } = setup({
    faults: [
      { action: 'reorder', kind: 'left_amount_handled' },
      { action: 'delay', kind: 'refund_transfer', delay: 30 * MIN },
    ],
  });
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await drain(gw, c);
  assert.deepEqual(
    partner.got.map((g) => [g.field('notify_type'), g.at - T0]),
    [
      [NOTIFY_TYPES.left_amount_handled, 4 * MIN],
      [NOTIFY_TYPES.refund_transfer, 5000 + 30 * MIN],
    ],
  );
});

test('inject() adds a fault at run time; clearFaults() removes them', async () => {
  const { c, partner, gw } = setup();
  gw.inject({ action: 'drop', times: Infinity });
  await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined }));
  await gw.runDue();
  assert.equal(partner.got.length, 0);
  gw.clearFaults();
  await drain(gw, c);
  assert.equal(partner.got.length, 2);
});

test('onEvent reports requests, SMS, settlements, attempts (with the retry time) and giving up, in order; a throwing listener is contained', async () => {
  const events = [];
  const { c, gw } = setup({ onEvent: (e) => events.push(e), retrySchedule: [MIN] }, (rec) =>
    rec.field('notify_type') === NOTIFY_TYPES.refund_transfer ? 'no' : 'success',
  );
  await send(gw, sampleInput({ platform: undefined, transfers: undefined, refund: { serial: 'a_1', amount: '1' } }));
  await drain(gw, c);
  assert.deepEqual(
    events.map((e) => [
      e.type,
      e.at - T0,
      e.attempt?.outcome ?? e.transfer?.status ?? e.request?.isSuccess ?? '',
      e.notification?.kind ?? '',
    ]),
    [
      ['request', 0, true, ''],
      ['sms', 0, '', ''],
      ['attempt', 0, 'success', 'left_amount_handled'],
      ['settled', 5000, 'S', ''],
      ['attempt', 5000, 'failed', 'refund_transfer'],
      ['attempt', 5000 + MIN, 'failed', 'refund_transfer'],
      ['gave_up', 5000 + MIN, '', 'refund_transfer'],
    ],
  );
  assert.equal(events[4].notification.nextAt, T0 + 5000 + MIN, 'the notification as stored after the attempt');
  assert.equal('body' in events[4].notification, false);
  const bad = setup({
    onEvent: () => {
      throw new Error('listener bug');
    },
  });
  assert.equal((await send(bad.gw, sampleInput())).status, 302);
  assert.equal((await bad.gw.inspect()).lastError, 'onEvent: listener bug');
});

// ---- notify_verify ------------------------------------------------------------------------------

test('notify_verify: true while not acknowledged, false after success, false for unknown ids and other partners, invalid for bad arguments', async () => {
  const other = '2088101115790000';
  const { c, partner, gw } = setup(
    { partners: { [PARTNER]: { publicKey: partnerKeys.publicPem }, [other]: { publicKey: partnerKeys.publicPem } } },
    failFirst(1),
  );
  const ret = returnPairs(
    await send(gw, sampleInput({ refund: { serial: 'a_1', amount: '1' }, platform: undefined, transfers: undefined })),
  );
  await gw.runDue();
  const id = partner.got[0].field('notify_id');
  const verify = async (q, method = 'GET') => {
    const req =
      method === 'GET'
        ? new Request(`http://gateway.test/gateway.do?${q}`)
        : new Request('http://gateway.test/gateway.do', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: q,
          });
    const res = await gw.fetch(req);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    return res.text();
  };
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}&notify_id=${id}`), 'true');
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}&notify_id=${id}`, 'POST'), 'true');
  assert.equal(await verify(`service=notify_verify&partner=${other}&notify_id=${id}`), 'false');
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}&notify_id=${'0'.repeat(32)}`), 'false');
  assert.equal(
    await verify(`service=notify_verify&partner=${PARTNER}&notify_id=${fieldBytes(ret, 'notify_id')}`),
    'true',
    'the return data is genuine',
  );
  await drain(gw, c);
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}&notify_id=${id}`), 'false', 'acknowledged with success');
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}`), 'invalid');
  assert.equal(await verify(`service=notify_verify&notify_id=${id}`), 'invalid');
  assert.equal(await verify(`service=notify_verify&partner=2088999999999999&notify_id=${id}`), 'invalid');
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}&notify_id=%FF%FE`), 'invalid');
  assert.equal(await verify(`service=notify_verify&partner=${PARTNER}&notify_id=a%ZZ`), 'invalid');
});

// ---- inspection -----------------------------------------------------------------------------------

test('inspect: JSON with tasks, transfers, SMS, notifications and attempts; the public key', async () => {
  const { c, gw } = setup();
  await send(gw, sampleInput());
  await drain(gw, c);
  const json = await (await gw.fetch(new Request('http://gateway.test/inspect'))).json();
  assert.equal(json.publicKey, simulatorKeys.publicPem);
  assert.equal(json.transfers.length, 6);
  assert.equal(json.notifications.filter((n) => n.status === 'delivered').length, 7);
  assert.equal(json.notifications.filter((n) => n.status === 'return').length, 1);
  assert.equal(json.attempts.length, 7);
  assert.equal(json.sms.length, 1);
  // The old HTML page is now the web console at / (test/console.test.mjs): /inspect.html redirects there.
  const old = await gw.fetch(new Request('http://gateway.test/inspect.html'));
  assert.equal(old.status, 302);
  assert.equal(old.headers.get('location'), '/');
  assert.equal(await (await gw.fetch(new Request('http://gateway.test/public-key.pem'))).text(), simulatorKeys.publicPem);
  assert.equal(gw.publicKeyPem, simulatorKeys.publicPem);
});

test('config errors are INVALID_OPTION naming the setting', () => {
  assert.throws(() => createGateway({ partners: { 123: {} }, key: simulatorKeys.key }), {
    code: 'INVALID_OPTION',
    field: 'partners.123',
  });
  assert.throws(() => createGateway(baseConfig({ timeScale: -1 })), { code: 'INVALID_OPTION', field: 'timeScale' });
  assert.throws(() => createGateway(baseConfig({ tasks: [{ outerTaskId: 'x', publisher: '1', frozen: '1', expiresAt: 0 }] })), {
    code: 'INVALID_OPTION',
    field: 'tasks[0].publisher',
  });
  assert.throws(
    () => createGateway(baseConfig({ tasks: [{ outerTaskId: 'x', publisher: PUBLISHER, frozen: '1.001', expiresAt: 0 }] })),
    { code: 'ILLEGAL_ARGUMENT' },
  );
  assert.throws(
    () =>
      createGateway(
        baseConfig({ tasks: [{ outerTaskId: 'x', publisher: PUBLISHER, frozen: '1.00', paid: '1.01', expiresAt: 0 }] }),
      ),
    { code: 'INVALID_OPTION', field: 'tasks[0].paid' },
  );
  assert.throws(
    () => createGateway(baseConfig({ tasks: [{ outerTaskId: 'x', publisher: PUBLISHER, frozen: '1.00', expiresAt: 'soon' }] })),
    { code: 'INVALID_OPTION', field: 'tasks[0].expiresAt' },
  );
});

test('a task with an amount already paid: only the rest can be handled', async () => {
  const { gw } = setup({ tasks: [{ outerTaskId: 'T1', publisher: PUBLISHER, frozen: '100.00', paid: '99.99', expiresAt: 0 }] });
  const ret = returnPairs(
    await send(
      gw,
      sampleInput({
        outerAccountId: undefined,
        refund: { serial: 'a_1', amount: '0.02' },
        platform: undefined,
        transfers: undefined,
      }),
    ),
  );
  assert.deepEqual(notificationXml(ret, 'utf-8').doc, {
    alipay: { is_success: 'F', error: 'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH' },
  });
  const ok = returnPairs(
    await send(
      gw,
      sampleInput({
        outerAccountId: undefined,
        refund: { serial: 'a_2', amount: '0.01' },
        platform: undefined,
        transfers: undefined,
      }),
    ),
  );
  assert.equal(notificationXml(ok, 'utf-8').doc.alipay.is_success, 'T');
  const zero = setup({ tasks: [{ outerTaskId: 'T1', publisher: PUBLISHER, frozen: '1.00', paid: '0.00', expiresAt: 0 }] });
  assert.equal((await zero.gw.inspect()).tasks[0].remaining, '1.00');
});

void ic;
