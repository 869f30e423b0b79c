/**
 * The notify handler's memory of which `notify_id`s were processed, and the contract that makes a
 * notification run once across processes, machines and isolates. The gateway sends a notification
 * again until it gets `success`, and may send it twice at the same instant to two workers; the store
 * decides which delivery runs it.
 *
 * Two ways a store can do that (docs/NOTIFY.md#the-store-contract):
 * - **Leases** ({@link NotifyStore}, every store): `claim` answers `processed`, `claimed` (with a
 *   fencing token: this delivery runs it) or `busy` (another worker holds a live lease). `complete`
 *   marks the id processed only while the token still holds the lease; `release` gives it up after a
 *   failure. A worker that dies mid-run loses its lease after `leaseMs`. Guarantee: at most one
 *   concurrent run per id, at-least-once completion — a run killed after its effects and before
 *   `complete` runs again, so effects outside the store must be idempotent.
 * - **Transactions** ({@link TransactionalNotifyStore}: PostgreSQL, SQLite, D1): the id is marked
 *   processed and `onNotification` runs inside one transaction of the engine, whose handle the handler
 *   passes as `context.transaction`; the partner's writes and the mark commit or roll back together —
 *   exactly-once effects in that database, across crashes.
 *
 * This file has the contract and the in-memory store (one process; the default).
 * @module
 */
import { WitkeyError } from '../errors.js';

/** What is remembered about a processed notification. */
export interface ProcessedNotification {
  kind: string;
  notifyTime: string;
  /** ISO 8601 time the handler finished with it. */
  processedAt: string;
}

/** Options of {@link NotifyStore.claim}. */
export interface ClaimOptions {
  /** How long the lease lasts, in milliseconds (> 0): past it, another delivery may take the id over. */
  leaseMs: number;
  /** Who claims (the handler's `owner`): stored with the lease, for diagnostics. */
  owner: string;
}

/** The answer of {@link NotifyStore.claim}. */
export type ClaimResult =
  /** Already processed: acknowledge, do not run. */
  | { readonly status: 'processed'; readonly record?: ProcessedNotification }
  /**
   * This delivery runs it. `token` is the fencing token of this claim: it changes with every claim of
   * the id (stores that can make it an increasing integer, in decimal, do), and only it completes or
   * releases this claim.
   */
  | { readonly status: 'claimed'; readonly token: string }
  /** Another worker holds a live lease: answer `fail`, the gateway delivers again. */
  | { readonly status: 'busy'; readonly owner?: string; readonly leaseExpiresAt?: Date };

/**
 * The store contract of the notify handler (leases). Implement it over your database, or use one of
 * `alipay-witkey/stores` (PostgreSQL, Redis, D1) or `alipay-witkey/node` (SQLite, a file). Every method
 * must be atomic across every process that shares the store.
 */
export interface NotifyStore {
  /**
   * Claims `notifyId` for one run: `processed` when it was completed before; `claimed` when it is new,
   * was released, or its lease expired; `busy` while another claim's lease is live.
   */
  claim(notifyId: string, options: ClaimOptions): ClaimResult | Promise<ClaimResult>;
  /**
   * Marks `notifyId` processed, only if `token` still holds its lease; durable when the promise
   * resolves (the handler answers `success` next).
   * @throws WitkeyError `LEASE_LOST` when the token no longer holds the lease (it expired and another
   * delivery claimed the id, or it was released).
   */
  complete(notifyId: string, token: string, record: ProcessedNotification): void | Promise<void>;
  /** Gives up the lease of `token` after a failed run, so the next delivery runs at once. No-op when it does not hold. */
  release(notifyId: string, token: string): void | Promise<void>;
}

/** How {@link TransactionalNotifyStore.runInTransaction} ended. */
export type TransactionResult =
  /** `run` resolved and the transaction, with the id marked processed, committed. */
  | { readonly status: 'done' }
  /** The id was already processed (committed by another run): `run` was not called. */
  | { readonly status: 'processed'; readonly record?: ProcessedNotification }
  /** Another transaction or lease holds the id beyond the store's wait: `run` was not called. */
  | { readonly status: 'busy' };

/**
 * A store whose engine has transactions. The handler prefers {@link runInTransaction} to the lease
 * methods; `T` is the engine's own transaction handle, passed to `onNotification` as
 * `context.transaction`.
 */
export interface TransactionalNotifyStore<T> extends NotifyStore {
  /**
   * In one transaction: marks `notifyId` processed with `record` (waiting, within the store's bound, for
   * a concurrent transaction that holds the id), calls `run` with the transaction's handle, and commits.
   * When `run` throws, or the commit fails, everything rolls back and the error is thrown.
   */
  runInTransaction(
    notifyId: string,
    record: ProcessedNotification,
    run: (transaction: T) => Promise<void>,
  ): Promise<TransactionResult>;
}

/** The transaction handle type of a store: `undefined` for lease-only stores. */
export type TransactionOf<S> = S extends TransactionalNotifyStore<infer T> ? T : undefined;

/** The lease methods' names, for the shape checks of the handler and the stores. */
export function isNotifyStore(value: unknown): value is NotifyStore {
  const s = value as Partial<NotifyStore> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.claim === 'function' &&
    typeof s.complete === 'function' &&
    typeof s.release === 'function'
  );
}

/** Whether a store runs notifications in its engine's transactions. */
export function isTransactional(store: NotifyStore): store is TransactionalNotifyStore<unknown> {
  return typeof (store as Partial<TransactionalNotifyStore<unknown>>).runInTransaction === 'function';
}

/** The error `complete` throws when the token no longer holds the lease. */
export function leaseLost(
  notifyId: string,
  detail = 'its lease expired and another delivery claimed it, or it was released',
): WitkeyError {
  return new WitkeyError(
    'LEASE_LOST',
    `notify_id ${notifyId}: this run's claim no longer holds the lease (${detail}); not marked processed`,
    {
      field: 'notify_id',
    },
  );
}

/** Options of {@link createMemoryNotifyStore}. */
export interface MemoryNotifyStoreOptions {
  /**
   * Most processed ids remembered; the oldest are forgotten first. Default 100 000 — far more than the
   * gateway's retry window (8 deliveries over about 34 hours) needs at any realistic rate.
   */
  maxEntries?: number;
  /** The clock, in milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
}

/** An in-memory {@link NotifyStore}: one process (or isolate); a restart forgets. */
export interface MemoryNotifyStore extends NotifyStore {
  /** Processed ids remembered now. */
  readonly size: number;
  /** The record of a processed id, if remembered. */
  get(notifyId: string): ProcessedNotification | undefined;
}

/**
 * An in-memory store of processed notification ids with leases, bounded by `maxEntries`. It only
 * coordinates the deliveries one process (or one worker isolate) receives: several processes or
 * isolates each have their own, and may each run a notification. Use a database store there.
 * @example
 * const store = createMemoryNotifyStore({ maxEntries: 10_000 });
 * const handler = createNotifyHandler({ alipayPublicKey, onNotification, store });
 */
export function createMemoryNotifyStore(options: MemoryNotifyStoreOptions = {}): MemoryNotifyStore {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1)
    throw new WitkeyError('INVALID_OPTION', `maxEntries must be a positive integer, got ${String(max)}`, {
      field: 'maxEntries',
    });
  const now = options.now ?? Date.now;
  const done = new Map<string, ProcessedNotification>();
  const leases = new Map<string, { token: string; owner: string; until: number }>();
  let counter = 0;
  return {
    get size() {
      return done.size;
    },
    get: (id) => done.get(id),
    claim(id, { leaseMs, owner }) {
      checkLease(leaseMs);
      const record = done.get(id);
      if (record) return { status: 'processed', record };
      const held = leases.get(id);
      const t = now();
      if (held && held.until > t) return { status: 'busy', owner: held.owner, leaseExpiresAt: new Date(held.until) };
      const token = String(++counter);
      leases.set(id, { token, owner, until: t + leaseMs });
      return { status: 'claimed', token };
    },
    complete(id, token, record) {
      const held = leases.get(id);
      if (!held || held.token !== token) throw leaseLost(id);
      leases.delete(id);
      done.delete(id);
      done.set(id, record);
      if (done.size > max) done.delete(done.keys().next().value as string);
    },
    release(id, token) {
      if (leases.get(id)?.token === token) leases.delete(id);
    },
  };
}

/** Checks `leaseMs` (shared by the stores). */
export function checkLease(leaseMs: unknown): asserts leaseMs is number {
  if (typeof leaseMs !== 'number' || !Number.isSafeInteger(leaseMs) || leaseMs <= 0)
    throw new WitkeyError('INVALID_OPTION', `leaseMs must be a whole number of milliseconds > 0, got ${String(leaseMs)}`, {
      field: 'leaseMs',
    });
}
