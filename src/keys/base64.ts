/**
 * Strict standard base64 (RFC 4648 §4), the encoding of PEM bodies and of the bare one-line keys
 * Alipay's key tool hands out.
 *
 * The decoder accepts only the canonical form: the standard alphabet, padding to a multiple of four
 * characters, and zero bits in the unused part of the last character. `atob` is not used because it
 * accepts unpadded and non-canonical input. It is not a general-purpose codec: it skips whitespace
 * (the caller decides where whitespace may occur) and is not constant-time.
 * @module
 */
import { invalidKey } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE: Int16Array = /* @__PURE__ */ (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** True if `text` consists of base64 alphabet characters, `=` and whitespace only (a cheap sniff). */
export function looksLikeBase64(text: string): boolean {
  return /^[A-Za-z0-9+/=\s]+$/.test(text);
}

/**
 * Decodes strict base64, ignoring whitespace (space, tab, CR, LF) between characters.
 * @param what names the input in error messages, e.g. `PEM body`.
 * @throws WitkeyError `INVALID_KEY` naming the offending character's offset; never quoting the data.
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  const chars: number[] = [];
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 0x3d /* = */) {
      pad++;
      continue;
    }
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) {
      if (c === 0x5c /* \ */ && text[i + 1] === 'n') {
        throw invalidKey(`${what}: contains a literal "\\n" at offset ${i}; replace it with a line break`, 'input');
      }
      const hint = c === 0x2d || c === 0x5f ? ' (base64url is not accepted; use the standard alphabet)' : '';
      throw invalidKey(`${what}: invalid base64 character at offset ${i}${hint}`, 'input');
    }
    if (pad > 0) throw invalidKey(`${what}: base64 padding "=" before the end, at offset ${i}`, 'input');
    chars.push(v);
  }
  if (chars.length === 0) throw invalidKey(`${what}: empty`, 'input');
  if (pad > 2 || (chars.length + pad) % 4 !== 0) {
    throw invalidKey(`${what}: base64 length is not a multiple of 4 (missing or extra "=" padding)`, 'input');
  }
  const rem = chars.length % 4;
  if (rem === 1 || (rem === 0 && pad !== 0) || (rem !== 0 && rem + pad !== 4)) {
    throw invalidKey(`${what}: malformed base64 padding`, 'input');
  }
  // Canonical: the bits of the last character beyond the data must be zero.
  const last = chars[chars.length - 1]!;
  if ((rem === 2 && (last & 0x0f) !== 0) || (rem === 3 && (last & 0x03) !== 0)) {
    throw invalidKey(`${what}: non-canonical base64 (non-zero bits after the data in the last character)`, 'input');
  }
  const out = new Uint8Array(Math.floor((chars.length * 6) / 8));
  let o = 0;
  let i = 0;
  for (; i + 4 <= chars.length; i += 4) {
    const n = (chars[i]! << 18) | (chars[i + 1]! << 12) | (chars[i + 2]! << 6) | chars[i + 3]!;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rem === 2) {
    out[o++] = (chars[i]! << 2) | (chars[i + 1]! >> 4);
  } else if (rem === 3) {
    const n = (chars[i]! << 12) | (chars[i + 1]! << 6) | chars[i + 2]!;
    out[o++] = n >> 10;
    out[o++] = (n >> 2) & 0xff;
  }
  return out;
}

/** Encodes bytes as padded standard base64 on one line. */
export function encodeBase64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rem = bytes.length - i;
  if (rem === 1) {
    const n = bytes[i]! << 16;
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rem === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return s;
}
