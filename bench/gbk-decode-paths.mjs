#!/usr/bin/env node
// Why the GBK decoder does not use the runtime's TextDecoder('gbk'): a record of the strategies
// measured for the decode target (≥ 1× TextDecoder('gbk')), on this runtime.
//
//   native         TextDecoder('gbk', { fatal: true }) alone — the reference; NOT strict WHATWG on
//                  Node 20 (ICU maps A2E3 → U+E76C, 0xFF → U+F8F5, …), so it cannot be used as is
//   native+scan    the same plus /[\uE000-\uF8FF]/.test(result), the cheapest guard that catches
//                  every ICU deviation (each yields a private-use code point); the exact decoder
//                  would redo the rare inputs that match
//   ours           decode(bytes, 'gbk') of this library (table decoder, WebAssembly loop for 64 bytes
//                  to 1 MiB; all-ASCII input goes through the native UTF-8 decoder)
//   ours, JS loop  the same codec without WebAssembly (what runtimes that refuse it run)
//
// Median of 7 timings of `reps` calls each, best-of noise kept out by the median. Needs a build.
import iconv from 'iconv-lite';
import { decode, loadCharset } from '../dist/esm/charset.js';
import { loadGbk } from '../dist/esm/testing.js';

await loadCharset('gbk');
const jsOnly = await loadGbk('table', false);
const base =
  'partner=2088101115793868&transfer_detail=20111221_0011_10~*~15.00~*~2088102116203708~*~天之蓝*~*~$合作网站打款转账流水号，喆镕（剩余赏金处理）。';
let big = '';
while (big.length < 1 << 19) big += base;
const inputs = [
  ['300 mixed chars', new Uint8Array(iconv.encode(big.slice(0, 300), 'gbk')), 100000],
  ['512 Ki mixed chars', new Uint8Array(iconv.encode(big, 'gbk')), 100],
  [
    '352 ASCII bytes',
    new Uint8Array(
      iconv.encode(
        base
          .replace(/[^\x00-\x7f]/g, 'x')
          .repeat(4)
          .slice(0, 352),
        'gbk',
      ),
    ),
    100000,
  ],
];
const td = new TextDecoder('gbk', { fatal: true });
const PUA = /[\uE000-\uF8FF]/;
const paths = {
  native: (b) => td.decode(b),
  'native+scan': (b) => {
    const s = td.decode(b);
    return PUA.test(s) ? decode(b, 'gbk') : s;
  },
  ours: (b) => decode(b, 'gbk'),
  'ours, JS loop': (b) => jsOnly.decode(b, 'gbk', {}),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [label, bytes, reps] of inputs) {
  const row = [];
  for (const [name, f] of Object.entries(paths)) {
    for (let r = 0; r < reps / 10; r++) f(bytes);
    const t = [];
    for (let k = 0; k < 7; k++) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) f(bytes);
      t.push(((performance.now() - t0) / reps) * 1000);
    }
    row.push(`${name} ${median(t).toFixed(3)} µs`);
  }
  console.log(`${label.padEnd(20)} ${row.join('   ')}`);
}
