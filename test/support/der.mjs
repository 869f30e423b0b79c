// A tiny DER writer for the tests: just enough to build a DSA SubjectPublicKeyInfo (so that
// node:crypto / OpenSSL can check our signatures independently) and hand-made signature encodings.
// Written from X.690 and RFC 3279 §2.3.2 / §2.3.3; deliberately independent of src/.

/** DER length octets (definite, minimal). */
export function derLength(len) {
  if (len < 0x80) return [len];
  const bytes = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** TLV with the given tag byte and content bytes. */
export function tlv(tag, content) {
  return Uint8Array.from([tag, ...derLength(content.length), ...content]);
}

/** Unsigned bigint → minimal two's-complement content octets of a non-negative INTEGER. */
export function integerContent(n) {
  if (n < 0n) throw new RangeError('integerContent: negative');
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const bytes = hex.match(/../g).map((h) => parseInt(h, 16));
  if (bytes[0] & 0x80) bytes.unshift(0);
  return bytes;
}

export const integer = (n) => tlv(0x02, integerContent(n));
export const sequence = (...parts) =>
  tlv(
    0x30,
    parts.flatMap((p) => [...p]),
  );
export const bitString = (bytes) => tlv(0x03, [0, ...bytes]);

/** OBJECT IDENTIFIER from dotted text. */
export function oid(text) {
  const arcs = text.split('.').map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const b = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, out);
}

/** id-dsa (RFC 3279 §2.3.2). */
export const ID_DSA = '1.2.840.10040.4.1';

/** SubjectPublicKeyInfo DER for a DSA public key {p, q, g, y} (all bigint). */
export function dsaSpki({ p, q, g, y }) {
  const algorithm = sequence(oid(ID_DSA), sequence(integer(p), integer(q), integer(g)));
  return sequence(algorithm, bitString(integer(y)));
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }`. */
export const derSignature = (r, s) => sequence(integer(r), integer(s));

export const octetString = (bytes) => tlv(0x04, [...bytes]);

/** PKCS#8 PrivateKeyInfo DER for a DSA private key {p, q, g, x} (RFC 5958 / RFC 3279: x as INTEGER). */
export function dsaPkcs8({ p, q, g, x }) {
  const algorithm = sequence(oid(ID_DSA), sequence(integer(p), integer(q), integer(g)));
  return sequence(integer(0n), algorithm, octetString(integer(x)));
}
