/**
 * Notification delivery and retries: building a notification (signed once, the same body on every
 * attempt), sending it, classifying the partner's answer (delivered only when the body is exactly the
 * 7 bytes `success`), the retry schedule after a failed attempt (1 + `retrySchedule.length` attempts,
 * then the notification is given up), the delivery faults (`drop`, `duplicate`, `delay`, `reorder`),
 * and the recovery of attempts a restart interrupted. Every attempt is written before it is sent.
 * Not what is due when: see scheduler.ts.
 * @module
 */
import type { Charset } from '../charset/names.js';
import type { NotificationKind } from '../notify/types.js';
import { latin1 } from '../wire/bytes.js';
import type { ResolvedPartner } from './config.js';
import { beijingTime, signedNotification } from './notifications.js';
import { type AttemptRecord, type Counters, type NotificationRecord, publicView, randomId, readCounters } from './records.js';
import type { GatewayState } from './state.js';
import type { GatewayStore, StoreWrite } from './store.js';

/**
 * @internal A new pending notification (or return data) with its signed fields and body, numbered from
 * `c.seq` (the caller stores the counters with it).
 */
export function newNotification(
  state: Pick<GatewayState, 'cfg'>,
  c: Counters,
  kind: NotificationKind,
  partner: ResolvedPartner,
  outerTaskId: string,
  url: string,
  charset: Charset,
  xml: string,
  now: number,
  transferId?: string,
): NotificationRecord {
  const notifyId = randomId();
  const signed = signedNotification(kind, xml, {
    notifyId,
    notifyTime: beijingTime(now),
    charset,
    dialect: partner.notify,
    key: state.cfg.key,
  });
  c.seq++;
  return {
    notifyId,
    seq: c.seq,
    kind,
    partner: partner.id,
    outerTaskId,
    ...(transferId !== undefined && { transferId }),
    url,
    charset,
    fields: signed.fields,
    body: signed.body,
    xml,
    createdAt: now,
    status: 'pending',
    attempts: 0,
    nextAt: now,
    notes: [],
  };
}

/** @internal Whether a partner's answer acknowledges a notification: the body is exactly `success` (any status, nothing around it). */
export function isSuccessAnswer(body: Uint8Array): boolean {
  return body.length === 7 && latin1(body) === 'success';
}

/** @internal What became of one attempt after a failure: another attempt after `afterMs` (protocol time), or none. */
export type RetryDecision = { readonly giveUp: false; readonly afterMs: number } | { readonly giveUp: true };

/**
 * @internal The retry rule: after failed attempt `attempt` (1-based; 1 is the initial delivery), the next
 * comes `schedule[attempt - 1]` after it; after attempt `schedule.length + 1` the notification is given up.
 */
export function afterFailedAttempt(attempt: number, schedule: readonly number[]): RetryDecision {
  return attempt > schedule.length ? { giveUp: true } : { giveUp: false, afterMs: schedule[attempt - 1]! };
}

/** @internal The result of sending a notification once. */
export interface SendResult {
  readonly ok: boolean;
  readonly status?: number;
  /** The answer's first 200 characters. */
  readonly body?: string;
  readonly error?: string;
}

/**
 * @internal POSTs a notification's body to its URL (no redirects followed) and classifies the answer;
 * no answer within `timeoutMs` real ms is a failure.
 */
export async function send(
  n: NotificationRecord,
  fetchFn: (request: Request) => Promise<Response>,
  timeoutMs: number,
): Promise<SendResult> {
  const ctrl = new AbortController();
  const timeout = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const req = new Request(n.url, {
      method: 'POST',
      headers: { 'content-type': `application/x-www-form-urlencoded; charset=${n.charset}` },
      body: n.body, // ASCII: the same bytes in any encoding
      signal: ctrl.signal,
      redirect: 'manual',
    });
    const res = await fetchFn(req);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { ok: isSuccessAnswer(bytes), status: res.status, body: new TextDecoder().decode(bytes.subarray(0, 200)) };
  } catch (e) {
    return {
      ok: false,
      error: ctrl.signal.aborted ? `no answer within ${timeoutMs} ms` : e instanceof Error ? e.message : String(e),
    };
  } finally {
    clearTimeout(timeout);
  }
}

async function nextAttemptId(state: GatewayState): Promise<string> {
  return state.exclusive(async () => {
    const c = await readCounters(state.store);
    c.attempt++;
    await state.store.write([{ collection: 'meta', key: 'counters', value: c }]);
    return String(c.attempt).padStart(8, '0');
  });
}

/** @internal Releases the notifications of `n`'s task held back by a `reorder` fault, now that `n` was attempted. */
export async function releaseHeld(state: GatewayState, n: NotificationRecord, now: number, why: string): Promise<void> {
  if (!state.heldMayExist) return;
  const all = await state.store.list<NotificationRecord>('notification');
  const writes: StoreWrite[] = [];
  for (const h of all) {
    if (h.status !== 'held' || h.notifyId === n.notifyId || h.partner !== n.partner || h.outerTaskId !== n.outerTaskId) continue;
    h.status = 'pending';
    h.nextAt = now;
    delete h.heldUntil;
    h.notes.push(`released: ${why}`);
    writes.push({ collection: 'notification', key: h.notifyId, value: h });
  }
  if (writes.length) await state.store.write(writes);
}

/**
 * @internal Makes the next attempt of a due notification (or postpones or holds it, by fault) and stores
 * the outcome: delivered, the next retry time, or given up. Returns the number of sends recorded.
 */
export async function deliver(state: GatewayState, n: NotificationRecord): Promise<number> {
  const { cfg, store, faults } = state;
  const now = cfg.now();
  const attempt = n.attempts + 1;
  const m = { kind: n.kind, attempt, partner: n.partner, outerTaskId: n.outerTaskId, notifyId: n.notifyId };
  const delay = faults.take(['delay', 'reorder'], m);
  if (delay?.action === 'delay') {
    n.nextAt = now + state.scale(delay.delay);
    n.notes.push(`attempt ${attempt} delayed by ${delay.delay} ms (fault)`);
    await store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
    return 0;
  }
  if (delay?.action === 'reorder') {
    n.status = 'held';
    state.heldMayExist = true;
    n.heldUntil = now + state.scale(cfg.retrySchedule[0] ?? 0);
    n.notes.push(`attempt ${attempt} held back until another notification of the task is sent (fault: reorder)`);
    await store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
    return 0;
  }
  const drop = faults.take(['drop'], m);
  const fail = !drop && faults.take(['fail'], m) !== undefined;
  const copies = !drop && faults.take(['duplicate'], m) ? 2 : 1;
  let made = 0;
  const done: AttemptRecord[] = []; // reported once the notification's new state is stored
  for (let i = 0; i < copies; i++) {
    const id = `${n.notifyId}:${await nextAttemptId(state)}`;
    const rec: AttemptRecord = {
      id,
      notifyId: n.notifyId,
      attempt,
      at: cfg.now(),
      outcome: 'sending',
      ...(i > 0 && { duplicate: true }),
    };
    made++;
    if (drop) {
      const dropped: AttemptRecord = {
        ...rec,
        outcome: 'dropped',
        finishedAt: rec.at,
        error: 'dropped by fault injection: not sent',
      };
      await store.write([{ collection: 'attempt', key: id, value: dropped }]);
      done.push(dropped);
      break;
    }
    // Written before sending: a restart during the request re-sends rather than loses it.
    await store.write([{ collection: 'attempt', key: id, value: rec }]);
    const sent = await send(n, cfg.fetch, cfg.deliveryTimeoutMs);
    const r = fail ? { ...sent, ok: false, error: 'the answer was discarded by fault injection (fail)' } : sent;
    const finishedAt = cfg.now();
    const finished: AttemptRecord = {
      ...rec,
      finishedAt,
      outcome: r.ok ? 'success' : 'failed',
      ...(r.status !== undefined && { status: r.status }),
      ...(r.body !== undefined && { body: r.body }),
      ...(r.error !== undefined && { error: r.error }),
    };
    const writes: StoreWrite[] = [{ collection: 'attempt', key: id, value: finished }];
    if (r.ok && n.status !== 'delivered') {
      n.status = 'delivered';
      n.deliveredAt = finishedAt;
      n.attempts = attempt;
      writes.push({ collection: 'notification', key: n.notifyId, value: n });
    }
    // `success` is stored in the same atomic write as the attempt: never re-sent after a restart.
    await store.write(writes);
    done.push(finished);
  }
  if (n.status !== 'delivered') {
    n.attempts = attempt;
    const next = afterFailedAttempt(attempt, cfg.retrySchedule);
    if (next.giveUp) {
      n.status = 'failed';
      n.notes.push(`gave up after ${attempt} attempts`);
    } else {
      n.nextAt = cfg.now() + state.scale(next.afterMs);
    }
    await store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
  }
  for (const a of done) state.emit({ type: 'attempt', at: a.finishedAt ?? a.at, notification: publicView(n), attempt: a });
  if (n.status === 'failed') state.emit({ type: 'gave_up', at: cfg.now(), notification: publicView(n) });
  await releaseHeld(state, n, cfg.now(), `notification ${n.notifyId} (${n.kind}) was attempted first`);
  return made;
}

/**
 * @internal The writes that recover attempts a restart interrupted. An attempt still `sending` may or may
 * not have reached the partner: it becomes `interrupted`, and its notification, still pending, is due
 * now (sent again at least once, never after `success`).
 */
export async function recoverInterrupted(store: GatewayStore, now: number): Promise<StoreWrite[]> {
  const writes: StoreWrite[] = [];
  for (const a of await store.list<AttemptRecord>('attempt')) {
    if (a.outcome !== 'sending') continue;
    writes.push({
      collection: 'attempt',
      key: a.id,
      value: { ...a, outcome: 'interrupted', finishedAt: now, error: 'the simulator stopped during this attempt' },
    });
    const n = await store.get<NotificationRecord>('notification', a.notifyId);
    if (n && n.status === 'pending')
      writes.push({ collection: 'notification', key: n.notifyId, value: { ...n, nextAt: Math.min(n.nextAt, now) } });
  }
  return writes;
}
