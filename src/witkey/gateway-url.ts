/**
 * The legacy gateway's address: one constant, shared by the request builder and by notify_verify,
 * in a module of its own so that a verify-only bundle does not pull the request builder in.
 * @module
 */

/** Default gateway of the legacy "mapi" generation. */
export const DEFAULT_GATEWAY = 'https://mapi.alipay.com/gateway.do';
