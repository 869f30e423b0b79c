/**
 * The steps of decoding a notification or return (docs/PROTOCOL.md §5–6) that the one-shot decoder
 * (decode.ts), the streaming decoder (stream.ts) and the handler share: resolving the options,
 * reading the form into raw fields, checking the signature over the raw canonical bytes, loading a
 * charset the XML needs, decoding the text fields, and typing the verified result. Internal: the
 * public operations are in decode.ts and stream.ts. The wire rules themselves are in src/wire.
 * @module
 */

import { decode as decodeCharset, loadCharset } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import { type DsaHashName, hashFor } from '../dsa/hash.js';
import { type DsaPrivateKey, type DsaPublicKey, isDsaPrivateKey, isDsaPublicKey } from '../dsa/key.js';
import { verifyDigest } from '../dsa/verify.js';
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { asciiBytes, concat, latin1 } from '../wire/bytes.js';
import { CanonicalStream, type RawFields } from '../wire/canonical.js';
import { Sha1 } from '../wire/sha1.js';
import { forgedError, signatureOf } from '../wire/signed-form.js';
import { duplicateField, FormStreamParser } from '../wire/urlencoded.js';
import type { XmlElement } from '../xml/element.js';
import type { DecodeNotificationOptions, NotificationLimits } from './decode.js';
import { resolveNotifyDialect } from './dialect.js';
import { NOTIFY_KINDS } from './kinds.js';
import { leftAmountBody, rootStatus, transferBody } from './model.js';
import { type BodySource, chunks, formCharset } from './source.js';
import type { Notification, NotificationKind } from './types.js';

/** Resolved options shared by the one-shot and streaming decoders. */
export interface Resolved {
  key: DsaPublicKey;
  charset: Charset;
  dataField: string;
  dataPrefix: Uint8Array;
  limits: NotificationLimits;
  maxFieldBytes: number;
  hash: DsaHashName;
}

/** */
export function resolveOptions(opts: DecodeNotificationOptions, what: string): Resolved {
  const o = optionsObject(opts, what) as DecodeNotificationOptions;
  const k = o.alipayPublicKey as DsaPublicKey | DsaPrivateKey;
  const key = isDsaPrivateKey(k) ? k.publicKey : k;
  if (!isDsaPublicKey(key)) {
    throw new WitkeyError('INVALID_KEY', `${what}: alipayPublicKey must be a DsaPublicKey (see importPublicKey)`, {
      field: 'alipayPublicKey',
    });
  }
  const fallback = o.charset === undefined ? 'utf-8' : normalizeCharset(o.charset, { field: 'charset' });
  const charset = formCharset(o.contentType, fallback);
  const d = resolveNotifyDialect(o.dialect);
  const limits = o.limits === undefined ? {} : optionsObject(o.limits, `${what} limits`);
  const maxFieldBytes = limits.maxFieldBytes ?? 4096;
  const hash = o.hash ?? 'sha1';
  hashFor(hash, key.domain.N); // throws INVALID_OPTION for an unknown name, before reading anything
  return {
    key,
    charset,
    dataField: d.dataField,
    dataPrefix: new TextEncoder().encode(d.dataPrefix),
    limits,
    maxFieldBytes,
    hash,
  };
}

const NO_BYTES = /* @__PURE__ */ new Uint8Array(0);

/** The body as one byte array when it is given whole (bytes or a string), else undefined. */
function wholeBody(source: BodySource): Uint8Array | undefined {
  if (typeof source === 'string') return asciiBytes(source);
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return undefined;
}

/**
 * Reads the whole form into raw fields, rejecting duplicates and oversized values. A body given
 * whole is parsed at once, its values decoded into one array (they fit: decoding never lengthens);
 * a streamed one chunk by chunk, each value gathered in pieces.
 */
export async function readForm(source: BodySource, r: Resolved): Promise<Map<string, Uint8Array>> {
  const fields = new Map<string, Uint8Array>();
  const whole = wholeBody(source);
  const arena = whole === undefined ? undefined : new Uint8Array(whole.length);
  let used = 0;
  const parser = new FormStreamParser((name, at) => {
    if (fields.has(name)) throw duplicateField(name, at);
    let length = 0;
    const limit = name === r.dataField ? Infinity : r.maxFieldBytes;
    const tooLong = (): WitkeyError =>
      new WitkeyError('FORM_LIMIT_EXCEEDED', `form field ${name} is longer than maxFieldBytes (${limit})`, { field: name });
    fields.set(name, NO_BYTES);
    if (arena !== undefined) {
      const start = used;
      return {
        data(b) {
          length += b.length;
          if (length > limit) throw tooLong();
          arena.set(b, used);
          used += b.length;
        },
        end() {
          fields.set(name, arena.subarray(start, used));
        },
      };
    }
    const parts: Uint8Array[] = [];
    return {
      data(b) {
        length += b.length;
        if (length > limit) throw tooLong();
        parts.push(b.slice());
      },
      end() {
        fields.set(name, concat(parts, length));
      },
    };
  }, r.limits);
  if (whole !== undefined) parser.write(whole);
  else for await (const c of chunks(source)) parser.write(c);
  parser.end();
  return fields;
}

/** `sign`, `sign_type` checks and the signature over the raw canonical bytes. */
export function checkSignature(fields: RawFields, r: Resolved): void {
  const signature = signatureOf(fields);
  // docs/PROTOCOL.md §4 over the received bytes, never re-encoded, fed to the hash field by field
  // (no copy of the canonical string is made). SHA-1, the protocol's, by the unrolled implementation
  // of src/wire/sha1.ts, about three times as fast as the general one.
  const hash = r.hash === 'sha1' ? new Sha1() : hashFor(r.hash, r.key.domain.N).create();
  new CanonicalStream((b) => hash.update(b)).held(fields);
  const digest = hash.digest();
  if (!signature || !verifyDigest(signature, digest, r.key, 'der')) throw forgedError();
}

const DECL = /^(?:\xEF\xBB\xBF)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/;

/** Loads the GBK table if the form or the XML declaration needs it. */
export async function loadFor(charset: Charset, xmlHead: Uint8Array): Promise<void> {
  if (charset !== 'utf-8') await loadCharset(charset);
  const m = DECL.exec(latin1(xmlHead.subarray(0, 256)));
  if (!m) return;
  let declared: Charset;
  try {
    declared = normalizeCharset(m[1]);
  } catch {
    return; // the XML decoder reports the unsupported encoding with its offset
  }
  if (declared !== 'utf-8') await loadCharset(declared);
}

/** The XML bytes of the data field, after the dialect's prefix. */
export function xmlBytes(fields: RawFields, r: Resolved): Uint8Array {
  const v = fields.get(r.dataField);
  if (!v || v.length === 0) {
    throw new WitkeyError('INVALID_NOTIFICATION', `the body has no ${r.dataField} field (wrong dialect?)`, {
      field: r.dataField,
    });
  }
  const p = r.dataPrefix;
  for (let i = 0; i < p.length; i++) {
    if (v[i] !== p[i]) {
      throw new WitkeyError(
        'INVALID_NOTIFICATION',
        `${r.dataField} does not start with ${JSON.stringify(new TextDecoder().decode(p))}`,
        { field: r.dataField },
      );
    }
  }
  return v.subarray(p.length);
}

/** Decodes the non-XML fields in the form's charset (strict). */
export function textFields(fields: RawFields, r: Resolved): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of fields) {
    if (name === r.dataField) continue;
    out[name] = decodeCharset(v, r.charset, { field: name });
  }
  return out;
}

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** The header of a notification (kind, id, time) from its decoded fields. */
export function header(
  text: Record<string, string>,
  mode: 'notify' | 'return',
): { kind: NotificationKind; notifyId: string; notifyTime: string; notifyType: string } {
  const notifyType = text['notify_type'] ?? '';
  const notifyId = text['notify_id'] ?? '';
  const notifyTime = text['notify_time'] ?? '';
  let kind: NotificationKind | undefined;
  if (mode === 'return' && notifyType === '') kind = 'left_amount_handled';
  else kind = Object.hasOwn(NOTIFY_KINDS, notifyType) ? NOTIFY_KINDS[notifyType] : undefined;
  if (!kind)
    throw new WitkeyError('INVALID_NOTIFICATION', `unknown notify_type ${JSON.stringify(notifyType)}`, { field: 'notify_type' });
  if (mode === 'return' && kind !== 'left_amount_handled') {
    throw new WitkeyError(
      'INVALID_NOTIFICATION',
      `return data must be a leftover-handled notification, got notify_type ${JSON.stringify(notifyType)}`,
      { field: 'notify_type' },
    );
  }
  if (mode === 'notify' && notifyId === '')
    throw new WitkeyError('INVALID_NOTIFICATION', 'notify_id is missing or empty', { field: 'notify_id' });
  if (notifyId !== '' && !/^[\x21-\x7e]{1,64}$/.test(notifyId))
    throw new WitkeyError(
      'INVALID_NOTIFICATION',
      `notify_id ${JSON.stringify(notifyId.slice(0, 80))} is not 1–64 printable ASCII characters`,
      { field: 'notify_id' },
    );
  if ((mode === 'notify' || notifyTime !== '') && !TIME.test(notifyTime)) {
    throw new WitkeyError(
      'INVALID_NOTIFICATION',
      `notify_time ${JSON.stringify(notifyTime.slice(0, 40))} is not yyyy-MM-dd HH:mm:ss`,
      { field: 'notify_time' },
    );
  }
  return { kind, notifyId, notifyTime, notifyType };
}

/** Typed notification from the verified header and XML root. */
export function build(
  head: ReturnType<typeof header>,
  charset: Charset,
  text: Record<string, string>,
  root: XmlElement,
): Notification {
  const st = rootStatus(root);
  const base = {
    notifyId: head.notifyId,
    notifyTime: head.notifyTime,
    notifyType: head.notifyType,
    charset,
    fields: text,
    xml: root,
  };
  const { kind } = head;
  // One object per variant of the union, with exactly that variant's fields: a failed request
  // (is_success F) has its error and none of the response's fields.
  if (!st.isSuccess) {
    return kind === 'left_amount_handled'
      ? { kind, ...base, isSuccess: false, error: st.error, successBidders: [], failBidders: [] }
      : { kind, ...base, isSuccess: false, error: st.error };
  }
  const ok = st.error === undefined ? { isSuccess: true as const } : { isSuccess: true as const, error: st.error };
  if (kind === 'left_amount_handled') return { kind, ...base, ...ok, ...leftAmountBody(st.response) };
  return { kind, ...base, ...ok, transfer: transferBody(st.response) };
}
