/**
 * The typed notifications of docs/PROTOCOL.md §6 (and the synchronous return of §5), as the partner's
 * code receives them once their signature has been verified. Field names are part of the
 * package's contract. Amounts stay exact decimal strings, as sent; nothing here is a float.
 * @module
 */
import type { Charset } from '../charset/names.js';
import type { XmlElement } from '../xml/element.js';

/** The four notification kinds (docs/PROTOCOL.md §6.1–§6.4). */
export type NotificationKind = 'left_amount_handled' | 'refund_transfer' | 'assign_transfer' | 'platform_profit_transfer';

/** `transfer_status`: `W` accepted, waiting; `I` paid immediately; `S` succeeded; `F` failed. */
export type TransferStatus = 'W' | 'I' | 'S' | 'F';

/** A refund or platform-share line of the leftover-handled notification. */
export interface TransferLine {
  outerTransferNo: string;
  /** Exact decimal string as sent, e.g. `"20.10"`. */
  amount: string;
  status: TransferStatus;
  /** Child elements this library does not know, by name (text content), kept rather than dropped. */
  extra?: Record<string, string>;
}

/** A bidder of `success_bidders` or `fail_bidders`. */
export interface BidderLine {
  outerTransferNo: string;
  amount: string;
  alipayUserId: string;
  nickName: string;
  status: TransferStatus;
  /** Present for failed bidders, e.g. `ACCOUNT_NOT_EXIST`. */
  errorCode?: string;
  extra?: Record<string, string>;
}

/** The `<transfer>` of a transfer notification (§6.2–§6.4). */
export interface TransferDetail {
  outerTaskId: string;
  outerTransferNo: string;
  alipayTransferNo: string;
  /** E.g. `ASSIGN_FOR_IMMEDIATE_PAYMENT`, `PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT`. */
  subType?: string;
  payeeUserId?: string;
  amount: string;
  feeAmount?: string;
  status: TransferStatus;
  errorCode?: string;
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time, as sent. */
  gmtTransfer?: string;
  extra?: Record<string, string>;
}

/** What every notification carries. Each kind below narrows it. */
export interface NotificationBase {
  kind: NotificationKind;
  /** `notify_id`: unique per notification; the idempotency key. */
  notifyId: string;
  /** `notify_time` as sent (`yyyy-MM-dd HH:mm:ss`, Beijing time). */
  notifyTime: string;
  /** `notify_type` as sent, e.g. `witkey_assign_transfer`. */
  notifyType: string;
  /**
   * `is_success` was `T`: the request was processed and the notification has its `response` (the
   * kind's fields below). `F`: the request failed as a whole (`error` says why) and there is no
   * `response` (docs/PROTOCOL.md §6.1). Not a transfer's outcome: a transfer that failed is
   * `isSuccess: true` with `transfer.status` `'F'`.
   */
  isSuccess: boolean;
  /** `<error>` of a failed request (`is_success` `F`), e.g. `WITKEY_TASK_NOT_EXIST`. */
  error?: string;
  /** Charset the form and the XML were decoded in. */
  charset: Charset;
  /** Every form field, decoded (the XML field included, as text). Verified with the rest. */
  fields: Record<string, string>;
  /**
   * The verified XML document's root element, for elements this library does not model. (In
   * `streamNotification`, the `<bidder>` elements were split off: they came as events.)
   */
  xml?: XmlElement;
}

/** §6.1 (and the synchronous return, §5) when the request succeeded: `task_info`. */
export interface LeftAmountHandledSuccess extends NotificationBase {
  kind: 'left_amount_handled';
  isSuccess: true;
  outerTaskId: string;
  /** `refund_detail`: present when the request had a refund (docs/PROTOCOL.md §1: any part may be absent). */
  refund?: TransferLine;
  /** `platform_detail`: present when the request had a platform share. */
  platform?: TransferLine;
  /** Empty in streaming mode: the bidders were yielded one by one. */
  successBidders: BidderLine[];
  failBidders: BidderLine[];
}

/**
 * §6.1 (and §5) when the request failed: `<alipay><is_success>F</is_success><error>CODE</error></alipay>`
 * (docs/PROTOCOL.md §6.1) — `error` is always there, `task_info` never is.
 */
export interface LeftAmountHandledFailure extends NotificationBase {
  kind: 'left_amount_handled';
  isSuccess: false;
  /** Why, e.g. `WITKEY_TASK_NOT_EXIST` (docs/PROTOCOL.md §8). */
  error: string;
  outerTaskId?: undefined;
  refund?: undefined;
  platform?: undefined;
  /** Always empty: a failed request has no bidders. */
  successBidders: BidderLine[];
  /** Always empty. */
  failBidders: BidderLine[];
}

/**
 * §6.1: the leftover was taken in hand (an intermediate status), and the synchronous return (§5).
 * Narrow on `isSuccess` for `outerTaskId`.
 */
export type LeftAmountHandledNotification = LeftAmountHandledSuccess | LeftAmountHandledFailure;

/** The kinds of §6.2–§6.4: one transfer each. */
export type TransferKind = Exclude<NotificationKind, 'left_amount_handled'>;

/** §6.2–§6.4 when the request succeeded: the `<transfer>` (whose own `status` may still be `'F'`). */
export interface TransferSuccess<K extends TransferKind = TransferKind> extends NotificationBase {
  kind: K;
  isSuccess: true;
  transfer: TransferDetail;
}

/** §6.2–§6.4 when the request failed (`is_success` `F`): `error`, and no `<transfer>`. */
export interface TransferFailure<K extends TransferKind = TransferKind> extends NotificationBase {
  kind: K;
  isSuccess: false;
  /** Why, e.g. `WITKEY_TASK_NOT_EXIST` (docs/PROTOCOL.md §8). */
  error: string;
  transfer?: undefined;
}

/**
 * §6.2–§6.4: one transfer settled (or failed). A union per kind, so that narrowing on `kind` and then
 * on `isSuccess` gives `transfer` without `| undefined`.
 */
export type TransferNotification<K extends TransferKind = TransferKind> = K extends TransferKind
  ? TransferSuccess<K> | TransferFailure<K>
  : never;

/**
 * A verified notification: a union discriminated by `kind` and `isSuccess`.
 * @example
 * if (n.kind === 'assign_transfer' && n.isSuccess) markPaid(n.transfer.outerTransferNo, n.transfer.status);
 * else if (n.kind === 'left_amount_handled' && n.isSuccess) log(n.outerTaskId, n.successBidders.length);
 * else if (!n.isSuccess) log(n.kind, 'refused:', n.error);
 */
export type Notification = LeftAmountHandledNotification | TransferNotification;
