// Charsets against iconv-lite (its GBK tables precomputed into generated/charset.js by
// scripts/runtimes/gen-data.mjs), the WHATWG index (spot values) and Python 3's strict gb2312 (its
// 7445 codes, as ranges): the full BMP encode, all 23 940 two-byte decodes, strict errors with
// offsets, streaming. Also finds out whether the runtime's own TextDecoder('gbk') matches iconv-lite,
// and checks that loadCharset uses it exactly when it does.

import * as assert from './assert.js';
import oracle from './generated/charset.js';
import { fact, test } from './harness.js';
import { createDecoder, createDecoderStream, decode, encode, gbkEngine, loadCharset, normalizeCharset } from './lib.js';
import { bytesToHex } from './util.js';

const POINTERS = 23940;
const pointerBytes = (p) => {
  const t = p % 190;
  return [0x81 + Math.floor(p / 190), t < 0x3f ? 0x40 + t : 0x41 + t];
};
const allPointers = () => {
  const all = new Uint8Array(POINTERS * 2);
  for (let p = 0; p < POINTERS; p++) all.set(pointerBytes(p), 2 * p);
  return all;
};

function nativeGbk() {
  let td;
  try {
    td = new TextDecoder('gbk');
  } catch {
    return { status: 'absent' };
  }
  const s = td.decode(allPointers());
  if (s.length !== POINTERS)
    return { status: `differs from iconv-lite (decodes to ${s.length} code units for ${POINTERS} codes)` };
  let diffs = 0;
  const examples = [];
  for (let i = 0; i < POINTERS; i++) {
    if (s.charCodeAt(i) !== oracle.gbkDecodeAll.charCodeAt(i)) {
      diffs++;
      if (examples.length < 3)
        examples.push(
          `${bytesToHex(pointerBytes(i)).toUpperCase()}→U+${s.charCodeAt(i).toString(16).toUpperCase()} (iconv-lite U+${oracle.gbkDecodeAll.charCodeAt(i).toString(16).toUpperCase()})`,
        );
    }
  }
  return diffs === 0
    ? { status: 'matches iconv-lite (all 23940 codes)', matches: true }
    : { status: `differs from iconv-lite at ${diffs} codes, e.g. ${examples.join(', ')}` };
}

test('charset: TextDecoder("gbk") of this runtime vs iconv-lite; loadCharset uses it exactly when it matches', async () => {
  const native = nativeGbk();
  fact('TextDecoder gbk', native.status);
  const source = await loadCharset('gbk');
  fact('loadCharset gbk source', source);
  fact('gbk decode loop', gbkEngine() === 'wasm' ? 'WebAssembly' : 'JS');
  assert.equal(source, native.matches ? 'native' : 'table');
  assert.equal(await loadCharset('gb2312'), source);
  assert.equal(await loadCharset('utf-8'), 'builtin');
});

test('charset: names — the three gateway names in any case, nothing else', () => {
  assert.equal(normalizeCharset('UTF-8'), 'utf-8');
  assert.equal(normalizeCharset('Gb2312'), 'gb2312');
  for (const bad of ['utf8', 'cp936', 'gb18030', 'GBK ', '', undefined, 936])
    assert.throws(() => normalizeCharset(bad), { code: 'ILLEGAL_CHARSET' });
});

test('charset: gbk encode of every BMP code point equals iconv-lite, and throws where iconv-lite writes "?"', async () => {
  await loadCharset('gbk');
  let same = 0;
  let rejected = 0;
  const deviations = [];
  let i = 0;
  for (let cp = 0; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const want = oracle.gbkEncodeBmp.substr(4 * i++, 4);
    let ours;
    try {
      ours = bytesToHex(encode(String.fromCharCode(cp), 'gbk'));
    } catch (e) {
      if (e.code !== 'ILLEGAL_CHARSET' || e.offset !== 0) throw e;
    }
    if (want === '----') {
      if (ours !== undefined) deviations.push([cp, ours, want]);
      else rejected++;
    } else if (ours === (want.startsWith('00') ? want.slice(2) : want)) same++;
    else deviations.push([cp, ours, want]);
  }
  assert.equal(i, 63488);
  // The one deviation: iconv-lite writes GB 18030's four-byte 81 35 F4 for U+E7C7; WHATWG GBK fails.
  assert.deepEqual(deviations, [[0xe7c7, undefined, '!!!!']]);
  assert.equal(same, 128 + 1 + 23938);
  assert.equal(rejected, 63488 - same - 1);
});

test('charset: gbk decode of all 23 940 two-byte codes equals iconv-lite; WHATWG spot values', async () => {
  await loadCharset('gbk');
  assert.equal(decode(allPointers(), 'gbk'), oracle.gbkDecodeAll);
  const WHATWG = { 0: 0x4e02, 6432: 0x20ac, 6555: 0x3000, 7533: 0x1e3f, 23750: 0xfa0c, 23766: 0x2e81, 23939: 0xe4c5 };
  for (const [p, cp] of Object.entries(WHATWG))
    assert.equal(decode(Uint8Array.from(pointerBytes(+p)), 'gbk').codePointAt(0), cp, `pointer ${p}`);
  for (const s of oracle.samples) {
    assert.equal(bytesToHex(encode(s.text, 'gbk')), s.gbk, s.text);
    assert.equal(decode(Uint8Array.from(s.gbk.match(/../g).map((h) => parseInt(h, 16))), 'gbk'), s.text);
  }
});

test('charset: gbk is strict — 0xFF, a lone lead, GB 18030 four-byte sequences fail with offsets', async () => {
  await loadCharset('gbk');
  for (const [bytes, offset] of [
    [[0xff], 0],
    [[0x61, 0xff], 1],
    [[0x81, 0x20], 0],
    [[0x61, 0x81], 1],
    [[0x81, 0x30, 0x81, 0x30], 0],
    [[0x81, 0x7f], 0],
    [[0xa1, 0xa1, 0xfe, 0xff], 2],
  ]) {
    assert.throws(() => decode(Uint8Array.from(bytes), 'gbk'), { code: 'ILLEGAL_CHARSET', offset });
  }
  for (const [text, offset] of [
    ['¥', 0],
    ['ab\uff71', 2],
    ['x😀', 1],
    ['\ue5e5', 0],
    ['\u0080', 0],
  ]) {
    assert.throws(() => encode(text, 'gbk', { field: 'nick_name' }), { code: 'ILLEGAL_CHARSET', offset, field: 'nick_name' });
  }
});

// Python 3 (CPython _codecs_cn) strict 'gb2312' decodes exactly these two-byte codes (7445).
const PY_GB2312 =
  'A1A1-A1FE A2B1-A2E2 A2E5-A2EE A2F1-A2FC A3A1-A3FE A4A1-A4F3 A5A1-A5F6 A6A1-A6B8 A6C1-A6D8 A7A1-A7C1 A7D1-A7F1 A8A1-A8BA A8C5-A8E9 A9A4-A9EF'
    .split(' ')
    .map((r) => r.split('-').map((h) => parseInt(h, 16)));
for (let lead = 0xb0; lead <= 0xf7; lead++) PY_GB2312.push([(lead << 8) | 0xa1, (lead << 8) | (lead === 0xd7 ? 0xf9 : 0xfe)]);

test('charset: gb2312 encodes exactly the 7445 GB 2312 codes, each with its GBK bytes', async () => {
  await loadCharset('gb2312');
  const expected = new Set();
  for (const [a, b] of PY_GB2312) for (let c = a; c <= b; c++) expected.add(c);
  assert.equal(expected.size, 7445);
  const got = new Set();
  for (let cp = 0x80; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    let b;
    try {
      b = encode(String.fromCharCode(cp), 'gb2312');
    } catch (e) {
      assert.equal(e.code, 'ILLEGAL_CHARSET');
      continue;
    }
    assert.equal(bytesToHex(b), bytesToHex(encode(String.fromCharCode(cp), 'gbk')));
    got.add((b[0] << 8) | b[1]);
  }
  assert.deepEqual([...got].sort(), [...expected].sort());
  assert.throws(() => encode('王喆', 'gb2312', { field: 'transfer_detail', index: 3 }), {
    code: 'ILLEGAL_CHARSET',
    offset: 1,
    field: 'transfer_detail',
    index: 3,
  });
  assert.throws(() => decode(new Uint8Array([0x86, 0xb4]), 'gb2312'), { code: 'ILLEGAL_CHARSET', offset: 0 });
  assert.equal(decode(new Uint8Array([0xcc, 0xec, 0x41]), 'gb2312'), '天A');
});

test('charset: utf-8 is strict with offsets, keeps the BOM, lone surrogates fail', () => {
  assert.equal(decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'utf-8'), '\ufeffa');
  for (const [bytes, offset] of [
    [[0x61, 0xff], 1],
    [[0xc3], 0],
    [[0x61, 0x62, 0xe4, 0xb8], 2],
    [[0xed, 0xa0, 0x80], 0],
    [[0xc0, 0x80], 0],
  ]) {
    assert.throws(() => decode(Uint8Array.from(bytes), 'utf-8'), { code: 'ILLEGAL_CHARSET', offset });
  }
  assert.equal(bytesToHex(encode('😀天', 'utf-8')), 'f09f9880e5a4a9');
  assert.throws(() => encode('a\ud800b', 'utf-8'), { code: 'ILLEGAL_CHARSET', offset: 1 });
});

test('charset: streaming decode split at every byte, pending leads, and createDecoderStream', async () => {
  await loadCharset('gbk');
  for (const s of oracle.samples) {
    const bytes = encode(s.text, 'gbk');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = createDecoder('gbk');
      assert.equal(
        d.decode(bytes.subarray(0, cut), { stream: true }) + d.decode(bytes.subarray(cut)),
        s.text,
        `${s.text} cut at ${cut}`,
      );
    }
  }
  const d = createDecoder('gbk');
  assert.equal(d.decode(new Uint8Array([0x61, 0xcc]), { stream: true }), 'a');
  assert.throws(() => d.decode(), { code: 'ILLEGAL_CHARSET', offset: 1 });
  const bytes = encode('天之蓝 €', 'gbk');
  const rs = new ReadableStream({
    start(c) {
      for (const b of bytes) c.enqueue(new Uint8Array([b]));
      c.close();
    },
  }).pipeThrough(createDecoderStream('gbk'));
  let out = '';
  const reader = rs.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out += value;
  }
  assert.equal(out, '天之蓝 €');
});
