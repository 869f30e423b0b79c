/**
 * The one error class of alipay-witkey.
 *
 * Every failure the library reports is a {@link WitkeyError} with a stable `code`. Where Alipay's
 * gateway has a code for the same fault (`ILLEGAL_ARGUMENT`, `ILLEGAL_CHARSET`, `ILLEGAL_SIGN`,
 * `WITKEY_*`), the error carries that code, so a user sees before sending the name the gateway
 * would answer with. Messages name the parameter (`field`), the record index and the offending
 * character or byte offset; they never contain key material.
 * @module
 */

/**
 * Stable error codes: the library's own, and the gateway's (docs/PROTOCOL.md §8) where the library or the
 * simulator reports the same fault. The type is closed on purpose: a gateway code this library does not
 * know (the `<error>` of a failed return or notification, a code injected into the simulator) is carried
 * as a plain `string` where it appears (a notification's `error`, a transfer line's `errorCode`, a fault
 * rule's `code`), never as the code of a {@link WitkeyError}.
 */
export type WitkeyErrorCode =
  // keys and DSA
  | 'INVALID_KEY'
  | 'UNSUPPORTED_KEY_SIZE'
  | 'INVALID_OPTION'
  | 'ENCRYPTED_KEY'
  | 'WRONG_PASSPHRASE'
  | 'RANDOM_UNAVAILABLE'
  // charsets: gbk/gb2312 used synchronously before `await loadCharset(...)`
  | 'CHARSET_NOT_LOADED'
  // gateway codes the library throws where it finds the fault the gateway would report
  | 'ILLEGAL_SIGN'
  | 'ILLEGAL_ARGUMENT'
  | 'ILLEGAL_PARTNER'
  | 'ILLEGAL_SIGN_TYPE'
  | 'ILLEGAL_CHARSET'
  | 'SYSTEM_ERROR'
  // gateway codes only the simulator answers, on its HTML error page (SESSION_TIMEOUT only when a fault rule injects it)
  | 'ILLEGAL_SERVICE'
  | 'HAS_NO_PRIVILEGE'
  | 'HAS_NO_PUBLICKEY'
  | 'SESSION_TIMEOUT'
  // witkey codes (docs/PROTOCOL.md §8). The request builder throws WITKEY_OUTER_TRANSFER_REPEAT; the others only
  // the simulator answers, as the `<error>` of an `is_success=F` return and notification (ACCOUNT_NOT_EXIST
  // and ACCOUNT_QUERY_ERROR as the `error_code` of a failed bidder line). WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH
  // is the gateway's spelling.
  | 'WITKEY_TASK_NOT_EXIST'
  | 'WITKEY_TASK_LEF_AMOUNT_NOT_ENOUGH'
  | 'WITKEY_OUTER_TRANSFER_ALREADY_PAID'
  | 'WITKEY_OUTER_TRANSFER_REPEAT'
  | 'WITKEY_DATA_NOT_MATCH'
  | 'BIDDER_EQUALS_TASK_CREATOR_ERROR'
  | 'ACCOUNT_NOT_EXIST'
  | 'ACCOUNT_QUERY_ERROR'
  | 'NOT_DONE_OF_TRANSFER_FOUND'
  | 'REMAINS_OF_TASK_AMOUNT_FOUND'
  | 'WITKEY_TASK_NOT_EXPIRED'
  // XML decoding (alipay-witkey/xml): malformed or forbidden XML (offset = byte offset), a limit hit (field = its name)
  | 'INVALID_XML'
  | 'XML_LIMIT_EXCEEDED'
  // inbound bodies (alipay-witkey/notify): a form limit hit (field = its name); a verified
  // notification lacking what docs/PROTOCOL.md §6 requires (field = the element path or form field)
  | 'FORM_LIMIT_EXCEEDED'
  | 'INVALID_NOTIFICATION'
  // Node: a body parser consumed a notification body before the notify handler could read its raw bytes
  | 'BODY_ALREADY_CONSUMED'
  // the notify handler answered fail because the notification's run did not settle within timeoutMs
  | 'HANDLER_TIMEOUT'
  // the notify store: another worker holds the notification's lease or transaction (the delivery is answered
  // fail, the gateway delivers again); a run's lease expired before it completed; the store's engine failed
  | 'NOTIFY_BUSY'
  | 'LEASE_LOST'
  | 'STORE_UNAVAILABLE'
  // an optional dependency a feature needs is not installed (a database client, better-sqlite3)
  | 'MISSING_DEPENDENCY';

/** Where an error applies: the parameter, the record index, the byte or character offset. */
export interface WitkeyErrorDetails {
  field?: string;
  index?: number;
  offset?: number;
  cause?: unknown;
}

/**
 * Error thrown by every alipay-witkey function.
 * @example
 * try { importPublicKey(pem) } catch (e) { if (e instanceof WitkeyError && e.code === 'INVALID_KEY') … }
 */
export class WitkeyError extends Error {
  /** Stable machine-readable code, e.g. `INVALID_KEY` or `ILLEGAL_CHARSET`. */
  readonly code: WitkeyErrorCode;
  /** The parameter or key component the error is about, if any. */
  readonly field?: string;
  /** The record index (e.g. the n-th transfer record), if any. */
  readonly index?: number;
  /** Byte or character offset, if any. */
  readonly offset?: number;

  constructor(code: WitkeyErrorCode, message: string, details: WitkeyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WitkeyError';
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
    if (details.index !== undefined) this.index = details.index;
    if (details.offset !== undefined) this.offset = details.offset;
  }
}
