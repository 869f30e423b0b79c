/**
 * The canonical string the signature covers (docs/PROTOCOL.md §4 steps 1–3): every parameter except `sign`
 * and `sign_type`, empty values dropped, names sorted by UTF-16 code unit (never locale collation;
 * byte order for the ASCII names of the protocol), joined as `name=value` with `&`, values raw (not
 * URL-encoded, not quoted). Built three ways from the one rule: from a string map to be signed
 * ({@link signedEntries}, {@link canonicalize}), from a form as received, over its raw
 * percent-decoded value bytes ({@link rawCanonicalBytes}), and streamed into a hash in one pass
 * ({@link CanonicalStream}).
 *
 * Not the charset step (src/params/sign.ts encodes a string map's canonical string in
 * `_input_charset`) and not the signature itself.
 * Internal: not a package export (`alipay-witkey/params` re-exports {@link canonicalize}).
 * @module
 */
import { WitkeyError } from '../errors.js';

/** A parameter map as sent or received: absent and empty values are not signed. */
export type Params = Readonly<Record<string, string | undefined>>;

/** A received form: raw percent-decoded value bytes by (ASCII) field name. */
export type RawFields = ReadonlyMap<string, Uint8Array>;

/** Whether a parameter of this name is covered by the signature when its value is not empty. */
export function isSigned(name: string): boolean {
  return name !== 'sign' && name !== 'sign_type';
}

/** The canonical order of names: code-unit order, never locale collation. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The signed (name, value) pairs of a string map in canonical order.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` for a map that is not an object or a value that is not a string.
 */
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
    if (!isSigned(name) || value === '') continue;
    out.push([name, value]);
  }
  return out.sort((a, b) => byCodeUnit(a[0], b[0]));
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

/** Writes an ASCII name's bytes at `o`; returns the offset after it. */
function nameInto(name: string, out: Uint8Array, o: number): number {
  for (let k = 0; k < name.length; k++) out[o++] = name.charCodeAt(k);
  return o;
}

/**
 * The canonical bytes of a received form built from the raw values, never decoded to text and
 * re-encoded: what is verified on a partner's request (gateway) and on a notification (partner).
 */
export function rawCanonicalBytes(form: RawFields): Uint8Array {
  const entries = [...form].filter(([n, v]) => isSigned(n) && v.length > 0).sort((a, b) => byCodeUnit(a[0], b[0]));
  let total = 0;
  for (const [n, v] of entries) total += n.length + 1 + v.length + 1;
  const out = new Uint8Array(Math.max(0, total - 1));
  let o = 0;
  entries.forEach(([n, v], i) => {
    if (i > 0) out[o++] = 0x26;
    o = nameInto(n, out, o);
    out[o++] = 0x3d;
    out.set(v, o);
    o += v.length;
  });
  return out;
}

const AMP = /* @__PURE__ */ new Uint8Array([0x26]);

/**
 * The canonical bytes of a received form fed to `update` (a hash) in one pass, when one field's value
 * streams and the others are held whole: first the held fields that sort before the streamed one
 * ({@link held} with `before`), then the streamed field ({@link begin} on its first value byte, then
 * {@link value}), then the held fields after it ({@link held} with `after`). The bytes fed are
 * exactly {@link rawCanonicalBytes} of the whole form.
 */
export class CanonicalStream {
  private any = false;

  constructor(private readonly update: (bytes: Uint8Array) => void) {}

  /**
   * Feeds the held fields that are signed, not empty and sort strictly after `after` and before
   * `before` (a bound left undefined is open), in canonical order. A field still undefined is skipped.
   */
  held(fields: ReadonlyMap<string, Uint8Array | undefined>, after?: string, before?: string): void {
    for (const n of [...fields.keys()].sort(byCodeUnit)) {
      const v = fields.get(n);
      if (!v || v.length === 0 || !isSigned(n)) continue;
      if ((after !== undefined && byCodeUnit(n, after) <= 0) || (before !== undefined && byCodeUnit(n, before) >= 0)) continue;
      this.begin(n);
      this.update(v);
    }
  }

  /** Starts a field: `&` unless first, then `name=`. Call it once the value is known not to be empty. */
  begin(name: string): void {
    const head = new Uint8Array(name.length + 1);
    head[nameInto(name, head, 0)] = 0x3d;
    if (this.any) this.update(AMP);
    this.update(head);
    this.any = true;
  }

  /** The next bytes of the field begun last. */
  value(bytes: Uint8Array): void {
    this.update(bytes);
  }
}
