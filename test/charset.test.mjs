// Charset tests against independent oracles: iconv-lite's 'gbk' across the whole BMP, the WHATWG
// index-gb18030 (spot values), Python 3's strict 'gb2312' codec (its 7445 byte codes, as ranges), and
// fast-check properties for chunk-split streaming decoding.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import {
  createDecoder,
  createDecoderStream,
  decode,
  encode,
  isCharsetLoaded,
  loadCharset,
  normalizeCharset,
  WitkeyError,
} from '../dist/esm/index.js';

const hex = (b) => Buffer.from(b).toString('hex');
const throwsCode = (fn, code, extra = {}) =>
  assert.throws(fn, (e) => {
    assert.ok(e instanceof WitkeyError, `expected WitkeyError, got ${e}`);
    assert.equal(e.code, code, e.message);
    for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, `${k} in: ${e.message}`);
    return true;
  });

test('gbk and gb2312 need loadCharset before synchronous use; utf-8 does not', async () => {
  assert.equal(isCharsetLoaded('utf-8'), true);
  assert.equal(isCharsetLoaded('gbk'), false);
  throwsCode(() => encode('a', 'gbk'), 'CHARSET_NOT_LOADED');
  throwsCode(() => encode('a', 'gb2312', { field: 'transfer_detail', index: 2 }), 'CHARSET_NOT_LOADED', {
    field: 'transfer_detail',
    index: 2,
  });
  throwsCode(() => decode(new Uint8Array([0x61]), 'gb2312'), 'CHARSET_NOT_LOADED');
  const source = await loadCharset('GBK');
  // Node 20's ICU decoder differs from WHATWG (e.g. 0xA2E3), so its index fails the check here.
  assert.ok(source === 'table' || source === 'native');
  assert.equal(await loadCharset('gb2312'), source);
  assert.equal(await loadCharset('utf-8'), 'builtin');
  assert.equal(isCharsetLoaded('gb2312'), true);
});

test('charset names: the three gateway names in any case, nothing else (ILLEGAL_CHARSET)', () => {
  assert.equal(normalizeCharset('UTF-8'), 'utf-8');
  assert.equal(normalizeCharset('Gb2312'), 'gb2312');
  for (const bad of ['utf8', 'cp936', 'gb18030', 'GBK ', '', undefined, 936]) {
    throwsCode(() => normalizeCharset(bad), 'ILLEGAL_CHARSET');
    throwsCode(() => encode('a', bad), 'ILLEGAL_CHARSET');
  }
});

test('gbk encoder equals iconv-lite for every BMP code point iconv-lite can encode, and throws where it writes "?"', () => {
  let same = 0,
    rejected = 0;
  const deviations = [];
  for (let cp = 0; cp <= 0xffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCharCode(cp);
    const ref = iconv.encode(ch, 'gbk');
    const refUnmappable = ref.length === 1 && ref[0] === 0x3f && cp !== 0x3f;
    let ours;
    try {
      ours = encode(ch, 'gbk');
    } catch (e) {
      assert.equal(e.code, 'ILLEGAL_CHARSET');
      assert.equal(e.offset, 0);
    }
    if (refUnmappable) {
      assert.equal(ours, undefined, `U+${cp.toString(16)}: iconv-lite has no mapping, ours gave ${ours && hex(ours)}`);
      rejected++;
    } else if (ours === undefined || hex(ours) !== hex(ref)) {
      deviations.push([cp, ours && hex(ours), hex(ref)]);
    } else same++;
  }
  // The one deviation: iconv-lite writes the truncated GB 18030 four-byte sequence 81 35 F4 for U+E7C7;
  // WHATWG GBK has no two-byte code for it (0xA8BC is U+1E3F) and fails.
  assert.deepEqual(deviations, [[0xe7c7, undefined, '8135f4']]);
  // ASCII, U+20AC → 0x80, and the 23 940 two-byte codes less A2E3 (the euro's) and A3A0 (U+3000 again).
  assert.equal(same, 128 + 1 + 23938);
  assert.equal(rejected, 63488 - same - 1);
});

test('gbk specifics: euro is 0x80, first pointer wins, WHATWG errors', () => {
  assert.equal(hex(encode('€', 'gbk')), '80');
  assert.equal(hex(encode('\u3000', 'gbk')), 'a1a1'); // not A3A0
  assert.equal(hex(encode('ḿ', 'gbk')), 'a8bc');
  assert.equal(hex(encode('天之蓝', 'gbk')), 'ccecd6aec0b6');
  for (const [text, index, what] of [
    ['¥', 0, '"¥" (U+00A5)'],
    ['ab\uff71', 2, 'U+FF71'],
    ['x😀', 1, '"😀" (U+1F600)'],
    ['\ue5e5', 0, 'U+E5E5'],
    ['\ue7c7', 0, 'U+E7C7'],
    ['\u0080', 0, 'U+0080'],
  ]) {
    throwsCode(() => encode(text, 'gbk', { field: 'nick_name' }), 'ILLEGAL_CHARSET', { offset: index, field: 'nick_name' });
    try {
      encode(text, 'gbk');
    } catch (e) {
      assert.match(e.message, new RegExp(what.replace(/[()+]/g, '\\$&')));
      assert.match(e.message, new RegExp(`index ${index}`));
    }
  }
});

test('lone surrogates are ILLEGAL_CHARSET in every charset', () => {
  for (const cs of ['utf-8', 'gbk', 'gb2312']) {
    throwsCode(() => encode('a\ud800b', cs), 'ILLEGAL_CHARSET', { offset: 1 });
    throwsCode(() => encode('\udc00', cs), 'ILLEGAL_CHARSET', { offset: 0 });
  }
  assert.equal(hex(encode('😀', 'utf-8')), 'f09f9880');
});

// WHATWG index-gb18030.txt (whatwg/encoding @ 3e654575b505): pointer → code point.
const WHATWG = {
  0: 0x4e02,
  6366: 0x2170,
  6432: 0x20ac,
  6433: 0xe76d,
  6555: 0x3000,
  6649: 0xffe3,
  7182: 0xe78d,
  7189: 0xfe35,
  7208: 0xe796,
  7414: 0x2015,
  7533: 0x1e3f,
  7536: 0x01f9,
  7621: 0xfe30,
  7672: 0x303e,
  7684: 0x2ffb,
  7685: 0x3007,
  23750: 0xfa0c,
  23766: 0x2e81,
  23767: 0xe816,
  23775: 0xe81e,
  23844: 0x4dae,
  23845: 0xe864,
  23939: 0xe4c5,
};
const pointerBytes = (p) => {
  const t = p % 190;
  return [0x81 + Math.floor(p / 190), t < 0x3f ? 0x40 + t : 0x41 + t];
};

test('gbk decoder: the WHATWG index values, and every two-byte sequence as iconv-lite decodes it', () => {
  for (const [p, cp] of Object.entries(WHATWG))
    assert.equal(decode(Uint8Array.from(pointerBytes(+p)), 'gbk').codePointAt(0), cp, `pointer ${p}`);
  const all = new Uint8Array(23940 * 2);
  for (let p = 0; p < 23940; p++) all.set(pointerBytes(p), 2 * p);
  assert.equal(decode(all, 'gbk'), iconv.decode(Buffer.from(all), 'gbk'));
  assert.equal(decode(new Uint8Array([0x80, 0x61]), 'gbk'), '€a');
});

test('gbk decoder is strict: 0xFF, a lead without its trail, four-byte GB 18030 → errors with offsets', () => {
  // Node 20's ICU TextDecoder('gbk', { fatal: true }) returns U+F8F5 for 0xFF; WHATWG (and we) fail.
  for (const [bytes, offset] of [
    [[0xff], 0],
    [[0x61, 0xff], 1],
    [[0x81, 0x20], 0],
    [[0x61, 0x81], 1],
    [[0x81, 0x30, 0x81, 0x30], 0],
    [[0x81, 0x7f], 0],
    [[0xa1, 0xa1, 0xfe, 0xff], 2],
  ]) {
    throwsCode(() => decode(Uint8Array.from(bytes), 'gbk'), 'ILLEGAL_CHARSET', { offset });
  }
});

// Python 3 (CPython _codecs_cn) strict 'gb2312' decodes exactly these two-byte codes (7445).
const PY_GB2312 =
  'A1A1-A1FE A2B1-A2E2 A2E5-A2EE A2F1-A2FC A3A1-A3FE A4A1-A4F3 A5A1-A5F6 A6A1-A6B8 A6C1-A6D8 A7A1-A7C1 A7D1-A7F1 A8A1-A8BA A8C5-A8E9 A9A4-A9EF'
    .split(' ')
    .map((r) => r.split('-').map((h) => parseInt(h, 16)));
for (let lead = 0xb0; lead <= 0xf7; lead++) PY_GB2312.push([(lead << 8) | 0xa1, (lead << 8) | (lead === 0xd7 ? 0xf9 : 0xfe)]);

test('gb2312 is strict EUC-CN: exactly the 7445 GB 2312 codes, each with its GBK mapping', () => {
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
    assert.equal(hex(b), hex(encode(String.fromCharCode(cp), 'gbk')));
    got.add((b[0] << 8) | b[1]);
  }
  assert.deepEqual([...got].sort(), [...expected].sort());
  // Documented deviation from Python's GB2312.TXT mapping: we use GBK's A1A4 = U+00B7, A1AA = U+2014
  // (what browsers send for a gb2312 page); Python maps them to U+30FB and U+2015, which we reject.
  assert.equal(hex(encode('·—', 'gb2312')), 'a1a4a1aa');
  throwsCode(() => encode('\u30fb', 'gb2312'), 'ILLEGAL_CHARSET');
  throwsCode(() => encode('\u2015', 'gb2312'), 'ILLEGAL_CHARSET');
});

test('gb2312 names the character and its index where iconv-lite silently emits GBK bytes', () => {
  for (const [text, i, ch] of [
    ['王喆', 1, '喆'],
    ['朱镕基', 1, '镕'],
    ['5€', 1, '€'],
    ['ｱ', 0, 'ｱ'],
  ]) {
    if (ch !== 'ｱ') assert.notEqual(iconv.encode(ch, 'gb2312')[0], 0x3f, 'iconv-lite emits bytes for it');
    throwsCode(() => encode(text, 'gb2312', { field: 'transfer_detail', index: 3 }), 'ILLEGAL_CHARSET', {
      offset: i,
      field: 'transfer_detail',
      index: 3,
    });
    assert.throws(
      () => encode(text, 'gb2312'),
      new RegExp(`"${ch}" \\(U\\+[0-9A-F]{4}\\) at index ${i} is not representable in gb2312`),
    );
  }
  throwsCode(() => decode(new Uint8Array([0x86, 0xb4]), 'gb2312'), 'ILLEGAL_CHARSET', { offset: 0 }); // 喆 in GBK
  throwsCode(() => decode(new Uint8Array([0x80]), 'gb2312'), 'ILLEGAL_CHARSET', { offset: 0 });
  assert.equal(decode(new Uint8Array([0xcc, 0xec, 0x41]), 'gb2312'), '天A');
});

test('utf-8: strict decode with offsets, BOM kept', () => {
  assert.equal(decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'utf-8'), '\ufeffa');
  for (const [bytes, offset] of [
    [[0x61, 0xff], 1],
    [[0xc3], 0],
    [[0x61, 0x62, 0xe4, 0xb8], 2],
    [[0xed, 0xa0, 0x80], 0],
    [[0xc0, 0x80], 0],
  ]) {
    throwsCode(() => decode(Uint8Array.from(bytes), 'utf-8'), 'ILLEGAL_CHARSET', { offset });
  }
  const d = createDecoder('utf-8');
  assert.equal(d.decode(new Uint8Array([0x61, 0xe4]), { stream: true }), 'a');
  throwsCode(() => d.decode(new Uint8Array([0x41])), 'ILLEGAL_CHARSET', { offset: 1 });
});

test('a decoder reused after a complete stream (or an error) counts offsets from the new stream, as TextDecoder starts afresh', () => {
  for (const charset of ['utf-8', 'gbk']) {
    const d = createDecoder(charset);
    assert.equal(d.decode(new Uint8Array([0x61, 0x62]), { stream: true }) + d.decode(new Uint8Array([0x63])), 'abc');
    throwsCode(() => d.decode(new Uint8Array([0x61, 0xff])), 'ILLEGAL_CHARSET', { offset: 1 });
    throwsCode(() => d.decode(new Uint8Array([0xff])), 'ILLEGAL_CHARSET', { offset: 0 });
    assert.equal(d.decode(new Uint8Array([0x78]), { stream: true }), 'x');
    throwsCode(() => d.decode(new Uint8Array([0x79, 0xff])), 'ILLEGAL_CHARSET', { offset: 2 });
  }
});

const gbkChar = fc.constantFrom(...'aZ09 ~*$&=%+天之蓝喆镕€¥·—，。（）ḿ〇'.split('').filter((c) => c !== '¥'));
const gb2312Char = fc.constantFrom(...'aZ09 ~*$&=%+天之蓝，。（）·—'.split(''));
const utf8Char = fc.oneof(gbkChar, fc.constantFrom('😀', '¥', 'ｱ', 'é'));

function splitStream(charset, bytes, cuts) {
  const d = createDecoder(charset);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let out = '',
    prev = 0;
  for (const p of points) {
    out += d.decode(bytes.subarray(prev, p), { stream: true });
    prev = p;
  }
  return out + d.decode(bytes.subarray(prev));
}

test('property: streaming decode of chunks split anywhere equals the text (utf-8, gbk, gb2312)', () => {
  for (const [charset, ch] of [
    ['gbk', gbkChar],
    ['gb2312', gb2312Char],
    ['utf-8', utf8Char],
  ]) {
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 12 }), (chars, cuts) => {
        const text = chars.join('');
        const bytes = encode(text, charset);
        if (charset === 'gbk') assert.equal(hex(bytes), hex(iconv.encode(text, 'gbk')));
        assert.equal(splitStream(charset, bytes, cuts), text);
      }),
      { numRuns: 300 },
    );
  }
});

// Reference for arbitrary bytes, one byte at a time, from the WHATWG GBK rules and iconv-lite's
// decoding of each two-byte pair: the result, or the byte offset of the first malformed sequence.
const pairCache = new Map();
function referenceGbk(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (b === 0x80) {
      out += '€';
      i++;
      continue;
    }
    const t = bytes[i + 1];
    if (b === 0xff || t === undefined || t < 0x40 || t === 0x7f || t === 0xff) return { offset: i };
    const key = (b << 8) | t;
    if (!pairCache.has(key)) pairCache.set(key, iconv.decode(Buffer.from([b, t]), 'gbk'));
    const ch = pairCache.get(key);
    if (ch.length !== 1 || ch === '\ufffd') return { offset: i };
    out += ch;
    i += 2;
  }
  return { text: out };
}
const anyByte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 4, arbitrary: fc.integer({ min: 0x81, max: 0xfe }) },
  { weight: 1, arbitrary: fc.constantFrom(0x00, 0x30, 0x3f, 0x40, 0x7f, 0x80, 0xa0, 0xa1, 0xfe, 0xff) },
);

test('property: gbk decode of arbitrary bytes (one shot and split anywhere) equals a byte-at-a-time reference, errors at the same offset', () => {
  const run = (fn) => {
    try {
      return { text: fn() };
    } catch (e) {
      assert.equal(e.code, 'ILLEGAL_CHARSET', e.message);
      return { offset: e.offset };
    }
  };
  fc.assert(
    fc.property(fc.array(anyByte, { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 8 }), (arr, cuts) => {
      const bytes = Uint8Array.from(arr);
      const ref = referenceGbk(bytes);
      assert.deepEqual(
        run(() => decode(bytes, 'gbk')),
        ref,
      );
      assert.deepEqual(
        run(() => splitStream('gbk', bytes, cuts)),
        ref,
      );
    }),
    { numRuns: 2000 },
  );
});

// Token streams that are mostly valid, so that long inputs reach deep into the WebAssembly loop
// (chunks of WASM_MIN bytes and more) before an error, if any.
const gbkToken = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 0x20, max: 0x7e }), { minLength: 1, maxLength: 40 }) },
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.integer({ min: 0x81, max: 0xfe }),
      fc.integer({ min: 0x40, max: 0xfe }).filter((t) => t !== 0x7f),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom([0x80], [0xa1, 0xa1], [0xd7, 0xfa], [0xa2, 0xe3]) },
  { weight: 1, arbitrary: fc.constantFrom([0xff], [0x81, 0x30], [0x81, 0x7f], [0x81], [0x00]) },
);

test('engines: the WebAssembly loop (Node has WebAssembly) and the JS loop give the same strings and errors, and both the reference', async () => {
  const { loadGbk, gbkEngine, WASM_MIN } = await import('../dist/esm/testing.js');
  assert.equal(gbkEngine(), 'wasm', 'loadCharset on Node uses the WebAssembly loop');
  const wasm = await loadGbk('table', true);
  const js = await loadGbk('table', false);
  assert.deepEqual([wasm.engine, js.engine], ['wasm', 'js']);
  const outcome = (fn) => {
    try {
      return { text: fn() };
    } catch (e) {
      assert.equal(e.code, 'ILLEGAL_CHARSET', e.message);
      return { offset: e.offset, message: e.message };
    }
  };
  const streamed = (codec, cs, bytes, cuts) => {
    const d = codec.decoder(cs, {});
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    let out = '',
      prev = 0;
    for (const p of points) {
      out += d.decode(bytes.subarray(prev, p), true);
      prev = p;
    }
    return out + d.decode(bytes.subarray(prev), false);
  };
  fc.assert(
    fc.property(fc.array(gbkToken, { minLength: 1, maxLength: 120 }), fc.array(fc.nat(), { maxLength: 4 }), (tokens, cuts) => {
      const bytes = Uint8Array.from(tokens.flat());
      const ref = referenceGbk(bytes);
      for (const cs of ['gbk', 'gb2312']) {
        const w = outcome(() => wasm.decode(bytes, cs, {}));
        assert.deepEqual(
          w,
          outcome(() => js.decode(bytes, cs, {})),
          `${cs} one shot, ${bytes.length} bytes`,
        );
        if (cs === 'gbk')
          assert.deepEqual({ ...w, message: undefined }, { ...ref, message: undefined }, 'gbk vs the iconv-lite reference');
        assert.deepEqual(
          outcome(() => streamed(wasm, cs, bytes, cuts)),
          outcome(() => streamed(js, cs, bytes, cuts)),
          `${cs} streamed`,
        );
      }
    }),
    { numRuns: 1500 },
  );
  // around the size threshold, and a chunk ending in a lead byte whose trail opens the next chunk
  for (const pad of [0, 1, 2]) {
    const text = 'a'.repeat(pad) + '天之蓝'.repeat(WASM_MIN / 2);
    const bytes = new Uint8Array(iconv.encode(text, 'gbk'));
    for (const size of [WASM_MIN - 1, WASM_MIN, WASM_MIN + 1]) {
      for (const codec of [wasm, js]) {
        const d = codec.decoder('gbk', {});
        let out = '';
        for (let i = 0; i < bytes.length; i += size) out += d.decode(bytes.subarray(i, i + size), true);
        assert.equal(out + d.decode(undefined, false), text, `${codec.engine}, chunks of ${size}, pad ${pad}`);
      }
    }
  }
});

test('in a browser extension WebAssembly is only tried when the manifest CSP allows it (a refusal is listed as a CSP violation)', async () => {
  const { loadGbk } = await import('../dist/esm/testing.js');
  const cases = [
    [{ manifest_version: 3 }, 'js'], // MV3 default policy: no 'wasm-unsafe-eval'
    [{ manifest_version: 2 }, 'js'],
    [{ manifest_version: 3, content_security_policy: { extension_pages: "script-src 'self'; object-src 'self'" } }, 'js'],
    [
      {
        manifest_version: 3,
        content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
      },
      'wasm',
    ],
    [{ manifest_version: 2, content_security_policy: "script-src 'self' 'unsafe-eval'; object-src 'self'" }, 'wasm'],
  ];
  try {
    for (const [manifest, engine] of cases) {
      globalThis.chrome = { runtime: { id: 'abcdefghijklmnop', getManifest: () => manifest } };
      assert.equal((await loadGbk('table', true)).engine, engine, JSON.stringify(manifest));
    }
    globalThis.chrome = { runtime: {} }; // a page with a chrome object but no extension: tried as usual
    assert.equal((await loadGbk('table', true)).engine, 'wasm');
  } finally {
    delete globalThis.chrome;
  }
});

test('loadCharset options are checked: INVALID_OPTION naming the field', async () => {
  await assert.rejects(loadCharset('gbk', { wasm: 'no' }), (e) => e.code === 'INVALID_OPTION' && e.field === 'wasm');
  await assert.rejects(loadCharset('gbk', { source: 'icu' }), (e) => e.code === 'INVALID_OPTION' && e.field === 'source');
  await assert.rejects(loadCharset('gbk', null), (e) => e.code === 'INVALID_OPTION' && e.field === 'options');
});

test('the WebAssembly module in src/charset/gbk-wasm-bytes.ts is what scripts/gen-gbk-wasm.mjs assembles', () => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/gen-gbk-wasm.mjs', import.meta.url)), '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('large inputs (past the kept scratch size, reused through a WeakRef) encode and decode like iconv-lite, call after call', () => {
  const base = 'partner=2088101115793868&detail=20111221~*~15.00~*~天之蓝*~*~$合作网站打款转账流水号，喆镕（剩余赏金处理）。€';
  for (const chars of [300_000, 200_000, 700_000, 300_001]) {
    const text = base.repeat(Math.ceil(chars / base.length)).slice(0, chars);
    const ref = iconv.encode(text, 'gbk');
    const bytes = encode(text, 'gbk');
    assert.equal(bytes.length, ref.length, `${chars} chars`);
    assert.ok(Buffer.from(bytes).equals(ref), `${chars} chars: encode`);
    assert.equal(decode(bytes, 'gbk'), text, `${chars} chars: decode`);
  }
});

test('streaming: a lead byte left pending at the end is an error; TransformStream works', async () => {
  const d = createDecoder('gbk');
  assert.equal(d.decode(new Uint8Array([0x61, 0xcc]), { stream: true }), 'a');
  throwsCode(() => d.decode(), 'ILLEGAL_CHARSET', { offset: 1 });
  const d2 = createDecoder('gbk');
  d2.decode(new Uint8Array([0xcc]), { stream: true });
  throwsCode(() => d2.decode(new Uint8Array([0x20])), 'ILLEGAL_CHARSET', { offset: 0 });
  const bytes = encode('天之蓝 €', 'gbk');
  const chunks = [...bytes].map((b) => new Uint8Array([b]));
  const rs = new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  }).pipeThrough(createDecoderStream('gbk'));
  let s = '';
  for await (const part of rs) s += part;
  assert.equal(s, '天之蓝 €');
});

test('the native TextDecoder path is taken only when it reproduces the table exactly', () => {
  const preload = fileURLToPath(new URL('./support/fake-gbk-decoder.mjs', import.meta.url));
  const probe = `import { loadCharset, encode } from ${JSON.stringify(new URL('../dist/esm/index.js', import.meta.url).href)};
    const s = await loadCharset('gbk'); console.log(JSON.stringify([s, Buffer.from(encode('天€〇ḿ', 'gbk')).toString('hex')]));`;
  for (const [mode, want] of [
    ['exact', 'native'],
    ['deviant', 'table'],
    ['missing', 'table'],
  ]) {
    const r = spawnSync(process.execPath, ['--import', preload, '--input-type=module', '-e', probe], {
      env: { ...process.env, FAKE_GBK: mode },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [want, 'ccec80a996a8bc'], mode);
  }
});

test('gbk all-ASCII chunks (native UTF-8 fast path) decode like iconv-lite, and keep stream offsets and pending leads', () => {
  const ascii = Uint8Array.from({ length: 128 * 3 }, (_, i) => i % 128);
  for (const cs of ['gbk', 'gb2312']) {
    assert.equal(decode(ascii, cs), iconv.decode(Buffer.from(ascii), 'gbk'));
    assert.equal(decode(new Uint8Array(0), cs), '');
  }
  // ASCII chunks in a stream count towards the byte offset of a later error.
  const d = createDecoder('gbk');
  assert.equal(d.decode(ascii.subarray(0, 100), { stream: true }), iconv.decode(Buffer.from(ascii.subarray(0, 100)), 'gbk'));
  throwsCode(() => d.decode(new Uint8Array([0x61, 0xff])), 'ILLEGAL_CHARSET', { offset: 101 });
  // A pending lead byte followed by an ASCII-only chunk: the pair is decoded, or rejected, not lost.
  const e = createDecoder('gbk');
  assert.equal(e.decode(new Uint8Array([0x61, 0x81]), { stream: true }), 'a');
  assert.equal(e.decode(new Uint8Array([0x40, 0x61, 0x62])), iconv.decode(Buffer.from([0x81, 0x40, 0x61, 0x62]), 'gbk'));
  const f = createDecoder('gbk');
  f.decode(new Uint8Array([0x81]), { stream: true });
  throwsCode(() => f.decode(new Uint8Array([0x20, 0x61])), 'ILLEGAL_CHARSET', { offset: 0 });
});

test('the spot check before trusting a runtime GBK decoder: each pair maps as in iconv-lite, and Node 20 fails it', async () => {
  const { SPOT_PAIRS } = await import('../dist/esm/testing.js');
  assert.equal(SPOT_PAIRS.length, 5);
  for (const [lead, trail, code] of SPOT_PAIRS) {
    const ref = iconv.decode(Buffer.from([lead, trail]), 'gbk');
    assert.equal(ref.length, 1);
    assert.equal(code, ref.charCodeAt(0), `${lead.toString(16)}${trail.toString(16)}`);
  }
  // Node 20's ICU maps A2E3 to U+E76C: the spot check alone refuses it (the full check would too).
  if (process.versions.node.startsWith('20.')) {
    const td = new TextDecoder('gbk');
    assert.notEqual(td.decode(Uint8Array.of(0xa2, 0xe3)).charCodeAt(0), SPOT_PAIRS[0][2]);
  }
});
