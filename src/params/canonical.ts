/**
 * The gateway's canonical string (PROTOCOL.md §4 steps 1–3): every parameter except `sign` and
 * `sign_type`, empty values dropped, names sorted by UTF-16 code unit (never locale collation), joined
 * as `name=value` with `&`, values raw (not URL-encoded, not quoted).
 * @module
 */
import { WitkeyError } from '../errors.js';

/** A parameter map as sent or received: absent and empty values are not signed. */
export type Params = Readonly<Record<string, string | undefined>>;

/** @internal The signed (name, value) pairs in canonical order. */
export function signedEntries(params: Params): Array<[string, string]> {
  if (params === null || typeof params !== 'object') {
    throw new WitkeyError('ILLEGAL_ARGUMENT', 'params must be an object of strings', { field: 'params' });
  }
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(params)) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `${name}: value must be a string, got ${typeof value}`, { field: name });
    }
    if (name === 'sign' || name === 'sign_type' || value === '') continue;
    out.push([name, value]);
  }
  // Default sort compares UTF-16 code units: byte order for the ASCII names the gateway uses.
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Builds the string the gateway signs.
 * @example
 * canonicalize({ service: 'x', partner: '2088101115793868', sign: '…', sign_type: 'DSA', empty: '' });
 * // 'partner=2088101115793868&service=x'
 */
export function canonicalize(params: Params): string {
  return signedEntries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
