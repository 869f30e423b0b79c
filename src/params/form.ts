/**
 * `application/x-www-form-urlencoded` in a gateway charset: names and values are encoded in the
 * charset, then percent-escaped byte by byte exactly as the WHATWG URL Standard's urlencoded
 * serializer does (`*-._`, digits and letters kept, space → `+`, everything else `%XX` upper-case).
 * So a GBK body carries `%CC%EC`, not the UTF-8 `%E5%A4%A9`. Parsing is strict: a `%` not followed by
 * two hex digits is an error, and raw bytes are available for signature checks without re-encoding.
 * The byte-level rules (escaping, splitting, percent-decoding) are src/wire/urlencoded.ts; this
 * module adds the charset.
 * @module
 */
import { decode, encode } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import { asciiBytes, latin1 } from '../wire/bytes.js';
import { parseFormBytes, percentEncodeInto } from '../wire/urlencoded.js';

export { parseFormBytes };

/** Form fields: an object (its key order is kept) or a list of pairs. */
export type FormFields = Readonly<Record<string, string | undefined>> | Iterable<readonly [string, string]>;

function pairsOf(fields: FormFields): Array<readonly [string, string]> {
  if (Symbol.iterator in Object(fields)) return [...(fields as Iterable<readonly [string, string]>)];
  return Object.entries(fields as Record<string, string | undefined>).filter((e): e is [string, string] => e[1] !== undefined);
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
    percentEncodeInto(encode(name, cs, { field: name }), out);
    out.push(0x3d);
    percentEncodeInto(encode(value, cs, { field: name }), out);
  }
  return Uint8Array.from(out);
}

/**
 * Like {@link formEncode}, as a string (for a URL query or a logged body).
 * @example
 * formEncodeString({ a: 'x y', b: '~*~' }, 'utf-8'); // 'a=x+y&b=%7E*%7E'
 */
export function formEncodeString(fields: FormFields, charset: Charset | string): string {
  return latin1(formEncode(fields, charset));
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
