/**
 * Decoding and verifying what the gateway sends the partner: asynchronous notifications
 * (PROTOCOL.md §6) and the synchronous return (§5).
 *
 * The body is parsed incrementally into raw percent-decoded bytes; the signature is checked over
 * exactly those bytes (sorted names, `name=value&…`), so a GBK notification is verified without
 * ever being re-encoded; only then is the XML parsed and the typed {@link Notification} built.
 * A missing or wrong signature is `ILLEGAL_SIGN`, whatever the body says.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { loadCharset } from '../charset/codec.js';
import { decode as decodeCharset } from '../charset/codec.js';
import { normalizeCharset, type Charset } from '../charset/names.js';
import { hashFor, type DsaHashName } from '../dsa/hash.js';
import { isDsaPublicKey, isDsaPrivateKey, type DsaPrivateKey, type DsaPublicKey } from '../dsa/key.js';
import { verifyDigest } from '../dsa/verify.js';
import { optionsObject } from '../options.js';
import { fromBase64 } from '../params/base64.js';
import { rawCanonicalBytes, type RawFields } from '../params/raw-canonical.js';
import { parseXml } from '../xml/decoder.js';
import type { XmlLimits } from '../xml/limits.js';
import type { XmlElement } from '../xml/element.js';
import { resolveNotifyDialect, type NotifyDialect } from './dialect.js';
import { FormStreamParser, type FormLimits } from './form-stream.js';
import { NOTIFY_KINDS } from './kinds.js';
import { leftAmountBody, rootStatus, transferBody } from './model.js';
import { chunks, formCharset, requestBody, type BodySource } from './source.js';
import type { LeftAmountHandledNotification, Notification, NotificationKind, TransferNotification } from './types.js';

/** Limits on an inbound body, all checked as bytes arrive. */
export interface NotificationLimits extends XmlLimits, FormLimits {
  /** Bytes of one form value other than the XML field. Default 4096. */
  maxFieldBytes?: number;
}

/** Options of {@link decodeNotification} and {@link decodeReturn}. */
export interface DecodeNotificationOptions {
  /** Alipay's (or the simulator's) public key. */
  alipayPublicKey: DsaPublicKey;
  /** The request's `Content-Type` header; its `charset=` names the body's charset. */
  contentType?: string | null;
  /** Charset when `contentType` names none. Default `utf-8`. The XML declaration overrides it for the XML. */
  charset?: Charset | string;
  /** Which form field carries the XML. Default `spec` (`notify_data`). */
  dialect?: NotifyDialect;
  /** Limits; the defaults suit notifications of up to 16 MiB. */
  limits?: NotificationLimits;
  /** Digest of the signature. Default `sha1` (SHA1withDSA, PROTOCOL.md §4). */
  hash?: DsaHashName;
}

/** @internal Resolved options shared by the one-shot and streaming decoders. */
export interface Resolved {
  key: DsaPublicKey;
  charset: Charset;
  dataField: string;
  dataPrefix: Uint8Array;
  limits: NotificationLimits;
  maxFieldBytes: number;
  hash: DsaHashName;
}

/** @internal */
export function resolveOptions(opts: DecodeNotificationOptions, what: string): Resolved {
  const o = optionsObject(opts, what) as DecodeNotificationOptions;
  const k = o.alipayPublicKey as DsaPublicKey | DsaPrivateKey;
  const key = isDsaPrivateKey(k) ? k.publicKey : k;
  if (!isDsaPublicKey(key)) {
    throw new WitkeyError('INVALID_KEY', `${what}: alipayPublicKey must be a DsaPublicKey (see importPublicKey)`, { field: 'alipayPublicKey' });
  }
  const fallback = o.charset === undefined ? 'utf-8' : normalizeCharset(o.charset, { field: 'charset' });
  const charset = formCharset(o.contentType, fallback);
  const d = resolveNotifyDialect(o.dialect);
  const limits = o.limits === undefined ? {} : optionsObject(o.limits, `${what} limits`);
  const maxFieldBytes = limits.maxFieldBytes ?? 4096;
  const hash = o.hash ?? 'sha1';
  hashFor(hash, key.domain.N); // throws INVALID_OPTION for an unknown name, before reading anything
  return { key, charset, dataField: d.dataField, dataPrefix: new TextEncoder().encode(d.dataPrefix), limits, maxFieldBytes, hash };
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** @internal Reads the whole form into raw fields, rejecting duplicates and oversized values. */
export async function readForm(source: BodySource, r: Resolved): Promise<Map<string, Uint8Array>> {
  const fields = new Map<string, Uint8Array>();
  const parser = new FormStreamParser((name, at) => {
    if (fields.has(name)) throw new WitkeyError('ILLEGAL_ARGUMENT', `form field ${name} appears twice (second at byte offset ${at})`, { field: name, offset: at });
    const parts: Uint8Array[] = [];
    let length = 0;
    const limit = name === r.dataField ? Infinity : r.maxFieldBytes;
    fields.set(name, new Uint8Array(0));
    return {
      data(b) {
        length += b.length;
        if (length > limit) throw new WitkeyError('FORM_LIMIT_EXCEEDED', `form field ${name} is longer than maxFieldBytes (${limit})`, { field: name });
        parts.push(b.slice());
      },
      end() {
        fields.set(name, concat(parts, length));
      },
    };
  }, r.limits);
  for await (const c of chunks(source)) parser.write(c);
  parser.end();
  return fields;
}

function ascii(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x2000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x2000) as unknown as number[]);
  return s;
}

/** @internal `sign`, `sign_type` checks and the signature over the raw canonical bytes. */
export function checkSignature(fields: RawFields, r: Resolved): void {
  const signType = fields.get('sign_type');
  const sign = fields.get('sign');
  const missing = !sign || sign.length === 0 ? 'sign' : !signType || signType.length === 0 ? 'sign_type' : undefined;
  if (missing) throw new WitkeyError('ILLEGAL_SIGN', `the body has no ${missing} field`, { field: missing });
  if (ascii(signType!) !== 'DSA') {
    throw new WitkeyError('ILLEGAL_SIGN_TYPE', `sign_type must be DSA, got ${JSON.stringify(ascii(signType!.subarray(0, 16)))}`, { field: 'sign_type' });
  }
  const signature = fromBase64(ascii(sign!));
  // PROTOCOL.md §4 over the received bytes, never re-encoded.
  const digest = hashFor(r.hash, r.key.domain.N)(rawCanonicalBytes(fields));
  if (!signature || !verifyDigest(signature, digest, r.key, 'der')) {
    throw new WitkeyError('ILLEGAL_SIGN', 'the signature does not verify with the Alipay public key: the body is forged, altered, or signed with another key', { field: 'sign' });
  }
}

/** @internal Code-unit order, never locale collation (PROTOCOL.md §4). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const DECL = /^(?:\xEF\xBB\xBF)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/;

/** @internal Loads the GBK table if the form or the XML declaration needs it. */
export async function loadFor(charset: Charset, xmlHead: Uint8Array): Promise<void> {
  if (charset !== 'utf-8') await loadCharset(charset);
  const m = DECL.exec(ascii(xmlHead.subarray(0, 256)));
  if (!m) return;
  let declared: Charset;
  try {
    declared = normalizeCharset(m[1]);
  } catch {
    return; // the XML decoder reports the unsupported encoding with its offset
  }
  if (declared !== 'utf-8') await loadCharset(declared);
}

/** @internal The XML bytes of the data field, after the dialect's prefix. */
export function xmlBytes(fields: RawFields, r: Resolved): Uint8Array {
  const v = fields.get(r.dataField);
  if (!v || v.length === 0) {
    throw new WitkeyError('INVALID_NOTIFICATION', `the body has no ${r.dataField} field (wrong dialect?)`, { field: r.dataField });
  }
  const p = r.dataPrefix;
  for (let i = 0; i < p.length; i++) {
    if (v[i] !== p[i]) {
      throw new WitkeyError('INVALID_NOTIFICATION', `${r.dataField} does not start with ${JSON.stringify(new TextDecoder().decode(p))}`, { field: r.dataField });
    }
  }
  return v.subarray(p.length);
}

/** @internal Decodes the non-XML fields in the form's charset (strict). */
export function textFields(fields: RawFields, r: Resolved): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of fields) {
    if (name === r.dataField) continue;
    out[name] = decodeCharset(v, r.charset, { field: name });
  }
  return out;
}

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** @internal The header of a notification (kind, id, time) from its decoded fields. */
export function header(text: Record<string, string>, mode: 'notify' | 'return'): { kind: NotificationKind; notifyId: string; notifyTime: string; notifyType: string } {
  const notifyType = text['notify_type'] ?? '';
  const notifyId = text['notify_id'] ?? '';
  const notifyTime = text['notify_time'] ?? '';
  let kind: NotificationKind | undefined;
  if (mode === 'return' && notifyType === '') kind = 'left_amount_handled';
  else kind = Object.prototype.hasOwnProperty.call(NOTIFY_KINDS, notifyType) ? NOTIFY_KINDS[notifyType] : undefined;
  if (!kind) throw new WitkeyError('INVALID_NOTIFICATION', `unknown notify_type ${JSON.stringify(notifyType)}`, { field: 'notify_type' });
  if (mode === 'return' && kind !== 'left_amount_handled') {
    throw new WitkeyError('INVALID_NOTIFICATION', `return data must be a leftover-handled notification, got notify_type ${JSON.stringify(notifyType)}`, { field: 'notify_type' });
  }
  if (mode === 'notify' && notifyId === '') throw new WitkeyError('INVALID_NOTIFICATION', 'notify_id is missing or empty', { field: 'notify_id' });
  if (notifyId !== '' && !/^[\x21-\x7e]{1,64}$/.test(notifyId)) throw new WitkeyError('INVALID_NOTIFICATION', `notify_id ${JSON.stringify(notifyId.slice(0, 80))} is not 1–64 printable ASCII characters`, { field: 'notify_id' });
  if ((mode === 'notify' || notifyTime !== '') && !TIME.test(notifyTime)) {
    throw new WitkeyError('INVALID_NOTIFICATION', `notify_time ${JSON.stringify(notifyTime.slice(0, 40))} is not yyyy-MM-dd HH:mm:ss`, { field: 'notify_time' });
  }
  return { kind, notifyId, notifyTime, notifyType };
}

/** @internal Typed notification from the verified header and XML root. */
export function build(
  head: ReturnType<typeof header>,
  charset: Charset,
  text: Record<string, string>,
  root: XmlElement,
): Notification {
  const st = rootStatus(root);
  const base = { notifyId: head.notifyId, notifyTime: head.notifyTime, notifyType: head.notifyType, isSuccess: st.isSuccess, charset, fields: text, xml: root };
  if (st.error !== undefined) (base as { error?: string }).error = st.error;
  if (head.kind === 'left_amount_handled') {
    const n: LeftAmountHandledNotification = { kind: 'left_amount_handled', ...base, successBidders: [], failBidders: [] };
    if (st.response) Object.assign(n, leftAmountBody(st.response));
    return n;
  }
  const n: TransferNotification = { kind: head.kind, ...base };
  if (st.response) n.transfer = transferBody(st.response);
  return n;
}

async function decodeWhole(source: BodySource, r: Resolved, mode: 'notify' | 'return'): Promise<Notification> {
  const fields = await readForm(source, r);
  checkSignature(fields, r);
  // Verified: from here on the content is the gateway's.
  const xml = xmlBytes(fields, r);
  await loadFor(r.charset, xml);
  const text = textFields(fields, r);
  const head = header(text, mode);
  const doc = parseXml(xml, { charset: r.charset, limits: r.limits });
  return build(head, doc.charset, text, doc.root);
}

/**
 * Reads, verifies and decodes one asynchronous notification (PROTOCOL.md §6).
 *
 * `source` is the request body: a `ReadableStream<Uint8Array>` (`request.body`), an async iterable of
 * `Uint8Array` (a Node request), a `Uint8Array` or the body as a string. The signature is checked over
 * the raw received bytes before anything in the body is trusted.
 * @throws WitkeyError `ILLEGAL_SIGN` (missing or wrong signature), `ILLEGAL_SIGN_TYPE`,
 *   `ILLEGAL_ARGUMENT` (malformed form, duplicate field, wrong Content-Type), `ILLEGAL_CHARSET`,
 *   `INVALID_XML`, `INVALID_NOTIFICATION` (the XML lacks what the protocol requires),
 *   `FORM_LIMIT_EXCEEDED`/`XML_LIMIT_EXCEEDED` (naming the limit).
 * @example
 * const n = await decodeNotification(request.body, {
 *   alipayPublicKey, contentType: request.headers.get('content-type'),
 * });
 * if (n.kind === 'assign_transfer' && n.transfer?.status === 'S') markPaid(n.transfer.outerTransferNo);
 */
export async function decodeNotification(source: BodySource, options: DecodeNotificationOptions): Promise<Notification> {
  return decodeWhole(source, resolveOptions(options, 'decodeNotification'), 'notify');
}

/**
 * Reads, verifies and decodes the synchronous return (PROTOCOL.md §5): the gateway redirects the
 * user's browser to `return_url` with the §6.1 fields, by GET (in the query) or POST (in the body).
 * Pass the `Request` (its method and URL or body are read), a `URL`, or the query string / body.
 * `notify_id`, `notify_time` and `notify_type` may be absent in return data (`notifyId` is then '').
 * @throws WitkeyError as {@link decodeNotification}.
 * @example
 * const ret = await decodeReturn(request, { alipayPublicKey });
 * if (ret.isSuccess) showReceipt(ret.outerTaskId, ret.successBidders);
 */
export async function decodeReturn(
  input: Request | URL | BodySource,
  options: DecodeNotificationOptions,
): Promise<LeftAmountHandledNotification> {
  const r = resolveOptions(options, 'decodeReturn');
  let source: BodySource;
  if (typeof Request !== 'undefined' && input instanceof Request) {
    if (input.method === 'GET' || input.method === 'HEAD') source = queryOf(new URL(input.url));
    else {
      const ct = input.headers.get('content-type');
      if (options.contentType === undefined && ct) r.charset = formCharset(ct, r.charset);
      source = await requestBody(input);
    }
  } else if (typeof URL !== 'undefined' && input instanceof URL) source = queryOf(input);
  else if (typeof input === 'string') source = input.startsWith('?') ? input.slice(1) : input;
  else source = input as BodySource;
  return (await decodeWhole(source, r, 'return')) as LeftAmountHandledNotification;
}

function queryOf(url: URL): string {
  // url.search keeps the query's percent-escapes as received: exactly the bytes the gateway sent.
  return url.search.startsWith('?') ? url.search.slice(1) : url.search;
}
