/**
 * Standard padded base64 (RFC 4648 §4), strict: the encoding of the `sign` parameter (docs/PROTOCOL.md §4)
 * and of PEM bodies and one-line keys. The decoder accepts only the canonical form: the standard
 * alphabet, padding to a multiple of four characters and only at the end, and zero bits in the unused
 * part of the last character (`atob` accepts unpadded and non-canonical input, so it is not used).
 * Whitespace is skipped only when the caller asks (PEM bodies), never in `sign`.
 *
 * Not a general-purpose codec: no base64url, no line wrapping on output, not constant-time. It
 * reports what is wrong and where; the callers turn that into their own errors.
 * Internal: not a package export.
 * @module
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE: Int16Array = /* @__PURE__ */ (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Why a text is not strict base64: the character at `offset` is not in the alphabet (`character`), a
 * data character at `offset` follows `=` (`early-padding`), there is no data (`empty`), characters and
 * `=` do not make a multiple of 4 or there are more than two `=` (`length`), or the last character
 * has non-zero bits after the data (`non-canonical`).
 */
export type Base64Fault =
  | { fault: 'character'; offset: number }
  | { fault: 'early-padding'; offset: number }
  | { fault: 'empty' | 'length' | 'non-canonical' };

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Decodes strict base64, or says why it is not. With `skipSpace`, space, tab, CR and LF between
 * characters are ignored; without it they are invalid characters. The empty text is the fault `empty`.
 */
export function readBase64(text: string, skipSpace: boolean): Uint8Array | Base64Fault {
  const chars: number[] = [];
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (skipSpace && isSpace(c)) continue;
    if (c === 0x3d /* = */) {
      pad++;
      continue;
    }
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) return { fault: 'character', offset: i };
    if (pad > 0) return { fault: 'early-padding', offset: i };
    chars.push(v);
  }
  if (chars.length === 0) return { fault: 'empty' };
  // With at most two `=` and a multiple of 4 in all, the data ends with 4, 3 (and `=`) or 2 (and `==`)
  // characters: no other padding can pass this check.
  if (pad > 2 || (chars.length + pad) % 4 !== 0) return { fault: 'length' };
  const rem = chars.length % 4;
  // Canonical: the bits of the last character beyond the data must be zero.
  const last = chars[chars.length - 1]!;
  if ((rem === 2 && (last & 0x0f) !== 0) || (rem === 3 && (last & 0x03) !== 0)) return { fault: 'non-canonical' };
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

/**
 * The `sign` parameter's decoding: strict base64 with no whitespace, or undefined. The empty text
 * decodes to no bytes (callers treat an empty signature as missing).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  if (text === '') return new Uint8Array(0);
  const r = readBase64(text, false);
  return r instanceof Uint8Array ? r : undefined;
}

/** Padded standard base64 on one line. */
export function toBase64(bytes: Uint8Array): string {
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
