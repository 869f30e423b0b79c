/**
 * The notify store on Cloudflare D1 (a binding you pass in; structural types, no dependency on
 * `@cloudflare/workers-types`). D1 is SQLite behind an API without interactive transactions — no
 * `BEGIN` that stays open across awaits — but with atomic batches (`db.batch([...])` commits every
 * statement or none). So:
 * - the lease methods are single atomic statements (an upsert … `RETURNING`), with an integer fencing
 *   token per id and the database's own clock for leases (one clock for every isolate);
 * - the transactional mode (default) claims a lease, lets `onNotification` collect prepared statements
 *   (`context.transaction.add(...)`), then commits them in ONE batch with a guard and the processed
 *   mark: `[guard, ...collected, mark]`. The guard is an insert whose NOT NULL column takes a subquery
 *   that is NULL unless this run's token still holds the claim — so when the lease was lost (expired and
 *   claimed by another delivery) or the id is already processed, the whole batch fails and nothing of it
 *   commits.
 * Web APIs only.
 * @module
 */
import { WitkeyError } from '../errors.js';
import {
  checkLease,
  leaseLost,
  type NotifyStore,
  type ProcessedNotification,
  type TransactionalNotifyStore,
  type TransactionResult,
} from '../notify/store.js';

/** A D1 prepared statement (the members this store uses; a real `D1PreparedStatement` fits). */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  first(): Promise<unknown>;
  run(): Promise<unknown>;
}

/** A D1 database binding (the members this store uses; `env.DB` of a Worker fits). */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<unknown[]>;
}

/** The statement type of a D1 binding type. */
export type D1StatementOf<DB extends D1DatabaseLike> = ReturnType<DB['prepare']>;

/**
 * What `context.transaction` is with the D1 store: the database, and `add` to collect the statements
 * that must commit exactly once with the processed mark. They run, in the order added, in the one
 * batch that marks the id processed, after `onNotification` resolves — not before: reads through `db`
 * inside the run do not see them.
 */
export interface D1NotifyTransaction<DB extends D1DatabaseLike = D1DatabaseLike> {
  /** The binding, for reads (and for writes that need not be exactly once). */
  readonly db: DB;
  /**
   * Adds prepared (and bound) statements to the commit batch.
   * @throws WitkeyError `INVALID_OPTION` for something that is not a prepared statement, or after the run ended.
   */
  add(...statements: D1StatementOf<DB>[]): void;
}

/** Options of {@link createD1NotifyStore}. */
export interface D1NotifyStoreOptions {
  /** The table: letters, digits and `_`, not starting with a digit. Default `witkey_notify`. */
  table?: string;
  /**
   * `true` (default): `runInTransaction` with a {@link D1NotifyTransaction}. `false`: lease methods only
   * (`context.fencingToken` for your own writes).
   */
  transactional?: boolean;
  /**
   * The lease the transactional mode takes while `onNotification` runs, in ms (default 120 000): a
   * worker that dies mid-run holds the id this long. A run that outlives it and is overtaken by another
   * delivery commits nothing (`LEASE_LOST`).
   */
  leaseMs?: number;
  /** Run `CREATE TABLE IF NOT EXISTS` once, before the first call (default `true`). */
  createTable?: boolean;
}

/** The transactional D1 store. */
export interface D1NotifyStore<DB extends D1DatabaseLike = D1DatabaseLike>
  extends TransactionalNotifyStore<D1NotifyTransaction<DB>> {
  /** The `CREATE TABLE` statement of this store's table (for migrations, when `createTable` is false). */
  readonly schema: string;
}

/** The lease-only D1 store (`transactional: false`). */
export interface D1LeaseNotifyStore extends NotifyStore {
  /** The `CREATE TABLE` statement of this store's table. */
  readonly schema: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const TOKEN = /^[1-9][0-9]{0,15}$/;
/** The database's clock in ms (julianday: every SQLite version D1 has run). */
const NOW = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;

type Row = {
  state: 'claimed' | 'released' | 'processed';
  token: number;
  owner: string | null;
  lease_until: number | null;
  kind: string | null;
  notify_time: string | null;
  processed_at: string | null;
};

const unavailable = (what: string, e: unknown): WitkeyError =>
  e instanceof WitkeyError
    ? e
    : new WitkeyError('STORE_UNAVAILABLE', `D1 notify store: ${what} failed: ${e instanceof Error ? e.message : String(e)}`, {
        field: 'store',
        cause: e,
      });

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '')
    throw new WitkeyError('INVALID_OPTION', 'notify_id must be a non-empty string', { field: 'notify_id' });
}

const rowsOf = (result: unknown): Row[] => ((result as { results?: Row[] } | null)?.results ?? []) as Row[];

/**
 * Creates a notify store on a D1 binding, shared by every isolate and location bound to the database.
 *
 * Transactional mode (default) guarantees: the statements `onNotification` adds to
 * `context.transaction` commit exactly once, atomically with the processed mark — never twice (a second
 * run's batch fails on the guard), never without the mark, never the mark without them; a run that
 * throws commits nothing and releases the id. It does not make anything else exactly once: reads in the
 * run do not see the added statements; writes made directly through `db`, and effects outside D1 (an
 * HTTP call, a queue message), happen at least once — a run whose batch is refused, or that dies before
 * committing, has already made them, and the next delivery runs again. Concurrent deliveries of one id
 * do not wait for each other: the second is answered `busy` (the handler answers `fail`, the gateway
 * delivers again).
 * @throws WitkeyError `INVALID_OPTION` for a binding without `prepare`/`batch` or bad options; calls
 * throw `STORE_UNAVAILABLE` (with the D1 error as `cause`) when D1 fails.
 * @example
 * import { createNotifyHandler } from 'alipay-witkey/notify';
 * import { createD1NotifyStore } from 'alipay-witkey/stores';
 * export default {
 *   fetch(request, env) {
 *     const handler = createNotifyHandler({
 *       alipayPublicKey,
 *       store: createD1NotifyStore(env.DB),
 *       onNotification(n, { transaction }) {
 *         transaction.add(env.DB.prepare('INSERT INTO payouts (notify_id, kind) VALUES (?, ?)').bind(n.notifyId, n.kind));
 *       },
 *     });
 *     return handler(request);
 *   },
 * };
 */
export function createD1NotifyStore<DB extends D1DatabaseLike>(
  db: DB,
  options: D1NotifyStoreOptions & { transactional: false },
): D1LeaseNotifyStore;
export function createD1NotifyStore<DB extends D1DatabaseLike>(
  db: DB,
  options?: D1NotifyStoreOptions & { transactional?: true },
): D1NotifyStore<DB>;
export function createD1NotifyStore<DB extends D1DatabaseLike>(
  db: DB,
  options?: D1NotifyStoreOptions,
): D1NotifyStore<DB> | D1LeaseNotifyStore;
export function createD1NotifyStore<DB extends D1DatabaseLike>(
  db: DB,
  options: D1NotifyStoreOptions = {},
): D1NotifyStore<DB> | D1LeaseNotifyStore {
  if (typeof db !== 'object' || db === null || typeof db.prepare !== 'function' || typeof db.batch !== 'function')
    throw new WitkeyError('INVALID_OPTION', 'createD1NotifyStore: pass a D1 database binding (with prepare and batch)', {
      field: 'db',
    });
  if (typeof options !== 'object' || options === null)
    throw new WitkeyError('INVALID_OPTION', 'createD1NotifyStore: options must be an object', { field: 'options' });
  const table = options.table ?? 'witkey_notify';
  if (typeof table !== 'string' || !IDENT.test(table))
    throw new WitkeyError(
      'INVALID_OPTION',
      `createD1NotifyStore: table must be letters, digits and _ (not starting with a digit, at most 63), got ${JSON.stringify(table)}`,
      { field: 'table' },
    );
  const transactional = options.transactional ?? true;
  if (typeof transactional !== 'boolean')
    throw new WitkeyError('INVALID_OPTION', 'createD1NotifyStore: transactional must be a boolean', { field: 'transactional' });
  const createTable = options.createTable ?? true;
  if (typeof createTable !== 'boolean')
    throw new WitkeyError('INVALID_OPTION', 'createD1NotifyStore: createTable must be a boolean', { field: 'createTable' });
  const txLeaseMs = options.leaseMs ?? 120_000;
  checkLease(txLeaseMs);

  const schema =
    `CREATE TABLE IF NOT EXISTS ${table} (notify_id TEXT PRIMARY KEY, ` +
    `state TEXT NOT NULL CHECK (state IN ('claimed', 'released', 'processed')), token INTEGER NOT NULL, ` +
    'owner TEXT, lease_until INTEGER, kind TEXT, notify_time TEXT, processed_at TEXT)';
  const sql = {
    claim:
      `INSERT INTO ${table} (notify_id, state, token, owner, lease_until) VALUES (?1, 'claimed', 1, ?2, ${NOW} + ?3) ` +
      `ON CONFLICT (notify_id) DO UPDATE SET state = 'claimed', token = token + 1, owner = excluded.owner, lease_until = excluded.lease_until ` +
      `WHERE state = 'released' OR (state = 'claimed' AND lease_until <= ${NOW}) RETURNING token`,
    get: `SELECT state, token, owner, lease_until, kind, notify_time, processed_at FROM ${table} WHERE notify_id = ?1`,
    complete:
      `UPDATE ${table} SET state = 'processed', owner = NULL, lease_until = NULL, kind = ?3, notify_time = ?4, processed_at = ?5 ` +
      `WHERE notify_id = ?1 AND token = ?2 AND state = 'claimed' RETURNING token`,
    release: `UPDATE ${table} SET state = 'released', owner = NULL, lease_until = NULL WHERE notify_id = ?1 AND token = ?2 AND state = 'claimed'`,
    // Fails the batch (NOT NULL on token; checked before the conflict clause) unless token ?2 holds the claim of ?1.
    guard:
      `INSERT INTO ${table} (notify_id, state, token) VALUES (?1, 'claimed', ` +
      `(SELECT token FROM ${table} WHERE notify_id = ?1 AND token = ?2 AND state = 'claimed')) ON CONFLICT (notify_id) DO NOTHING`,
  };

  let ready: Promise<void> | undefined;
  const ensureTable = (): Promise<void> => {
    if (!createTable) return Promise.resolve();
    ready ??= db
      .prepare(schema)
      .run()
      .then(
        () => undefined,
        (e: unknown) => {
          ready = undefined; // the next call tries again
          throw unavailable(`CREATE TABLE ${table}`, e);
        },
      );
    return ready;
  };
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    await ensureTable();
    try {
      return await fn();
    } catch (e) {
      throw unavailable(what, e);
    }
  };
  const read = async (id: string): Promise<Row | undefined> =>
    ((await call(`read of ${id}`, () => db.prepare(sql.get).bind(id).first())) as Row | null) ?? undefined;
  const recordOf = (r: Row): ProcessedNotification => ({
    kind: String(r.kind),
    notifyTime: String(r.notify_time),
    processedAt: String(r.processed_at),
  });

  const claim: NotifyStore['claim'] = async (id, claimOptions) => {
    checkId(id);
    const { leaseMs, owner } = claimOptions ?? ({} as Partial<{ leaseMs: number; owner: string }>);
    checkLease(leaseMs);
    // One batch (one transaction): the upsert, and what the row is after it.
    const [won, after] = await call(`claim of ${id}`, () =>
      db.batch([db.prepare(sql.claim).bind(id, String(owner ?? ''), leaseMs), db.prepare(sql.get).bind(id)]),
    );
    const token = rowsOf(won)[0]?.token;
    if (token !== undefined) return { status: 'claimed', token: String(token) };
    const r = rowsOf(after)[0];
    if (r?.state === 'processed') return { status: 'processed', record: recordOf(r) };
    return {
      status: 'busy',
      ...(r?.owner ? { owner: r.owner } : {}),
      ...(r?.lease_until != null ? { leaseExpiresAt: new Date(r.lease_until) } : {}),
    };
  };
  const complete: NotifyStore['complete'] = async (id, token, record) => {
    checkId(id);
    if (typeof token !== 'string' || !TOKEN.test(token)) throw leaseLost(id);
    const done = await call(`complete of ${id}`, () =>
      db
        .prepare(sql.complete)
        .bind(
          id,
          Number(token),
          String(record?.kind ?? ''),
          String(record?.notifyTime ?? ''),
          String(record?.processedAt ?? new Date().toISOString()),
        )
        .first(),
    );
    if (done == null) throw leaseLost(id);
  };
  const release: NotifyStore['release'] = async (id, token) => {
    checkId(id);
    if (typeof token !== 'string' || !TOKEN.test(token)) return;
    await call(`release of ${id}`, () => db.prepare(sql.release).bind(id, Number(token)).run());
  };

  if (!transactional) return { schema, claim, complete, release };

  const owner = `d1-tx-${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const runInTransaction = async (
    id: string,
    record: ProcessedNotification,
    run: (tx: D1NotifyTransaction<DB>) => Promise<void>,
  ): Promise<TransactionResult> => {
    checkId(id);
    if (typeof run !== 'function')
      throw new WitkeyError('INVALID_OPTION', 'runInTransaction: run must be a function', { field: 'run' });
    const c = await claim(id, { leaseMs: txLeaseMs, owner });
    if (c.status === 'processed') return c.record ? { status: 'processed', record: c.record } : { status: 'processed' };
    if (c.status === 'busy') return { status: 'busy' };
    const { token } = c;
    const collected: D1PreparedStatementLike[] = [];
    let open = true;
    const tx: D1NotifyTransaction<DB> = {
      db,
      add(...statements) {
        if (!open)
          throw new WitkeyError(
            'INVALID_OPTION',
            `notify_id ${id}: transaction.add() after the run ended — the batch is already committed or abandoned`,
            { field: 'transaction' },
          );
        for (const [i, s] of statements.entries())
          if (typeof s !== 'object' || s === null || typeof (s as D1PreparedStatementLike).bind !== 'function')
            throw new WitkeyError('INVALID_OPTION', 'transaction.add() takes D1 prepared statements (db.prepare(…).bind(…))', {
              field: 'statement',
              index: i,
            });
        collected.push(...statements);
      },
    };
    try {
      await run(tx);
    } catch (e) {
      open = false;
      try {
        await release(id, token); // the next delivery runs at once
      } catch {
        // the lease then expires on its own; the run's own error is the one to report
      }
      throw e;
    }
    open = false;
    const batch = [
      db.prepare(sql.guard).bind(id, Number(token)),
      ...collected,
      db
        .prepare(
          `UPDATE ${table} SET state = 'processed', owner = NULL, lease_until = NULL, kind = ?3, notify_time = ?4, processed_at = ?5 WHERE notify_id = ?1 AND token = ?2`,
        )
        .bind(id, Number(token), String(record?.kind ?? ''), String(record?.notifyTime ?? ''), String(record?.processedAt ?? '')),
    ];
    try {
      await db.batch(batch);
      return { status: 'done' };
    } catch (e) {
      // What happened? The row says: our mark (the batch committed after all, e.g. the answer was
      // lost), our claim still (one of the partner's statements failed), or another run's.
      let r: Row | undefined;
      try {
        r = await read(id);
      } catch {
        throw unavailable(`the commit batch of ${id} (outcome unknown: reading it back failed too)`, e);
      }
      if (r?.state === 'processed' && String(r.token) === token) return { status: 'done' };
      if (r?.state === 'claimed' && String(r.token) === token) {
        try {
          await release(id, token);
        } catch {
          // the lease expires on its own
        }
        throw unavailable(
          `the commit batch of ${id} (${collected.length} statements added by onNotification and the mark; rolled back)`,
          e,
        );
      }
      throw leaseLost(
        id,
        r?.state === 'processed'
          ? 'another run committed it first; the statements of this run were not committed'
          : 'its lease expired and another delivery claimed it; the statements of this run were not committed',
      );
    }
  };
  return { schema, claim, complete, release, runInTransaction };
}
