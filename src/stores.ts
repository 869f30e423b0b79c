/**
 * `alipay-witkey/stores`: notify stores on the databases partners already run — adapters over a client
 * you pass in (no dependency on any client; each works wherever its client works), implementing the
 * store contract of `alipay-witkey/notify` (claim/complete/release, and transactions where the engine
 * has them). Web APIs only. SQLite is in `alipay-witkey/node`.
 * @module
 */

export * from './stores/d1.js';
export * from './stores/postgres.js';
export * from './stores/redis.js';
