/**
 * Streaming decode of a large leftover-handled notification (e.g. replaying an archive): each
 * `<bidder>` is yielded as soon as its end tag arrives, and memory stays bounded by the largest
 * record rather than the document. The XML field is hashed and parsed as it streams.
 *
 * Trust: the signature covers the whole body, so it can only be checked at its end. Every event
 * before the final `notification` event is **unverified** (`verified: false`); if the signature
 * fails, the iteration throws `ILLEGAL_SIGN` after them. Stage what you receive and commit it only
 * on the `notification` event. Content errors (bad XML, a malformed bidder) may surface before the
 * signature check, as soon as the bytes that show them arrive.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { hashFor } from '../dsa/hash.js';
import { verifyDigest } from '../dsa/verify.js';
import { fromBase64 } from '../params/base64.js';
import { XmlDecoder, type XmlRecord } from '../xml/decoder.js';
import { FormStreamParser } from './form-stream.js';
import { bidderRecord, isBidderPath } from './model.js';
import { build, byCodeUnit, header, loadFor, resolveOptions, textFields, type DecodeNotificationOptions } from './decode.js';
import { chunks, type BodySource } from './source.js';
import type { BidderLine, LeftAmountHandledNotification, Notification } from './types.js';

/** One event of {@link streamNotification}. */
export type NotificationEvent =
  | {
      type: 'bidder';
      /** `success_bidders` or `fail_bidders`. */
      list: 'success' | 'fail';
      /** Position within its list. */
      index: number;
      bidder: BidderLine;
      /** Always false: the signature is checked at the end. */
      verified: false;
    }
  | {
      type: 'notification';
      /** Verified. For §6.1, `successBidders`/`failBidders` are empty: they were the bidder events. */
      notification: Notification;
      /** How many bidder events came before, per list. */
      counts: { success: number; fail: number };
      verified: true;
    };


const AMP = new Uint8Array([0x26]);
const EQ = new Uint8Array([0x3d]);

/**
 * Decodes a notification as a stream of events: one per bidder as soon as it has arrived, then the
 * verified notification. The form's fields that sort before the XML field (none, in the gateway's
 * notifications) must precede it in the body: the signature is hashed in one pass.
 * Set `limits: { maxBytes: Infinity, maxBodyBytes: Infinity, maxElements: Infinity }` for archives
 * larger than the 16 MiB defaults.
 * @throws WitkeyError as `decodeNotification`, raised by the iteration.
 * @example
 * const staged = [];
 * for await (const ev of streamNotification(body, { alipayPublicKey, contentType })) {
 *   if (ev.type === 'bidder') staged.push(ev.bidder);
 *   else await commit(ev.notification, staged); // verified
 * }
 */
export async function* streamNotification(source: BodySource, options: DecodeNotificationOptions): AsyncGenerator<NotificationEvent> {
  const r = resolveOptions(options, 'streamNotification');
  const hash = hashFor(r.hash, r.key.domain.N).create();
  const enc = new TextEncoder();
  const small = new Map<string, { parts: Uint8Array[]; length: number; value?: Uint8Array }>();
  let hashedAny = false;
  let dataSeen = false; // the data field has started
  let dataDone = false;
  const hashField = (name: string, value: Uint8Array): void => {
    if (hashedAny) hash.update(AMP);
    hash.update(enc.encode(name));
    hash.update(EQ);
    hash.update(value);
    hashedAny = true;
  };
  const signed = (name: string): boolean => name !== 'sign' && name !== 'sign_type';

  // The XML field's bytes flow through `pending` to the XML decoder (created once the head of the
  // XML shows its declared charset, which may need the GBK table loaded first).
  let pending: Uint8Array[] = [];
  let prefixLeft = r.dataPrefix.length;
  let dataLength = 0;
  let head = new Uint8Array(0);
  let xml: XmlDecoder | undefined;
  const counts = { success: 0, fail: 0 };

  const parser = new FormStreamParser((name, at) => {
    if (small.has(name) || (name === r.dataField && dataSeen)) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `form field ${name} appears twice (second at byte offset ${at})`, { field: name, offset: at });
    }
    if (name === r.dataField) {
      dataSeen = true;
      // Everything signed that sorts before the data field must already be here: hash it now.
      for (const n of [...small.keys()].sort(byCodeUnit)) {
        const f = small.get(n)!;
        if (signed(n) && byCodeUnit(n, name) < 0 && f.length > 0) hashField(n, f.value!);
      }
      let started = false;
      return {
        data(b) {
          if (!started) {
            if (hashedAny) hash.update(AMP);
            hash.update(enc.encode(name));
            hash.update(EQ);
            hashedAny = true;
            started = true;
          }
          hash.update(b);
          dataLength += b.length;
          let v = b;
          if (prefixLeft > 0) {
            const p = r.dataPrefix;
            const k = Math.min(prefixLeft, v.length);
            for (let i = 0; i < k; i++) {
              if (v[i] !== p[p.length - prefixLeft + i]) {
                throw new WitkeyError('INVALID_NOTIFICATION', `${name} does not start with ${JSON.stringify(new TextDecoder().decode(p))}`, { field: name });
              }
            }
            prefixLeft -= k;
            v = v.subarray(k);
          }
          if (v.length > 0) pending.push(v.slice());
        },
        end() {
          dataDone = true;
        },
      };
    }
    if (dataSeen && signed(name) && byCodeUnit(name, r.dataField) < 0) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `streaming decode needs field ${name} before ${r.dataField} in the body (it sorts before it in the signed string)`, { field: name, offset: at });
    }
    const f: { parts: Uint8Array[]; length: number; value?: Uint8Array } = { parts: [], length: 0 };
    small.set(name, f);
    return {
      data(b) {
        f.length += b.length;
        if (f.length > r.maxFieldBytes) throw new WitkeyError('FORM_LIMIT_EXCEEDED', `form field ${name} is longer than maxFieldBytes (${r.maxFieldBytes})`, { field: name });
        f.parts.push(b.slice());
      },
      end() {
        const v = new Uint8Array(f.length);
        let o = 0;
        for (const p of f.parts) { v.set(p, o); o += p.length; }
        f.value = v;
        f.parts = [];
      },
    };
  }, r.limits);

  const events: NotificationEvent[] = [];
  const onRecords = (recs: XmlRecord[]): void => {
    for (const rec of recs) events.push({ type: 'bidder', ...bidderRecord(rec, counts), verified: false });
  };
  const feed = async (final: boolean): Promise<void> => {
    if (!xml) {
      for (const p of pending) head = join(head, p);
      pending = [];
      // Wait for the declaration to be complete (or clearly absent) before choosing a charset.
      const closed = head.indexOf(0x3e) >= 0 || (head.length > 0 && head[0] !== 0x3c && head[0] !== 0xef);
      if (!final && !closed && head.length < 512) return;
      await loadFor(r.charset, head);
      xml = new XmlDecoder({ charset: r.charset, limits: r.limits, split: isBidderPath });
      if (head.length > 0) onRecords(xml.write(head));
      head = new Uint8Array(0);
      return;
    }
    for (const p of pending) onRecords(xml.write(p));
    pending = [];
  };

  for await (const c of chunks(source)) {
    parser.write(c);
    if (pending.length > 0) await feed(false);
    if (events.length > 0) { yield* events; events.length = 0; }
  }
  parser.end();
  if (!dataSeen || dataLength <= r.dataPrefix.length || !dataDone) {
    throw new WitkeyError('INVALID_NOTIFICATION', `the body has no ${r.dataField} field (wrong dialect?)`, { field: r.dataField });
  }
  await feed(true);
  if (!xml) await feed(true);
  const { document, records } = xml!.end();
  onRecords(records);
  if (events.length > 0) { yield* events; events.length = 0; }

  // Fields after the data field in sort order, then the signature.
  for (const n of [...small.keys()].sort(byCodeUnit)) {
    const f = small.get(n)!;
    if (signed(n) && byCodeUnit(n, r.dataField) > 0 && f.length > 0) hashField(n, f.value!);
  }
  const sign = small.get('sign');
  const signType = small.get('sign_type');
  if (!sign || sign.length === 0 || !signType || signType.length === 0) {
    const field = !sign || sign.length === 0 ? 'sign' : 'sign_type';
    throw new WitkeyError('ILLEGAL_SIGN', `the body has no ${field} field`, { field });
  }
  const st = new TextDecoder().decode(signType.value);
  if (st !== 'DSA') throw new WitkeyError('ILLEGAL_SIGN_TYPE', `sign_type must be DSA, got ${JSON.stringify(st.slice(0, 16))}`, { field: 'sign_type' });
  const signature = fromBase64(String.fromCharCode(...sign.value!));
  if (!signature || !verifyDigest(signature, hash.digest(), r.key, 'der')) {
    throw new WitkeyError('ILLEGAL_SIGN', 'the signature does not verify with the Alipay public key: the body is forged, altered, or signed with another key', { field: 'sign' });
  }
  // Verified.
  const raw = new Map([...small].map(([n, f]) => [n, f.value!]));
  const text = textFields(raw, r);
  const notification = build(header(text, 'notify'), document.charset, text, document.root);
  if (notification.kind === 'left_amount_handled') {
    // Bidders went out as events; the tree had them split off, so the lists are empty here.
    (notification as LeftAmountHandledNotification).successBidders = [];
    (notification as LeftAmountHandledNotification).failBidders = [];
  }
  yield { type: 'notification', notification, counts, verified: true };
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
