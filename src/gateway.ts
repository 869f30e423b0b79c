/**
 * `alipay-witkey/gateway`: a local simulator of Alipay's witkey gateway (Alipay's side of
 * PROTOCOL.md) as a `fetch`-style handler on Web APIs only — it runs in Node (see
 * `alipay-witkey/node` for an HTTP server with durable SQLite state), Deno, Bun and workers.
 * Not for production: it is a test double for partner sites.
 * @module
 */
export {
  createGateway,
  NOTIFY_VERIFY_SERVICE,
  type Gateway,
  type GatewaySnapshot,
  type RunReport,
  type GatewayEvent,
  type TransferKind,
  type TransferRecord,
  type NotificationRecord,
  type NotificationStatus,
  type AttemptRecord,
  type AttemptOutcome,
  type SmsRecord,
  type RequestRecord,
} from './gateway/gateway.js';
export { NOTIFY_TYPES } from './notify/kinds.js';
export {
  RETRY_SCHEDULE,
  type GatewayConfig,
  type PartnerConfig,
  type TaskConfig,
  type AccountConfig,
  type FeeConfig,
  type FaultRule,
  type FaultMatch,
  type NotificationKind,
  type NotifyDialect,
  type ReturnMode,
} from './gateway/config.js';
export { createMemoryStore, type GatewayStore, type StoreWrite, type Collection } from './gateway/store.js';
export { escapeXml, xmlDocument, type XmlNode } from './gateway/xml.js';
