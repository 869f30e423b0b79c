/**
 * Obtains the GBK two-byte index and builds the GBK codec. Loaded by `loadCharset` through a dynamic
 * import, so that UTF-8-only users never download it.
 *
 * Two sources, one result. Where the runtime's `TextDecoder('gbk')` decodes all 23 940 two-byte
 * sequences to exactly the table this library ships (checked by SHA-1 of the decoded index), the
 * index is taken from it and the ~18 KB gz table is never fetched: browsers implement the WHATWG
 * index and pass. Otherwise the bundled table is imported. Node 20's ICU fails the check (it maps 83
 * pointers differently, e.g. A2E3 → U+E76C and FE50 → U+E815 where WHATWG has U+20AC and U+2E81),
 * workerd may lack the decoder altogether, and a runtime that moves to GB 18030-2022 mappings would
 * fail it too: in every case the codec behaves identically, whatever the runtime.
 * @module
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { hex } from '../wire/bytes.js';
import { createGbkCodec, type GbkCodec, POINTERS } from './gbk.js';
import { GBK_INDEX_SHA1 } from './gbk-index-hash.js';
import { compileGbkWasm } from './gbk-wasm.js';

/** @internal How to obtain the index: from the runtime if it matches (`auto`), or always from the table. */
export type GbkSource = 'auto' | 'table';

function hashIndex(index: Uint16Array): string {
  const be = new Uint8Array(POINTERS * 2);
  for (let i = 0; i < POINTERS; i++) {
    be[2 * i] = index[i]! >> 8;
    be[2 * i + 1] = index[i]! & 0xff;
  }
  return hex(sha1(be));
}

/** @internal Spot-check pairs (lead, trail) and what our table maps them to (test/charset.test.mjs checks these against iconv-lite). */
export const SPOT_PAIRS: readonly (readonly [number, number, number])[] = [
  [0xa2, 0xe3, 0x20ac],
  [0xfe, 0x50, 0x2e81],
  [0xa6, 0xd9, 0xe78d],
  [0xa8, 0xbc, 0x1e3f],
  [0xa3, 0xa0, 0x3000],
];
const SPOT_BYTES = /* @__PURE__ */ new Uint8Array(SPOT_PAIRS.length * 2).map((_, i) => SPOT_PAIRS[i >> 1]![i & 1]!);
const SPOT_CODES = /* @__PURE__ */ SPOT_PAIRS.map(([, , c]) => c);

/** @internal The index decoded by the runtime's TextDecoder('gbk'), if it has one and it matches ours. */
export function nativeIndex(): Uint16Array | undefined {
  let td: TextDecoder;
  try {
    td = new TextDecoder('gbk', { fatal: true });
  } catch {
    return undefined;
  }
  // Five pairs where the runtimes that differ from our table are known to differ (Node 20's ICU at
  // A2E3, FE50, A8BC, A3A0; GB 18030-2022 mappings at A6D9): a runtime that fails them is refused in
  // a few microseconds instead of after decoding and hashing all 23 940 pairs (~20 ms on Node 20).
  let probe: string;
  try {
    probe = td.decode(SPOT_BYTES);
  } catch {
    return undefined;
  }
  if (probe.length !== SPOT_CODES.length || SPOT_CODES.some((c, i) => probe.charCodeAt(i) !== c)) return undefined;
  const all = new Uint8Array(POINTERS * 2);
  for (let p = 0, o = 0; p < POINTERS; p++) {
    const t = p % 190;
    all[o++] = 0x81 + ((p / 190) | 0);
    all[o++] = t < 0x3f ? 0x40 + t : 0x41 + t;
  }
  let s: string;
  try {
    s = td.decode(all);
  } catch {
    return undefined;
  }
  if (s.length !== POINTERS) return undefined;
  const index = new Uint16Array(POINTERS);
  for (let i = 0; i < POINTERS; i++) index[i] = s.charCodeAt(i);
  return hashIndex(index) === GBK_INDEX_SHA1 ? index : undefined;
}

/** @internal Expands the delta-coded table (format in scripts/gen-gbk-index.mjs). */
export function parseIndex(data: string): Uint16Array {
  const index = new Uint16Array(POINTERS);
  let cp = 0;
  let o = 0;
  for (let i = 0; i < data.length; ) {
    const c = data.charCodeAt(i++);
    if (c >= 0x61) {
      for (let k = c - 0x60; k > 0; k--) index[o++] = ++cp;
    } else if (c >= 0x41 && c <= 0x5a) {
      index[o++] = cp += c - 0x41 + 2;
    } else {
      const end = data.indexOf(']', i);
      const z = parseInt(data.slice(i, end), 36);
      index[o++] = cp += z & 1 ? -(z + 1) / 2 : z / 2;
      i = end + 1;
    }
  }
  if (o !== POINTERS) throw new Error('corrupt GBK index');
  return index;
}

/**
 * @internal Builds the GBK codec from the runtime's decoder when it matches, else from the table;
 * with the WebAssembly decode loop unless `wasm` is false or the runtime refuses it.
 */
export async function loadGbk(source: GbkSource = 'auto', wasm = true): Promise<GbkCodec> {
  const module = wasm ? await compileGbkWasm() : undefined;
  const native = source === 'auto' ? nativeIndex() : undefined;
  if (native) return createGbkCodec(native, 'native', module);
  const { GBK_INDEX_DATA } = await import('./gbk-index.js');
  const index = parseIndex(GBK_INDEX_DATA);
  if (hashIndex(index) !== GBK_INDEX_SHA1) throw new Error('corrupt GBK index');
  return createGbkCodec(index, 'table', module);
}
