// The strict DER reader of src/keys/der.ts (through the internal testing entry point) and, through
// importPublicKey/importPrivateKey, what it means for key import: BER-only encodings, hostile lengths
// and nesting, high tag numbers, and fast-check fuzzing of random bytes and mutated keys. Every
// failure must be a WitkeyError INVALID_KEY (never a TypeError/RangeError or a stack overflow), and
// every key accepted must be the exact DER that exportPublicKey/exportPrivateKey write back, which is
// why der.ts needs no re-encode-and-compare step. Runs against the build (`npx rollup -c` first).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { exportPrivateKey, exportPublicKey, importPrivateKey, importPublicKey, WitkeyError } from '../dist/esm/index.js';
import {
  encodedBytes,
  MAX_DEPTH,
  parseDer,
  readBitString,
  readOctets,
  readOid,
  readSmallInt,
  readUnsigned,
  sequenceItems,
} from '../dist/esm/testing.js';
import { derLength, integer, oid, sequence, tlv } from './support/der.mjs';

const hex = (s) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const bytes = (buf) => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
const concat = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** Asserts that `fn` throws WitkeyError INVALID_KEY (matching `match`) and nothing else. */
function rejects(fn, match) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, 'expected an error, but nothing was thrown');
  assert.ok(err instanceof WitkeyError, `expected a WitkeyError, got ${err?.stack ?? err}`);
  assert.equal(err.code, 'INVALID_KEY', err.message);
  if (match) assert.match(err.message, match);
  assert.doesNotMatch(err.message, /[0-9a-fA-F]{24,}|[A-Za-z0-9+/]{24,}/, `message may quote data: ${err.message}`);
  return err;
}
const parse = (b) => parseDer(b, 'test');

/** `depth` nested SEQUENCE headers, with correct lengths, around `inner` (built inside out in one pass). */
function nested(depth, inner = new Uint8Array(0)) {
  const headers = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const h = [0x30, ...derLength(len)];
    headers.push(h);
    len += h.length;
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    out.set(headers[i], o);
    o += headers[i].length;
  }
  out.set(inner, o);
  return out;
}

// ---- a DSA key pair from node:crypto (OpenSSL), in every input form ----
const pair = crypto.generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
const spkiDer = bytes(pair.publicKey.export({ type: 'spki', format: 'der' }));
const pkcs8Der = bytes(pair.privateKey.export({ type: 'pkcs8', format: 'der' }));
const key = importPrivateKey(pkcs8Der);
const { p, q, g } = key.domain;
const { y } = key.publicKey;
const x = BigInt('0x' + Buffer.from(readOctets(sequenceItems(parse(pkcs8Der), 't')[2], 't').subarray(2)).toString('hex'));
const traditionalDer = sequence(integer(0n), integer(p), integer(q), integer(g), integer(y), integer(x));

/**
 * An unsigned X.509 certificate outline around the SPKI (der.ts never checks the signature):
 * [0] version, serial, signature, issuer, validity, subject, SPKI, [3] extensions — here with
 * high-tag-number and private-class elements inside, which the walk must step over.
 */
function certificate(spki, { version = true, extra = [], signature = tlv(0x03, [0, 1, 2, 3]) } = {}) {
  const name = sequence(tlv(0x31, [...sequence(oid('2.5.4.3'), tlv(0x0c, [...Buffer.from('alipay test')]))]));
  const time = (s) => tlv(0x17, [...Buffer.from(s)]);
  const tbs = sequence(
    ...(version ? [tlv(0xa0, [...integer(2n)])] : []),
    integer(0x1234n),
    sequence(oid('2.16.840.1.101.3.4.3.2')),
    name,
    sequence(time('240101000000Z'), time('340101000000Z')),
    name,
    spki,
    ...extra,
  );
  return sequence(tbs, sequence(oid('2.16.840.1.101.3.4.3.2')), signature);
}

// ================================================================================================

describe('DER reader: the node tree', () => {
  test('class, constructed flag, tag, offsets, value views and children', () => {
    const der = hex('30 0a 02 01 05 a1 05 04 03 01 02 03');
    const root = parse(der);
    assert.deepEqual([root.cls, root.constructed, root.tag, root.start, root.end], [0, true, 16, 0, 12]);
    assert.equal(root.children.length, 2);
    const [n, ctx] = root.children;
    assert.deepEqual([n.cls, n.constructed, n.tag, n.start, n.end, [...n.value]], [0, false, 2, 2, 5, [5]]);
    assert.equal(n.children.length, 0);
    assert.deepEqual([ctx.cls, ctx.constructed, ctx.tag, ctx.start, ctx.end], [2, true, 1, 5, 12]);
    assert.deepEqual([...readOctets(ctx.children[0], 't')], [1, 2, 3]);
    assert.equal(ctx.children[0].value.buffer, der.buffer, 'values are views into the input, not copies');
    assert.deepEqual([...encodedBytes(ctx)], [...der.subarray(5)]);
    assert.equal(readSmallInt(n, 't'), 5);
  });

  test('empty input, truncation at every length, trailing data', () => {
    rejects(() => parse(new Uint8Array(0)), /empty DER/);
    const der = hex('30 06 02 01 05 04 01 ff');
    for (let n = 1; n < der.length; n++) rejects(() => parse(der.subarray(0, n)), /truncated DER/);
    rejects(() => parse(concat(der, [0])), /1 byte of trailing data after the DER structure \(at byte 8\)/);
    rejects(() => parse(concat(der, [0, 0])), /2 bytes of trailing data/);
  });

  test('indefinite length is refused (BER only), with or without end-of-contents octets', () => {
    rejects(() => parse(hex('30 80 02 01 00 00 00')), /not DER \(indefinite length at byte 0\)/);
    rejects(() => parse(hex('30 05 04 80 00 00 00')), /not DER \(indefinite length at byte 2\)/);
    // End-of-contents octets on their own (universal tag 0) are not a DER element either.
    rejects(() => parse(hex('00 00')), /not DER \(end-of-contents/);
    rejects(() => parse(hex('30 02 00 00')), /not DER \(end-of-contents/);
  });

  test('non-minimal lengths: long form below 128, leading zero length byte', () => {
    rejects(() => parse(hex('04 81 01 00')), /not DER \(non-minimal length encoding at byte 0\)/);
    rejects(() => parse(concat(hex('04 81 7f'), new Uint8Array(127))), /non-minimal length/);
    rejects(() => parse(concat(hex('04 82 00 80'), new Uint8Array(128))), /non-minimal length/);
    rejects(() => parse(concat(hex('04 83 00 01 00'), new Uint8Array(256))), /non-minimal length/);
    // The minimal forms of the same lengths are accepted.
    assert.equal(parse(concat(hex('04 81 80'), new Uint8Array(128))).value.length, 128);
    assert.equal(parse(concat(hex('04 82 01 00'), new Uint8Array(256))).value.length, 256);
    assert.equal(parse(concat(hex('04 7f'), new Uint8Array(127))).value.length, 127);
  });

  test('lengths of 5 or more bytes (and the reserved 0xff) are refused; 4-byte lengths past the end are truncation', () => {
    rejects(() => parse(hex('04 85 00 00 00 00 01 00')), /a 5-byte length at byte 0; at most 4/);
    rejects(() => parse(hex('04 88 01 00 00 00 00 00 00 00')), /a 8-byte length/);
    rejects(() => parse(hex('04 ff 00')), /a 127-byte length/);
    rejects(
      () => parse(hex('04 84 ff ff ff ff 00')),
      /truncated DER \(the element at byte 0 needs 4294967295 content bytes, 1 remain\)/,
    );
    rejects(() => parse(hex('04 84 01 00')), /truncated DER \(the header at byte 0 is incomplete\)/);
  });

  test('length past the end of the input', () => {
    rejects(() => parse(hex('04 05 01 02')), /truncated DER \(the element at byte 0 needs 5 content bytes, 2 remain\)/);
    rejects(() => parse(hex('30 03 02 01')), /truncated DER/);
  });

  test('nested lengths must fit their parent exactly', () => {
    // The child claims more than the parent holds (the bytes exist after the parent).
    rejects(() => parse(hex('30 03 04 03 01 02 03')), /the element at byte 2 runs past the end of the element enclosing it/);
    // The parent ends in the middle of a child's header.
    rejects(() => parse(hex('30 04 04 01 01 05 00')), /the header at byte 5 runs past the end of the element enclosing it/);
    rejects(() => parse(hex('30 01 04 00')), /the header at byte 2 runs past the end/);
    // The parent is shorter than its children: what is left over is trailing data.
    rejects(() => parse(hex('30 02 02 01 00')), /runs past the end of the element enclosing it/);
    rejects(() => parse(hex('30 03 02 01 00 02 01 00')), /trailing data/);
    // Deeper: an inner SEQUENCE whose child overruns it, though the outer one would hold it.
    rejects(() => parse(hex('30 08 30 03 04 03 01 02 03 00')), /element at byte 4 runs past the end/);
  });

  test(`depth limit: ${MAX_DEPTH} nested constructed elements are read, one more is refused`, () => {
    assert.equal(MAX_DEPTH, 32);
    let node = parse(nested(MAX_DEPTH, hex('02 01 07')));
    for (let i = 1; i < MAX_DEPTH; i++) node = node.children[0];
    assert.equal(readSmallInt(node.children[0], 't'), 7);
    rejects(() => parse(nested(MAX_DEPTH + 1)), /nested more than 32 levels deep/);
  });

  test('depth bomb: 10,000 nested SEQUENCE headers, well-formed or not, fail fast and cleanly', () => {
    const bomb = nested(10_000);
    const t = performance.now();
    rejects(() => parse(bomb), /nested more than 32 levels deep/);
    rejects(() => importPublicKey(bomb), /nested more than 32 levels deep/);
    rejects(() => importPrivateKey(Buffer.from(bomb).toString('base64')), /nested more than 32 levels deep/);
    // Indefinite-length nesting, the classic BER bomb.
    rejects(() => parse(new Uint8Array(20_000).map((_, i) => (i % 2 ? 0x80 : 0x30))), /indefinite length/);
    assert.ok(performance.now() - t < 500, 'no deep recursion or quadratic work');
  });

  test('high tag numbers: minimal multi-byte forms read, everything else refused', () => {
    let n = parse(hex('9f 1f 00'));
    assert.deepEqual([n.cls, n.constructed, n.tag], [2, false, 31]);
    n = parse(hex('bf 81 00 03 02 01 00'));
    assert.deepEqual([n.cls, n.constructed, n.tag, n.children.length], [2, true, 128, 1]);
    n = parse(hex('5f ff ff ff 7f 01 aa'));
    assert.deepEqual([n.cls, n.tag, [...n.value]], [1, 0x0fffffff, [0xaa]]);
    n = parse(hex('df 87 68 00'));
    assert.deepEqual([n.cls, n.tag], [3, 1000]);
    n = parse(hex('1f 40 00'));
    assert.deepEqual([n.cls, n.tag], [0, 64]);
    // Tag numbers below 31 must use the one-byte form.
    rejects(() => parse(hex('9f 1e 00')), /not DER \(tag number 30 in the long form at byte 0\)/);
    rejects(() => parse(hex('3f 10 00')), /tag number 16 in the long form/);
    // A leading 0x80 subidentifier byte is a non-minimal tag number.
    rejects(() => parse(hex('9f 80 1f 00')), /not DER \(non-minimal tag number at byte 0\)/);
    rejects(() => parse(hex('30 04 9f 80 7f 00')), /non-minimal tag number at byte 2/);
    // More than four base-128 bytes (≥ 2^28).
    rejects(() => parse(hex('9f 81 80 80 80 00 00')), /tag number too large/);
    // The identifier runs out.
    rejects(() => parse(hex('9f')), /truncated DER/);
    rejects(() => parse(hex('9f 81 81')), /truncated DER/);
    rejects(() => parse(hex('30 02 9f 81 00')), /runs past the end of the element enclosing it/);
  });

  test('the certificate walk finds the SPKI past high-tag-number and private-class elements', () => {
    // [3] { SEQUENCE { [128] { INTEGER 5 }, [PRIVATE 31], [APPLICATION 268435455] } }
    const odd = tlv(0xa3, [...sequence(hex('bf 81 00 03 02 01 05'), hex('df 1f 00'), hex('5f ff ff ff 7f 00'))]);
    for (const opts of [{}, { version: false }, { extra: [odd] }]) {
      const cert = certificate(spkiDer, opts);
      assert.equal(importPublicKey(cert).y, y);
      const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert).toString('base64')}\n-----END CERTIFICATE-----\n`;
      assert.equal(importPublicKey(pem).y, y);
    }
    // A non-minimal length anywhere in the certificate, even in a part never looked at, is refused.
    rejects(
      () => importPublicKey(certificate(spkiDer, { signature: hex('03 81 04 00 01 02 03') })),
      /not DER \(non-minimal length encoding/,
    );
  });
});

describe('DER reader: values', () => {
  const int = (h) => parse(hex(h));
  test('INTEGER: minimal encodings only, non-negative where unsigned', () => {
    assert.equal(readUnsigned(int('02 01 00'), 'x', 't'), 0n);
    assert.equal(readUnsigned(int('02 02 00 80'), 'x', 't'), 128n);
    assert.equal(readUnsigned(int('02 01 7f'), 'x', 't'), 127n);
    rejects(() => readUnsigned(int('02 02 00 7f'), 'x', 't'), /not DER \(INTEGER x has a redundant leading byte\)/);
    rejects(() => readUnsigned(int('02 03 00 00 80'), 'x', 't'), /redundant leading byte/);
    rejects(() => readUnsigned(int('02 02 ff 80'), 'x', 't'), /redundant leading byte/);
    rejects(() => readUnsigned(int('02 02 ff 7f'), 'x', 't'), /x is negative/);
    rejects(() => readUnsigned(int('02 00'), 'x', 't'), /INTEGER x has no content/);
    rejects(() => readUnsigned(int('22 03 02 01 01'), 'x', 't'), /expected INTEGER x, found INTEGER/);
    rejects(() => readUnsigned(int('04 01 01'), 'x', 't'), /expected INTEGER x, found OCTET STRING/);
    assert.equal(rejects(() => readUnsigned(int('02 02 00 01'), 'q', 't')).field, 'q');
    assert.equal(readSmallInt(int('02 01 00'), 't'), 0);
    assert.equal(readSmallInt(int('02 04 7f ff ff ff'), 't'), 0x7fffffff);
    assert.equal(readSmallInt(int('02 05 00 80 00 00 00'), 't'), undefined);
    assert.equal(readSmallInt(int('02 01 ff'), 't'), undefined);
    rejects(() => readSmallInt(int('02 02 00 00'), 't'), /redundant leading byte/);
  });

  test('OBJECT IDENTIFIER: dotted form, minimal subidentifiers, arcs of any size', () => {
    assert.equal(readOid(parse(hex('06 07 2a 86 48 ce 38 04 01')), 't'), '1.2.840.10040.4.1');
    assert.equal(readOid(parse(hex('06 03 88 37 03')), 't'), '2.999.3'); // first subidentifier 80 + 999
    assert.equal(readOid(parse(hex('06 01 00')), 't'), '0.0');
    assert.equal(readOid(parse(hex('06 01 4f')), 't'), '1.39');
    // 2.25.<a 128-bit UUID> (X.667).
    const uuid = 0xf81d4fae7dec11d0a76500a0c91e6bf6n;
    const arcs = [];
    for (let v = uuid; v > 0n; v >>= 7n) arcs.unshift(Number(v & 0x7fn) | (arcs.length ? 0x80 : 0));
    assert.equal(readOid(parse(tlv(0x06, [0x69, ...arcs])), 't'), `2.25.${uuid}`);
    rejects(() => readOid(parse(hex('06 03 2a 80 01')), 't'), /not DER \(OBJECT IDENTIFIER with a non-minimal subidentifier\)/);
    rejects(() => readOid(parse(hex('06 02 80 01')), 't'), /non-minimal subidentifier/);
    rejects(() => readOid(parse(hex('06 02 2a 86')), 't'), /malformed OBJECT IDENTIFIER/);
    rejects(() => readOid(parse(hex('06 00')), 't'), /malformed OBJECT IDENTIFIER/);
    rejects(() => readOid(parse(hex('26 03 06 01 2a')), 't'), /OBJECT IDENTIFIER must use the primitive encoding/);
  });

  test('OBJECT IDENTIFIER property: readOid inverts an independent encoder', () => {
    const arc = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const oidText = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 8 }))
      .map(([a, b, rest]) => [a, b, ...rest].join('.'));
    fc.assert(
      fc.property(oidText, (text) => readOid(parse(oid(text)), 't') === text),
      { numRuns: 500 },
    );
  });

  test('BIT STRING and OCTET STRING: primitive, no unused bits', () => {
    assert.deepEqual([...readBitString(parse(hex('03 03 00 0a 0b')), 't')], [0x0a, 0x0b]);
    assert.deepEqual([...readBitString(parse(hex('03 01 00')), 't')], []);
    rejects(() => readBitString(parse(hex('03 02 01 0a')), 't'), /BIT STRING has 1 unused bits, expected 0/);
    rejects(() => readBitString(parse(hex('03 00')), 't'), /BIT STRING has no content/);
    rejects(() => readBitString(parse(hex('23 04 03 02 00 0a')), 't'), /BIT STRING must use the primitive encoding/);
    rejects(() => readOctets(parse(hex('24 03 04 01 0a')), 't'), /OCTET STRING must use the primitive encoding/);
    rejects(() => sequenceItems(parse(hex('10 00')), 't'), /SEQUENCE must use the constructed encoding/);
    rejects(() => sequenceItems(parse(hex('a0 00')), 't'), /expected SEQUENCE, found \[0\]/);
    rejects(() => sequenceItems(parse(hex('7f 21 00')), 't'), /expected SEQUENCE, found \[APPLICATION 33\]/);
    rejects(() => sequenceItems(parse(hex('c1 00')), 't'), /expected SEQUENCE, found \[PRIVATE 1\]/);
  });
});

// ---- fuzzing ----

/** Re-encodes a parsed tree, giving the element numbered `target` (pre-order) a BER-only variant. */
function reencode(root, target, variant) {
  let index = 0;
  const walk = (node) => {
    const mine = index++ === target;
    const idByte = (node.cls << 6) | (node.constructed ? 0x20 : 0) | node.tag; // key structures: low tags only
    let content = node.constructed ? node.children.flatMap((c) => walk(c)) : [...node.value];
    if (mine && variant === 'pad-integer' && node.cls === 0 && node.tag === 2)
      content = [content[0] & 0x80 ? 0xff : 0x00, ...content];
    const len = derLength(content.length);
    if (!mine || variant === 'pad-integer') return [idByte, ...len, ...content];
    switch (variant) {
      case 'long-length': // one more length byte than needed: 0x81 0x05, or 0x82 0x00 0x85, …
        return [
          idByte,
          0x80 | (len.length === 1 ? 1 : len.length),
          ...(len.length === 1 ? len : [0, ...len.slice(1)]),
          ...content,
        ];
      case 'indefinite':
        return node.constructed ? [idByte, 0x80, ...content, 0, 0] : [idByte | 0x20, 0x80, idByte, ...len, ...content, 0, 0];
      case 'high-tag': // the same tag number in the (non-minimal) multi-byte form
        return [(idByte & 0xe0) | 0x1f, node.tag, ...len, ...content];
      default:
        throw new Error(variant);
    }
  };
  return Uint8Array.from(walk(root));
}
function count(node) {
  return 1 + node.children.reduce((s, c) => s + count(c), 0);
}

/** Imports `input` with `fn`; a WitkeyError or a key whose DER export is exactly `input`, nothing else. */
function keyOrError(input, importFn, exportFn) {
  let k;
  try {
    k = importFn(input);
  } catch (e) {
    assert.ok(e instanceof WitkeyError, `not a WitkeyError: ${e?.stack ?? e}`);
    // ENCRYPTED_KEY: a SEQUENCE { SEQUENCE, OCTET STRING } has the outline of an encrypted key.
    assert.ok(['INVALID_KEY', 'UNSUPPORTED_KEY_SIZE', 'ENCRYPTED_KEY'].includes(e.code), `${e.code}: ${e.message}`);
    assert.doesNotMatch(e.message, /[0-9a-fA-F]{24,}|[A-Za-z0-9+/]{24,}/);
    return false;
  }
  assert.deepEqual(exportFn(k), input, 'an accepted key is exactly the DER that is exported back');
  return true;
}
const exportSpki = (k) => exportPublicKey(k, { format: 'spki-der' });
const exportPkcs8 = (k) => exportPrivateKey(k, { format: 'pkcs8-der' });

describe('fuzzing (fast-check): WitkeyError or the correct key, nothing else', () => {
  test('the reference keys round-trip (the fuzz baseline)', () => {
    assert.ok(keyOrError(spkiDer, importPublicKey, exportSpki));
    assert.ok(keyOrError(pkcs8Der, importPrivateKey, exportPkcs8));
    assert.equal(importPrivateKey(traditionalDer).publicKey.y, y);
  });

  test('random bytes: the reader and both imports', () => {
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => {
        b[0] = 0x30;
        return b;
      }),
      // Random small trees of plausible tags, so that the fuzz gets past the outer header.
      fc
        .array(fc.tuple(fc.constantFrom(0x02, 0x03, 0x04, 0x05, 0x06, 0x30, 0xa0, 0x1f, 0x80), fc.uint8Array({ maxLength: 6 })), {
          maxLength: 6,
        })
        .map((els) => {
          const body = els.flatMap(([t, c]) => [t, c.length, ...c]);
          return Uint8Array.from([0x30, ...derLength(body.length), ...body]);
        }),
    );
    fc.assert(
      fc.property(anyBytes, (b) => {
        try {
          const node = parse(b);
          assert.equal(node.end, b.length);
          // Accepted trees tile their input exactly.
          const tiles = (n) => {
            let pos = n.end - n.value.length;
            for (const c of n.children) {
              assert.equal(c.start, pos);
              pos = c.end;
              tiles(c);
            }
            if (n.constructed) assert.equal(pos, n.end);
          };
          tiles(node);
        } catch (e) {
          assert.ok(e instanceof WitkeyError && e.code === 'INVALID_KEY', `parseDer: ${e?.stack ?? e}`);
        }
        keyOrError(b, importPublicKey, exportSpki);
        keyOrError(b, importPrivateKey, exportPkcs8);
      }),
      { numRuns: 3000 },
    );
  });

  const mutation = (der) =>
    fc.oneof(
      // Change 1–4 bytes.
      fc
        .array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
        .map((edits) => {
          const c = der.slice();
          for (const [i, v] of edits) c[i] ^= v;
          return c;
        }),
      // Insert or delete a few bytes somewhere, or truncate.
      fc
        .tuple(fc.nat(der.length), fc.uint8Array({ minLength: 1, maxLength: 3 }))
        .map(([i, ins]) => concat(der.subarray(0, i), ins, der.subarray(i))),
      fc
        .tuple(fc.nat(der.length - 1), fc.integer({ min: 1, max: 3 }))
        .map(([i, n]) => concat(der.subarray(0, i), der.subarray(i + n))),
      fc.nat(der.length - 1).map((n) => der.slice(0, n)),
    );

  test('mutations of a valid SPKI, PKCS#8, traditional key and certificate', () => {
    const cert = certificate(spkiDer);
    let accepted = 0;
    fc.assert(
      fc.property(mutation(spkiDer), (b) => void (accepted += keyOrError(b, importPublicKey, exportSpki))),
      { numRuns: 1500 },
    );
    assert.equal(accepted, 0, 'no mutation of a public key is another valid DER key');
    // PKCS#8 carries no y, so a change inside x can give another valid key (checked to be exactly
    // the DER its export writes); the domain parameters cannot change.
    fc.assert(
      fc.property(mutation(pkcs8Der), (b) => {
        if (keyOrError(b, importPrivateKey, exportPkcs8)) assert.deepEqual(importPrivateKey(b).domain, key.domain);
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(mutation(traditionalDer), (b) => {
        try {
          const k = importPrivateKey(b);
          // The only traditional encoding of a key is this one.
          assert.deepEqual(b, sequence(integer(0n), ...[k.domain.p, k.domain.q, k.domain.g, k.publicKey.y, x].map(integer)));
        } catch (e) {
          assert.ok(e instanceof WitkeyError, `not a WitkeyError: ${e?.stack ?? e}`);
        }
      }),
      { numRuns: 800 },
    );
    fc.assert(
      fc.property(mutation(cert), (b) => {
        try {
          assert.equal(importPublicKey(b).y, y, 'a mutated certificate either fails or still carries the same key');
        } catch (e) {
          assert.ok(e instanceof WitkeyError, `not a WitkeyError: ${e?.stack ?? e}`);
        }
      }),
      { numRuns: 800 },
    );
  });

  test('BER-only re-encodings of any element of a valid key are refused as not DER', () => {
    const cases = [
      [spkiDer, importPublicKey],
      [pkcs8Der, importPrivateKey],
      [traditionalDer, importPrivateKey],
    ];
    for (const [der] of cases) assert.deepEqual(reencode(parse(der), -1, 'none'), der, 'the re-encoder is faithful');
    const variant = fc.constantFrom('long-length', 'indefinite', 'high-tag', 'pad-integer');
    fc.assert(
      fc.property(fc.nat(cases.length - 1), fc.nat(1000), variant, (c, t, v) => {
        const [der, importFn] = cases[c];
        const root = parse(der);
        const target = t % count(root);
        const ber = reencode(root, target, v);
        if (v === 'pad-integer' && ber.length === der.length) return; // the target was not an INTEGER
        // A non-0x30 first byte makes the input not DER bytes at all: refused earlier, differently.
        rejects(() => importFn(ber), v === 'high-tag' && target === 0 ? undefined : /not DER/);
      }),
      { numRuns: 600 },
    );
  });
});
