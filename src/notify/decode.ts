/**
 * Decoding and verifying what the gateway sends the partner: asynchronous notifications
 * (docs/PROTOCOL.md §6) and the synchronous return (§5).
 *
 * The body is parsed incrementally into raw percent-decoded bytes; the signature is checked over
 * exactly those bytes (sorted names, `name=value&…`), so a GBK notification is verified without
 * ever being re-encoded; only then is the XML parsed and the typed {@link Notification} built.
 * A missing or wrong signature is `ILLEGAL_SIGN`, whatever the body says.
 * @module
 */
import type { Charset } from '../charset/names.js';
import type { DsaHashName } from '../dsa/hash.js';
import type { DsaPublicKey } from '../dsa/key.js';
import type { FormLimits } from '../wire/urlencoded.js';
import { parseXml } from '../xml/decoder.js';
import type { XmlLimits } from '../xml/limits.js';
import type { NotifyDialect } from './dialect.js';
import { type BodySource, formCharset, requestBody } from './source.js';
import {
  build,
  checkSignature,
  header,
  loadFor,
  type Resolved,
  readForm,
  resolveOptions,
  textFields,
  xmlBytes,
} from './steps.js';
import type { LeftAmountHandledNotification, Notification } from './types.js';

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
  /** Digest of the signature. Default `sha1` (SHA1withDSA, docs/PROTOCOL.md §4). */
  hash?: DsaHashName;
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
 * Reads, verifies and decodes one asynchronous notification (docs/PROTOCOL.md §6).
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
 * Reads, verifies and decodes the synchronous return (docs/PROTOCOL.md §5): the gateway redirects the
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
