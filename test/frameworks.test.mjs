// The notify endpoint inside the frameworks partners use, each with its usual body parsers enabled:
// the examples/frameworks/ apps on real servers on loopback (Express 5 and 4, Fastify 5 with
// @fastify/formbody, Koa 3 with @koa/bodyparser, Hono on @hono/node-server, a Next.js-style route
// handler on node:http). Notifications are made without this library (iconv-lite / TextEncoder bytes,
// OpenSSL signatures: test/support/notify-oracle.mjs). Each framework also runs the mount order that
// fails — the body parser first — and the symptom docs/FRAMEWORKS.md names is asserted here.

import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import formbody from '@fastify/formbody';
import { serve } from '@hono/node-server';
import { bodyParser } from '@koa/bodyparser';
import { createNotifyHandler, importPublicKey } from 'alipay-witkey';
import { createNodeNotifyHandler, toNodeHandler } from 'alipay-witkey/node';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody, TRANSFER_XML } from './support/notify-oracle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const example = (name) => import(pathToFileURL(path.join(root, 'examples', 'frameworks', name)).href);

const alipay = opensslKeyPair();
const alipayPublicKey = importPublicKey(alipay.publicPem);
const FORM = (charset) => `application/x-www-form-urlencoded; charset=${charset}`;
// The §6.1 sample names this bidder and the §6.2 sample this transfer (docs/PROTOCOL.md).
const TRANSFER_NO = '20111221_0011_10';

/** Three notifications per framework, ids of its own: a GBK §6.1, a UTF-8 §6.1 and a UTF-8 §6.3. */
function notifications(tag) {
  const gbkId = `${tag}-gbk`;
  const utf8Id = `${tag}-utf8`;
  const transferId = `${tag}-transfer`;
  const sign = (fields, charset) => signedBody(fields, { charset, privateKey: alipay.privateKey }).body;
  return {
    gbkId,
    utf8Id,
    transferId,
    gbk: sign(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId: gbkId }), 'gbk'),
    utf8: sign(notificationFields(LEFT_AMOUNT_XML('UTF-8'), { notifyId: utf8Id }), 'utf-8'),
    transfer: sign(notificationFields(TRANSFER_XML, { notifyId: transferId, notifyType: 'witkey_assign_transfer' }), 'utf-8'),
  };
}

async function post(url, body, charset) {
  const r = await fetch(`${url}/alipay/notify`, { method: 'POST', body, headers: { 'content-type': FORM(charset) } });
  return { status: r.status, reason: r.headers.get('x-witkey-error'), text: await r.text() };
}

const SUCCESS = { status: 200, reason: null, text: 'success' };

/** A node:http server on a free loopback port. */
async function listen(listener) {
  const server = http.createServer(listener);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

function captureLog(t) {
  const lines = [];
  t.mock.method(console, 'log', (...args) => lines.push(args.join(' ')));
  return lines;
}

/** The servers of the examples, as a partner runs them. */
const apps = {
  'Express 5': async () => listen((await example('express.mjs')).createApp({ alipayPublicKey, express: express5 })),
  'Express 4': async () => listen((await example('express.mjs')).createApp({ alipayPublicKey, express: express4 })),
  'Fastify 5': async () => {
    const app = (await example('fastify.mjs')).createApp({ alipayPublicKey });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${app.server.address().port}`, close: () => app.close() };
  },
  'Koa 3': async () => listen((await example('koa.mjs')).createApp({ alipayPublicKey }).callback()),
  Hono: async () => {
    const app = (await example('hono.mjs')).createApp({ alipayPublicKey });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    return {
      url: `http://127.0.0.1:${server.address().port}`,
      close: () =>
        new Promise((r) => {
          server.close(r);
          server.closeAllConnections();
        }),
    };
  },
  'Next.js route handler': async () => {
    process.env.ALIPAY_PUBLIC_KEY = alipay.publicPem;
    const { POST } = await example('nextjs-route.mjs');
    // What Next does for app/alipay/notify/route.js: POST requests of that path to the exported POST.
    return listen(
      toNodeHandler((req) =>
        req.method === 'POST' && new URL(req.url).pathname === '/alipay/notify'
          ? POST(req)
          : new Response('not found', { status: 404 }),
      ),
    );
  },
};

for (const [name, start] of Object.entries(apps)) {
  test(`${name}: GBK and UTF-8 notifications → success, once per notify_id with duplicates; a forged one → 403 fail ILLEGAL_SIGN`, async (t) => {
    const lines = captureLog(t);
    const n = notifications(name.replace(/\W/g, '').toLowerCase());
    const app = await start();
    try {
      // The gateway may deliver one notification twice at once, and again later.
      const first = await Promise.all([
        post(app.url, n.gbk, 'GBK'),
        post(app.url, n.gbk, 'GBK'),
        post(app.url, n.utf8, 'UTF-8'),
        post(app.url, n.transfer, 'UTF-8'),
        post(app.url, n.transfer, 'UTF-8'),
      ]);
      for (const r of first) assert.deepEqual(r, SUCCESS);
      for (const [body, cs] of [
        [n.gbk, 'GBK'],
        [n.utf8, 'UTF-8'],
        [n.transfer, 'UTF-8'],
      ])
        assert.deepEqual(await post(app.url, body, cs), SUCCESS);
      // onNotification ran once per notify_id: the lines the example prints, from the inputs sent.
      assert.deepEqual(
        lines.toSorted(),
        [`left_amount_handled ${n.gbkId} T`, `left_amount_handled ${n.utf8Id} T`, `paid ${TRANSFER_NO} S`].sort(),
      );

      const forged = n.gbk.slice();
      forged[forged.length - 6] ^= 1; // a byte of the base64 signature
      assert.deepEqual(await post(app.url, forged, 'GBK'), { status: 403, reason: 'ILLEGAL_SIGN', text: 'fail' });
      assert.equal(lines.length, 3);

      if (name !== 'Next.js route handler') {
        // The site's own forms are still parsed by the framework's body parser.
        const r = await fetch(`${app.url}/contact`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'name=%E5%A4%A9&x=1',
        });
        assert.equal(r.status, 200);
        assert.deepEqual((await r.json()).got, { name: '天', x: '1' });
      }
    } finally {
      await app.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// The mount orders that fail: the framework's body parser reads the request before the notify handler.

const errorsOf = () => {
  const errors = [];
  return { errors, options: { alipayPublicKey, onNotification() {}, onError: (e) => errors.push(e.code ?? e.name) } };
};

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
]) {
  test(`${name}, global parsers ABOVE the notify route: GBK → 415 charset.unsupported from body-parser (onError never called); UTF-8 → 500 BODY_ALREADY_CONSUMED`, async () => {
    const n = notifications(`${name.replace(/\W/g, '')}-parser-first`);
    const { errors, options } = errorsOf();
    const app = express();
    app.set('env', 'test'); // Express prints the errors its final handler answers, except in the test env
    app.use(express.urlencoded({ extended: false }), express.json());
    app.post('/alipay/notify', createNodeNotifyHandler(options));
    const types = [];
    app.use((err, _req, _res, next) => {
      types.push(err.type);
      next(err); // Express's own answer, as a partner without an error handler sees it
    });
    const server = await listen(app);
    try {
      const gbk = await post(server.url, n.gbk, 'GBK');
      assert.equal(gbk.status, 415);
      assert.equal(gbk.reason, null);
      assert.match(gbk.text, /unsupported charset &quot;GBK&quot;/);
      assert.deepEqual(types, ['charset.unsupported']);
      assert.deepEqual(errors, [], 'the notify handler never ran');
      assert.deepEqual(await post(server.url, n.utf8, 'UTF-8'), { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
      assert.deepEqual(errors, ['BODY_ALREADY_CONSUMED']);
    } finally {
      await server.close();
    }
  });
}

test("Express 5, the raw-body remedy (urlencoded's verify hook keeps req.rawBody): UTF-8 → success from req.rawBody, GBK → still 415, refused before verify runs", async () => {
  const n = notifications('express5-verify-hook');
  const { errors, options } = errorsOf();
  const app = express5();
  app.set('env', 'test');
  let verified = 0;
  app.use(
    express5.urlencoded({
      extended: false,
      verify: (req, _res, buf) => {
        verified++;
        req.rawBody = buf;
      },
    }),
  );
  app.post('/alipay/notify', createNodeNotifyHandler(options));
  const server = await listen(app);
  try {
    assert.deepEqual(await post(server.url, n.utf8, 'UTF-8'), SUCCESS);
    assert.equal(verified, 1);
    const gbk = await post(server.url, n.gbk, 'GBK');
    assert.equal(gbk.status, 415);
    assert.match(gbk.text, /unsupported charset/);
    assert.equal(verified, 1, 'verify never saw the GBK body');
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("Express 5, parsers mounted only on the site's router: the notify route may come after them → success", async () => {
  const n = notifications('express5-routers');
  const { errors, options } = errorsOf();
  const app = express5();
  const site = express5.Router();
  site.post('/contact', (req, res) => res.json({ got: req.body }));
  app.use('/site', express5.urlencoded({ extended: false }), express5.json(), site);
  app.post('/alipay/notify', createNodeNotifyHandler(options));
  const server = await listen(app);
  try {
    assert.deepEqual(await post(server.url, n.gbk, 'GBK'), SUCCESS);
    assert.deepEqual(await post(server.url, n.utf8, 'UTF-8'), SUCCESS);
    const r = await fetch(`${server.url}/site/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    assert.deepEqual(await r.json(), { got: { x: '1' } });
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test('Express 4, express.json() alone above the route: it sets req.body = {} without reading a form; the handler still streams the body → success', async () => {
  const n = notifications('express4-json-first');
  const { errors, options } = errorsOf();
  const app = express4();
  app.use(express4.json());
  let bodyBefore;
  app.post(
    '/alipay/notify',
    (req, _res, next) => {
      bodyBefore = req.body;
      next();
    },
    createNodeNotifyHandler(options),
  );
  const server = await listen(app);
  try {
    assert.deepEqual(await post(server.url, n.gbk, 'GBK'), SUCCESS);
    assert.deepEqual(bodyBefore, {}, 'body-parser 1.x set req.body although it did not parse');
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test('Fastify 5: without @fastify/formbody or a raw parser → 415 FST_ERR_CTP_INVALID_MEDIA_TYPE; with formbody parsing the route → 500 BODY_ALREADY_CONSUMED (GBK and UTF-8)', async () => {
  const n = notifications('fastify-parser-first');
  for (const withFormbody of [false, true]) {
    const { errors, options } = errorsOf();
    const app = Fastify();
    if (withFormbody) app.register(formbody);
    const notify = createNodeNotifyHandler(options);
    app.post('/alipay/notify', (req, reply) => {
      reply.hijack();
      return notify(req.raw, reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${app.server.address().port}`;
    try {
      for (const [body, cs] of [
        [n.gbk, 'GBK'],
        [n.utf8, 'UTF-8'],
      ]) {
        const r = await post(url, body, cs);
        if (withFormbody) assert.deepEqual(r, { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
        else {
          assert.equal(r.status, 415);
          assert.equal(JSON.parse(r.text).code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE');
        }
      }
      assert.deepEqual(errors, withFormbody ? ['BODY_ALREADY_CONSUMED', 'BODY_ALREADY_CONSUMED'] : []);
    } finally {
      await app.close();
    }
  }
});

test('Koa 3, @koa/bodyparser above the notify middleware: it consumes the stream and keeps only a decoded string (ctx.request.rawBody) → 500 BODY_ALREADY_CONSUMED (GBK and UTF-8)', async () => {
  const n = notifications('koa-parser-first');
  const { errors, options } = errorsOf();
  const app = new Koa();
  app.use(bodyParser());
  const notify = createNodeNotifyHandler(options);
  const rawBodies = [];
  app.use(async (ctx) => {
    rawBodies.push(`${typeof ctx.request.rawBody} ${typeof ctx.req.rawBody}`);
    ctx.respond = false;
    await notify(ctx.req, ctx.res);
  });
  const server = await listen(app.callback());
  try {
    assert.deepEqual(await post(server.url, n.gbk, 'GBK'), { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
    assert.deepEqual(await post(server.url, n.utf8, 'UTF-8'), { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
    assert.deepEqual(
      rawBodies,
      ['string undefined', 'string undefined'],
      'a decoded string on ctx.request, nothing on the node request',
    );
    assert.deepEqual(errors, ['BODY_ALREADY_CONSUMED', 'BODY_ALREADY_CONSUMED']);
  } finally {
    await server.close();
  }
});

// Hono and Next.js parse nothing unless asked; the failure is code that reads the body first. The handler
// then gets a Request whose body stream is already read: 500 fail, BODY_ALREADY_CONSUMED, reported to onError.
test('Hono, a middleware that calls c.req.parseBody() before the notify route → 500 fail BODY_ALREADY_CONSUMED', async () => {
  const n = notifications('hono-parser-first');
  const { errors, options } = errorsOf();
  const app = new Hono();
  app.use(async (c, next) => {
    if (c.req.method === 'POST') await c.req.parseBody();
    await next();
  });
  const notify = createNotifyHandler(options);
  app.post('/alipay/notify', (c) => notify(c.req.raw));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    assert.deepEqual(await post(url, n.gbk, 'GBK'), { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
    assert.deepEqual(await post(url, n.utf8, 'UTF-8'), { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
    assert.deepEqual(errors, ['BODY_ALREADY_CONSUMED', 'BODY_ALREADY_CONSUMED']);
  } finally {
    await new Promise((r) => {
      server.close(r);
      server.closeAllConnections();
    });
  }
});

test('Next.js-style route handler: req.formData() before the handler → 500 fail BODY_ALREADY_CONSUMED; the form re-encoded from it → GBK 403 ILLEGAL_SIGN, UTF-8 success', async () => {
  const n = notifications('next-parser-first');
  const { errors, options } = errorsOf();
  const notify = createNotifyHandler(options);
  let reencode = false;
  const server = await listen(
    toNodeHandler(async (req) => {
      const form = await req.formData();
      if (!reencode) return notify(req);
      // What a partner tries next: rebuild a body from the parsed form. Its bytes are no longer the
      // gateway's: GBK text was decoded as UTF-8 (U+FFFD) and comes back as other bytes.
      return notify(new Request(req.url, { method: 'POST', headers: req.headers, body: new URLSearchParams(form) }));
    }),
  );
  try {
    assert.deepEqual(await post(server.url, n.gbk, 'GBK'), { status: 500, reason: 'BODY_ALREADY_CONSUMED', text: 'fail' });
    assert.deepEqual(errors, ['BODY_ALREADY_CONSUMED']);
    reencode = true;
    assert.deepEqual(await post(server.url, n.gbk, 'GBK'), { status: 403, reason: 'ILLEGAL_SIGN', text: 'fail' });
    assert.deepEqual(errors, ['BODY_ALREADY_CONSUMED', 'ILLEGAL_SIGN']);
    // UTF-8 text survives that round trip, so the same code passes every UTF-8 test and fails in GBK production.
    assert.deepEqual(await post(server.url, n.utf8, 'UTF-8'), SUCCESS);
  } finally {
    await server.close();
  }
});
