/**
 * `alipay-witkey/notify`: the inbound side — decoding and verifying the gateway's asynchronous
 * notifications (PROTOCOL.md §6) and synchronous return (§5) over the raw received bytes, a
 * streaming mode for very large documents, `notify_verify` (§7), and the idempotent fetch-style
 * handler a partner mounts at its `notify_url`. Web APIs only.
 * @module
 */
export { decodeNotification, decodeReturn, type DecodeNotificationOptions, type NotificationLimits } from './notify/decode.js';
export { streamNotification, type NotificationEvent } from './notify/stream.js';
export { createNotifyHandler, NOTIFY_ERROR_HEADER, type NotifyHandlerOptions, type NotifyContext, type FetchHandler } from './notify/handler.js';
export { createMemoryNotifyStore, type NotifyStore, type MemoryNotifyStore, type MemoryNotifyStoreOptions, type ProcessedNotification } from './notify/store.js';
export { notifyVerify, type NotifyVerifyOptions, type NotifyVerifyAnswer } from './notify/atn.js';
export { NOTIFY_DIALECTS, resolveNotifyDialect, type NotifyDialect, type NotifyDataField } from './notify/dialect.js';
export { NOTIFY_TYPES, NOTIFY_KINDS } from './notify/kinds.js';
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
