/**
 * `alipay-witkey/charset`: strict encoders and decoders for the gateway's `_input_charset` values,
 * `utf-8`, `gbk` (WHATWG GBK, euro = 0x80) and `gb2312` (strict EUC-CN). Unrepresentable characters
 * and malformed bytes are errors, never `?` or U+FFFD. GBK/GB 2312 load on demand: `await
 * loadCharset('gbk')` before the synchronous calls. Web APIs only.
 * @module
 */
export {
  encode,
  decode,
  createDecoder,
  createDecoderStream,
  loadCharset,
  isCharsetLoaded,
  type CharsetDecoder,
  type LoadCharsetOptions,
} from './charset/codec.js';
export { normalizeCharset, type Charset, type CharsetContext } from './charset/names.js';
