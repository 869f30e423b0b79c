/**
 * The money side of the simulator, in exact fen (bigint; decimal strings in the store): fees, the
 * transfers an accepted request creates, the settlement of a transfer (the payee's and Alipay's
 * balances, a failed transfer's amount going back to its task, the service fee paid only after its
 * bounty payment succeeded), and the seeding of the configured tasks. The arithmetic is pure
 * (`feeFen`, `acceptedTransfers`, `settlement`); `settle` and `seedTasks` read and write the store.
 * Not the business rules deciding whether a request is accepted: see rules.ts.
 * @module
 */
import type { Charset } from '../charset/names.js';
import type { NotificationKind } from '../notify/types.js';
import { parseAmount } from '../witkey/amount.js';
import { paidFen, type ResolvedConfig, type ResolvedPartner, type TaskConfig, toEpochMs } from './config.js';
import { newNotification } from './delivery.js';
import { beijingTime, transferXml } from './notifications.js';
import { type BalanceRecord, readCounters, SERIAL_ANY, serialKey, type TransferKind, type TransferRecord } from './records.js';
import type { LeftAmountArgs, RequestTransfer, TaskRecord } from './rules.js';
import type { GatewayState } from './state.js';
import type { GatewayStore, StoreWrite } from './store.js';

/** @internal The fee settings after defaults (see FeeConfig). */
export type Fees = ResolvedConfig['fees'];

/**
 * @internal A fee in fen: `bp` basis points of `fen`, rounded half up, clamped to [min, max] and to the amount.
 * @example
 * feeFen(6005n, 1000); // 601n: 10 % of 60.05 yuan is 6.005 yuan, half up to 6.01
 */
export function feeFen(fen: bigint, bp: number, min = 0, max?: number): bigint {
  let f = (fen * BigInt(bp) + 5000n) / 10000n;
  if (f < BigInt(min)) f = BigInt(min);
  if (max !== undefined && f > BigInt(max)) f = BigInt(max);
  return f > fen ? fen : f;
}

/** @internal Alipay's fee on an amount under the configured rules. */
export function alipayFee(fen: bigint, fees: Fees): bigint {
  return feeFen(fen, fees.alipayRateBp, fees.alipayMinFen, fees.alipayMaxFen);
}

/**
 * @internal An `alipay_transfer_no`: the Beijing date of `now` (yyyyMMdd) and the transfer counter on five digits.
 * @example
 * transferNo(Date.UTC(2012, 5, 12, 2, 0, 0), 7); // '2012061200007'
 */
export function transferNo(now: number, n: number): string {
  return `${beijingTime(now).slice(0, 10).replace(/-/g, '')}${String(n).padStart(5, '0')}`;
}

/** The `sub_type` of a transfer notification (refunds have none). */
export const SUB_TYPES: Partial<Record<TransferKind, string>> = {
  assign: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
  platform: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
  platform_profit: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
};

/** The notification a settled transfer sends. */
export const KIND_OF: Record<TransferKind, NotificationKind> = {
  refund: 'refund_transfer',
  platform: 'platform_profit_transfer',
  assign: 'assign_transfer',
  platform_profit: 'platform_profit_transfer',
};

/** @internal What an accepted request pays, as `acceptedTransfers` needs it. */
export interface AcceptedRequest {
  readonly partner: Pick<ResolvedPartner, 'id' | 'account'>;
  /** The task's publisher: the payee of the refund. */
  readonly publisher: string;
  readonly args: Pick<LeftAmountArgs, 'outerTaskId' | 'refund' | 'platform'>;
  /** The bounty payments to accounts that exist and are not abnormal. */
  readonly success: readonly RequestTransfer[];
  readonly now: number;
  readonly settleAt: number;
  readonly charset: Charset;
  readonly notifyUrl: string;
  readonly fees: Fees;
}

/**
 * @internal The transfers an accepted request creates, all waiting (`W`): the refund (no fee) to the
 * publisher, the platform share to the partner's account, and each bounty payment with Alipay's fee
 * and the partner's service fee on it. `nextNo` numbers them in that order.
 */
export function acceptedTransfers(r: AcceptedRequest, nextNo: () => string): TransferRecord[] {
  const out: TransferRecord[] = [];
  const mk = (kind: TransferKind, serial: string, payee: string, fen: bigint, extra: Partial<TransferRecord> = {}): void => {
    const fee = kind === 'refund' ? 0n : alipayFee(fen, r.fees);
    out.push({
      id: nextNo(),
      kind,
      partner: r.partner.id,
      outerTaskId: r.args.outerTaskId,
      serial,
      payee,
      fen: String(fen),
      feeFen: String(fee),
      status: 'W',
      createdAt: r.now,
      settleAt: r.settleAt,
      charset: r.charset,
      notifyUrl: r.notifyUrl,
      ...extra,
    });
  };
  if (r.args.refund) mk('refund', r.args.refund.serial, r.publisher, r.args.refund.fen);
  if (r.args.platform) mk('platform', r.args.platform.serial, r.partner.account, r.args.platform.fen);
  for (const t of r.success) {
    const service = feeFen(t.fen, r.fees.platformRateBp);
    mk('assign', t.serial, t.userId, t.fen, { nickName: t.nickName, serviceFeeFen: String(service) });
  }
  return out;
}

/** @internal The outcome of settling one transfer. */
export interface Settlement {
  /** The transfer, now `S` or `F`. */
  readonly transfer: TransferRecord;
  /** Amounts credited, in order (zero amounts left out). */
  readonly credits: ReadonlyArray<{ readonly account: string; readonly fen: bigint }>;
  /** For a failed transfer (other than a service fee): the amount that goes back to what is left of the task. */
  readonly returnedFen?: bigint;
  /** For a bounty payment that succeeded with a service fee: the service fee's transfer, waiting. */
  readonly profit?: TransferRecord;
}

/**
 * @internal Settles a transfer. A settlement error fails it (`F`) and its amount goes back to the task;
 * otherwise the payee gets the amount less Alipay's fee (and less the service fee of a bounty payment),
 * Alipay gets its fee, and a bounty payment's service fee becomes a transfer of its own to the partner's
 * account (docs/PROTOCOL.md §6.4), numbered by `nextNo`.
 */
export function settlement(
  t: TransferRecord,
  ctx: {
    readonly now: number;
    readonly settleError?: string | undefined;
    readonly partnerAccount: string;
    readonly fees: Fees;
    readonly profitSettleAt: number;
    readonly nextNo: () => string;
  },
): Settlement {
  const error = ctx.settleError;
  const settled: TransferRecord = { ...t, status: error ? 'F' : 'S', settledAt: ctx.now, ...(error && { errorCode: error }) };
  const fen = BigInt(t.fen),
    fee = BigInt(t.feeFen),
    service = BigInt(t.serviceFeeFen ?? '0');
  const credits: Array<{ account: string; fen: bigint }> = [];
  const credit = (account: string, amount: bigint): void => {
    if (amount !== 0n) credits.push({ account, fen: amount });
  };
  if (error) {
    // The money was not paid: it goes back to what is left of the task.
    return { transfer: settled, credits, ...(t.kind !== 'platform_profit' && { returnedFen: fen }) };
  }
  if (t.kind === 'platform_profit') {
    credit(t.payee, fen - fee);
    credit('alipay', fee);
    return { transfer: settled, credits };
  }
  credit(t.payee, fen - fee - service);
  credit('alipay', fee);
  if (t.kind !== 'assign' || service <= 0n) return { transfer: settled, credits };
  // The service fee is paid only once the bounty payment succeeded (docs/PROTOCOL.md §6.4).
  const profit: TransferRecord = {
    id: ctx.nextNo(),
    kind: 'platform_profit',
    partner: t.partner,
    outerTaskId: t.outerTaskId,
    serial: t.serial,
    payee: ctx.partnerAccount,
    fen: String(service),
    feeFen: String(alipayFee(service, ctx.fees)),
    status: 'W',
    createdAt: ctx.now,
    settleAt: ctx.profitSettleAt,
    parent: t.id,
    charset: t.charset,
    notifyUrl: t.notifyUrl,
  };
  return { transfer: settled, credits, profit };
}

/** @internal The balance writes of `credits` (the same account credited twice gets one write). */
export async function balanceWrites(store: GatewayStore, credits: Settlement['credits']): Promise<StoreWrite[]> {
  const balances = new Map<string, bigint>();
  for (const c of credits) {
    const prev = balances.get(c.account) ?? BigInt((await store.get<BalanceRecord>('balance', c.account))?.fen ?? '0');
    balances.set(c.account, prev + c.fen);
  }
  return [...balances].map(([account, fen]) => ({
    collection: 'balance',
    key: account,
    value: { account, fen: String(fen) } satisfies BalanceRecord,
  }));
}

/**
 * @internal Settles a due transfer in the store (the caller holds the lock): the transfer, the task or the
 * balances, the service fee's transfer, and the transfer notification, in one atomic write.
 */
export async function settle(state: GatewayState, t: TransferRecord, now: number): Promise<void> {
  const { cfg, store } = state;
  const partner = cfg.partners.get(t.partner);
  if (!partner) return;
  const c = await readCounters(store);
  const settleError = cfg.accounts?.get(t.payee)?.settleError;
  const s = settlement(t, {
    now,
    settleError,
    partnerAccount: partner.account,
    fees: cfg.fees,
    profitSettleAt: now + state.scale(cfg.settleDelay),
    nextNo: () => transferNo(now, ++c.transfer),
  });
  const writes: StoreWrite[] = [{ collection: 'transfer', key: t.id, value: s.transfer }];
  if (s.returnedFen !== undefined) {
    const task = await store.get<TaskRecord>('task', t.outerTaskId);
    if (task)
      writes.push({
        collection: 'task',
        key: task.outerTaskId,
        value: { ...task, paidFen: String(BigInt(task.paidFen) - s.returnedFen) },
      });
  }
  writes.push(...(await balanceWrites(store, s.credits)));
  if (s.profit) writes.push({ collection: 'transfer', key: s.profit.id, value: s.profit });
  const xml = transferXml(
    {
      outerTaskId: t.outerTaskId,
      serial: t.serial,
      alipayTransferNo: t.id,
      ...(SUB_TYPES[t.kind] !== undefined && { subType: SUB_TYPES[t.kind] }),
      payee: t.payee,
      fen: BigInt(t.fen),
      feeFen: BigInt(t.feeFen),
      status: s.transfer.status,
      ...(settleError && { errorCode: settleError }),
      gmtTransfer: beijingTime(now),
    },
    t.charset,
  );
  const n = newNotification(state, c, KIND_OF[t.kind], partner, t.outerTaskId, t.notifyUrl, t.charset, xml, now, t.id);
  writes.push({ collection: 'notification', key: n.notifyId, value: n });
  writes.push({ collection: 'meta', key: 'counters', value: c });
  await store.write(writes);
  state.emit({ type: 'settled', at: now, transfer: s.transfer });
}

/** @internal The writes that seed the configured tasks and their used serials (a task already stored is left as it is). */
export async function seedTasks(store: GatewayStore, tasks: readonly TaskConfig[]): Promise<StoreWrite[]> {
  const writes: StoreWrite[] = [];
  for (const t of tasks) {
    if (await store.get('task', t.outerTaskId)) continue;
    const rec: TaskRecord = {
      outerTaskId: t.outerTaskId,
      ...(t.partner !== undefined && { partner: t.partner }),
      publisher: t.publisher,
      ...(t.outerAccountId !== undefined && { outerAccountId: t.outerAccountId }),
      ...(t.mobile !== undefined && { mobile: t.mobile }),
      frozenFen: String(parseAmount(t.frozen, { field: 'frozen' })),
      paidFen: String(paidFen(t.paid, 'paid')),
      expiresAt: toEpochMs(t.expiresAt, 'expiresAt'),
    };
    writes.push({ collection: 'task', key: t.outerTaskId, value: rec });
    for (const s of t.usedSerials ?? []) {
      const partner = t.partner ?? SERIAL_ANY;
      writes.push({
        collection: 'serial',
        key: serialKey(partner, s),
        value: { partner, serial: s, outerTaskId: t.outerTaskId },
      });
    }
  }
  return writes;
}
