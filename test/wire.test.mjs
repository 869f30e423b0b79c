// The wire rules of src/wire, module by module (through the internal testing entry), against
// independent expectations: Node's Buffer (latin1, hex, base64) and URLSearchParams as oracles for the
// ASCII subset, iconv-lite for GBK bytes, OpenSSL-signed bodies from test/support/notify-oracle.mjs,
// and hand-written bytes. The last tests check that the streaming notification decoder applies the
// same sign/sign_type rules as the one-shot decoder, on bodies where a byte-level and a text-level
// reading of those fields would differ.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { importPublicKey } from '../dist/esm/dsa.js';
import { WitkeyError } from '../dist/esm/index.js';
import { decodeNotification, streamNotification } from '../dist/esm/notify.js';
import {
  ascii,
  asciiBytes,
  byCodeUnit,
  CanonicalStream,
  canonicalize,
  concat,
  duplicateField,
  FormStreamParser,
  forgedError,
  fromBase64,
  hex,
  isSigned,
  latin1,
  parseFormBytes,
  percentEncodeInto,
  rawCanonicalBytes,
  readBase64,
  signatureOf,
  signedEntries,
  toBase64,
} from '../dist/esm/testing.js';
import { LEFT_AMOUNT_XML, notificationFields, opensslKeyPair, signedBody, TRANSFER_XML } from './support/notify-oracle.mjs';

const te = new TextEncoder();
const bytes = (...b) => new Uint8Array(b);
const buf = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.length);

function throwsWitkey(fn, code, extra = {}) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof WitkeyError, `expected WitkeyError, got ${e}`);
    assert.equal(e.code, code, e.message);
    for (const [k, v] of Object.entries(extra)) assert.deepEqual(e[k], v, `${k} of: ${e.message}`);
    return true;
  });
}

// ---------------------------------------------------------------- bytes

test('bytes: latin1 maps every byte to the code unit of the same value (Buffer latin1), also past the chunk size', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(latin1(all), Buffer.from(all).toString('latin1'));
  const big = new Uint8Array(100_003);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
  assert.equal(latin1(big), buf(big).toString('latin1'));
  assert.equal(latin1(new Uint8Array(0)), '');
});

test('bytes: ascii of ASCII bytes (U+0000 included) equals Buffer ascii and latin1', () => {
  const a = Uint8Array.from({ length: 128 }, (_, i) => i);
  assert.equal(ascii(a), Buffer.from(a).toString('ascii'));
  assert.equal(ascii(a), latin1(a));
  assert.equal(ascii(te.encode('notify_id=abc')), 'notify_id=abc');
});

test('bytes: asciiBytes is the identity on ASCII text and names the index of the first non-ASCII character', () => {
  assert.deepEqual(asciiBytes('a=%CC+b'), new Uint8Array(Buffer.from('a=%CC+b', 'ascii')));
  assert.deepEqual(asciiBytes(''), new Uint8Array(0));
  throwsWitkey(() => asciiBytes('a=bé'), 'ILLEGAL_ARGUMENT', { offset: 3 });
  assert.throws(() => asciiBytes('ab\u5929'), /U\+5929 at index 2/);
});

test('bytes: concat (Buffer.concat as oracle); one part is returned as is; a given length is used', () => {
  const p = [bytes(1, 2), bytes(), bytes(3), bytes(4, 5, 6)];
  assert.deepEqual(concat(p), new Uint8Array(Buffer.concat(p.map(buf))));
  assert.deepEqual(concat(p, 6), bytes(1, 2, 3, 4, 5, 6));
  assert.deepEqual(concat([]), new Uint8Array(0));
  const one = bytes(9, 8);
  assert.equal(concat([one]), one);
});

test('bytes: hex is lower-case two digits a byte (Buffer hex)', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
  assert.equal(hex(all), Buffer.from(all).toString('hex'));
  assert.equal(hex(new Uint8Array(0)), '');
});

// ---------------------------------------------------------------- base64

test('base64: toBase64 and fromBase64 agree with Buffer for every length 0..64', () => {
  for (let n = 0; n <= 64; n++) {
    const b = new Uint8Array(crypto.randomBytes(n));
    const text = Buffer.from(b).toString('base64');
    assert.equal(toBase64(b), text, `length ${n}`);
    assert.deepEqual(fromBase64(text), b, `length ${n}`);
  }
});

test('base64: fromBase64 (the sign parameter) rejects what is not canonical padded standard base64', () => {
  for (const t of [
    'QQ',
    'QUI',
    'QQ=',
    'QQ===',
    'Q===',
    'QR==',
    'QUJ=QQ==',
    'QQ==QQ==',
    ' QUJD',
    'QUJD\n',
    'QU JD',
    'QUJ-',
    'QUJ_',
    'QUJ\u00e9',
    '====',
  ]) {
    assert.equal(fromBase64(t), undefined, JSON.stringify(t));
  }
  // Buffer is lenient where we are strict: it reads 'QR==' as 'A' (non-zero bits dropped).
  assert.equal(Buffer.from('QR==', 'base64').toString(), 'A');
  assert.equal(fromBase64(undefined), undefined);
  assert.equal(fromBase64(123), undefined);
  assert.deepEqual(fromBase64(''), new Uint8Array(0));
});

test('base64: readBase64 says what is wrong and where; with skipSpace it ignores space, tab, CR and LF', () => {
  assert.deepEqual(readBase64('QU\r\nJD\t', true), new Uint8Array(Buffer.from('ABC')));
  assert.deepEqual(readBase64('QU JD', false), { fault: 'character', offset: 2 });
  assert.deepEqual(readBase64('QU*D', true), { fault: 'character', offset: 2 });
  assert.deepEqual(readBase64('QQ=A', true), { fault: 'early-padding', offset: 3 });
  assert.deepEqual(readBase64('', true), { fault: 'empty' });
  assert.deepEqual(readBase64(' \n', true), { fault: 'empty' });
  assert.deepEqual(readBase64('====', true), { fault: 'empty' });
  assert.deepEqual(readBase64('QUJ', true), { fault: 'length' });
  assert.deepEqual(readBase64('Q===', true), { fault: 'length' });
  assert.deepEqual(readBase64('QUJDR===', true), { fault: 'length' });
  assert.deepEqual(readBase64('QR==', true), { fault: 'non-canonical' });
  assert.deepEqual(readBase64('QUM=', true), new Uint8Array(Buffer.from('AC')));
  assert.deepEqual(readBase64('QUN=', true), { fault: 'non-canonical' });
});

// ---------------------------------------------------------------- urlencoded

test('urlencoded: percentEncodeInto escapes ASCII as URLSearchParams does, and other bytes as upper-case %XX', () => {
  const text = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
  const out = [];
  percentEncodeInto(te.encode(text), out);
  assert.equal(String.fromCharCode(...out), new URLSearchParams([['', text]]).toString().slice(1));
  const gbk = [];
  percentEncodeInto(new Uint8Array(iconv.encode('天之蓝 x', 'gbk')), gbk);
  assert.equal(String.fromCharCode(...gbk), '%CC%EC%D6%AE%C0%B6+x');
});

const ASCII_BODIES = [
  'a=1&b=2',
  'a=x+y&b=%2B&c=%2b+%20',
  'empty=&flag&&x=1&',
  '&&a=%41%42%43&=v&n=',
  'a=b=c&%61=%3D',
  'sign=MC0CFQ%2F%2B%3D%3D&sign_type=DSA',
  '',
];

test('urlencoded: parseFormBytes agrees with URLSearchParams on ASCII bodies (+, %2B, empty values, empty segments)', () => {
  for (const body of ASCII_BODIES) {
    const got = parseFormBytes(te.encode(body)).map(([n, v]) => [latin1(n), latin1(v)]);
    assert.deepEqual(got, [...new URLSearchParams(body)], JSON.stringify(body));
  }
});

test('urlencoded: parseFormBytes keeps the raw bytes of escapes (GBK from iconv-lite) and rejects malformed escapes at the % offset', () => {
  const [[n, v]] = parseFormBytes(te.encode('nick_name=%CC%EC%d6%ae%C0%B6'));
  assert.equal(latin1(n), 'nick_name');
  assert.deepEqual(v, new Uint8Array(iconv.encode('天之蓝', 'gbk')));
  for (const [body, offset] of [
    ['%', 0],
    ['a=%4', 2],
    ['a=%G1', 2],
    ['a=1&b=%2', 6],
    ['a=%zz&b=1', 2],
    ['a%2=1', 1],
    ['a=%4&b=1', 2],
  ]) {
    throwsWitkey(() => parseFormBytes(te.encode(body)), 'ILLEGAL_ARGUMENT', { offset });
  }
});

/** Runs a FormStreamParser over `chunks`; returns the fields as [name, latin1 value] or the error. */
function streamParse(chunks, limits) {
  const out = [];
  const p = new FormStreamParser((name, at) => {
    const parts = [];
    return { data: (b) => parts.push(b.slice()), end: () => out.push([name, latin1(concat(parts)), at]) };
  }, limits);
  try {
    for (const c of chunks) p.write(c);
    p.end();
    return out;
  } catch (e) {
    return e;
  }
}

function splits(body) {
  const b = te.encode(body);
  const all = [[b]];
  for (let i = 0; i <= b.length; i++) all.push([b.subarray(0, i), b.subarray(i)]);
  all.push(Array.from(b, (x) => new Uint8Array([x])));
  return all;
}

test('urlencoded: FormStreamParser gives the same fields as parseFormBytes however the body is split (every offset, byte by byte)', () => {
  for (const body of ASCII_BODIES.filter((b) => !b.includes('&=')).concat(['notify_data=%3Cxml%3E%CC%EC&sign=QUJD'])) {
    const whole = parseFormBytes(te.encode(body)).map(([n, v]) => [latin1(n), latin1(v)]);
    for (const chunks of splits(body)) {
      const got = streamParse(chunks);
      assert.ok(Array.isArray(got), `${body}: ${got}`);
      assert.deepEqual(
        got.map(([n, v]) => [n, v]),
        whole,
        `${JSON.stringify(body)} split ${chunks.map((c) => c.length)}`,
      );
    }
  }
  // The offset given with a name is where its value starts ('=') or the field ends.
  assert.deepEqual(
    streamParse([te.encode('ab=1&c&d=')]).map((f) => f[2]),
    [2, 6, 8],
  );
});

test('urlencoded: FormStreamParser errors, at the same offset at every split: malformed escape, no name, non-printable name, limits', () => {
  const cases = [
    ['a=%4', 'ILLEGAL_ARGUMENT', 2],
    ['a=1%G0', 'ILLEGAL_ARGUMENT', 3],
    ['a=1&b=%2&c=1', 'ILLEGAL_ARGUMENT', 6],
    ['a%4=1', 'ILLEGAL_ARGUMENT', 1],
    ['=v', 'ILLEGAL_ARGUMENT', 0],
    ['a=1&=v', 'ILLEGAL_ARGUMENT', 4],
    ['a+b=1', 'ILLEGAL_ARGUMENT', 1],
    // An escaped name byte is checked once decoded: the offset is its last hex digit's.
    ['a%00=1', 'ILLEGAL_ARGUMENT', 3],
    ['n%CC=1', 'ILLEGAL_ARGUMENT', 3],
  ];
  for (const [body, code, offset] of cases) {
    for (const chunks of splits(body)) {
      const e = streamParse(chunks);
      assert.ok(e instanceof WitkeyError, `${body}: expected an error`);
      assert.equal(e.code, code, `${body}: ${e.message}`);
      assert.equal(e.offset, offset, `${body} split ${chunks.map((c) => c.length)}: ${e.message}`);
    }
  }
  assert.equal(streamParse([te.encode('a=1&b=2&c=3')], { maxFields: 2 }).field, 'maxFields');
  assert.equal(streamParse([te.encode('abcd=1')], { maxNameLength: 3 }).field, 'maxNameLength');
  assert.equal(streamParse([te.encode('a=1'), te.encode('&b=2')], { maxBodyBytes: 5 }).field, 'maxBodyBytes');
  assert.ok(Array.isArray(streamParse([te.encode('a=1&b')], { maxBodyBytes: 5 })));
});

test('urlencoded: duplicateField names the field and, where known, the offset of the second occurrence', () => {
  const e = duplicateField('notify_id', 42);
  assert.ok(e instanceof WitkeyError);
  assert.equal(e.code, 'ILLEGAL_ARGUMENT');
  assert.equal(e.field, 'notify_id');
  assert.equal(e.offset, 42);
  assert.match(e.message, /notify_id appears twice \(second at byte offset 42\)/);
  const g = duplicateField('partner');
  assert.equal(g.field, 'partner');
  assert.equal(g.offset, undefined);
  assert.match(g.message, /partner appears twice$/);
});

// ---------------------------------------------------------------- canonical

test('canonical: sign and sign_type are not signed, empty and undefined values dropped, names in UTF-16 code-unit order', () => {
  assert.equal(isSigned('sign'), false);
  assert.equal(isSigned('sign_type'), false);
  assert.equal(isSigned('signature'), true);
  assert.equal(
    canonicalize({ service: 'x', partner: '2088101115793868', sign: 'QUJD', sign_type: 'DSA', empty: '', gone: undefined }),
    'partner=2088101115793868&service=x',
  );
  // '_' (0x5F) sorts after upper case and before lower case, as in Java's String.compareTo.
  assert.equal(
    canonicalize({ b: '2', a: '1', _input_charset: 'utf-8', Z: 'z', a_: '3' }),
    'Z=z&_input_charset=utf-8&a=1&a_=3&b=2',
  );
  // Code units, not code points: U+1F600 (surrogates D83D DE00) sorts before U+FF01.
  assert.deepEqual(
    signedEntries({ '\uFF01': '1', '\u{1F600}': '2' }).map((e) => e[0]),
    ['\u{1F600}', '\uFF01'],
  );
  assert.deepEqual(['b', 'B', '_', 'a'].sort(byCodeUnit), ['B', '_', 'a', 'b']);
  assert.equal(canonicalize({}), '');
  throwsWitkey(() => signedEntries(null), 'ILLEGAL_ARGUMENT', { field: 'params' });
  throwsWitkey(() => signedEntries({ a: 1 }), 'ILLEGAL_ARGUMENT', { field: 'a' });
});

const oracleKey = opensslKeyPair();

test('canonical: rawCanonicalBytes of a received GBK form equals the canonical bytes OpenSSL signed (independent producer)', () => {
  const fields = { ...notificationFields(LEFT_AMOUNT_XML('GBK')), empty: '', zz: '天' };
  const { body, canonical } = signedBody(fields, { charset: 'gbk', privateKey: oracleKey.privateKey });
  const form = new Map(parseFormBytes(body).map(([n, v]) => [latin1(n), v]));
  assert.ok(form.has('sign') && form.has('sign_type') && form.has('empty'));
  assert.deepEqual(rawCanonicalBytes(form), canonical);
  assert.deepEqual(rawCanonicalBytes(new Map()), new Uint8Array(0));
  assert.deepEqual(
    rawCanonicalBytes(
      new Map([
        ['b', bytes(0xcc, 0xec)],
        ['a', bytes(0x31)],
        ['sign', bytes(0x51)],
      ]),
    ),
    bytes(0x61, 0x3d, 0x31, 0x26, 0x62, 0x3d, 0xcc, 0xec),
  );
});

test('canonical: CanonicalStream feeds exactly rawCanonicalBytes, whichever field streams and however its value is chunked', () => {
  const form = new Map([
    ['notify_time', te.encode('2012-06-12 10:00:00')],
    ['sign', te.encode('QUJD')],
    ['a_first', te.encode('1')],
    ['notify_data', new Uint8Array(iconv.encode('<a>天之蓝</a>', 'gbk'))],
    ['empty', new Uint8Array(0)],
    ['sign_type', te.encode('DSA')],
    ['zz', te.encode('x')],
  ]);
  const expected = rawCanonicalBytes(form);
  for (const streamed of form.keys()) {
    for (const size of [1, 3, 1000]) {
      const out = [];
      const c = new CanonicalStream((b) => out.push(b.slice()));
      const held = new Map([...form].filter(([n]) => n !== streamed));
      c.held(held, undefined, streamed);
      const v = form.get(streamed);
      if (isSigned(streamed) && v.length > 0) {
        c.begin(streamed);
        for (let i = 0; i < v.length; i += size) c.value(v.subarray(i, i + size));
      }
      c.held(held, streamed);
      assert.deepEqual(concat(out), expected, `${streamed} in chunks of ${size}`);
    }
  }
  // A held field whose value has not ended (undefined) is skipped.
  const out = [];
  new CanonicalStream((b) => out.push(b.slice())).held(
    new Map([
      ['a', undefined],
      ['b', te.encode('2')],
    ]),
  );
  assert.equal(latin1(concat(out)), 'b=2');
});

// ---------------------------------------------------------------- signed-form

test('signed-form: signatureOf checks sign first, then sign_type, byte for byte DSA, and decodes strict base64', () => {
  const f = (o) => new Map(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? te.encode(v) : v]));
  throwsWitkey(() => signatureOf(f({})), 'ILLEGAL_SIGN', { field: 'sign' });
  throwsWitkey(() => signatureOf(f({ sign: '', sign_type: 'DSA' })), 'ILLEGAL_SIGN', { field: 'sign' });
  throwsWitkey(() => signatureOf(f({ sign: 'QUJD' })), 'ILLEGAL_SIGN', { field: 'sign_type' });
  throwsWitkey(() => signatureOf(f({ sign: 'QUJD', sign_type: '' })), 'ILLEGAL_SIGN', { field: 'sign_type' });
  throwsWitkey(() => signatureOf(f({ sign: 'QUJD', sign_type: undefined })), 'ILLEGAL_SIGN', { field: 'sign_type' });
  for (const st of ['dsa', 'RSA', 'DSA ', ' DSA', 'DS'])
    throwsWitkey(() => signatureOf(f({ sign: 'QUJD', sign_type: st })), 'ILLEGAL_SIGN_TYPE', { field: 'sign_type' });
  // A byte-order mark is three bytes, not nothing; non-ASCII is quoted byte by byte.
  assert.throws(() => signatureOf(f({ sign: 'QUJD', sign_type: bytes(0xef, 0xbb, 0xbf, 0x44, 0x53, 0x41) })), /got "ï»¿DSA"/);
  assert.throws(() => signatureOf(f({ sign: 'QUJD', sign_type: bytes(0xe4, 0xb8, 0xad) })), /got "ä¸\u00ad"/);
  const der = crypto.randomBytes(46);
  assert.deepEqual(signatureOf(f({ sign: der.toString('base64'), sign_type: 'DSA' })), new Uint8Array(der));
  assert.equal(signatureOf(f({ sign: 'QUJ', sign_type: 'DSA' })), undefined);
  assert.equal(signatureOf(f({ sign: 'QR==', sign_type: 'DSA' })), undefined);
  const e = forgedError();
  assert.equal(e.code, 'ILLEGAL_SIGN');
  assert.equal(e.field, 'sign');
});

// ------------------------------------------- the streaming decoder applies the same rules as the one-shot one

const alipayPublicKey = importPublicKey(oracleKey.publicPem);
const transferFields = () => notificationFields(TRANSFER_XML, { notifyType: 'witkey_assign_transfer' });

async function outcome(run) {
  try {
    return { ok: await run() };
  } catch (e) {
    return { code: e.code, field: e.field, name: e.constructor.name, message: e.message };
  }
}
async function streamed(body, options) {
  for await (const ev of streamNotification(body, options)) if (ev.type === 'notification') return ev.notification.kind;
}

test('sign_type with a byte-order mark before DSA is ILLEGAL_SIGN_TYPE in both decoders (compared byte for byte: TextDecoder would drop the mark)', async () => {
  const { body } = signedBody(transferFields(), { privateKey: oracleKey.privateKey, signType: '\uFEFFDSA' });
  const whole = await outcome(() => decodeNotification(body, { alipayPublicKey }).then((n) => n.kind));
  const stream = await outcome(() => streamed(body, { alipayPublicKey }));
  assert.equal(whole.code, 'ILLEGAL_SIGN_TYPE');
  assert.deepEqual(stream, whole);
  // The same body with a plain DSA verifies in both: only sign_type differs.
  const good = signedBody(transferFields(), { privateKey: oracleKey.privateKey }).body;
  assert.equal((await outcome(() => streamed(good, { alipayPublicKey }))).ok, 'assign_transfer');
});

test('a non-ASCII sign_type is quoted the same way by both decoders', async () => {
  const { body } = signedBody(transferFields(), { privateKey: oracleKey.privateKey, signType: '中' });
  const whole = await outcome(() => decodeNotification(body, { alipayPublicKey }));
  assert.equal(whole.code, 'ILLEGAL_SIGN_TYPE');
  assert.deepEqual(await outcome(() => streamed(body, { alipayPublicKey })), whole);
});

test('a sign value of 300 000 bytes (maxFieldBytes: Infinity) is ILLEGAL_SIGN in both decoders, not a RangeError from the stream', async () => {
  const { body } = signedBody(transferFields(), {
    privateKey: oracleKey.privateKey,
    tamper: (a) => {
      a.sign = new Uint8Array(300_000).fill(0x41);
    },
  });
  const options = { alipayPublicKey, limits: { maxFieldBytes: Infinity } };
  const whole = await outcome(() => decodeNotification(body, options));
  assert.equal(whole.code, 'ILLEGAL_SIGN');
  assert.deepEqual(await outcome(() => streamed(body, options)), whole);
});
