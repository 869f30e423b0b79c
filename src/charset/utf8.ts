/**
 * Strict UTF-8 over the runtime's TextEncoder/TextDecoder: lone surrogates are an error on encoding
 * (TextEncoder would silently write U+FFFD), malformed input is an error on decoding (never U+FFFD),
 * and a BOM is kept as U+FEFF rather than stripped, since the bytes are what was signed.
 * @module
 */
import { type CharsetContext, malformed, unencodable } from './names.js';

const encoder = /* @__PURE__ */ new TextEncoder();
const EMPTY = /* @__PURE__ */ new Uint8Array(0);
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** @internal Index of the first lone surrogate, or -1. */
export function loneSurrogateIndex(text: string): number {
  const wf = (text as { isWellFormed?: () => boolean }).isWellFormed;
  if (wf ? wf.call(text) : !LONE.test(text)) return -1;
  return text.search(LONE);
}

/** @internal Encodes well-formed text as UTF-8. */
export function encodeUtf8(text: string, ctx: CharsetContext): Uint8Array {
  const bad = loneSurrogateIndex(text);
  if (bad >= 0) throw unencodable(text, bad, 'utf-8', ctx);
  return encoder.encode(text);
}

/** @internal Offset of the first malformed sequence in `b` (scanning from 0), or -1. */
export function utf8ErrorOffset(b: Uint8Array, final = true): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number,
      lo = 0x80,
      hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return final ? i : -1;
      const t = b[i + k]!;
      if (t < (k === 1 ? lo : 0x80) || t > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** @internal A strict streaming UTF-8 decoder. */
export class Utf8Decoder {
  private readonly td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private consumed = 0;
  private carry = EMPTY;
  constructor(private readonly ctx: CharsetContext = {}) {}
  decode(chunk: Uint8Array = EMPTY, stream = false): string {
    try {
      const s = this.td.decode(chunk, { stream });
      this.track(chunk, stream);
      return s;
    } catch {
      const all = new Uint8Array(this.carry.length + chunk.length);
      all.set(this.carry);
      all.set(chunk, this.carry.length);
      const local = Math.max(0, utf8ErrorOffset(all));
      const start = this.consumed - this.carry.length + local;
      // Like TextDecoder after an error, and like the GBK decoder: the next call starts a new stream.
      this.consumed = 0;
      this.carry = EMPTY;
      throw malformed('utf-8', start, all.subarray(local, local + 4), this.ctx);
    }
  }
  // Keeps the undecoded tail (at most 3 bytes) so that an error in the next chunk gets an exact offset.
  private track(chunk: Uint8Array, stream: boolean): void {
    if (!stream) {
      // The stream is complete: the next call starts a new one, with offsets counted from 0.
      this.consumed = 0;
      this.carry = EMPTY;
      return;
    }
    this.consumed += chunk.length;
    let tail: Uint8Array;
    if (chunk.length >= 4) tail = chunk.subarray(chunk.length - 4);
    else {
      tail = new Uint8Array(this.carry.length + chunk.length);
      tail.set(this.carry);
      tail.set(chunk, this.carry.length);
    }
    let k = tail.length;
    let back = 0;
    while (k > 0 && back < 3 && (tail[k - 1]! & 0xc0) === 0x80) {
      k--;
      back++;
    }
    const lead = k > 0 ? tail[k - 1]! : 0;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    this.carry = k > 0 && need > back + 1 ? tail.slice(k - 1) : EMPTY;
  }
}
