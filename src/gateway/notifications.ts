/**
 * What the simulator sends: the XML of docs/PROTOCOL.md §6.1 (leftover handled, also the return data)
 * and §6.2–6.4 (transfer notifications), and the signed form around it (`notify_id`, `notify_time`,
 * `notify_type`, `notify_data` or the `kppw` dialect's `resultMsg=xml=…`, `sign_type`, `sign`). The
 * signature covers the canonical string of the form's fields encoded in the request's charset: the
 * very bytes the urlencoded body carries once percent-decoded. Not a decoder (see src/notify/).
 * @module
 */
import type { Charset } from '../charset/names.js';
import type { DsaPrivateKey } from '../dsa/key.js';
import type { NotifyDataField } from '../notify/dialect.js';
import { NOTIFY_TYPES } from '../notify/kinds.js';
import type { NotificationKind } from '../notify/types.js';
import { formEncodeString } from '../params/form.js';
import { signParams } from '../params/sign.js';
import { formatFen } from '../witkey/amount.js';
import { type XmlNode, xmlDocument } from './xml.js';

/** `transfer_status`: W accepted and waiting, I paid immediately, S succeeded, F failed. */
export type TransferStatus = 'W' | 'I' | 'S' | 'F';

/** @internal One line of the leftover-handled XML. */
export interface DetailLine {
  readonly serial: string;
  readonly fen: bigint;
  readonly status: TransferStatus;
}

/** @internal A bidder line. */
export interface BidderLine extends DetailLine {
  readonly userId: string;
  readonly nickName: string;
  readonly errorCode?: string;
}

/** @internal The content of a leftover-handled notification. */
export type LeftAmountResult =
  | {
      readonly isSuccess: true;
      readonly outerTaskId: string;
      readonly refund?: DetailLine;
      readonly platform?: DetailLine;
      readonly success: readonly BidderLine[];
      readonly fail: readonly BidderLine[];
    }
  | { readonly isSuccess: false; readonly error: string };

/** @internal The content of a transfer notification. */
export interface TransferInfo {
  readonly outerTaskId: string;
  readonly serial: string;
  readonly alipayTransferNo: string;
  readonly subType?: string;
  readonly payee: string;
  readonly fen: bigint;
  readonly feeFen: bigint;
  readonly status: TransferStatus;
  readonly errorCode?: string;
  readonly gmtTransfer: string;
}

/** The encoding name the XML declaration carries for each charset. */
export const XML_ENCODING: Readonly<Record<Charset, string>> = Object.freeze({ 'utf-8': 'UTF-8', gbk: 'GBK', gb2312: 'GB2312' });

const line = (name: string, d: DetailLine): XmlNode => [
  name,
  [
    ['outer_transfer_no', d.serial],
    ['transfer_amount', formatFen(d.fen)],
    ['transfer_status', d.status],
  ],
];

const bidder = (b: BidderLine): XmlNode => [
  'bidder',
  [
    ['outer_transfer_no', b.serial],
    ['transfer_amount', formatFen(b.fen)],
    ['alipay_user_id', b.userId],
    ['nick_name', b.nickName],
    ['transfer_status', b.status],
    ...(b.errorCode === undefined ? [] : [['error_code', b.errorCode] as XmlNode]),
  ],
];

/**
 * @internal The §6.1 document. Empty bidder lists are left out.
 * @example
 * leftAmountXml({ isSuccess: false, error: 'WITKEY_TASK_NOT_EXIST' }, 'utf-8');
 * // '<?xml version="1.0" encoding="UTF-8"?><alipay><is_success>F</is_success><error>WITKEY_TASK_NOT_EXIST</error></alipay>'
 */
export function leftAmountXml(r: LeftAmountResult, charset: Charset): string {
  if (!r.isSuccess)
    return xmlDocument(
      [
        'alipay',
        [
          ['is_success', 'F'],
          ['error', r.error],
        ],
      ],
      XML_ENCODING[charset],
    );
  const info: XmlNode[] = [['outer_task_id', r.outerTaskId]];
  if (r.refund) info.push(line('refund_detail', r.refund));
  if (r.platform) info.push(line('platform_detail', r.platform));
  if (r.success.length) info.push(['success_bidders', r.success.map(bidder)]);
  if (r.fail.length) info.push(['fail_bidders', r.fail.map(bidder)]);
  return xmlDocument(
    [
      'alipay',
      [
        ['is_success', 'T'],
        ['response', [['task_info', info]]],
      ],
    ],
    XML_ENCODING[charset],
  );
}

/** @internal The §6.2–6.4 document. `sub_type` is left out when there is none (refunds). */
export function transferXml(t: TransferInfo, charset: Charset): string {
  const transfer: XmlNode[] = [
    ['outer_task_id', t.outerTaskId],
    ['outer_transfer_no', t.serial],
    ['alipay_transfer_no', t.alipayTransferNo],
  ];
  if (t.subType !== undefined) transfer.push(['sub_type', t.subType]);
  transfer.push(
    ['payee_user_id', t.payee],
    ['transfer_amount', formatFen(t.fen)],
    ['fee_amount', formatFen(t.feeFen)],
    ['transfer_status', t.status],
    ['error_code', t.errorCode ?? null],
    ['gmt_transfer', t.gmtTransfer],
  );
  return xmlDocument(
    [
      'alipay',
      [
        ['is_success', 'T'],
        ['response', [['transfer', transfer]]],
      ],
    ],
    XML_ENCODING[charset],
  );
}

/** @internal A signed notification form and its urlencoded body. */
export interface SignedForm {
  readonly fields: Record<string, string>;
  /** The urlencoded body (ASCII), exactly as sent. */
  readonly body: string;
}

/**
 * @internal Builds and signs the notification (or return) fields for `xml`.
 * For gbk/gb2312 the charset must be loaded.
 */
export function signedNotification(
  kind: NotificationKind,
  xml: string,
  opts: { notifyId: string; notifyTime: string; charset: Charset; dialect: Required<NotifyDataField>; key: DsaPrivateKey },
): SignedForm {
  const params: Record<string, string> = {
    notify_id: opts.notifyId,
    notify_time: opts.notifyTime,
    notify_type: NOTIFY_TYPES[kind],
  };
  params[opts.dialect.dataField] = opts.dialect.dataPrefix + xml;
  const fields = signParams(params, opts.key, { charset: opts.charset });
  return { fields, body: formEncodeString(fields, opts.charset) };
}

/**
 * @internal `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8, no daylight saving), as the gateway writes times.
 * @example
 * beijingTime(Date.UTC(2012, 5, 12, 2, 0, 0)); // '2012-06-12 10:00:00'
 */
export function beijingTime(ms: number): string {
  const d = new Date(Math.floor(ms) + 8 * 3_600_000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
