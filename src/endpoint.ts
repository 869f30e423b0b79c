/**
 * `alipay-witkey/endpoint`: exactly what a notify endpoint needs — `importPublicKey` for Alipay's key,
 * `createNotifyHandler` (or `decodeNotification`) to verify and decode what the gateway posts — and
 * nothing else, so that a cold start (an edge isolate, an MV3 service worker, a serverless function)
 * loads as little as possible: one chunk, no package to resolve (bench/load.mjs). GBK still loads on the
 * first GBK notification. The functions are the very ones of `alipay-witkey/notify` and
 * `alipay-witkey/dsa` (one copy of each class: a key imported here is a `DsaPublicKey` of every entry).
 * Web APIs only.
 * @example
 * import { createNotifyHandler, importPublicKey } from 'alipay-witkey/endpoint';
 * const alipayPublicKey = importPublicKey(ALIPAY_PUBLIC_KEY_PEM);
 * const handle = createNotifyHandler({ alipayPublicKey, onNotification: async (n) => save(n) });
 * export default { fetch: (request) => handle(request) };
 * @module
 */

export type { DsaPublicKey, KeyValidationOptions } from './dsa/key.js';
export { WitkeyError, type WitkeyErrorCode, type WitkeyErrorDetails } from './errors.js';
export { importPublicKey } from './keys/import-public.js';
export { type DecodeNotificationOptions, decodeNotification, type NotificationLimits } from './notify/decode.js';
export type { NotifyDataField, NotifyDialect } from './notify/dialect.js';
export {
  createNotifyHandler,
  type FetchHandler,
  NOTIFY_ERROR_HEADER,
  type NotifyContext,
  type NotifyHandlerOptions,
  type NotifyRequestContext,
} from './notify/handler.js';
export type { BodySource } from './notify/source.js';
export type {
  ClaimOptions,
  ClaimResult,
  NotifyStore,
  ProcessedNotification,
  TransactionalNotifyStore,
  TransactionOf,
  TransactionResult,
} from './notify/store.js';
export type {
  BidderLine,
  LeftAmountHandledFailure,
  LeftAmountHandledNotification,
  LeftAmountHandledSuccess,
  Notification,
  NotificationBase,
  NotificationKind,
  TransferDetail,
  TransferFailure,
  TransferKind,
  TransferLine,
  TransferNotification,
  TransferStatus,
  TransferSuccess,
} from './notify/types.js';
