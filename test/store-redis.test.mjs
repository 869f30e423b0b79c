// The Redis notify store on a real redis-server (started per file run on loopback, AOF fsync'ed per
// write: test/support/redis-server.mjs), with both clients users run: node-redis and ioredis. The
// contract suite, the handler with two workers on one Redis, retention, and the engine faults: Redis
// stopped (SIGKILL) under deliveries in flight, then started again under the same clients.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { importPublicKey } from '../dist/esm/dsa.js';
import { WitkeyError } from '../dist/esm/index.js';
import { createNotifyHandler } from '../dist/esm/notify.js';
import { createRedisNotifyStore } from '../dist/esm/stores.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody } from './support/notify-oracle.mjs';
import { redisOrNotRun, startRedis } from './support/redis-server.mjs';
import { storeContract } from './support/store-contract.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deferred = () => {
  let resolve;
  const promise = new Promise((a) => {
    resolve = a;
  });
  return { promise, resolve };
};
let seq = 0;
const unique = (what) => `${what}-${process.pid}-${Date.now().toString(36)}-${++seq}`;
const DAY = 24 * 3600_000;

if (redisOrNotRun(test)) {
  const redis = await startRedis();
  const alipay = opensslKeyPair();
  const alipayPublicKey = importPublicKey(alipay.publicPem);
  const body = (notifyId) =>
    signedBody(notificationFields(LEFT_AMOUNT_XML('GBK'), { notifyId }), { charset: 'gbk', privateKey: alipay.privateKey }).body;
  const req = (notifyId) =>
    new Request('https://partner.example/alipay/notify', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
      body: body(notifyId),
    });
  const answer = async (response) => [response.status, await response.text(), response.headers.get('x-witkey-error')];

  // Every client the file opens is closed at the end; the server goes with them.
  const clients = [];
  const nodeRedis = async ({ listen = true } = {}) => {
    const c = createClient({ url: redis.url });
    if (listen) c.on('error', () => {});
    clients.push(() => c.destroy());
    await c.connect();
    return c;
  };
  const ioRedis = async () => {
    const c = new Redis(redis.url, { lazyConnect: true });
    c.on('error', () => {});
    clients.push(() => c.disconnect());
    await c.connect();
    return c;
  };
  after(async () => {
    for (const close of clients) await close();
    await redis.teardown();
  });

  const nr = await nodeRedis();
  const io = await ioRedis();
  /** Direct commands for the checks (node-redis's raw sendCommand: replies as Redis sends them). */
  const cmd = (...args) => nr.sendCommand(args.map(String));
  const serverMs = async () => {
    const [s, us] = await cmd('TIME');
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  };

  test('store contract: Redis via node-redis (evalSha/eval)', (t) =>
    storeContract(t, 'redis-node-redis', () => createRedisNotifyStore(nr, { prefix: `${unique('c')}:` }), { close: () => {} }));

  test('store contract: Redis via ioredis (evalsha/eval)', (t) =>
    storeContract(t, 'redis-ioredis', () => createRedisNotifyStore(io, { prefix: `${unique('c')}:` }), { close: () => {} }));

  test('store contract: Redis via the raw command APIs (node-redis sendCommand, ioredis call)', async (t) => {
    const raw = { sendCommand: (args, options) => nr.sendCommand(args, options) };
    const call = { call: (...args) => io.call(...args) };
    assert.equal(createRedisNotifyStore(raw).clientKind, 'node-redis');
    assert.equal(createRedisNotifyStore(call).clientKind, 'ioredis');
    await storeContract(t, 'redis-sendCommand', () => createRedisNotifyStore(raw, { prefix: `${unique('c')}:` }), {
      close: () => {},
    });
    await storeContract(t, 'redis-call', () => createRedisNotifyStore(call, { prefix: `${unique('c')}:` }), {
      close: () => {},
    });
  });

  test('options and clients are checked at creation, each error naming its field', () => {
    assert.equal(createRedisNotifyStore(nr).clientKind, 'node-redis');
    assert.equal(createRedisNotifyStore(io).clientKind, 'ioredis');
    assert.equal(createRedisNotifyStore(nr).prefix, 'witkey:notify:');
    assert.equal(createRedisNotifyStore(nr).retentionMs, 7 * DAY);
    for (const client of [undefined, null, {}, { get() {} }, 'redis://127.0.0.1', { query() {} }])
      assert.throws(
        () => createRedisNotifyStore(client),
        (e) => e instanceof WitkeyError && e.code === 'INVALID_OPTION' && e.field === 'client',
      );
    for (const [field, value] of [
      ['retentionMs', 0],
      ['retentionMs', -1],
      ['retentionMs', 3600_000], // an hour: shorter than the gateway's retry window
      ['retentionMs', 34 * 3600_000],
      ['retentionMs', 36 * 3600_000 - 1],
      ['retentionMs', 2 * DAY + 0.5],
      ['retentionMs', '7d'],
      ['commandTimeoutMs', 0],
      ['commandTimeoutMs', Number.POSITIVE_INFINITY],
      ['commandTimeoutMs', 2 ** 40],
      ['prefix', 7],
      ['onError', 'log'],
    ])
      assert.throws(
        () => createRedisNotifyStore(nr, { [field]: value }),
        (e) => e instanceof WitkeyError && e.code === 'INVALID_OPTION' && e.field === field,
        `${field} = ${String(value)}`,
      );
    assert.match(
      (() => {
        try {
          createRedisNotifyStore(nr, { retentionMs: DAY });
        } catch (e) {
          return e.message;
        }
      })(),
      /34 hours/,
    );
    assert.equal(createRedisNotifyStore(nr, { retentionMs: 2 * DAY }).retentionMs, 2 * DAY);
  });

  test('a node-redis client that was never connected: STORE_UNAVAILABLE saying to connect, with the client error as cause', async () => {
    const c = createClient({ url: redis.url });
    const s = createRedisNotifyStore(c);
    await assert.rejects(
      async () => s.claim(unique('n'), { leaseMs: 1000, owner: 'x' }),
      (e) =>
        e instanceof WitkeyError &&
        e.code === 'STORE_UNAVAILABLE' &&
        /connect\(\)/.test(e.message) &&
        e.cause instanceof Error &&
        e.cause.constructor.name === 'ClientClosedError',
    );
  });

  test('keys: one hash per id under the prefix; leases timed by the Redis server clock; release keeps the token counter', async () => {
    const prefix = `${unique('k')}:`;
    const s = createRedisNotifyStore(io, { prefix });
    const id = unique('n');
    const key = prefix + id;
    const leaseMs = 30_000;
    const before = await serverMs();
    const a = await s.claim(id, { leaseMs, owner: 'worker-a' });
    const afterClaim = await serverMs();
    assert.equal(a.status, 'claimed');
    assert.equal(await cmd('TYPE', key), 'hash');
    const busy = await s.claim(id, { leaseMs, owner: 'worker-b' });
    assert.equal(busy.status, 'busy');
    assert.equal(busy.owner, 'worker-a');
    const until = busy.leaseExpiresAt.getTime();
    assert.ok(until >= before + leaseMs && until <= afterClaim + leaseMs, `${until} in [${before}, ${afterClaim}] + ${leaseMs}`);
    await s.release(id, a.token);
    const fields = await nr.hGetAll(key);
    assert.equal(fields.state, undefined, 'released: no claim');
    assert.equal(fields.token, a.token, 'the counter stays');
    const b = await s.claim(id, { leaseMs, owner: 'worker-b' });
    assert.equal(BigInt(b.token), BigInt(a.token) + 1n);
    assert.equal((await nr.hGetAll(key)).owner, 'worker-b');
  });

  test('retention: a processed key expires after retentionMs; claimed and released keys have a bounded expiry', async () => {
    const prefix = `${unique('r')}:`;
    const retentionMs = 2 * DAY;
    const s = createRedisNotifyStore(nr, { prefix, retentionMs });
    const id = unique('n');
    const c = await s.claim(id, { leaseMs: 60_000, owner: 'x' });
    const claimedTtl = Number(await cmd('PTTL', prefix + id));
    assert.ok(claimedTtl > 0 && claimedTtl <= retentionMs, `claimed PTTL ${claimedTtl}`);
    await s.release(id, c.token);
    const releasedTtl = Number(await cmd('PTTL', prefix + id));
    assert.ok(releasedTtl > 0 && releasedTtl <= retentionMs, `released PTTL ${releasedTtl}`);
    const c2 = await s.claim(id, { leaseMs: 60_000, owner: 'x' });
    await s.complete(id, c2.token, { kind: 'assign_transfer', notifyTime: '2012-06-12 10:00:00', processedAt: 'now' });
    const processedTtl = Number(await cmd('PTTL', prefix + id));
    assert.ok(
      processedTtl <= retentionMs && processedTtl > retentionMs - 10_000,
      `processed PTTL ${processedTtl} ≈ ${retentionMs}`,
    );
    const done = await s.claim(id, { leaseMs: 60_000, owner: 'y' });
    assert.deepEqual(done, {
      status: 'processed',
      record: { kind: 'assign_transfer', notifyTime: '2012-06-12 10:00:00', processedAt: 'now' },
    });
    // A lease longer than the retention keeps its key at least as long as the lease.
    const long = unique('n');
    await s.claim(long, { leaseMs: 3 * DAY, owner: 'x' });
    const longTtl = Number(await cmd('PTTL', prefix + long));
    assert.ok(longTtl > 3 * DAY - 10_000 && longTtl <= 3 * DAY, `long-lease PTTL ${longTtl}`);
    // The default retention is 7 days.
    const d = createRedisNotifyStore(io, { prefix });
    const id7 = unique('n');
    const c7 = await d.claim(id7, { leaseMs: 1000, owner: 'x' });
    await d.complete(id7, c7.token, { kind: 'k', notifyTime: 't', processedAt: 'p' });
    const ttl7 = Number(await cmd('PTTL', prefix + id7));
    assert.ok(ttl7 <= 7 * DAY && ttl7 > 7 * DAY - 10_000, `default PTTL ${ttl7}`);
  });

  test('scripts run by SHA-1 (EVALSHA), sent again only when the server lacks them (SCRIPT FLUSH)', async () => {
    const s = createRedisNotifyStore(nr, { prefix: `${unique('sha')}:` });
    await s.claim(unique('n'), { leaseMs: 1000, owner: 'warm-up' });
    const stats = async () => {
      const info = await cmd('INFO', 'commandstats');
      const calls = (name) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      const failed = Number(/cmdstat_evalsha:.*failed_calls=(\d+)/.exec(info)?.[1] ?? 0);
      return { evalsha: calls('evalsha'), failedEvalsha: failed, eval: calls('eval') };
    };
    await cmd('SCRIPT', 'FLUSH');
    await cmd('CONFIG', 'RESETSTAT');
    for (let i = 0; i < 10; i++) await s.claim(unique('n'), { leaseMs: 1000, owner: 'x' });
    const after = await stats();
    assert.deepEqual(
      after,
      { evalsha: 10, failedEvalsha: 1, eval: 1 },
      'every claim by SHA; the script sent once, after NOSCRIPT',
    );
  });

  test('handler, two workers (node-redis and ioredis) on one Redis: 20 concurrent duplicates run once; the others are busy (503) or success', async () => {
    const prefix = `${unique('h')}:`;
    const id = unique('dup');
    let calls = 0;
    const kinds = [];
    const worker = (client, owner) =>
      createNotifyHandler({
        alipayPublicKey,
        store: createRedisNotifyStore(client, { prefix }),
        owner,
        async onNotification(n) {
          calls++;
          kinds.push(n.kind);
          await sleep(150);
        },
      });
    const a = worker(nr, 'worker-a');
    const b = worker(io, 'worker-b');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a)(req(id)).then(answer)));
    assert.equal(calls, 1);
    for (const [status, text, reason] of answers)
      assert.ok(
        (status === 200 && text === 'success') || (status === 503 && text === 'fail' && reason === 'NOTIFY_BUSY'),
        `${status} ${text} ${reason}`,
      );
    assert.ok(answers.some(([status]) => status === 200));
    // Afterwards every delivery, to either worker, is acknowledged without a run.
    for (const w of [a, b]) assert.deepEqual(await answer(await w(req(id))), [200, 'success', null]);
    assert.equal(calls, 1);
    assert.equal((await nr.hGetAll(prefix + id)).kind, kinds[0]);
  });

  test('handler: busy while another worker holds the lease; a throwing run releases at once; fencing tokens grow per claim', async () => {
    const prefix = `${unique('h')}:`;
    const id = unique('busy');
    const gate = deferred();
    const errors = [];
    const tokens = [];
    let calls = 0;
    const worker = (client, owner, run) =>
      createNotifyHandler({
        alipayPublicKey,
        store: createRedisNotifyStore(client, { prefix }),
        owner,
        onError: (e) => errors.push([owner, e.code, e.message]),
        async onNotification(_n, context) {
          calls++;
          assert.equal(context.transaction, undefined);
          tokens.push(context.fencingToken);
          await run();
        },
      });
    // A holds the lease while B gets the same notification: B answers 503 NOTIFY_BUSY naming A.
    const a = worker(nr, 'worker-a', async () => {
      await gate.promise;
      throw new Error('partner database down');
    });
    const b = worker(io, 'worker-b', async () => {});
    const first = a(req(id));
    while (calls === 0) await sleep(5);
    assert.deepEqual(await answer(await b(req(id))), [503, 'fail', 'NOTIFY_BUSY']);
    assert.match(errors.at(-1)[2], /worker-a holds its lease until \d{4}-/);
    // A's run throws: 500, and its claim is released, so B runs the next delivery at once (no leaseMs wait).
    gate.resolve();
    assert.deepEqual(await answer(await first), [500, 'fail', 'HANDLER_ERROR']);
    assert.deepEqual(await answer(await b(req(id))), [200, 'success', null]);
    assert.equal(calls, 2);
    assert.equal(tokens.length, 2);
    assert.match(tokens[0], /^\d+$/);
    assert.ok(BigInt(tokens[1]) > BigInt(tokens[0]), `fencing tokens grow: ${tokens}`);
    // Three failing runs of another id, then a good one: four claims, four growing tokens.
    const id2 = unique('fence');
    const fences = [];
    let n = 0;
    const flaky = createNotifyHandler({
      alipayPublicKey,
      store: createRedisNotifyStore(io, { prefix }),
      async onNotification(_n, { fencingToken }) {
        fences.push(BigInt(fencingToken));
        if (++n < 4) throw new Error(`attempt ${n} fails`);
      },
    });
    for (let i = 0; i < 3; i++) assert.equal((await flaky(req(id2))).status, 500);
    assert.deepEqual(await answer(await flaky(req(id2))), [200, 'success', null]);
    assert.equal(fences.length, 4);
    for (let i = 1; i < fences.length; i++) assert.ok(fences[i] > fences[i - 1], `${fences}`);
  });

  test('engine faults, both clients: Redis killed under deliveries in flight → every one answers fail within commandTimeoutMs; restarted → the same handlers answer success, processed ids survive', async (t) => {
    const problems = [];
    const onUncaught = (e) => problems.push(['uncaughtException', e]);
    const onUnhandled = (e) => problems.push(['unhandledRejection', e]);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
    t.after(() => {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
    });
    const commandTimeoutMs = 1000;
    // The node-redis client has no 'error' listener of its own: only the store's keeps the process alive.
    const bare = createClient({ url: redis.url });
    const clientErrors = { 'node-redis': [], ioredis: [] };
    const setups = [
      ['node-redis', bare],
      ['ioredis', new Redis(redis.url, { lazyConnect: true })],
    ].map(([name, client]) => {
      const store = createRedisNotifyStore(client, {
        prefix: `${unique('f')}:`,
        commandTimeoutMs,
        onError: (e) => clientErrors[name].push(e),
      });
      const runs = new Map();
      const handler = createNotifyHandler({
        alipayPublicKey,
        store,
        leaseMs: 60_000, // a claim left behind by the outage would hold its id for a minute
        async onNotification(n) {
          runs.set(n.notifyId, (runs.get(n.notifyId) ?? 0) + 1);
          await sleep(200);
        },
      });
      return { name, client, store, handler, runs };
    });
    clients.push(() => bare.destroy());
    clients.push(() => setups[1].client.disconnect());
    await bare.connect();
    await setups[1].client.connect();

    // Before the outage: three ids processed on each.
    for (const s of setups) {
      s.before = [unique('pre'), unique('pre'), unique('pre')];
      for (const id of s.before) assert.deepEqual(await answer(await s.handler(req(id))), [200, 'success', null]);
    }

    // The outage: deliveries in onNotification when Redis dies (their complete fails), and deliveries
    // that arrive while it is down (their claim gets no answer), some of them duplicates.
    const timed = (s, id, running = false) => {
      const t0 = performance.now();
      return s.handler(req(id)).then(async (r) => ({ s, id, running, ms: performance.now() - t0, a: await answer(r) }));
    };
    const inFlight = [];
    for (const s of setups) {
      s.running = Array.from({ length: 4 }, () => unique('run'));
      s.outage = [];
      for (const id of s.running) inFlight.push(timed(s, id, true));
    }
    await sleep(60); // claimed, running
    await redis.stop('SIGKILL');
    const down = performance.now();
    for (let i = 0; i < 4; i++) {
      for (const s of setups) {
        const id = unique('down');
        s.outage.push(id);
        inFlight.push(timed(s, id), timed(s, id));
        inFlight.push(timed(s, s.before[i % 3])); // processed before: still not acknowledged without Redis
      }
      await sleep(250);
    }
    const results = await Promise.all(inFlight);
    const outageMs = performance.now() - down;
    // A delivery that arrives while Redis is down waits for one command (its claim); one whose run was
    // in flight for two (complete, then the handler's release of its claim) after its 200 ms run.
    const SLACK = 500;
    for (const { s, id, running, ms, a } of results) {
      assert.deepEqual(a, [503, 'fail', 'STORE_UNAVAILABLE'], `${s.name} ${id}`);
      const bound = running ? 200 + 2 * commandTimeoutMs + SLACK : commandTimeoutMs + SLACK;
      assert.ok(ms < bound, `${s.name} ${id}: answered after ${ms.toFixed(0)} ms (bound ${bound})`);
    }

    // Redis back, same server directory: the same handlers, stores and clients recover by themselves.
    await redis.start();
    const up = performance.now();
    const recovery = {};
    await Promise.all(
      setups.map(async (s) => {
        const probe = unique('probe');
        for (;;) {
          const a = await answer(await s.handler(req(probe)));
          if (a[1] === 'success') break;
          assert.ok(performance.now() - up < 15_000, `${s.name}: no success 15 s after Redis came back (${a})`);
          await sleep(50);
        }
        recovery[s.name] = performance.now() - up;
      }),
    );
    for (const s of setups) {
      // Processed before the outage: still processed (the AOF survived the SIGKILL), acknowledged without a run.
      for (const id of s.before) {
        assert.deepEqual(await answer(await s.handler(req(id))), [200, 'success', null]);
        assert.equal(s.runs.get(id), 1, `${s.name} ${id} ran once`);
        assert.equal((await s.store.claim(id, { leaseMs: 1000, owner: 'check' })).status, 'processed');
      }
      // Runs in flight when Redis died: their complete, queued in the client, ran when Redis came back
      // (it checks the token): the effects that happened are recorded, and the next delivery is
      // acknowledged without a second run.
      for (const id of s.running) {
        assert.deepEqual(await answer(await s.handler(req(id))), [200, 'success', null], `${s.name} ${id} after the outage`);
        assert.equal(s.runs.get(id), 1, `${s.name} ${id} ran once`);
      }
      // Deliveries that arrived while Redis was down run now, at once: no claim was left behind by a
      // command that Redis ran after its operation had timed out (it would hold the id for leaseMs).
      for (const id of s.outage) {
        assert.deepEqual(await answer(await s.handler(req(id))), [200, 'success', null], `${s.name} ${id} after the outage`);
        assert.equal(s.runs.get(id), 1, `${s.name} ${id} ran once`);
      }
    }
    assert.ok(clientErrors['node-redis'].length > 0, 'the store listened to the bare node-redis client');
    assert.deepEqual(problems, []);
    const failed = results.length;
    const slowest = (running) => Math.max(...results.filter((r) => r.running === running).map((r) => r.ms)).toFixed(0);
    t.diagnostic(
      `Redis down ${outageMs.toFixed(0)} ms: ${failed} deliveries answered fail (503 STORE_UNAVAILABLE), slowest ${slowest(false)} ms (arrived during the outage) / ${slowest(true)} ms (run in flight) ` +
        `(commandTimeoutMs ${commandTimeoutMs}); success again ${recovery['node-redis'].toFixed(0)} ms (node-redis) / ${recovery.ioredis.toFixed(0)} ms (ioredis) after restart`,
    );
  });
}
