/**
 * Charset names of the witkey gateway's `_input_charset`: `utf-8`, `gbk` and `gb2312`, matched
 * case-insensitively and returned lower-case. Anything else is `ILLEGAL_CHARSET`, as the gateway
 * answers; there are no aliases (`utf8`, `cp936`, `gb18030` are rejected), since the name is signed.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** The charsets the gateway accepts in `_input_charset`. */
export type Charset = 'utf-8' | 'gbk' | 'gb2312';

/** Where a value comes from, for error messages: the parameter and, for detail strings, the record. */
export interface CharsetContext {
  /** The parameter name, e.g. `transfer_detail`. */
  field?: string;
  /** The record index inside a detail string. */
  index?: number;
}

/**
 * Returns the canonical lower-case name of a gateway charset.
 * @throws WitkeyError `ILLEGAL_CHARSET` for any other name.
 * @example
 * normalizeCharset('GBK'); // 'gbk'
 */
export function normalizeCharset(name: unknown, ctx: CharsetContext = {}): Charset {
  if (name === 'utf-8' || name === 'gbk' || name === 'gb2312') return name;
  if (typeof name === 'string') {
    const n = name.toLowerCase();
    if (n === 'utf-8' || n === 'gbk' || n === 'gb2312') return n;
  }
  const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
  throw new WitkeyError('ILLEGAL_CHARSET', `unsupported charset ${shown}; expected utf-8, gbk or gb2312`, {
    field: ctx.field ?? '_input_charset',
  });
}

/** @internal Describes the character at `i` for an error message: the character and its code point. */
export function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  if (cp >= 0xd800 && cp <= 0xdfff) return `lone surrogate ${hex}`;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return hex;
  return `"${String.fromCodePoint(cp)}" (${hex})`;
}

/** @internal Prefix naming the field and record for an error message. */
export function where(ctx: CharsetContext): string {
  if (ctx.field === undefined) return '';
  return ctx.index === undefined ? `${ctx.field}: ` : `${ctx.field}[${ctx.index}]: `;
}

/** @internal The error for a character a charset cannot represent. */
export function unencodable(text: string, i: number, charset: Charset, ctx: CharsetContext): WitkeyError {
  const what = describeChar(text, i);
  const why = what.startsWith('lone') ? 'cannot be encoded in any charset' : `is not representable in ${charset}`;
  return new WitkeyError('ILLEGAL_CHARSET', `${where(ctx)}${what} at index ${i} ${why}`, {
    ...(ctx.field !== undefined && { field: ctx.field }),
    ...(ctx.index !== undefined && { index: ctx.index }),
    offset: i,
  });
}

/** @internal The error for a malformed byte sequence. */
export function malformed(charset: Charset, offset: number, bytes: ArrayLike<number>, ctx: CharsetContext = {}): WitkeyError {
  const hex = Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  return new WitkeyError('ILLEGAL_CHARSET', `${where(ctx)}malformed ${charset} byte sequence [${hex}] at byte offset ${offset}`, {
    ...(ctx.field !== undefined && { field: ctx.field }),
    ...(ctx.index !== undefined && { index: ctx.index }),
    offset,
  });
}
