/**
 * The GBK / GB 2312 decode loop in WebAssembly (module assembled by scripts/gen-gbk-wasm.mjs, which
 * shows it in WAT). Used by the GBK decoder for chunks of 64 bytes to 1 MiB when the runtime lets
 * code compile WebAssembly; elsewhere (no `WebAssembly`, a Content-Security-Policy without
 * `'wasm-unsafe-eval'` — in an extension not even tried, see {@link extensionRefusesWasm} —
 * Cloudflare workerd, which refuses code generation at run time, a big-endian platform) the JS
 * loop in gbk.ts does the same work. Results and errors are the same
 * either way (test/charset.test.mjs compares the two on random bytes).
 *
 * Memory: the 128 KB pair table, then a status word, the input bytes and the code units. It grows
 * to fit the largest chunk decoded (at most ≈ 3.2 MB, for a 1 MiB chunk) and is kept.
 * @module
 */
import { extensionRefusesWasm } from '../internal/wasm-policy.js';
import { GBK_WASM } from './gbk-wasm-bytes.js';

export { extensionRefusesWasm };

const STATUS = 0x20000; // consumed bytes (i32), then the "not ASCII" flag (i32)
const IN = STATUS + 16;
// Where the code units of an n-byte input start: after the input, 16-aligned.
const outAt = (n: number): number => IN + ((n + 15) & ~15) + 16;
/** Smallest and largest chunk handed to WebAssembly (bytes). */
export const WASM_MIN = 64;
export const WASM_MAX = 1 << 20;

/**
 * Compiles the module, or returns undefined where WebAssembly is missing or refused, or where it
 * could not be used as is (a big-endian platform: the module writes little-endian code units; no
 * UTF-16LE TextDecoder to turn them into a string).
 */
export async function compileGbkWasm(): Promise<WebAssembly.Module | undefined> {
  if (typeof WebAssembly !== 'object' || typeof atob !== 'function') return undefined;
  if (extensionRefusesWasm()) return undefined;
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return undefined;
  try {
    new TextDecoder('utf-16le');
  } catch {
    return undefined;
  }
  const bin = atob(GBK_WASM);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  try {
    return await WebAssembly.compile(bytes);
  } catch {
    return undefined; // refused by the embedder or a CSP, or no SIMD: the JS loop is used
  }
}

/** One instance of the loop with one pair table (GBK or GB 2312) in its memory. */
export class WasmPairDecoder {
  private readonly run: (input: number, n: number, out: number, gbk: number) => number;
  private readonly memory: WebAssembly.Memory;
  private u8: Uint8Array;
  private u16: Uint16Array;
  private i32: Int32Array;
  private readonly utf16 = new TextDecoder('utf-16le');
  /** After {@link decode}: how many bytes of the chunk were consumed, and whether any was not ASCII. */
  consumed = 0;
  wide = false;

  constructor(
    module: WebAssembly.Module,
    pairs: Uint16Array,
    private readonly gbk: boolean,
  ) {
    const inst = new WebAssembly.Instance(module, {});
    this.run = inst.exports.decode as (input: number, n: number, out: number, gbk: number) => number;
    this.memory = inst.exports.memory as WebAssembly.Memory;
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u16 = new Uint16Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.u16.set(pairs);
  }

  /**
   * Makes room for a chunk of `n` bytes (≤ WASM_MAX); false if the memory cannot grow (the caller
   * then decodes that chunk with the JS loop).
   */
  fits(n: number): boolean {
    const need = outAt(n) + 2 * (n + 1) + 32; // the SIMD step writes 32 bytes at a time
    if (need <= this.u8.length) return true;
    try {
      this.memory.grow(Math.ceil((need - this.u8.length) / 65536));
    } catch {
      return false;
    }
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u16 = new Uint16Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    return true;
  }

  /**
   * Decodes chunk[from, n) (room made by {@link fits} for the whole chunk), after `first` (a code
   * unit already decoded, or −1), up to the first byte the loop cannot take alone (`consumed` tells
   * where, relative to `from`). Returns the string of every code unit written, or '' when `wide`
   * is false (ASCII only: the caller makes that string faster from the bytes).
   */
  decode(chunk: Uint8Array, from: number, first: number): string {
    const n = chunk.length - from;
    const out = outAt(n);
    this.u8.set(from === 0 ? chunk : chunk.subarray(from), IN);
    let o = out;
    if (first >= 0) {
      this.u16[o >> 1] = first;
      o += 2;
    }
    this.i32[(STATUS + 4) >> 2] = 0;
    const units = this.run(IN, n, o, this.gbk ? 1 : 0) + (first >= 0 ? 1 : 0);
    this.consumed = this.i32[STATUS >> 2]!;
    this.wide = first >= 0 || this.i32[(STATUS + 4) >> 2] !== 0;
    return this.wide ? this.utf16.decode(this.u16.subarray(out >> 1, (out >> 1) + units)) : '';
  }
}
