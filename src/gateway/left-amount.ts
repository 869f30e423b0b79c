/**
 * What one `alipay.witkey.task.left.amount.handle` request does once its page checks passed: the
 * business rules (rules.ts) against the stored task and serials, and for an accepted request the
 * task's paid amount, the used serials, the transfers (ledger.ts) and the publisher's SMS; in every
 * case the signed §6.1 notification, the return data and the request record, all in one atomic write.
 * Not the HTTP side (reading and checking the form, answering the browser): see gateway.ts.
 * @module
 */
import type { Charset } from '../charset/names.js';
import { toBase64 } from '../wire/base64.js';
import { formatFen } from '../witkey/amount.js';
import type { ResolvedPartner } from './config.js';
import { newNotification } from './delivery.js';
import { acceptedTransfers, transferNo } from './ledger.js';
import { type LeftAmountResult, leftAmountXml } from './notifications.js';
import {
  type RequestRecord,
  randomId,
  readCounters,
  SERIAL_ANY,
  type SmsRecord,
  serialKey,
  type TransferRecord,
} from './records.js';
import { applyRules, type LeftAmountArgs, type TaskRecord } from './rules.js';
import type { GatewayState } from './state.js';
import type { StoreWrite } from './store.js';

/** @internal The SMS text the publisher receives for an accepted request. */
export function smsText(
  args: Pick<LeftAmountArgs, 'outerTaskId' | 'refund' | 'platform'>,
  paid: ReadonlyArray<{ fen: bigint }>,
  failed: ReadonlyArray<{ fen: bigint }>,
): string {
  const sum = (l: ReadonlyArray<{ fen: bigint }>): string => formatFen(l.reduce((s, t) => s + t.fen, 0n));
  const parts: string[] = [];
  if (args.refund) parts.push(`退还您${formatFen(args.refund.fen)}元`);
  if (args.platform) parts.push(`平台划拨${formatFen(args.platform.fen)}元`);
  if (paid.length) parts.push(`向${paid.length}位中标者支付赏金${sum(paid)}元`);
  if (failed.length) parts.push(`${failed.length}位中标者账户异常，未支付${sum(failed)}元`);
  return `【支付宝】您发布的任务${args.outerTaskId}剩余赏金已处理：${parts.join('；')}。`;
}

/**
 * @internal Handles a checked request (the caller holds the lock). `args` is undefined when the arguments
 * failed a business-level check, and `forcedError` then (or a fault) gives the error code. Returns the
 * signed return fields.
 */
export async function handleLeftAmount(
  state: GatewayState,
  partner: ResolvedPartner,
  charset: Charset,
  outerTaskId: string,
  urls: { notifyUrl: string; returnUrl: string },
  args: LeftAmountArgs | undefined,
  forcedError: { code: string; message: string } | undefined,
  raw?: Uint8Array,
): Promise<{ fields: Record<string, string> }> {
  const { cfg, store } = state;
  const now = cfg.now();
  const c = await readCounters(store);
  const writes: StoreWrite[] = [];
  const requestId = randomId();
  let result: LeftAmountResult;
  let outcome: ReturnType<typeof applyRules> | undefined;
  if (forcedError || !args) {
    result = { isSuccess: false, error: forcedError!.code };
  } else {
    const task = await store.get<TaskRecord>('task', args.outerTaskId);
    const serials = [args.refund, args.platform, ...args.transfers].filter((l) => l !== undefined).map((l) => l.serial);
    const used = new Set<string>();
    for (const s of serials) {
      if ((await store.get('serial', serialKey(partner.id, s))) || (await store.get('serial', serialKey(SERIAL_ANY, s))))
        used.add(s);
    }
    const transfers = await store.list<TransferRecord>('transfer');
    const unsettled = transfers.some((t) => t.outerTaskId === args.outerTaskId && t.partner === partner.id && t.status === 'W');
    outcome = applyRules(args, {
      partner: partner.id,
      now,
      task,
      usedSerials: used,
      unsettled,
      accounts: cfg.accounts,
      requireExactTotal: cfg.requireExactTotal,
    });
    if (!outcome.ok) {
      result = { isSuccess: false, error: outcome.error };
    } else {
      const W = 'W' as const;
      result = {
        isSuccess: true,
        outerTaskId: args.outerTaskId,
        ...(args.refund && { refund: { serial: args.refund.serial, fen: args.refund.fen, status: W } }),
        ...(args.platform && { platform: { serial: args.platform.serial, fen: args.platform.fen, status: W } }),
        success: outcome.success.map((t) => ({
          serial: t.serial,
          fen: t.fen,
          userId: t.userId,
          nickName: t.nickName,
          status: W,
        })),
        fail: outcome.fail.map((t) => ({
          serial: t.serial,
          fen: t.fen,
          userId: t.userId,
          nickName: t.nickName,
          status: 'F' as const,
          errorCode: t.errorCode,
        })),
      };
      const task2 = outcome.task;
      writes.push({
        collection: 'task',
        key: task2.outerTaskId,
        value: { ...task2, paidFen: String(BigInt(task2.paidFen) + outcome.acceptedFen) },
      });
      for (const s of serials) {
        writes.push({
          collection: 'serial',
          key: serialKey(partner.id, s),
          value: { partner: partner.id, serial: s, outerTaskId: args.outerTaskId, at: now },
        });
      }
      const created = acceptedTransfers(
        {
          partner,
          publisher: task2.publisher,
          args,
          success: outcome.success,
          now,
          settleAt: now + state.scale(cfg.settleDelay),
          charset,
          notifyUrl: urls.notifyUrl,
          fees: cfg.fees,
        },
        () => transferNo(now, ++c.transfer),
      );
      for (const t of created) writes.push({ collection: 'transfer', key: t.id, value: t });
      writes.push({
        collection: 'sms',
        key: requestId,
        value: {
          id: requestId,
          at: now,
          to: task2.publisher,
          mobile: task2.mobile ?? '138****0000',
          outerTaskId: task2.outerTaskId,
          text: smsText(args, outcome.success, outcome.fail),
        } satisfies SmsRecord,
      });
    }
  }
  const xml = leftAmountXml(result, charset);
  const notify = newNotification(state, c, 'left_amount_handled', partner, outerTaskId, urls.notifyUrl, charset, xml, now);
  const ret = newNotification(state, c, 'left_amount_handled', partner, outerTaskId, urls.returnUrl, charset, xml, now);
  ret.status = 'return';
  writes.push({ collection: 'notification', key: notify.notifyId, value: notify });
  writes.push({ collection: 'notification', key: ret.notifyId, value: ret });
  const error = forcedError ?? (outcome && !outcome.ok ? { code: outcome.error, message: outcome.message } : undefined);
  writes.push({
    collection: 'request',
    key: requestId,
    value: {
      id: requestId,
      at: now,
      partner: partner.id,
      charset,
      outerTaskId,
      isSuccess: result.isSuccess,
      ...(error && { error: error.code, message: error.message }),
      returnNotifyId: ret.notifyId,
      ...(raw && { raw: toBase64(raw) }),
    } satisfies RequestRecord,
  });
  writes.push({ collection: 'meta', key: 'counters', value: c });
  await store.write(writes);
  for (const kind of ['request', 'sms'] as const) {
    for (const w of writes) {
      if (w.collection !== kind) continue;
      if (kind === 'request') state.emit({ type: 'request', at: now, request: w.value as RequestRecord });
      else state.emit({ type: 'sms', at: now, sms: w.value as SmsRecord });
    }
  }
  return { fields: ret.fields };
}
