/**
 * The partner's notify endpoint for Node's `http` and as an Express/Connect middleware: the
 * fetch-style handler of `alipay-witkey/notify`, fed the raw bytes of the request stream (the
 * signature covers those bytes, in the charset the gateway sent them in — GBK included).
 *
 * Where to mount it matters (docs/FRAMEWORKS.md): a body parser that runs first either refuses a GBK
 * body (Express answers `415 charset.unsupported` before this code runs) or consumes the stream. When
 * the stream was consumed, the raw body is taken from `req.rawBody` if a parser kept it as bytes
 * (a Buffer/Uint8Array); otherwise the delivery is answered `fail` with `BODY_ALREADY_CONSUMED`, loudly,
 * instead of failing every signature check in silence.
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
import { type NodeHandlerOptions, toRequest, writeResponse } from './http.js';

/** A Node request that a body parser may have consumed. */
type MaybeParsed = IncomingMessage & { rawBody?: unknown; originalUrl?: string };

/**
 * The middleware {@link createNodeNotifyHandler} returns: a `node:http` listener, and an
 * Express/Connect middleware. It always answers the delivery itself (`success`, or `fail` with a
 * status and the `x-witkey-error` header) and never passes the request on with `next()`. Only an error
 * it could not turn into an answer (a bug, a response that could not be written) goes to `next(error)`
 * when `next` is given — Express's error handling then logs it — else the client gets a plain 500 (or
 * the socket is closed if the answer had begun). The promise settles once the answer is written or the
 * error handed on; it never rejects.
 */
export type NodeNotifyMiddleware = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void>;

/** Whether nothing has read the request's body yet: then it streams from the socket. */
const unread = (req: IncomingMessage): boolean => !req.readableDidRead && !req.readableEnded;

/**
 * Creates the notify endpoint for `node:http`, Express (4 and 5) and Connect: decodes, verifies and
 * handles the gateway's notifications (see `createNotifyHandler` for the options and the answers).
 * Mount it where no body parser has read the request — in Express, `app.post('/alipay/notify', notify)`
 * ABOVE `app.use(express.urlencoded())`/`express.json()`, or on a router those parsers do not cover.
 * Behind a parser it reads `req.rawBody` when the parser kept the raw bytes there; else it answers
 * `fail` (500, `BODY_ALREADY_CONSUMED`) and tells `onError`.
 * @example
 * import express from 'express';
 * import { createNodeNotifyHandler } from 'alipay-witkey/node';
 * const app = express();
 * app.post('/alipay/notify', createNodeNotifyHandler({ alipayPublicKey, async onNotification(n) { … } }));
 * app.use(express.urlencoded({ extended: false }), express.json()); // after the notify route
 * // node:http alone: createServer(createNodeNotifyHandler({ … })).listen(8080);
 */
export function createNodeNotifyHandler<S extends NotifyStore = MemoryNotifyStore>(
  options: NotifyHandlerOptions<S>,
  nodeOptions: NodeHandlerOptions = {},
): NodeNotifyMiddleware {
  const handler = createNotifyHandler(options);
  const { origin } = nodeOptions;

  const consumed = (r: MaybeParsed): Response => {
    const e = new WitkeyError(
      'BODY_ALREADY_CONSUMED',
      'the notification body was consumed by a body parser before the notify handler: mount the notify route before express.urlencoded()/express.json()/bodyParser (docs/FRAMEWORKS.md), or keep the raw bytes in req.rawBody — the signature covers the raw bytes',
      { field: 'body' },
    );
    try {
      options.onError?.(e, {
        request: new Request(urlOf(r), { method: r.method ?? 'POST' }),
        signal: new AbortController().signal,
      });
    } catch {
      // a logging hook must not stop the answer
    }
    return new Response('fail', {
      status: 500,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-witkey-error': 'BODY_ALREADY_CONSUMED',
      },
    });
  };

  const urlOf = (r: MaybeParsed): URL =>
    new URL(r.originalUrl ?? r.url ?? '/', origin ?? `http://${r.headers.host ?? 'localhost'}`);

  /** The request as the fetch-style handler sees it: the socket's stream, or the bytes a parser kept. */
  const requestOf = (r: MaybeParsed, signal: AbortSignal): Request | undefined => {
    if (unread(r)) return toRequest(r, origin, signal);
    if (!(r.rawBody instanceof Uint8Array)) return undefined;
    const headers = new Headers();
    for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) headers.append(r.rawHeaders[i]!, r.rawHeaders[i + 1]!);
    headers.delete('content-length');
    headers.delete('transfer-encoding');
    return new Request(urlOf(r), { method: r.method ?? 'POST', headers, body: new Uint8Array(r.rawBody), signal });
  };

  return async (req, res, next) => {
    const ctrl = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ctrl.abort();
    });
    try {
      const request = requestOf(req, ctrl.signal);
      await writeResponse(request ? await handler(request) : consumed(req), res);
    } catch (e) {
      nodeOptions.onError?.(e);
      if (next) next(e);
      else if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('internal error');
      } else res.destroy();
    }
  };
}
