#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// XML decoding benchmark: bytes in → tree out, for the 3 KB GBK §6.1 notification and a
// ~5 MB document with thousands of bidders in UTF-8 and in GBK. Contenders: our parseXml, our
// XmlDecoder in records mode (bidders split off), fast-xml-parser (TextDecoder + XMLParser().parse,
// whole document → object) and saxes (TextDecoder + SaxesParser counting tags, no tree). Memory:
// heap + external growth while streaming a generated 100 MB document through XmlDecoder in records
// mode, 64 KB chunks, records dropped. Targets: ≥ 5× fast-xml-parser on the 5 MB document (goal:
// saxes' tag-counting speed); ≤ 32 MB memory growth over the 100 MB stream.
//
// `runXmlBench({ rounds, log })` returns { title, text, markdown, rows, memory } (the shape bench/run.mjs
// expects of a group); run this file directly to print it. Needs a build (`npx rollup -c --silent`).
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import { SaxesParser } from 'saxes';
import { loadCharset } from '../dist/esm/charset.js';
import { parseXml, XmlDecoder } from '../dist/esm/xml.js';
import { bidderDocument, SAMPLE_61 } from '../test/support/xml-docs.mjs';
import { fmtRatio, fmtUs, gc, interleavedRounds, mdTable, median, medianRatio, textTable } from './lib/harness.mjs';

const isBidder = (p) => p.length === 5 && p[4] === 'bidder';

function inputs() {
  const small = new Uint8Array(
    iconv.encode(
      SAMPLE_61.replace(
        '</fail_bidders>',
        `${'<bidder><outer_transfer_no>20111221_0011_12</outer_transfer_no><transfer_amount>5.00</transfer_amount><alipay_user_id>2088102116203710</alipay_user_id><nick_name>云中鹤</nick_name><transfer_status>F</transfer_status><error_code>ACCOUNT_NOT_EXIST</error_code></bidder>\n'.repeat(8)}</fail_bidders>`,
      ),
      'gbk',
    ),
  );
  let n = 1000;
  while (bidderDocument(n).length < 5e6) n += 1000;
  const text = bidderDocument(n);
  return [
    { id: 'gbk-3k', label: `§6.1 GBK notification, ${small.length} B`, bytes: small, charset: 'gbk' },
    {
      id: 'utf8-5m',
      label: `${n} bidders, UTF-8, ${(text.length / 1e6).toFixed(1)} MB`,
      bytes: new TextEncoder().encode(text),
      charset: 'utf-8',
    },
    {
      id: 'gbk-5m',
      label: `${n} bidders, GBK`,
      bytes: new Uint8Array(iconv.encode(text.replace('encoding="UTF-8"', 'encoding="GBK"'), 'gbk')),
      charset: 'gbk',
    },
  ];
}

function contenders(input) {
  const { bytes, charset } = input;
  const td = new TextDecoder(charset);
  const fxp = new XMLParser({ ignoreAttributes: false });
  return {
    'ours parseXml': () => parseXml(bytes).root,
    'ours records': () => {
      const d = new XmlDecoder({ split: isBidder });
      let k = d.write(bytes).length;
      k += d.end().records.length;
      return k;
    },
    'fast-xml-parser': () => fxp.parse(td.decode(bytes)),
    'saxes (count tags)': () => {
      const p = new SaxesParser();
      let tags = 0;
      p.on('opentag', () => tags++);
      p.write(td.decode(bytes)).close();
      return tags;
    },
  };
}

/**
 * Streams a generated ~100 MB document (a 1 MB block of bidders repeated) in 64 KB chunks through
 * records mode, dropping the records. Returns the peak growth of heap + external memory over the
 * start (sampled every 16 chunks, garbage included: no GC is forced while streaming) and the growth
 * still retained after a full GC at the end.
 */
export function streamMemory({ totalMB = 100, chunkKB = 64 } = {}) {
  const enc = new TextEncoder();
  let text = '';
  for (let i = 0; text.length < 1e6; i++) {
    text += `        <bidder>\n          <outer_transfer_no>20111221_0011_${i}</outer_transfer_no>\n          <transfer_amount>15.00</transfer_amount>\n          <alipay_user_id>${2088102116203708 + i}</alipay_user_id>\n          <nick_name>天之蓝${i}</nick_name>\n          <transfer_status>W</transfer_status>\n        </bidder>\n`;
  }
  const block = enc.encode(text);
  const perBlock = (text.match(/<bidder>/g) ?? []).length;
  const head = enc.encode(
    '<?xml version="1.0" encoding="UTF-8"?>\n<alipay>\n  <is_success>T</is_success>\n  <response>\n    <task_info>\n      <success_bidders>\n',
  );
  const tail = enc.encode('      </success_bidders>\n    </task_info>\n  </response>\n</alipay>\n');
  const blocks = Math.ceil((totalMB * 1e6) / block.length);
  const chunk = new Uint8Array(chunkKB * 1024); // reused: the decoder keeps no reference to a chunk
  const d = new XmlDecoder({ split: isBidder, limits: { maxBytes: Infinity, maxElements: Infinity } });
  gc();
  const m0 = process.memoryUsage();
  const used = (m) => m.heapUsed + m.external + m.arrayBuffers;
  const base = used(m0);
  let peak = 0;
  let fill = 0;
  let fed = 0;
  let writes = 0;
  let records = 0;
  const t0 = performance.now();
  const flush = () => {
    records += d.write(chunk.subarray(0, fill)).length;
    fed += fill;
    fill = 0;
    if (++writes % 16 === 0) peak = Math.max(peak, used(process.memoryUsage()) - base);
  };
  const push = (b) => {
    for (let o = 0; o < b.length; ) {
      const k = Math.min(b.length - o, chunk.length - fill);
      chunk.set(b.subarray(o, o + k), fill);
      fill += k;
      o += k;
      if (fill === chunk.length) flush();
    }
  };
  push(head);
  for (let i = 0; i < blocks; i++) push(block);
  push(tail);
  flush();
  records += d.end().records.length;
  const seconds = (performance.now() - t0) / 1000;
  if (records !== blocks * perBlock) throw new Error(`records ${records} != bidders ${blocks * perBlock}`);
  peak = Math.max(peak, used(process.memoryUsage()) - base);
  gc();
  const retained = used(process.memoryUsage()) - base;
  return { bytes: fed, records, peakMB: peak / 2 ** 20, retainedMB: retained / 2 ** 20, mbPerS: fed / 1e6 / seconds };
}

/** Runs {@link streamMemory} in a new Node process (this file with --memory-only). */
export function memoryInChild() {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--memory-only'], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** @param {{ rounds?: number, log?: (s: string) => void, memory?: boolean }} [options] */
export async function runXmlBench(options = {}) {
  const rounds = options.rounds ?? 9;
  const log = options.log ?? (() => {});
  await loadCharset('gbk');
  const only = process.env.BENCH_INPUTS?.split(',');
  const ins = inputs().filter((x) => !only || only.includes(x.id));
  // sanity before timing: same bidder count from every contender's view
  for (const input of ins) {
    const c = contenders(input);
    const tags = c['saxes (count tags)']();
    const root = c['ours parseXml']();
    let count = 0;
    const walk = (e) => {
      count++;
      e.children.forEach(walk);
    };
    walk(root);
    if (count !== tags) throw new Error(`${input.id}: ours has ${count} elements, saxes counted ${tags}`);
  }
  // Memory in a fresh process: once a process has built 5 MB trees (here, or other groups in
  // bench/run.mjs), V8 has grown its heap and lets far more garbage pile up between collections,
  // which says nothing about what the decoder holds.
  const memory = options.memory === false || process.env.BENCH_MEMORY === '0' ? undefined : memoryInChild();
  const groups = ins.map((input) => ({ id: input.id, tasks: contenders(input) }));
  const samples = interleavedRounds(groups, { rounds, time: 200, iterations: 3, onRound: (r, n) => log(`round ${r}/${n}`) });
  const rows = [];
  for (const input of ins) {
    const per = samples.get(input.id);
    for (const name of Object.keys(per)) {
      const ms = median(per[name]);
      rows.push({
        input: input.label,
        contender: name,
        ms,
        mbPerS: input.bytes.length / 1e6 / (ms / 1000),
        vsFxp: medianRatio(per, name, 'fast-xml-parser'),
        vsSaxes: medianRatio(per, name, 'saxes (count tags)'),
      });
    }
  }
  const header = ['input', 'contender', 'time', 'MB/s', '× fast-xml-parser', '× saxes'];
  const cells = rows.map((r) => [r.input, r.contender, fmtUs(r.ms), r.mbPerS.toFixed(1), fmtRatio(r.vsFxp), fmtRatio(r.vsSaxes)]);
  const memLine = memory
    ? `Records mode over a ${(memory.bytes / 1e6).toFixed(0)} MB stream in 64 KB chunks: ${memory.records} records, peak heap+external growth ${memory.peakMB.toFixed(1)} MB (target ≤ 32 MB; garbage included), ${memory.retainedMB.toFixed(1)} MB retained after GC, ${memory.mbPerS.toFixed(0)} MB/s.`
    : '';
  return {
    title: 'XML decoding (bytes → tree)',
    text: `${textTable(header, cells)}\n${memLine}`,
    markdown: `Ratios: median over rounds of (other's time / contender's time); > 1 means the contender is faster. saxes only counts tags (no tree); fast-xml-parser builds its object.\n\n${mdTable(header, cells)}\n\n${memLine}\n`,
    rows,
    memory,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === '--memory-only') {
  console.log(JSON.stringify(streamMemory()));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const res = await runXmlBench({ log: (s) => process.stderr.write(`\r${s}   `), rounds: Number(process.env.ROUNDS) || 9 });
  console.log(`\n${res.title}\n${res.text}`);
}
