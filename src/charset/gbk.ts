/**
 * GBK (as the WHATWG Encoding Standard's GBK encoder defines it) and strict GB 2312 (EUC-CN)
 * codecs over the GBK two-byte index. Loaded lazily by `loadCharset`; UTF-8 users never load it.
 *
 * Encoder: U+0000–U+007F → one byte; U+20AC → 0x80 (GBK only); any other code point → the first
 * pointer of the index holding it, as two bytes; anything else (e.g. `¥` U+00A5, half-width katakana,
 * emoji, U+E5E5, lone surrogates) is an `ILLEGAL_CHARSET` error naming the character and its index.
 * GB 2312 accepts only code points whose GBK bytes lie in the 7445 cells of GB 2312-80 (both bytes
 * 0xA1–0xFE, rows 1–9 and 16–87 as assigned); `喆`, `镕`, `€` are errors there.
 *
 * Decoder: strict. One byte 0x00–0x7F (and 0x80 → U+20AC for GBK); lead 0x81–0xFE with trail
 * 0x40–0x7E / 0x80–0xFE. A lead without a valid trail, 0xFF, and four-byte GB 18030 sequences (trail
 * 0x30–0x39; the WHATWG decoder accepts those, but GBK never produces them) are errors, never U+FFFD.
 *
 * Performance: the encoder indexes a 64 Ki-entry Uint16Array by UTF-16 code unit (128 KB, built once
 * from the index). The decoder looks each pair up once in a 64 Ki table whose zero entries mark every
 * invalid pair (no range checks), writes code units, and turns them into a string with the runtime's
 * UTF-16LE TextDecoder (an all-ASCII chunk instead goes through the native UTF-8 decoder, same string,
 * faster). The loop runs in WebAssembly (gbk-wasm.ts; 16 ASCII bytes per SIMD step) for chunks of 64
 * bytes to 1 MiB where the runtime allows it, else in JS (below, ASCII runs copied four bytes per
 * step). The runtime's own TextDecoder('gbk') is not used even where it exists: it is not strict
 * WHATWG GBK (Node's ICU maps some codes differently), and decoding with it and checking the result
 * is slower than this decoder. The alternatives that are slower (other ways to build the string,
 * other table layouts) and the figures are in bench/README.md.
 * @module
 */

// ASCII-only spans skip the table and the UTF-16 conversion (the runtime's UTF-8 decoder is fastest).
import { ascii as asciiToString } from '../wire/bytes.js';
import { WASM_MAX, WASM_MIN, WasmPairDecoder } from './gbk-wasm.js';
import { type Charset, type CharsetContext, malformed, unencodable } from './names.js';

/** Number of two-byte GBK pointers: 126 lead bytes × 190 trail bytes. */
export const POINTERS = 23940;

/** @internal A decoder with TextDecoder-like streaming. */
export interface ChunkDecoder {
  decode(chunk?: Uint8Array, stream?: boolean): string;
}

/** @internal What `loadCharset` installs for gbk/gb2312. */
export interface GbkCodec {
  readonly source: 'native' | 'table';
  /** Whether decoding uses the WebAssembly loop (for chunks of 64 bytes to 1 MiB) or only the JS one. */
  readonly engine: 'wasm' | 'js';
  encode(text: string, charset: 'gbk' | 'gb2312', ctx: CharsetContext): Uint8Array;
  decode(bytes: Uint8Array, charset: 'gbk' | 'gb2312', ctx: CharsetContext): string;
  decoder(charset: 'gbk' | 'gb2312', ctx: CharsetContext): ChunkDecoder;
  /**
   * The pair table of the charset's decoder: `(lead << 8 | trail)` → code point, 0 for every pair
   * that is not a valid character (0x80 included). For callers that decode many short spans.
   */
  pairs(charset: 'gbk' | 'gb2312'): Uint16Array;
}

const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/** @internal Whether the GBK bytes (lead, trail) are one of the 7445 cells of GB 2312-80. */
export function isGb2312(lead: number, trail: number): boolean {
  if (trail < 0xa1 || trail > 0xfe) return false;
  if (lead >= 0xb0) return lead <= 0xf7 && (lead !== 0xd7 || trail <= 0xf9);
  switch (lead) {
    case 0xa1:
    case 0xa3:
      return true;
    case 0xa2:
      return (trail >= 0xb1 && trail <= 0xe2) || (trail >= 0xe5 && trail <= 0xee) || (trail >= 0xf1 && trail <= 0xfc);
    case 0xa4:
      return trail <= 0xf3;
    case 0xa5:
      return trail <= 0xf6;
    case 0xa6:
      return trail <= 0xb8 || (trail >= 0xc1 && trail <= 0xd8);
    case 0xa7:
      return trail <= 0xc1 || (trail >= 0xd1 && trail <= 0xf1);
    case 0xa8:
      return trail <= 0xba || (trail >= 0xc5 && trail <= 0xe9);
    case 0xa9:
      return trail >= 0xa4 && trail <= 0xef;
    default:
      return false;
  }
}

function bytesOf(pointer: number): number {
  const lead = 0x81 + ((pointer / 190) | 0);
  const t = pointer % 190;
  return (lead << 8) | (t < 0x3f ? 0x40 + t : 0x41 + t);
}

// Turns a filled Uint16Array prefix into a string. A native UTF-16LE decoder is several times faster
// than String.fromCharCode on large inputs; it is used only on little-endian platforms (Uint16Array
// uses the platform's byte order).
let utf16: TextDecoder | null | undefined;
function codeUnitsToString(u: Uint16Array, n: number): string {
  if (utf16 === undefined) {
    utf16 = null;
    try {
      if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) utf16 = new TextDecoder('utf-16le');
    } catch {
      /* runtime without utf-16le */
    }
  }
  if (n < 64 || !utf16) {
    let s = '';
    for (let i = 0; i < n; i += 4096)
      s += String.fromCharCode.apply(null, u.subarray(i, Math.min(n, i + 4096)) as unknown as number[]);
    return s;
  }
  return utf16.decode(u.subarray(0, n));
}

// Scratch buffers reused across calls (encoding and decoding are synchronous, so never shared
// concurrently). Up to SCRATCH_MAX elements they are kept; a larger one is held only through a
// WeakRef, so that back-to-back large calls reuse it while the garbage collector may still take it
// between them. Why: a fresh 1.3 MB typed array per call of a 640 KB decode is external memory that
// V8 counts towards its GC heuristics, and the full GCs it triggers land inside the calls and make
// large decodes slow and erratic (bench/README.md).
const SCRATCH_MAX = 1 << 18;
let bytesScratch = new Uint8Array(1024);
let unitsScratch = new Uint16Array(1024);
let bigBytes: WeakRef<Uint8Array> | undefined;
let bigUnits: WeakRef<Uint16Array> | undefined;
const weakRefs = typeof WeakRef === 'function';
function byteBuffer(n: number): Uint8Array {
  if (n <= bytesScratch.length) return bytesScratch;
  if (n <= SCRATCH_MAX) return (bytesScratch = new Uint8Array(n));
  let b = bigBytes?.deref();
  if (!b || b.length < n) {
    b = new Uint8Array(n);
    if (weakRefs) bigBytes = new WeakRef(b);
  }
  return b;
}
function unitBuffer(n: number): Uint16Array {
  if (n <= unitsScratch.length) return unitsScratch;
  if (n <= SCRATCH_MAX) return (unitsScratch = new Uint16Array(n));
  let b = bigUnits?.deref();
  if (!b || b.length < n) {
    b = new Uint16Array(n);
    if (weakRefs) bigUnits = new WeakRef(b);
  }
  return b;
}

/**
 * Builds the codec from the two-byte index (pointer → code point).
 * @internal
 */
export function createGbkCodec(index: Uint16Array, source: 'native' | 'table', wasm?: WebAssembly.Module): GbkCodec {
  // enc: cp → GBK bytes (lead << 8 | trail), 0 when unmapped. The first pointer wins (U+3000 → A1A1,
  // not A3A0), as the WHATWG encoder's "index pointer" does. U+20AC is left out: GBK writes 0x80.
  // dec: (lead << 8 | trail) → cp, 0 when invalid (no index entry is below U+0080), so a decoder
  // needs one lookup per pair and no range checks.
  const enc = new Uint16Array(65536);
  const dec = new Uint16Array(65536);
  for (let p = POINTERS - 1; p >= 0; p--) {
    const b = bytesOf(p);
    enc[index[p]!] = b;
    dec[b] = index[p]!;
  }
  enc[0x20ac] = 0;
  let enc2312: Uint16Array | undefined;
  let dec2312: Uint16Array | undefined;
  const tables = (gbk: boolean): [Uint16Array, Uint16Array] => {
    if (gbk) return [enc, dec];
    if (!enc2312 || !dec2312) {
      enc2312 = new Uint16Array(65536);
      dec2312 = new Uint16Array(65536);
      for (let b = 0xa1a1; b <= 0xfefe; b++) {
        if (dec[b] !== 0 && isGb2312(b >> 8, b & 0xff)) {
          dec2312[b] = dec[b]!;
          if (enc[dec[b]!] === b) enc2312[dec[b]!] = b;
        }
      }
    }
    return [enc2312, dec2312];
  };
  // One WebAssembly instance per charset, made on first use; if that fails (out of memory), the JS
  // loop is used from then on.
  const loops: [WasmPairDecoder | null | undefined, WasmPairDecoder | null | undefined] = [undefined, undefined];
  const loop = (gbk: boolean): WasmPairDecoder | undefined => {
    if (!wasm) return undefined;
    const k = gbk ? 0 : 1;
    let l = loops[k];
    if (l === undefined) {
      try {
        l = new WasmPairDecoder(wasm, tables(gbk)[1], gbk);
      } catch {
        l = null;
      }
      loops[k] = l;
    }
    return l ?? undefined;
  };

  function encode(text: string, charset: 'gbk' | 'gb2312', ctx: CharsetContext): Uint8Array {
    const gbk = charset === 'gbk';
    const table = tables(gbk)[0];
    const n = text.length;
    const out = byteBuffer(n * 2);
    let o = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        out[o++] = c;
        continue;
      }
      const v = table[c]!;
      if (v !== 0) {
        out[o] = v >> 8;
        out[o + 1] = v; // Uint8Array stores the low byte
        o += 2;
      } else if (c === 0x20ac && gbk) out[o++] = 0x80;
      else throw unencodable(text, i, charset, ctx);
    }
    return out.slice(0, o);
  }

  // One-shot decodes reuse one decoder per charset (a complete, non-streaming call leaves no state).
  let onceGbk: GbkDecoder | undefined;
  let once2312: GbkDecoder | undefined;
  return {
    source,
    engine: wasm ? 'wasm' : 'js',
    encode,
    decoder: (charset, ctx) => new GbkDecoder(tables(charset === 'gbk')[1], charset, ctx, loop(charset === 'gbk')),
    pairs: (charset) => tables(charset === 'gbk')[1],
    decode(bytes, charset, ctx) {
      const d =
        charset === 'gbk'
          ? (onceGbk ??= new GbkDecoder(dec, 'gbk', ctx, loop(true)))
          : (once2312 ??= new GbkDecoder(tables(false)[1], 'gb2312', ctx, loop(false)));
      d.ctx = ctx;
      return d.decode(bytes, false);
    },
  };
}

/** @internal Strict streaming GBK / GB 2312 decoder; a lead byte may end one chunk and its trail start the next. */
class GbkDecoder implements ChunkDecoder {
  private lead = 0; // pending lead byte from the previous chunk, 0 if none
  private consumed = 0;
  constructor(
    private readonly dec: Uint16Array,
    private readonly charset: Charset,
    public ctx: CharsetContext,
    private readonly wasm?: WasmPairDecoder,
  ) {}

  decode(chunk: Uint8Array = EMPTY, stream = false): string {
    const n = chunk.length;
    if (this.wasm !== undefined && n >= WASM_MIN && n <= WASM_MAX && this.wasm.fits(n))
      return this.decodeWasm(this.wasm, chunk, stream);
    const out = unitBuffer(n + 1);
    const dec = this.dec;
    const gbk = this.charset === 'gbk';
    let o = 0;
    let i = 0;
    let wide = false; // whether any byte was not ASCII
    if (this.lead !== 0 && n > 0) {
      const v = dec[(this.lead << 8) | chunk[0]!]!;
      if (v === 0) throw this.fail(-1, [this.lead, chunk[0]!]);
      out[o++] = v;
      this.lead = 0;
      i = 1;
      wide = true;
    }
    // Hot loop (bench/charset.mjs, bench/README.md): ASCII runs are copied four bytes per step (one
    // OR-ed test for three lookahead bytes), a pair takes one lookup in the 64 Ki table, whose zero
    // entries cover every invalid pair (and 0x80, 0xFF leads), so the loop has no range checks; the
    // rare cases (0x80 as €, errors) are sorted out after a zero. Faster than testing each aligned
    // group of four bytes and handling the rest byte by byte (bench/gbk-decode-loops.mjs).
    const last = n - 1;
    const last4 = n - 4;
    while (i < last) {
      let b = chunk[i]!;
      if (b < 0x80) {
        while (i < last4) {
          const c1 = chunk[i + 1]!,
            c2 = chunk[i + 2]!,
            c3 = chunk[i + 3]!;
          if ((c1 | c2 | c3) >= 0x80) break;
          out[o] = b;
          out[o + 1] = c1;
          out[o + 2] = c2;
          out[o + 3] = c3;
          o += 4;
          i += 4;
          b = chunk[i]!;
          if (b >= 0x80) break;
        }
        if (b < 0x80) {
          do out[o++] = b;
          while (++i < last && (b = chunk[i]!) < 0x80);
        }
        continue;
      }
      // A pair makes o < n, which marks the output as not ASCII-only (below); € marks it here.
      const v = dec[(b << 8) | chunk[i + 1]!]!;
      if (v !== 0) {
        out[o++] = v;
        i += 2;
      } else if (b === 0x80 && gbk) {
        out[o++] = 0x20ac;
        i++;
        wide = true;
      } else throw this.fail(i, [b, chunk[i + 1]!]);
    }
    if (i < n) {
      // The last byte: ASCII, €, or a lead byte whose trail is in the next chunk.
      const b = chunk[i]!;
      if (b < 0x80) out[o++] = b;
      else {
        wide = true;
        if (b === 0x80 && gbk) out[o++] = 0x20ac;
        else if (stream && b >= 0x81 && b <= 0xfe)
          this.lead = b; // waits for its trail in the next chunk
        else throw this.fail(i, [b]);
      }
    }
    if (!stream && this.lead !== 0) throw this.fail(-1, [this.lead]);
    this.consumed = stream ? this.consumed + n : 0;
    // ASCII only: the runtime's UTF-8 decoder makes the same string from the input several times faster.
    return wide || o !== n ? codeUnitsToString(out, o) : asciiToString(chunk);
  }

  // The same decode with the loop in WebAssembly (gbk-wasm.ts); the rare cases it stops at are
  // sorted out here exactly as the JS loop does.
  private decodeWasm(w: WasmPairDecoder, chunk: Uint8Array, stream: boolean): string {
    const n = chunk.length;
    let from = 0;
    let first = -1;
    if (this.lead !== 0) {
      const v = this.dec[(this.lead << 8) | chunk[0]!]!;
      if (v === 0) throw this.fail(-1, [this.lead, chunk[0]!]);
      first = v;
      this.lead = 0;
      from = 1;
    }
    let s = w.decode(chunk, from, first);
    const end = from + w.consumed;
    // ASCII only: the runtime's UTF-8 decoder makes the same string from the input several times faster.
    if (!w.wide) s = asciiToString(from === 0 && end === n ? chunk : chunk.subarray(from, end));
    if (end < n) {
      // Stopped at: a lead byte that is the last byte (its trail comes in the next chunk when
      // streaming), or a byte that is not a character (an invalid pair, 0xFF, 0x80 in GB 2312).
      const b = chunk[end]!;
      if (end < n - 1) throw this.fail(end, [b, chunk[end + 1]!]);
      if (stream && b >= 0x81 && b <= 0xfe) this.lead = b;
      else throw this.fail(end, [b]);
    }
    this.consumed = stream ? this.consumed + n : 0;
    return s;
  }

  private fail(at: number, bytes: number[]): Error {
    const offset = this.consumed + at;
    this.consumed = 0;
    this.lead = 0;
    return malformed(this.charset, offset, bytes, this.ctx);
  }
}
