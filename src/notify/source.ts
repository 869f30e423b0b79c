/**
 * Body sources the inbound decoders accept, read as a sequence of byte chunks: a WHATWG
 * `ReadableStream<Uint8Array>` (a `Request.body`), any (async) iterable of `Uint8Array` (a Node
 * `IncomingMessage`, a generator), one `Uint8Array`/`ArrayBuffer`, or the body as an ASCII string
 * (urlencoded bodies are ASCII). Also the `Content-Type` header reading. Web APIs only.
 * @module
 */

import { type Charset, normalizeCharset } from '../charset/names.js';
import { WitkeyError } from '../errors.js';
import { asciiBytes } from '../wire/bytes.js';

/** What a notification or return body can be read from. */
export type BodySource =
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | Uint8Array
  | ArrayBuffer
  | string;

function chunkOf(c: unknown): Uint8Array {
  if (c instanceof Uint8Array) return c;
  if (c instanceof ArrayBuffer) return new Uint8Array(c);
  throw new WitkeyError('INVALID_OPTION', `body chunks must be Uint8Array, got ${c === null ? 'null' : typeof c}`, {
    field: 'source',
  });
}

/** Reads any {@link BodySource} as byte chunks. A stream is cancelled if the consumer stops early. */
export async function* chunks(source: BodySource): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    yield asciiBytes(source);
    return;
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    yield chunkOf(source);
    return;
  }
  if (source && typeof (source as ReadableStream).getReader === 'function') {
    // getReader rather than async iteration: Safari's ReadableStream is not async-iterable.
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield chunkOf(r.value);
      }
    } finally {
      if (!done) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  if (source && (Symbol.asyncIterator in (source as object) || Symbol.iterator in (source as object))) {
    for await (const c of source as AsyncIterable<unknown>) yield chunkOf(c);
    return;
  }
  throw new WitkeyError(
    'INVALID_OPTION',
    'source must be a ReadableStream, an (async) iterable of Uint8Array, a Uint8Array, an ArrayBuffer or a string',
    { field: 'source' },
  );
}

/**
 * The charset of an urlencoded `Content-Type` header, or `fallback` when it names none.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` for another media type, `ILLEGAL_CHARSET` for an unknown charset.
 * @example
 * formCharset('application/x-www-form-urlencoded; charset=GBK', 'utf-8'); // 'gbk'
 */
export function formCharset(contentType: string | null | undefined, fallback: Charset): Charset {
  if (contentType === undefined || contentType === null || contentType === '') return fallback;
  if (typeof contentType !== 'string')
    throw new WitkeyError('INVALID_OPTION', 'contentType must be a string', { field: 'contentType' });
  const [type, ...params] = contentType.split(';');
  if (type!.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
    throw new WitkeyError(
      'ILLEGAL_ARGUMENT',
      `expected Content-Type application/x-www-form-urlencoded, got ${JSON.stringify(contentType)}`,
      { field: 'content-type' },
    );
  }
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    let v = p.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return normalizeCharset(v, { field: 'charset' });
  }
  return fallback;
}

/**
 * The body of a `Request` as a {@link BodySource}: its stream where the runtime has `Request.body`,
 * else (Firefox has no `Request.body`) the bytes read through `arrayBuffer()`.
 * @example
 * const n = await decodeNotification(requestBody(request), { alipayPublicKey });
 */
export function requestBody(request: Request): BodySource | Promise<Uint8Array> {
  // A body read before the handler (Hono's c.req.parseBody(), Next's req.formData()) still has a
  // `body` stream, but a disturbed one: say what happened instead of failing on the stream.
  if (request.bodyUsed)
    throw new WitkeyError(
      'BODY_ALREADY_CONSUMED',
      'the notification body was already read before the notify handler (e.g. parseBody()/formData() in a middleware): pass the request to the handler unread — the signature covers the raw bytes',
      { field: 'body' },
    );
  if (request.body) return request.body;
  return request.arrayBuffer().then((b) => new Uint8Array(b));
}
