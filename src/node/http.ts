/**
 * `toNodeHandler`: runs a `fetch`-style handler (`Request` → `Response`) inside `node:http`. The
 * request body is streamed (not buffered) into the `Request`; the `Response` body is streamed back
 * with back-pressure. Node only. Used by the gateway server and by partner-side notify endpoints.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** A fetch-style handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@link toNodeHandler}. */
export interface NodeHandlerOptions {
  /** Origin used to build `request.url` (default `http://<Host header>`). */
  origin?: string;
  /** Called when the handler throws; the client gets a plain 500. */
  onError?: (error: unknown) => void;
}

/**
 * @internal Converts a node request into a `Request` whose body streams from the socket.
 */
export function toRequest(req: IncomingMessage, origin?: string, signal?: AbortSignal): Request {
  const url = new URL(req.url ?? '/', origin ?? `http://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (signal) init.signal = signal;
  if (hasBody) {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(url, init);
}

/**
 * @internal Writes a `Response` to a node response, streaming the body.
 */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch (e) {
    res.destroy(e as Error);
    throw e;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Wraps a fetch-style handler as a `node:http` request listener.
 * @example
 * import { createServer } from 'node:http';
 * createServer(toNodeHandler(gateway.fetch)).listen(8080, '127.0.0.1');
 * createServer(toNodeHandler(createNotifyHandler({ … }))).listen(8081, '127.0.0.1');
 */
export function toNodeHandler(
  handler: FetchHandler,
  options: NodeHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const ctrl = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ctrl.abort();
    });
    respond(res, async () => handler(toRequest(req, options.origin, ctrl.signal)), options);
  };
}

/**
 * @internal Writes the `Response` that `work` produces; a throw becomes a plain 500 (or a destroyed
 * socket once headers are out) and is reported to `options.onError`.
 */
export function respond(res: ServerResponse, work: () => Promise<Response>, options: NodeHandlerOptions = {}): void {
  (async () => {
    await writeResponse(await work(), res);
  })().catch((e: unknown) => {
    options.onError?.(e);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('internal error');
    } else res.destroy();
  });
}
