/**
 * Bytes ↔ text for the ASCII parts of the wire (docs/PROTOCOL.md §3–4: field names, `sign`, `sign_type`,
 * urlencoded bodies, which are ASCII whatever the charset), plus `concat` and hex. Only these
 * byte-level conversions live here; charset decoding (UTF-8, GBK) is src/charset's.
 * Internal: not a package export.
 * @module
 */
import { WitkeyError } from '../errors.js';

/**
 * Each byte as the code unit of the same value (ISO-8859-1): exact for any bytes, so a non-ASCII
 * byte in a field that must be ASCII shows as itself in a comparison or a message. Chunked because
 * `fromCharCode.apply` has an argument-count limit.
 */
export function latin1(bytes: Uint8Array): string {
  if (bytes.length <= 0x2000) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x2000)
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x2000) as unknown as number[]);
  return s;
}

// The runtime's UTF-8 decoder turns ASCII bytes into a string several times faster than
// fromCharCode (identical result, since ASCII is ASCII in both); created on first use.
let utf8: TextDecoder | null | undefined;

/**
 * Bytes the caller knows to be ASCII (all < 0x80) as a string, the fastest way the runtime offers.
 * Not for arbitrary bytes: above 0x7F use {@link latin1}.
 */
export function ascii(bytes: Uint8Array): string {
  if (utf8 === undefined) {
    try {
      utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
    } catch {
      utf8 = null;
    }
  }
  return utf8 ? utf8.decode(bytes) : latin1(bytes);
}

/**
 * ASCII text (an urlencoded body or query) → bytes.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` naming the index of the first non-ASCII character.
 */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) {
      throw new WitkeyError(
        'ILLEGAL_ARGUMENT',
        `non-ASCII character U+${c.toString(16).toUpperCase().padStart(4, '0')} at index ${i} of an urlencoded body`,
        { offset: i },
      );
    }
    out[i] = c;
  }
  return out;
}

/** The parts one after the other. One part is returned as is (not copied); `length` may be given when known. */
export function concat(parts: readonly Uint8Array[], length?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = length;
  if (n === undefined) {
    n = 0;
    for (const p of parts) n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const HEX: string[] = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex, two digits a byte, no separator. */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!;
  return s;
}
