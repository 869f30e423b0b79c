// Preload for the native-path test: replaces TextDecoder('gbk') with one backed by iconv-lite
// (FAKE_GBK=exact), the same with one pointer changed (deviant), or removes GBK support (missing).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const iconv = require('iconv-lite');
const Native = globalThis.TextDecoder;
const mode = process.env.FAKE_GBK;
globalThis.TextDecoder = class extends Native {
  #gbk;
  constructor(label = 'utf-8', options) {
    const gbk = String(label).toLowerCase() === 'gbk';
    if (gbk && mode === 'missing') throw new RangeError('unsupported encoding');
    super(gbk ? 'utf-8' : label, options);
    this.#gbk = gbk;
  }
  decode(input, options) {
    if (!this.#gbk) return super.decode(input, options);
    const s = iconv.decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength), 'gbk');
    return mode === 'deviant' ? s.replace('\u20ac', '\ue76c') : s;
  }
};
