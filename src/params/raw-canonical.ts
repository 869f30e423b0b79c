/**
 * The canonical string of PROTOCOL.md §4 built from a form **as received**: raw percent-decoded
 * value bytes, never decoded to text and re-encoded. Used wherever a received form's signature is
 * checked — the gateway simulator on a partner's request, the partner on a notification.
 * @module
 */

/** @internal A received form: raw percent-decoded value bytes by (ASCII) field name. */
export type RawFields = ReadonlyMap<string, Uint8Array>;

/**
 * @internal The canonical bytes of a received form (PROTOCOL.md §4) built from the raw values: every
 * parameter except `sign`/`sign_type`, empty ones dropped, sorted by name, `name=value` joined by `&`.
 */
export function rawCanonicalBytes(form: RawFields): Uint8Array {
  const entries = [...form].filter(([n, v]) => n !== 'sign' && n !== 'sign_type' && v.length > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0;
  for (const [n, v] of entries) total += n.length + 1 + v.length + 1;
  const out = new Uint8Array(Math.max(0, total - 1));
  let o = 0;
  entries.forEach(([n, v], i) => {
    if (i > 0) out[o++] = 0x26;
    for (let k = 0; k < n.length; k++) out[o++] = n.charCodeAt(k);
    out[o++] = 0x3d;
    out.set(v, o);
    o += v.length;
  });
  return out;
}

