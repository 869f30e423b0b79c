/**
 * The notify store on SQLite (better-sqlite3, an optional peer dependency loaded on first use): leases
 * and fencing tokens as single atomic statements, and transactions — `onNotification` writes through
 * the better-sqlite3 `Database` inside the `BEGIN IMMEDIATE` transaction that marks the id processed.
 *
 * Several processes on ONE machine may share one file (SQLite's locks); a network filesystem may not
 * (its locks are not reliable). better-sqlite3 is synchronous, so the store never lets SQLite wait for
 * a lock inside a call (that would freeze the event loop): `busy_timeout` is a few milliseconds, and a
 * busy database is retried asynchronously, with short jittered sleeps, up to `lockWaitMs`.
 * Node only.
 * @module
 */
import { createRequire } from 'node:module';
import { WitkeyError } from '../index.js';
import type { NotifyStore, ProcessedNotification, TransactionalNotifyStore, TransactionResult } from '../notify.js';

/** A prepared statement of better-sqlite3 (the part this store uses). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/**
 * A better-sqlite3 `Database` (structurally: the members this store uses; a real `Database` has more,
 * and is what `context.transaction` is at run time).
 */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): unknown;
}

/** Options of {@link createSqliteNotifyStore}. */
export interface SqliteNotifyStoreOptions {
  /** The table (created if missing): letters, digits and `_`, not starting with a digit. Default `witkey_notify`. */
  table?: string;
  /**
   * `true` (default): `runInTransaction` is offered, and the handler runs each notification in a
   * transaction whose handle is the `Database`. `false`: lease methods only.
   */
  transactional?: boolean;
  /**
   * How long a call waits for the database's write lock, held by another connection, or for this
   * store's connection, held by a transaction of this process — in asynchronous steps, never blocking
   * the event loop (but the synchronous creation waits up to this long for the schema). Milliseconds,
   * default 2000. Past it: `STORE_UNAVAILABLE` (`runInTransaction`: `busy` when the transaction in
   * the way is one of the same id).
   */
  lockWaitMs?: number;
}

/** The lease-only SQLite store (`transactional: false`). */
export interface SqliteLeaseNotifyStore extends NotifyStore {
  /** The better-sqlite3 `Database` the store uses. */
  readonly database: SqliteDatabase;
  /**
   * Closes the store; the `Database` too when the store opened it from a path (one passed in stays
   * open: it is yours). A transaction in flight finishes first.
   */
  close(): void;
}

/** The transactional SQLite store: `context.transaction` is the better-sqlite3 `Database`. */
export interface SqliteNotifyStore extends SqliteLeaseNotifyStore, TransactionalNotifyStore<SqliteDatabase> {}

type DatabaseConstructor = new (filename: string) => SqliteDatabase;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const TOKEN = /^[1-9][0-9]{0,15}$/;
/** What SQLite may wait for inside one synchronous call: a few ms, so that the event loop never stalls. */
const BUSY_TIMEOUT_MS = 2;

let driver: DatabaseConstructor | undefined;

/** Loads better-sqlite3 synchronously (createRequire works from the ESM and the CommonJS builds). */
function loadDriver(): DatabaseConstructor {
  if (driver) return driver;
  const name = 'better-sqlite3'; // a variable: bundlers and tsc leave the optional dependency alone
  try {
    const req = typeof require === 'function' ? require : createRequire(import.meta.url);
    const mod = req(name) as DatabaseConstructor | { default?: DatabaseConstructor };
    const ctor = typeof mod === 'function' ? mod : mod.default;
    if (typeof ctor !== 'function') throw new Error('better-sqlite3 exports no Database constructor');
    driver = ctor;
    return ctor;
  } catch (e) {
    throw new WitkeyError(
      'MISSING_DEPENDENCY',
      `createSqliteNotifyStore needs the optional dependency better-sqlite3 (npm install better-sqlite3@12), which could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
      { field: 'better-sqlite3', cause: e },
    );
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isBusy = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
};
const unavailable = (what: string, e: unknown): WitkeyError =>
  e instanceof WitkeyError
    ? e
    : new WitkeyError('STORE_UNAVAILABLE', `SQLite notify store: ${what} failed: ${e instanceof Error ? e.message : String(e)}`, {
        field: 'store',
        cause: e,
      });
const leaseLost = (id: string): WitkeyError =>
  new WitkeyError('LEASE_LOST', `notify_id ${id}: this run's claim no longer holds the lease; not marked processed`, {
    field: 'notify_id',
  });
function checkLease(leaseMs: unknown): asserts leaseMs is number {
  if (typeof leaseMs !== 'number' || !Number.isSafeInteger(leaseMs) || leaseMs <= 0)
    throw new WitkeyError('INVALID_OPTION', `leaseMs must be a whole number of milliseconds > 0, got ${String(leaseMs)}`, {
      field: 'leaseMs',
    });
}

/** Who holds this store's connection: a FIFO queue, each waiter bounded by `lockWaitMs`. */
class ConnectionLock {
  private holder: { id: string | undefined; since: number } | undefined;
  private readonly queue: Array<{ grant: () => void }> = [];

  constructor(private readonly onIdle: () => void) {}

  get idle(): boolean {
    return this.holder === undefined;
  }

  /** Resolves with the release function, or rejects past `waitMs` with what holds the connection. */
  acquire(id: string | undefined, waitMs: number): Promise<() => void> {
    const grant = (): (() => void) => {
      this.holder = { id, since: Date.now() };
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.holder = undefined;
        const next = this.queue.shift();
        if (next) next.grant();
        else this.onIdle();
      };
    };
    if (!this.holder) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(grant());
        },
      };
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        const h = this.holder;
        const same = h !== undefined && h.id !== undefined && h.id === id;
        reject(
          new WitkeyError(
            same ? 'NOTIFY_BUSY' : 'STORE_UNAVAILABLE',
            `SQLite notify store: this process's connection has been held ${h ? `by ${h.id === undefined ? 'a lease call' : `the transaction of notify_id ${h.id}`} for ${Date.now() - h.since} ms` : ''} — more than lockWaitMs ${waitMs}; an onNotification that does not settle holds it (the handler's timeoutMs does not cancel a run)`,
            { field: same ? 'notify_id' : 'store' },
          ),
        );
      }, waitMs);
      this.queue.push(waiter);
    });
  }
}

/**
 * Opens a notify store on a SQLite file (a path, opened with better-sqlite3) or on a better-sqlite3
 * `Database` you opened. It sets WAL, `synchronous = FULL` (a resolved `complete` or commit survives a
 * crash or power loss) and a `busy_timeout` of a few ms on the connection, and creates the table if
 * missing. Synchronous.
 *
 * Guarantee: several processes on one machine may share one file — every claim is one atomic
 * statement, every transaction `BEGIN IMMEDIATE` — but not over a network filesystem (NFS, SMB), whose
 * locks SQLite cannot trust. Transactional mode (the default) gives exactly-once effects for what
 * `onNotification` writes through `context.transaction` (this `Database`): they commit with the mark or
 * roll back with it. One transaction at a time per connection: this process's runs are serialized in
 * order, and another process's writes wait for the transaction's end (SQLite has one writer) — keep
 * `onNotification` short; a run that never settles holds the write lock until the process ends (the
 * handler's `timeoutMs` answers the gateway but does not cancel the run), and every other call then
 * fails after `lockWaitMs` with `STORE_UNAVAILABLE` naming the notify_id that holds it.
 * @throws WitkeyError `MISSING_DEPENDENCY` when a path is given and better-sqlite3 cannot be loaded;
 * `INVALID_OPTION` for bad options; `STORE_UNAVAILABLE` when the file cannot be opened or set up.
 * @example
 * import { createNodeNotifyHandler, createSqliteNotifyStore } from 'alipay-witkey/node';
 * const store = createSqliteNotifyStore('./var/notify.db');
 * const handler = createNodeNotifyHandler({
 *   alipayPublicKey,
 *   store,
 *   async onNotification(n, { transaction }) {
 *     // commits together with the processed mark, or not at all
 *     transaction.prepare('INSERT INTO payouts (notify_id, kind) VALUES (?, ?)').run(n.notifyId, n.kind);
 *   },
 * });
 */
export function createSqliteNotifyStore(
  pathOrDatabase: string | SqliteDatabase,
  options: SqliteNotifyStoreOptions & { transactional: false },
): SqliteLeaseNotifyStore;
export function createSqliteNotifyStore(
  pathOrDatabase: string | SqliteDatabase,
  options?: SqliteNotifyStoreOptions & { transactional?: true },
): SqliteNotifyStore;
export function createSqliteNotifyStore(
  pathOrDatabase: string | SqliteDatabase,
  options?: SqliteNotifyStoreOptions,
): SqliteNotifyStore | SqliteLeaseNotifyStore;
export function createSqliteNotifyStore(
  pathOrDatabase: string | SqliteDatabase,
  options: SqliteNotifyStoreOptions = {},
): SqliteNotifyStore | SqliteLeaseNotifyStore {
  if (typeof options !== 'object' || options === null)
    throw new WitkeyError('INVALID_OPTION', 'createSqliteNotifyStore: options must be an object', { field: 'options' });
  const table = options.table ?? 'witkey_notify';
  if (typeof table !== 'string' || !IDENT.test(table))
    throw new WitkeyError(
      'INVALID_OPTION',
      `createSqliteNotifyStore: table must be letters, digits and _ (not starting with a digit, at most 63), got ${JSON.stringify(table)}`,
      { field: 'table' },
    );
  const transactional = options.transactional ?? true;
  if (typeof transactional !== 'boolean')
    throw new WitkeyError('INVALID_OPTION', 'createSqliteNotifyStore: transactional must be a boolean', {
      field: 'transactional',
    });
  const lockWaitMs = options.lockWaitMs ?? 2000;
  if (typeof lockWaitMs !== 'number' || !Number.isSafeInteger(lockWaitMs) || lockWaitMs < 0)
    throw new WitkeyError(
      'INVALID_OPTION',
      `createSqliteNotifyStore: lockWaitMs must be a whole number of milliseconds >= 0, got ${String(lockWaitMs)}`,
      { field: 'lockWaitMs' },
    );

  let db: SqliteDatabase;
  let owned: boolean;
  if (typeof pathOrDatabase === 'string') {
    if (pathOrDatabase === '')
      throw new WitkeyError('INVALID_OPTION', 'createSqliteNotifyStore: the path must not be empty', { field: 'path' });
    const Driver = loadDriver();
    try {
      db = new Driver(pathOrDatabase);
    } catch (e) {
      throw unavailable(`opening ${pathOrDatabase}`, e);
    }
    owned = true;
  } else if (
    typeof pathOrDatabase === 'object' &&
    pathOrDatabase !== null &&
    typeof pathOrDatabase.prepare === 'function' &&
    typeof pathOrDatabase.exec === 'function' &&
    typeof pathOrDatabase.pragma === 'function'
  ) {
    db = pathOrDatabase;
    owned = false;
    if (!db.open)
      throw new WitkeyError('INVALID_OPTION', 'createSqliteNotifyStore: the Database is closed', { field: 'database' });
  } else {
    throw new WitkeyError('INVALID_OPTION', 'createSqliteNotifyStore: pass a file path or a better-sqlite3 Database', {
      field: 'database',
    });
  }

  try {
    // Creation is synchronous: SQLite itself waits (up to lockWaitMs) if another process is setting up the file.
    db.pragma(`busy_timeout = ${Math.max(lockWaitMs, BUSY_TIMEOUT_MS)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (
        notify_id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('claimed', 'released', 'processed')),
        token INTEGER NOT NULL,
        owner TEXT,
        lease_until INTEGER,
        kind TEXT,
        notify_time TEXT,
        processed_at TEXT
      )`,
    );
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (e) {
    if (owned) db.close();
    throw unavailable(`setting up ${table}`, e);
  }

  const stmt = {
    // A new id, a released one or an expired lease → this claim, with the next token.
    claim: db.prepare(
      `INSERT INTO ${table} (notify_id, state, token, owner, lease_until) VALUES (?, 'claimed', 1, ?, ?)
       ON CONFLICT (notify_id) DO UPDATE SET state = 'claimed', token = token + 1, owner = excluded.owner, lease_until = excluded.lease_until
       WHERE state = 'released' OR (state = 'claimed' AND lease_until <= ?)
       RETURNING token`,
    ),
    get: db.prepare(`SELECT state, token, owner, lease_until, kind, notify_time, processed_at FROM ${table} WHERE notify_id = ?`),
    complete: db.prepare(
      `UPDATE ${table} SET state = 'processed', owner = NULL, lease_until = NULL, kind = ?, notify_time = ?, processed_at = ?
       WHERE notify_id = ? AND token = ? AND state = 'claimed' RETURNING token`,
    ),
    release: db.prepare(
      `UPDATE ${table} SET state = 'released', owner = NULL, lease_until = NULL WHERE notify_id = ? AND token = ? AND state = 'claimed'`,
    ),
    // runInTransaction's mark: a new id, or one not held by a live lease (checked first), with the next token.
    mark: db.prepare(
      `INSERT INTO ${table} (notify_id, state, token, kind, notify_time, processed_at) VALUES (?, 'processed', 1, ?, ?, ?)
       ON CONFLICT (notify_id) DO UPDATE SET state = 'processed', token = token + 1, owner = NULL, lease_until = NULL,
         kind = excluded.kind, notify_time = excluded.notify_time, processed_at = excluded.processed_at`,
    ),
  };
  type Row = {
    state: 'claimed' | 'released' | 'processed';
    token: number;
    owner: string | null;
    lease_until: number | null;
    kind: string | null;
    notify_time: string | null;
    processed_at: string | null;
  };
  const read = (id: string): Row | undefined => stmt.get.get(id) as Row | undefined;
  const recordOf = (r: Row): ProcessedNotification => ({
    kind: String(r.kind),
    notifyTime: String(r.notify_time),
    processedAt: String(r.processed_at),
  });

  let closed = false;
  const lock = new ConnectionLock(() => {
    if (closed && owned && db.open) db.close();
  });
  const check = (): void => {
    if (closed) throw new WitkeyError('INVALID_OPTION', 'the SQLite notify store is closed', { field: 'store' });
  };

  /** Runs `fn` (synchronous SQL) until it is not SQLITE_BUSY, sleeping between tries, up to `deadline`. */
  const retryBusy = async <T>(what: string, deadline: number, fn: () => T): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (e) {
        if (!isBusy(e)) throw unavailable(what, e);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new WitkeyError(
            'STORE_UNAVAILABLE',
            `SQLite notify store: ${what}: the database stayed locked by another connection for more than lockWaitMs ${lockWaitMs} (a transaction of another process, e.g. a long onNotification)`,
            { field: 'store', cause: e },
          );
        const step = Math.min(2 ** Math.min(attempt, 5), 25); // 1, 2, 4, … 25 ms
        // jitter, so that waiting processes do not retry in step; from crypto.getRandomValues as every
        // random number of this library is, though nothing here is secret
        const jitter = crypto.getRandomValues(new Uint8Array(1))[0]! / 256;
        await sleep(Math.min(left, step * (0.5 + jitter)));
      }
    }
  };

  /** One short operation on the connection: after any transaction of this process, retried while busy. */
  const operate = async <T>(what: string, fn: () => T): Promise<T> => {
    check();
    const deadline = Date.now() + lockWaitMs;
    const release = await lock.acquire(undefined, lockWaitMs);
    try {
      check();
      return await retryBusy(what, deadline, fn);
    } finally {
      release();
    }
  };

  // better-sqlite3's transaction(fn).immediate: BEGIN IMMEDIATE, fn, COMMIT (ROLLBACK if fn throws).
  const immediate = <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) =>
    (db as unknown as { transaction(f: (...args: A) => R): { immediate(...args: A): R } }).transaction(fn).immediate;
  const claimTx = immediate((id: string, owner: string, leaseMs: number) => {
    const now = Date.now();
    const won = stmt.claim.get(id, owner, now + leaseMs, now) as { token: number } | undefined;
    if (won) return { status: 'claimed', token: String(won.token) } as const;
    const r = read(id);
    if (r?.state === 'processed') return { status: 'processed', record: recordOf(r) } as const;
    // The upsert refused, and in the same transaction: a live lease.
    return {
      status: 'busy',
      ...(r?.owner ? { owner: r.owner } : {}),
      ...(r?.lease_until != null ? { leaseExpiresAt: new Date(r.lease_until) } : {}),
    } as const;
  });

  const store: SqliteNotifyStore = {
    get database() {
      return db;
    },
    async claim(id, claimOptions) {
      checkId(id);
      const { leaseMs, owner } = claimOptions ?? ({} as Partial<{ leaseMs: number; owner: string }>);
      checkLease(leaseMs);
      return operate(`claim of ${id}`, () => claimTx(id, String(owner ?? ''), leaseMs));
    },
    async complete(id, token, record) {
      checkId(id);
      if (typeof token !== 'string' || !TOKEN.test(token)) throw leaseLost(id);
      const done = await operate(`complete of ${id}`, () =>
        stmt.complete.get(
          String(record?.kind ?? ''),
          String(record?.notifyTime ?? ''),
          String(record?.processedAt ?? new Date().toISOString()),
          id,
          Number(token),
        ),
      );
      if (done === undefined) throw leaseLost(id);
    },
    async release(id, token) {
      checkId(id);
      if (typeof token !== 'string' || !TOKEN.test(token)) return;
      await operate(`release of ${id}`, () => stmt.release.run(id, Number(token)));
    },
    async runInTransaction(id, record, run): Promise<TransactionResult> {
      checkId(id);
      if (typeof run !== 'function')
        throw new WitkeyError('INVALID_OPTION', 'runInTransaction: run must be a function', { field: 'run' });
      check();
      const deadline = Date.now() + lockWaitMs;
      let release: () => void;
      try {
        release = await lock.acquire(id, lockWaitMs);
      } catch (e) {
        if (e instanceof WitkeyError && e.code === 'NOTIFY_BUSY') return { status: 'busy' }; // the same id's run holds it
        throw e;
      }
      try {
        check();
        // Already processed (the common duplicate): answered from a read, without the write lock.
        const seen = await retryBusy(`read of ${id}`, deadline, () => read(id));
        if (seen?.state === 'processed') return { status: 'processed', record: recordOf(seen) };
        await retryBusy(`BEGIN IMMEDIATE for ${id}`, deadline, () => db.exec('BEGIN IMMEDIATE'));
        let began = true;
        try {
          const r = read(id);
          if (r?.state === 'processed') return { status: 'processed', record: recordOf(r) };
          if (r?.state === 'claimed' && r.lease_until != null && r.lease_until > Date.now()) return { status: 'busy' };
          try {
            stmt.mark.run(id, String(record?.kind ?? ''), String(record?.notifyTime ?? ''), String(record?.processedAt ?? ''));
          } catch (e) {
            throw unavailable(`marking ${id} processed`, e);
          }
          await run(db);
          if (!db.inTransaction) {
            began = false;
            throw new WitkeyError(
              'STORE_UNAVAILABLE',
              `notify_id ${id}: onNotification ended the store's transaction itself (COMMIT or ROLLBACK on context.transaction); whether its writes and the mark committed is unknown — use savepoints (db.transaction()) inside it instead`,
              { field: 'transaction' },
            );
          }
          try {
            db.exec('COMMIT');
          } catch (e) {
            throw unavailable(`COMMIT of ${id}`, e);
          }
          began = false;
          return { status: 'done' };
        } finally {
          if (began && db.inTransaction) {
            try {
              db.exec('ROLLBACK');
            } catch {
              // the connection is gone: SQLite rolls back an unfinished transaction itself
            }
          }
        }
      } finally {
        release();
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (owned && lock.idle && db.open) db.close();
    },
  };
  if (transactional) return store;
  // Lease-only: the handler sees no runInTransaction and uses claim/complete/release.
  return {
    get database() {
      return db;
    },
    claim: store.claim,
    complete: store.complete,
    release: store.release,
    close: store.close,
  };
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '')
    throw new WitkeyError('INVALID_OPTION', 'notify_id must be a non-empty string', { field: 'notify_id' });
}
