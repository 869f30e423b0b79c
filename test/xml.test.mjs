// XML decoder: the docs/PROTOCOL.md §6 samples in UTF-8 and GBK (GBK bytes made by iconv-lite), trees
// compared with saxes and fast-xml-parser as independent oracles, chunk splits at every byte offset,
// records mode, charsets and well-formedness errors.

import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { loadCharset } from '../dist/esm/charset.js';
import { DEFAULT_XML_LIMITS, parseXml, WitkeyError, XmlDecoder } from '../dist/esm/xml.js';
import {
  bidderDocument,
  fxpTree,
  plain,
  SAMPLE_61,
  SAMPLE_62,
  saxesTree,
  splitAt,
  TRICKY_GBK_TEXT,
} from './support/xml-docs.mjs';

const utf8 = (s) => new TextEncoder().encode(s);
const gbk = (s) => new Uint8Array(iconv.encode(s, 'gbk'));
const throwsCode = (fn, code, extra = {}) =>
  assert.throws(fn, (e) => {
    assert.ok(e instanceof WitkeyError, `expected WitkeyError, got ${e?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, `${k} in: ${e.message}`);
    return true;
  });
const child = (el, ...names) => names.reduce((e, n) => e.children.find((c) => c.name === n), el);
const BIDDER_PATH = ['alipay', 'response', 'task_info', 'success_bidders', 'bidder'];
const isBidder = (p) => p.length === 5 && p[4] === 'bidder';

/** Streams chunks through a decoder; returns the plain tree and the records' paths and plain elements. */
function stream(chunks, options) {
  const d = new XmlDecoder(options);
  const records = [];
  for (const c of chunks) for (const r of d.write(c)) records.push({ path: [...r.path], element: plain(r.element) });
  const end = d.end();
  for (const r of end.records) records.push({ path: [...r.path], element: plain(r.element) });
  return { tree: plain(end.document.root), charset: end.document.charset, declared: end.document.declaredEncoding, records };
}

test('gbk/gb2312 documents need loadCharset first (CHARSET_NOT_LOADED); utf-8 ones do not', async () => {
  throwsCode(() => parseXml(gbk(SAMPLE_61)), 'CHARSET_NOT_LOADED');
  throwsCode(() => parseXml(utf8('<a>x</a>'), { charset: 'gb2312' }), 'CHARSET_NOT_LOADED');
  // The form charset does not matter when the declaration says UTF-8.
  assert.equal(parseXml(utf8('<?xml version="1.0" encoding="utf-8"?><a>x</a>'), { charset: 'gbk' }).root.text, 'x');
  await loadCharset('gbk');
});

test('§6.1 sample in UTF-8 and in GBK (iconv-lite bytes) gives the tree the protocol document shows', () => {
  for (const [bytes, charset, declared] of [
    [utf8(SAMPLE_61.replace('encoding="GBK"', 'encoding="UTF-8"')), 'utf-8', 'UTF-8'],
    [gbk(SAMPLE_61), 'gbk', 'GBK'],
  ]) {
    const doc = parseXml(bytes);
    assert.equal(doc.charset, charset);
    assert.equal(doc.declaredEncoding, declared);
    const r = doc.root;
    assert.equal(r.name, 'alipay');
    assert.deepEqual(
      r.children.map((c) => c.name),
      ['is_success', 'response'],
    );
    assert.equal(child(r, 'is_success').text, 'T');
    const ti = child(r, 'response', 'task_info');
    assert.equal(child(ti, 'outer_task_id').text, '20111221_0011');
    assert.deepEqual(
      child(ti, 'refund_detail').children.map((c) => [c.name, c.text]),
      [
        ['outer_transfer_no', '20111221_0012_03'],
        ['transfer_amount', '20.10'],
        ['transfer_status', 'W'],
      ],
    );
    const ok = child(ti, 'success_bidders', 'bidder');
    assert.deepEqual(
      ok.children.map((c) => [c.name, c.text]),
      [
        ['outer_transfer_no', '20111221_0011_10'],
        ['transfer_amount', '15.00'],
        ['alipay_user_id', '2088102116203708'],
        ['nick_name', '天之蓝'],
        ['transfer_status', 'W'],
      ],
    );
    assert.equal(child(ti, 'fail_bidders', 'bidder', 'nick_name').text, '喆镕');
    assert.equal(child(ti, 'fail_bidders', 'bidder', 'error_code').text, 'ACCOUNT_NOT_EXIST');
    assert.equal(ok.text.trim(), '');
    assert.equal(Object.getPrototypeOf(r.attributes), null);
    // and the whole tree equals both oracles' (on the decoded text)
    assert.deepEqual(plain(r), saxesTree(SAMPLE_61));
    assert.deepEqual(plain(r), fxpTree(SAMPLE_61));
  }
});

test('§6.2 sample (no declaration): utf-8 by default, GBK when the form says so; <error_code/> is empty', () => {
  const a = parseXml(utf8(SAMPLE_62));
  assert.equal(a.charset, 'utf-8');
  assert.equal(a.declaredEncoding, undefined);
  const t = child(a.root, 'response', 'transfer');
  assert.equal(child(t, 'sub_type').text, 'ASSIGN_FOR_IMMEDIATE_PAYMENT');
  assert.equal(child(t, 'fee_amount').text, '0.15');
  assert.equal(child(t, 'error_code').text, '');
  assert.equal(child(t, 'gmt_transfer').text, '2011-12-21 10:00:05');
  assert.deepEqual(plain(a.root), saxesTree(SAMPLE_62));
  const withNick = SAMPLE_62.replace('<error_code/>', `<error_code/><nick>${TRICKY_GBK_TEXT}</nick>`);
  const b = parseXml(gbk(withNick), { charset: 'gbk' });
  assert.equal(b.charset, 'gbk');
  assert.equal(child(b.root, 'response', 'transfer', 'nick').text, TRICKY_GBK_TEXT);
  assert.deepEqual(plain(b.root), saxesTree(withNick));
  // a string is taken as already-decoded text
  assert.deepEqual(plain(parseXml(SAMPLE_61).root), saxesTree(SAMPLE_61));
});

const CORPUS = [
  '<a/>',
  '<a></a>',
  '<?xml version="1.0"?><a>x</a>',
  "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<!-- c --><?pi data?>\n<a>x<!-- in --><?p?>y</a>\n<!-- after -->\n",
  '<a b="1" c=\'2\' d="&lt;&gt;&amp;&apos;&quot;" e="x&amp;y">t&amp;u&lt;v&gt;w&apos;&quot;</a>',
  '<a><![CDATA[<not a tag> & ]] ]>]]>after<![CDATA[]]><b><![CDATA[x]]]]><![CDATA[>y]]></b></a>',
  '<root><x:y xmlns:x="urn:x" x:z="1">ns kept as names</x:y><_a.b-c1/></root>',
  '<a>  lead <b>mid</b> trail  <c/>\n</a>',
  '<文档 属性="值">中文 ✓ 𝄞 text</文档>',
  '<a>]></a>',
  '<a b = "1"  c\t=\n"2" ></a >',
  '<a b="x>y" c=\'"\' d="\'"><b>></b></a>',
  `<alipay>${bidderDocument(6, { extras: true }).replace(/^<\?xml[^>]*>\n/, '')}</alipay>`,
];

test('corpus: trees equal saxes and fast-xml-parser (UTF-8 and GBK bytes, and whole strings)', () => {
  for (const xml of CORPUS) {
    const expect = saxesTree(xml);
    assert.deepEqual(plain(parseXml(utf8(xml)).root), expect, xml);
    assert.deepEqual(plain(parseXml(xml).root), expect, xml);
    if (!/[\u{10000}-\u{10FFFF}✓]/u.test(xml))
      assert.deepEqual(plain(parseXml(gbk(xml), { charset: 'gbk' }).root), expect, `gbk: ${xml}`);
    if (!/&#|\t|\n"/.test(xml) && !/<[^>]* = /.test(xml))
      assert.deepEqual(plain(parseXml(utf8(xml)).root), fxpTree(xml), `fxp: ${xml}`);
  }
});

test('character references, attribute normalisation (§3.3.3) and line ends (§2.11) as saxes does them', () => {
  const xml = '<a v="x\ty\r\nz&#10;&#x9;w" w="&#x20AC;&#8364;">l1\r\nl2\rl3&#13;&#x1F600;<![CDATA[c\r\nd]]></a>';
  const doc = parseXml(utf8(xml));
  assert.equal(doc.root.attributes.v, 'x y z\n\tw');
  assert.equal(doc.root.attributes.w, '€€');
  assert.equal(doc.root.text, 'l1\nl2\nl3\r😀c\nd');
  assert.deepEqual(plain(doc.root), saxesTree(xml));
});

test('a UTF-8 BOM is accepted (and means UTF-8); with encoding="GBK" it is an error', () => {
  const bom = [0xef, 0xbb, 0xbf];
  assert.equal(parseXml(new Uint8Array([...bom, ...utf8('<a>é</a>')]), { charset: 'gbk' }).root.text, 'é');
  assert.equal(parseXml(new Uint8Array([...bom, ...utf8('<?xml version="1.0" encoding="UTF-8"?><a>é</a>')])).root.text, 'é');
  throwsCode(() => parseXml(new Uint8Array([...bom, ...utf8('<?xml version="1.0" encoding="GBK"?><a/>')])), 'INVALID_XML');
});

test('declared encodings: UTF-8, GBK, GB2312 in any case; anything else is ILLEGAL_CHARSET naming it', () => {
  assert.equal(parseXml(gbk('<?xml version="1.0" encoding="gb2312"?><a>天之蓝</a>')).root.text, '天之蓝');
  assert.equal(parseXml(gbk('<?xml version="1.0" encoding="Gbk"?><a>喆</a>')).charset, 'gbk');
  for (const enc of ['ISO-8859-1', 'GB18030', 'utf8', 'UTF-16']) {
    assert.throws(
      () => parseXml(utf8(`<?xml version="1.0" encoding="${enc}"?><a/>`)),
      (e) => e instanceof WitkeyError && e.code === 'ILLEGAL_CHARSET' && e.message.includes(enc),
    );
  }
  // GB 2312 is strict EUC-CN: 喆 exists in GBK only
  throwsCode(() => parseXml(gbk('<?xml version="1.0" encoding="GB2312"?><a>喆</a>')), 'INVALID_XML');
  // malformed bytes in the charset, with the byte offset
  throwsCode(() => parseXml(new Uint8Array([...utf8('<a>'), 0xff, ...utf8('</a>')]), { charset: 'gbk' }), 'INVALID_XML', {
    offset: 3,
  });
  throwsCode(() => parseXml(new Uint8Array([...utf8('<a>x'), 0x81, 0x20, ...utf8('</a>')]), { charset: 'gbk' }), 'INVALID_XML', {
    offset: 4,
  });
  throwsCode(() => parseXml(new Uint8Array([...utf8('<a>xy'), 0xc3, 0x28, ...utf8('</a>')])), 'INVALID_XML', { offset: 5 });
  throwsCode(() => parseXml(new Uint8Array([...utf8('<a b="'), 0xed, 0xa0, 0x80, ...utf8('"/>')])), 'INVALID_XML'); // UTF-8 surrogate
  throwsCode(() => parseXml(new Uint8Array([...utf8('<a>'), 0xef, 0xbf, 0xbf, ...utf8('</a>')])), 'INVALID_XML'); // U+FFFF
});

test('short and long text spans decode alike: whole (in-JS short path) = one byte at a time (streaming decoder)', () => {
  const outcome = (bytes, charset) => {
    const run = (chunks) => {
      try {
        return { text: stream(chunks, { charset }).tree.text };
      } catch (e) {
        assert.ok(e instanceof WitkeyError, String(e));
        return { code: e.code, offset: e.offset };
      }
    };
    const whole = run([bytes]);
    assert.deepEqual(
      run(
        splitAt(
          bytes,
          Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
        ),
      ),
      whole,
      `${charset} ${bytes}`,
    );
    return whole;
  };
  const wrap = (inner) => new Uint8Array([...utf8('<a>'), ...inner, ...utf8('</a>')]);
  // valid text around the 64-byte boundary of the short path, with € (GBK 0x80), pairs and ASCII
  for (const n of [1, 20, 31, 32, 33, 40]) {
    const text = '天€a'.repeat(n).slice(0, n);
    assert.deepEqual(outcome(wrap(gbk(text)), 'gbk'), { text });
    const cjk = '天之蓝12'.repeat(n).slice(0, n);
    assert.deepEqual(outcome(wrap(gbk(cjk)), 'gb2312'), { text: cjk });
    const u = [...'😀é天a'.repeat(n)].slice(0, n).join('');
    assert.deepEqual(outcome(wrap(utf8(u)), 'utf-8'), { text: u });
  }
  // malformed bytes at each position of a short span: the same error at the same offset either way
  for (const [charset, bad] of [
    ['gbk', [0x81, 0x7f]],
    ['gbk', [0xff, 0x41]],
    ['gbk', [0x81, 0x30, 0x81, 0x30]],
    ['gb2312', [0x80]],
    ['gb2312', [0x81, 0x40]],
    ['utf-8', [0xe5, 0xa4]],
    ['utf-8', [0xf0, 0x9f, 0x98]],
    ['utf-8', [0xed, 0xa0, 0x80]],
  ]) {
    const text = charset === 'utf-8' ? utf8('天ab') : gbk('天ab');
    for (const at of charset === 'utf-8' ? [0, 3, 4, 5] : [0, 2, 3, 4]) {
      // character boundaries
      const inner = [...text.slice(0, at), ...bad, ...text.slice(at)];
      const r = outcome(wrap(inner), charset);
      assert.equal(r.code, 'INVALID_XML', `${charset} ${inner}`);
    }
  }
  // a lead byte whose trail would be '<': an error, not a character swallowing the end tag
  assert.equal(outcome(wrap([0x41, 0xb0]), 'gbk').code, 'INVALID_XML');
});

const MALFORMED = [
  ['', 'no root'],
  ['  ', 'no root'],
  ['<a>', 'unclosed'],
  ['<a><b></a></b>', 'mismatched'],
  ['<a></b>', 'mismatched'],
  ['<a/><b/>', 'two roots'],
  ['x<a/>', 'text before root'],
  ['<a/>x', 'text after root'],
  ['<a/>&amp;', 'reference after root'],
  ['<a>\u0001</a>', 'control char'],
  ['<a b="\u0002"/>', 'control char in attribute'],
  ['<a>&#0;</a>', 'reference to U+0000'],
  ['<a>&#xD800;</a>', 'reference to a surrogate'],
  ['<a>&#xFFFE;</a>', 'reference to U+FFFE'],
  ['<a>&#;</a>', 'empty reference'],
  ['<a>&#x;</a>', 'empty hex reference'],
  ['<a>&#X41;</a>', 'uppercase X'],
  ['<a>& b</a>', 'bare &'],
  ['<a>&amp</a>', 'unterminated reference'],
  ['<a>]]></a>', ']]> in text'],
  ['<1a/>', 'bad name'],
  ['<a 1b="x"/>', 'bad attribute name'],
  ['<a b="1" b="2"/>', 'duplicate attribute'],
  ['<a b="<"/>', '< in attribute'],
  ['<a b=1/>', 'unquoted'],
  ['<a b/>', 'no value'],
  ['<a b="1"c="2"/>', 'no whitespace between attributes'],
  ['<a b="1/>', 'unterminated value'],
  ['<a/ >', 'bad self-closing'],
  ['< a/>', 'space after <'],
  ['<a><!-- x -- y --></a>', '-- in comment'],
  ['<a><!-- x ---></a>', '--- at comment end'],
  ['<a><!-- x </a>', 'unterminated comment'],
  ['<a><?pi x </a>', 'unterminated PI'],
  ['<a><![CDATA[x</a>', 'unterminated CDATA'],
  ['<![CDATA[x]]><a/>', 'CDATA outside root'],
  ['<a><![CDAT[x]]></a>', 'bad CDATA marker'],
  ['<a><!x></a>', 'bad <!'],
  [' <?xml version="1.0"?><a/>', 'declaration not at offset 0'],
  ['<a/><?xml version="1.0"?>', 'declaration later'],
  ['<?xml version="2.0"?><a/>', 'bad version'],
  ['<?xml encoding="UTF-8"?><a/>', 'no version'],
  ['<?xml version="1.0" standalone="maybe"?><a/>', 'bad standalone'],
  ['<?xml version="1.0" standalone="yes" encoding="UTF-8"?><a/>', 'wrong order'],
  ['<?xml version="1.0"?><?xml version="1.0"?><a/>', 'two declarations'],
  ['<?XML version="1.0"?><a/>', 'reserved target'],
  ['<a></a >x</a>', 'text after root'],
  ['</a>', 'end tag without start'],
  ['<a>&lt</a>', 'unterminated'],
  ['<Ã·></÷>', "mismatched non-ASCII names whose UTF-8 bytes equal the other name's code units"],
  ['<ab></a>', 'end tag a prefix of the open name'],
  ['<a></ab>', 'end tag longer than the open name'],
  ['<a></a b>', 'attribute in an end tag'],
];

test('malformed documents are INVALID_XML (whole and fed one byte at a time)', () => {
  for (const [xml, why] of MALFORMED) {
    throwsCode(() => parseXml(utf8(xml)), 'INVALID_XML');
    assert.throws(() => saxesTree(xml), undefined, `saxes accepts "${xml}" (${why})?`);
    const bytes = utf8(xml);
    throwsCode(() => {
      const d = new XmlDecoder();
      for (let i = 0; i < bytes.length; i++) d.write(bytes.subarray(i, i + 1));
      d.end();
    }, 'INVALID_XML');
  }
});

test('errors name the place: offset is the byte offset in the input', () => {
  throwsCode(() => parseXml(utf8('<a><b></c></a>')), 'INVALID_XML', { offset: 6 });
  throwsCode(() => parseXml(utf8('<a>天之蓝&foo;</a>')), 'INVALID_XML', { offset: 12 });
  throwsCode(() => parseXml(gbk('<a>天之蓝&foo;</a>'), { charset: 'gbk' }), 'INVALID_XML', { offset: 9 });
  throwsCode(() => parseXml(utf8('<a x="1" x="2"/>')), 'INVALID_XML', { offset: 9 });
  // after an error the decoder stays failed
  const d = new XmlDecoder();
  assert.throws(() => d.write(utf8('<abc></b></abc>')));
  throwsCode(() => d.write(utf8('</a>')), 'INVALID_XML');
  throwsCode(() => d.end(), 'INVALID_XML');
});

// A GBK document exercising every carried state: declaration, trail bytes 0x5D/0x5B/0x40, CRLF,
// references, CDATA with ']' trails right before ']]>', comments, PIs, attributes with GBK text.
const GBK_DOC =
  `<?xml version="1.0" encoding="GBK"?>\r\n<!-- 注释 乚] --><alipay v="乚]&amp;天\t之" w='乕[丂@'>\r\n<is_success>T</is_success><?pi 乚]?>\r\n<response><task_info><success_bidders>` +
  `<bidder n="1"><nick_name>${TRICKY_GBK_TEXT}&lt;&#x4E2D;&#20013;\r\n</nick_name><note><![CDATA[乚]乚]]]><![CDATA[乚]]]></note></bidder>` +
  `<bidder n="2"><nick_name>喆镕€</nick_name></bidder></success_bidders></task_info></response>\r</alipay>\r\n`;

test('GBK document split at EVERY byte offset gives the same tree and records as the whole', () => {
  const bytes = gbk(GBK_DOC);
  const expectTree = saxesTree(GBK_DOC);
  const whole = stream([bytes], { split: isBidder });
  assert.deepEqual(plain(parseXml(bytes).root), expectTree);
  assert.equal(whole.records.length, 2);
  assert.deepEqual(
    whole.records.map((r) => r.path),
    [BIDDER_PATH, BIDDER_PATH],
  );
  const expectBidders = child(expectTree, 'response', 'task_info', 'success_bidders').children;
  assert.deepEqual(
    whole.records.map((r) => r.element),
    expectBidders,
  );
  for (let k = 0; k <= bytes.length; k++) {
    assert.deepEqual(stream(splitAt(bytes, [k])).tree, expectTree, `split at ${k}`);
    const s = stream(splitAt(bytes, [k]), { split: isBidder });
    assert.deepEqual(s.records, whole.records, `records, split at ${k}`);
    assert.deepEqual(s.tree, whole.tree, `records tree, split at ${k}`);
  }
  // one byte at a time
  assert.deepEqual(
    stream(
      splitAt(
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
      ),
    ).tree,
    expectTree,
  );
});

test('random multi-splits of GBK and UTF-8 documents give the same tree (fast-check)', () => {
  for (const bytes of [gbk(GBK_DOC), utf8(GBK_DOC.replace('encoding="GBK"', 'encoding="UTF-8"') + '<!--𝄞✓-->')]) {
    const expect = stream([bytes], { split: isBidder });
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(
          stream(
            splitAt(
              bytes,
              cuts.sort((a, b) => a - b),
            ),
            { split: isBidder },
          ),
          expect,
        );
      }),
      { numRuns: 300 },
    );
  }
});

test('records mode: each bidder comes out of write() on its end tag and is absent from the final tree', () => {
  const xml = bidderDocument(40);
  const bytes = gbk(xml.replace('encoding="UTF-8"', 'encoding="GBK"'));
  const d = new XmlDecoder({ split: (p) => p[p.length - 1] === 'bidder' });
  const expected = saxesTree(xml);
  const okB = child(expected, 'response', 'task_info', 'success_bidders').children;
  const failB = child(expected, 'response', 'task_info', 'fail_bidders').children;
  const got = [];
  // feed up to just after each "</bidder>": that record must be returned by that very write
  const text = new TextDecoder('latin1').decode(bytes);
  let prev = 0;
  for (let at = text.indexOf('</bidder>'); at >= 0; at = text.indexOf('</bidder>', at + 1)) {
    const endAt = at + '</bidder>'.length;
    const out = d.write(bytes.subarray(prev, endAt));
    assert.equal(out.length, 1, `one record per </bidder> at ${endAt}`);
    got.push(out[0]);
    prev = endAt;
  }
  assert.equal(d.write(bytes.subarray(prev)).length, 0);
  const { document, records } = d.end();
  assert.equal(records.length, 0);
  assert.deepEqual(
    got.map((r) => plain(r.element)),
    [...okB, ...failB],
  );
  assert.deepEqual(got[0].path, BIDDER_PATH);
  assert.deepEqual(got[39].path, ['alipay', 'response', 'task_info', 'fail_bidders', 'bidder']);
  const ti = child(document.root, 'response', 'task_info');
  assert.deepEqual(child(ti, 'success_bidders').children, []);
  assert.deepEqual(child(ti, 'fail_bidders').children, []);
  assert.equal(child(ti, 'outer_task_id').text, '20111221_0011');
  // whitespace between split-off records is not kept; before the first record it is
  assert.equal(child(ti, 'success_bidders').text, '\n        ');
  assert.equal(child(ti, 'fail_bidders').text, '\n        ');
  // parseXml ignores split: a whole tree
  assert.equal(
    child(parseXml(bytes, { split: () => true }).root, 'response', 'task_info', 'success_bidders').children.length,
    20,
  );
});

test('options are checked: limits, split, charset', () => {
  throwsCode(() => new XmlDecoder({ limits: { maxDepth: 0 } }), 'INVALID_OPTION', { field: 'maxDepth' });
  throwsCode(() => new XmlDecoder({ limits: { maxBytes: -1 } }), 'INVALID_OPTION', { field: 'maxBytes' });
  throwsCode(() => new XmlDecoder({ limits: { maxTextLength: 1.5 } }), 'INVALID_OPTION', { field: 'maxTextLength' });
  throwsCode(() => new XmlDecoder({ split: 'bidder' }), 'INVALID_OPTION', { field: 'split' });
  throwsCode(() => new XmlDecoder({ charset: 'latin1' }), 'ILLEGAL_CHARSET');
  throwsCode(() => parseXml(42), 'INVALID_OPTION');
  throwsCode(() => parseXml('<a>\uD800</a>'), 'INVALID_XML');
  assert.equal(new XmlDecoder({ limits: { maxBytes: Infinity } }) instanceof XmlDecoder, true);
  assert.deepEqual(
    { ...DEFAULT_XML_LIMITS },
    { maxBytes: 16777216, maxDepth: 32, maxElements: 1000000, maxTextLength: 1048576, maxAttributes: 32, maxNameLength: 256 },
  );
  assert.ok(Object.isFrozen(DEFAULT_XML_LIMITS));
});

test('the caller may reuse its chunk buffer after write() returns: the decoder keeps no reference', () => {
  const bytes = gbk(GBK_DOC);
  const expect = stream([bytes], { split: isBidder });
  for (const size of [1, 2, 3, 7, 64]) {
    const buf = new Uint8Array(size);
    const d = new XmlDecoder({ split: isBidder });
    const records = [];
    for (let o = 0; o < bytes.length; o += size) {
      const n = Math.min(size, bytes.length - o);
      buf.set(bytes.subarray(o, o + n));
      for (const r of d.write(buf.subarray(0, n))) records.push({ path: [...r.path], element: plain(r.element) });
      buf.fill(0x3c); // scribble '<' over it
    }
    const end = d.end();
    assert.deepEqual(
      { tree: plain(end.document.root), records },
      { tree: expect.tree, records: expect.records },
      `chunk size ${size}`,
    );
  }
});
