// The signature doctor (alipay-witkey/doctor and `witkey doctor`). Every signature here is made by
// OpenSSL (node:crypto) over bytes made by iconv-lite / TextEncoder, the way each mistake would make
// them, so the doctor's verdict is checked against an independent producer: the expected cause,
// and the expected signed bytes (the test's own mistaken canonical string), never our code's output.
// Every variant the doctor reports is also re-verified by OpenSSL over the bytes it reports.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { diagnoseSignature } from '../dist/esm/doctor.js';
import { diagnoseSignature as fromRoot, WitkeyError } from '../dist/esm/index.js';
import { analyse } from '../scripts/size.mjs';
import { encodeText, opensslKeyPair, percentEncode } from './support/notify-oracle.mjs';

const alipay = opensslKeyPair();
const partner = opensslKeyPair();

const REQUEST = {
  service: 'alipay.witkey.task.left.amount.handle',
  partner: '2088101115793868',
  _input_charset: 'gbk',
  outer_task_id: '20111221_0011',
  alipay_user_id: '2088102116203708',
  transfer_detail: '20111221_0011_10~*~15.00~*~2088102116203708~*~天之蓝*~*~$20111221_0011_11~*~5.00~*~2088102116203709~*~张三',
  notify_url: 'http://example.com/notify',
  return_url: 'http://example.com/return',
  notify_time: '2012-06-12 10:00:00',
};

const ascii = (s) => new TextEncoder().encode(s);
const hexOf = (b) => Buffer.from(b).toString('hex');

/** name=value pairs sorted by name and joined with &, each value's bytes from iconv-lite in `charset`. */
function canonical(pairs, charset) {
  const parts = [];
  [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .forEach(([n, v], i) => {
      parts.push(ascii(`${i > 0 ? '&' : ''}${n}=`), typeof v === 'string' ? encodeText(v, charset) : v);
    });
  return Buffer.concat(parts);
}

/** The protocol's pairs of a field map: no sign/sign_type, no empty value. */
const protocolPairs = (fields) => Object.entries(fields).filter(([n, v]) => n !== 'sign' && n !== 'sign_type' && v !== '');

const opensslSign = (bytes, { key = alipay.privateKey, hash = 'sha1', dsaEncoding = 'der' } = {}) =>
  crypto.sign(hash, bytes, { key, dsaEncoding }).toString('base64');

/** The body as sent: each value's bytes in `charset`, percent-encoded by the test's own encoder, then sign_type and sign. */
function body(fields, sign, charset = 'gbk', raw = {}) {
  return [
    ...Object.entries(fields).map(([n, v]) => `${n}=${raw[n] ?? percentEncode(encodeText(v, charset))}`),
    'sign_type=DSA',
    `sign=${raw.sign ?? percentEncode(ascii(sign))}`,
  ].join('&');
}

/** OpenSSL's own check of what the doctor reports: its bytes, hash, encoding, with the key that verified. */
function opensslAgrees(d, sign, publicKey = alipay.publicKey) {
  return crypto.verify(
    d.hash,
    Buffer.from(d.signedBytes, 'hex'),
    { key: publicKey, dsaEncoding: d.format === 'p1363' ? 'ieee-p1363' : 'der' },
    Buffer.from(sign, 'base64'),
  );
}

async function expectCause(input, sign, cause, expectedBytes, opts = {}, verifyKey) {
  const d = await diagnoseSignature(input, { publicKey: alipay.publicPem, ...opts });
  assert.equal(d.cause, cause, d.message);
  assert.equal(d.verified, cause === 'OK');
  assert.equal(d.signedBytes, hexOf(expectedBytes));
  assert.ok(opensslAgrees(d, sign, verifyKey), 'OpenSSL verifies the reported bytes');
  assert.equal(typeof d.message, 'string');
  assert.ok(d.message.length > 20);
  return d;
}

test('a correct GBK body: OK and verified, with the protocol canonical string and bytes', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(REQUEST, sign), sign, 'OK', bytes);
  assert.equal(
    d.canonical,
    protocolPairs(REQUEST)
      .sort()
      .map(([n, v]) => `${n}=${v}`)
      .join('&'),
  );
  assert.equal(d.charset, 'gbk');
  assert.equal(d.hash, 'sha1');
  assert.equal(d.format, 'der');
  assert.equal(d.variant, 'protocol');
  // The same through the root entry, as bytes, and as a parameter map.
  assert.equal((await fromRoot(ascii(body(REQUEST, sign)), { publicKey: alipay.publicPem })).cause, 'OK');
  const map = await diagnoseSignature({ ...REQUEST, sign_type: 'DSA', sign }, { publicKey: alipay.publicPem });
  assert.equal(map.cause, 'OK');
  assert.equal(map.signedBytes, hexOf(bytes));
});

test('CHARSET_MISMATCH: UTF-8 bytes signed for a gbk request', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'utf-8');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(REQUEST, sign), sign, 'CHARSET_MISMATCH', bytes);
  assert.equal(d.charset, 'utf-8');
  assert.deepEqual(d.fields, ['transfer_detail']);
  assert.match(d.message, /utf-8/);
});

test('CHARSET_MISMATCH the other way: GBK bytes signed for a utf-8 body', async () => {
  const fields = { ...REQUEST, _input_charset: 'utf-8' };
  const bytes = canonical(protocolPairs(fields), 'gbk');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(fields, sign, 'utf-8'), sign, 'CHARSET_MISMATCH', bytes);
  assert.equal(d.charset, 'gbk');
});

test('SIGN_TYPE_SIGNED: sign_type=DSA included in the signed string', async () => {
  const bytes = canonical([...protocolPairs(REQUEST), ['sign_type', 'DSA']], 'gbk');
  const sign = opensslSign(bytes);
  await expectCause(body(REQUEST, sign), sign, 'SIGN_TYPE_SIGNED', bytes);
});

test('EMPTY_VALUE_SIGNED: an empty parameter kept as "name="', async () => {
  const fields = { ...REQUEST, platform_detail: '' };
  const bytes = canonical(Object.entries(fields), 'gbk');
  assert.ok(bytes.includes(ascii('platform_detail=&')));
  const sign = opensslSign(bytes);
  const d = await expectCause(body(fields, sign), sign, 'EMPTY_VALUE_SIGNED', bytes);
  assert.deepEqual(d.fields, ['platform_detail']);
});

test('DOUBLE_DECODED: the signer decoded a value twice (%2B became +)', async () => {
  const fields = { ...REQUEST, outer_task_id: 'T%2B1' }; // sent as T%252B1
  const bytes = canonical([...protocolPairs(fields).filter(([n]) => n !== 'outer_task_id'), ['outer_task_id', 'T+1']], 'gbk');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(fields, sign), sign, 'DOUBLE_DECODED', bytes);
  assert.deepEqual(d.fields, ['outer_task_id']);
});

test('PLUS_AS_SPACE: a value with "+" sent unescaped, next to a genuine space (notify_time)', async () => {
  const fields = { ...REQUEST, outer_task_id: 'T+1' };
  const bytes = canonical(protocolPairs(fields), 'gbk');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(fields, sign, 'gbk', { outer_task_id: 'T+1' }), sign, 'PLUS_AS_SPACE', bytes);
  assert.deepEqual(d.fields, ['outer_task_id']);
});

test('PLUS_AS_SPACE in sign itself: base64 "+" sent unescaped is not base64 any more, and is repaired', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  let sign;
  do sign = opensslSign(bytes);
  while (!sign.includes('+'));
  const d = await expectCause(body(REQUEST, sign, 'gbk', { sign }), sign, 'PLUS_AS_SPACE', bytes);
  assert.deepEqual(d.fields, ['sign']);
  assert.equal(d.verified, false, 'not verified as sent');
});

test('VALUE_TRIMMED: the signer trimmed a value the body carries with spaces', async () => {
  const fields = { ...REQUEST, outer_task_id: ' 20111221_0011 ' };
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(fields, sign), sign, 'VALUE_TRIMMED', bytes);
  assert.deepEqual(d.fields, ['outer_task_id']);
});

test("WRONG_KEY: signed with the partner's key; named by its label", async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes, { key: partner.privateKey });
  const d = await expectCause(
    body(REQUEST, sign),
    sign,
    'WRONG_KEY',
    bytes,
    { otherKeys: [opensslKeyPair().publicPem, { key: partner.publicPem, label: 'partner public key' }] },
    partner.publicKey,
  );
  assert.equal(d.keyLabel, 'partner public key');
  assert.match(d.message, /partner public key/);
  // Without the candidate key, nothing verifies: UNKNOWN, never a guess.
  const u = await diagnoseSignature(body(REQUEST, sign), { publicKey: alipay.publicPem });
  assert.equal(u.cause, 'UNKNOWN');
  assert.equal(u.verified, false);
});

test('HASH_MISMATCH: SHA-256 instead of SHA-1', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes, { hash: 'sha256' });
  const d = await expectCause(body(REQUEST, sign), sign, 'HASH_MISMATCH', bytes);
  assert.equal(d.hash, 'sha256');
});

test('SIGNATURE_FORMAT: r||s (P1363) instead of DER', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes, { dsaEncoding: 'ieee-p1363' });
  const d = await expectCause(body(REQUEST, sign), sign, 'SIGNATURE_FORMAT', bytes);
  assert.equal(d.format, 'p1363');
});

test("DIALECT: the detail signed with kppw's separators, sent with spec's", async () => {
  const kppw = REQUEST.transfer_detail.replaceAll('*~*~$', '*@|$').replaceAll('~*~', '~*@^');
  const bytes = canonical([...protocolPairs(REQUEST).filter(([n]) => n !== 'transfer_detail'), ['transfer_detail', kppw]], 'gbk');
  const sign = opensslSign(bytes);
  const d = await expectCause(body(REQUEST, sign), sign, 'DIALECT', bytes);
  assert.equal(d.variant, 'dialect:kppw');
  assert.deepEqual(d.fields, ['transfer_detail']);
});

test('UNKNOWN: a body changed after signing; the protocol canonical string is reported', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes);
  const changed = { ...REQUEST, outer_task_id: '20111221_0012' };
  const d = await diagnoseSignature(body(changed, sign), {
    publicKey: alipay.publicPem,
    otherKeys: [{ key: partner.publicPem, label: 'partner' }],
  });
  assert.equal(d.cause, 'UNKNOWN');
  assert.equal(d.verified, false);
  assert.equal(d.variant, undefined);
  assert.equal(d.signedBytes, hexOf(canonical(protocolPairs(changed), 'gbk')));
  assert.ok(d.tried > 10, `tried ${d.tried} checks`);
});

test('two mistakes at once (UTF-8 bytes and sign_type signed) match no single variant: UNKNOWN, not a half-truth', async () => {
  const bytes = canonical([...protocolPairs(REQUEST), ['sign_type', 'DSA']], 'utf-8');
  const sign = opensslSign(bytes);
  const d = await diagnoseSignature(body(REQUEST, sign), { publicKey: alipay.publicPem });
  assert.equal(d.cause, 'UNKNOWN');
  assert.equal(d.verified, false);
  assert.equal(d.signedBytes, hexOf(canonical(protocolPairs(REQUEST), 'gbk')), 'the protocol bytes are reported');
});

test('a notification (no _input_charset): the charset comes from contentType or the charset option', async () => {
  const fields = {
    notify_id: '70fec0c2730b27528665af4517c27b95',
    notify_time: '2012-06-12 10:00:00',
    notify_data: '<nick>天之蓝</nick>',
  };
  const bytes = canonical(protocolPairs(fields), 'gbk');
  const sign = opensslSign(bytes);
  const d = await diagnoseSignature(body(fields, sign), {
    publicKey: alipay.publicPem,
    contentType: 'application/x-www-form-urlencoded; charset=GBK',
  });
  assert.equal(d.cause, 'OK');
  // Read as utf-8 (no charset given), the bytes are still the ones sent: verified as sent.
  const u = await diagnoseSignature(body(fields, sign), { publicKey: alipay.publicPem });
  assert.equal(u.cause, 'OK');
});

test('malformed input is a WitkeyError naming the field, never a crash or a guess', async () => {
  const bytes = canonical(protocolPairs(REQUEST), 'gbk');
  const sign = opensslSign(bytes);
  const good = body(REQUEST, sign);
  const rejects = (input, code, field, opts = {}) =>
    assert.rejects(diagnoseSignature(input, { publicKey: alipay.publicPem, ...opts }), (e) => {
      assert.ok(e instanceof WitkeyError, String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.field, field, e.message);
      return true;
    });
  await rejects(good.replace(/&sign=[^&]*/, ''), 'ILLEGAL_SIGN', 'sign');
  await rejects(good.replace(/&sign=[^&]*/, '&sign=not*base64'), 'ILLEGAL_SIGN', 'sign');
  await rejects(good.replace('sign_type=DSA', 'sign_type=RSA'), 'ILLEGAL_SIGN_TYPE', 'sign_type');
  await rejects(good.replace('sign_type=DSA', 'sign_type='), 'ILLEGAL_SIGN', 'sign_type');
  await rejects(JSON.stringify({ ...REQUEST, sign }), 'ILLEGAL_ARGUMENT', 'input');
  await rejects('a=天', 'ILLEGAL_ARGUMENT', 'input');
  await rejects('a=%zz&sign=x', 'ILLEGAL_ARGUMENT', 'input');
  await rejects(good.replace('_input_charset=gbk', '_input_charset=latin1'), 'ILLEGAL_CHARSET', '_input_charset');
  await rejects(good, 'INVALID_KEY', 'publicKey', { publicKey: 'not a key' });
  await rejects(good, 'INVALID_KEY', 'otherKeys[0]', { otherKeys: ['nope'] });
});

test('the doctor stays out of the verify and notify bundles', async () => {
  for (const code of [
    `import { importPublicKey, verify } from './src/index.ts'; export { importPublicKey, verify };`,
    `import { importPublicKey, createNotifyHandler } from './src/index.ts'; export { importPublicKey, createNotifyHandler };`,
  ]) {
    const a = await analyse({ code, forbidden: [/src\/doctor/] });
    assert.deepEqual(a.bleed, []);
  }
  const d = await analyse({ code: `export { diagnoseSignature } from './src/doctor.ts';`, forbidden: [/src\/doctor/] });
  assert.ok(d.bleed.includes('src/doctor/diagnose.ts'), 'the check sees the doctor where it is');
});

test('witkey doctor: exit 0 verified, 3 not verified (cause printed), 1 usage, 2 malformed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-doctor-'));
  try {
    const CLI = path.join(import.meta.dirname, '../dist/cli/witkey.js');
    const run = (args, input) => {
      const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const alipayPem = path.join(dir, 'alipay_public.pem');
    const partnerPem = path.join(dir, 'partner_public.pem');
    writeFileSync(alipayPem, alipay.publicPem);
    writeFileSync(partnerPem, partner.publicPem);
    const good = canonical(protocolPairs(REQUEST), 'gbk');
    const ok = opensslSign(good);
    const okFile = path.join(dir, 'ok.txt');
    writeFileSync(okFile, `${body(REQUEST, ok)}\n`);

    let r = run(['doctor', '--key', alipayPem, okFile]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^OK \(verified\)\n/);
    assert.ok(r.out.includes(`signed bytes: ${hexOf(good)}`));

    const utf8 = opensslSign(canonical(protocolPairs(REQUEST), 'utf-8'));
    r = run(['doctor', '--key', alipayPem, '-'], body(REQUEST, utf8));
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /^CHARSET_MISMATCH \(not verified\)\n/);

    const byPartner = opensslSign(good, { key: partner.privateKey });
    r = run(
      ['doctor', '--key', alipayPem, '--other-key', partnerPem, '-'],
      JSON.stringify({ ...REQUEST, sign_type: 'DSA', sign: byPartner }),
    );
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /^WRONG_KEY/);
    assert.match(r.out, /partner_public\.pem/);

    r = run(['doctor', '--key', alipayPem, '-'], body({ ...REQUEST, outer_task_id: 'x' }, ok));
    assert.equal(r.code, 3);
    assert.match(r.out, /^UNKNOWN/);

    r = run(['doctor', okFile]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--key is required/);

    r = run(['doctor', '--key', alipayPem, '-'], body(REQUEST, ok).replace(/&sign=[^&]*/, ''));
    assert.equal(r.code, 2);
    assert.match(r.err, /ILLEGAL_SIGN/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
