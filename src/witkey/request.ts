/**
 * The service request `alipay.witkey.task.left.amount.handle` (docs/PROTOCOL.md §2): a typed input,
 * validated against every rule of the protocol, turned into signed form fields and an urlencoded body
 * in the request charset.
 *
 * Errors carry the gateway's code for the same fault (`ILLEGAL_PARTNER`, `ILLEGAL_CHARSET`,
 * `ILLEGAL_ARGUMENT`, `WITKEY_OUTER_TRANSFER_REPEAT`) and name the parameter (`field`, the wire name
 * such as `transfer_detail`) and the record (`index`).
 * @module
 */
import { encode, loadCharset } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import { DsaPrivateKey } from '../dsa/key.js';
import { WitkeyError, type WitkeyErrorCode } from '../errors.js';
import { type DetailDialect, type DetailSeparators, encodeDetail, resolveDialect } from '../params/detail.js';
import { formEncode } from '../params/form.js';
import { signParams } from '../params/sign.js';
import { type AmountInput, formatFen, parseAmount } from './amount.js';
import { DEFAULT_GATEWAY } from './gateway-url.js';

/** The service name. */
export const LEFT_AMOUNT_SERVICE = 'alipay.witkey.task.left.amount.handle';
export { DEFAULT_GATEWAY };

/** A refund or platform-share record. */
export interface LeftAmountDetail {
  /** The partner's transfer serial: 1–32 of `[0-9A-Za-z_-]`, unique across the request (and forever). */
  serial: string;
  /** Yuan as a string (`"20.10"`), or integer fen as a bigint / `{ fen }`. */
  amount: AmountInput;
}

/** A bounty payment to a winning bidder. */
export interface LeftAmountTransfer extends LeftAmountDetail {
  /** The payee's Alipay user id: `2088` + 12 digits. */
  alipayUserId: string;
  /** The payee's nickname on the partner site: non-empty, no control characters, representable in the charset. */
  nickName: string;
}

/** Everything but the key: what {@link leftAmountParams} validates. */
export interface LeftAmountParamsInput {
  /** Partner id: `2088` + 12 digits. */
  partner: string;
  /** `utf-8`, `gbk` or `gb2312` (any case). */
  charset: string;
  /** The partner's task id, 1–50 characters. */
  outerTaskId: string;
  /** Partner-side admin user id (≤ 50 characters); this or `alipayUserId` is required. */
  outerAccountId?: string;
  /** The publisher's Alipay user id (`2088` + 12 digits); this or `outerAccountId` is required. */
  alipayUserId?: string;
  /** Money returned to the task publisher. */
  refund?: LeftAmountDetail;
  /** The partner site's share. */
  platform?: LeftAmountDetail;
  /** 1–15 payments to winning bidders. */
  transfers?: readonly LeftAmountTransfer[];
  /** Absolute http(s) URL without query string, ≤ 200 characters. */
  notifyUrl: string;
  /** Absolute http(s) URL without query string, ≤ 200 characters. */
  returnUrl: string;
  /** Detail-string separators (docs/PROTOCOL.md §2): `spec` (default), `kppw`, or `{ field, record }`. */
  dialect?: DetailDialect;
}

/** Input of {@link buildLeftAmountRequest}. */
export interface LeftAmountRequestInput extends LeftAmountParamsInput {
  /** The partner's DSA private key (see `importPrivateKey`). */
  privateKey: DsaPrivateKey;
  /** Gateway URL. Default {@link DEFAULT_GATEWAY}. */
  gateway?: string;
}

/** Unsigned, validated parameters plus what validation noticed. */
export interface LeftAmountParams {
  readonly charset: Charset;
  /** Wire parameters in protocol order, without `sign`/`sign_type`. */
  readonly params: Record<string, string>;
  /** Sum of all amounts, in fen. */
  readonly totalFen: bigint;
  /** Non-fatal findings, e.g. a value whose encoded bytes exceed the documented length. */
  readonly warnings: readonly string[];
}

/** A signed request, ready to be sent by a browser form or by `fetch`. */
export interface LeftAmountRequest extends LeftAmountParams {
  /** The gateway URL the form posts to. */
  readonly action: string;
  readonly method: 'POST';
  /** Every form field, `sign` and `sign_type` included, in order. */
  readonly fields: Readonly<Record<string, string>>;
  /** `application/x-www-form-urlencoded` body, percent-escaped bytes of the charset. */
  readonly body: Uint8Array;
  /** `application/x-www-form-urlencoded; charset=<charset>`. */
  readonly contentType: string;
}

const ID_2088 = /^2088\d{12}$/;
const SERIAL = /^[0-9A-Za-z_-]{1,32}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function bad(code: WitkeyErrorCode, field: string, msg: string, index?: number): WitkeyError {
  const at = index === undefined ? field : `${field}[${index}]`;
  return new WitkeyError(code, `${at}: ${msg}`, { field, ...(index !== undefined && { index }) });
}

const chars = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function text(value: unknown, field: string, max: number, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw bad('ILLEGAL_ARGUMENT', field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw bad('ILLEGAL_ARGUMENT', field, `must be a string, got ${typeof value}`);
  if (CONTROL.test(value)) throw bad('ILLEGAL_ARGUMENT', field, `contains a control character at index ${value.search(CONTROL)}`);
  if (chars(value) > max) throw bad('ILLEGAL_ARGUMENT', field, `is ${chars(value)} characters long; at most ${max}`);
  return value;
}

function userId(value: unknown, field: string, code: WitkeyErrorCode = 'ILLEGAL_ARGUMENT', index?: number): string {
  if (typeof value !== 'string' || !ID_2088.test(value)) {
    throw bad(code, field, `${JSON.stringify(value)} is not an Alipay user id (2088 followed by 12 digits)`, index);
  }
  return value;
}

function url(value: unknown, field: string): string {
  const v = text(value, field, 200, true)!;
  if (/\s/.test(v)) throw bad('ILLEGAL_ARGUMENT', field, 'contains white space');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad('ILLEGAL_ARGUMENT', field, `${JSON.stringify(v)} is not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('ILLEGAL_ARGUMENT', field, 'must be an http or https URL');
  if (v.includes('?') || v.includes('#')) throw bad('ILLEGAL_ARGUMENT', field, 'must not have a query string or fragment');
  return v;
}

interface Detail {
  readonly field: string;
  readonly index: number;
  readonly serial: string;
  readonly fen: bigint;
}

function detail(d: LeftAmountDetail | undefined, field: string, index: number | undefined): Detail {
  if (!d || typeof d !== 'object') throw bad('ILLEGAL_ARGUMENT', field, 'must be an object { serial, amount }', index);
  if (typeof d.serial !== 'string' || !SERIAL.test(d.serial)) {
    throw bad('ILLEGAL_ARGUMENT', field, `serial ${JSON.stringify(d.serial)} must be 1–32 characters of [0-9A-Za-z_-]`, index);
  }
  const fen = parseAmount(d.amount, { field, ...(index !== undefined && { index }) });
  return { field, index: index ?? 0, serial: d.serial, fen };
}

function noSeparator(value: string, field: string, what: string, sep: DetailSeparators, index?: number): void {
  for (const s of [sep.field, sep.record]) {
    if (value.includes(s))
      throw bad('ILLEGAL_ARGUMENT', field, `${what} ${JSON.stringify(value)} contains the separator ${JSON.stringify(s)}`, index);
  }
}

/**
 * Validates the input against docs/PROTOCOL.md §2 and returns the unsigned wire parameters. For gbk and
 * gb2312 the charset must be loaded (`await loadCharset(charset)`); {@link buildLeftAmountRequest}
 * does that itself.
 * @throws WitkeyError `ILLEGAL_PARTNER`, `ILLEGAL_CHARSET`, `ILLEGAL_ARGUMENT`,
 * `WITKEY_OUTER_TRANSFER_REPEAT`, `INVALID_OPTION` (dialect), `CHARSET_NOT_LOADED`.
 * @example
 * const { params } = leftAmountParams({ partner: '2088101115793868', charset: 'utf-8', outerTaskId: '20111221_0011',
 *   alipayUserId: '2088102113960482', refund: { serial: '20111221_0012_03', amount: '20.1' },
 *   notifyUrl: 'https://partner.example/notify', returnUrl: 'https://partner.example/return' });
 * params.refund_detail; // '20111221_0012_03~*~20.10'
 */
export function leftAmountParams(input: LeftAmountParamsInput): LeftAmountParams {
  if (!input || typeof input !== 'object') throw new WitkeyError('ILLEGAL_ARGUMENT', 'input must be an object');
  const warnings: string[] = [];
  const partner = userId(input.partner, 'partner', 'ILLEGAL_PARTNER');
  const charset = normalizeCharset(input.charset, { field: '_input_charset' });
  const sep = resolveDialect(input.dialect ?? 'spec');
  const outerTaskId = text(input.outerTaskId, 'outer_task_id', 50, true)!;
  const outerAccountId = text(input.outerAccountId, 'outer_account_id', 50, false);
  const alipayUserId =
    input.alipayUserId === undefined || input.alipayUserId === '' ? undefined : userId(input.alipayUserId, 'alipay_user_id');
  if (outerAccountId === undefined && alipayUserId === undefined) {
    throw bad('ILLEGAL_ARGUMENT', 'outer_account_id', 'one of outer_account_id and alipay_user_id is required');
  }
  const notifyUrl = url(input.notifyUrl, 'notify_url');
  const returnUrl = url(input.returnUrl, 'return_url');

  const details: Detail[] = [];
  const refund = input.refund === undefined ? undefined : detail(input.refund, 'refund_detail', undefined);
  const platform = input.platform === undefined ? undefined : detail(input.platform, 'platform_detail', undefined);
  if (refund) details.push(refund);
  if (platform) details.push(platform);
  let transfers: Array<Detail & { userId: string; nick: string }> | undefined;
  if (input.transfers !== undefined) {
    if (!Array.isArray(input.transfers) || input.transfers.length < 1 || input.transfers.length > 15) {
      throw bad(
        'ILLEGAL_ARGUMENT',
        'transfer_detail',
        `must hold 1 to 15 records, got ${Array.isArray(input.transfers) ? input.transfers.length : typeof input.transfers}`,
      );
    }
    transfers = input.transfers.map((t, i) => {
      const d = detail(t, 'transfer_detail', i);
      const uid = userId(t.alipayUserId, 'transfer_detail', 'ILLEGAL_ARGUMENT', i);
      const nick = t.nickName;
      if (typeof nick !== 'string' || nick === '') throw bad('ILLEGAL_ARGUMENT', 'transfer_detail', 'nickName is required', i);
      if (CONTROL.test(nick))
        throw bad(
          'ILLEGAL_ARGUMENT',
          'transfer_detail',
          `nickName contains a control character at index ${nick.search(CONTROL)}`,
          i,
        );
      noSeparator(nick, 'transfer_detail', 'nickName', sep, i);
      return { ...d, userId: uid, nick };
    });
    details.push(...transfers);
  }
  if (details.length === 0) {
    throw bad('ILLEGAL_ARGUMENT', 'transfer_detail', 'at least one of refund, platform and transfers is required');
  }
  const seen = new Map<string, Detail>();
  for (const d of details) {
    const prev = seen.get(d.serial);
    if (prev) {
      const at = (x: Detail): string => (x.field === 'transfer_detail' ? `${x.field}[${x.index}]` : x.field);
      throw new WitkeyError(
        'WITKEY_OUTER_TRANSFER_REPEAT',
        `${at(d)}: serial ${JSON.stringify(d.serial)} repeats ${at(prev)}; serials must be unique`,
        {
          field: d.field,
          ...(d.field === 'transfer_detail' && { index: d.index }),
        },
      );
    }
    seen.set(d.serial, d);
  }

  const params: Record<string, string> = {
    service: LEFT_AMOUNT_SERVICE,
    partner,
    _input_charset: charset,
    outer_task_id: outerTaskId,
  };
  if (outerAccountId !== undefined) params['outer_account_id'] = outerAccountId;
  if (alipayUserId !== undefined) params['alipay_user_id'] = alipayUserId;
  const limits: Record<string, number> = {
    outer_task_id: 50,
    outer_account_id: 50,
    refund_detail: 50,
    platform_detail: 50,
    transfer_detail: 2000,
    notify_url: 200,
    return_url: 200,
  };
  const one = (d: Detail): string =>
    encodeDetail([[d.serial, formatFen(d.fen)]], sep, { field: d.field, names: ['serial', 'amount'] });
  if (refund) params['refund_detail'] = one(refund);
  if (platform) params['platform_detail'] = one(platform);
  if (transfers) {
    params['transfer_detail'] = encodeDetail(
      transfers.map((t) => [t.serial, formatFen(t.fen), t.userId, t.nick]),
      sep,
      { field: 'transfer_detail', names: ['serial', 'amount', 'alipayUserId', 'nickName'] },
    );
  }
  params['notify_url'] = notifyUrl;
  params['return_url'] = returnUrl;

  // Every value must be representable in the charset: nicknames first, so the error names the record.
  for (const [i, t] of (transfers ?? []).entries()) encode(t.nick, charset, { field: 'transfer_detail', index: i });
  for (const [name, value] of Object.entries(params)) {
    const bytes = encode(value, charset, { field: name });
    const max = limits[name];
    if (max !== undefined && chars(value) > max)
      throw bad('ILLEGAL_ARGUMENT', name, `is ${chars(value)} characters long; at most ${max}`);
    if (max !== undefined && bytes.length > max) {
      warnings.push(
        `${name}: ${bytes.length} bytes in ${charset} exceeds the documented length ${max} (counted in characters here); the gateway may count bytes`,
      );
    }
  }
  return { charset, params, totalFen: details.reduce((s, d) => s + d.fen, 0n), warnings };
}

/**
 * Builds the signed left-amount request: validates (docs/PROTOCOL.md §2), loads the charset if needed,
 * signs with SHA1withDSA over the canonical string in the charset, and urlencodes the body in it.
 * @throws WitkeyError as {@link leftAmountParams}, plus `INVALID_KEY` and `ILLEGAL_ARGUMENT` (gateway URL).
 * @example
 * const req = await buildLeftAmountRequest({ partner: '2088101115793868', privateKey, charset: 'gbk',
 *   outerTaskId: '20111221_0011', alipayUserId: '2088102113960482',
 *   transfers: [{ serial: '20111221_0011_10', amount: '15', alipayUserId: '2088102116203708', nickName: '天之蓝' }],
 *   notifyUrl: 'https://partner.example/notify', returnUrl: 'https://partner.example/return' });
 * await fetch(toFetchRequest(req)); // or renderForm(req) for the user's browser
 */
export async function buildLeftAmountRequest(input: LeftAmountRequestInput): Promise<LeftAmountRequest> {
  if (!(input?.privateKey instanceof DsaPrivateKey)) {
    throw new WitkeyError('INVALID_KEY', 'privateKey: expected a DsaPrivateKey (see importPrivateKey)', { field: 'privateKey' });
  }
  const action = input.gateway === undefined ? DEFAULT_GATEWAY : gatewayUrl(input.gateway);
  await loadCharset(normalizeCharset(input.charset, { field: '_input_charset' }));
  const p = leftAmountParams(input);
  const fields = signParams(p.params, input.privateKey, { charset: p.charset });
  return {
    ...p,
    action,
    method: 'POST',
    fields,
    body: formEncode(fields, p.charset),
    contentType: `application/x-www-form-urlencoded; charset=${p.charset}`,
  };
}

function gatewayUrl(value: unknown): string {
  if (typeof value !== 'string') throw bad('ILLEGAL_ARGUMENT', 'gateway', 'must be a string');
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value;
  } catch {
    /* fall through */
  }
  throw bad('ILLEGAL_ARGUMENT', 'gateway', `${JSON.stringify(value)} is not an absolute http(s) URL`);
}
