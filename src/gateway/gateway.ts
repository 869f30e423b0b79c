/**
 * `createGateway`: the witkey gateway simulator as a `fetch`-style handler (Web APIs only, so it runs
 * in workers too). It plays Alipay's side of docs/PROTOCOL.md: `gateway.do` for
 * `alipay.witkey.task.left.amount.handle` and `notify_verify`, the signed return to `return_url`,
 * the four notifications delivered with the documented retry schedule, transfers that settle after a
 * delay, an SMS outbox, fault injection and an inspection API.
 *
 * Time: every duration (retry schedule, settle delay, fault delays) is multiplied by `timeScale`, and
 * "now" comes from `config.now`. With `autoRun: false` nothing happens in the background: a test
 * moves its clock and calls `runDue()`, which makes runs deterministic.
 *
 * It is a simulator, not Alipay: one process, one store, requests serialised by an in-process lock.
 * This file wires the parts together and routes requests; the parts are records.ts (what is stored),
 * state.ts (the shared state), left-amount.ts (a request's effects), ledger.ts (money), delivery.ts
 * (notifications and retries), scheduler.ts (what is due when), inspect.ts and responses.ts.
 * @module
 */
import { loadCharset } from '../charset/codec.js';
import type { DsaPublicKey } from '../dsa/key.js';
import { WitkeyError, type WitkeyErrorCode } from '../errors.js';
import { exportPublicKey } from '../keys/export.js';
import { formEncodeString } from '../params/form.js';
import { asciiBytes, concat } from '../wire/bytes.js';
import { LEFT_AMOUNT_SERVICE } from '../witkey/request.js';
import { type FaultRule, type GatewayConfig, resolveConfig } from './config.js';
import { type ConsoleHost, serveConsole } from './console/routes.js';
import { recoverInterrupted } from './delivery.js';
import { AUTOSUBMIT_JS, AUTOSUBMIT_SCRIPT, returnFormPage } from './html.js';
import { asciiParam, checkPageRequest, type RawForm, readRawForm } from './inbound.js';
import { type GatewaySnapshot, inspectJsonResponse, snapshot } from './inspect.js';
import { seedTasks } from './ledger.js';
import { handleLeftAmount } from './left-amount.js';
import type { NotificationRecord, RunReport } from './records.js';
import { errorResponse, htmlResponse, PAGE_CODES, textResponse } from './responses.js';
import { checkArguments, type LeftAmountArgs } from './rules.js';
import { createScheduler } from './scheduler.js';
import { createState } from './state.js';
import { createMemoryStore } from './store.js';

export type { GatewaySnapshot } from './inspect.js';
export type {
  AttemptOutcome,
  AttemptRecord,
  GatewayEvent,
  NotificationRecord,
  NotificationStatus,
  RequestRecord,
  RunReport,
  SmsRecord,
  TransferKind,
  TransferRecord,
} from './records.js';

/** The service name of notification verification (docs/PROTOCOL.md §7). */
export const NOTIFY_VERIFY_SERVICE = 'notify_verify';

/** The simulator. */
export interface Gateway {
  /** Serves `/gateway.do`, `/inspect` (JSON), the web console (`/`, `/console/…`), `/public-key.pem` and the auto-submit script. */
  fetch(request: Request): Promise<Response>;
  /** Resolves when the store is seeded and interrupted deliveries are recovered. */
  readonly ready: Promise<void>;
  /** The simulator's public key: partners verify returns and notifications with it. */
  readonly publicKey: DsaPublicKey;
  /** {@link publicKey} as SPKI PEM. */
  readonly publicKeyPem: string;
  /** Settles due transfers and delivers due notifications (now, by the configured clock), until nothing more is due. */
  runDue(): Promise<RunReport>;
  /** When something is next due (ms since the epoch), or undefined when nothing is pending. */
  nextDueAt(): Promise<number | undefined>;
  /** Notifications not yet delivered or given up, plus transfers not yet settled. */
  pending(): Promise<number>;
  /** Resolves once nothing is pending (with `autoRun: false`, only as `runDue` calls make progress). */
  idle(): Promise<void>;
  inspect(): Promise<GatewaySnapshot>;
  /** Adds a fault rule at run time. */
  inject(rule: FaultRule): void;
  clearFaults(): void;
  /** Stops the timers (and closes the store if it can be closed). */
  close(): Promise<void>;
}

/**
 * Creates a gateway simulator. Only `partners` is required; everything else has a default (a fresh
 * 1024/160 key, an in-memory store, `Date.now`, real time, `globalThis.fetch`).
 * @throws WitkeyError `INVALID_OPTION` / `INVALID_KEY` for a bad configuration.
 * @example
 * const gateway = createGateway({
 *   partners: { '2088101115793868': { publicKey: partnerPublicPem } },
 *   tasks: [{ outerTaskId: '20111221_0011', publisher: '2088102113960482', frozen: '100.00', expiresAt: '2011-12-20T00:00:00Z' }],
 *   timeScale: 0.001, // the 15-hour retry schedule in under a minute
 * });
 * // Node: startGatewayServer from alipay-witkey/node; a worker: export default { fetch: gateway.fetch }
 * const res = await gateway.fetch(toFetchRequest(await buildLeftAmountRequest({ ...input, gateway: 'http://gw.test/gateway.do' })));
 * res.headers.get('location'); // return_url?notify_id=…&sign=…
 */
export function createGateway(config: GatewayConfig): Gateway {
  const state = createState(resolveConfig(config), config.store ?? createMemoryStore(), {
    faults: config.faults,
    onEvent: config.onEvent,
  });
  const { cfg, store } = state;
  const publicKey = cfg.key.publicKey;
  const publicKeyPem = exportPublicKey(publicKey);

  const ready = (async () => {
    for (const cs of new Set([...cfg.partners.values()].flatMap((p) => p.charsets))) await loadCharset(cs);
    const writes = [...(await seedTasks(store, cfg.tasks)), ...(await recoverInterrupted(store, cfg.now()))];
    if (writes.length) await store.write(writes);
  })();
  const scheduler = createScheduler(state, ready);
  ready.then(
    () => scheduler.schedule(),
    () => undefined,
  );

  // ---- gateway.do ---------------------------------------------------------------------------------

  async function handleGatewayDo(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'POST') {
      return new Response('method not allowed', { status: 405, headers: { allow: 'GET, POST' } });
    }
    let form: RawForm;
    let raw: Uint8Array;
    try {
      // A copy of the body for the request record (the console's doctor reads it); readRawForm limits its size.
      const copy = request.method === 'POST' ? request.clone() : undefined;
      try {
        form = await readRawForm(request);
      } catch (e) {
        // Release the copy too, so an oversized body stops being read.
        copy?.body?.cancel().catch(() => undefined);
        throw e;
      }
      raw = await rawParameters(request, copy);
    } catch (e) {
      if (e instanceof WitkeyError && e.code === 'ILLEGAL_ARGUMENT' && serviceInQuery(request) === NOTIFY_VERIFY_SERVICE)
        return textResponse('invalid');
      return errorResponse(state, e);
    }
    let service = '';
    try {
      service = asciiParam(form, 'service', 'ILLEGAL_SERVICE');
    } catch (e) {
      return errorResponse(state, e);
    }
    if (service === NOTIFY_VERIFY_SERVICE) return notifyVerify(form);
    try {
      let partnerId = '';
      try {
        partnerId = asciiParam(form, 'partner', 'ILLEGAL_PARTNER');
      } catch {
        /* reported by checkPageRequest */
      }
      const forced = state.faults.take(['error'], { partner: partnerId });
      if (forced && forced.action === 'error' && PAGE_CODES.has(forced.code)) {
        throw new WitkeyError(forced.code as WitkeyErrorCode, `forced by fault injection: ${forced.code}`);
      }
      const checked = await checkPageRequest(form, cfg.partners, [LEFT_AMOUNT_SERVICE]);
      const { partner, charset, fields } = checked;
      let args: LeftAmountArgs | undefined;
      let businessError: { code: string; message: string } | undefined;
      try {
        args = checkArguments(fields, partner.id, charset, partner.detail);
      } catch (e) {
        if (
          !(e instanceof WitkeyError) ||
          PAGE_CODES.has(e.code) ||
          e.code === 'CHARSET_NOT_LOADED' ||
          e.code === 'INVALID_OPTION'
        )
          throw e;
        businessError = { code: e.code, message: e.message };
      }
      if (forced && forced.action === 'error')
        businessError = { code: forced.code, message: `forced by fault injection: ${forced.code}` };
      const urls = {
        notifyUrl: args?.notifyUrl ?? fields.get('notify_url')!,
        returnUrl: args?.returnUrl ?? fields.get('return_url')!,
      };
      const outerTaskId = args?.outerTaskId ?? fields.get('outer_task_id')!;
      const returned = await state.exclusive(() =>
        handleLeftAmount(state, partner, charset, outerTaskId, urls, args, businessError, raw),
      );
      void scheduler.schedule();
      if (partner.returnMode === 'form') {
        return htmlResponse(returnFormPage(urls.returnUrl, returned.fields, charset, AUTOSUBMIT_SCRIPT), 200);
      }
      const location = `${urls.returnUrl}?${formEncodeString(returned.fields, charset)}`;
      return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
    } catch (e) {
      return errorResponse(state, e);
    }
  }

  /** The raw parameters as received: the query, then `&` and the body of a POST. */
  async function rawParameters(request: Request, copy: Request | undefined): Promise<Uint8Array> {
    const query = asciiBytes(new URL(request.url).search.slice(1));
    const body = copy ? new Uint8Array(await copy.arrayBuffer()) : new Uint8Array(0);
    if (!query.length || !body.length) return query.length ? query : body;
    return concat([query, asciiBytes('&'), body]);
  }

  function serviceInQuery(request: Request): string {
    return new URL(request.url).searchParams.get('service') ?? '';
  }

  // ---- notify_verify ------------------------------------------------------------------------------

  async function notifyVerify(form: RawForm): Promise<Response> {
    let partner: string, notifyId: string;
    try {
      partner = asciiParam(form, 'partner', 'ILLEGAL_ARGUMENT');
      notifyId = asciiParam(form, 'notify_id', 'ILLEGAL_ARGUMENT');
    } catch {
      return textResponse('invalid');
    }
    if (!/^2088\d{12}$/.test(partner) || !cfg.partners.has(partner) || !/^[0-9A-Za-z_-]{1,64}$/.test(notifyId))
      return textResponse('invalid');
    await ready;
    const n = await store.get<NotificationRecord>('notification', notifyId);
    return textResponse(n && n.partner === partner && n.status !== 'delivered' ? 'true' : 'false');
  }

  // ---- routing ------------------------------------------------------------------------------------

  async function inspect(): Promise<GatewaySnapshot> {
    await ready;
    return snapshot(state, publicKeyPem);
  }

  const consoleHost: ConsoleHost = { state, scheduler, publicKeyPem };

  async function fetchHandler(request: Request): Promise<Response> {
    try {
      await ready;
      const path = new URL(request.url).pathname;
      if (path.endsWith('/gateway.do')) return await handleGatewayDo(request);
      const served = await serveConsole(request, path, consoleHost);
      if (served) return served;
      if (request.method !== 'GET' && request.method !== 'HEAD')
        return new Response('method not allowed', { status: 405, headers: { allow: 'GET' } });
      if (path.endsWith('/inspect')) return inspectJsonResponse(await inspect());
      if (path.endsWith(`/${AUTOSUBMIT_SCRIPT}`)) {
        return new Response(AUTOSUBMIT_JS, {
          headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' },
        });
      }
      if (path.endsWith('/public-key.pem'))
        return new Response(publicKeyPem, { headers: { 'content-type': 'application/x-pem-file' } });
      return textResponse('not found', 404);
    } catch (e) {
      return errorResponse(state, e);
    }
  }

  return {
    fetch: fetchHandler,
    ready,
    publicKey,
    publicKeyPem,
    runDue: scheduler.runDue,
    nextDueAt: scheduler.nextDueAt,
    pending: scheduler.pending,
    idle: scheduler.idle,
    inspect,
    inject(rule: FaultRule): void {
      state.faults.add(rule);
    },
    clearFaults(): void {
      state.faults.clear();
    },
    async close(): Promise<void> {
      await scheduler.close();
      await store.close?.();
    },
  };
}
