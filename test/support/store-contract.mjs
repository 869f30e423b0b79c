// The notify store contract (src/notify/store.ts, docs/NOTIFY.md#the-store-contract) as tests, run
// against every store: the memory and file stores here, and each engine's store on its real server.
// The expected behaviour comes from the contract's text, not from any store's output.
//
// storeContract(t, name, open, options) registers subtests on `t` (a node:test context):
//   open()            → a fresh store (its own table/prefix/file), or a promise of one
//   options.close     → (store) => closes it (optional)
//   options.effect    → for a transactional store: { write(transaction, id), count(id) → number }:
//                       writes one effect row through the engine's transaction, and counts them outside it
//   options.maxLeaseSlackMs → how late an expired lease may still be seen live (engines with coarse clocks)
import assert from 'node:assert/strict';

const record = (kind = 'assign_transfer') => ({
  kind,
  notifyTime: '2012-06-12 10:00:00',
  processedAt: new Date().toISOString(),
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const freshId = (name) => `${name.replace(/\W/g, '')}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

export async function storeContract(t, name, open, options = {}) {
  const close = options.close ?? (async (s) => s.close?.());
  const slack = options.maxLeaseSlackMs ?? 50;
  const use = async (fn) => {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await close(store);
    }
  };

  await t.test(`${name}: claim → busy for others → complete → processed for everyone`, () =>
    use(async (s) => {
      const id = freshId(name);
      const a = await s.claim(id, { leaseMs: 60_000, owner: 'worker-a' });
      assert.equal(a.status, 'claimed');
      assert.equal(typeof a.token, 'string');
      assert.ok(a.token.length > 0);
      const b = await s.claim(id, { leaseMs: 60_000, owner: 'worker-b' });
      assert.equal(b.status, 'busy');
      if (b.owner !== undefined) assert.equal(b.owner, 'worker-a');
      if (b.leaseExpiresAt !== undefined) assert.ok(b.leaseExpiresAt.getTime() > Date.now());
      const rec = record();
      await s.complete(id, a.token, rec);
      const c = await s.claim(id, { leaseMs: 60_000, owner: 'worker-b' });
      assert.equal(c.status, 'processed');
      if (c.record !== undefined) assert.equal(c.record.kind, rec.kind);
      // Completing again (a duplicate run that lost its lease) is refused, and changes nothing.
      await assert.rejects(
        async () => s.complete(id, a.token, record('refund_transfer')),
        (e) => e.code === 'LEASE_LOST',
      );
      assert.equal((await s.claim(id, { leaseMs: 60_000, owner: 'worker-c' })).status, 'processed');
    }),
  );

  await t.test(`${name}: release lets the next delivery claim at once, with a new token; the old token is dead`, () =>
    use(async (s) => {
      const id = freshId(name);
      const a = await s.claim(id, { leaseMs: 60_000, owner: 'worker-a' });
      assert.equal(a.status, 'claimed');
      await s.release(id, a.token);
      const b = await s.claim(id, { leaseMs: 60_000, owner: 'worker-b' });
      assert.equal(b.status, 'claimed');
      assert.notEqual(b.token, a.token);
      if (/^\d+$/.test(a.token) && /^\d+$/.test(b.token)) assert.ok(BigInt(b.token) > BigInt(a.token), 'fencing tokens grow');
      // The old token can neither release nor complete b's claim.
      await s.release(id, a.token);
      assert.equal((await s.claim(id, { leaseMs: 60_000, owner: 'worker-c' })).status, 'busy');
      await assert.rejects(
        async () => s.complete(id, a.token, record()),
        (e) => e.code === 'LEASE_LOST',
      );
      await s.complete(id, b.token, record());
      assert.equal((await s.claim(id, { leaseMs: 60_000, owner: 'worker-c' })).status, 'processed');
    }),
  );

  await t.test(`${name}: an expired lease is taken over; the stale run's complete is LEASE_LOST`, () =>
    use(async (s) => {
      const id = freshId(name);
      const a = await s.claim(id, { leaseMs: 150, owner: 'dies' });
      assert.equal(a.status, 'claimed');
      assert.equal((await s.claim(id, { leaseMs: 150, owner: 'early' })).status, 'busy');
      await sleep(150 + slack + 50);
      const b = await s.claim(id, { leaseMs: 60_000, owner: 'takes-over' });
      assert.equal(b.status, 'claimed');
      await assert.rejects(
        async () => s.complete(id, a.token, record()),
        (e) => e.code === 'LEASE_LOST',
      );
      await s.complete(id, b.token, record());
      assert.equal((await s.claim(id, { leaseMs: 60_000, owner: 'late' })).status, 'processed');
    }),
  );

  await t.test(`${name}: 40 simultaneous claims of one id → exactly one claimed`, () =>
    use(async (s) => {
      const id = freshId(name);
      const all = await Promise.all(
        Array.from({ length: 40 }, (_, i) => Promise.resolve(s.claim(id, { leaseMs: 60_000, owner: `w${i}` }))),
      );
      assert.equal(all.filter((r) => r.status === 'claimed').length, 1);
      assert.equal(all.filter((r) => r.status === 'busy').length, 39);
    }),
  );

  await t.test(`${name}: leaseMs is checked`, () =>
    use(async (s) => {
      for (const leaseMs of [0, -1, 1.5, Number.NaN, '1000', undefined])
        await assert.rejects(
          async () => s.claim(freshId(name), { leaseMs, owner: 'x' }),
          (e) => e.code === 'INVALID_OPTION' && e.field === 'leaseMs',
        );
    }),
  );

  if (!options.effect) return;
  const { effect } = options;

  await t.test(`${name}: runInTransaction commits the effect and the mark together`, () =>
    use(async (s) => {
      assert.equal(typeof s.runInTransaction, 'function');
      const id = freshId(name);
      let calls = 0;
      const r = await s.runInTransaction(id, record(), async (tx) => {
        calls++;
        await effect.write(tx, id);
      });
      assert.equal(r.status, 'done');
      assert.equal(await effect.count(id), 1);
      const again = await s.runInTransaction(id, record(), async (tx) => {
        calls++;
        await effect.write(tx, id);
      });
      assert.equal(again.status, 'processed');
      assert.equal(calls, 1);
      assert.equal(await effect.count(id), 1);
      assert.equal((await s.claim(id, { leaseMs: 60_000, owner: 'x' })).status, 'processed');
    }),
  );

  await t.test(`${name}: a run that throws rolls back its effect and the mark; the next run goes ahead`, () =>
    use(async (s) => {
      const id = freshId(name);
      const boom = new Error('partner code failed');
      await assert.rejects(
        s.runInTransaction(id, record(), async (tx) => {
          await effect.write(tx, id);
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.equal(await effect.count(id), 0);
      const r = await s.runInTransaction(id, record(), async (tx) => effect.write(tx, id));
      assert.equal(r.status, 'done');
      assert.equal(await effect.count(id), 1);
    }),
  );

  await t.test(`${name}: simultaneous runInTransaction of one id → one run, one effect; the others processed or busy`, () =>
    use(async (s) => {
      const id = freshId(name);
      let calls = 0;
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          s.runInTransaction(id, record(), async (tx) => {
            calls++;
            await sleep(30);
            await effect.write(tx, id);
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'done').length, 1);
      assert.ok(results.every((r) => ['done', 'processed', 'busy'].includes(r.status)));
      assert.equal(calls, 1);
      assert.equal(await effect.count(id), 1);
    }),
  );
}
