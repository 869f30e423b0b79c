// alipay-witkey/node, partner side: the notify endpoint on node:http (and behind a body parser), and
// the durable file store of processed notification ids across a restart.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importPublicKey } from '../dist/esm/dsa.js';
import { createFileNotifyStore, createNodeNotifyHandler } from '../dist/node/index.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';

const alipay = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const CT = 'application/x-www-form-urlencoded; charset=GBK';
const { body } = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), { charset: 'gbk', privateKey: alipay.privateKey });

async function serve(listener, fn) {
  const server = http.createServer(listener);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}/notify`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}
const post = async (url, b = body) => {
  const r = await fetch(url, { method: 'POST', body: b, headers: { 'content-type': CT } });
  return { status: r.status, text: await r.text(), reason: r.headers.get('x-witkey-error') };
};

test('node:http: a GBK notification streamed from the socket is verified and acknowledged', async () => {
  const seen = [];
  await serve(
    createNodeNotifyHandler({
      alipayPublicKey,
      onNotification: (n) => {
        seen.push(n.successBidders[0].nickName);
      },
    }),
    async (url) => {
      assert.deepEqual(await post(url), { status: 200, text: 'success', reason: null });
      const forged = body.slice();
      forged[forged.length - 5] ^= 1;
      assert.equal((await post(url, forged)).text, 'fail');
    },
  );
  assert.deepEqual(seen, ['天之蓝']);
});

test('behind a body parser: raw bytes from req.rawBody, else a loud BODY_ALREADY_CONSUMED', async () => {
  const errors = [];
  const handler = createNodeNotifyHandler({ alipayPublicKey, onNotification() {}, onError: (e) => errors.push(e.code) });
  const parser = (keepRaw) => (req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      req.body = Object.fromEntries(new URLSearchParams(raw.toString('latin1'))); // what express.urlencoded does, roughly
      if (keepRaw) req.rawBody = raw;
      handler(req, res);
    });
  };
  await serve(parser(true), async (url) => assert.equal((await post(url)).text, 'success'));
  await serve(parser(false), async (url) =>
    assert.deepEqual(await post(url), { status: 500, text: 'fail', reason: 'BODY_ALREADY_CONSUMED' }),
  );
  assert.deepEqual(errors, ['BODY_ALREADY_CONSUMED']);
});

test('as a middleware: it answers success and fail itself and never calls next(); the promise settles once the answer is written', async () => {
  const nexts = [];
  const notify = createNodeNotifyHandler({ alipayPublicKey, onNotification() {} });
  const finished = [];
  const listener = (req, res) => notify(req, res, (e) => nexts.push(e)).then(() => finished.push(res.writableFinished));
  await serve(listener, async (url) => {
    assert.deepEqual(await post(url), { status: 200, text: 'success', reason: null });
    const forged = body.slice();
    forged[forged.length - 5] ^= 1;
    assert.deepEqual(await post(url, forged), { status: 403, text: 'fail', reason: 'ILLEGAL_SIGN' });
    const get = await fetch(url);
    assert.deepEqual([get.status, await get.text()], [405, 'fail']);
  });
  assert.deepEqual(nexts, []);
  assert.deepEqual(finished, [true, true, true]);
});

test('as a middleware: an error it cannot answer (a Host header that is no URL) goes to next(error); without next, a plain 500', async () => {
  const raw = async (port) =>
    new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1');
      let out = '';
      c.on('data', (d) => {
        out += d;
      });
      c.on('end', () => resolve(out));
      c.on('error', reject);
      c.write(`POST /notify HTTP/1.1\r\nHost: [not-a-host\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      c.write(body);
    });
  for (const withNext of [true, false]) {
    const seen = [];
    const reported = [];
    const notify = createNodeNotifyHandler({ alipayPublicKey, onNotification() {} }, { onError: (e) => reported.push(e.code) });
    const server = http.createServer((req, res) => {
      if (!withNext) return notify(req, res);
      return notify(req, res, (e) => {
        seen.push(e.code);
        res.statusCode = 502;
        res.end('handed on');
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const out = await raw(server.address().port);
      if (withNext) assert.match(out, /^HTTP\/1\.1 502 [\s\S]*handed on$/);
      else assert.match(out, /^HTTP\/1\.1 500 [\s\S]*internal error$/);
      assert.deepEqual(seen, withNext ? ['ERR_INVALID_URL'] : []);
      assert.deepEqual(reported, ['ERR_INVALID_URL']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }
});

test('file store: a restart remembers processed ids; a line cut by a crash is ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'witkey-notify-'));
  const path = join(dir, 'sub', 'ids.jsonl');
  let calls = 0;
  const onNotification = () => {
    calls++;
  };
  let store = createFileNotifyStore(path);
  await serve(createNodeNotifyHandler({ alipayPublicKey, store, onNotification }), async (url) =>
    assert.equal((await post(url)).text, 'success'),
  );
  store.close();
  assert.match(readFileSync(path, 'utf8'), /^\{"id":"70fec0c2730b27528665af4517c27b95","kind":"left_amount_handled",.*\}\n$/);
  // "Restart": a new store from the same file, a new handler.
  store = createFileNotifyStore(path);
  assert.equal(store.size, 1);
  await serve(createNodeNotifyHandler({ alipayPublicKey, store, onNotification }), async (url) =>
    assert.equal((await post(url)).text, 'success'),
  );
  assert.equal(calls, 1);
  store.close();
  // A crash in the middle of a write leaves a cut last line: it is ignored (never acknowledged), and sealed.
  appendFileSync(path, '{"id":"cut-in-the-mid');
  store = createFileNotifyStore(path);
  assert.equal(store.size, 1);
  assert.equal(store.get('cut-in-the-mid'), undefined);
  const claim = store.claim('n2', { leaseMs: 1000, owner: 't' });
  assert.equal(claim.status, 'claimed');
  store.complete('n2', claim.token, {
    kind: 'refund_transfer',
    notifyTime: '2012-06-12 10:00:01',
    processedAt: new Date().toISOString(),
  });
  store.close();
  store = createFileNotifyStore(path);
  assert.equal(store.claim('n2', { leaseMs: 1000, owner: 't' }).status, 'processed');
  store.close();
  // A complete line that is not a record is an error, not silently dropped.
  writeFileSync(path, 'not json\n');
  assert.throws(
    () => createFileNotifyStore(path),
    (e) => e.code === 'INVALID_OPTION' && /ids\.jsonl:1/.test(e.message),
  );
});

test("file store: one process per file — a second opener gets INVALID_OPTION naming the holder; a dead holder's lock is taken over", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'witkey-notify-'));
  const path = join(dir, 'ids.jsonl');
  const store = createFileNotifyStore(path);
  assert.throws(
    () => createFileNotifyStore(path),
    (e) => e.code === 'INVALID_OPTION' && /already open in this process/.test(e.message),
  );
  // Another live process: it is refused, and told who holds the file.
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createFileNotifyStore } from ${JSON.stringify(new URL('../dist/node/index.js', import.meta.url).href)};
       try { createFileNotifyStore(${JSON.stringify(path)}); console.log('opened'); } catch (e) { console.log(e.code + ' ' + e.message); }`,
    ],
    { encoding: 'utf8' },
  );
  assert.match(child.stdout, new RegExp(`^INVALID_OPTION .*in use by process ${process.pid}`));
  store.close();
  // A lock left by a process that died (a pid that does not exist) is taken over.
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(`${path}.lock`, dead);
  const again = createFileNotifyStore(path);
  assert.equal(readFileSync(`${path}.lock`, 'utf8'), String(process.pid));
  again.close();
  assert.equal(existsSync(`${path}.lock`), false);
});

test('the Node build imports the core through its entries: no second WitkeyError class (instanceof holds across entries)', () => {
  for (const f of ['../dist/node/index.js', '../dist/node/index.cjs'])
    assert.doesNotMatch(readFileSync(new URL(f, import.meta.url), 'utf8'), /class WitkeyError\b/, f);
});
