// fast-check fuzzing of the XML decoder: random bytes and mutations of valid documents never throw
// anything but WitkeyError (and never hang: sizes are bounded, every run is synchronous); whatever we
// accept in UTF-8, saxes accepts with the same tree; random trees serialised by an independent
// serialiser round-trip through every chunking.

import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { loadCharset } from '../dist/esm/charset.js';
import { WitkeyError, XmlDecoder } from '../dist/esm/xml.js';
import { bidderDocument, plain, SAMPLE_61, SAMPLE_62, saxesTree, splitAt, TRICKY_GBK_TEXT } from './support/xml-docs.mjs';

await loadCharset('gbk');
const utf8 = (s) => new TextEncoder().encode(s);
const gbk = (s) => new Uint8Array(iconv.encode(s, 'gbk'));

/** Runs the decoder over chunks; returns the tree or the WitkeyError; anything else fails the test. */
function attempt(chunks, options) {
  try {
    const d = new XmlDecoder(options);
    for (const c of chunks) d.write(c);
    return { tree: plain(d.end().document.root) };
  } catch (e) {
    if (!(e instanceof WitkeyError)) throw new Error(`non-WitkeyError thrown: ${e?.stack ?? e}`);
    assert.ok(['INVALID_XML', 'XML_LIMIT_EXCEEDED', 'ILLEGAL_CHARSET'].includes(e.code), e.code);
    if (e.code === 'INVALID_XML') assert.equal(typeof e.offset, 'number', e.message);
    return { error: e };
  }
}

const cutsFor = (len) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, len - 1) }), { maxLength: 8 })
    .map((c) => c.filter((x) => x < len).sort((a, b) => a - b));

test('random bytes: only WitkeyError, for utf-8 and gbk, whole and chunked', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.constantFrom('utf-8', 'gbk', 'gb2312'),
      fc.array(fc.nat(400), { maxLength: 6 }),
      (bytes, charset, cuts) => {
        const whole = attempt([bytes], { charset });
        const parts = attempt(
          splitAt(
            bytes,
            [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b),
          ),
          { charset },
        );
        assert.equal(!!whole.error, !!parts.error);
        if (whole.tree) assert.deepEqual(parts.tree, whole.tree);
      },
    ),
    { numRuns: 2000 },
  );
  // random bytes drawn mostly from XML's alphabet, so that they get further into the grammar
  const alphabet = fc.constantFrom(...utf8('<>/&;="\'!?-[]CDATxml#'), 0x20, 0x0a, 0x61, 0x62, 0x81, 0x5d, 0xe4, 0xb8, 0xad);
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 300 }), (arr) => {
      const bytes = new Uint8Array([...utf8('<a>'), ...arr, ...utf8('</a>')]);
      attempt([bytes], { charset: 'gbk' });
      const r = attempt([bytes]);
      if (r.tree) assert.deepEqual(r.tree, saxesTree(new TextDecoder().decode(bytes)));
    }),
    { numRuns: 3000 },
  );
});

const SEEDS = [
  utf8(SAMPLE_61.replace('GBK', 'UTF-8')),
  utf8(SAMPLE_62),
  utf8('<a b="1 &amp; 2" c=\'&#x41;\'><![CDATA[x]]]]><![CDATA[>]]><!-- c --><?p q?>&lt;&#20013;</a>'),
  utf8(bidderDocument(2, { extras: true })),
];
const GBK_SEEDS = [gbk(SAMPLE_61), gbk(`<alipay><n a="${TRICKY_GBK_TEXT}">${TRICKY_GBK_TEXT}<![CDATA[乚]]]></n></alipay>`)];
const INSERTS = [
  '<',
  '>',
  '&',
  ';',
  ']]>',
  '<!DOCTYPE a>',
  '<!--',
  '-->',
  '<?',
  '?>',
  '<![CDATA[',
  '&#x0;',
  '&foo;',
  '"',
  "'",
  '=',
  '/',
  '</a>',
  '<a>',
  '\u0000',
  '\r\n',
  '\uFFFF',
  '\x81',
  ']',
].map((s) => (s === '\x81' ? new Uint8Array([0x81]) : utf8(s)));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('del'), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('ins'), at: fc.nat(), what: fc.constantFrom(...INSERTS) }),
  fc.record({ kind: fc.constant('dup'), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(bytes, muts) {
  const b = Array.from(bytes);
  for (const m of muts) {
    const at = b.length ? m.at % b.length : 0;
    if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'del') b.splice(at, m.len);
    else if (m.kind === 'ins') b.splice(at, 0, ...m.what);
    else b.splice(at, 0, ...b.slice(at, at + m.len));
  }
  return new Uint8Array(b);
}

test('mutations of valid documents: only WitkeyError; chunking never changes the outcome; accepted UTF-8 agrees with saxes', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS.keys()),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      cutsFor(2000),
      (k, muts, cuts) => {
        const bytes = mutate(SEEDS[k], muts);
        const whole = attempt([bytes]);
        const parts = attempt(
          splitAt(
            bytes,
            cuts.filter((c) => c < bytes.length),
          ),
        );
        assert.equal(!!whole.error, !!parts.error, `whole ${whole.error?.message} parts ${parts.error?.message}`);
        if (whole.tree) {
          assert.deepEqual(parts.tree, whole.tree);
          assert.deepEqual(whole.tree, saxesTree(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
        }
      },
    ),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...GBK_SEEDS.keys()),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      cutsFor(1500),
      (k, muts, cuts) => {
        const bytes = mutate(GBK_SEEDS[k], muts);
        const whole = attempt([bytes], { charset: 'gbk' });
        const parts = attempt(
          splitAt(
            bytes,
            cuts.filter((c) => c < bytes.length),
          ),
          { charset: 'gbk' },
        );
        assert.equal(!!whole.error, !!parts.error, `whole ${whole.error?.message} parts ${parts.error?.message}`);
        if (whole.tree) assert.deepEqual(parts.tree, whole.tree);
      },
    ),
    { numRuns: 2000 },
  );
});

// An independent serialiser for round trips: escapes what XML requires, with random choices of
// representation (references, CDATA) that must all decode to the same text.
const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
const textArb = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('a', ' ', '<', '>', '&', '"', "'", ']', '\n', '\t', '\r', '天', '乚', '€', '😀', 'x'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 20,
  })
  .filter((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s));
const treeArb = fc.letrec((tie) => ({
  el: fc.record({
    name: nameArb,
    attributes: fc.dictionary(nameArb, textArb, { maxKeys: 3 }),
    kids: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.constant([]),
      fc.array(fc.tuple(tie('el'), textArb), { maxLength: 3 }),
    ),
    text0: textArb,
    style: fc.nat(3),
  }),
})).el;

function esc(ch, style, inAttr) {
  if (ch === '<') return style === 1 ? '&#60;' : '&lt;';
  if (ch === '&') return style === 2 ? '&#x26;' : '&amp;';
  if (ch === '>') return style === 3 ? '&gt;' : '>';
  if (ch === '\r') return '&#13;';
  if (inAttr && (ch === '\n' || ch === '\t')) return `&#${ch.charCodeAt(0)};`;
  if (inAttr && ch === '"') return '&quot;';
  if (ch === '"' && style === 2) return '&quot;';
  if (ch === "'" && style === 3) return '&apos;';
  return ch;
}
function escText(s, style) {
  if (style === 0 && s.length && !s.includes(']]>') && !s.includes('\r')) return `<![CDATA[${s}]]>`;
  let out = '';
  for (const ch of s) out += esc(ch, style, false);
  return out.replace(/]]>/g, ']]&gt;');
}
function serialise(t) {
  const attrs = Object.entries(t.attributes)
    .map(([k, v]) => ` ${k}="${[...v].map((c) => esc(c, t.style, true)).join('')}"`)
    .join('');
  return `<${t.name}${attrs}>${escText(t.text0, t.style)}${t.kids.map(([k, after]) => serialise(k) + escText(after, t.style)).join('')}</${t.name}>`;
}
function expected(t) {
  return {
    name: t.name,
    attributes: { ...t.attributes },
    children: t.kids.map(([k]) => expected(k)),
    text: t.text0 + t.kids.map(([, a]) => a).join(''),
  };
}

test('valid documents round-trip: random trees serialised, parsed whole and chunked, in UTF-8 and GBK', () => {
  fc.assert(
    fc.property(treeArb, fc.array(fc.nat(3000), { maxLength: 6 }), (t, cuts) => {
      const xml = serialise(t);
      const want = expected(t);
      const bytes = utf8(xml);
      const c = [...new Set(cuts.filter((x) => x > 0 && x < bytes.length))].sort((a, b) => a - b);
      assert.deepEqual(attempt([bytes]).tree, want, xml);
      assert.deepEqual(attempt(splitAt(bytes, c)).tree, want, xml);
      assert.deepEqual(saxesTree(xml), want); // the serialiser itself agrees with saxes
      if (!/[^\u0000-\uFFFF]|[^\u0000-\u007f\u4e00-\u9fa5€乚]/u.test(xml)) {
        const g = gbk(xml);
        assert.deepEqual(
          attempt(
            splitAt(
              g,
              c.filter((x) => x < g.length),
            ),
            { charset: 'gbk' },
          ).tree,
          want,
          xml,
        );
      }
    }),
    { numRuns: 1500 },
  );
});
