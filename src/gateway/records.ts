/**
 * The records the simulator keeps in its store (tasks are in rules.ts, next to the rules that read
 * them): transfers, notifications, delivery attempts, SMS, requests, the counters, and the events
 * reported as they change. Types and small helpers only: no I/O, no rules.
 * @module
 */
import type { Charset } from '../charset/names.js';
import type { NotificationKind } from '../notify/types.js';
import { hex } from '../wire/bytes.js';
import type { TransferStatus } from './notifications.js';
import type { GatewayStore } from './store.js';

/** Kinds of transfer. `platform_profit` is the service fee of a bounty payment. */
export type TransferKind = 'refund' | 'platform' | 'assign' | 'platform_profit';

/** A transfer as stored (amounts in fen, as decimal strings: JSON has no bigint). */
export interface TransferRecord {
  /** `alipay_transfer_no`. */
  readonly id: string;
  readonly kind: TransferKind;
  readonly partner: string;
  readonly outerTaskId: string;
  /** `outer_transfer_no`: the partner's serial (for a service fee, the bounty payment's serial). */
  readonly serial: string;
  readonly payee: string;
  readonly nickName?: string;
  readonly fen: string;
  /** Alipay's fee. */
  readonly feeFen: string;
  /** For a bounty payment: the partner's service fee on it. */
  readonly serviceFeeFen?: string;
  status: TransferStatus;
  errorCode?: string;
  readonly createdAt: number;
  readonly settleAt: number;
  settledAt?: number;
  /** For a service fee: the bounty payment it belongs to. */
  readonly parent?: string;
  readonly charset: Charset;
  readonly notifyUrl: string;
}

/** Delivery state of a notification. `return` marks the return data (sent through the browser, not delivered). */
export type NotificationStatus = 'pending' | 'held' | 'delivered' | 'failed' | 'return';

/** A notification as stored, with the exact body that is (re)sent. */
export interface NotificationRecord {
  readonly notifyId: string;
  readonly seq: number;
  readonly kind: NotificationKind;
  readonly partner: string;
  readonly outerTaskId: string;
  readonly transferId?: string;
  readonly url: string;
  readonly charset: Charset;
  readonly fields: Record<string, string>;
  /** urlencoded body (ASCII), identical on every attempt. */
  readonly body: string;
  readonly xml: string;
  readonly createdAt: number;
  status: NotificationStatus;
  /** Attempts made that count against 1 + retries (interrupted and duplicate sends do not). */
  attempts: number;
  nextAt: number;
  heldUntil?: number;
  deliveredAt?: number;
  notes: string[];
}

/** Outcome of one delivery attempt. `sending` is written before the request goes out. */
export type AttemptOutcome = 'sending' | 'success' | 'failed' | 'dropped' | 'interrupted';

/** One delivery attempt as recorded. */
export interface AttemptRecord {
  readonly id: string;
  readonly notifyId: string;
  /** 1-based attempt number of the notification. */
  readonly attempt: number;
  readonly at: number;
  finishedAt?: number;
  outcome: AttemptOutcome;
  /** HTTP status of the answer. */
  status?: number;
  /** The answer's first 200 characters. */
  body?: string;
  error?: string;
  /** A second copy sent by the `duplicate` fault. */
  readonly duplicate?: boolean;
}

/** An SMS to the task publisher. */
export interface SmsRecord {
  readonly id: string;
  readonly at: number;
  readonly to: string;
  readonly mobile: string;
  readonly outerTaskId: string;
  readonly text: string;
}

/** One `gateway.do` request that reached the business rules. */
export interface RequestRecord {
  readonly id: string;
  readonly at: number;
  readonly partner: string;
  readonly charset: Charset;
  readonly outerTaskId: string;
  readonly isSuccess: boolean;
  readonly error?: string;
  readonly message?: string;
  readonly returnNotifyId: string;
  /** The request's raw parameters as received (query, then `&` and the urlencoded body), base64: what the console's doctor checks. */
  readonly raw?: string;
}

/** @internal An account's balance as stored (fen as a decimal string). */
export interface BalanceRecord {
  readonly account: string;
  readonly fen: string;
}

/**
 * Something the simulator did, reported to `onEvent` as it happens (for a live timeline):
 * a request answered, an SMS recorded, a transfer settled, a delivery attempt finished (or
 * dropped), a notification given up after its last attempt.
 */
export type GatewayEvent =
  | { readonly type: 'request'; readonly at: number; readonly request: RequestRecord }
  | { readonly type: 'sms'; readonly at: number; readonly sms: SmsRecord }
  | { readonly type: 'settled'; readonly at: number; readonly transfer: TransferRecord }
  | {
      readonly type: 'attempt';
      readonly at: number;
      readonly notification: Omit<NotificationRecord, 'body'>;
      readonly attempt: AttemptRecord;
    }
  | { readonly type: 'gave_up'; readonly at: number; readonly notification: Omit<NotificationRecord, 'body'> };

/** What one `gateway.runDue()` did. */
export interface RunReport {
  readonly settled: number;
  readonly attempts: number;
}

/** @internal The numbering of notifications (`seq`), transfers (`alipay_transfer_no`) and attempts, stored under `meta/counters`. */
export interface Counters {
  seq: number;
  transfer: number;
  attempt: number;
}

/** @internal Reads the counters (all zero in a fresh store). Callers hold the lock while they change them. */
export async function readCounters(store: GatewayStore): Promise<Counters> {
  return (await store.get<Counters>('meta', 'counters')) ?? { seq: 0, transfer: 0, attempt: 0 };
}

/** @internal The partner of a serial configured for a task with no partner: the serial is used for every partner. */
export const SERIAL_ANY = '*';

/** @internal The key of a used serial in the `serial` collection. */
export const serialKey = (partner: string, serial: string): string => `${partner}|${serial}`;

/** @internal A notification as shown outside (events, inspection): a copy without the body. */
export const publicView = ({ body: _body, ...rest }: NotificationRecord): Omit<NotificationRecord, 'body'> =>
  structuredClone(rest);

/** @internal A random 128-bit id (hex) from the Web Crypto generator: notify ids and request ids. */
export const randomId = (): string => hex(crypto.getRandomValues(new Uint8Array(16)));
