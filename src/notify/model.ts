/**
 * From a verified notification's XML (docs/PROTOCOL.md §6.1–§6.4) to the typed {@link Notification}.
 * Strict on what the protocol defines — a required element missing or repeated, an amount that is
 * not a decimal of at most two places, an unknown `transfer_status` are errors naming the element
 * path — and lenient on what it does not: unknown elements are kept (`extra`, `xml`), never fatal.
 * @module
 */
import { WitkeyError } from '../errors.js';
import type { XmlRecord } from '../xml/decoder.js';
import type { XmlElement } from '../xml/element.js';
import type { BidderLine, TransferDetail, TransferLine, TransferStatus } from './types.js';

const AMOUNT = /^\d{1,13}(\.\d{1,2})?$/;
const USER_ID = /^2088\d{12}$/;
const STATUSES = new Set(['W', 'I', 'S', 'F']);

function invalid(path: string, message: string): WitkeyError {
  return new WitkeyError('INVALID_NOTIFICATION', `notification XML ${path}: ${message}`, { field: path });
}

/** The only child named `name`, or undefined; two of them are an error. */
function one(el: XmlElement, name: string, path: string): XmlElement | undefined {
  let found: XmlElement | undefined;
  for (const c of el.children) {
    if (c.name !== name) continue;
    if (found) throw invalid(`${path}/${name}`, 'appears more than once');
    found = c;
  }
  return found;
}

/**
 * A record's leaf children in one pass: known names → text ('' for an empty element), the rest kept
 * as `extra`. A known name twice, or a known element with children, is an error.
 */
class Leaves {
  readonly text: Record<string, string> = Object.create(null) as Record<string, string>;
  extra: Record<string, string> | undefined;
  constructor(
    el: XmlElement,
    readonly path: string,
    known: ReadonlySet<string>,
  ) {
    for (const c of el.children) {
      const n = c.name;
      if (!known.has(n)) {
        (this.extra ??= Object.create(null) as Record<string, string>)[n] = c.text;
        continue;
      }
      if (n in this.text) throw invalid(`${path}/${n}`, 'appears more than once');
      if (c.children.length > 0) throw invalid(`${path}/${n}`, 'expected text, found child elements');
      this.text[n] = c.text;
    }
  }
  opt(name: string): string | undefined {
    const t = this.text[name];
    return t === '' ? undefined : t;
  }
  req(name: string): string {
    const t = this.text[name];
    if (t === undefined || t === '') throw invalid(`${this.path}/${name}`, 'is missing or empty');
    return t;
  }
  amount(name: string, required: boolean): string | undefined {
    const t = required ? this.req(name) : this.opt(name);
    if (t !== undefined && !AMOUNT.test(t))
      throw invalid(`${this.path}/${name}`, `${JSON.stringify(t)} is not a decimal amount with at most two places`);
    return t;
  }
  status(): TransferStatus {
    const t = this.req('transfer_status');
    if (!STATUSES.has(t)) throw invalid(`${this.path}/transfer_status`, `${JSON.stringify(t)} is not one of W, I, S, F`);
    return t as TransferStatus;
  }
  userId(name: string, required: boolean): string | undefined {
    const t = required ? this.req(name) : this.opt(name);
    if (t !== undefined && !USER_ID.test(t))
      throw invalid(`${this.path}/${name}`, `${JSON.stringify(t)} is not 2088 followed by 12 digits`);
    return t;
  }
}

function optText(el: XmlElement, name: string, path: string): string | undefined {
  const c = one(el, name, path);
  if (!c) return undefined;
  if (c.children.length > 0) throw invalid(`${path}/${name}`, 'expected text, found child elements');
  return c.text === '' ? undefined : c.text;
}

function reqText(el: XmlElement, name: string, path: string): string {
  const t = optText(el, name, path);
  if (t === undefined) throw invalid(`${path}/${name}`, 'is missing or empty');
  return t;
}

const LINE_KNOWN = new Set(['outer_transfer_no', 'transfer_amount', 'transfer_status']);
const TRANSFER_KNOWN = new Set([
  'outer_task_id',
  'outer_transfer_no',
  'alipay_transfer_no',
  'sub_type',
  'payee_user_id',
  'transfer_amount',
  'fee_amount',
  'transfer_status',
  'error_code',
  'gmt_transfer',
]);

function line(el: XmlElement, path: string): TransferLine {
  const f = new Leaves(el, path, LINE_KNOWN);
  const out: TransferLine = {
    outerTransferNo: f.req('outer_transfer_no'),
    amount: f.amount('transfer_amount', true)!,
    status: f.status(),
  };
  if (f.extra) out.extra = f.extra;
  return out;
}

/**
 * One `<bidder>` element → {@link BidderLine}.
 * @throws WitkeyError `INVALID_NOTIFICATION` naming the element path.
 * @example
 * bidderFrom(element, 'alipay/response/task_info/success_bidders', 0);
 */
export function bidderFrom(el: XmlElement, list: string, index: number): BidderLine {
  // The element path only when there is an error to report (building it per bidder is measurable).
  const at = (child?: string): string => `${list}/bidder[${index}]${child === undefined ? '' : `/${child}`}`;
  if (el.name !== 'bidder') throw invalid(at(), `expected <bidder>, found <${el.name}>`);
  // The hot path of a large notification (thousands of bidders): one switch per child, no
  // intermediate map. A bit per known element catches repeats.
  let no: string | undefined, amt: string | undefined, uid: string | undefined, nick: string | undefined;
  let st: string | undefined, code: string | undefined;
  let extra: Record<string, string> | undefined;
  let seen = 0;
  for (const c of el.children) {
    let bit: number;
    switch (c.name) {
      case 'outer_transfer_no':
        bit = 1;
        no = c.text;
        break;
      case 'transfer_amount':
        bit = 2;
        amt = c.text;
        break;
      case 'alipay_user_id':
        bit = 4;
        uid = c.text;
        break;
      case 'nick_name':
        bit = 8;
        nick = c.text;
        break;
      case 'transfer_status':
        bit = 16;
        st = c.text;
        break;
      case 'error_code':
        bit = 32;
        code = c.text;
        break;
      default:
        (extra ??= Object.create(null) as Record<string, string>)[c.name] = c.text;
        continue;
    }
    if (seen & bit) throw invalid(at(c.name), 'appears more than once');
    if (c.children.length > 0) throw invalid(at(c.name), 'expected text, found child elements');
    seen |= bit;
  }
  const req = (v: string | undefined, name: string): string => {
    if (v === undefined || v === '') throw invalid(at(name), 'is missing or empty');
    return v;
  };
  const out: BidderLine = {
    outerTransferNo: req(no, 'outer_transfer_no'),
    amount: req(amt, 'transfer_amount'),
    alipayUserId: req(uid, 'alipay_user_id'),
    nickName: req(nick, 'nick_name'),
    status: req(st, 'transfer_status') as TransferStatus,
  };
  if (!AMOUNT.test(out.amount))
    throw invalid(at('transfer_amount'), `${JSON.stringify(out.amount)} is not a decimal amount with at most two places`);
  if (!USER_ID.test(out.alipayUserId))
    throw invalid(at('alipay_user_id'), `${JSON.stringify(out.alipayUserId)} is not 2088 followed by 12 digits`);
  if (!STATUSES.has(out.status)) throw invalid(at('transfer_status'), `${JSON.stringify(out.status)} is not one of W, I, S, F`);
  if (code !== undefined && code !== '') out.errorCode = code;
  if (extra) out.extra = extra;
  return out;
}

/** What the root says: `T` with its `response` (and an `error` if one came along), or `F` with its `error`. */
export type RootStatus = { isSuccess: true; error?: string; response: XmlElement } | { isSuccess: false; error: string };

/** `is_success` and `error` of the root; the `response` element when successful. */
export function rootStatus(root: XmlElement): RootStatus {
  if (root.name !== 'alipay') throw invalid(root.name, 'the root element must be <alipay>');
  const flag = reqText(root, 'is_success', 'alipay');
  if (flag !== 'T' && flag !== 'F') throw invalid('alipay/is_success', `${JSON.stringify(flag)} is not T or F`);
  const error = optText(root, 'error', 'alipay');
  if (flag === 'F') {
    if (error === undefined) throw invalid('alipay/error', 'is_success is F but no error code is given');
    return { isSuccess: false, error };
  }
  const response = one(root, 'response', 'alipay');
  if (!response) throw invalid('alipay/response', 'is missing although is_success is T');
  return error === undefined ? { isSuccess: true, response } : { isSuccess: true, error, response };
}

/** The body of a §6.1 notification: task id, refund and platform lines, and the bidder lists. */
export interface LeftAmountBody {
  outerTaskId: string;
  refund?: TransferLine;
  platform?: TransferLine;
  successBidders: BidderLine[];
  failBidders: BidderLine[];
}

/** `response/task_info` → the §6.1 body (bidders already split off in streaming mode are absent). */
export function leftAmountBody(response: XmlElement): LeftAmountBody {
  const path = 'alipay/response/task_info';
  const info = one(response, 'task_info', 'alipay/response');
  if (!info) throw invalid(path, 'is missing');
  const out: LeftAmountBody = { outerTaskId: reqText(info, 'outer_task_id', path), successBidders: [], failBidders: [] };
  const refund = one(info, 'refund_detail', path);
  if (refund) out.refund = line(refund, `${path}/refund_detail`);
  const platform = one(info, 'platform_detail', path);
  if (platform) out.platform = line(platform, `${path}/platform_detail`);
  for (const [list, target] of [
    ['success_bidders', out.successBidders],
    ['fail_bidders', out.failBidders],
  ] as const) {
    const el = one(info, list, path);
    if (!el) continue;
    const where = `${path}/${list}`;
    for (const c of el.children) if (c.name === 'bidder') target.push(bidderFrom(c, where, target.length));
  }
  return out;
}

/** `response/transfer` → {@link TransferDetail}. */
export function transferBody(response: XmlElement): TransferDetail {
  const path = 'alipay/response/transfer';
  const el = one(response, 'transfer', 'alipay/response');
  if (!el) throw invalid(path, 'is missing');
  const f = new Leaves(el, path, TRANSFER_KNOWN);
  const out: TransferDetail = {
    outerTaskId: f.req('outer_task_id'),
    outerTransferNo: f.req('outer_transfer_no'),
    alipayTransferNo: f.req('alipay_transfer_no'),
    amount: f.amount('transfer_amount', true)!,
    status: f.status(),
  };
  const subType = f.opt('sub_type');
  if (subType !== undefined) out.subType = subType;
  const payee = f.userId('payee_user_id', false);
  if (payee !== undefined) out.payeeUserId = payee;
  const fee = f.amount('fee_amount', false);
  if (fee !== undefined) out.feeAmount = fee;
  const code = f.opt('error_code');
  if (code !== undefined) out.errorCode = code;
  const gmt = f.opt('gmt_transfer');
  if (gmt !== undefined) out.gmtTransfer = gmt;
  if (f.extra) out.extra = f.extra;
  return out;
}

/** Which bidder list a record path is (`alipay/response/task_info/{success,fail}_bidders/bidder`), if any. */
export function bidderList(path: readonly string[]): 'success' | 'fail' | undefined {
  if (path.length !== 5 || path[4] !== 'bidder' || path[2] !== 'task_info' || path[1] !== 'response' || path[0] !== 'alipay')
    return undefined;
  return path[3] === 'success_bidders' ? 'success' : path[3] === 'fail_bidders' ? 'fail' : undefined;
}

/** `split` predicate for the XML decoder: the bidders of a §6.1 document are records. */
export const isBidderPath = (path: readonly string[]): boolean => bidderList(path) !== undefined;

/**
 * A bidder record split off by the XML decoder → its list, its position in that list (counted in
 * `counts`) and the typed {@link BidderLine}.
 */
export function bidderRecord(
  rec: XmlRecord,
  counts: { success: number; fail: number },
): { list: 'success' | 'fail'; index: number; bidder: BidderLine } {
  const list = bidderList(rec.path)!;
  const index = counts[list]++;
  return { list, index, bidder: bidderFrom(rec.element, `alipay/response/task_info/${list}_bidders`, index) };
}
