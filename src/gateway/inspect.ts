/**
 * Inspection: a snapshot of everything the simulator holds (tasks, transfers, balances, SMS, requests,
 * notifications, attempts; amounts in yuan, times also in Beijing time), served as JSON by
 * `GET /inspect` (the web console, console/, shows the same state for a person). Read-only: it changes nothing.
 * @module
 */
import { formatFen } from '../witkey/amount.js';
import { beijingTime } from './notifications.js';
import type { AttemptRecord, BalanceRecord, NotificationRecord, RequestRecord, SmsRecord, TransferRecord } from './records.js';
import type { TaskRecord } from './rules.js';
import type { GatewayState } from './state.js';

/** What `gateway.inspect()` returns (and `GET /inspect` serves as JSON). Amounts in yuan. */
export interface GatewaySnapshot {
  readonly now: number;
  readonly publicKey: string;
  readonly partners: ReadonlyArray<{
    id: string;
    charsets: readonly string[];
    notifyDialect: { dataField: string; dataPrefix: string };
    hasPublicKey: boolean;
  }>;
  readonly tasks: ReadonlyArray<{
    outerTaskId: string;
    partner?: string;
    publisher: string;
    frozen: string;
    paid: string;
    remaining: string;
    expiresAt: string;
  }>;
  readonly transfers: ReadonlyArray<TransferRecord & { alipayTransferNo: string; amount: string; fee: string }>;
  readonly balances: ReadonlyArray<{ account: string; amount: string }>;
  readonly sms: ReadonlyArray<SmsRecord & { time: string }>;
  readonly requests: ReadonlyArray<Omit<RequestRecord, 'raw'>>;
  readonly notifications: ReadonlyArray<Omit<NotificationRecord, 'body'>>;
  readonly attempts: ReadonlyArray<AttemptRecord & { time: string }>;
  readonly lastError?: string;
}

/** @internal The snapshot of the state now. */
export async function snapshot(state: GatewayState, publicKeyPem: string): Promise<GatewaySnapshot> {
  const { cfg, store } = state;
  const yuan = (f: string): string => formatFen(BigInt(f));
  const tasks = (await store.list<TaskRecord>('task')).map((t) => ({
    outerTaskId: t.outerTaskId,
    ...(t.partner !== undefined && { partner: t.partner }),
    publisher: t.publisher,
    frozen: yuan(t.frozenFen),
    paid: yuan(t.paidFen),
    remaining: formatFen(BigInt(t.frozenFen) - BigInt(t.paidFen)),
    expiresAt: new Date(t.expiresAt).toISOString(),
  }));
  const notifications = (await store.list<NotificationRecord>('notification')).map(({ body: _body, ...rest }) => rest);
  return {
    now: cfg.now(),
    publicKey: publicKeyPem,
    partners: [...cfg.partners.values()].map((p) => ({
      id: p.id,
      charsets: p.charsets,
      notifyDialect: p.notify,
      hasPublicKey: p.publicKey !== undefined,
    })),
    tasks,
    transfers: (await store.list<TransferRecord>('transfer')).map((t) => ({
      ...t,
      alipayTransferNo: t.id,
      amount: yuan(t.fen),
      fee: yuan(t.feeFen),
    })),
    balances: (await store.list<BalanceRecord>('balance')).map((b) => ({ account: b.account, amount: yuan(b.fen) })),
    sms: (await store.list<SmsRecord>('sms')).map((s) => ({ ...s, time: beijingTime(s.at) })),
    requests: (await store.list<RequestRecord>('request')).map(({ raw: _raw, ...r }) => r), // the raw body is the console's
    notifications,
    attempts: (await store.list<AttemptRecord>('attempt')).map((a) => ({ ...a, time: beijingTime(a.at) })),
    ...(state.lastError !== undefined && { lastError: state.lastError }),
  };
}

/** @internal `GET /inspect`: the snapshot as indented JSON. */
export function inspectJsonResponse(s: GatewaySnapshot): Response {
  return new Response(JSON.stringify(s, null, 2), {
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}
