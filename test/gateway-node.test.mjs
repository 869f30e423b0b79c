// Node side of the simulator: toNodeHandler, startGatewayServer over loopback HTTP, and durable
// SQLite state across a crash (SIGKILL) in the middle of a delivery — nothing lost, nothing sent
// again after the partner answered success. Signatures checked by OpenSSL over raw received bytes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { buildLeftAmountRequest, toFetchRequest, WitkeyError } from '../dist/esm/index.js';
import { openSqliteStore, startGatewayServer, toNodeHandler } from '../dist/node/index.js';
import {
  B1,
  B2,
  B3,
  fieldBytes,
  notificationXml,
  opensslVerifiesRaw,
  PARTNER,
  PUBLISHER,
  parseUrlencoded,
  partnerKeys,
  sampleInput,
} from './support/gateway-fixtures.mjs';

const listen = async (server) => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${server.address().port}`;
};

test('toNodeHandler: streamed request body in, status, headers, cookies and streamed body out; a throwing handler is a 500', async () => {
  const seen = [];
  const server = createServer(
    toNodeHandler(
      async (req) => {
        if (new URL(req.url).pathname === '/throw') throw new Error('boom');
        const body = new Uint8Array(await req.arrayBuffer());
        seen.push({
          method: req.method,
          url: req.url,
          type: req.headers.get('content-type'),
          length: body.length,
          last: body.at(-1),
        });
        const headers = new Headers({ 'x-echo': String(body.length) });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        const stream = new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('part1,'));
            c.enqueue(new TextEncoder().encode('part2'));
            c.close();
          },
        });
        return new Response(stream, { status: 201, headers });
      },
      { onError: (e) => seen.push({ error: e.message }) },
    ),
  );
  const base = await listen(server);
  try {
    const big = new Uint8Array(300_000).fill(7);
    big[big.length - 1] = 9;
    const res = await fetch(`${base}/echo?q=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: big,
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-echo'), '300000');
    assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(await res.text(), 'part1,part2');
    assert.deepEqual(seen[0], {
      method: 'POST',
      url: `${base}/echo?q=1`,
      type: 'application/octet-stream',
      length: 300000,
      last: 9,
    });
    const bad = await fetch(`${base}/throw`);
    assert.equal(bad.status, 500);
    assert.equal(await bad.text(), 'internal error');
    assert.deepEqual(seen[1], { error: 'boom' });
  } finally {
    server.close();
  }
});

test('startGatewayServer on loopback: a GBK request over HTTP, the 302 return, notifications POSTed to a real endpoint', async () => {
  const bodies = [];
  const partner = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    bodies.push({ type: req.headers['content-type'], body: Buffer.concat(chunks).toString('latin1') });
    res.end('success');
  });
  const partnerUrl = await listen(partner);
  const sim = await startGatewayServer({
    partners: { [PARTNER]: { publicKey: partnerKeys.publicPem } },
    tasks: [{ outerTaskId: 'T1', publisher: PUBLISHER, outerAccountId: 'task_publisher', frozen: '200.00', expiresAt: 0 }],
    accounts: [PUBLISHER, B1, B3, { id: B2, abnormal: true }],
    timeScale: 0.001,
  });
  try {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const nodeKey = crypto.createPublicKey(sim.gateway.publicKeyPem);
    const req = await buildLeftAmountRequest(
      sampleInput({
        charset: 'gbk',
        gateway: sim.gatewayUrl,
        notifyUrl: `${partnerUrl}/notify`,
        returnUrl: `${partnerUrl}/return`,
      }),
    );
    const res = await fetch(toFetchRequest(req));
    assert.equal(res.status, 302);
    const loc = res.headers.get('location');
    assert.ok(opensslVerifiesRaw(parseUrlencoded(loc.slice(loc.indexOf('?') + 1)), nodeKey));
    await sim.gateway.idle();
    assert.equal(bodies.length, 7);
    for (const b of bodies) {
      assert.equal(b.type, 'application/x-www-form-urlencoded; charset=gbk');
      assert.ok(opensslVerifiesRaw(parseUrlencoded(b.body), nodeKey));
    }
    const inspect = await (await fetch(`${sim.url}inspect`)).json();
    assert.equal(inspect.attempts.length, 7);
  } finally {
    await sim.close();
    partner.close();
  }
});

test('openSqliteStore: atomic batches, insertion order kept across updates, reopened from disk', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-store-'));
  try {
    const file = path.join(dir, 's.db');
    const s = await openSqliteStore(file);
    await s.write([
      { collection: 'task', key: 'b', value: { n: 1 } },
      { collection: 'task', key: 'a', value: { n: 2 } },
    ]);
    await s.write([{ collection: 'task', key: 'b', value: { n: 3 } }]);
    await assert.rejects(
      s.write([
        { collection: 'task', key: 'c', value: { n: 4 } },
        { collection: 'task', key: 'd', value: 10n },
      ]),
      TypeError,
    );
    s.close();
    const again = await openSqliteStore(file);
    assert.deepEqual(await again.list('task'), [{ n: 3 }, { n: 2 }], 'the failed batch left nothing behind');
    assert.deepEqual(await again.get('task', 'a'), { n: 2 });
    assert.equal(await again.get('task', 'zz'), undefined);
    await again.write([{ collection: 'task', key: 'a', value: undefined }]);
    assert.deepEqual(await again.list('task'), [{ n: 3 }]);
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function startChild(env) {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'support/gateway-child.mjs')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.once('exit', (code) => reject(new Error(`gateway child exited early (${code})`)));
  });
  return { child, ready };
}

async function waitFor(fn, what, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('SQLite: SIGKILL during a delivery, restart — nothing lost, nothing re-sent after success, same key', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-gw-'));
  const dbPath = path.join(dir, 'gateway.db');
  const received = []; // { id, type, body, answered }
  let holdNext = 'witkey_refund_transfer';
  let held;
  let heldArrived;
  const arrived = new Promise((r) => (heldArrived = r));
  const partner = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('latin1');
    const pairs = parseUrlencoded(body);
    const rec = {
      id: fieldBytes(pairs, 'notify_id').toString(),
      type: fieldBytes(pairs, 'notify_type').toString(),
      pairs,
      answered: null,
    };
    received.push(rec);
    if (rec.type === holdNext) {
      holdNext = undefined;
      held = res; // never answered: the simulator is killed while it waits
      heldArrived(rec);
      return;
    }
    rec.answered = 'success';
    res.end('success');
  });
  const partnerUrl = await listen(partner);
  const config = {
    partners: { [PARTNER]: { publicKey: partnerKeys.publicPem } },
    tasks: [{ outerTaskId: 'T1', publisher: PUBLISHER, outerAccountId: 'task_publisher', frozen: '200.00', expiresAt: 0 }],
    accounts: [PUBLISHER, B1, B3, { id: B2, abnormal: true }],
    timeScale: 0.01,
    dbPath,
  };
  const env = { WITKEY_GATEWAY_CONFIG: JSON.stringify(config) };
  const first = startChild(env);
  let second;
  try {
    const urls = await first.ready;
    const key1 = await (await fetch(`${urls.url}public-key.pem`)).text();
    const req = await buildLeftAmountRequest(
      sampleInput({
        charset: 'gb2312',
        gateway: urls.gatewayUrl,
        notifyUrl: `${partnerUrl}/notify`,
        returnUrl: `${partnerUrl}/return`,
      }),
    );
    assert.equal((await fetch(toFetchRequest(req))).status, 302);
    const heldRec = await arrived;
    const before = await (await fetch(`${urls.url}inspect`)).json();
    assert.equal(before.notifications.find((n) => n.notifyId === heldRec.id).status, 'pending');
    const leftId = before.notifications.find((n) => n.kind === 'left_amount_handled' && n.status !== 'return').notifyId;
    assert.equal(before.notifications.find((n) => n.notifyId === leftId).status, 'delivered', 'acknowledged before the crash');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    held.destroy();

    second = startChild(env);
    const urls2 = await second.ready;
    const key2 = await (await fetch(`${urls2.url}public-key.pem`)).text();
    assert.equal(key2, key1, 'the simulator key generated at first start is kept in the database');
    const after = await waitFor(async () => {
      const s = await (await fetch(`${urls2.url}inspect`)).json();
      const open =
        s.notifications.filter((n) => n.status === 'pending' || n.status === 'held').length +
        s.transfers.filter((t) => t.status === 'W').length;
      return open === 0 && s.notifications.length === 8 ? s : undefined;
    }, 'all notifications delivered after the restart');

    const sent = after.notifications.filter((n) => n.status !== 'return');
    assert.equal(sent.length, 7);
    assert.ok(
      sent.every((n) => n.status === 'delivered'),
      'nothing lost',
    );
    const nodeKey = crypto.createPublicKey(key2);
    for (const n of sent) {
      const got = received.filter((r) => r.id === n.notifyId);
      assert.equal(got.filter((r) => r.answered === 'success').length, 1, `${n.kind} ${n.notifyId} acknowledged exactly once`);
      assert.equal(got.at(-1).answered, 'success', 'nothing arrived after the success');
      for (const r of got) assert.ok(opensslVerifiesRaw(r.pairs, nodeKey));
    }
    assert.equal(
      received.filter((r) => r.id === leftId).length,
      1,
      'the notification acknowledged before the crash was not sent again',
    );
    assert.equal(received.filter((r) => r.id === heldRec.id).length, 2, 'the interrupted delivery was sent again');
    assert.deepEqual(
      after.attempts.filter((a) => a.notifyId === heldRec.id).map((a) => a.outcome),
      ['interrupted', 'success'],
    );
    assert.equal(notificationXml(heldRec.pairs, 'gb2312').encoding, 'GB2312');
    assert.equal(after.tasks[0].remaining, '122.46');
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGTERM');
    if (second) await once(second.child, 'exit').catch(() => undefined);
    partner.close();
    partner.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startGatewayServer rejects a bad configuration before listening', async () => {
  await assert.rejects(
    startGatewayServer({ partners: { nope: {} } }),
    (e) => e instanceof WitkeyError && e.code === 'INVALID_OPTION',
  );
});

test('startGatewayServer: a port in use is an error (EADDRINUSE) and leaves nothing running', async () => {
  const taken = createServer();
  const base = await listen(taken);
  const port = Number(new URL(base).port);
  try {
    await assert.rejects(startGatewayServer({ port, partners: { [PARTNER]: { publicKey: partnerKeys.publicPem } } }), {
      code: 'EADDRINUSE',
    });
  } finally {
    taken.close();
  }
});
