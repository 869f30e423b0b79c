/**
 * `alipay-witkey/notify`: the inbound side — decoding and verifying the gateway's asynchronous
 * notifications (docs/PROTOCOL.md §6) and synchronous return (§5) over the raw received bytes, a
 * streaming mode for very large documents, `notify_verify` (§7), and the idempotent fetch-style
 * handler a partner mounts at its `notify_url`. Web APIs only.
 * @module
 */

export { type NotifyVerifyAnswer, type NotifyVerifyOptions, notifyVerify } from './notify/atn.js';
export { type DecodeNotificationOptions, decodeNotification, decodeReturn, type NotificationLimits } from './notify/decode.js';
export type { NotifyDataField, NotifyDialect } from './notify/dialect.js';
// NOTIFY_ERROR_HEADER names the response header that says why the handler answered `fail`: a partner
// that wraps the handler logs it from there.
export {
  createNotifyHandler,
  type FetchHandler,
  NOTIFY_ERROR_HEADER,
  type NotifyContext,
  type NotifyHandlerOptions,
  type NotifyRequestContext,
} from './notify/handler.js';
// The wire `notify_type` of each kind: for a partner's own logs or routing, and for tests that match the
// simulator's deliveries.
export { NOTIFY_TYPES } from './notify/kinds.js';
export type { BodySource } from './notify/source.js';
export {
  type ClaimOptions,
  type ClaimResult,
  createMemoryNotifyStore,
  type MemoryNotifyStore,
  type MemoryNotifyStoreOptions,
  type NotifyStore,
  type ProcessedNotification,
  type TransactionalNotifyStore,
  type TransactionOf,
  type TransactionResult,
} from './notify/store.js';
export { type NotificationEvent, streamNotification } from './notify/stream.js';
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
