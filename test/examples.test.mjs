// The examples of the README and docs/ run here for real, on loopback, against the gateway simulator
// (createGateway behind toNodeHandler, or the gateway example's startGatewayServer), and every fenced
// js/ts block of README.md and docs/*.md is an examples/ file verbatim or an explicitly marked fragment.
// Independent checks: signatures are verified by OpenSSL (node:crypto) over bytes that iconv-lite
// encodes or that came off the wire; keys are made by OpenSSL; expected values come from the inputs
// the examples send and from docs/PROTOCOL.md (notification kinds), not from the library's own output.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importPrivateKey, importPublicKey } from 'alipay-witkey';
import { createGateway } from 'alipay-witkey/gateway';
import { toNodeHandler } from 'alipay-witkey/node';
import iconv from 'iconv-lite';
import { postgresOrSkip, startPostgres } from './support/postgres-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const example = (name) => import(pathToFileURL(path.join(root, 'examples', name)).href);
const PARTNER = '2088101115793868';
const RETURN_URL = 'https://partner.example/alipay/return';

// The partner's key pair, made by OpenSSL at the gateway's size (1024/160).
const partner = crypto.generateKeyPairSync('dsa', {
  modulusLength: 1024,
  divisorLength: 160,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** The gateway's canonical string (docs/PROTOCOL.md §4), written out here independently of the library. */
const canonical = (fields) =>
  Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');

const opensslVerify = (bytes, publicKeyPem, signBase64) =>
  crypto.verify('sha1', bytes, publicKeyPem, Buffer.from(signBase64, 'base64'));

/** A urlencoded body as raw (name, value-bytes) pairs: '+' is a space, %XX a byte. */
function rawFields(body) {
  const bytes = (s) => {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '%') {
        out.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else out.push(s[i] === '+' ? 0x20 : s.charCodeAt(i));
    }
    return Buffer.from(out);
  };
  return new Map(
    body.split('&').map((kv) => [bytes(kv.slice(0, kv.indexOf('='))).toString('latin1'), bytes(kv.slice(kv.indexOf('=') + 1))]),
  );
}

/** Verifies a notification body over its raw bytes with OpenSSL: names sorted, values exactly as received. */
function verifyRawBody(body, publicKeyPem) {
  const f = rawFields(body);
  const names = [...f.keys()].filter((k) => k !== 'sign' && k !== 'sign_type' && f.get(k).length > 0).sort();
  const signed = Buffer.concat(names.flatMap((k, i) => [Buffer.from(`${i ? '&' : ''}${k}=`, 'latin1'), f.get(k)]));
  return opensslVerify(signed, publicKeyPem, f.get('sign').toString('latin1'));
}

/** The gateway's answer: a 302 to return_url whose query (the signed return data) OpenSSL verifies, is_success T. */
function assertReturn(response, gatewayKeyPem) {
  assert.equal(response.status, 302);
  const location = response.headers.get('location');
  assert.equal(location.slice(0, location.indexOf('?')), RETURN_URL);
  const query = location.slice(location.indexOf('?') + 1);
  assert.ok(verifyRawBody(query, gatewayKeyPem), 'OpenSSL verifies the return data');
  assert.match(iconv.decode(rawFields(query).get('notify_data'), 'gbk'), /<is_success>T<\/is_success>/);
}

async function listen(handler) {
  const server = http.createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const close = () =>
    new Promise((r) => {
      server.close(r);
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}

/** The simulator with the demo partner and task the examples name, on loopback. */
async function simulator() {
  const gateway = createGateway({
    partners: { [PARTNER]: { publicKey: partner.publicKey } },
    tasks: [{ outerTaskId: 'demo_task', publisher: '2088102113960482', frozen: '1000.00', expiresAt: '2011-12-20T00:00:00Z' }],
    timeScale: 0.001,
  });
  await gateway.ready;
  const http_ = await listen(toNodeHandler(gateway.fetch));
  return {
    gateway,
    gatewayUrl: `${http_.url}/gateway.do`,
    close: async () => {
      await http_.close();
      await gateway.close();
    },
  };
}

/** Notifications (not the return data) as the simulator recorded their delivery. */
async function deliveries(gateway) {
  await gateway.idle();
  const snap = await gateway.inspect();
  const sent = snap.notifications.filter((n) => n.status !== 'return');
  return { sent, attempts: snap.attempts };
}

function captureLog(t) {
  const lines = [];
  t.mock.method(console, 'log', (...args) => lines.push(args.join(' ')));
  return lines;
}

/** Every file under examples/, as `examples/…` paths (the framework examples are in a folder of their own). */
const exampleFiles = () =>
  readdirSync(path.join(root, 'examples'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();

test('examples/ holds exactly the examples this file and test/frameworks.test.mjs run', () => {
  assert.deepEqual(exampleFiles(), [
    'examples/diagnose-signature.mjs',
    'examples/express-notify.mjs',
    // run by test/frameworks.test.mjs, each with its framework's body parsers, and below against the simulator
    'examples/frameworks/express.mjs',
    'examples/frameworks/fastify.mjs',
    'examples/frameworks/hono.mjs',
    'examples/frameworks/koa.mjs',
    'examples/frameworks/nextjs-route.mjs',
    'examples/gateway-simulator.mjs',
    'examples/parse-xml.mjs',
    'examples/postgres-notify.mjs',
    'examples/render-form.mjs',
    'examples/sign-request-gbk.mjs',
    'examples/worker-notify.mjs',
  ]);
});

test('sign-request-gbk + express-notify: the GBK request verifies with OpenSSL, the simulator accepts it and Express acknowledges every notification', async (t) => {
  const lines = captureLog(t);
  const sim = await simulator();
  const { createApp } = await example('express-notify.mjs');
  const app = await listen(createApp({ alipayPublicKey: importPublicKey(sim.gateway.publicKeyPem) }));
  try {
    const { main } = await example('sign-request-gbk.mjs');
    const serial = 'ex_sign_1';
    const { signed, body, response } = await main({
      gateway: sim.gatewayUrl,
      privateKey: importPrivateKey(partner.privateKey),
      notifyUrl: `${app.url}/alipay/notify`,
      serial,
    });
    // The signature covers the canonical string as GBK bytes (iconv-lite), checked by OpenSSL.
    assert.equal(signed.sign_type, 'DSA');
    assert.equal(signed._input_charset, 'gbk');
    assert.ok(opensslVerify(iconv.encode(canonical(signed), 'gbk'), partner.publicKey, signed.sign));
    // The body carries the nickname as percent-escaped GBK bytes.
    const nick = [...iconv.encode('天之蓝', 'gbk')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    assert.ok(new TextDecoder().decode(body).includes(nick), 'nickname escaped as GBK');
    assert.equal(response.status, 302);
    assertReturn(response, sim.gateway.publicKeyPem);

    const { sent, attempts } = await deliveries(sim.gateway);
    const kinds = new Set(sent.map((n) => n.kind));
    assert.ok(kinds.has('left_amount_handled') && kinds.has('assign_transfer'), [...kinds].join());
    for (const n of sent) assert.equal(n.status, 'delivered', `${n.kind} delivered`);
    assert.ok(
      attempts.length >= sent.length &&
        attempts.every((a) => a.outcome === 'success' && a.status === 200 && a.body === 'success'),
    );
    // What the example's onNotification printed: the task and the bidder's transfer, as the request named them.
    assert.ok(lines.includes('left_amount_handled demo_task paid: 1 failed: 0'), lines.join('\n'));
    assert.ok(lines.includes(`assign_transfer ${serial} 15.00 S`), lines.join('\n'));
  } finally {
    await app.close();
    await sim.close();
  }
});

test('express-notify: the notify route is mounted before the body parsers, which still serve the other routes', async (t) => {
  captureLog(t);
  const { createApp } = await example('express-notify.mjs');
  const app = await listen(createApp({ alipayPublicKey: importPublicKey(partner.publicKey) }));
  try {
    // A forged GBK delivery reaches our handler (not a 415 from body-parser) and is refused with `fail`.
    const forged = await fetch(`${app.url}/alipay/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=gbk' },
      body: 'notify_id=1&notify_type=witkey_assign_transfer&sign_type=DSA&sign=MCwCFAAAAAAAAAAAAAAAAAAAAAAAAAAAAhQAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D%3D',
    });
    assert.equal(await forged.text(), 'fail');
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get('x-witkey-error'), 'ILLEGAL_SIGN');
    assert.equal(await (await fetch(`${app.url}/`)).text(), 'partner site');
  } finally {
    await app.close();
  }
});

test("sign-request-gbk + frameworks/express (Express 5, global urlencoded and json parsers): the simulator's GBK notifications are all acknowledged once", async (t) => {
  const lines = captureLog(t);
  const sim = await simulator();
  const { createApp } = await example('frameworks/express.mjs');
  const app = await listen(createApp({ alipayPublicKey: importPublicKey(sim.gateway.publicKeyPem) }));
  try {
    const { main } = await example('sign-request-gbk.mjs');
    const serial = 'ex_frameworks_express_1';
    const { response } = await main({
      gateway: sim.gatewayUrl,
      privateKey: importPrivateKey(partner.privateKey),
      notifyUrl: `${app.url}/alipay/notify`,
      serial,
    });
    assert.equal(response.status, 302);
    const { sent, attempts } = await deliveries(sim.gateway);
    assert.ok(sent.some((n) => n.kind === 'left_amount_handled') && sent.some((n) => n.kind === 'assign_transfer'));
    for (const n of sent) assert.equal(n.status, 'delivered', `${n.kind} delivered`);
    assert.ok(attempts.every((a) => a.outcome === 'success' && a.status === 200 && a.body === 'success'));
    // The bidder's transfer, as the request named it (docs/PROTOCOL.md §6.3: transfer_status S once paid).
    assert.equal(lines.filter((l) => l === `paid ${serial} S`).length, 1, lines.join('\n'));
    const handled = lines.filter((l) =>
      /^(paid|left_amount_handled|refund_transfer|assign_transfer|platform_profit_transfer) /.test(l),
    );
    assert.equal(handled.length, sent.length, `one onNotification per notification: ${lines.join('\n')}`);
  } finally {
    await app.close();
    await sim.close();
  }
});

test('render-form: the hidden fields, as a browser submits them in GBK, verify with OpenSSL and the simulator accepts them', async (t) => {
  captureLog(t);
  const sim = await simulator();
  try {
    const { main } = await example('render-form.mjs');
    const { html } = await main({ gateway: sim.gatewayUrl, privateKey: importPrivateKey(partner.privateKey) });
    const form = /<form [^>]*>/.exec(html)[0];
    assert.ok(
      form.includes(`action="${sim.gatewayUrl}"`) && form.includes('method="post"') && form.includes('accept-charset="gbk"'),
      form,
    );
    assert.ok(!/<script/i.test(html), 'no script');
    const unescapeHtml = (s) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [
        unescapeHtml(m[1]),
        unescapeHtml(m[2]),
      ]),
    );
    assert.equal(fields.refund_detail.split('~*~')[1], '20.10');
    assert.ok(fields.transfer_detail.includes('~*~15.00~*~2088102116203708~*~天之蓝'), fields.transfer_detail);
    assert.ok(opensslVerify(iconv.encode(canonical(fields), 'gbk'), partner.publicKey, fields.sign));
    // What a browser's form submission with accept-charset="gbk" sends: each value's GBK bytes, escaped.
    const esc = (s) =>
      [...iconv.encode(s, 'gbk')]
        .map((b) =>
          /[A-Za-z0-9*\-._]/.test(String.fromCharCode(b))
            ? String.fromCharCode(b)
            : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
        )
        .join('');
    const res = await fetch(sim.gatewayUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Object.entries(fields)
        .map(([k, v]) => `${esc(k)}=${esc(v)}`)
        .join('&'),
    });
    assertReturn(res, sim.gateway.publicKeyPem);
  } finally {
    await sim.close();
  }
});

test("worker-notify: on D1 (workerd's, through miniflare), the fetch handler records every notification of a GBK request exactly once, duplicates included, and refuses a forged one", async (t) => {
  captureLog(t);
  const sim = await simulator();
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({ modules: true, script: 'export default {}', compatibilityDate: '2025-01-01', d1Databases: ['DB'] });
  const DB = await mf.getD1Database('DB');
  await DB.prepare('CREATE TABLE notifications (notify_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL)').run();
  const worker = (await example('worker-notify.mjs')).default;
  const env = { ALIPAY_PUBLIC_KEY: sim.gateway.publicKeyPem, DB };
  const site = await listen(toNodeHandler((request) => worker.fetch(request, env)));
  try {
    const { main } = await example('sign-request-gbk.mjs');
    const { response } = await main({
      gateway: sim.gatewayUrl,
      privateKey: importPrivateKey(partner.privateKey),
      notifyUrl: `${site.url}/alipay/notify`,
      serial: 'ex_worker_1',
    });
    assert.equal(response.status, 302);
    const { sent, attempts } = await deliveries(sim.gateway);
    assert.ok(sent.length >= 2);
    assert.ok(attempts.every((a) => a.outcome === 'success' && a.body === 'success'));
    // The gateway delivers each one again (its console's "Deliver again now"): acknowledged, not recorded twice.
    for (const n of sent) {
      const r = await sim.gateway.fetch(
        new Request(`http://gateway.test/console/api/notifications/${n.notifyId}/redeliver`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      );
      assert.equal(r.status, 200, await r.text());
    }
    await sim.gateway.idle();
    const again = (await sim.gateway.inspect()).attempts;
    assert.ok(again.length >= attempts.length + sent.length);
    assert.ok(again.every((a) => a.outcome === 'success' && a.body === 'success'));
    const rows = (await DB.prepare('SELECT notify_id, kind, status FROM notifications ORDER BY notify_id').all()).results;
    assert.deepEqual(
      rows.map((r) => `${r.notify_id} ${r.kind} ${r.status}`),
      sent.map((n) => `${n.notifyId} ${n.kind} T`).sort(),
    );
    const forged = await fetch(`${site.url}/alipay/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'notify_id=1&sign_type=DSA&sign=AAAA',
    });
    assert.equal(await forged.text(), 'fail');
    assert.notEqual(forged.status, 200);
    assert.equal((await fetch(`${site.url}/elsewhere`)).status, 404);
  } finally {
    await site.close();
    await sim.close();
    await mf.dispose();
  }
});

test('postgres-notify: two workers on one real PostgreSQL, every delivery sent to both at once — each payout row written exactly once', async (t) => {
  if (!postgresOrSkip(t)) return;
  captureLog(t);
  const server = await startPostgres();
  const { default: pg } = await import('pg');
  const pools = [new pg.Pool({ connectionString: server.url }), new pg.Pool({ connectionString: server.url })];
  const sim = await simulator();
  const sites = [];
  try {
    await pools[0].query('CREATE TABLE payouts (outer_transfer_no text NOT NULL, amount numeric NOT NULL, status text NOT NULL)');
    const { createApp } = await example('postgres-notify.mjs');
    const alipayPublicKey = importPublicKey(sim.gateway.publicKeyPem);
    for (const pool of pools) sites.push(await listen(createApp({ pool, alipayPublicKey })));
    // The gateway's notify_url: a front that hands each delivery to both workers at the same instant.
    const answers = [];
    const front = await listen((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        const workers = sites.slice(0, 2);
        const forward = (s) =>
          fetch(`${s.url}/alipay/notify`, { method: 'POST', headers: { 'content-type': req.headers['content-type'] }, body });
        const got = await Promise.all(workers.map((s) => forward(s).then(async (r) => `${r.status} ${await r.text()}`)));
        answers.push(...got);
        res.end(got.includes('200 success') ? 'success' : 'fail');
      });
    });
    sites.push(front);
    const { main } = await example('sign-request-gbk.mjs');
    const { response } = await main({
      gateway: sim.gatewayUrl,
      privateKey: importPrivateKey(partner.privateKey),
      notifyUrl: `${front.url}/alipay/notify`,
      serial: 'ex_pg_1',
    });
    assert.equal(response.status, 302);
    const { sent, attempts } = await deliveries(sim.gateway);
    assert.ok(sent.length >= 2);
    assert.ok(attempts.every((a) => a.outcome === 'success'));
    const payouts = (await pools[0].query('SELECT outer_transfer_no, amount::text, status FROM payouts')).rows;
    const assigned = sent.filter((n) => n.kind === 'assign_transfer');
    assert.equal(assigned.length, 1);
    assert.deepEqual(payouts, [{ outer_transfer_no: 'ex_pg_1', amount: '15.00', status: 'S' }]);
    // Both workers answered every delivery: one ran it, the other waited for its transaction and acknowledged it.
    assert.ok(
      answers.every((a) => a === '200 success'),
      answers.join(', '),
    );
  } finally {
    for (const s of sites) await s.close();
    await sim.close();
    await Promise.all(pools.map((p) => p.end()));
    await server.teardown();
  }
});

test('gateway-simulator: its notifications verify with OpenSSL over the raw bytes received, with the key file it wrote', async (t) => {
  captureLog(t);
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-examples-'));
  const gatewayKeyFile = path.join(dir, 'gateway_public.pem');
  const received = [];
  const partnerSite = await listen((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('latin1') });
      res.end('success');
    });
  });
  const { main } = await example('gateway-simulator.mjs');
  const sim = await main({ port: 0, partnerPublicKey: partner.publicKey, gatewayKeyFile });
  try {
    const keyPem = readFileSync(gatewayKeyFile, 'utf8');
    assert.equal(await (await fetch(`${sim.url}public-key.pem`)).text(), keyPem);
    assert.equal(crypto.createPublicKey(keyPem).asymmetricKeyType, 'dsa');
    const { main: send } = await example('sign-request-gbk.mjs');
    const { response } = await send({
      gateway: sim.gatewayUrl,
      privateKey: importPrivateKey(partner.privateKey),
      notifyUrl: `${partnerSite.url}/notify`,
      serial: 'ex_gateway_1',
    });
    assert.equal(response.status, 302);
    await sim.gateway.idle();
    assert.ok(received.length >= 2, `${received.length} notifications`);
    for (const { contentType, body } of received) {
      assert.match(contentType, /^application\/x-www-form-urlencoded; charset=gbk$/i);
      assert.ok(verifyRawBody(body, keyPem), 'OpenSSL verifies the notification');
      // The XML is GBK (iconv-lite decodes the bidder's transfer from the raw bytes).
      const xml = iconv.decode(rawFields(body).get('notify_data'), 'gbk');
      assert.match(xml, /^<\?xml version="1\.0" encoding="GBK"\?>/i);
    }
    assert.ok(received.some(({ body }) => iconv.decode(rawFields(body).get('notify_data'), 'gbk').includes('ex_gateway_1')));
  } finally {
    await sim.close();
    await partnerSite.close();
  }
});

test('parse-xml: a GBK document made by iconv-lite, fed in 5-byte chunks, gives back the bidders it holds', async (t) => {
  const lines = captureLog(t);
  const names = ['天之蓝', '云中鹤', '李四'];
  const xml = `<?xml version="1.0" encoding="GBK"?>\n<alipay><is_success>T</is_success><response><success_bidders>${names
    .map((n) => `<bidder><nick_name>${n}</nick_name></bidder>`)
    .join('\n')}</success_bidders></response></alipay>`;
  const bytes = iconv.encode(xml, 'gbk');
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 5) chunks.push(new Uint8Array(bytes.subarray(i, i + 5)));
  const { main } = await example('parse-xml.mjs');
  const { root, bidders } = await main({ chunks });
  assert.equal(root.name, 'alipay');
  assert.deepEqual(bidders, names);
  assert.deepEqual(lines, ['gbk alipay T', `alipay ${names.join(', ')}`]);
});

test('diagnose-signature: a GBK notification signed by OpenSSL over UTF-8 bytes is diagnosed CHARSET_MISMATCH; the right one verifies', async (t) => {
  const alipay = crypto.generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
  const pem = (k) => k.export({ type: 'spki', format: 'pem' });
  const fields = {
    notify_id: '70fec0c2730b27528665af4517c27b95',
    notify_time: '2012-06-12 10:00:00',
    notify_data: '<nick_name>天之蓝</nick_name>',
  };
  const enc = (s, cs) => iconv.encode(s, cs);
  const pct = (bytes) => [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  const bodyWith = (sign) =>
    Buffer.from(
      `${Object.entries(fields)
        .map(([k, v]) => `${k}=${pct(enc(v, 'gbk'))}`)
        .join('&')}&sign_type=DSA&sign=${pct(Buffer.from(sign))}`,
    );
  const contentType = 'application/x-www-form-urlencoded; charset=GBK';
  const { main } = await example('diagnose-signature.mjs');
  const keys = { alipayPublicKey: pem(alipay.publicKey), partnerPublicKey: partner.publicKey };

  const utf8 = enc(canonical(fields), 'utf8');
  let lines = captureLog(t);
  let d = await main({ body: bodyWith(crypto.sign('sha1', utf8, alipay.privateKey).toString('base64')), contentType, ...keys });
  assert.equal(lines[0], 'not verified: CHARSET_MISMATCH');
  assert.equal(d.signedBytes, utf8.toString('hex'));
  assert.equal(lines[2], `canonical string (utf-8): ${canonical(fields)}`);

  t.mock.restoreAll();
  lines = captureLog(t);
  const gbk = enc(canonical(fields), 'gbk');
  d = await main({ body: bodyWith(crypto.sign('sha1', gbk, alipay.privateKey).toString('base64')), contentType, ...keys });
  assert.equal(lines[0], 'verified: OK');
  assert.equal(d.signedBytes, gbk.toString('hex'));
});

// ---------------------------------------------------------------------------------------------------
// Code blocks of README.md and docs/*.md: each fenced js/ts block is preceded by either
//   <!-- example: examples/NAME.mjs -->   (the block is that file verbatim, and `<!-- /example -->` follows)
//   <!-- fragment -->                      (a short, non-runnable fragment such as a type signature)
const CODE_LANGS = new Set(['js', 'mjs', 'cjs', 'ts', 'mts', 'javascript', 'typescript', 'jsx', 'tsx']);
const MAX_FRAGMENT_LINES = 6;

function codeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    let j = i + 1;
    while (j < lines.length && !lines[j].trimStart().startsWith(fence)) j++;
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    let after = j + 1;
    while (after < lines.length && lines[after].trim() === '') after++;
    blocks.push({
      line: i + 1,
      lang: open[3].toLowerCase(),
      body: lines.slice(i + 1, j).join('\n'),
      before: lines[before] ?? '',
      after: lines[after] ?? '',
    });
    i = j;
  }
  return blocks;
}

const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('every js/ts code block in README.md and docs/*.md is an examples/ file verbatim or a marked fragment', () => {
  const shown = new Set();
  let fragments = 0;
  for (const doc of docs) {
    for (const b of codeBlocks(readFileSync(path.join(root, doc), 'utf8'))) {
      const where = `${doc}:${b.line}`;
      const ex = /^<!-- example: (examples\/[\w./-]+) -->$/.exec(b.before.trim());
      if (ex) {
        assert.ok(CODE_LANGS.has(b.lang), `${where}: an example block is fenced as js or ts`);
        assert.equal(b.after.trim(), '<!-- /example -->', `${where}: <!-- /example --> follows the block`);
        assert.equal(b.body + '\n', readFileSync(path.join(root, ex[1]), 'utf8'), `${where}: the block is ${ex[1]} verbatim`);
        shown.add(ex[1]);
      } else if (CODE_LANGS.has(b.lang)) {
        assert.equal(
          b.before.trim(),
          '<!-- fragment -->',
          `${where}: a ${b.lang} block must be <!-- example: examples/… --> or <!-- fragment -->`,
        );
        assert.ok(b.body.split('\n').length <= MAX_FRAGMENT_LINES, `${where}: a fragment is at most ${MAX_FRAGMENT_LINES} lines`);
        fragments++;
      }
    }
  }
  assert.ok(fragments <= 8, `${fragments} fragments: keep them few`);
  for (const f of exampleFiles()) assert.ok(shown.has(f), `${f} is shown in README.md or docs/`);
});

test('the code-block reader finds each block, its language, body and the marker line before it', () => {
  const b = codeBlocks('text\n\n<!-- fragment -->\n```ts\nsign(m, k): Uint8Array\n```\n\n```js\nx()\n```\n');
  assert.equal(b.length, 2);
  assert.equal(b[0].before, '<!-- fragment -->');
  assert.equal(b[0].body, 'sign(m, k): Uint8Array');
  assert.equal(b[1].before, '```');
  assert.equal(b[1].lang, 'js');
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

test('relative links of README.md, CONTRIBUTING.md and docs/*.md reach a file, and a #anchor a heading in it', () => {
  const anchorsOf = (file) =>
    new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /^#{1,6} /.test(l))
        .map((l) => slug(l.replace(/^#+ /, ''))),
    );
  for (const doc of [...docs, 'CONTRIBUTING.md']) {
    const text = readFileSync(path.join(root, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split('#');
      const abs = file ? path.resolve(path.dirname(path.join(root, doc)), file) : path.join(root, doc);
      assert.ok(existsSync(abs), `${doc}: ${target} does not exist`);
      if (anchor) assert.ok(anchorsOf(abs).has(anchor), `${doc}: no heading for #${anchor} in ${file || doc}`);
    }
  }
  assert.equal(slug("GBK: the runtime's `TextDecoder` and WebAssembly"), 'gbk-the-runtimes-textdecoder-and-webassembly');
});
