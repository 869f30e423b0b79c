/**
 * `encode`, `decode` and the streaming decoder for the gateway charsets, with the lazy loading of the
 * GBK/GB 2312 codec.
 *
 * Why an explicit `loadCharset`: `encode` is synchronous (signing is), but the GBK codec must not be
 * in a UTF-8-only bundle and may need a table fetched on demand. So GBK and GB 2312 are usable
 * synchronously once `await loadCharset('gbk')` (or `'gb2312'`) has resolved; before that, `encode`
 * and `decode` throw `CHARSET_NOT_LOADED`. This holds in every runtime, whether or not it has a native
 * GBK decoder, so code that works in one runtime works in all. The async request builder
 * (`buildLeftAmountRequest`) calls `loadCharset` itself. Bundlers turn the `import()` into a separate
 * chunk (or, for single-file bundles such as MV3 service workers, inline it).
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import type { ChunkDecoder, GbkCodec } from './gbk.js';
import type { GbkSource } from './gbk-load.js';
import { type Charset, type CharsetContext, normalizeCharset } from './names.js';
import { encodeUtf8, Utf8Decoder } from './utf8.js';

const NO_CONTEXT: CharsetContext = /* @__PURE__ */ Object.freeze({});
let gbk: GbkCodec | undefined;
let loading: Promise<GbkCodec> | undefined;

/** Options of {@link loadCharset}. */
export interface LoadCharsetOptions {
  /**
   * Where the GBK index comes from. `auto` (default): the runtime's `TextDecoder('gbk')` when it
   * reproduces the library's table exactly, else the bundled table. `table`: always the table.
   * Only the first successful load counts.
   */
  source?: GbkSource;
  /**
   * Whether the GBK / GB 2312 decoder may use its WebAssembly loop (default `true`), faster than the
   * JS loop, for chunks of 64 bytes to 1 MiB. Where WebAssembly is missing or refused (a
   * Content-Security-Policy without `'wasm-unsafe-eval'`, Cloudflare workerd) the JS loop is used,
   * with the same results. In a browser extension it is only tried when the manifest's policy
   * allows `'wasm-unsafe-eval'`; on a web page whose CSP refuses it, set `false`, or the browser
   * reports the refused compilation as a violation. Only the first successful load counts.
   */
  wasm?: boolean;
}

/**
 * Makes a charset usable by the synchronous functions. A no-op for `utf-8`; for `gbk` and `gb2312`
 * it loads the GBK codec once (a separate chunk) and resolves with where its index came from.
 * @throws WitkeyError `ILLEGAL_CHARSET` for an unknown charset name.
 * @example
 * await loadCharset('gbk');
 * encode('天之蓝', 'gbk'); // Uint8Array [0xCC, 0xEC, 0xD6, 0xAE, 0xC0, 0xB6]
 */
export async function loadCharset(charset: string, options?: LoadCharsetOptions): Promise<'builtin' | 'native' | 'table'> {
  const cs = normalizeCharset(charset);
  const opts = optionsObject(options, 'loadCharset');
  if (opts.source !== undefined && opts.source !== 'auto' && opts.source !== 'table') {
    throw new WitkeyError('INVALID_OPTION', `loadCharset: source must be 'auto' or 'table', got ${JSON.stringify(opts.source)}`, {
      field: 'source',
    });
  }
  if (opts.wasm !== undefined && typeof opts.wasm !== 'boolean') {
    throw new WitkeyError('INVALID_OPTION', `loadCharset: wasm must be a boolean, got ${typeof opts.wasm}`, { field: 'wasm' });
  }
  if (cs === 'utf-8') return 'builtin';
  if (!gbk) {
    loading ??= import('./gbk-load.js').then((m) => m.loadGbk(opts.source, opts.wasm !== false));
    try {
      gbk = await loading;
    } finally {
      loading = undefined;
    }
  }
  return gbk.source;
}

/**
 * Whether `charset` can be used synchronously now (utf-8 always; gbk/gb2312 after {@link loadCharset}).
 * @example
 * if (!isCharsetLoaded('gbk')) await loadCharset('gbk');
 */
export function isCharsetLoaded(charset: string): boolean {
  return normalizeCharset(charset) === 'utf-8' || gbk !== undefined;
}

function codec(cs: 'gbk' | 'gb2312', ctx: CharsetContext): GbkCodec {
  if (gbk) return gbk;
  throw new WitkeyError('CHARSET_NOT_LOADED', `charset ${cs} is not loaded: await loadCharset('${cs}') first`, {
    ...(ctx.field !== undefined && { field: ctx.field }),
    ...(ctx.index !== undefined && { index: ctx.index }),
  });
}

/** @internal Which decode loop the loaded GBK codec uses (undefined before `loadCharset`). */
export function gbkEngine(): 'wasm' | 'js' | undefined {
  return gbk?.engine;
}

/**
 * @internal The GBK / GB 2312 pair table (`(lead << 8 | trail)` → code point, 0 = invalid pair), or
 * undefined before `loadCharset`. For the XML decoder's short text spans.
 */
export function gbkPairs(charset: 'gbk' | 'gb2312'): Uint16Array | undefined {
  return gbk?.pairs(charset);
}

/**
 * Encodes text in a gateway charset, strictly: a character the charset cannot represent, or a lone
 * surrogate, is an error naming the character, its index (`offset`) and, when given, the parameter
 * (`field`) and record (`index`) — never a silent `?`.
 * @throws WitkeyError `ILLEGAL_CHARSET`; `CHARSET_NOT_LOADED` for gbk/gb2312 before {@link loadCharset}.
 * @example
 * encode('€5', 'gbk');    // Uint8Array [0x80, 0x35]
 * encode('喆', 'gb2312'); // throws ILLEGAL_CHARSET: "喆" (U+5586) at index 0 is not representable in gb2312
 */
export function encode(text: string, charset: Charset | string, ctx: CharsetContext = NO_CONTEXT): Uint8Array {
  if (typeof text !== 'string') throw new WitkeyError('INVALID_OPTION', 'encode: text must be a string', { field: 'text' });
  const cs = normalizeCharset(charset);
  if (cs === 'utf-8') return encodeUtf8(text, ctx);
  return codec(cs, ctx).encode(text, cs, ctx);
}

/**
 * Decodes bytes strictly: a malformed sequence is an `ILLEGAL_CHARSET` error with its byte offset,
 * never U+FFFD. GBK rejects 0xFF, a lead byte without a valid trail (0x81 0x20) and four-byte
 * GB 18030 sequences; GB 2312 accepts only ASCII and the 7445 two-byte cells of GB 2312-80.
 * @throws WitkeyError `ILLEGAL_CHARSET`; `CHARSET_NOT_LOADED` for gbk/gb2312 before {@link loadCharset}.
 * @example
 * decode(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]), 'gbk'); // '你好'
 */
export function decode(bytes: Uint8Array, charset: Charset | string, ctx: CharsetContext = NO_CONTEXT): string {
  const cs = normalizeCharset(charset);
  if (!(bytes instanceof Uint8Array))
    throw new WitkeyError('INVALID_OPTION', 'decode: bytes must be a Uint8Array', { field: 'bytes' });
  if (cs === 'utf-8') return new Utf8Decoder(ctx).decode(bytes);
  return codec(cs, ctx).decode(bytes, cs, ctx);
}

/** A streaming decoder: feed chunks split anywhere, even inside a character. */
export interface CharsetDecoder {
  /** The canonical charset name. */
  readonly charset: Charset;
  /**
   * Decodes a chunk. With `{ stream: true }` an incomplete character at the end is kept for the next
   * call; without it (the last call) an incomplete character is an error.
   */
  decode(chunk?: Uint8Array, options?: { stream?: boolean }): string;
}

/**
 * Creates a strict streaming decoder, with the calling convention of `TextDecoder`.
 * @throws WitkeyError `ILLEGAL_CHARSET`; `CHARSET_NOT_LOADED` for gbk/gb2312 before {@link loadCharset}.
 * @example
 * const d = createDecoder('gbk');
 * d.decode(new Uint8Array([0xc4]), { stream: true }) + d.decode(new Uint8Array([0xe3])); // '你'
 */
export function createDecoder(charset: Charset | string, ctx: CharsetContext = {}): CharsetDecoder {
  const cs = normalizeCharset(charset);
  const inner: ChunkDecoder = cs === 'utf-8' ? new Utf8Decoder(ctx) : codec(cs, ctx).decoder(cs, ctx);
  return {
    charset: cs,
    decode(chunk?: Uint8Array, options?: { stream?: boolean }): string {
      if (chunk !== undefined && !(chunk instanceof Uint8Array)) {
        throw new WitkeyError('INVALID_OPTION', 'decode: bytes must be a Uint8Array', { field: 'bytes' });
      }
      return inner.decode(chunk, options?.stream === true);
    },
  };
}

/**
 * A `TransformStream` from bytes to text in a gateway charset, strict like {@link createDecoder}.
 * @example
 * const text = response.body!.pipeThrough(createDecoderStream('gbk'));
 */
export function createDecoderStream(charset: Charset | string, ctx: CharsetContext = {}): TransformStream<Uint8Array, string> {
  const d = createDecoder(charset, ctx);
  return new TransformStream<Uint8Array, string>({
    transform(chunk, controller) {
      const s = d.decode(chunk, { stream: true });
      if (s) controller.enqueue(s);
    },
    flush(controller) {
      const s = d.decode();
      if (s) controller.enqueue(s);
    },
  });
}
