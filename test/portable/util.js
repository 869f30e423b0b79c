// Helpers for the portable tests: hex, bigint, a tiny DER writer (X.690; independent of src/), and
// a loop over the DSA arithmetic engines.
import { setDsaEngine } from './lib.js';

/**
 * Runs fn(engine) once per DSA arithmetic this runtime offers: WebAssembly Montgomery multiplication
 * where the runtime compiles it, and always bigint; every table is dropped before each run, so each
 * engine builds its own. A failure names the engine. Returns the engines that ran.
 */
export function forEachEngine(fn) {
  const ran = [];
  try {
    for (const engine of ['wasm', 'bigint']) {
      if (!setDsaEngine(engine)) continue;
      ran.push(engine);
      try {
        fn(engine);
      } catch (e) {
        if (e && typeof e === 'object') e.message = `[${engine}] ${e.message}`;
        throw e;
      }
    }
  } finally {
    setDsaEngine(undefined);
  }
  if (!ran.includes('bigint')) throw new Error('the bigint engine did not run');
  return ran;
}
export function hexToBytes(hex) {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2) throw new Error(`odd hex length: ${clean.length}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const b = parseInt(clean.substr(i * 2, 2), 16);
    if (Number.isNaN(b)) throw new Error(`bad hex at ${i * 2}`);
    out[i] = b;
  }
  return out;
}
export const bytesToHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
export const big = (hex) => (hex.replace(/\s+/g, '') === '' ? 0n : BigInt('0x' + hex.replace(/\s+/g, '')));
export const utf8 = (s) => new TextEncoder().encode(s);

export function toBytes(n, len) {
  const hex = n.toString(16).padStart(len * 2, '0');
  if (hex.length > len * 2) throw new RangeError('does not fit');
  return hexToBytes(hex);
}
function derLength(len) {
  if (len < 0x80) return [len];
  const bytes = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag, content) => Uint8Array.from([tag, ...derLength(content.length), ...content]);
function integer(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const bytes = hex.match(/../g).map((h) => parseInt(h, 16));
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, bytes);
}
/** DER `SEQUENCE { INTEGER r, INTEGER s }`. */
export const derSignature = (r, s) => tlv(0x30, [...integer(r), ...integer(s)]);

export function base64ToBytes(b64) {
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
