// Key import/export (src/keys): round trips against node:crypto (OpenSSL) for every supported size,
// interop with keys, encrypted keys and certificates made by the openssl CLI, and bad inputs.
// node:crypto and the openssl CLI are the reference implementations here; the library under test is
// the built package (run `npx rollup -c` first).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import { Certificate } from 'pkijs';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  exportPrivateKey,
  exportPublicKey,
  importPrivateKey,
  importPublicKey,
  sign,
  verify,
  WitkeyError,
} from '../dist/esm/index.js';

const SIZES = [
  [1024, 160],
  [2048, 224],
  [2048, 256],
  [3072, 256],
];
const HASH = { 160: 'sha1', 224: 'sha224', 256: 'sha256' };
const utf8 = (s) => new TextEncoder().encode(s);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const bytes = (buf) => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
const MESSAGE = utf8(
  '_input_charset=utf-8&outer_task_id=20111221_0011&partner=2088101568338364&refund_detail=R1~*~20.10&service=alipay.witkey.task.left.amount.handle&备注=天之蓝',
);

// ---- reference keys: each size generated once, in the thread pool, in parallel ----
const generate = promisify(crypto.generateKeyPair);
const [dsaKeys, rsa, ec, dsa1024n256] = await Promise.all([
  Promise.all(SIZES.map(([L, N]) => generate('dsa', { modulusLength: L, divisorLength: N }))),
  generate('rsa', { modulusLength: 2048 }),
  generate('ec', { namedCurve: 'P-256' }),
  generate('dsa', { modulusLength: 1024, divisorLength: 256 }),
]);
const nodeKeys = new Map(SIZES.map(([L, N], i) => [`${L}/${N}`, dsaKeys[i]]));
const k1024 = nodeKeys.get('1024/160');

function forms(pair) {
  return {
    pkcs8Pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    pkcs8Der: bytes(pair.privateKey.export({ type: 'pkcs8', format: 'der' })),
    spkiPem: pair.publicKey.export({ type: 'spki', format: 'pem' }),
    spkiDer: bytes(pair.publicKey.export({ type: 'spki', format: 'der' })),
  };
}

// ---- a minimal DER writer and reader for building tampered keys ----
function derLen(n) {
  if (n < 0x80) return [n];
  const out = [];
  for (let l = n; l > 0; l >>= 8) out.unshift(l & 0xff);
  return [0x80 | out.length, ...out];
}
const tlv = (tag, ...parts) => {
  const body = parts.flatMap((p) => [...p]);
  return Uint8Array.from([tag, ...derLen(body.length), ...body]);
};
function derInt(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  return tlv(0x02, Buffer.from(hex, 'hex'));
}
const seq = (...parts) => tlv(0x30, ...parts);
const DSA_ALG = (p, q, g) =>
  seq(Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01), seq(derInt(p), derInt(q), derInt(g)));
const pkcs8Of = ({ p, q, g, x }) => seq(derInt(0n), DSA_ALG(p, q, g), tlv(0x04, derInt(x)));
const spkiOf = ({ p, q, g, y }) => seq(DSA_ALG(p, q, g), tlv(0x03, [0], derInt(y)));
const traditionalOf = ({ p, q, g, y, x }) => seq(derInt(0n), derInt(p), derInt(q), derInt(g), derInt(y), derInt(x));
const pem = (label, der) =>
  `-----BEGIN ${label}-----\n${b64(der).replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/** All components of a node:crypto DSA key pair, x read from its PKCS#8 with asn1js. */
function components(pair) {
  const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  const top = asn1js.fromBER(der).result.valueBlock.value;
  const [p, q, g] = top[1].valueBlock.value[1].valueBlock.value.map((i) => i.toBigInt());
  const x = asn1js.fromBER(top[2].valueBlock.valueHexView).result.toBigInt();
  const y = importPublicKey(pair.publicKey.export({ type: 'spki', format: 'pem' })).y;
  return { p, q, g, x, y };
}

// ---- error assertions ----
/** Fails if a message could carry key material: the secret's hex/decimal, or any long base64 run. */
function assertClean(message, secrets = []) {
  for (const s of secrets) assert.ok(!message.toLowerCase().includes(s.toLowerCase()), `message leaks key material: ${message}`);
  assert.doesNotMatch(message, /[A-Za-z0-9+/]{24,}/, `message contains a base64-like run: ${message}`);
  assert.doesNotMatch(message, /[0-9a-fA-F]{24,}/, `message contains a hex run: ${message}`);
}
function check(err, code, { field, match, secrets } = {}) {
  assert.ok(err instanceof WitkeyError, `expected a WitkeyError, got ${err?.stack ?? err}`);
  assert.equal(err.code, code, `code ${err.code}: ${err.message}`);
  if (field !== undefined) assert.equal(err.field, field, `field of: ${err.message}`);
  if (match !== undefined) assert.match(err.message, match);
  assertClean(err.message, secrets);
  return err;
}
function throwsKey(fn, code, opts) {
  try {
    fn();
  } catch (e) {
    return check(e, code, opts);
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}
async function rejectsKey(fn, code, opts) {
  try {
    await fn();
  } catch (e) {
    return check(e, code, opts);
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}

// ---- openssl CLI ----
const OPENSSL = 'openssl';
function openssl(args, input) {
  const r = spawnSync(OPENSSL, args, { input, maxBuffer: 1 << 24 });
  if (r.error && r.error.code === 'ENOENT') {
    throw new Error('the `openssl` CLI is not on PATH; the OpenSSL interop tests need it (e.g. apt-get install openssl)');
  }
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr.toString()}`);
  return r.stdout;
}

// ================================================================================================

describe('node:crypto DSA keys, every size: import and export byte-equal to OpenSSL', () => {
  for (const [L, N] of SIZES) {
    const pair = nodeKeys.get(`${L}/${N}`);
    test(`${L}/${N}: PKCS#8 and SPKI as PEM, DER and bare base64`, () => {
      const f = forms(pair);
      for (const input of [f.pkcs8Pem, f.pkcs8Der, b64(f.pkcs8Der), utf8(f.pkcs8Pem)]) {
        const key = importPrivateKey(input);
        assert.equal(key.domain.L, L);
        assert.equal(key.domain.N, N);
        assert.equal(exportPrivateKey(key), f.pkcs8Pem);
        assert.deepEqual(exportPrivateKey(key, { format: 'pkcs8-der' }), f.pkcs8Der);
        assert.equal(exportPublicKey(key), f.spkiPem);
        assert.deepEqual(exportPublicKey(key, { format: 'spki-der' }), f.spkiDer);
      }
      for (const input of [f.spkiPem, f.spkiDer, b64(f.spkiDer), utf8(f.spkiPem)]) {
        const pub = importPublicKey(input);
        assert.equal(exportPublicKey(pub), f.spkiPem);
        assert.deepEqual(exportPublicKey(pub, { format: 'spki-der' }), f.spkiDer);
      }
      assert.equal(importPublicKey(f.spkiPem).y, importPrivateKey(f.pkcs8Pem).publicKey.y);
    });

    test(`OpenSSL cross-check of sign/verify: ${L}/${N} with ${HASH[N]}, ours ⇄ node:crypto`, () => {
      const f = forms(pair);
      const key = importPrivateKey(f.pkcs8Pem);
      const pub = importPublicKey(f.spkiPem);
      const ours = sign(MESSAGE, key);
      assert.ok(
        crypto.verify(HASH[N], MESSAGE, { key: pair.publicKey, dsaEncoding: 'der' }, ours),
        'OpenSSL rejects our DER signature',
      );
      const oursP1363 = sign(MESSAGE, key, { format: 'p1363' });
      assert.ok(
        crypto.verify(HASH[N], MESSAGE, { key: pair.publicKey, dsaEncoding: 'ieee-p1363' }, oursP1363),
        'OpenSSL rejects our P1363 signature',
      );
      const theirs = bytes(crypto.sign(HASH[N], MESSAGE, { key: pair.privateKey, dsaEncoding: 'der' }));
      assert.ok(verify(theirs, MESSAGE, pub), 'we reject an OpenSSL signature');
      assert.ok(!verify(theirs, utf8('tampered'), pub));
    });
  }
});

describe('keys made by the openssl CLI', () => {
  let dir;
  const path = (name) => join(dir, name);
  const file = (name) => readFileSync(path(name));
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'witkey-keys-'));
    // OpenSSL 3's `openssl dsaparam 1024` makes 1024/224 parameters (not a FIPS 186-4 size), so the
    // q size is given explicitly.
    for (const [bits, qbits] of [
      [1024, 160],
      [2048, 256],
    ]) {
      openssl([
        'genpkey',
        '-genparam',
        '-algorithm',
        'DSA',
        '-pkeyopt',
        `dsa_paramgen_bits:${bits}`,
        '-pkeyopt',
        `dsa_paramgen_q_bits:${qbits}`,
        '-out',
        path(`p${bits}.pem`),
      ]);
      openssl(['gendsa', '-out', path(`k${bits}.pem`), path(`p${bits}.pem`)]);
      openssl(['dsa', '-in', path(`k${bits}.pem`), '-out', path(`t${bits}.pem`)]);
      openssl(['dsa', '-in', path(`k${bits}.pem`), '-outform', 'DER', '-out', path(`t${bits}.der`)]);
      // (`openssl pkey -outform DER` writes the traditional format for DSA in OpenSSL 3.0; pkcs8 is explicit.)
      openssl(['pkcs8', '-topk8', '-nocrypt', '-in', path(`k${bits}.pem`), '-outform', 'DER', '-out', path(`k${bits}.der`)]);
      openssl(['pkey', '-in', path(`k${bits}.pem`), '-pubout', '-outform', 'DER', '-out', path(`pub${bits}.der`)]);
    }
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('the openssl CLI is available (these tests fail, never skip, without it)', () => {
    assert.match(openssl(['version']).toString(), /OpenSSL/);
  });

  test('openssl dsaparam -genkey output (DSA PARAMETERS block, then the key)', () => {
    const out = openssl(['dsaparam', '-in', path('p1024.pem'), '-genkey']).toString();
    assert.match(out, /BEGIN DSA PARAMETERS[\s\S]*BEGIN PRIVATE KEY/);
    const key = importPrivateKey(out);
    assert.equal(key.domain.L, 1024);
    const reference = crypto.createPrivateKey(out).export({ type: 'pkcs8', format: 'der' });
    assert.deepEqual(exportPrivateKey(key, { format: 'pkcs8-der' }), bytes(reference));
  });

  test('`openssl dsaparam -genkey 1024` keys: 1024/224 under OpenSSL 3 is refused with UNSUPPORTED_KEY_SIZE', () => {
    const out = openssl(['dsaparam', '-genkey', '-noout', '1024']).toString();
    const q = crypto.createPrivateKey(out).asymmetricKeyDetails.divisorLength;
    if (q === 160) assert.equal(importPrivateKey(out).domain.N, 160);
    else throwsKey(() => importPrivateKey(out), 'UNSUPPORTED_KEY_SIZE', { match: new RegExp(`L=1024, N=${q}`) });
  });

  for (const bits of [1024, 2048]) {
    test(`openssl gendsa and openssl dsa (traditional DSA PRIVATE KEY, PEM and DER), ${bits} bits`, () => {
      const traditional = file(`t${bits}.pem`).toString();
      assert.match(traditional, /^-----BEGIN DSA PRIVATE KEY-----\n/);
      const expected = bytes(file(`k${bits}.der`));
      const expectedPub = bytes(file(`pub${bits}.der`));
      for (const input of [
        traditional,
        bytes(file(`t${bits}.der`)),
        b64(file(`t${bits}.der`)),
        file(`k${bits}.pem`).toString(),
      ]) {
        const key = importPrivateKey(input);
        assert.equal(key.domain.L, bits);
        assert.deepEqual(exportPrivateKey(key, { format: 'pkcs8-der' }), expected);
        assert.deepEqual(exportPublicKey(key, { format: 'spki-der' }), expectedPub);
      }
      const pub = importPublicKey(bytes(expectedPub));
      const sig = sign(MESSAGE, importPrivateKey(traditional));
      writeFileSync(path('msg'), MESSAGE);
      writeFileSync(path('sig'), sig);
      const hash = pub.domain.N === 160 ? '-sha1' : pub.domain.N === 224 ? '-sha224' : '-sha256';
      assert.match(
        openssl(['dgst', hash, '-prverify', path(`k${bits}.pem`), '-signature', path('sig'), path('msg')]).toString(),
        /Verified OK/,
      );
    });
  }

  test('encrypted PKCS#8 from openssl pkcs8 -topk8 -v2 → decryptPrivateKey; wrong passphrase → WRONG_PASSPHRASE', async () => {
    const expected = bytes(file('k2048.der'));
    const variants = [
      ['-v2', 'aes-256-cbc'],
      ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1'],
      ['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA512', '-iter', '1000'],
    ];
    for (const v of variants) {
      const enc = openssl(['pkcs8', '-topk8', ...v, '-in', path('k2048.pem'), '-passout', 'pass:s3cret pass']).toString();
      assert.match(enc, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      throwsKey(() => importPrivateKey(enc), 'ENCRYPTED_KEY', { match: /decryptPrivateKey/ });
      const key = await decryptPrivateKey(enc, 's3cret pass');
      assert.deepEqual(exportPrivateKey(key, { format: 'pkcs8-der' }), expected, v.join(' '));
    }
    const encDer = openssl([
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      path('k1024.pem'),
      '-passout',
      'pass:pw',
      '-outform',
      'DER',
    ]);
    throwsKey(() => importPrivateKey(bytes(encDer)), 'ENCRYPTED_KEY');
    throwsKey(() => importPrivateKey(b64(encDer)), 'ENCRYPTED_KEY');
    const fromDer = await decryptPrivateKey(bytes(encDer), utf8('pw'));
    assert.deepEqual(exportPrivateKey(fromDer, { format: 'pkcs8-der' }), bytes(file('k1024.der')));
    await rejectsKey(() => decryptPrivateKey(bytes(encDer), 'wrong'), 'WRONG_PASSPHRASE', { field: 'passphrase' });
    await rejectsKey(() => decryptPrivateKey(b64(encDer), ''), 'WRONG_PASSPHRASE');
    // A hostile iteration count is refused before any PBKDF2 work (openssl wrote 2048 here).
    await rejectsKey(() => decryptPrivateKey(bytes(encDer), 'pw', { maxIterations: 2047 }), 'ENCRYPTED_KEY', {
      field: 'maxIterations',
    });
    assert.ok(await decryptPrivateKey(bytes(encDer), 'pw', { maxIterations: 2048 }));
  });

  test('encryptPrivateKey output is read by openssl pkcs8 -passin and node:crypto', async () => {
    const key = importPrivateKey(file('t2048.pem').toString());
    const enc = await encryptPrivateKey(key, 'pässwörd'); // default: 100000 iterations, PEM
    assert.match(enc, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    writeFileSync(path('ours.p8'), enc);
    // (OpenSSL 3.0's `pkcs8` without -topk8 writes the traditional format.)
    const dec = openssl(['pkcs8', '-in', path('ours.p8'), '-passin', 'pass:pässwörd', '-outform', 'DER']);
    assert.deepEqual(bytes(dec), bytes(file('t2048.der')));
    const parsed = openssl(['asn1parse', '-in', path('ours.p8')]).toString();
    for (const name of ['PBES2', 'PBKDF2', 'hmacWithSHA256', 'aes-256-cbc']) assert.match(parsed, new RegExp(name));
    assert.match(parsed, /INTEGER\s*:0?186A0\n/); // 100000 iterations
    const der = await encryptPrivateKey(key, utf8('bytes pass'), { format: 'der', iterations: 2000 });
    assert.ok(der instanceof Uint8Array);
    const viaNode = crypto.createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8', passphrase: 'bytes pass' });
    assert.deepEqual(bytes(viaNode.export({ type: 'pkcs8', format: 'der' })), bytes(file('k2048.der')));
    assert.deepEqual(
      exportPrivateKey(await decryptPrivateKey(der, 'bytes pass'), { format: 'pkcs8-der' }),
      bytes(file('k2048.der')),
    );
  });

  test('self-signed certificate with a DSA key (openssl req -x509) → importPublicKey, PEM and DER', () => {
    for (const bits of [1024, 2048]) {
      const cert = openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        path(`k${bits}.pem`),
        '-subj',
        '/CN=test',
        '-days',
        '1',
        '-sha256',
      ]).toString();
      const certDer = openssl(['x509', '-outform', 'DER'], cert);
      const expectedY = importPrivateKey(file(`k${bits}.pem`)).publicKey.y;
      for (const input of [cert, bytes(certDer), b64(certDer), `subject=CN=test\nissuer=CN=test\n${cert}`]) {
        const pub = importPublicKey(input);
        assert.equal(pub.y, expectedY);
        assert.deepEqual(exportPublicKey(pub, { format: 'spki-der' }), bytes(file(`pub${bits}.der`)));
      }
      // Cross-check of our asn1js walk with pkijs's full Certificate parser.
      const parsed = new Certificate({ schema: asn1js.fromBER(certDer).result });
      assert.deepEqual(new Uint8Array(parsed.subjectPublicKeyInfo.toSchema().toBER()), bytes(file(`pub${bits}.der`)));
      throwsKey(() => importPrivateKey(cert), 'INVALID_KEY', { match: /certificate/ });
    }
  });

  test('legacy and PBES1 encryption are refused with ENCRYPTED_KEY', async () => {
    const legacy = openssl(['dsa', '-in', path('k1024.pem'), '-aes256', '-passout', 'pass:pw']).toString();
    assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
    throwsKey(() => importPrivateKey(legacy), 'ENCRYPTED_KEY', { match: /legacy/ });
    await rejectsKey(() => decryptPrivateKey(legacy, 'pw'), 'ENCRYPTED_KEY', { match: /legacy/ });
    const pbes1 = openssl([
      'pkcs8',
      '-topk8',
      '-v1',
      'PBE-SHA1-3DES',
      '-in',
      path('k1024.pem'),
      '-passout',
      'pass:pw',
    ]).toString();
    await rejectsKey(() => decryptPrivateKey(pbes1, 'pw'), 'ENCRYPTED_KEY', { match: /3-KeyTripleDES/ });
    const des3 = openssl(['pkcs8', '-topk8', '-v2', 'des3', '-in', path('k1024.pem'), '-passout', 'pass:pw']).toString();
    await rejectsKey(() => decryptPrivateKey(des3, 'pw'), 'ENCRYPTED_KEY', { match: /DES-EDE3-CBC/ });
  });
});

describe('bare base64 and PEM tolerance', () => {
  const f = forms(k1024);
  const c = components(k1024);
  const trad = traditionalOf(c);
  test('bare one-line base64 bodies: PKCS#8, traditional, SPKI (with surrounding whitespace)', () => {
    for (const input of [b64(f.pkcs8Der), `  ${b64(trad)}\r\n`, utf8(b64(f.pkcs8Der))]) {
      assert.equal(exportPrivateKey(importPrivateKey(input)), f.pkcs8Pem);
    }
    assert.equal(exportPublicKey(importPublicKey(`\n${b64(f.spkiDer)}\n`)), f.spkiPem);
  });
  test('CRLF, indentation, BOM, explanatory text, a PEM flattened onto one line', () => {
    const crlf = f.pkcs8Pem.replace(/\n/g, '\r\n');
    const indented = f.pkcs8Pem
      .split('\n')
      .map((l) => `   ${l}  `)
      .join('\n');
    const withText = `Key for partner 2088101568338364\n\n${f.pkcs8Pem}\nend of file\n`;
    const flat = f.pkcs8Pem.replace(/\n/g, ' ');
    for (const input of [crlf, indented, `\ufeff${f.pkcs8Pem}`, withText, flat, pem('DSA PRIVATE KEY', trad)]) {
      assert.equal(exportPrivateKey(importPrivateKey(input)), f.pkcs8Pem);
    }
    assert.equal(exportPublicKey(importPublicKey(f.spkiPem.replace(/\n/g, '\r\n'))), f.spkiPem);
  });
  test('exported PEM has 64-column lines and a final newline', () => {
    const out = exportPrivateKey(importPrivateKey(f.pkcs8Pem));
    const lines = out.trimEnd().split('\n');
    assert.ok(lines.slice(1, -2).every((l) => l.length === 64));
    assert.ok(out.endsWith('-----END PRIVATE KEY-----\n'));
  });
});

describe('bad inputs: WitkeyError with the exact code, never a crash, never key material', () => {
  const f = forms(k1024);
  const c = components(k1024);
  const secrets = [c.x.toString(16), c.x.toString(10)];
  const rsaF = forms(rsa);
  const ecF = forms(ec);

  test('empty input and wrong argument types', () => {
    for (const input of ['', '   \n', new Uint8Array(0)])
      throwsKey(() => importPrivateKey(input), 'INVALID_KEY', { match: /empty/ });
    for (const input of [null, undefined, 42, {}, [1, 2]]) {
      throwsKey(() => importPrivateKey(input), 'INVALID_KEY', { field: 'input' });
      throwsKey(() => importPublicKey(input), 'INVALID_KEY', { field: 'input' });
    }
  });

  test('truncated PEM', () => {
    const noEnd = f.pkcs8Pem.slice(0, f.pkcs8Pem.indexOf('-----END'));
    throwsKey(() => importPrivateKey(noEnd), 'INVALID_KEY', { match: /no END line/, secrets });
    const cutEnd = f.pkcs8Pem.slice(0, f.pkcs8Pem.length - 10);
    throwsKey(() => importPrivateKey(cutEnd), 'INVALID_KEY', { secrets });
    const lines = f.pkcs8Pem.split('\n');
    const shortBody = [...lines.slice(0, 3), ...lines.slice(-2)].join('\n');
    throwsKey(() => importPrivateKey(shortBody), 'INVALID_KEY', { match: /truncated/, secrets });
    const noBegin = f.spkiPem.slice(f.spkiPem.indexOf('\n') + 1);
    throwsKey(() => importPublicKey(noBegin), 'INVALID_KEY', { match: /without a BEGIN/ });
  });

  test('mismatched BEGIN/END labels, unknown labels, several keys in one text', () => {
    const mismatched = f.pkcs8Pem.replace('END PRIVATE KEY', 'END PUBLIC KEY');
    throwsKey(() => importPrivateKey(mismatched), 'INVALID_KEY', { match: /mismatched PEM labels/, secrets });
    throwsKey(() => importPrivateKey(pem('FOO KEY', f.pkcs8Der)), 'INVALID_KEY', {
      match: /unsupported PEM label "FOO KEY"/,
      secrets,
    });
    throwsKey(() => importPrivateKey(f.pkcs8Pem + f.pkcs8Pem), 'INVALID_KEY', { match: /2 PEM blocks/, secrets });
    throwsKey(() => importPrivateKey(f.pkcs8Pem.replace('-----\n', '-----\nComment: hi\n\n')), 'INVALID_KEY', {
      match: /headers/,
    });
  });

  test('garbage text and bytes', () => {
    throwsKey(() => importPrivateKey('hello, world!'), 'INVALID_KEY', { match: /not a key/ });
    throwsKey(() => importPrivateKey('AAAA'), 'INVALID_KEY', { match: /DER/ });
    throwsKey(() => importPublicKey(crypto.randomBytes(64).toString('base64')), 'INVALID_KEY');
    throwsKey(() => importPrivateKey(Uint8Array.of(0xff, 0xfe, 0x00, 0x81)), 'INVALID_KEY', { match: /neither DER/ });
    throwsKey(() => importPrivateKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01)), 'INVALID_KEY', { match: /truncated/ });
    for (let i = 0; i < 50; i++) {
      const junk = Uint8Array.from(crypto.randomBytes(1 + (i % 40)));
      junk[0] = 0x30;
      throwsKey(() => importPrivateKey(junk), 'INVALID_KEY');
      throwsKey(() => importPublicKey(junk), 'INVALID_KEY');
    }
  });

  test('non-canonical or non-standard base64', () => {
    // Pick a DER whose base64 ends in padding, then set bits after the data in the last character.
    const candidates = [traditionalOf(c), ...[...nodeKeys.values()].flatMap((k) => [forms(k).pkcs8Der, forms(k).spkiDer])];
    const der = candidates.find((d) => d.length % 3 !== 0) ?? f.spkiDer.subarray(1); // length ≡ 2 (mod 3); the base64 check comes first
    const s = b64(der);
    const i = s.indexOf('=') - 1;
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const nonCanonical = s.slice(0, i) + A[A.indexOf(s[i]) + 1] + s.slice(i + 1);
    assert.deepEqual(Buffer.from(nonCanonical, 'base64'), Buffer.from(der), 'Node decodes it to the same bytes');
    throwsKey(() => importPrivateKey(nonCanonical), 'INVALID_KEY', { match: /non-canonical base64/, secrets });
    throwsKey(() => importPrivateKey(s.replace(/=+$/, '')), 'INVALID_KEY', { match: /padding/, secrets });
    throwsKey(
      () => importPublicKey(b64(f.spkiDer).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') + '-_'),
      'INVALID_KEY',
    );
    const body = f.pkcs8Pem.split('\n').slice(1, -2).join('\\n');
    throwsKey(() => importPrivateKey(`-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----`), 'INVALID_KEY', {
      match: /literal "\\n"/,
    });
  });

  test('trailing data after the DER, and BER instead of DER', () => {
    throwsKey(() => importPrivateKey(Uint8Array.from([...f.pkcs8Der, 0])), 'INVALID_KEY', { match: /trailing data/, secrets });
    throwsKey(() => importPrivateKey(b64(Uint8Array.from([...f.pkcs8Der, 0, 0]))), 'INVALID_KEY', {
      match: /trailing data/,
      secrets,
    });
    throwsKey(() => importPublicKey(pem('PUBLIC KEY', Uint8Array.from([...f.spkiDer, 5, 0]))), 'INVALID_KEY', {
      match: /trailing data/,
    });
    // The outer length in a non-minimal long form (0x83 00 xx xx instead of 0x82 xx xx).
    const ber = Uint8Array.from([0x30, 0x83, 0x00, ...f.spkiDer.subarray(2)]);
    throwsKey(() => importPublicKey(ber), 'INVALID_KEY', { match: /not DER/ });
    // y with a redundant leading zero byte.
    const yPadded = seq(DSA_ALG(c.p, c.q, c.g), tlv(0x03, [0], tlv(0x02, [0, 0, ...derInt(c.y).subarray(3)])));
    throwsKey(() => importPublicKey(yPadded), 'INVALID_KEY');
  });

  test('RSA and EC keys: PKCS#8, SPKI and traditional PEM say which algorithm they are', () => {
    throwsKey(() => importPrivateKey(rsaF.pkcs8Pem), 'INVALID_KEY', { match: /RSA key.*, expected DSA/, field: 'algorithm' });
    throwsKey(() => importPrivateKey(rsaF.pkcs8Der), 'INVALID_KEY', { match: /RSA key.*, expected DSA/ });
    throwsKey(() => importPublicKey(rsaF.spkiPem), 'INVALID_KEY', { match: /RSA key.*, expected DSA/ });
    throwsKey(() => importPrivateKey(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' })), 'INVALID_KEY', {
      match: /RSA key.*, expected DSA/,
    });
    throwsKey(() => importPrivateKey(b64(rsa.privateKey.export({ type: 'pkcs1', format: 'der' }))), 'INVALID_KEY', {
      match: /RSA key.*, expected DSA/,
    });
    throwsKey(() => importPublicKey(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' })), 'INVALID_KEY', { match: /RSA key/ });
    throwsKey(() => importPrivateKey(ecF.pkcs8Pem), 'INVALID_KEY', { match: /EC key.*, expected DSA/ });
    throwsKey(() => importPublicKey(ecF.spkiDer), 'INVALID_KEY', { match: /EC key.*, expected DSA/ });
    throwsKey(() => importPrivateKey(ec.privateKey.export({ type: 'sec1', format: 'pem' })), 'INVALID_KEY', { match: /EC key/ });
    const ed = crypto.generateKeyPairSync('ed25519');
    throwsKey(() => importPrivateKey(ed.privateKey.export({ type: 'pkcs8', format: 'pem' })), 'INVALID_KEY', {
      match: /Ed25519/,
    });
  });

  test('private where public is expected and vice versa; parameters only', () => {
    throwsKey(() => importPublicKey(f.pkcs8Pem), 'INVALID_KEY', { match: /private key/, secrets });
    throwsKey(() => importPublicKey(b64(f.pkcs8Der)), 'INVALID_KEY', { match: /private key/, secrets });
    throwsKey(() => importPrivateKey(f.spkiPem), 'INVALID_KEY', { match: /public key/ });
    throwsKey(() => importPrivateKey(f.spkiDer), 'INVALID_KEY', { match: /public key/ });
    const params = pem('DSA PARAMETERS', seq(derInt(c.p), derInt(c.q), derInt(c.g)));
    throwsKey(() => importPrivateKey(params), 'INVALID_KEY', { match: /domain parameters/ });
  });

  test('tampered components: y not in the subgroup, bad g, x ≥ q, y ≠ g^x, unsupported size', () => {
    throwsKey(() => importPublicKey(spkiOf({ ...c, y: c.y + 1n })), 'INVALID_KEY', { field: 'y', match: /subgroup/, secrets });
    throwsKey(() => importPublicKey(spkiOf({ ...c, y: 1n })), 'INVALID_KEY', { field: 'y' });
    throwsKey(() => importPublicKey(spkiOf({ ...c, y: c.p })), 'INVALID_KEY', { field: 'y' });
    throwsKey(() => importPrivateKey(pkcs8Of({ ...c, g: c.g + 1n })), 'INVALID_KEY', { field: 'g', secrets });
    throwsKey(() => importPublicKey(spkiOf({ ...c, g: 1n })), 'INVALID_KEY', { field: 'g' });
    throwsKey(() => importPrivateKey(pkcs8Of({ ...c, x: c.x + c.q })), 'INVALID_KEY', {
      field: 'x',
      secrets: [...secrets, (c.x + c.q).toString(16)],
    });
    throwsKey(() => importPrivateKey(pkcs8Of({ ...c, x: c.q })), 'INVALID_KEY', { field: 'x', secrets });
    throwsKey(() => importPrivateKey(pkcs8Of({ ...c, x: 0n })), 'INVALID_KEY', { field: 'x' });
    throwsKey(() => importPrivateKey(traditionalOf({ ...c, y: c.y + 1n })), 'INVALID_KEY', {
      field: 'y',
      match: /does not match/,
      secrets,
    });
    throwsKey(() => importPrivateKey(pkcs8Of({ ...c, q: c.q + 2n })), 'INVALID_KEY', { field: 'q', secrets });
    // A negative x (INTEGER with the top bit set).
    const negX = seq(derInt(0n), DSA_ALG(c.p, c.q, c.g), tlv(0x04, tlv(0x02, [0x80, 1])));
    throwsKey(() => importPrivateKey(negX), 'INVALID_KEY', { field: 'x', match: /negative/ });
    throwsKey(() => importPrivateKey(forms(dsa1024n256).pkcs8Pem), 'UNSUPPORTED_KEY_SIZE', { match: /L=1024, N=256/ });
    throwsKey(() => importPublicKey(forms(dsa1024n256).spkiDer), 'UNSUPPORTED_KEY_SIZE');
  });

  test('options reach the validation: checkPrimes accepts a genuine key', () => {
    assert.equal(importPrivateKey(f.pkcs8Pem, { checkPrimes: true }).domain.L, 1024);
    assert.equal(importPublicKey(f.spkiPem, { checkPrimes: true }).domain.N, 160);
  });

  test('structure errors inside PKCS#8 / SPKI', () => {
    const v1 = seq(derInt(1n), DSA_ALG(c.p, c.q, c.g), tlv(0x04, derInt(c.x)));
    throwsKey(() => importPrivateKey(pem('PRIVATE KEY', v1)), 'INVALID_KEY', { match: /version 1/, secrets });
    const noParams = seq(
      derInt(0n),
      seq(Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01)),
      tlv(0x04, derInt(c.x)),
    );
    throwsKey(() => importPrivateKey(noParams), 'INVALID_KEY', { match: /parameters are missing/, secrets });
    const withAttrs = seq(derInt(0n), DSA_ALG(c.p, c.q, c.g), tlv(0x04, derInt(c.x)), tlv(0xa0));
    throwsKey(() => importPrivateKey(withAttrs), 'INVALID_KEY', { match: /attributes/, secrets });
    const unusedBits = seq(DSA_ALG(c.p, c.q, c.g), tlv(0x03, [1], derInt(c.y)));
    throwsKey(() => importPublicKey(unusedBits), 'INVALID_KEY', { match: /unused bits/ });
    throwsKey(() => importPrivateKey(pem('DSA PRIVATE KEY', f.pkcs8Der)), 'INVALID_KEY', { secrets });
    throwsKey(() => importPrivateKey(pem('PRIVATE KEY', traditionalOf(c))), 'INVALID_KEY', { secrets });
  });

  test('export: wrong key type or format', () => {
    const key = importPrivateKey(f.pkcs8Pem);
    throwsKey(() => exportPrivateKey(key.publicKey), 'INVALID_KEY', { field: 'key' });
    throwsKey(() => exportPrivateKey({}), 'INVALID_KEY', { field: 'key' });
    throwsKey(() => exportPublicKey(null), 'INVALID_KEY', { field: 'key' });
    throwsKey(() => exportPrivateKey(key, { format: 'pem' }), 'INVALID_OPTION', { field: 'format' });
    throwsKey(() => exportPublicKey(key, { format: 'pkcs8-der' }), 'INVALID_OPTION', { field: 'format' });
    assert.equal(JSON.stringify(key).includes(c.x.toString(16)), false);
  });
});

describe('encryptPrivateKey / decryptPrivateKey', () => {
  const f = forms(k1024);
  const c = components(k1024);
  const secrets = [c.x.toString(16), c.x.toString(10)];
  test('round trip, PEM and DER, string and byte passphrases; wrong passphrase', async () => {
    const key = importPrivateKey(f.pkcs8Pem);
    const pemOut = await encryptPrivateKey(key, '密码 pass', { iterations: 1000 });
    assert.equal(typeof pemOut, 'string');
    assert.equal(exportPrivateKey(await decryptPrivateKey(pemOut, '密码 pass')), f.pkcs8Pem);
    assert.equal(exportPrivateKey(await decryptPrivateKey(pemOut, utf8('密码 pass'))), f.pkcs8Pem);
    const derOut = await encryptPrivateKey(key, Uint8Array.of(0, 1, 2, 255), { iterations: 1000, format: 'der' });
    assert.equal(exportPrivateKey(await decryptPrivateKey(derOut, Uint8Array.of(0, 1, 2, 255))), f.pkcs8Pem);
    const again = await encryptPrivateKey(key, '密码 pass', { iterations: 1000 });
    assert.notEqual(again, pemOut, 'fresh salt and IV every time');
    for (const wrong of ['密码 pasS', '', utf8('x')]) {
      await rejectsKey(() => decryptPrivateKey(pemOut, wrong), 'WRONG_PASSPHRASE', { field: 'passphrase', secrets });
    }
  });
  test('argument errors', async () => {
    const key = importPrivateKey(f.pkcs8Pem);
    await rejectsKey(() => encryptPrivateKey(key, ''), 'INVALID_OPTION', { field: 'passphrase' });
    await rejectsKey(() => encryptPrivateKey(key, 42), 'INVALID_OPTION', { field: 'passphrase' });
    for (const iterations of [0, -1, 1.5, 2 ** 32, NaN]) {
      await rejectsKey(() => encryptPrivateKey(key, 'pw', { iterations }), 'INVALID_OPTION', { field: 'iterations' });
    }
    await rejectsKey(() => encryptPrivateKey(key, 'pw', { format: 'pkcs8-pem' }), 'INVALID_OPTION', { field: 'format' });
    await rejectsKey(() => encryptPrivateKey(key.publicKey, 'pw'), 'INVALID_KEY', { field: 'key' });
    await rejectsKey(() => decryptPrivateKey(f.pkcs8Pem, 'pw'), 'INVALID_KEY', { match: /not encrypted/, secrets });
    await rejectsKey(() => decryptPrivateKey(f.spkiPem, 'pw'), 'INVALID_KEY', { match: /public key/ });
    await rejectsKey(() => decryptPrivateKey(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }), 'pw'), 'INVALID_KEY', {
      match: /RSA/,
    });
    const enc = await encryptPrivateKey(key, 'pw', { iterations: 1000, format: 'der' });
    await rejectsKey(() => decryptPrivateKey(enc, null), 'INVALID_OPTION', { field: 'passphrase' });
    await rejectsKey(() => decryptPrivateKey(Uint8Array.from([...enc, 0]), 'pw'), 'INVALID_KEY', { match: /trailing data/ });
    await rejectsKey(() => decryptPrivateKey(enc.subarray(0, enc.length - 16), 'pw'), 'INVALID_KEY', { match: /truncated/ });
  });
  test('a DSA key of another size inside, and an RSA key inside (encrypted by node:crypto)', async () => {
    const enc3072 = nodeKeys
      .get('3072/256')
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
    const key = await decryptPrivateKey(enc3072, 'pw');
    assert.equal(key.domain.L, 3072);
    const encRsa = rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' });
    await rejectsKey(() => decryptPrivateKey(encRsa, 'pw'), 'INVALID_KEY', { match: /RSA key.*, expected DSA/ });
  });
});

describe('robustness: corrupted keys never crash', () => {
  const f = forms(k1024);
  test('every byte of an encrypted key changed in turn: a key or a WitkeyError, nothing else', async () => {
    const enc = await encryptPrivateKey(importPrivateKey(f.pkcs8Pem), 'pw', { iterations: 1, format: 'der' });
    // The header (algorithm parameters) byte by byte, then a sample of the ciphertext.
    const positions = [...Array(160).keys(), ...Array.from({ length: 20 }, (_, i) => 160 + i * 9)];
    for (const i of positions) {
      const copy = enc.slice();
      copy[i] ^= 0x41;
      try {
        await decryptPrivateKey(copy, 'pw');
      } catch (e) {
        assert.ok(e instanceof WitkeyError, `byte ${i}: not a WitkeyError: ${e?.stack ?? e}`);
        assertClean(e.message);
      }
    }
  });
  test('every truncation and 300 random byte changes give a key or a WitkeyError, nothing else', () => {
    for (const der of [f.pkcs8Der, f.spkiDer]) {
      for (let n = 0; n < der.length; n++) {
        const part = der.subarray(0, n);
        throwsKey(() => importPrivateKey(part), 'INVALID_KEY');
        throwsKey(() => importPublicKey(part), 'INVALID_KEY');
      }
    }
    const rnd = crypto.randomBytes(900);
    for (let i = 0; i < 300; i++) {
      for (const [der, fn] of [
        [f.pkcs8Der, importPrivateKey],
        [f.spkiDer, importPublicKey],
      ]) {
        const copy = der.slice();
        copy[(rnd[i * 3] * 256 + rnd[i * 3 + 1]) % copy.length] ^= rnd[i * 3 + 2] || 1;
        try {
          fn(copy);
        } catch (e) {
          assert.ok(e instanceof WitkeyError, `not a WitkeyError: ${e?.stack ?? e}`);
          assertClean(e.message);
        }
      }
    }
  });
});
