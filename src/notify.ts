/**
 * `alipay-witkey/notify`: the inbound side — decoding and verifying the gateway's asynchronous
 * notifications (docs/PROTOCOL.md §6) and synchronous return (§5) over the raw received bytes, a
 * streaming mode for very large documents, `notify_verify` (§7), and the idempotent fetch-style
 * handler a partner mounts at its `notify_url`. Web APIs only.
 * @module
 */
export { decodeNotification, decodeReturn, type DecodeNotificationOptions, type NotificationLimits } from './notify/decode.js';
export { streamNotification, type NotificationEvent } from './notify/stream.js';
// NOTIFY_ERROR_HEADER names the response header that says why the handler answered `fail`: a partner
// that wraps the handler logs it from there.
export { createNotifyHandler, NOTIFY_ERROR_HEADER, type NotifyHandlerOptions, type NotifyContext, type FetchHandler } from './notify/handler.js';
export { createMemoryNotifyStore, type NotifyStore, type MemoryNotifyStore, type MemoryNotifyStoreOptions, type ProcessedNotification } from './notify/store.js';
export { notifyVerify, type NotifyVerifyOptions, type NotifyVerifyAnswer } from './notify/atn.js';
export type { NotifyDialect, NotifyDataField } from './notify/dialect.js';
// The wire `notify_type` of each kind: for a partner's own logs or routing, and for tests that match the
// simulator's deliveries.
export { NOTIFY_TYPES } from './notify/kinds.js';
export type { BodySource } from './notify/source.js';
export type {
  Notification,
  NotificationKind,
  NotificationBase,
  LeftAmountHandledNotification,
  TransferNotification,
  TransferLine,
  BidderLine,
  TransferDetail,
  TransferStatus,
} from './notify/types.js';
