/**
 * The partner's notify endpoint for Node's `http` and Express/Fastify-style middleware: the
 * fetch-style handler of `alipay-witkey/notify` behind {@link toNodeHandler}, plus the one Node
 * pitfall handled — a body parser that ran first has consumed the stream, and the raw bytes the
 * signature covers are gone. Then the raw body is taken from `req.rawBody` (a Buffer/Uint8Array, as
 * Fastify's raw-body plugins and many Express setups keep it) or the delivery is answered `fail` with
 * `BODY_ALREADY_CONSUMED`, loudly, instead of failing every signature check in silence.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createNotifyHandler,
  type MemoryNotifyStore,
  type NotifyHandlerOptions,
  type NotifyStore,
  WitkeyError,
} from '../index.js';
import { type NodeHandlerOptions, respond, toNodeHandler } from './http.js';

const urlOf = (r: IncomingMessage, origin?: string): URL =>
  new URL(r.url ?? '/', origin ?? `http://${r.headers.host ?? 'localhost'}`);

/** A Node request that a body parser may have consumed. */
type MaybeParsed = IncomingMessage & { rawBody?: unknown; body?: unknown };

/**
 * Creates a `(req, res)` listener for `node:http`, Express or Connect that decodes, verifies
 * and handles the gateway's notifications (see `createNotifyHandler`). Mount it before any body
 * parser, or keep the raw body in `req.rawBody`.
 * @example
 * import { createServer } from 'node:http';
 * import { createNodeNotifyHandler, createFileNotifyStore } from 'alipay-witkey/node';
 * createServer(createNodeNotifyHandler({
 *   alipayPublicKey, store: createFileNotifyStore('./var/notify-ids.jsonl'),
 *   async onNotification(n) { … },
 * })).listen(8080);
 * // Express: app.post('/alipay/notify', createNodeNotifyHandler({ … }));
 */
export function createNodeNotifyHandler<S extends NotifyStore = MemoryNotifyStore>(
  options: NotifyHandlerOptions<S>,
  nodeOptions: NodeHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = createNotifyHandler(options);
  const streaming = toNodeHandler(handler, nodeOptions);
  return (req, res) => {
    const r = req as MaybeParsed;
    if (!r.readableEnded && r.body === undefined) return streaming(req, res);
    if (r.rawBody instanceof Uint8Array) {
      // Parsed by a middleware that kept the raw bytes: use exactly those.
      const init: RequestInit = { method: r.method ?? 'POST', body: new Uint8Array(r.rawBody) };
      const ct = r.headers['content-type'];
      if (ct) init.headers = { 'content-type': ct };
      return respond(res, () => handler(new Request(urlOf(r, nodeOptions.origin), init)), nodeOptions);
    }
    const e = new WitkeyError(
      'BODY_ALREADY_CONSUMED',
      'the notification body was consumed by a body parser before the notify handler: mount it before express.urlencoded()/bodyParser, or keep the raw bytes in req.rawBody — the signature covers the raw bytes',
      { field: 'body' },
    );
    try {
      options.onError?.(e, {
        request: new Request(urlOf(r, nodeOptions.origin), { method: 'POST' }),
        signal: new AbortController().signal,
      });
    } catch {
      // a logging hook must not stop the answer
    }
    nodeOptions.onError?.(e);
    res.statusCode = 500;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.setHeader('x-witkey-error', 'BODY_ALREADY_CONSUMED');
    res.end('fail');
  };
}
