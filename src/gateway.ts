/**
 * `alipay-witkey/gateway`: a local simulator of Alipay's witkey gateway (Alipay's side of
 * docs/PROTOCOL.md) as a `fetch`-style handler on Web APIs only — it runs in Node (see
 * `alipay-witkey/node` for an HTTP server with durable SQLite state), Deno, Bun and workers.
 * Not for production: it is a test double for partner sites.
 * @module
 */

export {
  type AccountConfig,
  type FaultMatch,
  type FaultRule,
  type FeeConfig,
  type GatewayConfig,
  type PartnerConfig,
  // The default `retrySchedule`: a test that moves the `now` clock and calls `runDue()` needs to know when retries fall due.
  RETRY_SCHEDULE,
  type ReturnMode,
  type TaskConfig,
} from './gateway/config.js';
export {
  type AttemptOutcome,
  type AttemptRecord,
  createGateway,
  type Gateway,
  type GatewayEvent,
  type GatewaySnapshot,
  type NotificationRecord,
  type NotificationStatus,
  type RequestRecord,
  type RunReport,
  type SmsRecord,
  type TransferKind,
  type TransferRecord,
} from './gateway/gateway.js';
// The in-memory store is the default; passing one explicitly keeps the state across gateways. The store types
// are for a custom store (alipay-witkey/node's SQLite store implements them).
export { type Collection, createMemoryStore, type GatewayStore, type StoreWrite } from './gateway/store.js';
