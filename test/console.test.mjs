// The simulator's web console in real browsers (no mocks): Debian's Chromium and Firefox ESR, driven by
// puppeteer-core (Firefox over WebDriver BiDi). A simulator (createGateway + toNodeHandler) and a partner
// endpoint (createNotifyHandler, failing its first delivery) listen on loopback; a signed request made by
// buildLeftAmountRequest starts the flow. The test reads what a person sees: the attempt row with the
// partner's HTTP status, one more row after "Deliver again now", the signature doctor's cause for a body
// signed by OpenSSL (node:crypto) over UTF-8 bytes for a gbk request and for a correct one, Chinese labels
// after the language toggle, and no console error or CSP violation. A missing browser fails loudly.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import test from 'node:test';
import iconv from 'iconv-lite';
import puppeteer from 'puppeteer-core';
import { createGateway } from '../dist/esm/gateway.js';
import { buildLeftAmountRequest, createNotifyHandler, toFetchRequest } from '../dist/esm/index.js';
import { toNodeHandler } from '../dist/node/index.js';
import { baseConfig, PARTNER, partnerKeys, sampleInput, simulatorKeys, urlencode } from './support/gateway-fixtures.mjs';

const CHROMIUM = '/usr/bin/chromium';
const FIREFOX = '/usr/bin/firefox-esr';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

async function listen(handler) {
  const server = createServer(toNodeHandler(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/** A simulator and a partner endpoint on loopback; the partner fails the first delivery it gets. */
async function startFlow() {
  const answers = []; // what the partner endpoint answered, in order: { notifyId, status, body }
  let first = true;
  const notify = createNotifyHandler({
    alipayPublicKey: simulatorKeys.key.publicKey,
    verifyWithGateway: false,
    onNotification() {
      if (first) {
        first = false;
        throw new Error('the partner database is down (first delivery)');
      }
    },
  });
  const partner = await listen(async (req) => {
    const body = await req.clone().text();
    const res = await notify(req);
    const text = await res.clone().text();
    answers.push({ notifyId: new URLSearchParams(body).get('notify_id'), status: res.status, body: text });
    return res;
  });
  const gw = createGateway(baseConfig({ now: Date.now, autoRun: true }));
  const sim = await listen(gw.fetch);
  const input = sampleInput({
    notifyUrl: `${partner.url}/notify`,
    returnUrl: `${partner.url}/return`,
    gateway: `${sim.url}/gateway.do`,
    transfers: [sampleInput().transfers[0]],
  });
  const res = await fetch(toFetchRequest(await buildLeftAmountRequest(input)), { redirect: 'manual' });
  assert.equal(res.status, 302, 'the gateway accepted the signed request');
  return {
    url: sim.url,
    answers,
    async close() {
      await gw.close();
      sim.server.closeAllConnections();
      partner.server.closeAllConnections();
      sim.server.close();
      partner.server.close();
    },
  };
}

const GBK_REQUEST = {
  service: 'alipay.witkey.task.left.amount.handle',
  partner: PARTNER,
  _input_charset: 'gbk',
  outer_task_id: 'T1',
  transfer_detail: 's_01~*~15.00~*~2088102116203708~*~天之蓝',
  notify_url: 'http://partner.test/notify',
};
/** GBK_REQUEST as a gbk body (iconv-lite), signed by OpenSSL over the canonical string's bytes in `signedAs`. */
const canonicalOf = (fields) =>
  Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
function signedBody(signedAs) {
  const canon = canonicalOf(GBK_REQUEST);
  const sign = crypto
    .sign('sha1', iconv.encode(canon, signedAs === 'utf-8' ? 'utf8' : 'gbk'), {
      key: partnerKeys.nodePrivate,
      dsaEncoding: 'der',
    })
    .toString('base64');
  return urlencode({ ...GBK_REQUEST, sign_type: 'DSA', sign }, 'gbk');
}

const sel = (id) => `[data-testid="${id}"]`;
const textOf = (page, id, within) => page.$eval(within ? `${sel(within)} ${sel(id)}` : sel(id), (e) => e.textContent);
const count = (page, selector) => page.$$eval(selector, (l) => l.length);

async function launch(name) {
  if (name === 'chromium') {
    assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}: apt-get install chromium`);
    return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }
  assert.ok(existsSync(FIREFOX), `Firefox ESR is missing at ${FIREFOX}: apt-get install firefox-esr`);
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
}

async function consoleFlow(name) {
  const flow = await startFlow();
  const browser = await launch(name);
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp = (window.__csp || []).concat(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await page.goto(`${flow.url}/?lang=en`, { waitUntil: 'load' });
    assert.equal(await textOf(page, 'tab-doctor'), 'Signature doctor');

    // The first delivery reached the partner, which failed it: its attempt row shows the partner's status.
    const deadline = Date.now() + 15_000;
    while (flow.answers.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const failed = flow.answers[0];
    assert.ok(failed, 'the partner received a delivery');
    assert.notEqual(failed.body, 'success');
    const item = `${sel('timeline-item')}[data-id="${failed.notifyId}"]`;
    await page.waitForSelector(item, { timeout: 10_000 });
    await page.click(item);
    await page.waitForFunction(
      (s) => document.querySelectorAll(s).length === 1,
      { timeout: 10_000 },
      `${sel('attempts')} ${sel('attempt-row')}`,
    );
    const row1 = await page.$eval(sel('attempt-row'), (tr) => [...tr.cells].map((c) => c.textContent));
    assert.equal(row1[0], '1');
    assert.equal(row1[2], 'failed');
    assert.equal(row1[3], String(failed.status), "the partner's HTTP status");
    assert.equal(row1[5], failed.body);
    assert.match(row1[1], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    // "Deliver again now": one more attempt row, and the partner answered success this time.
    await page.click(sel('btn-redeliver'));
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 2, { timeout: 10_000 }, sel('attempt-row'));
    const rows = await page.$$eval(sel('attempt-row'), (l) => l.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(rows[1][0], '2');
    assert.equal(rows[1][2], 'success');
    // Other notifications (the transfers settling meanwhile) may reach the partner in between: look at this one's answers.
    const mine = flow.answers.filter((a) => a.notifyId === failed.notifyId);
    assert.ok(mine.length >= 2, 'the partner received the delivery made from the console');
    assert.equal(rows[1][3], String(mine[1].status));
    await page.waitForFunction(
      (s) => document.querySelector(s).textContent === 'delivered',
      { timeout: 5000 },
      sel('detail-status'),
    );
    assert.equal(await page.$eval(`${sel('request-verdict')} ${sel('cause')}`, (e) => e.textContent), 'OK');

    // "Drop next" puts a fault in force (its panel shows it); "Advance clock" moves the simulator's time 2 minutes on.
    await page.click(sel('btn-drop'));
    await page.waitForFunction(
      (s, id) =>
        [...document.querySelectorAll(s)].some((tr) => tr.cells[0].textContent === 'drop' && tr.cells[1].textContent === id),
      { timeout: 5000 },
      `${sel('faults')} tr`,
      failed.notifyId,
    );
    const clockAt = async () => Date.parse(`${(await textOf(page, 'now')).replace(' ', 'T')}+08:00`);
    const before = await clockAt();
    await page.click(sel('btn-advance'));
    await page.waitForFunction(
      (s, t) => Date.parse(`${document.querySelector(s).textContent.replace(' ', 'T')}+08:00`) >= t,
      { timeout: 5000 },
      sel('now'),
      before + 120_000,
    );
    assert.ok((await clockAt()) < Date.now() + 130_000, 'about 2 minutes ahead of the real clock, not more');

    // The signature doctor tab: CHARSET_MISMATCH for UTF-8 bytes signed for a gbk body, OK for GBK bytes.
    await page.click(sel('tab-doctor'));
    for (const [signedAs, cause] of [
      ['utf-8', 'CHARSET_MISMATCH'],
      ['gbk', 'OK'],
    ]) {
      await page.$eval(
        sel('doctor-input'),
        (e, v) => {
          e.value = v;
        },
        signedBody(signedAs),
      );
      await page.select(sel('doctor-partner'), PARTNER);
      await page.click(sel('doctor-run'));
      const shown = `${sel('doctor-result')} ${sel('cause')}`;
      await page.waitForFunction((s, c) => document.querySelector(s)?.textContent === c, { timeout: 10_000 }, shown, cause);
      assert.equal(await textOf(page, 'verdict-canonical', 'doctor-result'), canonicalOf(GBK_REQUEST));
      // The bytes the doctor shows are the ones OpenSSL signed: the canonical string in `signedAs` (iconv-lite).
      assert.equal(
        await textOf(page, 'verdict-bytes', 'doctor-result'),
        iconv.encode(canonicalOf(GBK_REQUEST), signedAs === 'utf-8' ? 'utf8' : 'gbk').toString('hex'),
      );
    }
    assert.match(await page.$eval(`${sel('doctor-result')} ${sel('cause-message')}`, (e) => e.textContent), /.{20}/);

    // 中文: every label from the dictionary.
    await page.click(sel('lang-toggle'));
    assert.equal(await textOf(page, 'tab-doctor'), '签名诊断');
    assert.equal(await textOf(page, 'tab-timeline'), '时间线');
    assert.equal(await page.$eval('h1', (e) => e.textContent), '威客网关模拟器');
    assert.match(page.url(), /[?&]lang=zh\b/);
    await page.click(sel('tab-timeline'));
    assert.equal(await textOf(page, 'btn-redeliver'), '立即重新投递');
    await page.waitForFunction(
      (s) => document.querySelector(s).textContent === '已送达',
      { timeout: 5000 },
      sel('detail-status'),
    );

    assert.deepEqual(await page.evaluate(() => window.__csp || []), [], 'no CSP violation');
    assert.deepEqual(problems, [], 'no console error');
    assert.ok((await count(page, sel('timeline-item'))) >= 2);
  } finally {
    await browser.close();
    await flow.close();
  }
}

test(
  'console in Chromium: attempts, deliver again, signature doctor, 中文, no console error or CSP violation',
  { timeout: 90_000 },
  () => consoleFlow('chromium'),
);

test(
  'console in Firefox ESR: attempts, deliver again, signature doctor, 中文, no console error or CSP violation',
  { timeout: 90_000 },
  () => consoleFlow('firefox'),
);
