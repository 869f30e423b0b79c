/**
 * Short byte spans to strings in JS, without a native decoder call: for callers (the XML decoder)
 * that decode many spans of a few dozen bytes — names, values, nicknames, indentation — where a
 * TextDecoder call costs more than the decoding itself. Each function is strict and answers only
 * what it is sure of: `undefined` means "ask the full decoder" (which then reports any error with
 * its offset), never a replacement character.
 * @module
 */

/** @internal The longest span (bytes) the short decoders take; longer ones get `undefined`. */
export const SHORT_SPAN_MAX = 64;

// Argument arrays for String.fromCharCode.apply, one per length 0..SHORT_SPAN_MAX, so that a span
// becomes a string without a view or an array allocated for it. Module-level and shared by every
// caller in the realm: each use fills and reads one array within a single synchronous call and never
// hands it out, so no caller can see another's contents. Fixed size (65 arrays, 2,145 slots).
const scratch: number[][] = /* @__PURE__ */ Array.from({ length: SHORT_SPAN_MAX + 1 }, (_, n) => new Array<number>(n).fill(0));

// The native windows-1252 decoder ("latin1" in WHATWG terms) for long ASCII spans: it maps ASCII to
// itself. Created on first use, one per realm (a one-shot decode keeps no state); null where the
// runtime has no such label.
let latin1: TextDecoder | null | undefined;

/**
 * @internal ASCII bytes b[from, to) → string. Short spans through String.fromCharCode with a reused
 * argument array, long ones through the native latin1 decoder (else fromCharCode in 4 KB slices).
 * Only for spans known to be ASCII: bytes ≥ 0x80 would come out as Latin-1 characters.
 */
export function asciiSpan(b: Uint8Array, from: number, to: number): string {
  const len = to - from;
  if (len <= SHORT_SPAN_MAX) {
    const a = scratch[len]!;
    for (let k = 0; k < len; k++) a[k] = b[from + k]!;
    return String.fromCharCode.apply(null, a);
  }
  if (latin1 === undefined) {
    try {
      latin1 = new TextDecoder('latin1');
    } catch {
      latin1 = null;
    }
  }
  if (latin1) return latin1.decode(b.subarray(from, to));
  let s = '';
  for (let i = from; i < to; i += 4096)
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(to, i + 4096)) as unknown as number[]);
  return s;
}

/**
 * @internal Strict UTF-8 for short spans. The code units are counted first, so that one reused
 * argument array of exactly that length takes them (no string is pieced together). Returns undefined
 * for anything malformed (the caller then asks TextDecoder, which reports the error) and for spans
 * longer than {@link SHORT_SPAN_MAX}.
 */
export function utf8Short(b: Uint8Array, from: number, to: number): string | undefined {
  if (to - from > SHORT_SPAN_MAX) return undefined;
  let units = 0;
  for (let k = from; k < to; k++) {
    const c = b[k]!;
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  // Each complete, valid sequence writes exactly the units its lead byte was counted for, and
  // anything else returns before writing: the array is never written past its length.
  const a = scratch[units]!;
  let u = 0;
  let i = from;
  while (i < to) {
    const c = b[i]!;
    if (c < 0x80) {
      a[u++] = c;
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      const c1 = b[i + 1]!;
      if (i + 1 >= to || (c1 & 0xc0) !== 0x80) return undefined;
      a[u++] = ((c & 0x1f) << 6) | (c1 & 0x3f);
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      const c1 = b[i + 1]!,
        c2 = b[i + 2]!;
      if (i + 2 >= to || (c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return undefined;
      const cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      a[u++] = cp;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      const c1 = b[i + 1]!,
        c2 = b[i + 2]!,
        c3 = b[i + 3]!;
      if (i + 3 >= to || (c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) return undefined;
      const cp = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return undefined;
      a[u++] = 0xd7c0 + (cp >> 10);
      a[u++] = 0xdc00 | (cp & 0x3ff);
      i += 4;
    } else return undefined;
  }
  return String.fromCharCode.apply(null, a);
}

/**
 * @internal Strict GBK / GB 2312 for short spans, like {@link utf8Short}: one lookup per pair in the
 * charset's pair table (`gbkPairs` in codec.ts; 0 = not a character); 0x80 is € in GBK only (`gbk`
 * true). Returns undefined for anything the full decoder must look at (an invalid pair, a lead byte
 * without its trail, a span longer than {@link SHORT_SPAN_MAX}).
 */
export function gbkShort(b: Uint8Array, from: number, to: number, pairs: Uint16Array, gbk: boolean): string | undefined {
  if (to - from > SHORT_SPAN_MAX) return undefined;
  let units = 0;
  let k = from;
  while (k < to) {
    k += b[k]! > 0x80 ? 2 : 1;
    units++;
  }
  if (k !== to) return undefined;
  const a = scratch[units]!;
  let u = 0;
  for (let i = from; i < to; ) {
    const c = b[i]!;
    if (c < 0x80) {
      a[u++] = c;
      i++;
    } else if (c === 0x80) {
      if (!gbk) return undefined;
      a[u++] = 0x20ac;
      i++;
    } else {
      const v = pairs[(c << 8) | b[i + 1]!]!;
      if (v === 0) return undefined;
      a[u++] = v;
      i += 2;
    }
  }
  return String.fromCharCode.apply(null, a);
}
