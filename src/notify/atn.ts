/**
 * `notify_verify` (docs/PROTOCOL.md §7): asks the gateway whether a notification id is genuine and not
 * yet acknowledged. An extra check on top of the signature, through `fetch`; the answer is
 * `true`, `false` or `invalid`, and anything else is an error rather than a guess.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { optionsObject } from '../options.js';
import { DEFAULT_GATEWAY } from '../witkey/gateway-url.js';

/** Options of {@link notifyVerify}. */
export interface NotifyVerifyOptions {
  /** Partner id, `2088` + 12 digits. */
  partner: string;
  /** `notify_id` of the notification. */
  notifyId: string;
  /** The gateway's `gateway.do` URL. Default {@link DEFAULT_GATEWAY}. */
  gateway?: string | URL;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: (input: Request) => Promise<Response>;
  /** Abort after this many milliseconds. Default 10 000. */
  timeoutMs?: number;
}

/** The gateway's answer. */
export type NotifyVerifyAnswer = 'true' | 'false' | 'invalid';

/**
 * Asks the gateway `service=notify_verify` about `notifyId`.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` (bad partner/notify id), `SYSTEM_ERROR` (network error,
 *   timeout, non-2xx status or an answer other than true/false/invalid).
 * @example
 * if (await notifyVerify({ partner, notifyId: n.notifyId, gateway }) !== 'true') return new Response('fail');
 */
export async function notifyVerify(options: NotifyVerifyOptions): Promise<NotifyVerifyAnswer> {
  const o = optionsObject(options, 'notifyVerify') as NotifyVerifyOptions;
  if (typeof o.partner !== 'string' || !/^2088\d{12}$/.test(o.partner)) {
    throw new WitkeyError('ILLEGAL_ARGUMENT', 'notifyVerify: partner must be 2088 followed by 12 digits', { field: 'partner' });
  }
  if (typeof o.notifyId !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(o.notifyId)) {
    throw new WitkeyError('ILLEGAL_ARGUMENT', 'notifyVerify: notifyId must be 1–64 printable ASCII characters', {
      field: 'notifyId',
    });
  }
  const url = new URL(String(o.gateway ?? DEFAULT_GATEWAY));
  url.searchParams.set('service', 'notify_verify');
  url.searchParams.set('partner', o.partner);
  url.searchParams.set('notify_id', o.notifyId);
  const doFetch = o.fetch ?? ((req: Request) => fetch(req));
  const timeout = o.timeoutMs ?? 10_000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeout);
  let text: string;
  try {
    const res = await doFetch(new Request(url, { method: 'GET', signal: ac.signal }));
    if (!res.ok)
      throw new WitkeyError('SYSTEM_ERROR', `notify_verify: the gateway answered HTTP ${res.status}`, { field: 'notify_verify' });
    text = (await res.text()).trim();
  } catch (e) {
    if (e instanceof WitkeyError) throw e;
    throw new WitkeyError(
      'SYSTEM_ERROR',
      `notify_verify: ${ac.signal.aborted ? `no answer within ${timeout} ms` : 'the request failed'}`,
      { field: 'notify_verify', cause: e },
    );
  } finally {
    clearTimeout(timer);
  }
  if (text === 'true' || text === 'false' || text === 'invalid') return text;
  throw new WitkeyError('SYSTEM_ERROR', `notify_verify: unexpected answer ${JSON.stringify(text.slice(0, 40))}`, {
    field: 'notify_verify',
  });
}
