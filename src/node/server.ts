/**
 * `startGatewayServer`: the gateway simulator on `node:http`, loopback by default, with durable
 * state in SQLite when `dbPath` is given (a restart loses no notification and re-sends none that
 * was acknowledged). Node only.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway, type GatewayConfig } from '../gateway.js';
import { exportPrivateKey, generateKeyPair } from '../index.js';
import { toNodeHandler } from './http.js';
import { openSqliteStore } from './sqlite-store.js';

/** Options of {@link startGatewayServer}: the gateway's configuration plus where to listen. */
export interface GatewayServerOptions extends GatewayConfig {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface. Default `127.0.0.1` (loopback only). */
  host?: string;
  /**
   * SQLite file for durable state (needs better-sqlite3). Without `key`, the simulator's key is
   * generated once and kept in this file, so partners keep verifying after a restart.
   */
  dbPath?: string;
}

/** A running simulator. */
export interface GatewayServer {
  readonly gateway: Gateway;
  readonly server: Server;
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** The `gateway.do` URL to pass as `gateway` to buildLeftAmountRequest. */
  readonly gatewayUrl: string;
  /** Stops listening, drops open connections, stops the timers and closes the store. */
  close(): Promise<void>;
}

/**
 * Starts the simulator on a port.
 * @throws WitkeyError `INVALID_OPTION`/`INVALID_KEY` (configuration), `MISSING_DEPENDENCY` (dbPath without better-sqlite3).
 * @example
 * const sim = await startGatewayServer({ port: 0, partners: { '2088101115793868': { publicKey: pem } }, tasks, timeScale: 0.001 });
 * const req = await buildLeftAmountRequest({ ...input, gateway: sim.gatewayUrl });
 * // partners verify with sim.gateway.publicKeyPem
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { port = 0, host = '127.0.0.1', dbPath, ...config } = options;
  let store = config.store;
  let key = config.key;
  if (dbPath !== undefined && store === undefined) {
    store = await openSqliteStore(dbPath);
    if (key === undefined) {
      const kept = await store.get<{ pem: string }>('meta', 'simulator-key');
      if (kept) key = kept.pem;
      else {
        key = exportPrivateKey(generateKeyPair({ L: 1024, N: 160 }).privateKey);
        await store.write([{ collection: 'meta', key: 'simulator-key', value: { pem: key } }]);
      }
    }
  }
  const gateway = createGateway({ ...config, ...(store && { store }), ...(key !== undefined && { key }) });
  const server = createServer(toNodeHandler(gateway.fetch));
  try {
    await gateway.ready;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await gateway.close(); // stops its timers and closes the store: nothing is left running
    throw e;
  }
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${shownHost}:${addr.port}/`;
  return {
    gateway,
    server,
    port: addr.port,
    url,
    gatewayUrl: `${url}gateway.do`,
    async close(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await gateway.close();
    },
  };
}
