/**
 * The endpoint a partner mounts at its `notify_url`: a fetch-style `(Request) => Promise<Response>`
 * for workers, edge runtimes, Deno and Bun (Node: `alipay-witkey/node` adapts it to `http`).
 *
 * It answers `success` (exactly those 7 bytes) only after `onNotification` has resolved and the
 * id is stored, and `fail` otherwise — an invalid body, a handler that throws, a store that fails —
 * so the gateway delivers again and nothing is lost. A `notify_id` already processed is
 * acknowledged again without calling `onNotification`; concurrent duplicates run it once.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { type NotifyVerifyOptions, notifyVerify } from './atn.js';
import { type DecodeNotificationOptions, decodeNotification } from './decode.js';
import { requestBody } from './source.js';
import { resolveOptions } from './steps.js';
import { createMemoryNotifyStore, type NotifyStore } from './store.js';
import type { Notification } from './types.js';

/** Context passed to `onNotification` and `onError`. */
export interface NotifyContext {
  request: Request;
  /**
   * Aborted when this delivery stops waiting for `onNotification` (`timeoutMs` passed): the answer
   * is then `fail`. The run itself goes on unless `onNotification` gives up on this signal.
   */
  signal: AbortSignal;
}

/** Options of {@link createNotifyHandler}. */
export interface NotifyHandlerOptions extends Omit<DecodeNotificationOptions, 'contentType'> {
  /** Called once per verified notification; `success` is answered after it resolves. */
  onNotification: (notification: Notification, context: NotifyContext) => unknown;
  /** Processed ids. Default: an in-memory store (a restart forgets; use a durable one in production). */
  store?: NotifyStore;
  /**
   * Also ask the gateway's `notify_verify` (docs/PROTOCOL.md §7) before processing a new id; an answer
   * other than `true` is answered `fail`. Off by default: the signature is the proof.
   */
  verifyWithGateway?: Omit<NotifyVerifyOptions, 'notifyId'> | false;
  /** Told about every `fail` answer (invalid body, handler error, store error, timeout) — for logging. */
  onError?: (error: unknown, context: NotifyContext) => void;
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

/**
 * Creates the notification endpoint.
 * @throws WitkeyError `INVALID_OPTION` / `INVALID_KEY` at creation for bad options.
 * @example
 * const handler = createNotifyHandler({
 *   alipayPublicKey: importPublicKey(ALIPAY_PUBLIC_KEY_PEM),
 *   async onNotification(n) {
 *     if (n.kind === 'assign_transfer' && n.transfer?.status === 'S') await db.markPaid(n.transfer.outerTransferNo);
 *   },
 * });
 * export default { fetch: handler }; // a Cloudflare worker
 */
export function createNotifyHandler(options: NotifyHandlerOptions): FetchHandler {
  const o = optionsObject(options, 'createNotifyHandler') as NotifyHandlerOptions;
  if (typeof o.onNotification !== 'function') {
    throw new WitkeyError('INVALID_OPTION', 'createNotifyHandler: onNotification must be a function', {
      field: 'onNotification',
    });
  }
  const store = o.store ?? createMemoryNotifyStore();
  if (!store || typeof store.has !== 'function' || typeof store.add !== 'function') {
    throw new WitkeyError('INVALID_OPTION', 'createNotifyHandler: store must have has() and add()', { field: 'store' });
  }
  const atn = o.verifyWithGateway
    ? (optionsObject(o.verifyWithGateway, 'verifyWithGateway') as Omit<NotifyVerifyOptions, 'notifyId'>)
    : undefined;
  const { onNotification, onError } = o;
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
  /** In-flight processing per notify_id, so that concurrent duplicates share one run. */
  const inflight = new Map<string, Promise<void>>();

  const fail = (e: unknown, context: NotifyContext, status: number, reason: string): Response => {
    try {
      onError?.(e, context);
    } catch {
      // a logging hook must not turn `fail` into a crash
    }
    return answer('fail', status, reason);
  };

  return async function notifyHandler(request: Request): Promise<Response> {
    const ac = new AbortController();
    const context: NotifyContext = { request, signal: ac.signal };
    if (request.method !== 'POST') return answer('fail', 405, 'METHOD_NOT_ALLOWED');
    let n: Notification;
    try {
      n = await decodeNotification(await requestBody(request), {
        ...decodeOptions,
        contentType: request.headers.get('content-type'),
      });
    } catch (e) {
      return fail(
        e,
        context,
        e instanceof WitkeyError && e.code === 'ILLEGAL_SIGN' ? 403 : 400,
        e instanceof WitkeyError ? e.code : 'SYSTEM_ERROR',
      );
    }
    const id = n.notifyId;
    // This delivery's deadline for what it waits on: the store, and the run (its own or one in flight).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline =
      timeoutMs === Infinity
        ? undefined
        : new Promise<typeof TIMED_OUT>((resolve) => {
            timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
          });
    const wait = <T>(p: Promise<T> | T): Promise<T | typeof TIMED_OUT> =>
      deadline ? Promise.race([p, deadline]) : Promise.resolve(p);
    try {
      for (;;) {
        const running = inflight.get(id);
        if (running) {
          // throws if that run failed: this delivery fails too, the gateway retries
          if ((await wait(running)) === TIMED_OUT) return timedOut(id, context, ac);
          return answer('success', 200);
        }
        const seen = await wait(store.has(id));
        if (seen === TIMED_OUT) return timedOut(id, context, ac);
        if (seen) return answer('success', 200);
        if (!inflight.has(id)) break; // another delivery may have started while we awaited the store
      }
      const run = (async () => {
        if (atn) {
          const verdict = await notifyVerify({ ...atn, notifyId: id });
          if (verdict !== 'true')
            throw new WitkeyError('ILLEGAL_SIGN', `notify_verify answered ${verdict} for notify_id ${id}`, {
              field: 'notify_id',
            });
        }
        await onNotification(n, context);
        await store.add(id, { kind: n.kind, notifyTime: n.notifyTime, processedAt: new Date().toISOString() });
      })();
      inflight.set(id, run);
      // The entry lives as long as the run, which may outlive this delivery (timeout).
      const done = (): void => {
        if (inflight.get(id) === run) inflight.delete(id);
      };
      run.then(done, done);
      if ((await wait(run)) === TIMED_OUT) return timedOut(id, context, ac);
      return answer('success', 200);
    } catch (e) {
      return fail(e, context, 500, e instanceof WitkeyError ? e.code : 'HANDLER_ERROR');
    } finally {
      clearTimeout(timer);
    }
  };

  function timedOut(id: string, context: NotifyContext, ac: AbortController): Response {
    const e = new WitkeyError(
      'HANDLER_TIMEOUT',
      `notify_id ${id}: not processed within ${timeoutMs} ms; answered fail (the run goes on, the gateway delivers again)`,
      { field: 'timeoutMs' },
    );
    ac.abort(e);
    return fail(e, context, 503, 'HANDLER_TIMEOUT');
  }
}
