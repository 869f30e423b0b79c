/**
 * The business side of `alipay.witkey.task.left.amount.handle` as the simulator plays it: the
 * argument rules of docs/PROTOCOL.md §2 (reusing the partner-side validator, so both sides agree on
 * every rule) and the business rules of §1 — the task exists, belongs to the caller and has expired,
 * the amounts fit what is left of the frozen bounty, serials were never used, bidders are not the
 * publisher, accounts exist (abnormal ones go to `fail_bidders`). Amounts are integer fen (bigint).
 * Pure functions: state is read by the caller and passed in.
 * @module
 */
import type { Charset } from '../charset/names.js';
import { WitkeyError } from '../errors.js';
import { type DetailSeparators, decodeDetail } from '../params/detail.js';
import { parseAmount } from '../witkey/amount.js';
import { type LeftAmountTransfer, leftAmountParams } from '../witkey/request.js';
import type { AccountConfig } from './config.js';

/** @internal A detail line of a request, amount in fen. */
export interface RequestLine {
  readonly field: 'refund_detail' | 'platform_detail' | 'transfer_detail';
  readonly index?: number;
  readonly serial: string;
  readonly fen: bigint;
}

/** @internal A bounty payment line. */
export interface RequestTransfer extends RequestLine {
  readonly userId: string;
  readonly nickName: string;
}

/** @internal A request after the argument rules. */
export interface LeftAmountArgs {
  readonly outerTaskId: string;
  readonly outerAccountId?: string;
  readonly alipayUserId?: string;
  readonly refund?: RequestLine;
  readonly platform?: RequestLine;
  readonly transfers: readonly RequestTransfer[];
  readonly notifyUrl: string;
  readonly returnUrl: string;
}

function records(
  fields: ReadonlyMap<string, string>,
  name: string,
  sep: DetailSeparators,
  width: number,
): string[][] | undefined {
  const text = fields.get(name);
  if (text === undefined || text === '') return undefined;
  const recs = decodeDetail(text, sep);
  recs.forEach((r, i) => {
    if (r.length !== width) {
      throw new WitkeyError(
        'ILLEGAL_ARGUMENT',
        `${name}[${i}]: expected ${width} fields separated by ${JSON.stringify(sep.field)}, got ${r.length}`,
        { field: name, index: i },
      );
    }
  });
  return recs;
}

/**
 * @internal Applies the argument rules of docs/PROTOCOL.md §2 to decoded fields.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` (and `ILLEGAL_CHARSET`) for malformed arguments;
 * `WITKEY_OUTER_TRANSFER_REPEAT` for a serial repeated inside the request (a business failure).
 */
export function checkArguments(
  fields: ReadonlyMap<string, string>,
  partner: string,
  charset: Charset,
  sep: DetailSeparators,
): LeftAmountArgs {
  const one = (name: 'refund_detail' | 'platform_detail'): { serial: string; amount: string } | undefined => {
    const recs = records(fields, name, sep, 2);
    if (!recs) return undefined;
    if (recs.length !== 1)
      throw new WitkeyError('ILLEGAL_ARGUMENT', `${name}: holds ${recs.length} records, at most one is allowed`, { field: name });
    return { serial: recs[0]![0]!, amount: recs[0]![1]! };
  };
  const refund = one('refund_detail');
  const platform = one('platform_detail');
  const transferRecs = records(fields, 'transfer_detail', sep, 4);
  const transfers: LeftAmountTransfer[] | undefined = transferRecs?.map(([serial, amount, alipayUserId, nickName]) => ({
    serial: serial!,
    amount: amount!,
    alipayUserId: alipayUserId!,
    nickName: nickName!,
  }));
  const get = (n: string): string | undefined => {
    const v = fields.get(n);
    return v === '' ? undefined : v;
  };
  // The partner-side validator states every §2 rule once; the gateway applies the same rules.
  const p = leftAmountParams({
    partner,
    charset,
    outerTaskId: get('outer_task_id') as string,
    ...(get('outer_account_id') !== undefined && { outerAccountId: get('outer_account_id') }),
    ...(get('alipay_user_id') !== undefined && { alipayUserId: get('alipay_user_id') }),
    ...(refund && { refund }),
    ...(platform && { platform }),
    ...(transfers && { transfers }),
    notifyUrl: get('notify_url') as string,
    returnUrl: get('return_url') as string,
    dialect: sep,
  });
  // Amounts were validated and formatted with two decimals by leftAmountParams.
  const fen = (s: string): bigint => parseAmount(s);
  const lineOf = (field: 'refund_detail' | 'platform_detail'): RequestLine | undefined => {
    const text = p.params[field];
    if (text === undefined) return undefined;
    const [serial, amount] = decodeDetail(text, sep)[0]!;
    return { field, serial: serial!, fen: fen(amount!) };
  };
  const refundLine = lineOf('refund_detail');
  const platformLine = lineOf('platform_detail');
  return {
    outerTaskId: p.params['outer_task_id']!,
    ...(p.params['outer_account_id'] !== undefined && { outerAccountId: p.params['outer_account_id'] }),
    ...(p.params['alipay_user_id'] !== undefined && { alipayUserId: p.params['alipay_user_id'] }),
    ...(refundLine && { refund: refundLine }),
    ...(platformLine && { platform: platformLine }),
    transfers:
      p.params['transfer_detail'] === undefined
        ? []
        : decodeDetail(p.params['transfer_detail'], sep).map(([serial, amount, userId, nickName], index) => ({
            field: 'transfer_detail' as const,
            index,
            serial: serial!,
            fen: fen(amount!),
            userId: userId!,
            nickName: nickName!,
          })),
    notifyUrl: p.params['notify_url']!,
    returnUrl: p.params['return_url']!,
  };
}

/** @internal A task as stored: amounts as decimal fen strings (JSON has no bigint). */
export interface TaskRecord {
  readonly outerTaskId: string;
  readonly partner?: string;
  readonly publisher: string;
  readonly outerAccountId?: string;
  readonly mobile?: string;
  readonly frozenFen: string;
  readonly paidFen: string;
  readonly expiresAt: number;
}

/** @internal What the business rules need to know besides the request. */
export interface RuleContext {
  readonly partner: string;
  readonly now: number;
  readonly task: TaskRecord | undefined;
  /** Serials of this request already used before. */
  readonly usedSerials: ReadonlySet<string>;
  /** Whether the task has transfers not settled yet. */
  readonly unsettled: boolean;
  readonly accounts: ReadonlyMap<string, AccountConfig> | undefined;
  readonly requireExactTotal: boolean;
}

/** @internal The outcome of the business rules: accepted (with bidders split) or a witkey error code. */
export type RuleOutcome =
  | {
      readonly ok: true;
      readonly task: TaskRecord;
      readonly success: readonly RequestTransfer[];
      readonly fail: ReadonlyArray<RequestTransfer & { errorCode: string }>;
      readonly acceptedFen: bigint;
      readonly totalFen: bigint;
    }
  | { readonly ok: false; readonly error: string; readonly message: string };

/** @internal The business rules of docs/PROTOCOL.md §1/§8, in order. */
export function applyRules(args: LeftAmountArgs, ctx: RuleContext): RuleOutcome {
  const fail = (error: string, message: string): RuleOutcome => ({ ok: false, error, message });
  const task = ctx.task;
  if (!task || (task.partner !== undefined && task.partner !== ctx.partner)) {
    return fail('WITKEY_TASK_NOT_EXIST', `task ${args.outerTaskId} does not exist for partner ${ctx.partner}`);
  }
  if (args.alipayUserId !== undefined && args.alipayUserId !== task.publisher) {
    return fail('WITKEY_DATA_NOT_MATCH', `alipay_user_id ${args.alipayUserId} is not the publisher of task ${task.outerTaskId}`);
  }
  if (args.outerAccountId !== undefined && task.outerAccountId !== undefined && args.outerAccountId !== task.outerAccountId) {
    return fail(
      'WITKEY_DATA_NOT_MATCH',
      `outer_account_id ${args.outerAccountId} is not the publisher of task ${task.outerTaskId}`,
    );
  }
  if (ctx.now < task.expiresAt) return fail('WITKEY_TASK_NOT_EXPIRED', `task ${task.outerTaskId} has not expired yet`);
  if (ctx.unsettled) return fail('NOT_DONE_OF_TRANSFER_FOUND', `task ${task.outerTaskId} still has transfers in progress`);
  const lines: RequestLine[] = [
    ...(args.refund ? [args.refund] : []),
    ...(args.platform ? [args.platform] : []),
    ...args.transfers,
  ];
  for (const l of lines) {
    if (ctx.usedSerials.has(l.serial))
      return fail('WITKEY_OUTER_TRANSFER_ALREADY_PAID', `${l.field}: serial ${l.serial} was used before`);
  }
  for (const t of args.transfers) {
    if (t.userId === task.publisher)
      return fail('BIDDER_EQUALS_TASK_CREATOR_ERROR', `transfer_detail[${t.index}]: ${t.userId} is the task's publisher`);
  }
  const totalFen = lines.reduce((s, l) => s + l.fen, 0n);
  const remaining = BigInt(task.frozenFen) - BigInt(task.paidFen);
  if (totalFen > remaining)
    return fail(
      'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH',
      `the request pays ${totalFen} fen but only ${remaining} fen are left of task ${task.outerTaskId}`,
    );
  if (ctx.requireExactTotal && totalFen < remaining)
    return fail(
      'REMAINS_OF_TASK_AMOUNT_FOUND',
      `the request leaves ${remaining - totalFen} fen of task ${task.outerTaskId} unhandled`,
    );
  const success: RequestTransfer[] = [];
  const failed: Array<RequestTransfer & { errorCode: string }> = [];
  for (const t of args.transfers) {
    const acc = ctx.accounts?.get(t.userId);
    if (ctx.accounts && !acc) failed.push({ ...t, errorCode: 'ACCOUNT_NOT_EXIST' });
    else if (acc?.abnormal)
      failed.push({ ...t, errorCode: typeof acc.abnormal === 'string' ? acc.abnormal : 'ACCOUNT_QUERY_ERROR' });
    else success.push(t);
  }
  const acceptedFen = (args.refund?.fen ?? 0n) + (args.platform?.fen ?? 0n) + success.reduce((s, t) => s + t.fen, 0n);
  return { ok: true, task, success, fail: failed, acceptedFen, totalFen };
}
