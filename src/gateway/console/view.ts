/**
 * The console's view of the simulator (`GET console/api/state`): everything the page shows, computed
 * here so the page only renders it. Times are Beijing time (UTC+8, the simulator's time zone) as
 * `2026-12-02 19:05:06`; amounts are yuan. Each notification comes with every attempt (partner status,
 * the first bytes of its answer, latency, why it counts as failed), its next retry time, XML, form
 * fields, canonical string and the signature doctor's verdict on the partner's request that caused it.
 * Read-only. Web APIs only.
 * @module
 */
import { type Diagnosis, diagnoseSignature } from '../../doctor/diagnose.js';
import { WitkeyError } from '../../errors.js';
import { fromBase64 } from '../../wire/base64.js';
import { canonicalize } from '../../wire/canonical.js';
import { formatFen } from '../../witkey/amount.js';
import { beijingTime } from '../notifications.js';
import type { AttemptRecord, BalanceRecord, NotificationRecord, RequestRecord, SmsRecord, TransferRecord } from '../records.js';
import type { TaskRecord } from '../rules.js';
import type { GatewayState } from '../state.js';

/** What the doctor said about a request, or why it could not say (no key configured, no raw body stored). */
export type RequestVerdict = Diagnosis | { readonly error: { code: string; message: string } };

/** @internal The doctor's verdicts by request id: a stored request never changes, so each is computed once. */
export type VerdictCache = Map<string, RequestVerdict>;

/** One delivery attempt as the console shows it. */
export interface ConsoleAttempt {
  readonly attempt: number;
  readonly time: string;
  readonly outcome: AttemptRecord['outcome'];
  readonly httpStatus?: number;
  readonly answer?: string;
  readonly latencyMs?: number;
  /** Why the attempt counts as failed (absent for a success or one still sending). */
  readonly failedBecause?: string;
  readonly duplicate?: boolean;
}

const time = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : beijingTime(ms));

/** Why an attempt did not deliver, in one phrase. */
export function failedBecause(a: AttemptRecord): string | undefined {
  if (a.outcome === 'success' || a.outcome === 'sending') return undefined;
  if (a.error) return a.error;
  if (a.status !== undefined && (a.status < 200 || a.status > 299)) return `HTTP ${a.status}`;
  return `the answer is not exactly "success" (got ${JSON.stringify((a.body ?? '').slice(0, 40))})`;
}

async function verdict(
  state: GatewayState,
  r: RequestRecord | undefined,
  cache: VerdictCache,
): Promise<RequestVerdict | undefined> {
  if (!r) return undefined;
  const cached = cache.get(r.id);
  if (cached) return cached;
  const partner = state.cfg.partners.get(r.partner);
  const raw = r.raw === undefined ? undefined : fromBase64(r.raw);
  let v: RequestVerdict;
  if (!partner?.publicKey)
    v = { error: { code: 'HAS_NO_PUBLICKEY', message: `partner ${r.partner} has no public key configured` } };
  else if (!raw) v = { error: { code: 'ILLEGAL_ARGUMENT', message: 'the raw request was not stored' } };
  else {
    try {
      v = await diagnoseSignature(raw, { publicKey: partner.publicKey, charset: r.charset });
    } catch (e) {
      v = {
        error: { code: e instanceof WitkeyError ? e.code : 'SYSTEM_ERROR', message: e instanceof Error ? e.message : String(e) },
      };
    }
  }
  cache.set(r.id, v);
  return v;
}

/** @internal The request that caused a notification: the partner's latest request for its task made no later than it. */
export function causeOf(
  n: Pick<NotificationRecord, 'partner' | 'outerTaskId' | 'createdAt'>,
  requests: readonly RequestRecord[],
) {
  let best: RequestRecord | undefined;
  for (const r of requests) {
    if (r.partner !== n.partner || r.outerTaskId !== n.outerTaskId || r.at > n.createdAt) continue;
    if (!best || r.at >= best.at) best = r;
  }
  return best;
}

/** @internal The console's state (see the module comment). */
export async function consoleView(state: GatewayState, cache: VerdictCache) {
  const { cfg, store } = state;
  const now = cfg.now();
  const yuan = (f: string | bigint): string => formatFen(BigInt(f));
  const requests = (await store.list<RequestRecord>('request')).sort((a, b) => a.at - b.at);
  const attempts = await store.list<AttemptRecord>('attempt');
  const byNotification = new Map<string, AttemptRecord[]>();
  for (const a of attempts) byNotification.set(a.notifyId, [...(byNotification.get(a.notifyId) ?? []), a]);
  const notifications = [];
  const createdAt = new Map<string, number>();
  for (const n of (await store.list<NotificationRecord>('notification')).sort((a, b) => a.seq - b.seq)) {
    if (n.status === 'return') continue; // return data goes back through the browser: no delivery
    const cause = causeOf(n, requests);
    createdAt.set(n.notifyId, n.createdAt + n.seq / 1e6);
    const tries = (byNotification.get(n.notifyId) ?? []).sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    notifications.push({
      notifyId: n.notifyId,
      seq: n.seq,
      kind: n.kind,
      partner: n.partner,
      outerTaskId: n.outerTaskId,
      ...(n.transferId !== undefined && { transferId: n.transferId }),
      url: n.url,
      charset: n.charset,
      status: n.status,
      created: beijingTime(n.createdAt),
      ...(n.status === 'pending' && { nextAttempt: beijingTime(n.nextAt) }),
      ...(n.status === 'held' && n.heldUntil !== undefined && { heldUntil: beijingTime(n.heldUntil) }),
      ...(n.deliveredAt !== undefined && { delivered: beijingTime(n.deliveredAt) }),
      attempts: tries.map(
        (a): ConsoleAttempt => ({
          attempt: a.attempt,
          time: beijingTime(a.at),
          outcome: a.outcome,
          ...(a.status !== undefined && { httpStatus: a.status }),
          ...(a.body !== undefined && { answer: a.body }),
          ...(a.finishedAt !== undefined && { latencyMs: Math.max(0, a.finishedAt - a.at) }),
          ...(failedBecause(a) !== undefined && { failedBecause: failedBecause(a)! }),
          ...(a.duplicate && { duplicate: true }),
        }),
      ),
      xml: n.xml,
      fields: n.fields,
      canonical: canonicalize(n.fields),
      notes: n.notes,
      ...(cause && { requestId: cause.id }),
      ...(cause && { doctor: await verdict(state, cause, cache) }),
    });
  }
  const timeline = [
    ...requests.map((r) => ({
      type: 'request' as const,
      id: r.id,
      at: r.at,
      time: beijingTime(r.at),
      partner: r.partner,
      outerTaskId: r.outerTaskId,
      status: r.isSuccess ? 'T' : `F ${r.error ?? ''}`.trim(),
    })),
    ...notifications.map((n) => ({
      type: 'notification' as const,
      id: n.notifyId,
      at: createdAt.get(n.notifyId)! + 1e-7,
      time: n.created,
      partner: n.partner,
      outerTaskId: n.outerTaskId,
      kind: n.kind,
      status: n.status,
      attempts: n.attempts.length,
    })),
  ].sort((a, b) => b.at - a.at);
  return {
    now: beijingTime(now),
    timeZone: 'UTC+8',
    clockOffsetMs: state.clockOffset,
    timeScale: cfg.timeScale,
    autoRun: cfg.autoRun,
    partners: [...cfg.partners.values()].map((p) => ({
      id: p.id,
      charsets: p.charsets,
      hasPublicKey: p.publicKey !== undefined,
    })),
    timeline: timeline.map(({ at: _at, ...rest }) => rest),
    requests: requests.map(({ raw: _raw, at: reqAt, ...r }) => ({ ...r, time: beijingTime(reqAt) })),
    notifications,
    tasks: (await store.list<TaskRecord>('task')).map((t) => ({
      outerTaskId: t.outerTaskId,
      partner: t.partner ?? '*',
      publisher: t.publisher,
      frozen: yuan(t.frozenFen),
      paid: yuan(t.paidFen),
      remaining: yuan(BigInt(t.frozenFen) - BigInt(t.paidFen)),
      expires: beijingTime(t.expiresAt),
      expired: now >= t.expiresAt,
    })),
    transfers: (await store.list<TransferRecord>('transfer')).map((t) => ({
      alipayTransferNo: t.id,
      kind: t.kind,
      partner: t.partner,
      outerTaskId: t.outerTaskId,
      serial: t.serial,
      payee: t.payee,
      ...(t.nickName !== undefined && { nickName: t.nickName }),
      amount: yuan(t.fen),
      fee: yuan(t.feeFen),
      status: t.status,
      ...(t.errorCode !== undefined && { errorCode: t.errorCode }),
      created: beijingTime(t.createdAt),
      settles: time(t.settledAt ?? t.settleAt)!,
    })),
    balances: (await store.list<BalanceRecord>('balance')).map((b) => ({ account: b.account, amount: yuan(b.fen) })),
    sms: (await store.list<SmsRecord>('sms')).map((s) => ({
      time: beijingTime(s.at),
      to: s.to,
      mobile: s.mobile,
      outerTaskId: s.outerTaskId,
      text: s.text,
    })),
    faults: state.faults.list().map(({ rule, left }) => ({ ...rule, left: Number.isFinite(left) ? left : 'always' })),
    ...(state.lastError !== undefined && { lastError: state.lastError }),
  };
}

/** What `GET console/api/state` answers. */
export type ConsoleState = Awaited<ReturnType<typeof consoleView>>;
