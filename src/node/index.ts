/**
 * `alipay-witkey/node`: Node-only helpers — the gateway simulator as an HTTP server with durable
 * SQLite state, the notify endpoint as a `node:http` listener and Express/Connect middleware, the
 * notify stores on SQLite (several processes on one machine) and a file (one process), and
 * `toNodeHandler` to serve any fetch-style handler from `node:http`.
 * @module
 */

export { type NodeHandlerOptions, toNodeHandler } from './http.js';
export { createNodeNotifyHandler, type NodeNotifyMiddleware } from './notify.js';
export { createFileNotifyStore, type FileNotifyStore } from './notify-store.js';
export { type GatewayServer, type GatewayServerOptions, startGatewayServer } from './server.js';
export {
  createSqliteNotifyStore,
  type SqliteDatabase,
  type SqliteLeaseNotifyStore,
  type SqliteNotifyStore,
  type SqliteNotifyStoreOptions,
  type SqliteStatement,
} from './sqlite-notify-store.js';
export { openSqliteStore, type SqliteGatewayStore } from './sqlite-store.js';
