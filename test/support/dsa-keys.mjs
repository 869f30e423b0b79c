// Test helper: DSA keys from OpenSSL (node:crypto) imported into this library by their components,
// and SPKI DER built by hand from this library's public key, so that OpenSSL can verify our
// signatures with a key object made from *our* p, q, g, y. (Used until the key import of the `keys`
// branch is merged; it needs no code from src/.)
import crypto from 'node:crypto';

function readTlv(b, pos) {
  const tag = b[pos];
  let len = b[pos + 1];
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[pos + 2 + i];
    hdr += n;
  }
  return { tag, start: pos + hdr, end: pos + hdr + len };
}
const children = (b, tlv) => {
  const out = [];
  for (let p = tlv.start; p < tlv.end; ) {
    const c = readTlv(b, p);
    out.push(c);
    p = c.end;
  }
  return out;
};
const int = (b, tlv) => BigInt('0x' + (Buffer.from(b.subarray(tlv.start, tlv.end)).toString('hex') || '0'));

/** Generates a DSA key pair with OpenSSL and returns its components and the node KeyObjects. */
export function opensslDsa(modulusLength = 1024, divisorLength = 160) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('dsa', { modulusLength, divisorLength });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { oid, Dss-Parms { p, q, g } }, OCTET STRING { INTEGER x } }
  const top = children(der, readTlv(der, 0));
  const alg = children(der, top[1]);
  const [p, q, g] = children(der, alg[1]).map((t) => int(der, t));
  const x = int(der, readTlv(der, top[2].start));
  return { p, q, g, x, nodePrivate: privateKey, nodePublic: publicKey };
}

function derLen(n) {
  if (n < 0x80) return [n];
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag, body) => [tag, ...derLen(body.length), ...body];
function derInt(v) {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const b = [...Buffer.from(hex, 'hex')];
  if (b[0] & 0x80) b.unshift(0);
  return tlv(0x02, b);
}

/** SubjectPublicKeyInfo DER for a DSA public key (OID 1.2.840.10040.4.1). */
export function spkiDer({ p, q, g, y }) {
  const oid = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
  const alg = tlv(0x30, [...oid, ...tlv(0x30, [...derInt(p), ...derInt(q), ...derInt(g)])]);
  const bits = tlv(0x03, [0x00, ...derInt(y)]);
  return Buffer.from(tlv(0x30, [...alg, ...bits]));
}

/** A node:crypto public KeyObject for this library's DsaPublicKey. */
export function nodePublicKeyOf(pub) {
  return crypto.createPublicKey({ key: spkiDer({ ...pub.domain, y: pub.y }), format: 'der', type: 'spki' });
}
