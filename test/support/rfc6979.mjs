// An independent reference of RFC 6979 §3.2 nonce generation (with the optional additional data
// k' of §3.6), on node:crypto HMAC and plain BigInt, written from the RFC text. Used to check the
// library's hedged mode, which no published vector covers; checked itself against the RFC's own k.
import { createHmac } from 'node:crypto';
import { bitLen, bytesToHex, toBytes } from './util.mjs';

const OUTLEN = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

function bits2int(bytes, qlen) {
  const v = bytes.length ? BigInt('0x' + bytesToHex(bytes)) : 0n;
  const blen = bytes.length * 8;
  return blen > qlen ? v >> BigInt(blen - qlen) : v;
}

/** The first nonce k of RFC 6979 §3.2 for key (q, x), hash name and hash value h1, and extra data. */
export function rfc6979Nonce({ q, x, hash, h1, extra = new Uint8Array(0) }) {
  const qlen = bitLen(q);
  const rlen = Math.ceil(qlen / 8);
  const hmac = (key, ...parts) => {
    const m = createHmac(hash, key);
    for (const p of parts) m.update(Uint8Array.from(p));
    return new Uint8Array(m.digest());
  };
  const int2octets = (v) => toBytes(v, rlen);
  const bits2octets = (b) => {
    const z1 = bits2int(b, qlen);
    const z2 = z1 >= q ? z1 - q : z1;
    return int2octets(z2);
  };
  const hlen = OUTLEN[hash];
  let V = new Uint8Array(hlen).fill(0x01); // step b
  let K = new Uint8Array(hlen).fill(0x00); // step c
  K = hmac(K, V, [0x00], int2octets(x), bits2octets(h1), extra); // step d
  V = hmac(K, V); // step e
  K = hmac(K, V, [0x01], int2octets(x), bits2octets(h1), extra); // step f
  V = hmac(K, V); // step g
  for (;;) {
    // step h
    let T = new Uint8Array(0);
    while (T.length * 8 < qlen) {
      V = hmac(K, V);
      T = Uint8Array.from([...T, ...V]);
    }
    const k = bits2int(T, qlen);
    if (k >= 1n && k < q) return k;
    K = hmac(K, V, [0x00]);
    V = hmac(K, V);
  }
}
