/**
 * `alipay-witkey/charset`: strict encoders and decoders for the gateway's `_input_charset` values,
 * `utf-8`, `gbk` (WHATWG GBK, euro = 0x80) and `gb2312` (strict EUC-CN). Unrepresentable characters
 * and malformed bytes are errors, never `?` or U+FFFD. GBK/GB 2312 load on demand: `await
 * loadCharset('gbk')` before the synchronous calls. Web APIs only.
 * @module
 */
export {
  type CharsetDecoder,
  createDecoder,
  createDecoderStream,
  decode,
  encode,
  isCharsetLoaded,
  type LoadCharsetOptions,
  loadCharset,
} from './charset/codec.js';
export { type Charset, type CharsetContext, normalizeCharset } from './charset/names.js';
