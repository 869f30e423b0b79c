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

import { hashFor, isSha1 } from '../dsa/hash.js';
import { verifyDigest } from '../dsa/verify.js';
import { WitkeyError } from '../errors.js';
import { concat } from '../wire/bytes.js';
import { byCodeUnit, CanonicalStream, isSigned } from '../wire/canonical.js';
import { Sha1 } from '../wire/sha1.js';
import { forgedError, signatureOf } from '../wire/signed-form.js';
import { duplicateField, FormStreamParser } from '../wire/urlencoded.js';
import { XmlDecoder, type XmlRecord } from '../xml/decoder.js';
import type { DecodeNotificationOptions } from './decode.js';
import { bidderRecord, isBidderPath } from './model.js';
import { type BodySource, chunks } from './source.js';
import { build, header, loadFor, resolveOptions, textFields } from './steps.js';
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
export async function* streamNotification(
  source: BodySource,
  options: DecodeNotificationOptions,
): AsyncGenerator<NotificationEvent> {
  const r = resolveOptions(options, 'streamNotification');
  // SHA-1 (the protocol's) by src/wire/sha1.ts, as decodeNotification does; other hashes by noble.
  const fn = hashFor(r.hash, r.key.domain.N);
  const hash = isSha1(fn) ? new Sha1() : fn.create();
  const signed = new CanonicalStream((b) => hash.update(b));
  // The fields other than the data field, held whole (undefined until their value has ended).
  const small = new Map<string, Uint8Array | undefined>();
  let dataSeen = false; // the data field has started
  let dataDone = false;

  // The XML field's bytes flow through `pending` to the XML decoder (created once the head of the
  // XML shows its declared charset, which may need the GBK table loaded first).
  let pending: Uint8Array[] = [];
  let prefixLeft = r.dataPrefix.length;
  let dataLength = 0;
  let head: Uint8Array = new Uint8Array(0);
  let xml: XmlDecoder | undefined;
  const counts = { success: 0, fail: 0 };

  const parser = new FormStreamParser((name, at) => {
    if (small.has(name) || (name === r.dataField && dataSeen)) throw duplicateField(name, at);
    if (name === r.dataField) {
      dataSeen = true;
      // Everything signed that sorts before the data field must already be here: hash it now.
      signed.held(small, undefined, name);
      let started = false;
      return {
        data(b) {
          if (!started) {
            signed.begin(name);
            started = true;
          }
          signed.value(b);
          dataLength += b.length;
          let v = b;
          if (prefixLeft > 0) {
            const p = r.dataPrefix;
            const k = Math.min(prefixLeft, v.length);
            for (let i = 0; i < k; i++) {
              if (v[i] !== p[p.length - prefixLeft + i]) {
                throw new WitkeyError(
                  'INVALID_NOTIFICATION',
                  `${name} does not start with ${JSON.stringify(new TextDecoder().decode(p))}`,
                  { field: name },
                );
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
    if (dataSeen && isSigned(name) && byCodeUnit(name, r.dataField) < 0) {
      throw new WitkeyError(
        'ILLEGAL_ARGUMENT',
        `streaming decode needs field ${name} before ${r.dataField} in the body (it sorts before it in the signed string)`,
        { field: name, offset: at },
      );
    }
    small.set(name, undefined);
    const parts: Uint8Array[] = [];
    let length = 0;
    return {
      data(b) {
        length += b.length;
        if (length > r.maxFieldBytes)
          throw new WitkeyError('FORM_LIMIT_EXCEEDED', `form field ${name} is longer than maxFieldBytes (${r.maxFieldBytes})`, {
            field: name,
          });
        parts.push(b.slice());
      },
      end() {
        small.set(name, parts.length === 0 ? new Uint8Array(0) : concat(parts, length));
      },
    };
  }, r.limits);

  const events: NotificationEvent[] = [];
  const onRecords = (recs: XmlRecord[]): void => {
    for (const rec of recs) events.push({ type: 'bidder', ...bidderRecord(rec, counts), verified: false });
  };
  const feed = async (final: boolean): Promise<void> => {
    if (!xml) {
      for (const p of pending) head = concat([head, p]);
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
    if (events.length > 0) {
      yield* events;
      events.length = 0;
    }
  }
  parser.end();
  if (!dataSeen || dataLength <= r.dataPrefix.length || !dataDone) {
    throw new WitkeyError('INVALID_NOTIFICATION', `the body has no ${r.dataField} field (wrong dialect?)`, {
      field: r.dataField,
    });
  }
  await feed(true);
  if (!xml) await feed(true);
  const { document, records } = xml!.end();
  onRecords(records);
  if (events.length > 0) {
    yield* events;
    events.length = 0;
  }

  // Fields after the data field in sort order, then the signature.
  signed.held(small, r.dataField);
  const signature = signatureOf(small);
  if (!signature || !verifyDigest(signature, hash.digest(), r.key, 'der')) throw forgedError();
  // Verified.
  const text = textFields(small as Map<string, Uint8Array>, r);
  const notification = build(header(text, 'notify'), document.charset, text, document.root);
  if (notification.kind === 'left_amount_handled') {
    // Bidders went out as events; the tree had them split off, so the lists are empty here.
    (notification as LeftAmountHandledNotification).successBidders = [];
    (notification as LeftAmountHandledNotification).failBidders = [];
  }
  yield { type: 'notification', notification, counts, verified: true };
}
