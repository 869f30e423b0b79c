/**
 * The plain HTTP responses of the simulator: HTML and text with `cache-control: no-store`, and the
 * gateway's error page (docs/PROTOCOL.md §8) with the code in `x-witkey-error`. Not the signed return
 * (gateway.ts) nor the page templates (html.ts).
 * @module
 */
import { WitkeyError } from '../errors.js';
import { errorPage } from './html.js';
import type { GatewayState } from './state.js';

/** Gateway codes answered with an HTML error page (docs/PROTOCOL.md §8). */
export const PAGE_CODES: ReadonlySet<string> = new Set([
  'ILLEGAL_SIGN',
  'ILLEGAL_ARGUMENT',
  'ILLEGAL_SERVICE',
  'ILLEGAL_PARTNER',
  'ILLEGAL_SIGN_TYPE',
  'ILLEGAL_CHARSET',
  'HAS_NO_PRIVILEGE',
  'HAS_NO_PUBLICKEY',
  'SYSTEM_ERROR',
  'SESSION_TIMEOUT',
]);

/** @internal An HTML response, never cached. */
export function htmlResponse(body: string, status: number, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extra },
  });
}

/** @internal A plain-text response, never cached. */
export const textResponse = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });

/**
 * @internal The error page for `e`: its own code for a gateway code, else `SYSTEM_ERROR` (500) with a
 * generic message, the real one kept as the state's lastError.
 */
export function errorResponse(state: Pick<GatewayState, 'lastError'>, e: unknown): Response {
  const known = e instanceof WitkeyError && PAGE_CODES.has(e.code);
  const code = known ? (e as WitkeyError).code : 'SYSTEM_ERROR';
  const message = known ? (e as WitkeyError).message : 'the simulator failed to process the request';
  if (!known) state.lastError = e instanceof Error ? e.message : String(e);
  return htmlResponse(errorPage(code, message), code === 'SYSTEM_ERROR' ? 500 : 400, { 'x-witkey-error': code });
}
