/**
 * Signing and verifying a parameter map the way the gateway does (docs/PROTOCOL.md §4): the canonical
 * string, encoded in `_input_charset`, signed with SHA1withDSA; `sign` is base64 of the DER signature
 * and `sign_type` is `DSA`.
 * @module
 */
import { encode } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import type { DsaHashName } from '../dsa/hash.js';
import type { DsaPrivateKey, DsaPublicKey } from '../dsa/key.js';
import { sign } from '../dsa/sign.js';
import { verify } from '../dsa/verify.js';
import { WitkeyError } from '../errors.js';
import { fromBase64, toBase64 } from '../wire/base64.js';
import { isSigned, type Params, signedEntries } from '../wire/canonical.js';

/** Options of {@link signParams} and {@link verifyParams}. */
export interface SignParamsOptions {
  /** Charset of the signed bytes. Default: the params' `_input_charset`. */
  charset?: Charset | string;
  /** Hash. Default `sha1` (the gateway's SHA1withDSA) whatever the key size. */
  hash?: DsaHashName;
}

function charsetOf(params: Params, options: SignParamsOptions): Charset {
  const name = options.charset ?? params['_input_charset'];
  if (name === undefined) {
    throw new WitkeyError('ILLEGAL_CHARSET', 'no charset: set params._input_charset or options.charset', {
      field: '_input_charset',
    });
  }
  return normalizeCharset(name, options.charset === undefined ? { field: '_input_charset' } : { field: 'charset' });
}

/**
 * The bytes that are signed: the canonical string in the charset. Each value is encoded on its own
 * first, so an unrepresentable character is reported with its parameter name (`field`) and index.
 * @throws WitkeyError `ILLEGAL_CHARSET` (unknown charset, unrepresentable character), `CHARSET_NOT_LOADED`.
 * @example
 * canonicalBytes({ _input_charset: 'utf-8', b: '2', a: '1' }); // bytes of 'a=1&_input_charset=utf-8&b=2'
 */
export function canonicalBytes(params: Params, options: SignParamsOptions = {}): Uint8Array {
  const cs = charsetOf(params, options);
  const parts: Uint8Array[] = [];
  let total = 0;
  const amp = 0x26;
  for (const [name, value] of signedEntries(params)) {
    const b = encode(`${name}=`, cs, { field: name });
    const v = encode(value, cs, { field: name });
    parts.push(b, v);
    total += b.length + v.length + 1;
  }
  const out = new Uint8Array(Math.max(0, total - 1));
  let o = 0;
  for (let i = 0; i < parts.length; i += 2) {
    if (i > 0) out[o++] = amp;
    out.set(parts[i]!, o);
    o += parts[i]!.length;
    out.set(parts[i + 1]!, o);
    o += parts[i + 1]!.length;
  }
  return out;
}

/**
 * Signs a parameter map: returns a copy (undefined values dropped) with `sign` (base64 DER) and
 * `sign_type: 'DSA'`. For gbk/gb2312, `await loadCharset(charset)` first.
 * @throws WitkeyError `ILLEGAL_CHARSET`, `ILLEGAL_ARGUMENT`, `ILLEGAL_SIGN_TYPE`, `INVALID_KEY`, `CHARSET_NOT_LOADED`.
 * @example
 * const signed = signParams({ service: 'alipay.witkey.task.left.amount.handle', _input_charset: 'utf-8', … }, privateKey);
 * signed.sign_type; // 'DSA'
 */
export function signParams(params: Params, privateKey: DsaPrivateKey, options: SignParamsOptions = {}): Record<string, string> {
  const st = params['sign_type'];
  if (st !== undefined && st !== '' && st !== 'DSA') {
    throw new WitkeyError('ILLEGAL_SIGN_TYPE', `sign_type must be DSA, got ${JSON.stringify(st)}`, { field: 'sign_type' });
  }
  const message = canonicalBytes(params, options);
  const signature = sign(message, privateKey, { hash: options.hash ?? 'sha1', format: 'der' });
  const out: Record<string, string> = {};
  for (const name of Object.keys(params)) {
    const v = params[name];
    if (v !== undefined && isSigned(name)) out[name] = v;
  }
  out['sign'] = toBase64(signature);
  out['sign_type'] = 'DSA';
  return out;
}

/**
 * Verifies a signed parameter map (e.g. Alipay's return or notification data) with a public key.
 * Returns false for a missing or non-base64 `sign`, a `sign_type` other than `DSA`, a value the
 * charset cannot represent, or a signature that does not verify (strict DER, r and s in [1, q−1]).
 * Data received as bytes should rather be verified over the raw bytes (no re-encoding).
 * @throws WitkeyError only for configuration errors: unknown charset, `CHARSET_NOT_LOADED`, not a key.
 * @example
 * if (!verifyParams(fields, alipayPublicKey, { charset: 'gbk' })) throw new Error('forged');
 */
export function verifyParams(params: Params, publicKey: DsaPublicKey | DsaPrivateKey, options: SignParamsOptions = {}): boolean {
  if (params['sign_type'] !== 'DSA') return false;
  const sig = fromBase64(params['sign'] ?? '');
  if (!sig || sig.length === 0) return false;
  let message: Uint8Array;
  try {
    message = canonicalBytes(params, options);
  } catch (e) {
    if (e instanceof WitkeyError && e.code === 'ILLEGAL_CHARSET' && e.field !== '_input_charset' && e.field !== 'charset')
      return false;
    throw e;
  }
  return verify(sig, message, publicKey, { hash: options.hash ?? 'sha1', format: 'der' });
}
