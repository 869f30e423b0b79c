/**
 * The XML decoder's `INVALID_XML` errors: one constructor, so that every message reads
 * `invalid XML: <what> at byte <offset>` and carries the absolute byte `offset` in the document
 * (the error's `offset`), plus the wording for bytes and characters named in messages. Limit errors
 * (`XML_LIMIT_EXCEEDED`) are made in limits.ts.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** @internal `INVALID_XML` at byte `offset`, with the charset error as `cause` when a decode failed. */
export function invalidXml(message: string, offset: number, cause?: unknown): WitkeyError {
  return new WitkeyError(
    'INVALID_XML',
    `invalid XML: ${message} at byte ${offset}`,
    cause === undefined ? { offset } : { offset, cause },
  );
}

/** @internal A byte as messages name it: `'x'` when printable ASCII, else `byte 0x1F`. */
export function describeByte(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** @internal A control character outside the XML `Char` production (`c` < 0x20), at byte `offset`. */
export function controlNotAllowed(c: number, offset: number): WitkeyError {
  return invalidXml(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, offset);
}

/** @internal U+FFFE or U+FFFF (outside `Char`) in the span decoded from byte `offset`. */
export function nonCharacter(offset: number): WitkeyError {
  return invalidXml('character U+FFFE or U+FFFF is not allowed in XML', offset);
}
