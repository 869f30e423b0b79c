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

/** What every notification carries. */
export interface NotificationBase {
  kind: NotificationKind;
  /** `notify_id`: unique per notification; the idempotency key. */
  notifyId: string;
  /** `notify_time` as sent (`yyyy-MM-dd HH:mm:ss`, Beijing time). */
  notifyTime: string;
  /** `notify_type` as sent, e.g. `witkey_assign_transfer`. */
  notifyType: string;
  /** `is_success` was `T`. */
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

/** §6.1: the leftover was taken in hand (an intermediate status), and the synchronous return (§5). */
export interface LeftAmountHandledNotification extends NotificationBase {
  kind: 'left_amount_handled';
  /** Present when `isSuccess`. */
  outerTaskId?: string;
  refund?: TransferLine;
  platform?: TransferLine;
  /** Empty in streaming mode: the bidders were yielded one by one. */
  successBidders: BidderLine[];
  failBidders: BidderLine[];
}

/** §6.2–§6.4: one transfer settled (or failed). */
export interface TransferNotification extends NotificationBase {
  kind: 'refund_transfer' | 'assign_transfer' | 'platform_profit_transfer';
  /** Present when `isSuccess`. */
  transfer?: TransferDetail;
}

/** A verified notification. Narrow on `kind`. */
export type Notification = LeftAmountHandledNotification | TransferNotification;
