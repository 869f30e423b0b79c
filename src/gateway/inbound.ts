/**
 * The gateway's checks of an incoming page request, in the order the gateway makes them: read the
 * form (query and urlencoded body) as raw bytes, then `service`, `partner`, `_input_charset`,
 * `sign_type`, the signature over the raw received bytes (docs/PROTOCOL.md §3–4: percent-decoded, never
 * re-encoded), and finally the strict decoding of every value in the declared charset. Each fault
 * is a WitkeyError with the gateway's code (docs/PROTOCOL.md §8). Business rules are not checked here.
 * @module
 */
import { decode, loadCharset } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import { verify } from '../dsa/verify.js';
import { WitkeyError, type WitkeyErrorCode } from '../errors.js';
import { fromBase64 } from '../wire/base64.js';
import { asciiBytes, concat, latin1 } from '../wire/bytes.js';
import { rawCanonicalBytes } from '../wire/canonical.js';
import { duplicateField, parseFormBytes } from '../wire/urlencoded.js';
import type { ResolvedPartner } from './config.js';

/** Largest request the gateway reads (bytes): the documented fields need far less. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** @internal A form as received: raw percent-decoded bytes by ASCII name, in order. */
export type RawForm = Map<string, Uint8Array>;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

async function bodyBytes(request: Request): Promise<Uint8Array> {
  if (!request.body) {
    // Firefox has no Request.body: read the bytes (the size is checked after the fact there).
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.length > MAX_REQUEST_BYTES)
      throw new WitkeyError('ILLEGAL_ARGUMENT', `request body exceeds ${MAX_REQUEST_BYTES} bytes`);
    return bytes;
  }
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_REQUEST_BYTES) {
      await reader.cancel();
      throw new WitkeyError('ILLEGAL_ARGUMENT', `request body exceeds ${MAX_REQUEST_BYTES} bytes`);
    }
    parts.push(value);
  }
  return concat(parts, total);
}

/**
 * @internal Reads the parameters of a GET (query) or POST (query, then urlencoded body) as raw bytes.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` for another content type, a malformed escape, a bad or repeated name.
 */
export async function readRawForm(request: Request): Promise<RawForm> {
  const url = new URL(request.url);
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  const query = url.search.slice(1);
  // A serialized URL's query is ASCII (the URL parser percent-encodes everything else).
  if (query) pairs.push(...parseFormBytes(asciiBytes(query)));
  if (request.method === 'POST') {
    const type = (request.headers.get('content-type') ?? 'application/x-www-form-urlencoded').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new WitkeyError(
        'ILLEGAL_ARGUMENT',
        `content type ${JSON.stringify(type)}: the gateway reads application/x-www-form-urlencoded`,
      );
    }
    pairs.push(...parseFormBytes(await bodyBytes(request)));
  }
  const form: RawForm = new Map();
  for (const [n, v] of pairs) {
    const name = latin1(n);
    if (!NAME.test(name) || n.some((b) => b > 0x7e)) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `invalid parameter name ${JSON.stringify(name.slice(0, 64))}`, {
        field: name.slice(0, 64),
      });
    }
    if (form.has(name)) throw duplicateField(name);
    form.set(name, v);
  }
  return form;
}

/**
 * @internal When the form's last field ends with CR or LF — what `echo`, a shell heredoc or a CLI's
 * printed line leaves at the end of a body sent with `curl --data-binary @-` — the words saying so:
 * `sign_type "DSA\n" ends with a line feed (0x0A): the body was sent with a trailing newline?`.
 Undefined otherwise (a CR or LF inside a form is not that mistake), and when `field` is given
 * and is not the last field.
 */
export function trailingNewlineHint(form: RawForm, field?: string): string | undefined {
  let last: [string, Uint8Array] | undefined;
  for (const entry of form) last = entry;
  if (!last || (field !== undefined && last[0] !== field)) return undefined;
  const [name, v] = last;
  const end = v[v.length - 1];
  if (end !== 0x0a && end !== 0x0d) return undefined;
  const crlf = end === 0x0a && v[v.length - 2] === 0x0d;
  const what = crlf ? 'CR LF (0x0D 0x0A)' : end === 0x0a ? 'a line feed (0x0A)' : 'a carriage return (0x0D)';
  const text = latin1(v.length > 40 ? v.subarray(v.length - 40) : v);
  return `${name} ${v.length > 40 ? '…' : ''}${JSON.stringify(text)} ends with ${what}: the body was sent with a trailing newline?`;
}

/** @internal An ASCII parameter value ('' when absent); non-ASCII bytes are `code`. */
export function asciiParam(form: RawForm, name: string, code: WitkeyErrorCode): string {
  const v = form.get(name);
  if (!v) return '';
  if (v.length > 256) throw new WitkeyError(code, `${name}: longer than 256 bytes`, { field: name });
  if (v.some((b) => b < 0x20 || b > 0x7e)) {
    const hint = trailingNewlineHint(form, name);
    const message = hint ? `${hint} (${name} must be printable ASCII)` : `${name}: must be printable ASCII`;
    throw new WitkeyError(code, message, { field: name });
  }
  return latin1(v);
}

const withHint = (hint: string | undefined): string => (hint ? `; ${hint}` : '');

/** @internal A page request that passed the gateway's checks: decoded fields and who sent them. */
export interface CheckedRequest {
  readonly partner: ResolvedPartner;
  readonly charset: Charset;
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * @internal The gateway checks of a page request for `service`, in the gateway's order.
 * @throws WitkeyError with the gateway code: `ILLEGAL_SERVICE`, `ILLEGAL_PARTNER`, `HAS_NO_PRIVILEGE`,
 * `ILLEGAL_CHARSET`, `ILLEGAL_SIGN_TYPE`, `HAS_NO_PUBLICKEY`, `ILLEGAL_SIGN`, `ILLEGAL_ARGUMENT`.
 */
export async function checkPageRequest(
  form: RawForm,
  partners: ReadonlyMap<string, ResolvedPartner>,
  knownServices: readonly string[],
): Promise<CheckedRequest> {
  const service = asciiParam(form, 'service', 'ILLEGAL_SERVICE');
  if (!knownServices.includes(service)) {
    throw new WitkeyError(
      'ILLEGAL_SERVICE',
      service ? `service ${JSON.stringify(service)} is not provided by this gateway` : 'service is required',
      { field: 'service' },
    );
  }
  const partnerId = asciiParam(form, 'partner', 'ILLEGAL_PARTNER');
  const partner = partners.get(partnerId);
  if (!partner)
    throw new WitkeyError(
      'ILLEGAL_PARTNER',
      partnerId ? `partner ${partnerId} is not known to this gateway` : 'partner is required',
      { field: 'partner' },
    );
  if (!partner.services.includes(service)) {
    throw new WitkeyError('HAS_NO_PRIVILEGE', `partner ${partnerId} has not signed up for ${service}`, { field: 'service' });
  }
  const csName = asciiParam(form, '_input_charset', 'ILLEGAL_CHARSET');
  if (!csName) throw new WitkeyError('ILLEGAL_CHARSET', '_input_charset is required', { field: '_input_charset' });
  const charset = normalizeCharset(csName, { field: '_input_charset' });
  if (!partner.charsets.includes(charset)) {
    throw new WitkeyError(
      'ILLEGAL_CHARSET',
      `_input_charset ${charset} is not enabled for partner ${partnerId} (enabled: ${partner.charsets.join(', ')})`,
      { field: '_input_charset' },
    );
  }
  const signType = asciiParam(form, 'sign_type', 'ILLEGAL_SIGN_TYPE');
  if (signType !== 'DSA') {
    throw new WitkeyError(
      'ILLEGAL_SIGN_TYPE',
      signType ? `sign_type ${JSON.stringify(signType)}: must be DSA (upper case)` : 'sign_type is required',
      { field: 'sign_type' },
    );
  }
  if (!partner.publicKey)
    throw new WitkeyError('HAS_NO_PUBLICKEY', `no DSA public key is on file for partner ${partnerId}`, { field: 'partner' });
  const sig = fromBase64(asciiParam(form, 'sign', 'ILLEGAL_SIGN'));
  if (!sig || sig.length === 0)
    throw new WitkeyError('ILLEGAL_SIGN', 'sign is missing or not standard padded base64', { field: 'sign' });
  if (!verify(sig, rawCanonicalBytes(form), partner.publicKey, { hash: 'sha1', format: 'der' })) {
    throw new WitkeyError(
      'ILLEGAL_SIGN',
      `the signature does not verify with partner ${partnerId}'s public key over the received ${charset} bytes${withHint(trailingNewlineHint(form))}`,
      { field: 'sign' },
    );
  }
  await loadCharset(charset);
  const fields = new Map<string, string>();
  for (const [name, bytes] of form) fields.set(name, decode(bytes, charset, { field: name }));
  return { partner, charset, fields };
}
