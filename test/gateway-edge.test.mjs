// The simulator is Web-APIs-only: bundled from dist/esm by esbuild and run inside edge-runtime (the
// Vercel Edge sandbox: no process, no Buffer, no node: modules), a GBK request goes through
// gateway.fetch and the notifications are delivered; the partner's check uses OpenSSL outside.

import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { EdgeRuntime } from 'edge-runtime';
import { build } from 'esbuild';
import { exportPrivateKey } from '../dist/esm/index.js';
import {
  B1,
  notificationXml,
  opensslVerifiesRaw,
  PARTNER,
  PUBLISHER,
  parseUrlencoded,
  partnerKeys,
  simulatorKeys,
} from './support/gateway-fixtures.mjs';

const root = path.join(import.meta.dirname, '..');

test('createGateway runs in edge-runtime: request, return, notifications delivered through an injected fetch', async () => {
  const entry = `
    import { createGateway } from './dist/esm/gateway.js';
    import { buildLeftAmountRequest, toFetchRequest, importPrivateKey } from './dist/esm/index.js';
    globalThis.__run = async (cfg) => {
      let t = Date.UTC(2012, 0, 1);
      const got = [];
      const gw = createGateway({
        partners: { [cfg.partner]: { publicKey: cfg.partnerPublic } },
        key: cfg.simulatorPrivate,
        tasks: [{ outerTaskId: 'T1', publisher: cfg.publisher, frozen: '200.00', expiresAt: 0 }],
        now: () => t, autoRun: false,
        fetch: async (req) => { got.push({ type: req.headers.get('content-type'), body: await req.text() }); return new Response('success'); },
      });
      const req = await buildLeftAmountRequest({ partner: cfg.partner, privateKey: importPrivateKey(cfg.partnerPrivate), charset: 'gbk', outerTaskId: 'T1',
        alipayUserId: cfg.publisher, refund: { serial: 'r1', amount: '20.1' }, transfers: [{ serial: 's1', amount: '15', alipayUserId: cfg.bidder, nickName: '天之蓝' }],
        notifyUrl: 'http://partner.test/notify', returnUrl: 'http://partner.test/return', gateway: 'http://gw.test/gateway.do' });
      const res = await gw.fetch(toFetchRequest(req));
      for (let i = 0; i < 20; i++) { const n = await gw.nextDueAt(); if (n === undefined) break; t = Math.max(t, n); await gw.runDue(); }
      return JSON.stringify({ status: res.status, location: res.headers.get('location'), got, env: [typeof process, typeof Buffer] });
    };`;
  const out = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'edge-entry.js', loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const rt = new EdgeRuntime();
  rt.evaluate(out.outputFiles[0].text);
  const cfg = {
    partner: PARTNER,
    publisher: PUBLISHER,
    bidder: B1,
    partnerPublic: partnerKeys.publicPem,
    partnerPrivate: exportPrivateKey(partnerKeys.key),
    simulatorPrivate: exportPrivateKey(simulatorKeys.key),
  };
  const r = JSON.parse(await rt.evaluate(`__run(${JSON.stringify(cfg)})`));
  assert.deepEqual(r.env, ['undefined', 'undefined'], 'a sandbox without Node globals');
  assert.equal(r.status, 302);
  assert.ok(opensslVerifiesRaw(parseUrlencoded(r.location.slice(r.location.indexOf('?') + 1)), simulatorKeys.nodePublic));
  assert.deepEqual(
    r.got.map((g) => g.type),
    Array(4).fill('application/x-www-form-urlencoded; charset=gbk'),
  );
  const kinds = r.got
    .map((g) => parseUrlencoded(g.body))
    .map((p) => {
      assert.ok(opensslVerifiesRaw(p, simulatorKeys.nodePublic));
      const doc = notificationXml(p, 'gbk').doc.alipay;
      return doc.response.task_info
        ? 'task_info'
        : `${doc.response.transfer.sub_type ?? 'refund'}:${doc.response.transfer.transfer_status}`;
    });
  assert.deepEqual(kinds, ['task_info', 'refund:S', 'ASSIGN_FOR_IMMEDIATE_PAYMENT:S', 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT:S']);
});
