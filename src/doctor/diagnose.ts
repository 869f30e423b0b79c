/**
 * The signature doctor: says why a signature does not verify. It first verifies exactly as
 * docs/PROTOCOL.md §4 says (raw percent-decoded bytes, canonical order, `sign`/`sign_type` left out,
 * empty values dropped, SHA1withDSA, DER); if that fails it rebuilds the signed bytes, hash,
 * signature encoding or key the way each known mistake would, one variant at a time, and names a
 * mistake only when its variant verifies. Web APIs only.
 *
 * The protocol's rules are reused from src/wire (canonical bytes, form parsing, signature fields,
 * base64) and src/dsa/verify; the variants are deliberate departures from them.
 * @module
 */
import { decode, encode, loadCharset } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import type { DsaHashName } from '../dsa/hash.js';
import { type DsaPublicKey, isDsaPublicKey } from '../dsa/key.js';
import type { SignatureFormat } from '../dsa/signature.js';
import { verify } from '../dsa/verify.js';
import { WitkeyError } from '../errors.js';
import { importPublicKey } from '../keys/import-public.js';
import { formCharset } from '../notify/source.js';
import { DIALECTS, decodeDetail, encodeDetail } from '../params/detail.js';
import { fromBase64 } from '../wire/base64.js';
import { asciiBytes, concat, hex, latin1 } from '../wire/bytes.js';
import { byCodeUnit, isSigned, rawCanonicalBytes } from '../wire/canonical.js';
import { signatureOf } from '../wire/signed-form.js';
import { duplicateField, parseFormBytes } from '../wire/urlencoded.js';

/** Why a signature does (`OK`) or does not verify; every code but `OK` and `UNKNOWN` names a variant that verified. */
export type DiagnosisCause =
  | 'OK'
  | 'CHARSET_MISMATCH'
  | 'SIGN_TYPE_SIGNED'
  | 'EMPTY_VALUE_SIGNED'
  | 'DOUBLE_DECODED'
  | 'PLUS_AS_SPACE'
  | 'VALUE_TRIMMED'
  | 'WRONG_KEY'
  | 'HASH_MISMATCH'
  | 'SIGNATURE_FORMAT'
  | 'DIALECT'
  | 'UNKNOWN';

/** A public key as a {@link DsaPublicKey}, or PEM / DER / one-line base64 that `importPublicKey` reads. */
export type DoctorKey = DsaPublicKey | string | Uint8Array;

/** Options of {@link diagnoseSignature}. */
export interface DiagnoseOptions {
  /** The key the signature should verify with (Alipay's, for return and notify data). */
  publicKey: DoctorKey;
  /** Other candidate keys (e.g. the partner's own), optionally labelled so the message can name them. */
  otherKeys?: ReadonlyArray<DoctorKey | { key: DoctorKey; label?: string }>;
  /** The body's `Content-Type` header: its `charset=` names the charset of the body. */
  contentType?: string;
  /** The charset of the values (wins over `contentType` and the `_input_charset` field). Default: `contentType`'s, else `_input_charset`, else `utf-8`. */
  charset?: Charset | string;
}

/** What {@link diagnoseSignature} found. */
export interface Diagnosis {
  /** True only when the signature verifies as sent, by the protocol's rules, with `publicKey`. */
  verified: boolean;
  /** `OK`, the mistake whose variant verified, or `UNKNOWN`. */
  cause: DiagnosisCause;
  /** One sentence for a person: what is wrong and what to change. */
  message: string;
  /** The canonical string that verified (a variant's) or, when nothing did, the protocol's. Non-ASCII shown as decoded in `charset`. */
  canonical: string;
  /** Lower-case hex of the bytes of `canonical` that were verified. */
  signedBytes: string;
  /** The charset of `signedBytes`. */
  charset: Charset;
  /** The variant that verified, e.g. `charset:utf-8`, `hash:sha256`, `key:partner public key`; `protocol` for OK; absent for UNKNOWN. */
  variant?: string;
  /** The hash of the check reported. */
  hash: DsaHashName;
  /** The signature encoding of the check reported. */
  format: SignatureFormat;
  /** The parameters the variant changed (e.g. the trimmed or double-decoded ones). */
  fields?: string[];
  /** For WRONG_KEY: the label of the key that verified. */
  keyLabel?: string;
  /** How many checks were made, the protocol's included. */
  tried: number;
}

interface Check {
  cause: DiagnosisCause;
  variant: string;
  bytes: Uint8Array;
  charset: Charset;
  hash: DsaHashName;
  format: SignatureFormat;
  key: DsaPublicKey;
  keyLabel?: string;
  fields?: string[];
  message: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const TEXT_ENCODER = /* @__PURE__ */ new TextEncoder();

function keyOf(k: DoctorKey, field: string): DsaPublicKey {
  if (isDsaPublicKey(k)) return k;
  if (typeof k === 'string' || k instanceof Uint8Array) {
    try {
      return importPublicKey(k);
    } catch (e) {
      if (e instanceof WitkeyError) throw new WitkeyError(e.code, `${field}: ${e.message}`, { field, cause: e });
      throw e;
    }
  }
  throw new WitkeyError('INVALID_KEY', `${field} must be a DsaPublicKey, or a PEM/DER public key`, { field });
}

/** The input as raw (name, value bytes) fields in order, or the string map when a map was given. */
function readFields(input: unknown): { raw?: Map<string, Uint8Array>; map?: Map<string, string> } {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    let body: Uint8Array;
    try {
      body = typeof input === 'string' ? asciiBytes(input) : input;
    } catch (e) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `the body is not urlencoded: ${(e as Error).message}`, {
        field: 'input',
        cause: e,
      });
    }
    const raw = new Map<string, Uint8Array>();
    let pairs: Array<[Uint8Array, Uint8Array]>;
    try {
      pairs = parseFormBytes(body);
    } catch (e) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `the body is not urlencoded: ${(e as Error).message}`, {
        field: 'input',
        cause: e,
      });
    }
    for (const [n, v] of pairs) {
      const name = latin1(n);
      if (!NAME.test(name)) {
        throw new WitkeyError(
          'ILLEGAL_ARGUMENT',
          `the body is not urlencoded name=value pairs: field name ${JSON.stringify(name.slice(0, 40))} is not a parameter name`,
          { field: 'input' },
        );
      }
      if (raw.has(name)) throw duplicateField(name);
      raw.set(name, v);
    }
    return { raw };
  }
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const map = new Map<string, string>();
    for (const [k, v] of Object.entries(input)) {
      if (typeof v !== 'string') {
        throw new WitkeyError('ILLEGAL_ARGUMENT', `${k}: value must be a string, got ${typeof v}`, { field: k });
      }
      map.set(k, v);
    }
    return { map };
  }
  throw new WitkeyError('ILLEGAL_ARGUMENT', 'input must be an urlencoded body (string or Uint8Array) or a map of strings', {
    field: 'input',
  });
}

/** The canonical bytes of entries already chosen by a variant: sorted by name, joined `name=value` with `&`. */
function joinEntries(entries: Array<[string, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  entries
    .slice()
    .sort((a, b) => byCodeUnit(a[0], b[0]))
    .forEach(([n, v], i) => {
      parts.push(TEXT_ENCODER.encode(`${i > 0 ? '&' : ''}${n}=`), v);
    });
  return concat(parts);
}

/** The fields with some values replaced (a variant of the values, same selection rules as the protocol). */
function withValues(fields: Map<string, Uint8Array>, change: (name: string, v: Uint8Array) => Uint8Array | undefined) {
  const out = new Map<string, Uint8Array>();
  const changed: string[] = [];
  for (const [n, v] of fields) {
    const c = isSigned(n) && v.length > 0 ? change(n, v) : undefined;
    if (c !== undefined && !sameBytes(c, v)) changed.push(n);
    out.set(n, c ?? v);
  }
  return { bytes: rawCanonicalBytes(out), changed };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function tryOr<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof WitkeyError) return undefined;
    throw e;
  }
}

/** One more urlencoded decoding of a value (`%XX` → byte, `+` → space); `&` and `=` stay as they are. */
function decodeAgain(v: Uint8Array): Uint8Array | undefined {
  if (!v.includes(0x25) && !v.includes(0x2b)) return undefined;
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= v.length; i++) {
    if (i < v.length && v[i] !== 0x26 && v[i] !== 0x3d) continue;
    if (i > start) {
      const pairs = parseFormBytes(concat([new Uint8Array([0x78, 0x3d]), v.subarray(start, i)]));
      parts.push(pairs[0]![1]);
    }
    if (i < v.length) parts.push(v.subarray(i, i + 1));
    start = i + 1;
  }
  return concat(parts);
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function trimmed(v: Uint8Array): Uint8Array {
  let a = 0;
  let b = v.length;
  while (a < b && isSpace(v[a]!)) a++;
  while (b > a && isSpace(v[b - 1]!)) b--;
  return v.subarray(a, b);
}

function showCanonical(bytes: Uint8Array, charset: Charset): string {
  return tryOr(() => decode(bytes, charset)) ?? latin1(bytes);
}

const list = (names: readonly string[]) => names.join(', ');

/**
 * Says why a signature does not verify. The input is the body as received (urlencoded, a string or
 * its bytes) or a parameter map (`Record<string, string>`, values as decoded text, encoded in the
 * charset for the check). Returns `verified: true, cause: 'OK'` when the signature verifies as sent
 * by docs/PROTOCOL.md §4; otherwise the first known mistake whose variant verifies, or `UNKNOWN`.
 * A mistake is reported only when its variant verifies with a key given.
 *
 * Malformed input is an error, not a diagnosis: there is no signature to diagnose.
 * @throws WitkeyError `ILLEGAL_SIGN` (field `sign` or `sign_type`: missing, or `sign` not base64 even
 * with spaces read back as `+`), `ILLEGAL_SIGN_TYPE` (not `DSA`), `ILLEGAL_ARGUMENT` (field `input`:
 * not an urlencoded body; or a duplicated field), `ILLEGAL_CHARSET` (unknown charset, or a map value
 * the charset cannot encode), `INVALID_KEY` (field `publicKey` or `otherKeys[i]`).
 * @example
 * const d = await diagnoseSignature(rawBody, { publicKey: alipayPublicKeyPem, otherKeys: [{ key: partnerPublicKeyPem, label: 'partner public key' }] });
 * if (!d.verified) console.log(d.cause, d.message); // e.g. CHARSET_MISMATCH The signature covers the values encoded in utf-8, …
 */
export async function diagnoseSignature(
  input: Uint8Array | string | Readonly<Record<string, string>>,
  options: DiagnoseOptions,
): Promise<Diagnosis> {
  if (options === null || typeof options !== 'object') {
    throw new WitkeyError('INVALID_OPTION', 'diagnoseSignature: options with a publicKey are required', { field: 'publicKey' });
  }
  const publicKey = keyOf(options.publicKey, 'publicKey');
  const otherKeys = (options.otherKeys ?? []).map((k, i) => {
    const labelled = k !== null && typeof k === 'object' && !(k instanceof Uint8Array) && !isDsaPublicKey(k) && 'key' in k;
    const key = keyOf(labelled ? k.key : (k as DoctorKey), `otherKeys[${i}]`);
    const label = labelled && typeof k.label === 'string' && k.label !== '' ? k.label : `otherKeys[${i}]`;
    return { key, label };
  });
  const read = readFields(input);

  // The charset of the values: the option, the Content-Type's, the _input_charset field, utf-8.
  const declared = read.raw ? read.raw.get('_input_charset') : TEXT_ENCODER.encode(read.map!.get('_input_charset') ?? '');
  const fieldCharset = declared && declared.length > 0 ? latin1(declared) : undefined;
  let charset: Charset;
  if (options.charset !== undefined) charset = normalizeCharset(options.charset, { field: 'charset' });
  else {
    const fromField = fieldCharset === undefined ? 'utf-8' : normalizeCharset(fieldCharset, { field: '_input_charset' });
    charset = formCharset(options.contentType, fromField);
  }
  await loadCharset(charset);

  let fields: Map<string, Uint8Array>;
  if (read.raw) fields = read.raw;
  else {
    fields = new Map();
    for (const [n, v] of read.map!) fields.set(n, encode(v, charset, { field: n }));
  }

  // The signature as sent; a `sign` whose `+` arrived as spaces is repaired for the variants only.
  let signature = signatureOf(fields);
  let signRepaired = false;
  if (signature === undefined) {
    const text = latin1(fields.get('sign')!);
    const again = text.includes(' ') ? fromBase64(text.replaceAll(' ', '+')) : undefined;
    if (again === undefined || again.length === 0) {
      throw new WitkeyError('ILLEGAL_SIGN', 'sign is not base64 (standard alphabet, padded, no whitespace)', { field: 'sign' });
    }
    signature = again;
    signRepaired = true;
  }
  const sig = signature;

  const protocolBytes = rawCanonicalBytes(fields);
  const base = { charset, hash: 'sha1' as DsaHashName, format: 'der' as SignatureFormat, key: publicKey };
  const protocol: Check = { ...base, cause: 'OK', variant: 'protocol', bytes: protocolBytes, message: '' };
  let tried = 0;
  const passes = (c: Check) => {
    tried++;
    return verify(sig, c.bytes, c.key, { hash: c.hash, format: c.format });
  };
  const result = (c: Check, verified: boolean): Diagnosis => {
    const d: Diagnosis = {
      verified,
      cause: c.cause,
      message: c.message,
      canonical: showCanonical(c.bytes, c.charset),
      signedBytes: hex(c.bytes),
      charset: c.charset,
      variant: c.variant,
      hash: c.hash,
      format: c.format,
      tried,
    };
    if (c.fields) d.fields = c.fields;
    if (c.keyLabel !== undefined) d.keyLabel = c.keyLabel;
    return d;
  };

  if (!signRepaired && passes(protocol)) {
    return result(
      {
        ...protocol,
        message: `The signature verifies as sent: SHA1withDSA over the canonical string in ${charset}, DER, with the public key given.`,
      },
      true,
    );
  }

  // The charset variant needs GBK whatever the body's charset; without it that variant is skipped.
  const gbkReady = await loadCharset('gbk').then(
    () => true,
    () => false,
  );
  for (const c of variants(fields, protocolBytes, base, charset, otherKeys, signRepaired, gbkReady)) {
    if (passes(c)) return result(c, false);
  }
  const unknown = result(
    {
      ...protocol,
      cause: 'UNKNOWN',
      message:
        'The signature verifies neither by the protocol nor under any known mistake: the body was changed after signing, or it was signed with a key not given here (pass candidate keys as otherKeys).',
    },
    false,
  );
  delete unknown.variant;
  return unknown;
}

/** The checks of the known mistakes, in the order they are tried. */
function* variants(
  fields: Map<string, Uint8Array>,
  protocolBytes: Uint8Array,
  base: { charset: Charset; hash: DsaHashName; format: SignatureFormat; key: DsaPublicKey },
  charset: Charset,
  otherKeys: ReadonlyArray<{ key: DsaPublicKey; label: string }>,
  signRepaired: boolean,
  gbkReady: boolean,
): Generator<Check> {
  const same = (b: Uint8Array) => sameBytes(b, protocolBytes);

  if (signRepaired) {
    yield {
      ...base,
      cause: 'PLUS_AS_SPACE',
      variant: 'plus-as-space:sign',
      bytes: protocolBytes,
      fields: ['sign'],
      message:
        'The sign value has spaces where its base64 had "+": the sender put "+" in the body unescaped and it was read as a space; percent-encode "+" as %2B when building the body.',
    };
  }

  for (const { key, label } of otherKeys) {
    yield {
      ...base,
      key,
      keyLabel: label,
      cause: 'WRONG_KEY',
      variant: `key:${label}`,
      bytes: protocolBytes,
      message: `The signature verifies with ${label}, not with the public key given: verify with the signer's public key (Alipay's, for return and notify data), or sign with the private key that matches it.`,
    };
  }

  const entries = [...fields].filter(([n]) => n !== 'sign');
  if (fields.get('sign_type')?.length) {
    yield {
      ...base,
      cause: 'SIGN_TYPE_SIGNED',
      variant: 'sign-type-signed',
      bytes: joinEntries(entries.filter(([, v]) => v.length > 0)),
      fields: ['sign_type'],
      message: 'The signature covers sign_type: leave both sign and sign_type out of the signed string (docs/PROTOCOL.md §4).',
    };
  }

  const empty = entries.filter(([n, v]) => isSigned(n) && v.length === 0).map(([n]) => n);
  if (empty.length > 0) {
    yield {
      ...base,
      cause: 'EMPTY_VALUE_SIGNED',
      variant: 'empty-value-signed',
      bytes: joinEntries(entries.filter(([n]) => isSigned(n))),
      fields: empty,
      message: `The signature covers the empty parameter(s) ${list(empty)} as "name=": drop parameters whose value is empty before signing.`,
    };
  }

  // The values in the other charset: the signer encoded the text in utf-8 where gbk was declared, or the reverse.
  for (const other of ['utf-8', 'gbk'] as const) {
    if (other === charset || (other === 'gbk' && charset === 'gb2312')) continue;
    if (other === 'gbk' && !gbkReady) continue;
    const v = withValues(fields, (n, b) => tryOr(() => encode(decode(b, charset, { field: n }), other, { field: n })) ?? b);
    if (v.changed.length > 0 && !same(v.bytes)) {
      yield {
        ...base,
        charset: other,
        cause: 'CHARSET_MISMATCH',
        variant: `charset:${other}`,
        bytes: v.bytes,
        fields: v.changed,
        message: `The signature covers the values encoded in ${other}, but the body is ${charset}: sign the bytes of the charset the body is sent in and _input_charset names (${charset}).`,
      };
    }
  }

  const twice = withValues(fields, (_n, b) => tryOr(() => decodeAgain(b)));
  if (twice.changed.length > 0) {
    yield {
      ...base,
      cause: 'DOUBLE_DECODED',
      variant: 'double-decoded',
      bytes: twice.bytes,
      fields: twice.changed,
      message: `The signature covers ${list(twice.changed)} percent-decoded twice: decode a body exactly once, and sign the values exactly as they are sent.`,
    };
  }

  // "+" read as a space: every subset of the fields that have a space (up to 6 of them, 63 checks),
  // since some values (notify_time) have genuine spaces.
  const spaced = [...fields].filter(([n, v]) => isSigned(n) && v.includes(0x20)).map(([n]) => n);
  if (spaced.length > 0 && spaced.length <= 6) {
    for (let mask = 1; mask < 1 << spaced.length; mask++) {
      const pick = new Set(spaced.filter((_, i) => mask & (1 << i)));
      const v = withValues(fields, (n, b) => (pick.has(n) ? b.map((x) => (x === 0x20 ? 0x2b : x)) : undefined));
      yield {
        ...base,
        cause: 'PLUS_AS_SPACE',
        variant: 'plus-as-space',
        bytes: v.bytes,
        fields: v.changed,
        message: `The signature covers "+" where the body has a space, in ${list(v.changed)}: a "+" was sent unescaped and read as a space; percent-encode "+" as %2B when building the body.`,
      };
    }
  }

  const trim = withValues(fields, (_n, b) => trimmed(b));
  if (trim.changed.length > 0) {
    yield {
      ...base,
      cause: 'VALUE_TRIMMED',
      variant: 'value-trimmed',
      bytes: trim.bytes,
      fields: trim.changed,
      message: `The signature covers ${list(trim.changed)} without the leading or trailing whitespace the body has: sign exactly the value that is sent (trim before both, or neither).`,
    };
  }

  // The detail strings in the other dialect's separators.
  for (const [from, to] of [
    ['spec', 'kppw'],
    ['kppw', 'spec'],
  ] as const) {
    const v = withValues(fields, (n, b) => {
      if (!n.endsWith('_detail')) return undefined;
      return tryOr(() => {
        const text = decode(b, charset, { field: n });
        if (!text.includes(DIALECTS[from].field)) return undefined;
        return encode(encodeDetail(decodeDetail(text, from), to, { field: n }), charset, { field: n });
      });
    });
    if (v.changed.length > 0) {
      yield {
        ...base,
        cause: 'DIALECT',
        variant: `dialect:${to}`,
        bytes: v.bytes,
        fields: v.changed,
        message: `The signature covers ${list(v.changed)} with the ${to} dialect's separators, but the body has the ${from} dialect's: build the signed and the sent detail strings with the same dialect.`,
      };
    }
  }

  for (const hash of ['sha224', 'sha256', 'sha384', 'sha512'] as const) {
    yield {
      ...base,
      hash,
      cause: 'HASH_MISMATCH',
      variant: `hash:${hash}`,
      bytes: protocolBytes,
      message: `The signature was made with ${hash.toUpperCase()}, not SHA-1: sign with SHA1withDSA (docs/PROTOCOL.md §4).`,
    };
  }

  yield {
    ...base,
    format: 'p1363',
    cause: 'SIGNATURE_FORMAT',
    variant: 'format:p1363',
    bytes: protocolBytes,
    message:
      'The signature is r‖s (IEEE P1363, as WebCrypto and JOSE write it), not DER: encode it as DER SEQUENCE { INTEGER r, INTEGER s } before base64.',
  };
}
