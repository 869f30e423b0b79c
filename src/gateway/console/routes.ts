/**
 * The simulator's web console: the page at `/` (with `console/app.js` and `console/app.css`, served
 * from strings, no build step, CSP-safe), `/inspect.html` redirecting to it, and the JSON API under
 * `console/api/`: `GET state`, `POST notifications/<notifyId>/redeliver`, `POST faults`,
 * `POST clock` and `POST doctor`. POSTs require `content-type: application/json` (a cross-site form
 * cannot send it); errors are JSON `{ code, message, field }` with a 4xx status. Web APIs only.
 * @module
 */
import { diagnoseSignature } from '../../doctor/diagnose.js';
import { WitkeyError } from '../../errors.js';
import type { NotificationKind } from '../../notify/types.js';
import type { FaultRule } from '../config.js';
import { deliver } from '../delivery.js';
import type { NotificationRecord } from '../records.js';
import type { Scheduler } from '../scheduler.js';
import type { GatewayState } from '../state.js';
import { CONSOLE_CSS } from './app-css.js';
import { CONSOLE_JS } from './app-js.js';
import { CONSOLE_HTML } from './page.js';
import { consoleView, type VerdictCache } from './view.js';

/** @internal What the console needs from the gateway. */
export interface ConsoleHost {
  readonly state: GatewayState;
  readonly scheduler: Scheduler;
  readonly publicKeyPem: string;
}

/** The page's Content-Security-Policy: nothing inline, nothing from elsewhere. */
export const CONSOLE_CSP = "default-src 'self'; img-src 'self' data:";

const KINDS: readonly NotificationKind[] = [
  'left_amount_handled',
  'refund_transfer',
  'assign_transfer',
  'platform_profit_transfer',
];
const MAX_JSON_BYTES = 256 * 1024;
const caches = new WeakMap<GatewayState, VerdictCache>();

const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const asset = (body: string, type: string, extra: Record<string, string> = {}): Response =>
  new Response(body, {
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...extra,
    },
  });

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError(415, 'ILLEGAL_ARGUMENT', 'the console API takes content-type: application/json', 'content-type');
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES) throw new ApiError(413, 'ILLEGAL_ARGUMENT', `body exceeds ${MAX_JSON_BYTES} bytes`, 'body');
  let v: unknown;
  try {
    v = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'the body is not JSON', 'body');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'the body must be a JSON object', 'body');
  return v as Record<string, unknown>;
}

/** `POST notifications/<id>/redeliver`: one more attempt now, whatever the notification's state. */
async function redeliver(host: ConsoleHost, notifyId: string): Promise<Response> {
  const { state, scheduler } = host;
  const n = await state.store.get<NotificationRecord>('notification', notifyId);
  if (!n) throw new ApiError(404, 'ILLEGAL_ARGUMENT', `no notification ${notifyId}`, 'notifyId');
  if (n.status === 'return')
    throw new ApiError(409, 'ILLEGAL_ARGUMENT', 'return data goes through the browser: it is not delivered', 'notifyId');
  const was = n.status;
  n.status = 'pending';
  delete n.heldUntil;
  n.notes.push(`attempt ${n.attempts + 1} made by hand from the console`);
  await deliver(state, n);
  if (was === 'delivered' && (n.status as NotificationRecord['status']) !== 'delivered') {
    // An extra attempt of a delivered notification does not reopen its retries.
    n.status = 'delivered';
    await state.store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
  }
  void scheduler.schedule();
  return json({ notifyId, status: n.status, attempts: n.attempts });
}

/** `POST faults`: `{ action: 'fail' | 'drop' | 'delay', notifyId? | kind?, delayMs?, times? }` → a FaultRule for the next delivery. */
async function addFault(host: ConsoleHost, body: Record<string, unknown>): Promise<Response> {
  const { action, notifyId, kind, delayMs, times } = body;
  if (action !== 'fail' && action !== 'drop' && action !== 'delay')
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'action must be fail, drop or delay', 'action');
  if (notifyId !== undefined && (typeof notifyId !== 'string' || !(await host.state.store.get('notification', notifyId))))
    throw new ApiError(404, 'ILLEGAL_ARGUMENT', `no notification ${String(notifyId)}`, 'notifyId');
  if (kind !== undefined && !KINDS.includes(kind as NotificationKind))
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', `kind must be one of ${KINDS.join(', ')}`, 'kind');
  if (notifyId === undefined && kind === undefined)
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'name the notification (notifyId) or the kind the fault applies to', 'notifyId');
  if (times !== undefined && !(Number.isInteger(times) && (times as number) > 0))
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'times must be a positive integer', 'times');
  const match = {
    ...(notifyId !== undefined && { notifyId: notifyId as string }),
    ...(kind !== undefined && { kind: kind as NotificationKind }),
    ...(times !== undefined && { times: times as number }),
  };
  let rule: FaultRule;
  if (action === 'delay') {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
      throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'delayMs must be a non-negative number of ms', 'delayMs');
    rule = { ...match, action, delay: delayMs };
  } else rule = { ...match, action };
  host.state.faults.add(rule);
  return json({ fault: rule }, 201);
}

/** `POST clock`: `{ advanceMs }` moves the simulator's clock forward, then runs what fell due. */
async function advanceClock(host: ConsoleHost, body: Record<string, unknown>): Promise<Response> {
  const { advanceMs } = body;
  if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0 || advanceMs > 366 * 86_400_000)
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'advanceMs must be a number of ms from 0 to one year', 'advanceMs');
  host.state.clockOffset += advanceMs;
  const report = await host.scheduler.runDue();
  return json({ clockOffsetMs: host.state.clockOffset, ...report });
}

/** `POST doctor`: `{ body }` (urlencoded) or `{ params }`, and `publicKey` (PEM) or `partner` (its configured key) → the Diagnosis. */
async function doctor(host: ConsoleHost, body: Record<string, unknown>): Promise<Response> {
  const { body: text, params, publicKey, partner, charset } = body;
  let input: string | Record<string, string>;
  if (typeof text === 'string' && text.trim() !== '') input = text.trim();
  else if (params !== null && typeof params === 'object' && !Array.isArray(params)) {
    if (!Object.values(params).every((v) => typeof v === 'string'))
      throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'params must map names to strings', 'params');
    input = params as Record<string, string>;
  } else throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'give the urlencoded body or the parameters', 'body');
  let key: string | NonNullable<ReturnType<GatewayState['cfg']['partners']['get']>>['publicKey'];
  if (typeof publicKey === 'string' && publicKey.trim() !== '') key = publicKey;
  else if (typeof partner === 'string') {
    const p = host.state.cfg.partners.get(partner);
    if (!p) throw new ApiError(404, 'ILLEGAL_PARTNER', `no partner ${partner}`, 'partner');
    if (!p.publicKey) throw new ApiError(400, 'HAS_NO_PUBLICKEY', `partner ${partner} has no public key configured`, 'partner');
    key = p.publicKey;
  } else throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'give a public key (PEM) or a partner id', 'publicKey');
  if (charset !== undefined && typeof charset !== 'string')
    throw new ApiError(400, 'ILLEGAL_ARGUMENT', 'charset must be a string', 'charset');
  const d = await diagnoseSignature(input, { publicKey: key!, ...(charset && { charset }) });
  return json(d);
}

function errorJson(e: unknown): Response {
  if (e instanceof ApiError) return json({ code: e.code, message: e.message, ...(e.field && { field: e.field }) }, e.status);
  if (e instanceof WitkeyError) return json({ code: e.code, message: e.message, ...(e.field && { field: e.field }) }, 400);
  return json({ code: 'SYSTEM_ERROR', message: e instanceof Error ? e.message : String(e) }, 500);
}

async function api(host: ConsoleHost, request: Request, route: string): Promise<Response> {
  try {
    if (route === 'state') {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new ApiError(405, 'ILLEGAL_ARGUMENT', 'use GET', 'method');
      let cache = caches.get(host.state);
      if (!cache) caches.set(host.state, (cache = new Map()));
      return json(await consoleView(host.state, cache));
    }
    const redo = /^notifications\/([0-9A-Za-z_-]{1,64})\/redeliver$/.exec(route);
    if (!redo && !['faults', 'clock', 'doctor'].includes(route))
      throw new ApiError(404, 'ILLEGAL_ARGUMENT', `no console API ${route}`, 'path');
    if (request.method !== 'POST') throw new ApiError(405, 'ILLEGAL_ARGUMENT', 'use POST', 'method');
    const body = await readJson(request);
    if (redo) return await redeliver(host, redo[1]!);
    if (route === 'faults') return await addFault(host, body);
    if (route === 'clock') return await advanceClock(host, body);
    return await doctor(host, body);
  } catch (e) {
    return errorJson(e);
  }
}

/** @internal Serves the console's paths; undefined for any other path. */
export async function serveConsole(request: Request, path: string, host: ConsoleHost): Promise<Response | undefined> {
  const i = path.lastIndexOf('/console/');
  if (i >= 0) {
    const rest = path.slice(i + '/console/'.length);
    if (rest.startsWith('api/')) return api(host, request, rest.slice(4));
    if (rest === 'app.js') return asset(CONSOLE_JS, 'text/javascript');
    if (rest === 'app.css') return asset(CONSOLE_CSS, 'text/css');
    return undefined;
  }
  if (path.endsWith('/inspect.html')) {
    return new Response(null, {
      status: 302,
      headers: { location: `${path.slice(0, -'inspect.html'.length)}`, 'cache-control': 'no-store' },
    });
  }
  if (path.endsWith('/') && (request.method === 'GET' || request.method === 'HEAD'))
    return asset(CONSOLE_HTML, 'text/html', { 'content-security-policy': CONSOLE_CSP, 'referrer-policy': 'no-referrer' });
  return undefined;
}
