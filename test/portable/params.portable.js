// canonicalize / canonicalBytes / signParams / verifyParams / form encoding / detail codec on the
// docs/PROTOCOL.md §2 samples. Oracles (generated/params.js): iconv-lite bytes of the canonical string, an
// OpenSSL signature over them, and the deterministic signature from the independent RFC 6979
// reference (test/support/rfc6979.mjs) with textbook arithmetic. URLSearchParams is the WHATWG oracle
// for utf-8 form encoding.

import * as assert from './assert.js';
import data from './generated/params.js';
import { test } from './harness.js';
import {
  canonicalBytes,
  canonicalize,
  decodeDetail,
  encodeDetail,
  formDecode,
  formEncode,
  formEncodeString,
  importPrivateKey,
  loadCharset,
  parseFormBytes,
  signParams,
  verifyParams,
} from './lib.js';
import { bytesToHex } from './util.js';

const key = () => importPrivateKey(data.key.pkcs8Pem);

test('params: canonicalize drops sign, sign_type and empty values, sorts by code unit, keeps values raw', () => {
  const params = { b: '2', a: '1 & =', sign: 'x', sign_type: 'DSA', e: '', u: undefined, Z: 'z', _x: '天', B: 'b' };
  assert.equal(canonicalize(params), 'B=b&Z=z&_x=天&a=1 & =&b=2');
  assert.throws(() => canonicalize({ a: 1 }), { code: 'ILLEGAL_ARGUMENT', field: 'a' });
});

for (const set of data.paramSets) {
  test(`params (${set.charset}): canonical bytes = iconv-lite; signature = RFC 6979 reference; OpenSSL's verifies`, async () => {
    await loadCharset(set.charset);
    assert.equal(canonicalize(set.params), set.canonical);
    assert.equal(bytesToHex(canonicalBytes(set.params)), set.canonicalBytes);
    const signed = signParams(set.params, key());
    assert.equal(signed.sign_type, 'DSA');
    assert.equal(signed.sign, set.referenceSign);
    const pub = key().publicKey;
    assert.equal(verifyParams(signed, pub), true);
    assert.equal(verifyParams({ ...set.params, sign: set.opensslSign, sign_type: 'DSA' }, pub), true, 'OpenSSL signature');
    assert.equal(
      verifyParams({ ...set.params, sign: set.opensslSign, sign_type: 'DSA', outer_task_id: '20111221_0012' }, pub),
      false,
      'tampered',
    );
  });
}

test('params: verifyParams rejects tampering, a wrong sign_type, altered base64, another charset', async () => {
  await loadCharset('gbk');
  const set = data.paramSets.find((s) => s.charset === 'gbk');
  const signed = { ...set.params, sign: set.opensslSign, sign_type: 'DSA' };
  const pub = key().publicKey;
  assert.equal(verifyParams(signed, pub), true);
  assert.equal(verifyParams({ ...signed, sign_type: 'dsa' }, pub), false);
  assert.equal(verifyParams({ ...signed, sign: signed.sign + '\n' }, pub), false);
  assert.equal(verifyParams({ ...signed, sign: ' ' + signed.sign }, pub), false);
  assert.equal(verifyParams({ ...signed, sign: undefined }, pub), false);
  assert.equal(verifyParams(signed, pub, { charset: 'utf-8' }), false);
  assert.throws(() => verifyParams(signed, pub, { charset: 'big5' }), { code: 'ILLEGAL_CHARSET' });
  assert.throws(() => signParams({ ...set.params, _input_charset: 'gb2312', nick: 'a喆' }, key()), {
    code: 'ILLEGAL_CHARSET',
    field: 'nick',
    offset: 1,
  });
});

test('params: formEncode (utf-8) equals URLSearchParams; gbk escapes are the iconv-lite bytes', async () => {
  await loadCharset('gbk');
  for (const fields of [
    { a: 'x y', b: '天之蓝 ~*~$&=+%', c: '😀é', 'd e': '' },
    { sign: 'MC4+/=', n: "\u00a0\u3000!'()*-._~" },
  ]) {
    assert.equal(formEncodeString(fields, 'utf-8'), new URLSearchParams(fields).toString());
    assert.deepEqual(formDecode(formEncodeString(fields, 'utf-8'), 'utf-8'), Object.entries(fields));
  }
  const fields = { nick_name: '天之蓝 €~*~$', sign: 'MC4+/=' };
  assert.equal(formEncodeString(fields, 'gbk'), 'nick_name=%CC%EC%D6%AE%C0%B6+%80%7E*%7E%24&sign=MC4%2B%2F%3D');
  const [[n, v]] = parseFormBytes(formEncode(fields, 'gbk'));
  assert.equal(new TextDecoder().decode(n), 'nick_name');
  assert.equal(bytesToHex(v), 'ccecd6aec0b620807e2a7e24');
  assert.throws(() => formDecode('a=%FF', 'gbk'), { code: 'ILLEGAL_CHARSET', field: 'a' });
});

test('params: detail codec — docs/PROTOCOL.md §2 samples, dialects, separators inside values rejected', () => {
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
  const sampleA = '20111026001~*~100.50~*~2088102116203728~*~天之蓝~*~$20111026002~*~200.60~*~2088102116208991~*~红彤彤';
  assert.deepEqual(decodeDetail(sampleA, { field: '~*~', record: '~*~$' }), recs);
  const sampleB = '111221_0011_10~*~15~*~2088102116203708~*~JIM*~|$20111221_0011_11~*~17~*~2088102116203728~*~Tom';
  assert.deepEqual(decodeDetail(sampleB, { field: '~*~', record: '*~|$' }), [
    ['111221_0011_10', '15', '2088102116203708', 'JIM'],
    ['20111221_0011_11', '17', '2088102116203728', 'Tom'],
  ]);
  assert.deepEqual(decodeDetail('20111221_0012_03~*~20.1'), [['20111221_0012_03', '20.1']]);
  assert.throws(
    () =>
      encodeDetail(
        [
          ['a', 'b'],
          ['c', 'x~*~y'],
        ],
        'spec',
        { field: 'transfer_detail' },
      ),
    { code: 'ILLEGAL_ARGUMENT', field: 'transfer_detail', index: 1 },
  );
});
