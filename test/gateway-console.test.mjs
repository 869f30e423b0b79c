// The web console's JSON API (console/api/…) and assets, in node against createGateway with an injected
// clock and partner endpoint. Expected values come from outside the library: Beijing times computed here
// from the clock, the partner endpoint's own record of what reached it, and signatures made by OpenSSL
// (node:crypto) over bytes from iconv-lite / Buffer for the doctor.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import test from 'node:test';
import iconv from 'iconv-lite';
import { createGateway } from '../dist/esm/gateway.js';
import { buildLeftAmountRequest, toFetchRequest } from '../dist/esm/index.js';
import {
  baseConfig,
  clock,
  PARTNER,
  partnerEndpoint,
  partnerKeys,
  sampleInput,
  T0,
  urlencode,
} from './support/gateway-fixtures.mjs';

const BASE = 'http://gateway.test/';
const MIN = 60_000;

/** Beijing time of an epoch ms, computed independently of the library (UTC+8, no DST). */
const beijing = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

function setup(answer = (_r, n) => (n === 1 ? 'fail' : 'success')) {
  const c = clock();
  const partner = partnerEndpoint(c, answer);
  const gw = createGateway(baseConfig({ now: c.now, fetch: partner.fetch, retrySchedule: [2 * MIN, 10 * MIN] }));
  return { c, partner, gw };
}

const get = async (gw, path) => {
  const res = await gw.fetch(new Request(BASE + path));
  return { res, body: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : await res.text() };
};
const post = async (gw, path, body, type = 'application/json') => {
  const res = await gw.fetch(
    new Request(BASE + path, {
      method: 'POST',
      headers: type ? { 'content-type': type } : {},
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
  return { status: res.status, body: await res.json() };
};
const state = async (gw) => (await get(gw, 'console/api/state')).body;
const leftAmount = (n) => n.kind === 'left_amount_handled';

async function sendSample(gw) {
  const res = await gw.fetch(toFetchRequest(await buildLeftAmountRequest(sampleInput())));
  assert.equal(res.status, 302);
}

test('GET /: the console page with a strict CSP; its script and stylesheet; /inspect.html redirects to it', async () => {
  const { gw } = setup();
  const { res, body } = await get(gw, '');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-security-policy'), "default-src 'self'; img-src 'self' data:");
  assert.match(body, /<script src="console\/app\.js" defer><\/script>/);
  assert.doesNotMatch(body, /<script>|<style|style="|onclick=/i, 'nothing inline');
  const js = await get(gw, 'console/app.js');
  assert.match(js.res.headers.get('content-type'), /^text\/javascript/);
  assert.doesNotMatch(js.body, /\beval\(|new Function/);
  assert.match((await get(gw, 'console/app.css')).res.headers.get('content-type'), /^text\/css/);
  const old = await gw.fetch(new Request(`${BASE}inspect.html`));
  assert.equal(old.status, 302);
  assert.equal(old.headers.get('location'), '/');
  assert.equal((await get(gw, 'inspect')).res.status, 200, 'GET /inspect JSON stays');
});

test('state: Beijing times, tasks with their partner and expiry, every attempt with status, answer and why it failed', async () => {
  const { c, gw, partner } = setup();
  await sendSample(gw);
  await gw.runDue(); // first attempts: the partner fails the very first delivery it gets
  const s = await state(gw);
  assert.equal(s.now, beijing(T0));
  assert.equal(s.now, '2012-06-12 10:00:00');
  const t1 = s.tasks.find((t) => t.outerTaskId === 'T1');
  assert.equal(t1.partner, PARTNER);
  assert.equal(t1.expires, beijing(T0 - 86_400_000));
  assert.equal(t1.expired, true);
  const open = s.tasks.find((t) => t.outerTaskId === 'T_OPEN');
  assert.equal(open.partner, '*', 'a task for any partner says so');
  assert.equal(open.expired, false);
  assert.equal(s.requests.length, 1);
  assert.equal(s.requests[0].time, beijing(T0));
  assert.equal(s.requests[0].raw, undefined, 'the raw body stays on the server');
  assert.equal((await get(gw, 'inspect')).body.requests[0].raw, undefined, 'GET /inspect is as it was');
  const n = s.notifications.find(leftAmount);
  const first = partner.got[0];
  const firstN = s.notifications.find((x) => x.notifyId === first.field('notify_id'));
  assert.equal(firstN.attempts.length, 1);
  const a = firstN.attempts[0];
  assert.equal(a.httpStatus, 200);
  assert.equal(a.answer, 'fail');
  assert.equal(a.outcome, 'failed');
  assert.match(a.failedBecause, /not exactly "success"/);
  assert.equal(a.time, beijing(T0));
  assert.equal(firstN.status, 'pending');
  assert.equal(firstN.nextAttempt, beijing(T0 + 2 * MIN));
  assert.ok(n.xml.startsWith('<?xml'));
  assert.equal(n.fields.notify_id, n.notifyId);
  // The canonical string: the fields without sign/sign_type and empty values, sorted by name (computed here).
  const expected = Object.keys(n.fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && n.fields[k] !== '')
    .sort()
    .map((k) => `${k}=${n.fields[k]}`)
    .join('&');
  assert.equal(n.canonical, expected);
  assert.equal(n.doctor.cause, 'OK', 'the partner signed its request correctly');
  assert.equal(n.doctor.verified, true);
  assert.ok(s.timeline.some((x) => x.type === 'request'));
  assert.equal(s.timeline.filter((x) => x.type === 'notification').length, s.notifications.length);
  assert.ok(s.transfers.length > 0 && s.transfers.every((x) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(x.settles)));
  assert.equal(s.sms.length, 1);
  assert.equal(s.sms[0].time, beijing(T0));
  void c;
});

test('redeliver: one more attempt now; a delivered notification stays delivered; unknown ids are 404', async () => {
  const { gw, partner } = setup(() => 'success');
  await sendSample(gw);
  await gw.runDue();
  const n = (await state(gw)).notifications.find(leftAmount);
  assert.equal(n.status, 'delivered');
  const before = partner.got.length;
  const r = await post(gw, `console/api/notifications/${n.notifyId}/redeliver`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(partner.got.length, before + 1, 'the partner got one more delivery');
  assert.equal(partner.got.at(-1).field('notify_id'), n.notifyId);
  const after = (await state(gw)).notifications.find(leftAmount);
  assert.equal(after.attempts.length, 2);
  assert.equal(after.status, 'delivered');
  const missing = await post(gw, 'console/api/notifications/nope/redeliver', {});
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { code: 'ILLEGAL_ARGUMENT', message: 'no notification nope', field: 'notifyId' });
});

test('faults: fail (sent, answer discarded), drop (not sent) and delay the next delivery of one notification', async () => {
  const { c, gw, partner } = setup(() => 'success');
  await gw.fetch(
    toFetchRequest(
      await buildLeftAmountRequest(
        sampleInput({ refund: undefined, platform: undefined, transfers: [sampleInput().transfers[0]] }),
      ),
    ),
  );
  const id = (await state(gw)).notifications.find(leftAmount).notifyId;
  for (const [action, extra] of [
    ['fail', {}],
    ['drop', {}],
    ['delay', { delayMs: 7 * MIN }],
  ]) {
    const r = await post(gw, 'console/api/faults', { action, notifyId: id, ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  assert.deepEqual(
    (await state(gw)).faults.map((f) => [f.action, f.notifyId, f.left]),
    [
      ['fail', id, 1],
      ['drop', id, 1],
      ['delay', id, 1],
    ],
  );
  const sentTo = () => partner.got.filter((g) => g.field('notify_id') === id).length;
  await gw.runDue(); // attempt 1: the delay postpones it
  let n = (await state(gw)).notifications.find(leftAmount);
  assert.equal(n.attempts.length, 0);
  assert.equal(n.nextAttempt, beijing(T0 + 7 * MIN));
  c.t = T0 + 7 * MIN;
  await gw.runDue(); // attempt 1: both fail and drop match; drop wins, nothing is sent
  n = (await state(gw)).notifications.find(leftAmount);
  assert.equal(sentTo(), 0);
  assert.equal(n.attempts[0].outcome, 'dropped');
  c.t += 2 * MIN;
  await gw.runDue(); // attempt 2: sent, the partner answers success, the fault discards it
  n = (await state(gw)).notifications.find(leftAmount);
  assert.equal(sentTo(), 1);
  assert.equal(n.attempts[1].outcome, 'failed');
  assert.equal(n.attempts[1].answer, 'success');
  assert.match(n.attempts[1].failedBecause, /discarded by fault injection/);
  assert.equal(n.status, 'pending');
  assert.deepEqual((await state(gw)).faults, []);
  // By kind, and the errors.
  assert.equal((await post(gw, 'console/api/faults', { action: 'drop', kind: 'assign_transfer' })).status, 201);
  const bad = await post(gw, 'console/api/faults', { action: 'explode', notifyId: id });
  assert.deepEqual([bad.status, bad.body.field], [400, 'action']);
  assert.deepEqual((await post(gw, 'console/api/faults', { action: 'drop' })).body.field, 'notifyId');
  assert.deepEqual((await post(gw, 'console/api/faults', { action: 'delay', notifyId: id })).body.field, 'delayMs');
  assert.deepEqual((await post(gw, 'console/api/faults', { action: 'drop', kind: 'nope' })).body.field, 'kind');
});

test('clock: advanceMs moves the simulator time and runs what fell due (the retry after a failed first delivery)', async () => {
  const { gw, partner } = setup();
  await sendSample(gw);
  await gw.runDue();
  const failed = partner.got[0].field('notify_id');
  const r = await post(gw, 'console/api/clock', { advanceMs: 2 * MIN });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.clockOffsetMs, 2 * MIN);
  assert.ok(r.body.attempts >= 1);
  const s = await state(gw);
  assert.equal(s.now, beijing(T0 + 2 * MIN));
  const n = s.notifications.find((x) => x.notifyId === failed);
  assert.deepEqual(
    n.attempts.map((a) => [a.outcome, a.time]),
    [
      ['failed', beijing(T0)],
      ['success', beijing(T0 + 2 * MIN)],
    ],
  );
  assert.equal(n.status, 'delivered');
  for (const advanceMs of [-1, 'x', undefined]) {
    const e = await post(gw, 'console/api/clock', { advanceMs });
    assert.deepEqual([e.status, e.body.code, e.body.field], [400, 'ILLEGAL_ARGUMENT', 'advanceMs']);
  }
});

const GBK_REQUEST = {
  service: 'alipay.witkey.task.left.amount.handle',
  partner: PARTNER,
  _input_charset: 'gbk',
  outer_task_id: 'T1',
  transfer_detail: 's_01~*~15.00~*~2088102116203708~*~天之蓝',
  notify_url: 'http://partner.test/notify',
};
/** The body of GBK_REQUEST with a signature OpenSSL made over the canonical string's bytes in `signedAs`. */
function signedBody(signedAs) {
  const canon = Object.keys(GBK_REQUEST)
    .sort()
    .map((k) => `${k}=${GBK_REQUEST[k]}`)
    .join('&');
  const bytes = signedAs === 'utf-8' ? Buffer.from(canon, 'utf8') : iconv.encode(canon, 'gbk');
  const sign = crypto.sign('sha1', bytes, { key: partnerKeys.nodePrivate, dsaEncoding: 'der' }).toString('base64');
  return urlencode({ ...GBK_REQUEST, sign_type: 'DSA', sign }, 'gbk');
}
test('doctor: CHARSET_MISMATCH for UTF-8 bytes signed for a gbk request, OK for the right bytes; by partner id or PEM', async () => {
  const { gw } = setup();
  const wrong = await post(gw, 'console/api/doctor', { body: signedBody('utf-8'), partner: PARTNER });
  assert.equal(wrong.status, 200, JSON.stringify(wrong.body));
  assert.equal(wrong.body.cause, 'CHARSET_MISMATCH');
  assert.equal(wrong.body.verified, false);
  assert.equal(wrong.body.charset, 'utf-8');
  const right = await post(gw, 'console/api/doctor', { body: signedBody('gbk'), publicKey: partnerKeys.publicPem });
  assert.equal(right.body.cause, 'OK');
  assert.equal(right.body.verified, true);
  assert.equal(
    right.body.canonical,
    Object.keys(GBK_REQUEST)
      .sort()
      .map((k) => `${k}=${GBK_REQUEST[k]}`)
      .join('&'),
  );
  const viaParams = await post(gw, 'console/api/doctor', {
    params: { ...GBK_REQUEST, sign_type: 'DSA', sign: 'AAAA' },
    partner: PARTNER,
  });
  assert.equal(viaParams.status, 200);
  assert.notEqual(viaParams.body.cause, 'OK');
});

test('API errors: JSON { code, message, field } with 4xx; POSTs need content-type application/json', async () => {
  const { gw } = setup();
  const form = await post(gw, 'console/api/clock', 'advanceMs=1', 'application/x-www-form-urlencoded');
  assert.deepEqual([form.status, form.body.code, form.body.field], [415, 'ILLEGAL_ARGUMENT', 'content-type']);
  const none = await post(gw, 'console/api/clock', '{"advanceMs":1}', 'text/plain');
  assert.equal(none.status, 415);
  const notJson = await post(gw, 'console/api/clock', '{', 'application/json');
  assert.deepEqual([notJson.status, notJson.body.field], [400, 'body']);
  const noPartner = await post(gw, 'console/api/doctor', { body: signedBody('gbk'), partner: '2088000000000000' });
  assert.deepEqual([noPartner.status, noPartner.body.code, noPartner.body.field], [404, 'ILLEGAL_PARTNER', 'partner']);
  const badKey = await post(gw, 'console/api/doctor', { body: signedBody('gbk'), publicKey: 'not a key' });
  assert.deepEqual([badKey.status, badKey.body.code, badKey.body.field], [400, 'INVALID_KEY', 'publicKey']);
  const noSign = await post(gw, 'console/api/doctor', { body: 'a=1', partner: PARTNER });
  assert.deepEqual([noSign.status, noSign.body.code], [400, 'ILLEGAL_SIGN']);
  const unknown = await post(gw, 'console/api/nothing', {});
  assert.equal(unknown.status, 404);
  const getPost = await gw.fetch(new Request(`${BASE}console/api/clock`));
  assert.equal(getPost.status, 405);
  assert.equal((await getPost.json()).code, 'ILLEGAL_ARGUMENT');
});
