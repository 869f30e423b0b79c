/**
 * The four notification kinds and their `notify_type` on the wire (docs/PROTOCOL.md §6): one table, read
 * by the decoder (type → kind) and by the gateway simulator (kind → type).
 * @module
 */
import type { NotificationKind } from './types.js';

/** `notify_type` for each kind. */
export const NOTIFY_TYPES: Readonly<Record<NotificationKind, string>> = Object.freeze({
  left_amount_handled: 'witkey_task_left_amount_handle',
  refund_transfer: 'witkey_refund_transfer',
  assign_transfer: 'witkey_assign_transfer',
  platform_profit_transfer: 'witkey_platform_profit_transfer',
});

/** The kind for each `notify_type` (the inverse of {@link NOTIFY_TYPES}). */
export const NOTIFY_KINDS: Readonly<Record<string, NotificationKind>> = /* @__PURE__ */ Object.freeze(
  Object.fromEntries(Object.entries(NOTIFY_TYPES).map(([kind, type]) => [type, kind as NotificationKind])),
);
