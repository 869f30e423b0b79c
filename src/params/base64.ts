/**
 * Standard padded base64 (RFC 4648 §4) over `btoa`/`atob`, strict on input: only the standard
 * alphabet, length a multiple of 4, padding only at the end, no whitespace.
 * @module
 */

/** @internal */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(s);
}

const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** @internal Decodes strict base64, or returns undefined. Rejects non-zero padding bits too. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !STRICT.test(text)) return undefined;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  // Canonical encoding only: re-encoding must give the same text (no non-zero padding bits).
  return toBase64(out) === text ? out : undefined;
}
