/**
 * The endpoint a partner mounts at its `notify_url`: a fetch-style `(Request) => Promise<Response>`
 * for workers, edge runtimes, Deno and Bun (Node: `alipay-witkey/node` adapts it to `http`).
 *
 * It answers `success` (exactly those 7 bytes) only after `onNotification` has resolved and the
 * id is durably marked processed, and `fail` otherwise — an invalid body, a handler that throws, a
 * store that fails, another worker running the same notification — so the gateway delivers again and
 * nothing is lost. A `notify_id` already processed is acknowledged again without calling
 * `onNotification`. Which delivery runs a new one is the store's decision (./store.ts): one run at a
 * time per id across every process that shares the store, and with a transactional store, effects
 * that commit exactly once with the mark.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { type NotifyVerifyOptions, notifyVerify } from './atn.js';
import { type DecodeNotificationOptions, decodeNotification } from './decode.js';
import { requestBody } from './source.js';
import { resolveOptions } from './steps.js';
import {
  checkLease,
  createMemoryNotifyStore,
  isNotifyStore,
  isTransactional,
  type MemoryNotifyStore,
  type NotifyStore,
  type ProcessedNotification,
  type TransactionOf,
} from './store.js';
import type { Notification } from './types.js';

/** What the handler knows of a delivery: passed to `onError`, and (extended) to `onNotification`. */
export interface NotifyRequestContext {
  request: Request;
  /**
   * Aborted when this delivery stops waiting for `onNotification` (`timeoutMs` passed): the answer
   * is then `fail`. The run itself goes on unless `onNotification` gives up on this signal.
   */
  signal: AbortSignal;
}

/** Context passed to `onNotification`; `T` is the store's transaction handle (`undefined` for lease-only stores). */
export interface NotifyContext<T = undefined> extends NotifyRequestContext {
  /**
   * With a transactional store (PostgreSQL, SQLite, D1 — the default for those): the engine's own
   * transaction, in which the id is already marked processed. Write your effects through it and they
   * commit or roll back with the mark: exactly once. `undefined` with a lease-only store.
   */
  transaction: T;
  /**
   * With a lease-only store: the fencing token of this run's claim (a decimal integer that grows with
   * every claim of the id, where the store can make it so). Pass it to your own writes to refuse a
   * stale run's effects. `undefined` in a transaction.
   */
  fencingToken: string | undefined;
}

/** Options of {@link createNotifyHandler}; `S` is the store's type. */
export interface NotifyHandlerOptions<S extends NotifyStore = NotifyStore>
  extends Omit<DecodeNotificationOptions, 'contentType'> {
  /**
   * Called once per verified notification (see `store` for what "once" means); `success` is answered
   * after it resolves and the id is durably marked processed.
   */
  onNotification: (notification: Notification, context: NotifyContext<TransactionOf<S>>) => unknown;
  /**
   * Which `notify_id`s were processed, and which delivery runs a new one (docs/NOTIFY.md#the-store-contract).
   * Default: {@link createMemoryNotifyStore} — one process or isolate only: several workers each
   * have their own and may each run a notification. Use a database store when more than one process
   * or isolate serves the endpoint (`alipay-witkey/stores`, or SQLite from `alipay-witkey/node`).
   */
  store?: S;
  /**
   * With a lease-only store: how long a claim lasts (ms). A worker that dies mid-run holds the id this
   * long; a run that takes longer may be taken over by a later delivery (its `complete` then fails with
   * `LEASE_LOST`). Default 120 000 (two minutes; the gateway's first retry comes after four).
   */
  leaseMs?: number;
  /** Who this handler is, stored with its leases (diagnostics). Default `witkey-` and 12 random hex digits. */
  owner?: string;
  /**
   * Also ask the gateway's `notify_verify` (docs/PROTOCOL.md §7) before processing a new id; an answer
   * other than `true` is answered `fail`. Off by default: the signature is the proof.
   */
  verifyWithGateway?: Omit<NotifyVerifyOptions, 'notifyId'> | false;
  /** Told about every `fail` answer (invalid body, handler error, store error, busy, timeout) — for logging. */
  onError?: (error: unknown, context: NotifyRequestContext) => void;
  /**
   * How long one delivery waits for its notification's run (`notify_verify`, `onNotification`, the
   * store) before answering `fail` (HTTP 503, `x-witkey-error: HANDLER_TIMEOUT`), so that a run
   * that hangs does not hold the gateway's connection: the gateway delivers again later. The run
   * is not cancelled (`context.signal` is aborted, for code that can stop): if it completes, the
   * id is stored and the next delivery is acknowledged without a second run; if it fails, the next
   * delivery runs again. Duplicates that wait for a run in flight get the same bound. Milliseconds,
   * > 0; default: no timeout.
   */
  timeoutMs?: number;
}

/** A fetch-style request handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

const TIMED_OUT = Symbol('timed out');

/** Header that names why `fail` was answered (a WitkeyError code or `HANDLER_ERROR`). */
export const NOTIFY_ERROR_HEADER = 'x-witkey-error';

function answer(body: 'success' | 'fail', status: number, reason?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (reason) headers[NOTIFY_ERROR_HEADER] = reason;
  return new Response(body, { status, headers });
}

/** Answers with a status that says whether waiting helps: busy, an engine down, a timeout are 503. */
const RETRY_LATER = new Set(['NOTIFY_BUSY', 'STORE_UNAVAILABLE', 'HANDLER_TIMEOUT']);

function randomOwner(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  let h = 'witkey-';
  for (const x of b) h += x.toString(16).padStart(2, '0');
  return h;
}

/**
 * Creates the notification endpoint.
 * @throws WitkeyError `INVALID_OPTION` / `INVALID_KEY` at creation for bad options (a store with the old
 * `has`/`add` methods included: the message says what to change).
 * @example
 * const handler = createNotifyHandler({
 *   alipayPublicKey: importPublicKey(ALIPAY_PUBLIC_KEY_PEM),
 *   store: createD1NotifyStore(env.DB), // several isolates: a shared store
 *   async onNotification(n, { transaction }) {
 *     if (n.kind === 'assign_transfer' && n.isSuccess && n.transfer.status === 'S')
 *       transaction.add(env.DB.prepare('UPDATE payouts SET paid = 1 WHERE no = ?').bind(n.transfer.outerTransferNo));
 *   },
 * });
 */
export function createNotifyHandler<S extends NotifyStore = MemoryNotifyStore>(options: NotifyHandlerOptions<S>): FetchHandler {
  const o = optionsObject(options, 'createNotifyHandler') as NotifyHandlerOptions<S>;
  if (typeof o.onNotification !== 'function') {
    throw new WitkeyError('INVALID_OPTION', 'createNotifyHandler: onNotification must be a function', {
      field: 'onNotification',
    });
  }
  const store: NotifyStore = o.store ?? createMemoryNotifyStore();
  if (!isNotifyStore(store)) {
    const old =
      store && typeof (store as { has?: unknown }).has === 'function' && typeof (store as { add?: unknown }).add === 'function';
    throw new WitkeyError(
      'INVALID_OPTION',
      old
        ? 'createNotifyHandler: store has has()/add(), the earlier store contract, which cannot stop two workers from running one notification at the same time. ' +
            'Use a store with claim/complete/release — createPostgresNotifyStore, createRedisNotifyStore, createD1NotifyStore (alipay-witkey/stores), ' +
            'createSqliteNotifyStore or createFileNotifyStore (alipay-witkey/node), createMemoryNotifyStore — or implement them over your database (docs/NOTIFY.md#the-store-contract)'
        : 'createNotifyHandler: store must have claim(), complete() and release() (docs/NOTIFY.md#the-store-contract)',
      { field: 'store' },
    );
  }
  const transactional = isTransactional(store);
  const leaseMs = o.leaseMs ?? 120_000;
  checkLease(leaseMs);
  const owner = o.owner ?? randomOwner();
  if (typeof owner !== 'string' || owner === '')
    throw new WitkeyError('INVALID_OPTION', 'createNotifyHandler: owner must be a non-empty string', { field: 'owner' });
  const atn = o.verifyWithGateway
    ? (optionsObject(o.verifyWithGateway, 'verifyWithGateway') as Omit<NotifyVerifyOptions, 'notifyId'>)
    : undefined;
  const { onError } = o;
  const onNotification = o.onNotification as (n: Notification, context: NotifyContext<unknown>) => unknown;
  const timeoutMs = o.timeoutMs === undefined ? Infinity : o.timeoutMs;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new WitkeyError(
      'INVALID_OPTION',
      `createNotifyHandler: timeoutMs must be a number of milliseconds > 0, got ${String(o.timeoutMs)}`,
      { field: 'timeoutMs' },
    );
  }
  const decodeOptions: DecodeNotificationOptions = { alipayPublicKey: o.alipayPublicKey };
  for (const k of ['charset', 'dialect', 'limits', 'hash'] as const)
    if (o[k] !== undefined) (decodeOptions as unknown as Record<string, unknown>)[k] = o[k];
  resolveOptions(decodeOptions, 'createNotifyHandler'); // a bad key, charset or dialect fails now, not at the first delivery
  /**
   * Runs in flight in this process, per notify_id, so that concurrent duplicates that reach the same
   * process share one run (and both answer `success`) instead of one of them answering busy.
   */
  const inflight = new Map<string, Promise<void>>();

  const fail = (e: unknown, context: NotifyRequestContext, status: number, reason: string): Response => {
    try {
      onError?.(e, context);
    } catch {
      // a logging hook must not turn `fail` into a crash
    }
    return answer('fail', status, reason);
  };

  const verifyWithGateway = async (id: string): Promise<void> => {
    if (!atn) return;
    const verdict = await notifyVerify({ ...atn, notifyId: id });
    if (verdict !== 'true')
      throw new WitkeyError('ILLEGAL_SIGN', `notify_verify answered ${verdict} for notify_id ${id}`, { field: 'notify_id' });
  };

  const busy = (id: string, detail: string): WitkeyError =>
    new WitkeyError(
      'NOTIFY_BUSY',
      `notify_id ${id}: ${detail}; answered fail, the gateway delivers again (docs/NOTIFY.md#the-store-contract)`,
      { field: 'notify_id' },
    );

  /** One run of a notification new to this process: settles when the store said it is processed. */
  const runOnce = async (n: Notification, base: NotifyRequestContext): Promise<void> => {
    const id = n.notifyId;
    const record = (): ProcessedNotification => ({
      kind: n.kind,
      notifyTime: n.notifyTime,
      processedAt: new Date().toISOString(),
    });
    if (transactional) {
      const r = await store.runInTransaction(id, record(), async (transaction) => {
        await verifyWithGateway(id);
        await onNotification(n, { ...base, transaction, fencingToken: undefined });
      });
      if (r.status === 'busy') throw busy(id, 'another worker is processing it in a transaction');
      return;
    }
    const claim = await store.claim(id, { leaseMs, owner });
    if (claim.status === 'processed') return;
    if (claim.status === 'busy') {
      const who = claim.owner ? ` ${claim.owner}` : '';
      const until = claim.leaseExpiresAt ? ` until ${claim.leaseExpiresAt.toISOString()}` : '';
      throw busy(id, `another worker${who} holds its lease${until}`);
    }
    try {
      await verifyWithGateway(id);
      await onNotification(n, { ...base, transaction: undefined, fencingToken: claim.token });
      await store.complete(id, claim.token, record());
    } catch (e) {
      try {
        await store.release(id, claim.token); // the next delivery runs at once instead of after leaseMs
      } catch {
        // the lease then expires on its own; the run's own error is the one to report
      }
      throw e;
    }
  };

  return async function notifyHandler(request: Request): Promise<Response> {
    const ac = new AbortController();
    const context: NotifyRequestContext = { request, signal: ac.signal };
    if (request.method !== 'POST') return answer('fail', 405, 'METHOD_NOT_ALLOWED');
    let n: Notification;
    try {
      n = await decodeNotification(await requestBody(request), {
        ...decodeOptions,
        contentType: request.headers.get('content-type'),
      });
    } catch (e) {
      const code = e instanceof WitkeyError ? e.code : 'SYSTEM_ERROR';
      // 403 a forgery, 500 our own side's mistake (the body read before us), 400 a malformed body
      return fail(e, context, code === 'ILLEGAL_SIGN' ? 403 : code === 'BODY_ALREADY_CONSUMED' ? 500 : 400, code);
    }
    const id = n.notifyId;
    // This delivery's deadline for what it waits on: its own run (the store included) or one in flight.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline =
      timeoutMs === Infinity
        ? undefined
        : new Promise<typeof TIMED_OUT>((resolve) => {
            timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
          });
    const wait = <T>(p: Promise<T>): Promise<T | typeof TIMED_OUT> => (deadline ? Promise.race([p, deadline]) : p);
    try {
      let run = inflight.get(id);
      if (!run) {
        const own = runOnce(n, context);
        run = own;
        inflight.set(id, own);
        // The entry lives as long as the run, which may outlive this delivery (timeout).
        const done = (): void => {
          if (inflight.get(id) === own) inflight.delete(id);
        };
        own.then(done, done);
      }
      // throws if the run failed: this delivery fails too, the gateway retries
      if ((await wait(run)) === TIMED_OUT) return timedOut(id, context, ac);
      return answer('success', 200);
    } catch (e) {
      const code = e instanceof WitkeyError ? e.code : 'HANDLER_ERROR';
      return fail(e, context, RETRY_LATER.has(code) ? 503 : 500, code);
    } finally {
      clearTimeout(timer);
    }
  };

  function timedOut(id: string, context: NotifyRequestContext, ac: AbortController): Response {
    const e = new WitkeyError(
      'HANDLER_TIMEOUT',
      `notify_id ${id}: not processed within ${timeoutMs} ms; answered fail (the run goes on, the gateway delivers again)`,
      { field: 'timeoutMs' },
    );
    ac.abort(e);
    return fail(e, context, 503, 'HANDLER_TIMEOUT');
  }
}
