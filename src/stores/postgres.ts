/**
 * The notify store on PostgreSQL: an adapter over the client the partner already has — a node-postgres
 * (`pg`) `Pool` or a postgres.js `sql` — with no dependency on either (structural types only; it runs
 * wherever the client runs). One row per `notify_id` in one table; leases and their expiry on the
 * database's clock, so workers with skewed clocks agree.
 *
 * Two modes (src/notify/store.ts):
 * - **transactional** (default): `runInTransaction` marks the id processed and runs `onNotification` in
 *   one PostgreSQL transaction whose handle is `context.transaction` (the pool's `PoolClient` inside
 *   `BEGIN`, or postgres.js's transaction `sql`); the partner's writes through it and the mark commit
 *   or roll back together — exactly-once effects in this database, across crashes and restarts.
 * - **lease-only** (`transactional: false`): claim/complete/release — at most one concurrent run per id,
 *   at-least-once completion (a run killed between its effects and `complete` runs again).
 * @module
 */

import { WitkeyError } from '../errors.js';
import {
  type ClaimOptions,
  type ClaimResult,
  checkLease,
  leaseLost,
  type NotifyStore,
  type ProcessedNotification,
  type TransactionalNotifyStore,
  type TransactionResult,
} from '../notify/store.js';
import { listenForErrors } from './error-listener.js';

// ---------------------------------------------------------------------------------------------
// The clients, structurally. `any` where the real clients' signatures are generic or overloaded, so
// that `pg.Pool` and postgres.js's `Sql` are assignable without importing either.

/**
 * A node-postgres client checked out of a pool (what `pool.connect()` resolves to), as this store uses it.
 * @example
 * const client: PgPoolClientLike = await pool.connect(); // a pg PoolClient fits
 */
export interface PgPoolClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query is overloaded and generic
  query(text: string, values?: any[]): Promise<any>;
  release(err?: Error | boolean): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * A node-postgres `Pool` (`new pg.Pool(…)`), as this store uses it (no import of `pg`: any pg 8 Pool fits).
 * @example
 * const pool: PgPoolLike = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
  // biome-ignore lint/suspicious/noExplicitAny: pg's query is overloaded and generic
  query(text: string, values?: any[]): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: pg's on() is generic over its events
  on(event: 'error', listener: (err: Error, ...rest: any[]) => void): unknown;
  /** Only pools have it: a single `pg.Client` cannot run concurrent transactions. */
  readonly totalCount: number;
}

/**
 * A postgres.js `sql` (`postgres(url)`), as this store uses it (no import of `postgres`).
 * @example
 * const sql: PostgresJsSqlLike = postgres(process.env.DATABASE_URL);
 */
export interface PostgresJsSqlLike {
  // biome-ignore lint/suspicious/noExplicitAny: the tagged-template call
  (...args: any[]): any;
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js's begin is generic and overloaded
  begin(...args: any[]): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js's unsafe is generic
  unsafe(query: string, parameters?: any[], options?: any): PromiseLike<any>;
}

/**
 * The clients {@link createPostgresNotifyStore} takes: a pg `Pool` or a postgres.js `sql`.
 * @example
 * function storeFor(client: PostgresClient) { return createPostgresNotifyStore(client, { transactional: false }); }
 */
export type PostgresClient = PgPoolLike | PostgresJsSqlLike;

/** The return types of every call signature of `F` (up to two overloads, as pg's `connect`). */
type Returns<F> = F extends { (...a: infer _A1): infer R1; (...a: infer _A2): infer R2 }
  ? R1 | R2
  : F extends (...a: infer _A) => infer R
    ? R
    : never;

/**
 * The transaction handle of client `C`, as `context.transaction` gets it: for a pg `Pool`, what its
 * `connect()` resolves to (`PoolClient`); for postgres.js, the `sql` its `begin` passes to the callback
 * (`TransactionSql`).
 * @example
 * type Tx = PostgresTransactionOf<pg.Pool>; // pg.PoolClient
 * type Tx2 = PostgresTransactionOf<postgres.Sql>; // postgres.TransactionSql
 */
export type PostgresTransactionOf<C> = C extends { begin(options: string, cb: (sql: infer T) => infer _R): unknown }
  ? T
  : C extends { begin(cb: (sql: infer T) => infer _R): unknown }
    ? T
    : C extends { connect: infer K }
      ? Awaited<Extract<Returns<K>, PromiseLike<unknown>>>
      : never;

// ---------------------------------------------------------------------------------------------

/**
 * Options of {@link createPostgresNotifyStore}.
 * @example
 * createPostgresNotifyStore(pool, { table: 'billing.witkey_notify', lockWaitMs: 5000, onError: (e) => log.warn(e) });
 */
export interface PostgresNotifyStoreOptions {
  /**
   * The table, `name` or `schema.name`: letters, digits, `_` (a name up to 53 characters, so that its
   * sequence `<name>_token_seq` fits PostgreSQL's 63). Used exactly as given (quoted: case matters).
   * Default `witkey_notify`.
   */
  table?: string;
  /**
   * `true` (default): runs notifications in PostgreSQL transactions (`context.transaction`): exactly-once
   * effects in this database. `false`: a lease-only store (claim/complete/release): at most one
   * concurrent run per id, at-least-once completion.
   */
  transactional?: boolean;
  /**
   * How long `runInTransaction` waits for a concurrent transaction that holds the same `notify_id`
   * before answering busy (the handler answers `fail`, 503 `NOTIFY_BUSY`; the gateway delivers again):
   * PostgreSQL's `lock_timeout`, set for that one statement. Milliseconds, 1 … 2 147 483 647;
   * default 2000.
   */
  lockWaitMs?: number;
  /**
   * Create the table (and its sequence and index) if missing, once, on first use: serialised between
   * processes by an advisory lock, and skipped when the table exists (so a role with only
   * SELECT/INSERT/UPDATE/DELETE on it works). `false` when migrations create it
   * ({@link postgresNotifyStoreDDL}). Default `true`.
   */
  createTable?: boolean;
  /**
   * Told about connection errors that reach no query: a pg `Pool` emits `'error'` when an idle client's
   * connection breaks (a server restart), which crashes a process where nothing listens; the store
   * always listens on the pool it is given, and passes them here. Also errors of a transaction's
   * connection while `onNotification` runs no query. The pool replaces broken clients by itself.
   */
  onError?: (error: unknown) => void;
}

/**
 * Options of {@link PostgresNotifyStore.prune}.
 * @example
 * await store.prune({ olderThanMs: 30 * 24 * 3600_000 }); // keep 30 days
 */
export interface PruneOptions {
  /**
   * Delete processed ids marked longer ago than this (the database's clock), and claims whose lease
   * expired longer ago. At least 48 hours: the gateway delivers a notification again for about 34
   * hours, and an id forgotten within that window would run again. Default 7 days.
   */
  olderThanMs?: number;
}

/**
 * The lease methods and `prune`: what every PostgreSQL store has (`transactional: false` gives just this).
 * @example
 * const store: PostgresNotifyStore = createPostgresNotifyStore(pool, { transactional: false });
 * setInterval(() => store.prune().catch(log.warn), 24 * 3600_000); // daily
 */
export interface PostgresNotifyStore extends NotifyStore {
  /**
   * Deletes processed rows older than `olderThanMs` (and long-expired claims), on the database's clock.
   * Resolves to the number of rows deleted. Run it now and then (a daily job); the table grows
   * by one row per notification until then.
   * @throws WitkeyError `INVALID_OPTION` (field `olderThanMs`) below 48 hours.
   */
  prune(options?: PruneOptions): Promise<number>;
}

/**
 * A transactional PostgreSQL store: `T` is the client's transaction handle (`context.transaction`).
 * @example
 * const store: PostgresTransactionalNotifyStore<pg.PoolClient> = createPostgresNotifyStore(pool);
 */
export interface PostgresTransactionalNotifyStore<T> extends PostgresNotifyStore, TransactionalNotifyStore<T> {}

// ---------------------------------------------------------------------------------------------
// Table names and the DDL

const DEFAULT_TABLE = 'witkey_notify';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface TableNames {
  /** The quoted table, `"schema"."name"` or `"name"`. */
  table: string;
  /** The quoted token sequence. */
  seq: string;
  /** The quoted index name (unqualified: an index lives in its table's schema). */
  index: string;
  /** A key for the advisory lock of the creation (the unquoted name as given). */
  key: string;
}

function tableNames(table: unknown): TableNames {
  const bad = (why: string): WitkeyError =>
    new WitkeyError('INVALID_OPTION', `createPostgresNotifyStore: table ${why}, got ${JSON.stringify(table)}`, {
      field: 'table',
    });
  if (typeof table !== 'string') throw bad('must be a string');
  const parts = table.split('.');
  if (parts.length > 2) throw bad('must be name or schema.name');
  if (!parts.every((p) => IDENT.test(p))) throw bad('parts must be letters, digits and _ (not starting with a digit)');
  const name = parts[parts.length - 1] as string;
  const schema = parts.length === 2 ? parts[0] : undefined;
  if (name.length > 53) throw bad('name must be at most 53 characters (its sequence name adds 10)');
  if (schema !== undefined && schema.length > 63) throw bad('schema must be at most 63 characters');
  const q = (s: string): string => `"${s}"`;
  const qualified = (n: string): string => (schema === undefined ? q(n) : `${q(schema)}.${q(n)}`);
  return { table: qualified(name), seq: qualified(`${name}_token_seq`), index: q(`${name}_processed_idx`), key: table };
}

function ddlStatements(n: TableNames): string[] {
  return [
    `CREATE SEQUENCE IF NOT EXISTS ${n.seq}`,
    `CREATE TABLE IF NOT EXISTS ${n.table} (
  notify_id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('claimed', 'processed')),
  token bigint NOT NULL,
  owner text,
  lease_until timestamptz,
  kind text,
  notify_time text,
  processed_at timestamptz
)`,
    `CREATE INDEX IF NOT EXISTS ${n.index} ON ${n.table} (processed_at) WHERE state = 'processed'`,
  ];
}

/**
 * The SQL that creates the store's table, its token sequence and its index (`IF NOT EXISTS`), for
 * partners who manage their schema with migrations (then pass `createTable: false`). Statements end
 * with `;`, one after the other.
 * @throws WitkeyError `INVALID_OPTION` (field `table`) for a name that is not `name` or `schema.name`.
 * @example
 * await pool.query(postgresNotifyStoreDDL('billing.witkey_notify')); // in a migration
 * const store = createPostgresNotifyStore(pool, { table: 'billing.witkey_notify', createTable: false });
 */
export function postgresNotifyStoreDDL(table: string = DEFAULT_TABLE): string {
  return `${ddlStatements(tableNames(table)).join(';\n')};\n`;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** SQLSTATEs and client codes that mean the connection or the server is gone, not the statement. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection error|not queryable|Client was closed|timeout exceeded when trying to connect|terminating connection/i;

function isConnectionError(e: unknown, depth = 0): boolean {
  if (typeof e !== 'object' || e === null || depth > 3) return false;
  const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  // node's AggregateError when every address of a host refused (localhost: ::1 and 127.0.0.1)
  if (Array.isArray(errors) && errors.length > 0 && errors.every((x) => isConnectionError(x, depth + 1))) return true;
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message) && typeof code !== 'string';
}

const sqlState = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

function unavailable(what: string, e: unknown): WitkeyError {
  const detail = e instanceof Error ? e.message : String(e);
  const code = sqlState(e);
  return new WitkeyError(
    'STORE_UNAVAILABLE',
    `PostgreSQL notify store: ${what} failed, the database is unreachable (${code ? `${code}: ` : ''}${detail}); the delivery is answered fail and comes again`,
    { cause: e },
  );
}

/** A connection error becomes STORE_UNAVAILABLE; any other error (an SQL error) is thrown as it is. */
function classify(what: string, e: unknown): unknown {
  if (e instanceof WitkeyError) return e;
  return isConnectionError(e) ? unavailable(what, e) : e;
}

// ---------------------------------------------------------------------------------------------
// One query interface over both clients

interface Row {
  [column: string]: unknown;
}
interface Result {
  rows: Row[];
  count: number;
}
/** Runs one statement (on a pool, a checked-out client, or a postgres.js sql). */
type Exec = (text: string, params?: unknown[]) => Promise<Result>;

const pgExec =
  (q: { query(text: string, values?: unknown[]): Promise<{ rows?: Row[]; rowCount?: number | null }> }): Exec =>
  async (text, params) => {
    const r = await q.query(text, params);
    return { rows: r.rows ?? [], count: r.rowCount ?? 0 };
  };

const pjExec =
  (sql: PostgresJsSqlLike): Exec =>
  async (text, params) => {
    const r = (await sql.unsafe(text, params ?? [])) as Row[] & { count?: number };
    return { rows: [...r], count: typeof r.count === 'number' ? r.count : r.length };
  };

/** Which kind of client: postgres.js `sql`, or a pg `Pool`; refuses a single connection and anything else. */
function clientKind(client: unknown): 'pg' | 'postgres.js' {
  const c = client as Record<string, unknown> | null;
  if (typeof client === 'function' && typeof c?.begin === 'function' && typeof c.unsafe === 'function') return 'postgres.js';
  if (c !== null && typeof c === 'object' && typeof c.connect === 'function' && typeof c.query === 'function') {
    if (typeof c.totalCount === 'number' && typeof c.on === 'function') return 'pg';
    throw new WitkeyError(
      'INVALID_OPTION',
      'createPostgresNotifyStore: client is a single connection (a pg Client or PoolClient), which cannot run concurrent deliveries in their own transactions: pass a pg Pool (new pg.Pool(…)) or a postgres.js sql',
      { field: 'client' },
    );
  }
  throw new WitkeyError(
    'INVALID_OPTION',
    'createPostgresNotifyStore: client must be a node-postgres Pool (new pg.Pool(…)) or a postgres.js sql (postgres(url))',
    { field: 'client' },
  );
}

/** Gives a checked-out client back (destroyed when `broken`); a second release (by the partner's own code) is not an error here. */
function releaseOnce(c: PgPoolClientLike, broken: Error | undefined): void {
  try {
    c.release(broken ?? false);
  } catch {
    // "Release called on client which has already been released": onNotification released it itself
  }
}

class Outcome {
  constructor(readonly result: TransactionResult) {}
}

const MIN_RETENTION_MS = 48 * 3600_000;
const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;
const TOKEN = /^\d{1,19}$/;

// ---------------------------------------------------------------------------------------------

/**
 * A notify store on PostgreSQL, over the `pg` Pool or postgres.js `sql` you pass in (not closed by the
 * store). Transactional by default: `onNotification`'s `context.transaction` is the client's own
 * transaction handle (a `PoolClient` inside `BEGIN`, or postgres.js's transaction `sql`), in which the
 * `notify_id` is already marked processed: the partner's writes through it and the mark commit
 * together — exactly-once effects in this database; a throw rolls both back and the gateway delivers
 * again. With `transactional: false`, a lease-only store: at most one concurrent run per id,
 * at-least-once completion (effects outside the mark must be idempotent; `context.fencingToken` grows
 * with every claim).
 *
 * A pg Pool gets an `'error'` listener (a broken idle connection would otherwise crash the process):
 * see `onError`. A lost connection or a server down is `STORE_UNAVAILABLE` (the delivery is answered
 * `fail`, 503); the same store works again once the server is back. Other SQL errors are thrown as the
 * client threw them. The table is created on first use unless `createTable: false`.
 * @throws WitkeyError `INVALID_OPTION` for a client that is not a pg Pool or postgres.js `sql` (field
 * `client`: a single pg `Client` is refused), or a bad option (field named).
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const handler = createNodeNotifyHandler({
 *   alipayPublicKey,
 *   store: createPostgresNotifyStore(pool),
 *   async onNotification(n, { transaction }) {
 *     if (n.kind === 'assign_transfer' && n.transfer.status === 'S')
 *       await transaction.query('UPDATE payouts SET paid = true WHERE no = $1', [n.transfer.outerTransferNo]);
 *   },
 * });
 */
export function createPostgresNotifyStore<C extends PostgresClient>(
  client: C,
  options: PostgresNotifyStoreOptions & { transactional: false },
): PostgresNotifyStore;
export function createPostgresNotifyStore<C extends PostgresClient>(
  client: C,
  options?: PostgresNotifyStoreOptions & { transactional?: true },
): PostgresTransactionalNotifyStore<PostgresTransactionOf<C>>;
export function createPostgresNotifyStore<C extends PostgresClient>(
  client: C,
  options?: PostgresNotifyStoreOptions,
): PostgresNotifyStore | PostgresTransactionalNotifyStore<PostgresTransactionOf<C>>;
export function createPostgresNotifyStore<C extends PostgresClient>(
  client: C,
  options: PostgresNotifyStoreOptions = {},
): PostgresNotifyStore | PostgresTransactionalNotifyStore<PostgresTransactionOf<C>> {
  if (options === null || typeof options !== 'object')
    throw new WitkeyError('INVALID_OPTION', 'createPostgresNotifyStore: options must be an object', { field: 'options' });
  const kind = clientKind(client);
  const names = tableNames(options.table ?? DEFAULT_TABLE);
  const transactional = options.transactional ?? true;
  if (typeof transactional !== 'boolean')
    throw new WitkeyError('INVALID_OPTION', 'createPostgresNotifyStore: transactional must be true or false', {
      field: 'transactional',
    });
  const createTable = options.createTable ?? true;
  if (typeof createTable !== 'boolean')
    throw new WitkeyError('INVALID_OPTION', 'createPostgresNotifyStore: createTable must be true or false', {
      field: 'createTable',
    });
  const lockWaitMs = options.lockWaitMs ?? 2000;
  if (!Number.isSafeInteger(lockWaitMs) || lockWaitMs < 1 || lockWaitMs > 2_147_483_647)
    throw new WitkeyError(
      'INVALID_OPTION',
      `createPostgresNotifyStore: lockWaitMs must be a whole number of milliseconds from 1 to 2147483647, got ${String(lockWaitMs)}`,
      { field: 'lockWaitMs' },
    );
  const { onError } = options;
  if (onError !== undefined && typeof onError !== 'function')
    throw new WitkeyError('INVALID_OPTION', 'createPostgresNotifyStore: onError must be a function', { field: 'onError' });
  const report = (e: unknown): void => {
    try {
      onError?.(e);
    } catch {
      // a logging hook must not turn into a failure of the store
    }
  };

  const pool = kind === 'pg' ? (client as PgPoolLike) : undefined;
  const sql = kind === 'postgres.js' ? (client as PostgresJsSqlLike) : undefined;
  if (pool) listenForErrors(pool, onError); // a broken idle connection of the pool would otherwise crash the process
  const exec: Exec = pool ? pgExec(pool as never) : pjExec(sql as PostgresJsSqlLike);
  const { table, seq } = names;

  // --- the statements (result columns are lowercase single words: postgres.js column transforms leave them as they are)
  const CLAIM = `INSERT INTO ${table} AS n (notify_id, state, token, owner, lease_until)
VALUES ($1, 'claimed', nextval('${seq}'), $2, clock_timestamp() + $3::bigint * interval '1 millisecond')
ON CONFLICT (notify_id) DO UPDATE SET state = 'claimed', token = EXCLUDED.token, owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
WHERE n.state = 'claimed' AND n.lease_until <= clock_timestamp()
RETURNING n.token::text AS token`;
  const READ = `SELECT state, owner, (extract(epoch FROM lease_until) * 1000)::bigint::text AS untilms,
(lease_until > clock_timestamp())::int::text AS live, kind, notify_time AS notifytime,
to_char(processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS processedat
FROM ${table} WHERE notify_id = $1`;
  const COMPLETE = `UPDATE ${table} SET state = 'processed', lease_until = NULL, kind = $3, notify_time = $4, processed_at = clock_timestamp()
WHERE notify_id = $1 AND token = $2::bigint AND state = 'claimed'`;
  const RELEASE = `DELETE FROM ${table} WHERE notify_id = $1 AND token = $2::bigint AND state = 'claimed'`;
  // The lock bound for the mark only, then the session's own bound again for the partner's statements.
  // lockWaitMs is a checked integer, so it can be a literal: SET_LOCK then needs no parameter and rides
  // with BEGIN in one round trip (node-postgres sends a parameterless query as one simple query).
  const SET_LOCK = `SELECT p.prev, set_config('lock_timeout', '${lockWaitMs}ms', true) AS now FROM (SELECT current_setting('lock_timeout') AS prev OFFSET 0) p`;
  // The mark, and (evaluated per returned row, so after the insert's lock wait) the session's lock bound
  // restored, in one statement: one round trip. No row: nothing restored, and run is not called.
  const MARK = `WITH m AS (INSERT INTO ${table} AS n (notify_id, state, token, lease_until, kind, notify_time, processed_at)
VALUES ($1, 'processed', nextval('${seq}'), NULL, $2, $3, clock_timestamp())
ON CONFLICT (notify_id) DO UPDATE SET state = 'processed', token = EXCLUDED.token, owner = NULL, lease_until = NULL,
kind = EXCLUDED.kind, notify_time = EXCLUDED.notify_time, processed_at = EXCLUDED.processed_at
WHERE n.state = 'claimed' AND n.lease_until <= clock_timestamp()
RETURNING n.token::text AS token)
SELECT m.token, set_config('lock_timeout', $4, true) AS now FROM m`;
  const PRUNE = `DELETE FROM ${table} WHERE (state = 'processed' AND processed_at < clock_timestamp() - $1::bigint * interval '1 millisecond')
OR (state = 'claimed' AND lease_until < clock_timestamp() - $1::bigint * interval '1 millisecond')`;

  // --- the table, once
  let ready: Promise<void> | undefined = createTable ? undefined : Promise.resolve();
  const ensureTable = (): Promise<void> => {
    if (!ready) {
      const p = createTableOnce();
      ready = p;
      p.catch(() => {
        if (ready === p) ready = undefined; // the next call tries again (the server may be back)
      });
    }
    return ready;
  };
  async function createTableOnce(): Promise<void> {
    const exists = await exec('SELECT (to_regclass($1) IS NOT NULL)::int::text AS present', [table]).catch((e) => {
      throw classify('creating the table', e);
    });
    if (exists.rows[0]?.present === '1') return;
    // One process at a time: concurrent CREATE … IF NOT EXISTS of one table can fail on the catalogs'
    // unique indexes. The advisory lock is transaction-scoped: released by COMMIT or a lost connection.
    const steps = async (run: Exec): Promise<void> => {
      await run(`SELECT pg_advisory_xact_lock(hashtext('alipay-witkey notify store'), hashtext($1))::text AS locked`, [
        names.key,
      ]);
      for (const s of ddlStatements(names)) await run(s);
    };
    try {
      await inTransaction(steps);
    } catch (e) {
      throw classify('creating the table', e);
    }
  }

  /** Runs `body` in a transaction of its own connection (no user code: for the DDL). */
  async function inTransaction(body: (run: Exec) => Promise<void>): Promise<void> {
    if (sql) {
      await sql.begin((tx: PostgresJsSqlLike) => body(pjExec(tx)));
      return;
    }
    const c = await (pool as PgPoolLike).connect();
    let broken: Error | undefined;
    const onClientError = (err: Error): void => {
      broken = err;
      report(err);
    };
    c.on('error', onClientError);
    try {
      await c.query('BEGIN');
      await body(pgExec(c as never));
      await c.query('COMMIT');
    } catch (e) {
      broken ??= await c.query('ROLLBACK').then(
        () => undefined,
        (r: unknown) => (r instanceof Error ? r : new Error(String(r))),
      );
      throw e;
    } finally {
      c.removeListener('error', onClientError);
      releaseOnce(c, broken);
    }
  }

  const readRow = async (run: Exec, id: string): Promise<Row | undefined> => (await run(READ, [id])).rows[0];
  const recordOf = (row: Row): ProcessedNotification | undefined =>
    typeof row.kind === 'string'
      ? { kind: row.kind, notifyTime: String(row.notifytime ?? ''), processedAt: String(row.processedat ?? '') }
      : undefined;
  const processed = (row: Row): ClaimResult => {
    const record = recordOf(row);
    return record ? { status: 'processed', record } : { status: 'processed' };
  };

  const checkId = (notifyId: unknown): string => {
    if (typeof notifyId !== 'string' || notifyId === '')
      throw new WitkeyError('INVALID_OPTION', 'PostgreSQL notify store: notifyId must be a non-empty string', {
        field: 'notify_id',
      });
    return notifyId;
  };

  const store: PostgresNotifyStore = {
    async claim(notifyId: string, { leaseMs, owner }: ClaimOptions): Promise<ClaimResult> {
      const id = checkId(notifyId);
      checkLease(leaseMs);
      await ensureTable();
      try {
        // A row may vanish (released) or expire between the two statements: try again, a few times.
        for (let attempt = 0; attempt < 5; attempt++) {
          const r = await exec(CLAIM, [id, String(owner ?? ''), String(leaseMs)]);
          const token = r.rows[0]?.token;
          if (typeof token === 'string') return { status: 'claimed', token };
          const row = await readRow(exec, id);
          if (!row) continue;
          if (row.state === 'processed') return processed(row);
          if (row.live === '1') {
            const result: { status: 'busy'; owner?: string; leaseExpiresAt?: Date } = { status: 'busy' };
            if (typeof row.owner === 'string' && row.owner !== '') result.owner = row.owner;
            if (typeof row.untilms === 'string') result.leaseExpiresAt = new Date(Number(row.untilms));
            return result;
          }
        }
        return { status: 'busy' };
      } catch (e) {
        throw classify('claim', e);
      }
    },

    async complete(notifyId: string, token: string, record: ProcessedNotification): Promise<void> {
      const id = checkId(notifyId);
      if (typeof token !== 'string' || !TOKEN.test(token)) throw leaseLost(id, 'the token is not one of this store');
      await ensureTable();
      let r: Result;
      try {
        r = await exec(COMPLETE, [id, token, String(record.kind), String(record.notifyTime)]);
      } catch (e) {
        throw classify('complete', e);
      }
      if (r.count !== 1) throw leaseLost(id);
    },

    async release(notifyId: string, token: string): Promise<void> {
      const id = checkId(notifyId);
      if (typeof token !== 'string' || !TOKEN.test(token)) return;
      await ensureTable();
      try {
        await exec(RELEASE, [id, token]);
      } catch (e) {
        throw classify('release', e);
      }
    },

    async prune({ olderThanMs = DEFAULT_RETENTION_MS }: PruneOptions = {}): Promise<number> {
      if (!Number.isSafeInteger(olderThanMs) || olderThanMs < MIN_RETENTION_MS)
        throw new WitkeyError(
          'INVALID_OPTION',
          `prune: olderThanMs must be a whole number of milliseconds of at least 48 hours (${MIN_RETENTION_MS}): the gateway delivers again for about 34 hours; got ${String(olderThanMs)}`,
          { field: 'olderThanMs' },
        );
      await ensureTable();
      try {
        return (await exec(PRUNE, [String(olderThanMs)])).count;
      } catch (e) {
        throw classify('prune', e);
      }
    },
  };
  if (!transactional) return store;

  /**
   * The first statements of a delivery's transaction: the lock bound, the mark (or why not).
   * Throws an {@link Outcome} when `run` must not be called.
   */
  const mark = async (run: Exec, id: string, record: ProcessedNotification, prevLock?: string): Promise<void> => {
    let prev = prevLock;
    if (prev === undefined) {
      const set = await run(SET_LOCK);
      prev = String(set.rows[0]?.prev ?? '0');
    }
    let r: Result;
    try {
      r = await run(MARK, [id, String(record.kind), String(record.notifyTime), prev]);
    } catch (e) {
      if (sqlState(e) === '55P03') throw new Outcome({ status: 'busy' }); // lock_timeout: another transaction holds the id
      throw e;
    }
    if (r.rows.length === 0) {
      const row = await readRow(run, id);
      if (row?.state === 'processed') {
        const rec = recordOf(row);
        throw new Outcome(rec ? { status: 'processed', record: rec } : { status: 'processed' });
      }
      throw new Outcome({ status: 'busy' }); // a live lease of a lease-mode run
    }
  };

  const runPg = async (id: string, record: ProcessedNotification, run: (tx: unknown) => Promise<void>) => {
    let c: PgPoolClientLike;
    try {
      c = await (pool as PgPoolLike).connect();
    } catch (e) {
      throw classify('connect', e);
    }
    // A checked-out client has no listener of the pool's: an error of its connection while no query
    // runs (the server stops while onNotification awaits something else) would crash the process.
    let broken: Error | undefined;
    const onClientError = (err: Error): void => {
      broken = err;
      report(err);
    };
    c.on('error', onClientError);
    let phase: 'begin' | 'run' | 'commit' = 'begin';
    try {
      // BEGIN and the lock bound in one simple query (two results): one round trip.
      const begun = (await c.query(`BEGIN; ${SET_LOCK}`)) as unknown as Array<{ rows?: Row[] }>;
      const prev = String((Array.isArray(begun) ? begun[1]?.rows?.[0]?.prev : undefined) ?? '0');
      await mark(pgExec(c as never), id, record, prev);
      phase = 'run';
      await run(c);
      phase = 'commit';
      await c.query('COMMIT');
      return { status: 'done' } as const;
    } catch (e) {
      try {
        await c.query('ROLLBACK');
      } catch (r) {
        broken ??= r instanceof Error ? r : new Error(String(r));
      }
      if (isConnectionError(e)) broken ??= e as Error;
      if (e instanceof Outcome) return e.result;
      if (phase === 'run') throw e; // the partner's error, as it is
      throw classify(phase === 'commit' ? 'commit' : 'marking the notification', e);
    } finally {
      c.removeListener('error', onClientError);
      // A client whose connection broke is released with the error: the pool destroys it.
      releaseOnce(c, broken);
    }
  };

  /**
   * postgres.js (3.4.9) sends a query on a transaction's connection even after that connection closed,
   * and then throws from a timer — an uncaught TypeError that ends the process. So once `begin` says
   * the connection closed, this store sends nothing more on it: its own statements are refused, and the
   * callback it gave `begin` never settles, so postgres.js does not send COMMIT or ROLLBACK on the dead
   * connection (the server has rolled the transaction back already). A partner's own query sent through
   * `context.transaction` after its connection closed can still hit that bug in postgres.js.
   */
  const runPostgresJs = async (id: string, record: ProcessedNotification, run: (tx: unknown) => Promise<void>) => {
    let phase = 'begin' as 'begin' | 'run' | 'commit'; // set inside begin's callback
    let runError: { error: unknown } | undefined;
    let settled = false;
    let connectionLost = false;
    const work = async (tx: PostgresJsSqlLike): Promise<void> => {
      const base = pjExec(tx);
      const guarded: Exec = (text, params) =>
        connectionLost
          ? Promise.reject(unavailable('marking the notification', new Error('the connection of the transaction closed')))
          : base(text, params);
      await mark(guarded, id, record);
      phase = 'run';
      try {
        await run(tx);
      } catch (e) {
        runError = { error: e };
        throw e;
      }
      phase = 'commit';
    };
    const begun = (sql as PostgresJsSqlLike).begin(
      (tx: PostgresJsSqlLike) =>
        new Promise<void>((resolve, reject) => {
          work(tx).then(
            () => {
              if (!connectionLost) {
                settled = true;
                resolve();
              }
            },
            (e: unknown) => {
              // A failure may come from the connection closing: let begin's own rejection arrive first.
              setTimeout(() => {
                if (!connectionLost) {
                  settled = true;
                  reject(e);
                }
              }, 0);
            },
          );
        }),
    );
    begun.then(undefined, () => {
      if (!settled) connectionLost = true; // begin gave up before the callback settled: the connection closed
    });
    try {
      await begun;
      return { status: 'done' } as const;
    } catch (e) {
      if (runError) throw runError.error; // the partner's error, as it is (even when the rollback failed too)
      if (e instanceof Outcome) return e.result;
      throw classify(phase === 'commit' ? 'commit' : 'marking the notification', e);
    }
  };

  const transactionalStore: PostgresTransactionalNotifyStore<PostgresTransactionOf<C>> = {
    ...store,
    async runInTransaction(notifyId, record, run) {
      const id = checkId(notifyId);
      if (typeof run !== 'function')
        throw new WitkeyError('INVALID_OPTION', 'runInTransaction: run must be a function', { field: 'run' });
      await ensureTable();
      const go = run as (tx: unknown) => Promise<void>;
      return pool ? runPg(id, record, go) : runPostgresJs(id, record, go);
    },
  };
  return transactionalStore;
}
