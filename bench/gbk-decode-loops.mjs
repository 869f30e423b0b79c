#!/usr/bin/env node
// The GBK decode loop and the string-building step, variant by variant (for the decode target, ≥ 1× TextDecoder('gbk')):
// what src/charset/gbk.ts does now against what was tried, on the 300-char mixed request string and
// the ~640 KB document of bench/charset.mjs. Interleaved tinybench rounds (lib/harness.mjs); each
// row is the median over rounds of (variant's latency / current's latency): > 1 means slower than
// what the library does.
//
//   loops (into a Uint16Array, no string):
//     current     4-byte ASCII steps with 3-byte lookahead, then byte steps; one 64 Ki-table lookup
//                 per pair, zero = invalid (no range checks); 0x80 and errors sorted out after a zero
//     previous    the loop before: test each aligned group of 4 bytes, else one byte per step with
//                 explicit range handling
//     byte-run    a plain inner loop per ASCII run, no 4-byte steps
//     flat-table  the current loop over a 23 940-entry table indexed (lead−0x81)·190 + trail offset
//     u32-stores  the current loop writing two code units per 32-bit store where aligned
//   string from 300 / 512 Ki code units:
//     utf-16le    TextDecoder('utf-16le').decode(units) (what the library does)
//     fromCharCode  String.fromCharCode.apply over 4096-unit slices
//     via-utf8    the same text as UTF-8 bytes through TextDecoder('utf-8') (the writing not counted)
//   whole decode of the 300-char string: the library's decode(), the bare current loop + utf-16le
//     with no call overhead (this design's floor), and TextDecoder('gbk')
//
// `node bench/gbk-decode-loops.mjs [rounds]`. Needs a build (the whole-decode rows) and iconv-lite (dev
// dependency) for the table and inputs.
import iconv from 'iconv-lite';
import { interleavedRounds, median, medianRatio, textTable } from './lib/harness.mjs';

const base =
  'partner=2088101115793868&transfer_detail=20111221_0011_10~*~15.00~*~2088102116203708~*~天之蓝*~*~$合作网站打款转账流水号，喆镕（剩余赏金处理）。';
let bigText = '';
while (bigText.length < 1 << 19) bigText += base;
const smallText = bigText.slice(0, 300);
const small = new Uint8Array(iconv.encode(smallText, 'gbk'));
const big = new Uint8Array(iconv.encode(bigText, 'gbk'));

const dec = new Uint16Array(65536);
const flat = new Uint16Array(23940);
for (let l = 0x81; l <= 0xfe; l++) {
  for (let t = 0x40; t <= 0xfe; t++) {
    if (t === 0x7f) continue;
    const s = iconv.decode(Buffer.from([l, t]), 'gbk');
    if (s.length === 1 && s !== '\ufffd')
      dec[(l << 8) | t] = flat[(l - 0x81) * 190 + t - (t < 0x7f ? 0x40 : 0x41)] = s.charCodeAt(0);
  }
}
const out = new Uint16Array(big.length + 2);
const out32 = new Uint32Array(out.buffer);
const fail = () => {
  throw new Error('malformed');
};

function current(c) {
  const n = c.length,
    last = n - 1,
    last4 = n - 4;
  let o = 0,
    i = 0;
  while (i < last) {
    let b = c[i];
    if (b < 0x80) {
      while (i < last4) {
        const c1 = c[i + 1],
          c2 = c[i + 2],
          c3 = c[i + 3];
        if ((c1 | c2 | c3) >= 0x80) break;
        out[o] = b;
        out[o + 1] = c1;
        out[o + 2] = c2;
        out[o + 3] = c3;
        o += 4;
        i += 4;
        b = c[i];
        if (b >= 0x80) break;
      }
      if (b < 0x80) {
        do out[o++] = b;
        while (++i < last && (b = c[i]) < 0x80);
      }
      continue;
    }
    const v = dec[(b << 8) | c[i + 1]];
    if (v !== 0) {
      out[o++] = v;
      i += 2;
    } else if (b === 0x80) {
      out[o++] = 0x20ac;
      i++;
    } else fail();
  }
  if (i < n) {
    const b = c[i];
    if (b < 0x80) out[o++] = b;
    else if (b === 0x80) out[o++] = 0x20ac;
    else fail();
  }
  return o;
}
function previous(c) {
  const n = c.length,
    n4 = n - 3;
  let o = 0,
    i = 0;
  while (i < n) {
    if (i < n4) {
      const a = c[i],
        b1 = c[i + 1],
        d = c[i + 2],
        e = c[i + 3];
      if ((a | b1 | d | e) < 0x80) {
        out[o] = a;
        out[o + 1] = b1;
        out[o + 2] = d;
        out[o + 3] = e;
        o += 4;
        i += 4;
        continue;
      }
    }
    const b = c[i];
    if (b < 0x80) {
      out[o++] = b;
      i++;
      continue;
    }
    if (b === 0x80) {
      out[o++] = 0x20ac;
      i++;
    } else if (i + 1 < n) {
      const v = dec[(b << 8) | c[i + 1]];
      if (v === 0) fail();
      out[o++] = v;
      i += 2;
    } else fail();
  }
  return o;
}
function byteRun(c) {
  const n = c.length,
    last = n - 1;
  let o = 0,
    i = 0;
  while (i < last) {
    let b = c[i];
    if (b < 0x80) {
      do out[o++] = b;
      while (++i < last && (b = c[i]) < 0x80);
      continue;
    }
    const v = dec[(b << 8) | c[i + 1]];
    if (v !== 0) {
      out[o++] = v;
      i += 2;
    } else if (b === 0x80) {
      out[o++] = 0x20ac;
      i++;
    } else fail();
  }
  if (i < n) {
    const b = c[i];
    if (b < 0x80) out[o++] = b;
    else if (b === 0x80) out[o++] = 0x20ac;
    else fail();
  }
  return o;
}
function flatTable(c) {
  const n = c.length,
    last = n - 1,
    last4 = n - 4;
  let o = 0,
    i = 0;
  while (i < last) {
    let b = c[i];
    if (b < 0x80) {
      while (i < last4) {
        const c1 = c[i + 1],
          c2 = c[i + 2],
          c3 = c[i + 3];
        if ((c1 | c2 | c3) >= 0x80) break;
        out[o] = b;
        out[o + 1] = c1;
        out[o + 2] = c2;
        out[o + 3] = c3;
        o += 4;
        i += 4;
        b = c[i];
        if (b >= 0x80) break;
      }
      if (b < 0x80) {
        do out[o++] = b;
        while (++i < last && (b = c[i]) < 0x80);
      }
      continue;
    }
    const t = c[i + 1];
    const k = (b - 0x81) * 190 + t - (t < 0x7f ? 0x40 : 0x41);
    const v = b !== 0x80 && b !== 0xff && t >= 0x40 && t !== 0x7f && t !== 0xff ? flat[k] : 0;
    if (v !== 0) {
      out[o++] = v;
      i += 2;
    } else if (b === 0x80) {
      out[o++] = 0x20ac;
      i++;
    } else fail();
  }
  if (i < n) {
    const b = c[i];
    if (b < 0x80) out[o++] = b;
    else if (b === 0x80) out[o++] = 0x20ac;
    else fail();
  }
  return o;
}
function u32Stores(c) {
  const n = c.length,
    last = n - 1,
    last4 = n - 4;
  let o = 0,
    i = 0;
  while (i < last) {
    let b = c[i];
    if (b < 0x80) {
      while (i < last4) {
        const c1 = c[i + 1],
          c2 = c[i + 2],
          c3 = c[i + 3];
        if ((c1 | c2 | c3) >= 0x80) break;
        if ((o & 1) === 0) {
          const h = o >> 1;
          out32[h] = b | (c1 << 16);
          out32[h + 1] = c2 | (c3 << 16);
        } else {
          out[o] = b;
          out[o + 1] = c1;
          out[o + 2] = c2;
          out[o + 3] = c3;
        }
        o += 4;
        i += 4;
        b = c[i];
        if (b >= 0x80) break;
      }
      if (b < 0x80) {
        do out[o++] = b;
        while (++i < last && (b = c[i]) < 0x80);
      }
      continue;
    }
    const v = dec[(b << 8) | c[i + 1]];
    if (v !== 0) {
      out[o++] = v;
      i += 2;
    } else if (b === 0x80) {
      out[o++] = 0x20ac;
      i++;
    } else fail();
  }
  if (i < n) {
    const b = c[i];
    if (b < 0x80) out[o++] = b;
    else if (b === 0x80) out[o++] = 0x20ac;
    else fail();
  }
  return o;
}

const loops = { current, previous, 'byte-run': byteRun, 'flat-table': flatTable, 'u32-stores': u32Stores };
for (const [name, f] of Object.entries(loops)) {
  for (const [bytes, text] of [
    [small, smallText],
    [big, bigText],
  ]) {
    const o = f(bytes);
    if (o !== text.length || String.fromCharCode(...out.subarray(0, Math.min(o, 4000))) !== text.slice(0, 4000))
      throw new Error(`${name}: wrong output`);
  }
}

const utf16 = new TextDecoder('utf-16le');
const utf8 = new TextDecoder('utf-8');
const units = (t) => Uint16Array.from(t, (ch) => ch.charCodeAt(0));
const strings = [smallText, bigText].map((t) => ({ u: units(t), u8: new TextEncoder().encode(t) }));
const fcc = (u) => {
  let s = '';
  for (let i = 0; i < u.length; i += 4096) s += String.fromCharCode.apply(null, u.subarray(i, i + 4096));
  return s;
};
// Every string is read once (charCodeAt flattens a concatenated string), as a consumer would.
const touch = (s) => s.charCodeAt(s.length >> 1);

const groups = [];
for (const [label, bytes] of [
  ['loop, 300 chars', small],
  ['loop, 512 Ki chars', big],
]) {
  groups.push({ id: label, tasks: Object.fromEntries(Object.entries(loops).map(([n, f]) => [n, () => f(bytes)])) });
}
for (const [label, s] of [
  ['string, 300 units', strings[0]],
  ['string, 512 Ki units', strings[1]],
]) {
  groups.push({
    id: label,
    tasks: {
      'utf-16le': () => touch(utf16.decode(s.u)),
      fromCharCode: () => touch(fcc(s.u)),
      'via-utf8': () => touch(utf8.decode(s.u8)),
    },
  });
}
// The whole decode of the 300-char string three ways: the library, the bare current loop + the UTF-16
// conversion with no call overhead at all (the floor of this design), and Node's TextDecoder('gbk').
const { decode, loadCharset } = await import('../dist/esm/charset.js');
await loadCharset('gbk');
const tdGbk = new TextDecoder('gbk');
const bare = (bytes) => utf16.decode(out.subarray(0, current(bytes)));
if (bare(small) !== smallText || decode(small, 'gbk') !== smallText) throw new Error('whole decode: wrong output');
groups.push({
  id: 'whole decode, 300 chars',
  tasks: {
    library: () => decode(small, 'gbk'),
    'bare loop + utf-16le': () => bare(small),
    "TextDecoder('gbk')": () => tdGbk.decode(small),
  },
});

const rounds = Number(process.argv[2] ?? 7);
const samples = interleavedRounds(groups, { rounds, time: 25 });
const rows = [];
for (const g of groups) {
  const s = samples.get(g.id);
  const baseName = Object.keys(g.tasks)[0];
  for (const n of Object.keys(g.tasks))
    rows.push([
      g.id,
      n,
      `${(median(s[n]) * 1000).toFixed(2)} µs`,
      n === baseName ? '1.00×' : `${medianRatio(s, baseName, n).toFixed(2)}×`,
    ]);
}
console.log(textTable(['case', 'variant', 'latency', `vs the library's choice (> 1: slower)`], rows));
