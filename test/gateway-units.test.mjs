// The gateway simulator's parts on their own, without HTTP (through the internal testing entry):
// the ledger (fees, the transfers of an accepted request, settlement, balances) and the delivery
// schedule (the retry rule, what is due when, a notification attempted until it is given up).
// Expected values are independent of the code: fee arithmetic worked out by hand in fen below each
// case, the retry schedule as the README states it (1 try + 7 retries: 4m, 10m, 10m, 1h, 2h, 6h,
// 15h after the previous attempt), `alipay_transfer_no` dates from the calendar (T0 is 2012-06-12
// 10:00 Beijing time).

import assert from 'node:assert/strict';
import test from 'node:test';
import { createMemoryStore, RETRY_SCHEDULE } from '../dist/esm/gateway.js';
import {
  acceptedTransfers,
  afterFailedAttempt,
  alipayFee,
  balanceWrites,
  countPending,
  createScheduler,
  createState,
  deliver,
  dueQueues,
  FaultBook,
  feeFen,
  isSuccessAnswer,
  newNotification,
  nextDue,
  resolveConfig,
  settle,
  settlement,
  timerDelay,
  transferNo,
} from '../dist/esm/testing.js';
import { B1, B3, clock, PARTNER, PUBLISHER, partnerKeys, simulatorKeys, T0 } from './support/gateway-fixtures.mjs';

const MIN = 60_000;
const PARTNER_ACCOUNT = '2088101115790000';
/** The default fees (README: service fee 10 %, Alipay 1 % and at least 0.01). */
const FEES = { platformRateBp: 1000, alipayRateBp: 100, alipayMinFen: 1, alipayMaxFen: undefined };

// ---- ledger ---------------------------------------------------------------------------------------

test('feeFen: basis points of an amount in fen, half up, clamped to [min, max] and to the amount', () => {
  assert.equal(feeFen(6005n, 1000), 601n); // 10 % of 6005 fen = 600.5 → 601
  assert.equal(feeFen(6005n, 100), 60n); // 1 % = 60.05 → 60
  assert.equal(feeFen(150n, 100), 2n); // 1.5 → 2 (half up)
  assert.equal(feeFen(149n, 100), 1n); // 1.49 → 1
  assert.equal(feeFen(50n, 100), 1n); // 0.5 → 1
  assert.equal(feeFen(49n, 100), 0n); // 0.49 → 0
  assert.equal(feeFen(49n, 100, 1), 1n); // raised to the minimum of 1 fen
  assert.equal(feeFen(1_000_000n, 100, 1, 500), 500n); // 10000 fen, capped at 500
  assert.equal(feeFen(0n, 100, 1), 0n); // never more than the amount
  assert.equal(feeFen(12_345n, 10_000), 12_345n); // 100 %
  // 10 % of 99 999 999 999.99 yuan = 999 999 999 999.9 fen → 1 000 000 000 000 (beyond 2^53: exact in bigint)
  assert.equal(feeFen(9_999_999_999_999n, 1000), 1_000_000_000_000n);
  assert.equal(alipayFee(49n, FEES), 1n);
  assert.equal(alipayFee(20_000n, { ...FEES, alipayMaxFen: 150 }), 150n); // 200 → 150
});

test('transferNo: the Beijing date and a five-digit counter', () => {
  assert.equal(transferNo(T0, 1), '2012061200001');
  // 2012-06-12 16:30 UTC is 2012-06-13 00:30 in Beijing
  assert.equal(transferNo(Date.UTC(2012, 5, 12, 16, 30), 12_345), '2012061312345');
});

/** An accepted request: refund 30.00 and platform share 5.00 yuan, bounties of 60.05 and 0.49 yuan. */
function accepted() {
  let n = 0;
  return acceptedTransfers(
    {
      partner: { id: PARTNER, account: PARTNER_ACCOUNT },
      publisher: PUBLISHER,
      args: {
        outerTaskId: 'T1',
        refund: { field: 'refund_detail', serial: 'r1', fen: 3000n },
        platform: { field: 'platform_detail', serial: 'p1', fen: 500n },
      },
      success: [
        { field: 'transfer_detail', index: 0, serial: 'a1', fen: 6005n, userId: B1, nickName: 'one' },
        { field: 'transfer_detail', index: 1, serial: 'a2', fen: 49n, userId: B3, nickName: 'two' },
      ],
      now: T0,
      settleAt: T0 + 5000,
      charset: 'utf-8',
      notifyUrl: 'http://partner.test/notify',
      fees: FEES,
    },
    () => transferNo(T0, ++n),
  );
}

test('acceptedTransfers: refund without fee, platform share and bounties with Alipay fee, service fee on each bounty', () => {
  const ts = accepted();
  const brief = ts.map((t) => [t.id, t.kind, t.serial, t.payee, t.fen, t.feeFen, t.serviceFeeFen, t.status]);
  assert.deepEqual(brief, [
    ['2012061200001', 'refund', 'r1', PUBLISHER, '3000', '0', undefined, 'W'],
    ['2012061200002', 'platform', 'p1', PARTNER_ACCOUNT, '500', '5', undefined, 'W'], // 1 % of 500 = 5
    ['2012061200003', 'assign', 'a1', B1, '6005', '60', '601', 'W'], // 60.05 → 60; 600.5 → 601
    ['2012061200004', 'assign', 'a2', B3, '49', '1', '5', 'W'], // 0.49 → 0, at least 1; 4.9 → 5
  ]);
  for (const t of ts) {
    assert.equal(t.partner, PARTNER);
    assert.equal(t.outerTaskId, 'T1');
    assert.equal(t.createdAt, T0);
    assert.equal(t.settleAt, T0 + 5000);
    assert.equal(t.notifyUrl, 'http://partner.test/notify');
  }
  assert.equal(ts[2].nickName, 'one');
});

const ctx = (over = {}) => ({
  now: T0 + 5000,
  partnerAccount: PARTNER_ACCOUNT,
  fees: FEES,
  profitSettleAt: T0 + 10_000,
  nextNo: () => '2012061200009',
  ...over,
});
const sumCredits = (s) => s.credits.reduce((a, c) => a + c.fen, 0n) + BigInt(s.profit?.fen ?? '0');

test('settlement: a bounty pays the bidder less both fees, Alipay its fee, and creates the service-fee transfer', () => {
  const [, , a1, a2] = accepted();
  const s = settlement(a1, ctx());
  assert.equal(s.transfer.status, 'S');
  assert.equal(s.transfer.settledAt, T0 + 5000);
  assert.equal(s.returnedFen, undefined);
  // 6005 - 60 - 601 = 5344 to the bidder, 60 to Alipay
  assert.deepEqual(s.credits, [
    { account: B1, fen: 5344n },
    { account: 'alipay', fen: 60n },
  ]);
  const p = s.profit;
  assert.deepEqual(
    [p.id, p.kind, p.serial, p.payee, p.fen, p.feeFen, p.status, p.parent, p.settleAt],
    ['2012061200009', 'platform_profit', 'a1', PARTNER_ACCOUNT, '601', '6', 'W', a1.id, T0 + 10_000], // 1 % of 601 = 6.01 → 6
  );
  assert.equal(sumCredits(s), 6005n, 'every fen of the bounty is accounted for');

  const s2 = settlement(a2, ctx());
  assert.deepEqual(s2.credits, [
    { account: B3, fen: 43n },
    { account: 'alipay', fen: 1n },
  ]); // 49 - 1 - 5
  assert.equal(s2.profit.fen, '5');
  assert.equal(s2.profit.feeFen, '1'); // 0.05 → 0, at least 1
  assert.equal(sumCredits(s2), 49n);

  // The service fee itself: the partner's account gets it less Alipay's fee; no further transfer.
  const s3 = settlement(p, ctx());
  assert.deepEqual(s3.credits, [
    { account: PARTNER_ACCOUNT, fen: 595n },
    { account: 'alipay', fen: 6n },
  ]);
  assert.equal(s3.profit, undefined);
});

test('settlement: refund and platform share; a zero fee credits nobody; no service fee when the rate is 0', () => {
  const [refund, platform, a1] = accepted();
  assert.deepEqual(settlement(refund, ctx()).credits, [{ account: PUBLISHER, fen: 3000n }]);
  assert.deepEqual(settlement(platform, ctx()).credits, [
    { account: PARTNER_ACCOUNT, fen: 495n },
    { account: 'alipay', fen: 5n },
  ]);
  const free = settlement({ ...a1, serviceFeeFen: '0' }, ctx());
  assert.deepEqual(free.credits, [
    { account: B1, fen: 5945n },
    { account: 'alipay', fen: 60n },
  ]); // 6005 - 60
  assert.equal(free.profit, undefined);
});

test('settlement: a settlement error fails the transfer, pays nobody and gives the amount back to the task (not for a service fee)', () => {
  const [, , a1] = accepted();
  let numbered = 0;
  const s = settlement(a1, ctx({ settleError: 'ACCOUNT_FROZEN', nextNo: () => String(++numbered) }));
  assert.equal(s.transfer.status, 'F');
  assert.equal(s.transfer.errorCode, 'ACCOUNT_FROZEN');
  assert.deepEqual(s.credits, []);
  assert.equal(s.returnedFen, 6005n);
  assert.equal(s.profit, undefined);
  assert.equal(numbered, 0, 'no transfer number used');
  const p = settlement(a1, ctx()).profit;
  const sp = settlement(p, ctx({ settleError: 'ACCOUNT_FROZEN' }));
  assert.equal(sp.transfer.status, 'F');
  assert.equal(sp.returnedFen, undefined);
});

test('balanceWrites: adds to the stored balance; the same account twice gets one write', async () => {
  const store = createMemoryStore();
  await store.write([{ collection: 'balance', key: 'alipay', value: { account: 'alipay', fen: '100' } }]);
  const writes = await balanceWrites(store, [
    { account: B1, fen: 5n },
    { account: 'alipay', fen: 6n },
    { account: B1, fen: 7n },
  ]);
  assert.deepEqual(writes, [
    { collection: 'balance', key: B1, value: { account: B1, fen: '12' } },
    { collection: 'balance', key: 'alipay', value: { account: 'alipay', fen: '106' } },
  ]);
});

/** A resolved configuration, a memory store and a clock: the state the modules work on, no HTTP. */
function harness(over = {}) {
  const c = clock();
  const sent = [];
  const answer = over.answer ?? (() => 'fail');
  const cfg = resolveConfig({
    partners: { [PARTNER]: { publicKey: partnerKeys.publicPem, account: PARTNER_ACCOUNT } },
    key: simulatorKeys.key,
    now: c.now,
    autoRun: false,
    fetch: async (req) => {
      sent.push({ at: c.t, url: req.url, body: await req.text() });
      return new Response(answer(sent.length));
    },
    ...over.config,
  });
  const events = [];
  const store = createMemoryStore();
  const state = createState(cfg, store, { onEvent: (e) => events.push(e), faults: over.faults });
  return { c, cfg, store, state, sent, events, partner: cfg.partners.get(PARTNER) };
}

test('settle: the store gets the settled transfer, balances, the service-fee transfer, its notification and the counters', async () => {
  const h = harness();
  const [, , a1] = accepted();
  await h.store.write([{ collection: 'transfer', key: a1.id, value: a1 }]);
  h.c.t = T0 + 5000;
  await settle(h.state, a1, h.c.t);
  const transfers = await h.store.list('transfer');
  assert.deepEqual(
    transfers.map((t) => [t.id, t.kind, t.status, t.fen]),
    [
      ['2012061200003', 'assign', 'S', '6005'],
      ['2012061200001', 'platform_profit', 'W', '601'], // the store's counter was 0: the first number
    ],
  );
  const balances = Object.fromEntries((await h.store.list('balance')).map((b) => [b.account, b.fen]));
  assert.deepEqual(balances, { [B1]: '5344', alipay: '60' });
  const [n] = await h.store.list('notification');
  assert.equal(n.kind, 'assign_transfer');
  assert.equal(n.transferId, a1.id);
  assert.equal(n.status, 'pending');
  assert.equal(n.nextAt, T0 + 5000);
  assert.match(
    n.xml,
    /<transfer_amount>60\.05<\/transfer_amount><fee_amount>0\.60<\/fee_amount><transfer_status>S<\/transfer_status>/,
  );
  assert.deepEqual(await h.store.get('meta', 'counters'), { seq: 1, transfer: 1, attempt: 0 });
  assert.deepEqual(
    h.events.map((e) => [e.type, e.transfer?.id]),
    [['settled', a1.id]],
  );

  // The service fee settles in turn: 601 - 6 to the partner's account, 6 more to Alipay.
  const profit = transfers[1];
  await settle(h.state, profit, T0 + 10_000);
  const after = Object.fromEntries((await h.store.list('balance')).map((b) => [b.account, b.fen]));
  assert.deepEqual(after, { [B1]: '5344', alipay: '66', [PARTNER_ACCOUNT]: '595' });
});

test('settle: a failed bounty payment goes back to what is left of the task', async () => {
  const h = harness({ config: { accounts: [{ id: B1, settleError: 'ACCOUNT_FROZEN' }] } });
  const [, , a1] = accepted();
  const task = { outerTaskId: 'T1', publisher: PUBLISHER, frozenFen: '10000', paidFen: '9554', expiresAt: 0 };
  await h.store.write([{ collection: 'task', key: 'T1', value: task }]);
  await settle(h.state, a1, T0 + 5000);
  assert.equal((await h.store.get('task', 'T1')).paidFen, '3549'); // 9554 - 6005
  assert.equal((await h.store.get('transfer', a1.id)).status, 'F');
  assert.deepEqual(await h.store.list('balance'), []);
  const [n] = await h.store.list('notification');
  assert.match(n.xml, /<transfer_status>F<\/transfer_status><error_code>ACCOUNT_FROZEN<\/error_code>/);
});

// ---- delivery and scheduling ----------------------------------------------------------------------

test('the retry schedule: 4m, 10m, 10m, 1h, 2h, 6h, 15h after the previous attempt; given up after 1 + 7 attempts', () => {
  assert.deepEqual(
    RETRY_SCHEDULE,
    [4, 10, 10, 60, 120, 360, 900].map((m) => m * MIN),
  );
  const gaps = [];
  for (let attempt = 1; ; attempt++) {
    const d = afterFailedAttempt(attempt, RETRY_SCHEDULE);
    if (d.giveUp) {
      assert.equal(attempt, 8);
      break;
    }
    gaps.push(d.afterMs / MIN);
  }
  assert.deepEqual(gaps, [4, 10, 10, 60, 120, 360, 900]);
  assert.deepEqual(afterFailedAttempt(1, []), { giveUp: true }, 'no retries: only the initial attempt');
});

test('isSuccessAnswer: only the exact 7 bytes "success"', () => {
  const enc = (s) => new TextEncoder().encode(s);
  assert.equal(isSuccessAnswer(enc('success')), true);
  for (const s of ['', 'fail', 'SUCCESS', 'success\n', ' success', 'success ', 'successful', '\ufeffsuccess']) {
    assert.equal(isSuccessAnswer(enc(s)), false, JSON.stringify(s));
  }
});

test('nextDue / countPending: the earliest waiting settlement, pending attempt or hold end', () => {
  const transfers = [
    { status: 'W', settleAt: 500 },
    { status: 'S', settleAt: 10 },
    { status: 'F', settleAt: 20 },
  ];
  const notifications = [
    { status: 'pending', nextAt: 700 },
    { status: 'held', heldUntil: 300, nextAt: 0 },
    { status: 'delivered', nextAt: 1 },
    { status: 'failed', nextAt: 2 },
    { status: 'return', nextAt: 3 },
  ];
  assert.equal(nextDue(transfers, notifications), 300);
  assert.equal(nextDue(transfers, notifications.slice(0, 1)), 500);
  assert.equal(nextDue([], notifications.slice(2)), undefined);
  assert.equal(countPending(transfers, notifications), 3);
});

test('dueQueues: due pending notifications, one queue per endpoint, by due time then creation', () => {
  const n = (seq, url, nextAt, status = 'pending') => ({ seq, url, nextAt, status });
  const all = [
    n(1, 'a', 50),
    n(2, 'b', 10),
    n(3, 'a', 10),
    n(4, 'a', 10),
    n(5, 'b', 101),
    n(6, 'a', 0, 'held'),
    n(7, 'b', 0, 'delivered'),
  ];
  assert.deepEqual(
    dueQueues(all, 100).map((q) => q.map((x) => x.seq)),
    [[2], [3, 4, 1]],
  );
  assert.deepEqual(dueQueues(all, 5), []);
});

test('timerDelay: never negative, never beyond what setTimeout takes (2^31 - 1 ms)', () => {
  assert.equal(timerDelay(1000, 400), 600);
  assert.equal(timerDelay(1000, 5000), 0);
  assert.equal(timerDelay(2 ** 40, 0), 2 ** 31 - 1);
});

test('FaultBook: first matching rule with uses left, used up once per take', () => {
  const f = new FaultBook([
    { action: 'drop', kind: 'refund_transfer', times: 2 },
    { action: 'drop', attempt: 3 },
  ]);
  assert.equal(f.take(['drop'], { kind: 'assign_transfer', attempt: 1 }), undefined);
  assert.equal(f.take(['duplicate'], { kind: 'refund_transfer', attempt: 1 }), undefined);
  assert.equal(f.take(['drop'], { kind: 'refund_transfer', attempt: 1 })?.kind, 'refund_transfer');
  assert.equal(f.take(['drop'], { kind: 'refund_transfer', attempt: 3 })?.kind, 'refund_transfer');
  assert.equal(f.take(['drop'], { kind: 'refund_transfer', attempt: 3 })?.attempt, 3, 'the first rule is used up');
  assert.equal(f.take(['drop'], { kind: 'refund_transfer', attempt: 3 }), undefined);
  f.add({ action: 'error', code: 'SYSTEM_ERROR', partner: PARTNER, times: Infinity });
  for (let i = 0; i < 3; i++) assert.equal(f.take(['error'], { partner: PARTNER })?.code, 'SYSTEM_ERROR');
  assert.equal(f.take(['error'], { partner: B1 }), undefined);
  f.clear();
  assert.equal(f.take(['error'], { partner: PARTNER }), undefined);
});

/** A pending notification of task T1 stored in the harness's store. */
async function storedNotification(h) {
  const c = { seq: 0, transfer: 0, attempt: 0 };
  const n = newNotification(
    h.state,
    c,
    'refund_transfer',
    h.partner,
    'T1',
    'http://partner.test/notify',
    'utf-8',
    '<alipay/>',
    h.c.t,
  );
  await h.store.write([
    { collection: 'notification', key: n.notifyId, value: n },
    { collection: 'meta', key: 'counters', value: c },
  ]);
  return n;
}

/** Runs the scheduler to the end, moving the clock to each due time; returns the minutes (from T0) of each send. */
async function runToEnd(h, scheduler) {
  for (let i = 0; i < 50; i++) {
    const next = await scheduler.nextDueAt();
    if (next === undefined) return h.sent.map((s) => (s.at - T0) / MIN);
    h.c.t = Math.max(h.c.t, next);
    await scheduler.runDue();
  }
  throw new Error('the scheduler did not finish');
}

test('scheduler + delivery: never acknowledged, 8 attempts at 0, 4, 14, 24, 84, 204, 564, 1464 minutes, then given up', async () => {
  const h = harness();
  const n = await storedNotification(h);
  const scheduler = createScheduler(h.state, Promise.resolve());
  assert.equal(await scheduler.pending(), 1);
  // cumulative: 4; 4+10; 14+10; 24+60; 84+120; 204+360; 564+900
  assert.deepEqual(await runToEnd(h, scheduler), [0, 4, 14, 24, 84, 204, 564, 1464]);
  for (const s of h.sent) assert.equal(s.body, n.body, 'the same body on every attempt');
  const stored = await h.store.get('notification', n.notifyId);
  assert.equal(stored.status, 'failed');
  assert.equal(stored.attempts, 8);
  assert.equal(await scheduler.pending(), 0);
  const attempts = await h.store.list('attempt');
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.outcome, a.status]),
    [1, 2, 3, 4, 5, 6, 7, 8].map((i) => [i, 'failed', 200]),
  );
  assert.deepEqual(
    h.events.map((e) => e.type),
    [...Array(8).fill('attempt'), 'gave_up'],
  );
  await scheduler.close();
});

test('scheduler + delivery: success on the third attempt ends the retries; timeScale scales the intervals', async () => {
  const h = harness({ answer: (k) => (k === 3 ? 'success' : 'fail'), config: { timeScale: 0.001 } });
  const n = await storedNotification(h);
  const scheduler = createScheduler(h.state, Promise.resolve());
  // 4 min × 0.001 = 240 ms, then 10 min × 0.001 = 600 ms
  assert.deepEqual(
    (await runToEnd(h, scheduler)).map((m) => Math.round(m * MIN)),
    [0, 240, 840],
  );
  const stored = await h.store.get('notification', n.notifyId);
  assert.equal(stored.status, 'delivered');
  assert.equal(stored.attempts, 3);
  assert.equal(stored.deliveredAt, T0 + 840);
  await scheduler.close();
});

test('deliver: a dropped attempt is recorded, not sent, and counts as failed; a delay fault postpones without counting', async () => {
  const h = harness({
    faults: [
      { action: 'drop', attempt: 1 },
      { action: 'delay', attempt: 2, delay: 90_000 },
    ],
  });
  const n = await storedNotification(h);
  assert.equal(await deliver(h.state, structuredClone(n)), 1);
  assert.equal(h.sent.length, 0);
  let stored = await h.store.get('notification', n.notifyId);
  assert.deepEqual([stored.attempts, stored.status, stored.nextAt], [1, 'pending', T0 + 4 * MIN]);
  h.c.t = stored.nextAt;
  assert.equal(await deliver(h.state, stored), 0);
  stored = await h.store.get('notification', n.notifyId);
  assert.deepEqual([stored.attempts, stored.nextAt], [1, T0 + 4 * MIN + 90_000]);
  assert.deepEqual(
    (await h.store.list('attempt')).map((a) => a.outcome),
    ['dropped'],
  );
});
