// End to end on loopback: the gateway simulator (startGatewayServer) and a partner whose
// notify endpoint is this library's handler (createNodeNotifyHandler), joined over real HTTP.
// Expected values come from the request the test builds and from docs/PROTOCOL.md (kinds, the retry
// schedule), not from the code under test.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  buildLeftAmountRequest,
  decodeReturn,
  exportPublicKey,
  generateKeyPair,
  importPublicKey,
  toFetchRequest,
} from '../dist/esm/index.js';
import { createFileNotifyStore, createNodeNotifyHandler, startGatewayServer } from '../dist/node/index.js';

const PARTNER = '2088101115793868';
const PUBLISHER = '2088102113960482';
const B1 = '2088102116203708';
const B2 = '2088102116203728';
const ABNORMAL = '2088102116203739';
const partnerKeys = generateKeyPair({ L: 1024, N: 160 });
const ALL_KINDS = ['left_amount_handled', 'refund_transfer', 'assign_transfer', 'platform_profit_transfer'];

async function listen(server) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${server.address().port}`;
}

/** A partner site: its notify endpoint (our handler) and a return endpoint. */
async function partnerSite(alipayPublicKey, { onNotification, store, wrap } = {}) {
  const processed = [];
  const handler = createNodeNotifyHandler({
    alipayPublicKey,
    store,
    async onNotification(n) {
      if (onNotification) await onNotification(n, processed);
      processed.push(n);
    },
  });
  const server = http.createServer((req, res) =>
    req.url.startsWith('/return') ? res.end('ok') : (wrap ? wrap(handler) : handler)(req, res),
  );
  const url = await listen(server);
  return {
    url,
    processed,
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

function request(charset, urls, overrides = {}) {
  return buildLeftAmountRequest({
    partner: PARTNER,
    privateKey: partnerKeys.privateKey,
    charset,
    outerTaskId: 'T1',
    alipayUserId: PUBLISHER,
    refund: { serial: 'R1', amount: '20.10' },
    platform: { serial: 'P1', amount: '5.00' },
    transfers: [
      { serial: 'A1', amount: '15.00', alipayUserId: B1, nickName: charset === 'utf-8' ? '天之蓝 😀' : '天之蓝' },
      { serial: 'A2', amount: '12.50', alipayUserId: B2, nickName: '云中鹤' },
      { serial: 'A3', amount: '3.50', alipayUserId: ABNORMAL, nickName: '李四' },
    ],
    notifyUrl: `${urls.partner}/notify`,
    returnUrl: `${urls.partner}/return`,
    gateway: urls.gateway,
    ...overrides,
  });
}

const gatewayConfig = (extra = {}) => ({
  port: 0,
  timeScale: 0.0005,
  partners: { [PARTNER]: { publicKey: exportPublicKey(partnerKeys.publicKey) } },
  tasks: [{ outerTaskId: 'T1', publisher: PUBLISHER, frozen: '60.00', expiresAt: Date.now() - 3_600_000 }],
  accounts: [PUBLISHER, PARTNER, B1, B2, { id: ABNORMAL, abnormal: true }],
  ...extra,
});

for (const charset of ['utf-8', 'gbk', 'gb2312']) {
  test(`happy path in ${charset}: return and every notification verified by the partner, each processed once`, async () => {
    const sim = await startGatewayServer(gatewayConfig());
    const alipayPublicKey = importPublicKey(sim.gateway.publicKeyPem);
    const site = await partnerSite(alipayPublicKey);
    try {
      const req = await request(charset, { partner: site.url, gateway: sim.gatewayUrl });
      const res = await fetch(toFetchRequest(req), { redirect: 'manual' });
      assert.equal(res.status, 302);
      const ret = await decodeReturn(new URL(res.headers.get('location')), { alipayPublicKey });
      assert.equal(ret.isSuccess, true);
      assert.deepEqual(
        ret.successBidders.map((b) => [b.outerTransferNo, b.amount, b.nickName]),
        [
          ['A1', '15.00', charset === 'utf-8' ? '天之蓝 😀' : '天之蓝'],
          ['A2', '12.50', '云中鹤'],
        ],
      );
      assert.deepEqual(
        ret.failBidders.map((b) => [b.outerTransferNo, b.alipayUserId]),
        [['A3', ABNORMAL]],
      );
      await sim.gateway.idle();
      const snap = await sim.gateway.inspect();
      const sent = snap.notifications.filter((n) => n.status !== 'return');
      assert.ok(sent.every((n) => n.status === 'delivered'));
      assert.deepEqual(site.processed.map((n) => n.notifyId).sort(), sent.map((n) => n.notifyId).sort());
      assert.equal(new Set(site.processed.map((n) => n.notifyId)).size, site.processed.length, 'each once');
      assert.deepEqual([...new Set(site.processed.map((n) => n.kind))].sort(), [...ALL_KINDS].sort());
      assert.ok(site.processed.every((n) => n.charset === charset));
      const transfers = site.processed.filter((n) => n.kind !== 'left_amount_handled').map((n) => n.transfer);
      assert.deepEqual(
        transfers
          .filter((t) => t.subType === 'ASSIGN_FOR_IMMEDIATE_PAYMENT')
          .map((t) => [t.outerTransferNo, t.amount, t.payeeUserId])
          .sort(),
        [
          ['A1', '15.00', B1],
          ['A2', '12.50', B2],
        ],
      );
      const refund = site.processed.find((n) => n.kind === 'refund_transfer').transfer;
      assert.deepEqual(
        [refund.outerTransferNo, refund.amount, refund.payeeUserId, refund.status],
        ['R1', '20.10', PUBLISHER, 'S'],
      );
      assert.ok(snap.sms.some((s) => s.outerTaskId === 'T1'));
    } finally {
      await site.close();
      await sim.close();
    }
  });
}

test('the partner handler failing 3 times, then succeeding: retried on the schedule, processed once', async () => {
  const sim = await startGatewayServer(gatewayConfig());
  let failures = 3;
  const site = await partnerSite(importPublicKey(sim.gateway.publicKeyPem), {
    onNotification(n) {
      if (n.kind === 'refund_transfer' && failures-- > 0) throw new Error('database down');
    },
  });
  try {
    await fetch(toFetchRequest(await request('gbk', { partner: site.url, gateway: sim.gatewayUrl })), { redirect: 'manual' });
    await sim.gateway.idle();
    const snap = await sim.gateway.inspect();
    const refund = snap.notifications.find((n) => n.kind === 'refund_transfer');
    assert.equal(refund.status, 'delivered');
    assert.equal(refund.attempts, 4);
    const attempts = snap.attempts.filter((a) => a.notifyId === refund.notifyId && a.outcome !== 'sending');
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ['failed', 'failed', 'failed', 'success'],
    );
    assert.deepEqual(
      attempts.map((a) => a.body),
      ['fail', 'fail', 'fail', 'success'],
    );
    // Spacing follows docs/PROTOCOL.md §6 (4m, 10m, 10m after the previous attempt), scaled: at least that long.
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
    for (const [i, m] of [4, 10, 10].entries()) assert.ok(gaps[i] >= m * 60_000 * 0.0005 - 5, `gap ${i}: ${gaps[i]} ms`);
    assert.equal(site.processed.filter((n) => n.kind === 'refund_transfer').length, 1);
  } finally {
    await site.close();
    await sim.close();
  }
});

test('duplicated, reordered and dropped deliveries: every notification processed exactly once', async () => {
  const sim = await startGatewayServer(
    gatewayConfig({
      faults: [
        { action: 'duplicate', kind: 'left_amount_handled' },
        { action: 'duplicate', kind: 'assign_transfer', times: 2 },
        { action: 'reorder', kind: 'refund_transfer' },
        { action: 'drop', kind: 'platform_profit_transfer', attempt: 1, times: 3 },
      ],
    }),
  );
  const site = await partnerSite(importPublicKey(sim.gateway.publicKeyPem));
  try {
    await fetch(toFetchRequest(await request('gbk', { partner: site.url, gateway: sim.gatewayUrl })), { redirect: 'manual' });
    await sim.gateway.idle();
    const snap = await sim.gateway.inspect();
    const sent = snap.notifications.filter((n) => n.status !== 'return');
    assert.ok(sent.every((n) => n.status === 'delivered'));
    assert.ok(snap.attempts.filter((a) => a.duplicate).length >= 3, 'duplicates were sent');
    assert.equal(site.processed.length, sent.length);
    assert.equal(new Set(site.processed.map((n) => n.notifyId)).size, sent.length);
  } finally {
    await site.close();
    await sim.close();
  }
});

test('business rejections reach the partner as verified is_success=F return and notification', async () => {
  const sim = await startGatewayServer(
    gatewayConfig({ tasks: [{ outerTaskId: 'T1', publisher: PUBLISHER, frozen: '60.00', expiresAt: Date.now() + 86_400_000 }] }),
  );
  const alipayPublicKey = importPublicKey(sim.gateway.publicKeyPem);
  const site = await partnerSite(alipayPublicKey);
  try {
    for (const [overrides, code] of [
      [{}, 'WITKEY_TASK_NOT_EXPIRED'],
      [{ outerTaskId: 'T404' }, 'WITKEY_TASK_NOT_EXIST'],
    ]) {
      const res = await fetch(toFetchRequest(await request('gbk', { partner: site.url, gateway: sim.gatewayUrl }, overrides)), {
        redirect: 'manual',
      });
      const ret = await decodeReturn(new URL(res.headers.get('location')), { alipayPublicKey });
      assert.deepEqual([ret.isSuccess, ret.error], [false, code]);
    }
    await sim.gateway.idle();
    assert.deepEqual(
      site.processed.map((n) => [n.kind, n.isSuccess, n.error]),
      [
        ['left_amount_handled', false, 'WITKEY_TASK_NOT_EXPIRED'],
        ['left_amount_handled', false, 'WITKEY_TASK_NOT_EXIST'],
      ],
    );
    // A request signed with another key is refused on the gateway.do page itself.
    const other = generateKeyPair({ L: 1024, N: 160 });
    const forged = await request('gbk', { partner: site.url, gateway: sim.gatewayUrl }, { privateKey: other.privateKey });
    const page = await fetch(toFetchRequest(forged), { redirect: 'manual' });
    assert.equal(page.headers.get('x-witkey-error'), 'ILLEGAL_SIGN');
    assert.match(await page.text(), /ILLEGAL_SIGN/);
  } finally {
    await site.close();
    await sim.close();
  }
});

test('partner crash after processing but before answering: the retry after its restart is acknowledged, not processed again', async () => {
  const sim = await startGatewayServer(gatewayConfig());
  const alipayPublicKey = importPublicKey(sim.gateway.publicKeyPem);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'witkey-e2e-')), 'ids.jsonl');
  let crashOnce = true;
  let store = createFileNotifyStore(file);
  let lastKind;
  const first = await partnerSite(alipayPublicKey, {
    store,
    onNotification(n) {
      lastKind = n.kind;
    },
    // The answer to the refund notification never leaves the process: the socket dies after the
    // handler stored the id (what a crash between commit and answer looks like to the gateway).
    wrap: (handler) => (req, res) => {
      const end = res.end.bind(res);
      res.end = (...args) => {
        if (crashOnce && lastKind === 'refund_transfer') {
          crashOnce = false;
          res.socket.destroy();
          return res;
        }
        return end(...args);
      };
      handler(req, res);
    },
  });
  try {
    await fetch(toFetchRequest(await request('gbk', { partner: first.url, gateway: sim.gatewayUrl })), { redirect: 'manual' });
    // Wait until the refund notification was processed (and its answer lost).
    for (let i = 0; i < 400 && !first.processed.some((n) => n.kind === 'refund_transfer'); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(crashOnce, false, 'the crash was simulated');
    await first.close();
    store.close();
    // Restart on the same port, with the store reopened from its file.
    store = createFileNotifyStore(file);
    const port = new URL(first.url).port;
    const processedAfter = [];
    const handler = createNodeNotifyHandler({
      alipayPublicKey,
      store,
      onNotification: (n) => {
        processedAfter.push(n);
      },
    });
    const server = http.createServer((req, res) => handler(req, res));
    await new Promise((r) => server.listen(Number(port), '127.0.0.1', r));
    try {
      await sim.gateway.idle();
    } finally {
      await new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      });
    }
    const snap = await sim.gateway.inspect();
    const refund = snap.notifications.find((n) => n.kind === 'refund_transfer');
    assert.equal(refund.status, 'delivered');
    assert.ok(refund.attempts >= 2, 'the gateway retried');
    const all = [...first.processed, ...processedAfter];
    assert.equal(all.filter((n) => n.kind === 'refund_transfer').length, 1, 'processed once across the restart');
    assert.equal(new Set(all.map((n) => n.notifyId)).size, all.length);
    assert.ok(snap.notifications.filter((n) => n.status !== 'return').every((n) => n.status === 'delivered'));
  } finally {
    store.close();
    await sim.close();
  }
});

test('simulator killed mid-delivery and restarted (SQLite): the partner still processes everything exactly once', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-e2e-'));
  const simKeys = generateKeyPair({ L: 1024, N: 160 });
  const { exportPrivateKey } = await import('../dist/esm/index.js');
  const config = {
    ...gatewayConfig(),
    key: exportPrivateKey(simKeys.privateKey),
    dbPath: path.join(dir, 'gateway.db'),
    timeScale: 0.002,
  };
  delete config.port;
  const alipayPublicKey = simKeys.publicKey;
  let holdRefund = true;
  let releaseHeld;
  const held = new Promise((r) => (releaseHeld = r));
  let afterKill;
  const killed = new Promise((r) => (afterKill = r));
  const site = await partnerSite(alipayPublicKey, {
    async onNotification(n) {
      if (n.kind === 'refund_transfer' && holdRefund) {
        holdRefund = false;
        releaseHeld();
        await killed; // the simulator is killed while this delivery is open; the partner then finishes its work
      }
    },
  });
  const start = () => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'support/gateway-child.mjs')], {
      env: { ...process.env, WITKEY_GATEWAY_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
      });
      child.once('exit', (code) => reject(new Error(`gateway child exited (${code})`)));
    });
    return { child, ready };
  };
  const a = start();
  let b;
  try {
    const urls = await a.ready;
    await fetch(toFetchRequest(await request('gbk', { partner: site.url, gateway: urls.gatewayUrl })), { redirect: 'manual' });
    await held;
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    afterKill();
    b = start();
    const urls2 = await b.ready;
    for (let i = 0; i < 3000; i++) {
      const snap = await (await fetch(`${urls2.url}inspect`)).json();
      const sent = snap.notifications.filter((n) => n.status !== 'return');
      if (sent.length >= 5 && sent.every((n) => n.status === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const snap = await (await fetch(`${urls2.url}inspect`)).json();
    const sent = snap.notifications.filter((n) => n.status !== 'return');
    assert.ok(
      sent.every((n) => n.status === 'delivered'),
      JSON.stringify(sent.map((n) => [n.kind, n.status])),
    );
    assert.deepEqual([...new Set(site.processed.map((n) => n.kind))].sort(), [...ALL_KINDS].sort());
    assert.equal(new Set(site.processed.map((n) => n.notifyId)).size, site.processed.length, 'each once');
    assert.deepEqual(site.processed.map((n) => n.notifyId).sort(), sent.map((n) => n.notifyId).sort());
  } finally {
    a.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await site.close();
  }
});
