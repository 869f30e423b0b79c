/**
 * Entity and character references: the five predefined entities and decimal/hexadecimal character
 * references, nothing else. There is no DTD, so any other entity name is an error rather than
 * something to expand or fetch (no XXE, no billion laughs).
 * @module
 */
import { invalidXml } from './errors.js';
import { isChar } from './syntax.js';

/** @internal A byte that may appear between '&' and ';' (`#`, digits, ASCII letters); anything else is malformed. */
export const isRefByte = (c: number): boolean =>
  c === 0x23 || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * @internal Resolves the reference whose name (without '&' and ';') is b[from, to), made of
 * {@link isRefByte} bytes. Errors are `INVALID_XML` at byte `at` (the reference's '&').
 */
export function resolveRef(b: Uint8Array, from: number, to: number, at: number): string {
  const len = to - from;
  const c0 = b[from];
  if (c0 === 0x23) {
    let cp = 0;
    let k = from + 1;
    let digits = 0;
    if (b[k] === 0x78) {
      k++;
      for (; k < to; k++, digits++) {
        const c = b[k]!;
        const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (v < 0) throw invalidXml('malformed hexadecimal character reference', at);
        cp = cp * 16 + v;
      }
    } else {
      for (; k < to; k++, digits++) {
        const c = b[k]!;
        if (c < 0x30 || c > 0x39) throw invalidXml('malformed decimal character reference', at);
        cp = cp * 10 + (c - 0x30);
      }
    }
    if (digits === 0) throw invalidXml('empty character reference', at);
    if (!isChar(cp))
      throw invalidXml(`character reference to U+${cp.toString(16).toUpperCase()} which is not an XML character`, at);
    return String.fromCodePoint(cp);
  }
  if (len === 2 && b[from + 1] === 0x74) {
    if (c0 === 0x6c) return '<';
    if (c0 === 0x67) return '>';
  } else if (len === 3 && c0 === 0x61 && b[from + 1] === 0x6d && b[from + 2] === 0x70) return '&';
  else if (len === 4) {
    if (c0 === 0x61 && b[from + 1] === 0x70 && b[from + 2] === 0x6f && b[from + 3] === 0x73) return "'";
    if (c0 === 0x71 && b[from + 1] === 0x75 && b[from + 2] === 0x6f && b[from + 3] === 0x74) return '"';
  }
  let name = '';
  for (let k = from; k < to; k++) name += b[k]! < 0x80 ? String.fromCharCode(b[k]!) : '?';
  throw invalidXml(
    len === 0
      ? "empty reference '&;'"
      : `reference to undeclared entity '&${name};' (only lt, gt, amp, apos, quot are predefined; there is no DTD)`,
    at,
  );
}
