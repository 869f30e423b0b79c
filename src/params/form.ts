/**
 * `application/x-www-form-urlencoded` in a gateway charset: names and values are encoded in the
 * charset, then percent-escaped byte by byte exactly as the WHATWG URL Standard's urlencoded
 * serializer does (`*-._`, digits and letters kept, space → `+`, everything else `%XX` upper-case).
 * So a GBK body carries `%CC%EC`, not the UTF-8 `%E5%A4%A9`. Parsing is strict: a `%` not followed by
 * two hex digits is an error, and raw bytes are available for signature checks without re-encoding.
 * @module
 */
import { decode, encode } from '../charset/codec.js';
import { normalizeCharset, type Charset } from '../charset/names.js';
import { WitkeyError } from '../errors.js';

/** Form fields: an object (its key order is kept) or a list of pairs. */
export type FormFields = Readonly<Record<string, string | undefined>> | Iterable<readonly [string, string]>;

function pairsOf(fields: FormFields): Array<readonly [string, string]> {
  if (Symbol.iterator in Object(fields)) return [...(fields as Iterable<readonly [string, string]>)];
  return Object.entries(fields as Record<string, string | undefined>).filter((e): e is [string, string] => e[1] !== undefined);
}

const HEX = '0123456789ABCDEF';
// 1 where the byte is kept as is (WHATWG application/x-www-form-urlencoded percent-encode set complement).
const KEEP = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let b = 0x30; b <= 0x39; b++) t[b] = 1;
  for (let b = 0x41; b <= 0x5a; b++) t[b] = 1;
  for (let b = 0x61; b <= 0x7a; b++) t[b] = 1;
  for (const b of [0x2a, 0x2d, 0x2e, 0x5f]) t[b] = 1;
  return t;
})();

function escapeInto(bytes: Uint8Array, out: number[]): void {
  for (const b of bytes) {
    if (KEEP[b]) out.push(b);
    else if (b === 0x20) out.push(0x2b);
    else out.push(0x25, HEX.charCodeAt(b >> 4), HEX.charCodeAt(b & 15));
  }
}

/**
 * Serialises form fields to the body bytes (ASCII) of an urlencoded POST in the charset.
 * @throws WitkeyError `ILLEGAL_CHARSET` naming the field of an unrepresentable character.
 * @example
 * await loadCharset('gbk');
 * new TextDecoder().decode(formEncode({ nick_name: '天之蓝' }, 'gbk')); // 'nick_name=%CC%EC%D6%AE%C0%B6'
 */
export function formEncode(fields: FormFields, charset: Charset | string): Uint8Array {
  const cs = normalizeCharset(charset, { field: 'charset' });
  const out: number[] = [];
  for (const [name, value] of pairsOf(fields)) {
    if (out.length) out.push(0x26);
    escapeInto(encode(name, cs, { field: name }), out);
    out.push(0x3d);
    escapeInto(encode(value, cs, { field: name }), out);
  }
  return Uint8Array.from(out);
}

/**
 * Like {@link formEncode}, as a string (for a URL query or a logged body).
 * @example
 * formEncodeString({ a: 'x y', b: '~*~' }, 'utf-8'); // 'a=x+y&b=%7E*%7E'
 */
export function formEncodeString(fields: FormFields, charset: Charset | string): string {
  const b = formEncode(fields, charset);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000) as unknown as number[]);
  return s;
}

function unescape(body: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = body[i]!;
    if (b === 0x2b) out[o++] = 0x20;
    else if (b === 0x25) {
      const h = hexVal(body[i + 1]), l = hexVal(body[i + 2]);
      if (i + 2 >= end || h < 0 || l < 0) {
        throw new WitkeyError('ILLEGAL_ARGUMENT', `malformed percent-escape at byte offset ${i} of the form body`, { offset: i });
      }
      out[o++] = (h << 4) | l;
      i += 2;
    } else out[o++] = b;
  }
  return out.slice(0, o);
}

function hexVal(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/**
 * Splits an urlencoded body into percent-decoded raw (name, value) bytes, in order, without decoding
 * any charset: what a signature check over received bytes needs.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` for a malformed percent-escape.
 * @example
 * parseFormBytes(new TextEncoder().encode('a=%CC%EC&b=1')); // [[Uint8Array [0x61], Uint8Array [0xCC, 0xEC]], …]
 */
export function parseFormBytes(body: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = [];
  let i = 0;
  while (i <= body.length) {
    let end = body.indexOf(0x26, i);
    if (end < 0) end = body.length;
    if (end > i) {
      let eq = body.indexOf(0x3d, i);
      if (eq < 0 || eq > end) eq = end;
      out.push([unescape(body, i, eq), unescape(body, Math.min(eq + 1, end), end)]);
    }
    i = end + 1;
  }
  return out;
}

/**
 * Parses an urlencoded body into (name, value) strings decoded strictly in the charset.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` (bad escape) or `ILLEGAL_CHARSET` (malformed bytes, naming the field).
 * @example
 * formDecode(formEncode({ a: '€' }, 'gbk'), 'gbk'); // [['a', '€']]
 */
export function formDecode(body: Uint8Array | string, charset: Charset | string): Array<[string, string]> {
  const cs = normalizeCharset(charset, { field: 'charset' });
  const bytes = typeof body === 'string' ? asciiBytes(body) : body;
  return parseFormBytes(bytes).map(([n, v]) => {
    const name = decode(n, cs, { field: 'name' });
    return [name, decode(v, cs, { field: name })];
  });
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new WitkeyError('ILLEGAL_ARGUMENT', `non-ASCII character at index ${i} of an urlencoded body`, { offset: i });
    out[i] = c;
  }
  return out;
}
