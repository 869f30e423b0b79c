/**
 * `alipay-witkey/gateway`: a local simulator of Alipay's witkey gateway (Alipay's side of
 * docs/PROTOCOL.md) as a `fetch`-style handler on Web APIs only — it runs in Node (see
 * `alipay-witkey/node` for an HTTP server with durable SQLite state), Deno, Bun and workers.
 * Not for production: it is a test double for partner sites.
 * @module
 */
export {
  createGateway,
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
export {
  // The default `retrySchedule`: a test that moves the `now` clock and calls `runDue()` needs to know when retries fall due.
  RETRY_SCHEDULE,
  type GatewayConfig,
  type PartnerConfig,
  type TaskConfig,
  type AccountConfig,
  type FeeConfig,
  type FaultRule,
  type FaultMatch,
  type ReturnMode,
} from './gateway/config.js';
// The in-memory store is the default; passing one explicitly keeps the state across gateways. The store types
// are for a custom store (alipay-witkey/node's SQLite store implements them).
export { createMemoryStore, type GatewayStore, type StoreWrite, type Collection } from './gateway/store.js';
