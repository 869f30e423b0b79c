/**
 * Base64 as the key readers meet it: PEM bodies and the bare one-line keys Alipay's key tool hands
 * out. The codec is src/wire/base64.ts (strict standard base64, RFC 4648 §4); this module skips
 * whitespace (the caller decides where whitespace may occur) and turns a fault into an `INVALID_KEY`
 * error that names the offset and never quotes the data.
 * @module
 */
import { readBase64, toBase64 } from '../wire/base64.js';
import { invalidKey } from './errors.js';

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
  const r = readBase64(text, true);
  if (r instanceof Uint8Array) return r;
  switch (r.fault) {
    case 'character': {
      const i = r.offset;
      const c = text.charCodeAt(i);
      if (c === 0x5c /* \ */ && text[i + 1] === 'n') {
        throw invalidKey(`${what}: contains a literal "\\n" at offset ${i}; replace it with a line break`, 'input');
      }
      const hint = c === 0x2d || c === 0x5f ? ' (base64url is not accepted; use the standard alphabet)' : '';
      throw invalidKey(`${what}: invalid base64 character at offset ${i}${hint}`, 'input');
    }
    case 'early-padding':
      throw invalidKey(`${what}: base64 padding "=" before the end, at offset ${r.offset}`, 'input');
    case 'empty':
      throw invalidKey(`${what}: empty`, 'input');
    case 'length':
      throw invalidKey(`${what}: base64 length is not a multiple of 4 (missing or extra "=" padding)`, 'input');
    case 'non-canonical':
      throw invalidKey(`${what}: non-canonical base64 (non-zero bits after the data in the last character)`, 'input');
  }
}

/** Encodes bytes as padded standard base64 on one line. */
export const encodeBase64: (bytes: Uint8Array) => string = toBase64;
