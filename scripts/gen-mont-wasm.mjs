#!/usr/bin/env node
// Generates src/dsa/mont-wasm-bytes.ts: the WebAssembly module of the Montgomery multiplication that
// DSA's exponentiations run on where the runtime allows WebAssembly (src/dsa/mont.ts), assembled
// here from the s-expressions below so that no WebAssembly toolchain is needed. Why it exists
// (bench/README.md, "DSA on WebAssembly"): a bigint `a * b % p` costs ~1.2 µs at 1024 bits, most of it
// in the division; this product-scanning Montgomery multiplication with SIMD 32×32→64-bit products
// takes about 0.4–0.5 µs, and it has no branch on the operands' values.
//
// Numbers are little-endian arrays of n limbs of 28 bits, one per 32-bit word, with n = ⌈(L + 2)/28⌉
// so that R = 2^(28n) > 4p. The module exports `memory` (1 page to start; the caller grows it for
// its tables), `chain` (further below: a list of multiplications in one call) and
//
//   mul(r: i32, a: i32, b: i32, ctx: i32)
//
// which stores at r the n limbs of a·b·R⁻¹ mod p, in [0, 2p) whenever a, b < 2p (no final
// subtraction: with R > 4p the result stays below 2p, so the sequence of operations is the same for
// every operand). r may be a or b. The modulus context at ctx is: n (i32), −p⁻¹ mod 2^28 (i32),
// p's lowest limb (i32), 0 (i32), then p's limbs in reverse order (most significant first) followed
// by 4 zero words.
//
// Scratch (fixed addresses below 0x1100, each area ≤ 1 KiB): A = a's limbs then 4 zero words;
// M = A + OFF, the reduction factors m_0 … m_(n−1) (zeroed first); B = b's limbs reversed, then 4
// zero words; P = B + OFF, a copy of the context's reversed p. Column k of the product
// (k = 0 … 2n−2) is Σ a_i·b_(k−i) + Σ m_i·p_(k−i): with b and p reversed, both factors of every term
// ascend in i, so four terms at a time are two 16-byte loads and two `i64x2.extmul_*_i32x4_u`; the
// zero words make a group that runs past either end add 0 (and m_k is still 0 while column k < n
// sums). Each product is < 2^56; a column has at most n/4 + 1 groups of 8 products, so the two
// lanes and the carry add up to less than (n + 4)·2^57 + 2^40 < 2^64 for n ≤ 123 (3072 bits: n = 110),
// and the columns need no carry inside. In WAT:
//
//   (func (export "mul") (param $r i32) (param $a i32) (param $b i32) (param $ctx i32)
//     n4 := 4n; pinv := ctx[1]
//     for k in 0, 16, … < n4:  A[k] := a[k] (v128); M[k] := 0; P[k] := ctx[16 + k]      ;; then the
//     A[n4], M[n4], P[n4] := 0 (v128)                                                       ;; zero words
//     for k in 0, 4, … < n4:  B[k] := b[n4 − 4 − k] (i32);  B[n4] := 0 (v128)
//     s := 0 (i64)
//     for k in 0, 4, … < n4:                       ;; columns 0 … n−1: they yield m_k
//       acc := 0 (i64x2); x := A; y := B + n4 − 4 − k
//       do { acc += extmul_low(x[0], y[0]) + extmul_high(x[0], y[0])
//                 + extmul_low(x[OFF], y[OFF]) + extmul_high(x[OFF], y[OFF]); x += 16; y += 16 }
//       while x ≤ A + k
//       s += lane0(acc) + lane1(acc)
//       m := (wrap(s) · pinv) & 0xfffffff;  M[k] := m
//       s := (s + m · ctx[2]) >> 28                ;; the low 28 bits are 0
//     for k in n4, n4 + 4, … < 2·n4 − 4:           ;; columns n … 2n−2: they yield r
//       acc := 0; x := A + k − n4 + 4; y := B
//       do { …the same four products… } while x ≤ A + n4 − 4
//       s += lane0(acc) + lane1(acc)
//       r[k − n4] := wrap(s) & 0xfffffff;  s := s >> 28
//     r[n4 − 4] := wrap(s))
//
// Run: node scripts/gen-mont-wasm.mjs            (writes the file)
//      node scripts/gen-mont-wasm.mjs --check    (exit 1 if the file differs; used by the tests)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { name, section, sleb, uleb, vec } from './lib/wasm-binary.mjs';

// ---- a small s-expression assembler ---------------------------------------------------------------
const T = { i32: 0x7f, i64: 0x7e, v128: 0x7b };
const simd = (op) => [0xfd, ...uleb(op)];

/** Operators whose operands are their sub-expressions and that have no immediate. */
const PLAIN = {
  'i32.lt_u': [0x49],
  'i32.le_u': [0x4d],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.and': [0x71],
  'i32.shl': [0x74],
  'i64.add': [0x7c],
  'i64.mul': [0x7e],
  'i64.shr_u': [0x88],
  'i32.wrap_i64': [0xa7],
  'i64.extend_i32_u': [0xad],
  'i64x2.add': simd(206),
  'i64x2.extmul_low_i32x4_u': simd(222),
  'i64x2.extmul_high_i32x4_u': simd(223),
};
/** Memory operators: [opcode bytes, log2 alignment]; operands (address, [value,] offset). */
const MEM = {
  'i32.load': [[0x28], 2],
  'i64.load32_u': [[0x35], 2],
  'i32.store': [[0x36], 2],
  'v128.load': [simd(0), 4],
  'v128.store': [simd(11), 4],
};

/** Assembles one function: params and locals are [name, type] lists, body a list of s-expressions. */
function func(exportName, params, locals, body) {
  const index = new Map([...params, ...locals].map(([n], i) => [n, i]));
  const local = (n) => {
    if (!index.has(n)) throw new Error(`unknown local ${n}`);
    return uleb(index.get(n));
  };
  const out = [];
  const labels = [];
  const depth = (label) => {
    const i = labels.lastIndexOf(label);
    if (i < 0) throw new Error(`unknown label ${label}`);
    return uleb(labels.length - 1 - i);
  };
  const emit = (x) => {
    const [op, ...a] = x;
    if (op === 'local.get') {
      out.push(0x20, ...local(a[0]));
    } else if (op === 'local.set') {
      emit(a[1]);
      out.push(0x21, ...local(a[0]));
    } else if (op === 'i32.const') {
      out.push(0x41, ...sleb(a[0]));
    } else if (op === 'i64.const') {
      out.push(0x42, ...sleb(a[0]));
    } else if (op === 'v128.zero') {
      out.push(...simd(12), ...new Array(16).fill(0));
    } else if (op === 'loop' || op === 'block') {
      labels.push(a[0]);
      out.push(op === 'loop' ? 0x03 : 0x02, 0x40);
      a.slice(1).forEach(emit);
      out.push(0x0b);
      labels.pop();
    } else if (op === 'br_if') {
      emit(a[1]);
      out.push(0x0d, ...depth(a[0]));
    } else if (op === 'br') {
      out.push(0x0c, ...depth(a[0]));
    } else if (op === 'call') {
      a.slice(1).forEach(emit);
      out.push(0x10, ...uleb(a[0]));
    } else if (op === 'i64x2.extract_lane') {
      emit(a[0]);
      out.push(...simd(29), a[1]);
    } else if (PLAIN[op]) {
      a.forEach(emit);
      out.push(...PLAIN[op]);
    } else if (MEM[op]) {
      const [code, align] = MEM[op];
      const store = op.endsWith('store');
      emit(a[0]);
      if (store) emit(a[1]);
      out.push(...code, align, ...uleb((store ? a[2] : a[1]) ?? 0));
    } else {
      throw new Error(`unknown operator ${op}`);
    }
  };
  body.forEach(emit);
  out.push(0x0b);
  const code = [...vec(locals.map(([, t]) => [1, t])), ...out];
  return { exportName, type: [0x60, ...vec(params.map(([, t]) => [t])), ...vec([])], code: [...uleb(code.length), ...code] };
}

// ---- the Montgomery multiplication ----------------------------------------------------------------
export const A = 0x100;
export const OFF = 0x400;
export const B = 0x900;
/** First byte the caller may use (modulus context, then numbers). */
export const FREE = 0x1100;
const MASK = 0xfffffff;

const get = (n) => ['local.get', n];
const set = (n, v) => ['local.set', n, v];
const i32 = (v) => ['i32.const', v];
const add = (x, y) => ['i32.add', x, y];
const sub = (x, y) => ['i32.sub', x, y];
const vadd = (x, y) => ['i64x2.add', x, y];
const lo = (x, y) => ['i64x2.extmul_low_i32x4_u', get(x), get(y)];
const hi = (x, y) => ['i64x2.extmul_high_i32x4_u', get(x), get(y)];

/** Four terms of a·b and four of m·p, at x (A, then M at +OFF) and y (B, then P at +OFF). */
const group = [
  set('va', ['v128.load', get('x'), 0]),
  set('vb', ['v128.load', get('y'), 0]),
  set('vm', ['v128.load', get('x'), OFF]),
  set('vp', ['v128.load', get('y'), OFF]),
  set('acc', vadd(get('acc'), vadd(vadd(lo('va', 'vb'), hi('va', 'vb')), vadd(lo('vm', 'vp'), hi('vm', 'vp'))))),
  set('x', add(get('x'), i32(16))),
  set('y', add(get('y'), i32(16))),
];
const laneSum = ['i64.add', ['i64x2.extract_lane', get('acc'), 0], ['i64x2.extract_lane', get('acc'), 1]];

const mul = func(
  'mul',
  [
    ['r', T.i32],
    ['a', T.i32],
    ['b', T.i32],
    ['ctx', T.i32],
  ],
  [
    ['n4', T.i32],
    ['pinv', T.i32],
    ['k', T.i32],
    ['x', T.i32],
    ['y', T.i32],
    ['end', T.i32],
    ['m', T.i32],
    ['s', T.i64],
    ['acc', T.v128],
    ['va', T.v128],
    ['vb', T.v128],
    ['vm', T.v128],
    ['vp', T.v128],
  ],
  [
    set('n4', ['i32.shl', ['i32.load', get('ctx')], i32(2)]),
    set('pinv', ['i32.load', get('ctx'), 4]),
    set('k', i32(0)),
    [
      'loop',
      'copy',
      ['v128.store', add(i32(A), get('k')), ['v128.load', add(get('a'), get('k'))]],
      ['v128.store', add(i32(A + OFF), get('k')), ['v128.zero']],
      ['v128.store', add(i32(B + OFF), get('k')), ['v128.load', add(get('ctx'), get('k')), 16]],
      set('k', add(get('k'), i32(16))),
      ['br_if', 'copy', ['i32.lt_u', get('k'), get('n4')]],
    ],
    ['v128.store', add(i32(A), get('n4')), ['v128.zero']],
    ['v128.store', add(i32(A + OFF), get('n4')), ['v128.zero']],
    ['v128.store', add(i32(B + OFF), get('n4')), ['v128.zero']],
    set('k', i32(0)),
    [
      'loop',
      'reverse',
      ['i32.store', add(i32(B), get('k')), ['i32.load', sub(add(get('b'), get('n4')), add(get('k'), i32(4)))]],
      set('k', add(get('k'), i32(4))),
      ['br_if', 'reverse', ['i32.lt_u', get('k'), get('n4')]],
    ],
    ['v128.store', add(i32(B), get('n4')), ['v128.zero']],
    set('s', ['i64.const', 0]),
    set('k', i32(0)),
    [
      'loop',
      'low',
      set('acc', ['v128.zero']),
      set('x', i32(A)),
      set('y', add(i32(B), sub(sub(get('n4'), i32(4)), get('k')))),
      set('end', add(i32(A), get('k'))),
      ['loop', 'terms', ...group, ['br_if', 'terms', ['i32.le_u', get('x'), get('end')]]],
      set('s', ['i64.add', get('s'), laneSum]),
      set('m', ['i32.and', ['i32.mul', ['i32.wrap_i64', get('s')], get('pinv')], i32(MASK)]),
      ['i32.store', add(i32(A + OFF), get('k')), get('m')],
      set('s', [
        'i64.shr_u',
        ['i64.add', get('s'), ['i64.mul', ['i64.extend_i32_u', get('m')], ['i64.load32_u', get('ctx'), 8]]],
        ['i64.const', 28],
      ]),
      set('k', add(get('k'), i32(4))),
      ['br_if', 'low', ['i32.lt_u', get('k'), get('n4')]],
    ],
    [
      'loop',
      'high',
      set('acc', ['v128.zero']),
      set('x', add(i32(A), sub(get('k'), sub(get('n4'), i32(4))))),
      set('y', i32(B)),
      set('end', add(i32(A - 4), get('n4'))),
      ['loop', 'terms', ...group, ['br_if', 'terms', ['i32.le_u', get('x'), get('end')]]],
      set('s', ['i64.add', get('s'), laneSum]),
      ['i32.store', add(get('r'), sub(get('k'), get('n4'))), ['i32.and', ['i32.wrap_i64', get('s')], i32(MASK)]],
      set('s', ['i64.shr_u', get('s'), ['i64.const', 28]]),
      set('k', add(get('k'), i32(4))),
      ['br_if', 'high', ['i32.lt_u', get('k'), sub(['i32.shl', get('n4'), i32(1)], i32(4))]],
    ],
    ['i32.store', add(get('r'), sub(get('n4'), i32(4))), ['i32.wrap_i64', get('s')]],
  ],
);

// chain(list, count, r, ctx): r := r·b_0·R⁻¹, then r·b_1·R⁻¹, … for the `count` addresses b_i stored
// as i32 at `list` (an address equal to r squares). One call per exponentiation instead of one per
// multiplication.
//
//   (func (export "chain") (param $list i32) (param $count i32) (param $r i32) (param $ctx i32)
//     (local $end i32)
//     end := list + 4·count
//     while list < end: (call $mul r r (i32.load list) ctx); list += 4)
const chain = func(
  'chain',
  [
    ['list', T.i32],
    ['count', T.i32],
    ['r', T.i32],
    ['ctx', T.i32],
  ],
  [['end', T.i32]],
  [
    set('end', add(get('list'), ['i32.shl', get('count'), i32(2)])),
    [
      'block',
      'done',
      [
        'loop',
        'next',
        ['br_if', 'done', ['i32.le_u', get('end'), get('list')]],
        ['call', 0, get('r'), get('r'), ['i32.load', get('list')], get('ctx')],
        set('list', add(get('list'), i32(4))),
        ['br', 'next'],
      ],
    ],
  ],
);

export function assemble() {
  const funcs = [mul, chain];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(funcs.map((f) => f.type))), // types
    ...section(3, vec(funcs.map((_, i) => uleb(i)))), // function i has type i
    ...section(5, vec([[0x00, ...uleb(1)]])), // memory: 1 page minimum, no maximum
    ...section(7, vec([...funcs.map((f, i) => [...name(f.exportName), 0x00, ...uleb(i)]), [...name('memory'), 0x02, 0x00]])),
    ...section(10, vec(funcs.map((f) => f.code))), // code
  ]);
}

export function source() {
  const b64 = Buffer.from(assemble()).toString('base64');
  return `// GENERATED by scripts/gen-mont-wasm.mjs (the module is described there, in WAT). Do not edit.
/** The Montgomery multiplication for DSA as a WebAssembly module (SIMD), base64. @module */
export const MONT_WASM = '${b64}';
/** Scratch addresses the module uses; the caller's data starts at MONT_FREE. */
export const MONT_FREE = ${FREE};
`;
}

const target = fileURLToPath(new URL('../src/dsa/mont-wasm-bytes.ts', import.meta.url));
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== source()) {
      console.error(`${target} differs from what scripts/gen-mont-wasm.mjs generates`);
      process.exit(1);
    }
  } else {
    writeFileSync(target, source());
    console.log(`wrote ${target} (${assemble().length} bytes of WebAssembly)`);
  }
}
