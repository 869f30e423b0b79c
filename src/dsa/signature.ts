/**
 * DSA signature encodings: strict DER `SEQUENCE { INTEGER r, INTEGER s }` and IEEE P1363 `r || s`.
 *
 * The DER parser is strict on purpose (lenient parsers are how jsrsasign accepts forged signatures):
 * definite minimal lengths, INTEGER tags only, no leading zero bytes beyond the sign byte, no
 * negative numbers, no trailing data. It returns `undefined` instead of throwing, since `verify`
 * answers `false` for any malformed signature.
 * @module
 */
import { bigIntToBytes, bigIntToMinimalBytes, bytesToBigInt } from './arith.js';

/** Signature encodings. */
export type SignatureFormat = 'der' | 'p1363';

function derLength(len: number): number[] {
  if (len < 0x80) return [len];
  if (len < 0x100) return [0x81, len];
  return [0x82, len >> 8, len & 0xff];
}

function derInteger(n: bigint): Uint8Array {
  const b = bigIntToMinimalBytes(n);
  const pad = b[0]! & 0x80 ? 1 : 0; // a zero byte keeps the INTEGER non-negative
  const len = derLength(b.length + pad);
  const out = new Uint8Array(1 + len.length + pad + b.length);
  out[0] = 0x02;
  out.set(len, 1);
  out.set(b, 1 + len.length + pad);
  return out;
}

/** DER-encodes (r, s). */
export function encodeDer(r: bigint, s: bigint): Uint8Array {
  // Typed arrays rather than spread number arrays: several times faster, on every signature.
  const ri = derInteger(r);
  const si = derInteger(s);
  const len = derLength(ri.length + si.length);
  const out = new Uint8Array(1 + len.length + ri.length + si.length);
  out[0] = 0x30;
  out.set(len, 1);
  out.set(ri, 1 + len.length);
  out.set(si, 1 + len.length + ri.length);
  return out;
}

/** P1363-encodes (r, s), each left-padded to the byte length of q. */
export function encodeP1363(r: bigint, s: bigint, qBytes: number): Uint8Array {
  const out = new Uint8Array(qBytes * 2);
  out.set(bigIntToBytes(r, qBytes), 0);
  out.set(bigIntToBytes(s, qBytes), qBytes);
  return out;
}

/** Reads a minimal definite length at `pos`; returns [length, next position] or undefined. */
function readLength(b: Uint8Array, pos: number): [number, number] | undefined {
  if (pos >= b.length) return undefined;
  const first = b[pos]!;
  if (first < 0x80) return [first, pos + 1];
  const n = first & 0x7f;
  // 0x80 is indefinite (BER only); more than 2 length bytes is never needed for a DSA signature.
  if (n === 0 || n > 2 || pos + 1 + n > b.length) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[pos + 1 + i]!;
  // Minimal: the long form only for ≥ 128, and no leading zero length byte.
  if (len < 0x80 || b[pos + 1]! === 0) return undefined;
  return [len, pos + 1 + n];
}

function readInteger(b: Uint8Array, pos: number, end: number): [bigint, number] | undefined {
  if (pos >= end || b[pos] !== 0x02) return undefined;
  const l = readLength(b, pos + 1);
  if (!l) return undefined;
  const [len, start] = l;
  if (len === 0 || start + len > end) return undefined;
  const first = b[start]!;
  if (first & 0x80) return undefined; // negative
  if (first === 0 && len > 1 && !(b[start + 1]! & 0x80)) return undefined; // non-minimal leading zero
  return [bytesToBigInt(b.subarray(start, start + len)), start + len];
}

/** Parses a strict DER signature; `undefined` if it is malformed in any way. */
export function decodeDer(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (!(sig instanceof Uint8Array) || sig.length < 8 || sig[0] !== 0x30) return undefined;
  const l = readLength(sig, 1);
  if (!l) return undefined;
  const [len, start] = l;
  if (start + len !== sig.length) return undefined; // trailing data or truncated
  const r = readInteger(sig, start, sig.length);
  if (!r) return undefined;
  const s = readInteger(sig, r[1], sig.length);
  if (!s || s[1] !== sig.length) return undefined;
  return { r: r[0], s: s[0] };
}

/** Parses a P1363 signature of exactly 2 × byte length of q; `undefined` otherwise. */
export function decodeP1363(sig: Uint8Array, qBytes: number): { r: bigint; s: bigint } | undefined {
  if (!(sig instanceof Uint8Array) || sig.length !== qBytes * 2) return undefined;
  return { r: bytesToBigInt(sig.subarray(0, qBytes)), s: bytesToBigInt(sig.subarray(qBytes)) };
}
