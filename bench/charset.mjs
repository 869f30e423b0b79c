#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
// GBK encode/decode benchmark: this library against iconv-lite (encode) and TextDecoder('gbk')
// (decode), for a 300-character mixed string (what one signed request holds) and for ~1 MB of text.
//
// Method: R rounds; each round runs a tinybench Bench with the two contenders back to back, in
// alternating order, and takes the ratio of their median latencies. The reported ratio is the median
// of those per-round ratios (robust to the machine's load drifting between rounds); the latencies are
// medians across rounds. Targets: encode ≥ 1.5× iconv-lite (goal 2×), decode ≥ 1×
// TextDecoder('gbk'). A sample of a 300-character case is a batch of 64 calls (latency = batch / 64):
// one call takes well under a microsecond, so a sample of one call measured tinybench's own per-sample
// cost and the timer as much as the codec (it pulled every ratio towards 1, and it varied from
// contender to contender); both contenders are batched alike.
//
// `runCharsetBench(options)` returns the rows; run this file directly to print them. Needs a build
// (`npx rollup -c --silent`) and the dev dependencies iconv-lite and tinybench.
import { Bench } from 'tinybench';
import { decode, encode, loadCharset } from '../dist/esm/charset.js';
import { gbkEngine } from '../dist/esm/testing.js';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function inputs() {
  // Mixed content as in a request: ASCII names, digits and separators, GB 2312 and GBK-only hanzi,
  // full-width punctuation.
  const base =
    'partner=2088101115793868&transfer_detail=20111221_0011_10~*~15.00~*~2088102116203708~*~天之蓝*~*~$合作网站打款转账流水号，喆镕（剩余赏金处理）。';
  let mixed = '';
  while (mixed.length < 300) mixed += base;
  mixed = mixed.slice(0, 300);
  let big = '';
  while (big.length < 1 << 19) big += base; // ~0.5 M chars ≈ 0.8 MB of GBK, 1.1 MB of UTF-16 text
  // A request of ASCII only (English nicknames): the decoder's all-ASCII path.
  const ascii = base
    .replace(/[^\x00-\x7f]/g, 'x')
    .repeat(4)
    .slice(0, 300);
  return { mixed, big, ascii };
}

/**
 * @param {{ rounds?: number, time?: number, log?: (s: string) => void }} [options]
 * @returns {Promise<Array<{ group: string, name: string, size: string, oursUs: number, refUs: number, ref: string, ratio: number, target: number, pass: boolean }>>}
 */
export async function runCharsetBench(options = {}) {
  const rounds = options.rounds ?? 9;
  const log = options.log ?? (() => {});
  const source = await loadCharset('gbk');
  const { mixed, big, ascii } = inputs();
  const td = new TextDecoder('gbk');
  const cases = [];
  let sink;
  const batched = (n, fn) =>
    n === 1
      ? fn
      : () => {
          for (let k = 0; k < n; k++) sink = fn();
        };
  for (const [size, text, time, batch] of [
    ['300 chars', mixed, options.time ?? 60, 64],
    ['300 ASCII chars', ascii, options.time ?? 60, 64],
    [`${(big.length / 1024) | 0} Ki chars`, big, (options.time ?? 60) * 4, 1],
  ]) {
    const bytes = new Uint8Array(iconv.encode(text, 'gbk'));
    // Sanity: same bytes as iconv-lite, and the input round-trips, before timing anything.
    const ours = encode(text, 'gbk');
    if (ours.length !== bytes.length || ours.some((b, i) => b !== bytes[i])) throw new Error('encode differs from iconv-lite');
    if (decode(bytes, 'gbk') !== text) throw new Error('decode does not round-trip');
    const label = `${size}, ${bytes.length} bytes`;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const c = (name, ref, target, ours, other) => ({
      name,
      size: label,
      ref,
      target,
      ours: batched(batch, ours),
      other: batched(batch, other),
      time,
      batch,
    });
    cases.push(
      c(
        'gbk encode',
        'iconv-lite',
        1.5,
        () => encode(text, 'gbk'),
        () => iconv.encode(text, 'gbk'),
      ),
    );
    cases.push(
      c(
        'gbk decode',
        "TextDecoder('gbk')",
        1,
        () => decode(bytes, 'gbk'),
        () => td.decode(bytes),
      ),
    );
    cases.push(
      c(
        'gbk decode',
        'iconv-lite',
        1,
        () => decode(bytes, 'gbk'),
        () => iconv.decode(buf, 'gbk'),
      ),
    );
  }
  const rows = [];
  for (const c of cases) {
    const ratios = [];
    const oursT = [];
    const refT = [];
    for (let r = 0; r < rounds; r++) {
      const bench = new Bench({ time: c.time, warmupTime: 20 });
      if (r % 2 === 0) bench.add('ours', c.ours).add('ref', c.other);
      else bench.add('ref', c.other).add('ours', c.ours);
      await bench.run();
      const p50 = (name) => bench.tasks.find((t) => t.name === name).result.latency.p50 / c.batch;
      ratios.push(p50('ref') / p50('ours'));
      oursT.push(p50('ours'));
      refT.push(p50('ref'));
    }
    const ratio = median(ratios);
    const row = {
      group: 'charset',
      name: c.name,
      size: c.size,
      oursUs: +(median(oursT) * 1000).toFixed(2),
      refUs: +(median(refT) * 1000).toFixed(2),
      ref: c.ref,
      ratio: +ratio.toFixed(2),
      target: c.target,
      pass: ratio >= c.target,
      source,
      engine: gbkEngine() === 'wasm' ? 'WebAssembly' : 'JS',
    };
    log(
      `${row.name.padEnd(11)} ${row.size.padEnd(28)} ours ${String(row.oursUs).padStart(9)} µs  ${row.ref.padEnd(18)} ${String(row.refUs).padStart(9)} µs  ×${row.ratio} (target ×${row.target}${row.pass ? ', met' : ', NOT met'})`,
    );
    rows.push(row);
  }
  void sink;
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runCharsetBench({ log: console.log, rounds: Number(process.env.ROUNDS) || 9 });
  if (process.env.JSON) console.log(JSON.stringify(rows, null, 2));
}
