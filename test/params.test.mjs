// Canonical string, signing (cross-checked with OpenSSL over iconv-lite-encoded bytes), form
// urlencoding (URLSearchParams as the WHATWG oracle for utf-8, iconv-lite bytes for gbk) and the
// detail-string codec (docs/PROTOCOL.md §2 samples, fast-check properties).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import {
  canonicalBytes,
  canonicalize,
  createPrivateKey,
  decodeDetail,
  encodeDetail,
  formDecode,
  formEncode,
  formEncodeString,
  loadCharset,
  parseFormBytes,
  signParams,
  verifyParams,
  WitkeyError,
} from '../dist/esm/index.js';
import { resolveDialect } from '../dist/esm/testing.js';
import { nodePublicKeyOf, opensslDsa } from './support/dsa-keys.mjs';

const key = opensslDsa();
const priv = createPrivateKey({ p: key.p, q: key.q, g: key.g, x: key.x });
await loadCharset('gbk');

const throwsCode = (fn, code, extra = {}) =>
  assert.throws(fn, (e) => {
    assert.ok(e instanceof WitkeyError, String(e));
    assert.equal(e.code, code, e.message);
    for (const [k, v] of Object.entries(extra)) assert.equal(e[k], v, `${k}: ${e.message}`);
    return true;
  });

test('canonicalize: drops sign, sign_type and empty values; code-unit order; values raw', () => {
  const params = { b: '2', a: '1 & =', sign: 'x', sign_type: 'DSA', e: '', u: undefined, Z: 'z', _x: '天', B: 'b' };
  assert.equal(canonicalize(params), 'B=b&Z=z&_x=天&a=1 & =&b=2');
  assert.notDeepEqual(
    ['B', 'Z', '_x', 'a', 'b'],
    ['B', 'Z', '_x', 'a', 'b'].sort((x, y) => x.localeCompare(y)),
  );
  throwsCode(() => canonicalize({ a: 1 }), 'ILLEGAL_ARGUMENT', { field: 'a' });
});

const base = {
  service: 'alipay.witkey.task.left.amount.handle',
  partner: '2088101115793868',
  outer_task_id: '20111221_0011',
  transfer_detail: '20111221_0011_10~*~15.00~*~2088102116203708~*~天之蓝',
  notify_url: 'http://hudson.dll.alipay.net/tools/mnotifyreturn',
};

for (const charset of ['utf-8', 'gbk', 'gb2312']) {
  test(`signParams (${charset}): OpenSSL verifies the signature over the iconv-lite-encoded canonical string`, () => {
    const params = { ...base, _input_charset: charset, empty: '' };
    const signed = signParams(params, priv);
    assert.equal(signed.sign_type, 'DSA');
    assert.match(signed.sign, /^[A-Za-z0-9+/]+={0,2}$/);
    const bytes = iconv.encode(canonicalize(params), charset === 'utf-8' ? 'utf8' : 'gbk');
    assert.deepEqual(Buffer.from(canonicalBytes(params)), bytes);
    const sig = Buffer.from(signed.sign, 'base64');
    assert.ok(crypto.verify('sha1', bytes, { key: nodePublicKeyOf(priv.publicKey), dsaEncoding: 'der' }, sig));
    assert.ok(crypto.verify('sha1', bytes, { key: key.nodePublic, dsaEncoding: 'der' }, sig));
    assert.equal(verifyParams(signed, priv.publicKey), true);
    // And the mirror: OpenSSL's signature verifies with ours.
    const theirs = crypto.sign('sha1', bytes, { key: key.nodePrivate, dsaEncoding: 'der' }).toString('base64');
    assert.equal(verifyParams({ ...params, sign: theirs, sign_type: 'DSA' }, priv.publicKey), true);
  });
}

test('verifyParams rejects tampering, wrong sign_type, non-canonical base64, unrepresentable values', () => {
  const signed = signParams({ ...base, _input_charset: 'gbk' }, priv);
  assert.equal(verifyParams({ ...signed, outer_task_id: '20111221_0012' }, priv.publicKey), false);
  assert.equal(verifyParams({ ...signed, sign_type: 'dsa' }, priv.publicKey), false);
  if (signed.sign.endsWith('='))
    assert.equal(verifyParams({ ...signed, sign: signed.sign.replace(/=+$/, '') }, priv.publicKey), false);
  assert.equal(verifyParams({ ...signed, sign: signed.sign + '\n' }, priv.publicKey), false);
  assert.equal(
    verifyParams({ ...signed, sign: signed.sign.replace(/\+/g, ' ') + (signed.sign.includes('+') ? '' : ' ') }, priv.publicKey),
    false,
  );
  assert.equal(verifyParams({ ...signed, sign: ' ' + signed.sign }, priv.publicKey), false);
  assert.equal(verifyParams({ ...signed, sign: undefined }, priv.publicKey), false);
  assert.equal(verifyParams({ ...signed, extra: '¥' }, priv.publicKey), false);
  // The charset of the signed bytes matters: the same params read as utf-8 do not verify.
  assert.equal(verifyParams(signed, priv.publicKey, { charset: 'utf-8' }), false);
  throwsCode(() => verifyParams(signed, priv.publicKey, { charset: 'big5' }), 'ILLEGAL_CHARSET');
});

test('signParams names the parameter of an unrepresentable character; sign_type must be DSA', () => {
  throwsCode(() => signParams({ ...base, _input_charset: 'gb2312', nick: 'a喆' }, priv), 'ILLEGAL_CHARSET', {
    field: 'nick',
    offset: 1,
  });
  throwsCode(() => signParams({ ...base }, priv), 'ILLEGAL_CHARSET', { field: '_input_charset' });
  throwsCode(() => signParams({ ...base, _input_charset: 'utf-8', sign_type: 'RSA' }, priv), 'ILLEGAL_SIGN_TYPE');
});

test('formEncode (utf-8) equals the WHATWG urlencoded serializer (URLSearchParams)', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20, unit: 'grapheme' })),
      (fields) => {
        assert.equal(formEncodeString(fields, 'utf-8'), new URLSearchParams(fields).toString());
      },
    ),
    { numRuns: 200 },
  );
});

test('formEncode (gbk): percent-escapes are the GBK bytes, same escape set as URLSearchParams', () => {
  const fields = { nick_name: '天之蓝 €~*~$', sign: 'MC4+/=' };
  const body = formEncodeString(fields, 'gbk');
  assert.equal(body, 'nick_name=%CC%EC%D6%AE%C0%B6+%80%7E*%7E%24&sign=MC4%2B%2F%3D');
  const [[n, v]] = parseFormBytes(formEncode(fields, 'gbk'));
  assert.deepEqual(Buffer.from(n), Buffer.from('nick_name'));
  assert.deepEqual(Buffer.from(v), iconv.encode(fields.nick_name, 'gbk'));
  assert.deepEqual(formDecode(body, 'gbk'), Object.entries(fields));
  throwsCode(() => formDecode('a=%C', 'gbk'), 'ILLEGAL_ARGUMENT');
  throwsCode(() => formDecode('a=%FF', 'gbk'), 'ILLEGAL_CHARSET', { field: 'a' });
  throwsCode(() => formEncode({ nick: '喆' }, 'gb2312'), 'ILLEGAL_CHARSET', { field: 'nick' });
});

test('detail codec: dialects and the interface document samples', () => {
  assert.deepEqual(resolveDialect('spec'), { field: '~*~', record: '*~*~$' });
  assert.deepEqual(resolveDialect('kppw'), { field: '~*@^', record: '*@|$' });
  for (const bad of [{ field: '', record: 'x' }, { field: 'a', record: 'a' }, { field: 'ab', record: 'b' }, 'other']) {
    throwsCode(() => resolveDialect(bad), 'INVALID_OPTION');
  }
  const recs = [
    ['20111026001', '100.50', '2088102116203728', '天之蓝'],
    ['20111026002', '200.60', '2088102116208991', '红彤彤'],
  ];
  assert.equal(
    encodeDetail(recs),
    '20111026001~*~100.50~*~2088102116203728~*~天之蓝*~*~$20111026002~*~200.60~*~2088102116208991~*~红彤彤',
  );
  assert.equal(
    encodeDetail(recs, 'kppw'),
    '20111026001~*@^100.50~*@^2088102116203728~*@^天之蓝*@|$20111026002~*@^200.60~*@^2088102116208991~*@^红彤彤',
  );
  // The document's own samples (docs/PROTOCOL.md §2) use two other record separators; both round-trip
  // through a custom dialect.
  const sampleA = '20111026001~*~100.50~*~2088102116203728~*~天之蓝~*~$20111026002~*~200.60~*~2088102116208991~*~红彤彤';
  assert.deepEqual(decodeDetail(sampleA, { field: '~*~', record: '~*~$' }), recs);
  assert.equal(encodeDetail(recs, { field: '~*~', record: '~*~$' }), sampleA);
  const sampleB = '111221_0011_10~*~15~*~2088102116203708~*~JIM*~|$20111221_0011_11~*~17~*~2088102116203728~*~Tom';
  const b = decodeDetail(sampleB, { field: '~*~', record: '*~|$' });
  assert.deepEqual(b, [
    ['111221_0011_10', '15', '2088102116203708', 'JIM'],
    ['20111221_0011_11', '17', '2088102116203728', 'Tom'],
  ]);
  assert.equal(encodeDetail(b, { field: '~*~', record: '*~|$' }), sampleB);
  assert.deepEqual(decodeDetail('20111221_0012_03~*~20.1'), [['20111221_0012_03', '20.1']]);
  assert.deepEqual(decodeDetail(''), []);
});

test('detail codec: separators inside a value, or formed across a boundary, are rejected with field and index', () => {
  throwsCode(
    () =>
      encodeDetail(
        [
          ['a', 'b'],
          ['c', 'x~*~y'],
        ],
        'spec',
        { field: 'transfer_detail' },
      ),
    'ILLEGAL_ARGUMENT',
    { field: 'transfer_detail', index: 1 },
  );
  throwsCode(() => encodeDetail([['a*', '$b']], 'spec', { field: 'transfer_detail' }), 'ILLEGAL_ARGUMENT', { index: 0 });
  throwsCode(() => encodeDetail([['']]), 'ILLEGAL_ARGUMENT', { index: 0 });
});

const dialects = fc.constantFrom('spec', 'kppw', { field: '|', record: '||$' }, { field: '~*~', record: '*~|$' });
// Values from an alphabet rich in separator characters, so that collisions are common.
const value = fc.string({ maxLength: 8, unit: fc.constantFrom('~', '*', '$', '@', '^', '|', 'a', '天', '1') });

test('property: encode → decode is the identity for every record set the encoder accepts', () => {
  fc.assert(
    fc.property(dialects, fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (d, records) => {
      let text;
      try {
        text = encodeDetail(records, d);
      } catch (e) {
        assert.equal(e.code, 'ILLEGAL_ARGUMENT');
        return;
      }
      assert.deepEqual(decodeDetail(text, d), records);
    }),
    { numRuns: 2000 },
  );
});

test('property: separator-free values always encode, and any value containing a separator is rejected', () => {
  const safe = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'b', '1', '天', '-', '_', '.') });
  fc.assert(
    fc.property(
      dialects,
      fc.array(fc.array(safe, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
      (d, records) => {
        assert.deepEqual(decodeDetail(encodeDetail(records, d), d), records);
      },
    ),
  );
  fc.assert(
    fc.property(dialects, fc.boolean(), safe, safe, fc.nat(3), (d, useRecord, pre, post, pos) => {
      const sep = resolveDialect(d);
      const bad = pre + (useRecord ? sep.record : sep.field) + post;
      const records = [
        ['x', 'y'],
        ['z', 'w'],
      ];
      records[pos % 2][pos >> 1] = bad;
      assert.throws(
        () => encodeDetail(records, d),
        (e) => e.code === 'ILLEGAL_ARGUMENT' && e.index === pos % 2,
      );
    }),
  );
});
