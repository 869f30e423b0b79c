#!/usr/bin/env node
// Generates src/charset/gbk-wasm-bytes.ts: the WebAssembly module of the GBK / GB 2312 decode loop
// (about 250 bytes), assembled here by hand so that no WebAssembly toolchain is needed. Why it
// exists (bench/README.md, GBK decode findings): on Node 20 the JS loop plus the UTF-16 → string conversion
// is ≈ 1× TextDecoder('gbk'); the same loop in WebAssembly, with a 16-byte SIMD step over ASCII
// runs, makes the whole decode 1.2–1.35× faster than TextDecoder('gbk').
//
// The module exports `memory` (4 pages to start; the caller grows it) and
//   decode(in: i32, n: i32, out: i32, gbk: i32) -> i32
// which decodes the bytes [in, in + n) with the pair table at address 0 (65 536 little-endian u16:
// (lead << 8 | trail) → code unit, 0 = not a character) into code units at `out`, and stops at the
// first byte it cannot take alone: an invalid pair, a lead byte that is the last byte, 0x80 when
// `gbk` is 0 (GB 2312 has no €), 0xFF. It returns the number of code units written and stores at
// address 0x20000 (STATUS) the number of bytes consumed, and at 0x20004 the value 1 if any byte
// was not ASCII (it never writes 0 there: the caller clears it). In WAT:
//
//   (func (export "decode") (param $in i32) (param $n i32) (param $out i32) (param $gbk i32) (result i32)
//     (local $i i32) (local $o i32) (local $b i32) (local $v i32) (local $end i32) (local $end16 i32)
//     (local.set $i (local.get $in)) (local.set $o (local.get $out))
//     (local.set $end (i32.add (local.get $in) (local.get $n)))
//     (local.set $end16 (i32.sub (local.get $end) (i32.const 16)))
//     (block $done (loop $top
//       (block $scalar (loop $simd                           ;; 16 ASCII bytes → 16 code units
//         (br_if $scalar (i32.gt_u (local.get $i) (local.get $end16)))   ;; (signed-safe: see below)
//         (br_if $scalar (i8x16.bitmask (v128.load (local.get $i))))
//         (v128.store (local.get $o) (i16x8.extend_low_i8x16_u (v128.load (local.get $i))))
//         (v128.store offset=16 (local.get $o) (i16x8.extend_high_i8x16_u (v128.load (local.get $i))))
//         (local.set $i (i32.add (local.get $i) (i32.const 16)))
//         (local.set $o (i32.add (local.get $o) (i32.const 32)))
//         (br $simd)))
//       (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
//       (if (i32.lt_u (local.tee $b (i32.load8_u (local.get $i))) (i32.const 0x80))
//         (then (i32.store16 (local.get $o) (local.get $b)) $o += 2, $i += 1, (br $top)))
//       (if (i32.eq (local.get $b) (i32.const 0x80))
//         (then (br_if $done (i32.eqz (local.get $gbk)))
//               (i32.store16 (local.get $o) (i32.const 0x20AC)) (i32.store (i32.const 0x20004) (i32.const 1))
//               $o += 2, $i += 1, (br $top)))
//       (br_if $done (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $end)))
//       (br_if $done (i32.eqz (local.tee $v (i32.load16_u (i32.shl (i32.or (i32.shl (local.get $b) (i32.const 8))
//                                                                           (i32.load8_u offset=1 (local.get $i))) (i32.const 1))))))
//       (i32.store16 (local.get $o) (local.get $v)) (i32.store (i32.const 0x20004) (i32.const 1))
//       $o += 2, $i += 2, (br $top)))
//     (i32.store (i32.const 0x20000) (i32.sub (local.get $i) (local.get $in)))
//     (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 1)))
//
// The caller keeps `in` ≥ 0x20010 and n < 2^30, so $end16 = $end − 16 never wraps below 0.
// Run: node scripts/gen-gbk-wasm.mjs            (writes the file)
//      node scripts/gen-gbk-wasm.mjs --check    (exit 1 if the file differs; used by the tests)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { name, section, sleb, uleb, vec } from './lib/wasm-binary.mjs';

const I32 = 0x7f;
const VOID = 0x40;
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  load8u: 0x2d,
  load16u: 0x2f,
  store: 0x36,
  store16: 0x3b,
  const: 0x41,
  eqz: 0x45,
  eq: 0x46,
  ltu: 0x49,
  gtu: 0x4b,
  geu: 0x4f,
  add: 0x6a,
  sub: 0x6b,
  or: 0x72,
  shl: 0x74,
  shru: 0x76,
};
const SIMD = { load: 0, store: 11, bitmask: 100, extendLow: 137, extendHigh: 138 };
export const STATUS = 0x20000;

export function assemble() {
  const L = { in: 0, n: 1, out: 2, gbk: 3, i: 4, o: 5, b: 6, v: 7, end: 8, end16: 9 };
  const c = [];
  const e = (...x) => c.push(...x);
  const get = (l) => e(OP.get, l);
  const set = (l) => e(OP.set, l);
  const tee = (l) => e(OP.tee, l);
  const k = (n) => e(OP.const, ...sleb(n));
  const mem = (op, align, offset = 0) => e(op, align, ...uleb(offset));
  const simd = (op, ...imm) => e(0xfd, ...uleb(op), ...imm);
  const bump = (l, by) => {
    get(l);
    k(by);
    e(OP.add);
    set(l);
  };

  get(L.in);
  set(L.i);
  get(L.out);
  set(L.o);
  get(L.in);
  get(L.n);
  e(OP.add);
  set(L.end);
  get(L.end);
  k(16);
  e(OP.sub);
  set(L.end16);
  e(OP.block, VOID); // $done
  e(OP.loop, VOID); // $top
  e(OP.block, VOID); // $scalar
  e(OP.loop, VOID); // $simd
  get(L.i);
  get(L.end16);
  e(OP.gtu);
  e(OP.br_if, 1);
  get(L.i);
  simd(SIMD.load, 0, 0);
  simd(SIMD.bitmask);
  e(OP.br_if, 1);
  get(L.o);
  get(L.i);
  simd(SIMD.load, 0, 0);
  simd(SIMD.extendLow);
  simd(SIMD.store, 0, 0);
  get(L.o);
  get(L.i);
  simd(SIMD.load, 0, 0);
  simd(SIMD.extendHigh);
  simd(SIMD.store, 0, 16);
  bump(L.i, 16);
  bump(L.o, 32);
  e(OP.br, 0);
  e(OP.end); // $simd
  e(OP.end); // $scalar
  get(L.i);
  get(L.end);
  e(OP.geu);
  e(OP.br_if, 1); // → $done
  get(L.i);
  mem(OP.load8u, 0);
  tee(L.b);
  k(0x80);
  e(OP.ltu);
  e(OP.if, VOID);
  get(L.o);
  get(L.b);
  mem(OP.store16, 1);
  bump(L.o, 2);
  bump(L.i, 1);
  e(OP.br, 1); // → $top
  e(OP.end);
  get(L.b);
  k(0x80);
  e(OP.eq);
  e(OP.if, VOID);
  get(L.gbk);
  e(OP.eqz);
  e(OP.br_if, 2); // → $done
  get(L.o);
  k(0x20ac);
  mem(OP.store16, 1);
  k(STATUS + 4);
  k(1);
  mem(OP.store, 2);
  bump(L.o, 2);
  bump(L.i, 1);
  e(OP.br, 1); // → $top
  e(OP.end);
  get(L.i);
  k(1);
  e(OP.add);
  get(L.end);
  e(OP.geu);
  e(OP.br_if, 1); // lead byte last → $done
  get(L.b);
  k(8);
  e(OP.shl);
  get(L.i);
  mem(OP.load8u, 0, 1);
  e(OP.or);
  k(1);
  e(OP.shl);
  mem(OP.load16u, 1);
  tee(L.v);
  e(OP.eqz);
  e(OP.br_if, 1); // not a character → $done
  get(L.o);
  get(L.v);
  mem(OP.store16, 1);
  k(STATUS + 4);
  k(1);
  mem(OP.store, 2);
  bump(L.o, 2);
  bump(L.i, 2);
  e(OP.br, 0); // → $top
  e(OP.end); // $top
  e(OP.end); // $done
  k(STATUS);
  get(L.i);
  get(L.in);
  e(OP.sub);
  mem(OP.store, 2);
  get(L.o);
  get(L.out);
  e(OP.sub);
  k(1);
  e(OP.shru);
  e(OP.end);
  const body = [...vec([[6, I32]]), ...c];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])]])), // type: (i32 ×4) → i32
    ...section(3, vec([[0]])), // function 0 has type 0
    ...section(5, vec([[0x00, ...uleb(4)]])), // memory: 4 pages minimum, no maximum
    ...section(
      7,
      vec([
        [...name('decode'), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ), // exports
    ...section(10, vec([[...uleb(body.length), ...body]])), // code
  ]);
}

export function source() {
  const b64 = Buffer.from(assemble()).toString('base64');
  return `// GENERATED by scripts/gen-gbk-wasm.mjs (the module is described there, in WAT). Do not edit.
/** The GBK / GB 2312 decode loop as a WebAssembly module (SIMD), base64. @module */
export const GBK_WASM = '${b64}';
`;
}

const target = fileURLToPath(new URL('../src/charset/gbk-wasm-bytes.ts', import.meta.url));
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== source()) {
      console.error(`${target} differs from what scripts/gen-gbk-wasm.mjs generates`);
      process.exit(1);
    }
  } else {
    writeFileSync(target, source());
    console.log(`wrote ${target} (${assemble().length} bytes of WebAssembly)`);
  }
}
