/**
 * The `sign` parameter's base64: standard padded base64 (RFC 4648 §4), strict on input: only the
 * standard alphabet, length a multiple of 4, padding only at the end, no whitespace (unlike PEM
 * bodies, which src/keys/base64.ts reads). Encoding is shared with the key code.
 * @module
 */
import { encodeBase64 } from '../keys/base64.js';

/** @internal */
export const toBase64: (bytes: Uint8Array) => string = encodeBase64;

const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** @internal Decodes strict base64, or returns undefined. Rejects non-zero padding bits too. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !STRICT.test(text)) return undefined;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  // Canonical encoding only: re-encoding must give the same text (no non-zero padding bits).
  return encodeBase64(out) === text ? out : undefined;
}
