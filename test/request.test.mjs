// The left-amount request: docs/PROTOCOL.md §2 rules, exact amounts, signatures checked by OpenSSL over
// iconv-lite-encoded canonical strings, the HTML form and the fetch Request.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import test from 'node:test';
import iconv from 'iconv-lite';
import {
  buildLeftAmountRequest,
  canonicalize,
  createPrivateKey,
  formatFen,
  formDecode,
  leftAmountParams,
  loadCharset,
  parseAmount,
  renderForm,
  toFetchRequest,
  WitkeyError,
} from '../dist/esm/index.js';
import { opensslDsa } from './support/dsa-keys.mjs';

const key = opensslDsa();
const privateKey = createPrivateKey({ p: key.p, q: key.q, g: key.g, x: key.x });

// docs/PROTOCOL.md §2 / the document's request sample (§3.3), with its amounts written per the rules.
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

const throwsCode = async (fn, code, extra = {}) =>
  assert.rejects(
    async () => fn(),
    (e) => {
      assert.ok(e instanceof WitkeyError, String(e));
      assert.equal(e.code, code, e.message);
      for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, `${k}: ${e.message}`);
      return true;
    },
  );
const build = (over = {}) => buildLeftAmountRequest({ ...sample, privateKey, ...over });

function opensslVerifies(req) {
  const bytes = iconv.encode(canonicalize(req.fields), req.charset === 'utf-8' ? 'utf8' : 'gbk');
  return crypto.verify('sha1', bytes, { key: key.nodePublic, dsaEncoding: 'der' }, Buffer.from(req.fields.sign, 'base64'));
}

test('the document sample: fields, order, amounts with two decimals, body, OpenSSL-verified signature', async () => {
  const req = await build();
  assert.equal(req.action, 'https://mapi.alipay.com/gateway.do');
  assert.equal(req.method, 'POST');
  assert.equal(req.contentType, 'application/x-www-form-urlencoded; charset=utf-8');
  assert.deepEqual(Object.keys(req.fields), [
    'service',
    'partner',
    '_input_charset',
    'outer_task_id',
    'outer_account_id',
    'alipay_user_id',
    'refund_detail',
    'platform_detail',
    'transfer_detail',
    'notify_url',
    'return_url',
    'sign',
    'sign_type',
  ]);
  assert.equal(req.fields.service, 'alipay.witkey.task.left.amount.handle');
  assert.equal(req.fields.refund_detail, '20111221_0012_03~*~20.10');
  assert.equal(req.fields.platform_detail, '20111221_0013_04~*~30.10');
  assert.equal(
    req.fields.transfer_detail,
    '111221_0011_10~*~15.00~*~2088102116203708~*~JIM*~*~$20111221_0011_11~*~17.00~*~2088102116203728~*~Tom',
  );
  assert.equal(req.fields.sign_type, 'DSA');
  assert.equal(req.totalFen, 8220n);
  assert.deepEqual(req.warnings, []);
  assert.ok(opensslVerifies(req));
  assert.deepEqual(formDecode(req.body, 'utf-8'), Object.entries(req.fields));
  assert.equal(new TextDecoder().decode(req.body), new URLSearchParams(req.fields).toString());
});

test('gbk and gb2312 requests: the body carries the charset bytes and OpenSSL verifies', async () => {
  for (const charset of ['GBK', 'gb2312']) {
    const transfers = [{ serial: 'A-1', amount: { fen: 1 }, alipayUserId: '2088102116203708', nickName: '天之蓝' }];
    const req = await build({ charset, transfers, refund: undefined, platform: undefined });
    assert.equal(req.fields._input_charset, charset.toLowerCase());
    assert.ok(opensslVerifies(req), charset);
    assert.match(
      new TextDecoder().decode(req.body),
      /transfer_detail=A-1%7E\*%7E0\.01%7E\*%7E2088102116203708%7E\*%7E%CC%EC%D6%AE%C0%B6&/,
    );
  }
  const req = await build({
    charset: 'gbk',
    dialect: 'kppw',
    transfers: [{ serial: 'x', amount: '1.5', alipayUserId: '2088102116203708', nickName: 'Tom €' }],
  });
  assert.equal(req.fields.transfer_detail, 'x~*@^1.50~*@^2088102116203708~*@^Tom €');
  assert.ok(opensslVerifies(req));
});

test('amounts are exact: yuan strings or integer fen; no floats, no zero, ≤ 100000000.00', async () => {
  assert.equal(parseAmount('20.1'), 2010n);
  assert.equal(parseAmount('20.10'), 2010n);
  assert.equal(parseAmount('007.5'), 750n);
  assert.equal(parseAmount(2010n), 2010n);
  assert.equal(parseAmount({ fen: 2010 }), 2010n); // integer fen as a safe-integer number
  assert.equal(parseAmount({ fen: 2010n }), 2010n);
  assert.equal((await build({ refund: { serial: 'r1', amount: { fen: 2010 } } })).fields.refund_detail, 'r1~*~20.10');
  assert.equal(parseAmount('100000000.00'), 10_000_000_000n);
  assert.equal(formatFen(2010n), '20.10');
  assert.equal(formatFen(1n), '0.01');
  assert.equal(formatFen(parseAmount('0.1') + parseAmount('0.2')), '0.30');
  for (const bad of [
    '0',
    '0.00',
    '-1',
    '1.234',
    '100000000.01',
    '1e3',
    ' 1',
    '1.',
    '.5',
    '',
    '12345678901234',
    20.1,
    20,
    { fen: 1.5 },
    { fen: 2 ** 53 },
    { fen: '2010' },
    { fen: 0 },
    0n,
    -5n,
    10_000_000_001n,
    null,
  ]) {
    assert.throws(
      () => parseAmount(bad, { field: 'transfer_detail', index: 2 }),
      (e) => e.code === 'ILLEGAL_ARGUMENT' && e.field === 'transfer_detail' && e.index === 2,
      String(bad),
    );
  }
  await throwsCode(() => build({ refund: { serial: 'r1', amount: '0.001' } }), 'ILLEGAL_ARGUMENT', { field: 'refund_detail' });
});

test('ids, required fields and lengths', async () => {
  await throwsCode(() => build({ partner: '2088' }), 'ILLEGAL_PARTNER', { field: 'partner' });
  await throwsCode(() => build({ partner: '1088101115793868' }), 'ILLEGAL_PARTNER');
  await throwsCode(() => build({ charset: 'utf8' }), 'ILLEGAL_CHARSET', { field: '_input_charset' });
  await throwsCode(() => build({ alipayUserId: '208810211396048' }), 'ILLEGAL_ARGUMENT', { field: 'alipay_user_id' });
  await throwsCode(() => build({ alipayUserId: undefined, outerAccountId: undefined }), 'ILLEGAL_ARGUMENT', {
    field: 'outer_account_id',
  });
  await throwsCode(() => build({ outerTaskId: '' }), 'ILLEGAL_ARGUMENT', { field: 'outer_task_id' });
  await throwsCode(() => build({ outerTaskId: 'x'.repeat(51) }), 'ILLEGAL_ARGUMENT', { field: 'outer_task_id' });
  await throwsCode(() => build({ outerAccountId: 'a\nb' }), 'ILLEGAL_ARGUMENT', { field: 'outer_account_id' });
  assert.equal((await build({ alipayUserId: undefined })).fields.alipay_user_id, undefined);
  assert.equal((await build({ outerTaskId: '任'.repeat(50), charset: 'gbk' })).warnings.length, 1);
  await throwsCode(() => build({ privateKey: {} }), 'INVALID_KEY');
  await throwsCode(() => build({ gateway: '/gateway.do' }), 'ILLEGAL_ARGUMENT', { field: 'gateway' });
});

test('urls: absolute http(s), no query string, at most 200 characters', async () => {
  for (const [notifyUrl, field] of [
    ['/notify', 'notify_url'],
    ['ftp://a.example/n', 'notify_url'],
    ['https://a.example/n?x=1', 'notify_url'],
    ['https://a.example/n#f', 'notify_url'],
    ['https://a.example/' + 'n'.repeat(200), 'notify_url'],
    [' https://a.example/n', 'notify_url'],
  ]) {
    await throwsCode(() => build({ notifyUrl }), 'ILLEGAL_ARGUMENT', { field });
  }
  await throwsCode(() => build({ returnUrl: 'https://a.example/r?' }), 'ILLEGAL_ARGUMENT', { field: 'return_url' });
});

test('details: at least one, 1–15 transfers, serial syntax, unique serials (WITKEY_OUTER_TRANSFER_REPEAT)', async () => {
  const t = (i) => ({ serial: `s${i}`, amount: '1', alipayUserId: '2088102116203708', nickName: `n${i}` });
  await throwsCode(() => build({ refund: undefined, platform: undefined, transfers: undefined }), 'ILLEGAL_ARGUMENT');
  await throwsCode(() => build({ transfers: [] }), 'ILLEGAL_ARGUMENT', { field: 'transfer_detail' });
  await throwsCode(() => build({ transfers: Array.from({ length: 16 }, (_, i) => t(i)) }), 'ILLEGAL_ARGUMENT', {
    field: 'transfer_detail',
  });
  assert.equal(
    (await build({ transfers: Array.from({ length: 15 }, (_, i) => t(i)) })).fields.transfer_detail.split('*~*~$').length,
    15,
  );
  await throwsCode(() => build({ transfers: [t(0), { ...t(1), serial: 'a b' }] }), 'ILLEGAL_ARGUMENT', {
    field: 'transfer_detail',
    index: 1,
  });
  await throwsCode(() => build({ transfers: [t(0), { ...t(1), serial: 'x'.repeat(33) }] }), 'ILLEGAL_ARGUMENT', { index: 1 });
  await throwsCode(() => build({ transfers: [t(0), { ...t(1), alipayUserId: '2088' }] }), 'ILLEGAL_ARGUMENT', {
    field: 'transfer_detail',
    index: 1,
  });
  await throwsCode(() => build({ transfers: [t(0), t(1), { ...t(2), serial: 's0' }] }), 'WITKEY_OUTER_TRANSFER_REPEAT', {
    field: 'transfer_detail',
    index: 2,
  });
  await throwsCode(() => build({ transfers: [t(0), { ...t(1), serial: '20111221_0012_03' }] }), 'WITKEY_OUTER_TRANSFER_REPEAT', {
    field: 'transfer_detail',
    index: 1,
  });
  await throwsCode(() => build({ platform: { serial: '20111221_0012_03', amount: '1' } }), 'WITKEY_OUTER_TRANSFER_REPEAT', {
    field: 'platform_detail',
  });
});

test('nicknames: non-empty, no control characters, no separators, representable in the charset', async () => {
  const t = (nickName) => [
    { serial: 'a', amount: '1', alipayUserId: '2088102116203708', nickName: 'ok' },
    { serial: 'b', amount: '1', alipayUserId: '2088102116203708', nickName },
  ];
  await throwsCode(() => build({ transfers: t('') }), 'ILLEGAL_ARGUMENT', { field: 'transfer_detail', index: 1 });
  await throwsCode(() => build({ transfers: t('a\tb') }), 'ILLEGAL_ARGUMENT', { index: 1 });
  await throwsCode(() => build({ transfers: t('a~*~b') }), 'ILLEGAL_ARGUMENT', { index: 1 });
  await throwsCode(() => build({ transfers: t('a*~*~$b') }), 'ILLEGAL_ARGUMENT', { index: 1 });
  await throwsCode(() => build({ transfers: t('x~*@^y'), dialect: 'kppw' }), 'ILLEGAL_ARGUMENT', { index: 1 });
  assert.ok(await build({ transfers: t('x~*@^y') })); // fine in the spec dialect
  await throwsCode(() => build({ transfers: t('王喆'), charset: 'gb2312' }), 'ILLEGAL_CHARSET', {
    field: 'transfer_detail',
    index: 1,
    offset: 1,
  });
  await throwsCode(() => build({ transfers: t('¥'), charset: 'gbk' }), 'ILLEGAL_CHARSET', { field: 'transfer_detail', index: 1 });
  await throwsCode(() => build({ transfers: t('\ud83d'), charset: 'utf-8' }), 'ILLEGAL_CHARSET', { index: 1 });
  const big = Array.from({ length: 15 }, (_, i) => ({
    serial: `s${i}`,
    amount: '1',
    alipayUserId: '2088102116203708',
    nickName: '天'.repeat(55),
  }));
  const req = await build({ charset: 'gbk', transfers: big });
  assert.equal(req.warnings.length, 1);
  assert.match(req.warnings[0], /^transfer_detail: \d+ bytes in gbk exceeds/);
  await throwsCode(
    () => build({ charset: 'gbk', transfers: big.map((x) => ({ ...x, nickName: '天'.repeat(100) })) }),
    'ILLEGAL_ARGUMENT',
    { field: 'transfer_detail' },
  );
});

test('leftAmountParams is synchronous once the charset is loaded', async () => {
  await loadCharset('gbk');
  const p = leftAmountParams({ ...sample, charset: 'gbk' });
  assert.equal(p.params._input_charset, 'gbk');
  assert.equal(p.params.sign, undefined);
});

test('renderForm is CSP-safe and escapes everything; toFetchRequest posts the body', async () => {
  const req = await build({
    transfers: [{ serial: 'a', amount: '1', alipayUserId: '2088102116203708', nickName: `"><script>alert('x')</script>&` }],
  });
  const html = renderForm(req);
  assert.doesNotMatch(html, /<script|\son\w+=|\sstyle=/i);
  assert.match(html, /accept-charset="utf-8"/);
  assert.match(
    html,
    /value="a~\*~1\.00~\*~2088102116203708~\*~&quot;&gt;&lt;script&gt;alert\(&#39;x&#39;\)&lt;\/script&gt;&amp;"/,
  );
  assert.equal((html.match(/<input type="hidden"/g) ?? []).length, 13);
  const auto = renderForm(req, { autoSubmit: true, nonce: 'n"1', id: '</script>' });
  assert.match(auto, /<script nonce="n&quot;1">document\.getElementById\("\\u003c\/script>"\)\.submit\(\);<\/script>$/);
  const r = toFetchRequest(req);
  assert.equal(r.method, 'POST');
  assert.equal(r.url, req.action);
  assert.equal(r.redirect, 'manual');
  assert.equal(r.headers.get('content-type'), req.contentType);
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), req.body);
});
