/**
 * A durable GatewayStore on SQLite (better-sqlite3@12, an optional dependency loaded on first use):
 * one table of JSON records, each batch of writes in one transaction with `synchronous = FULL`, so
 * a write that resolved survives a crash or restart. Node only.
 * @module
 */

import type { Collection, GatewayStore, StoreWrite } from '../gateway.js';
import { WitkeyError } from '../index.js';

interface Statement {
  get(...params: unknown[]): { value: string } | undefined;
  all(...params: unknown[]): Array<{ value: string }>;
  run(...params: unknown[]): unknown;
}
interface Database {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type DatabaseConstructor = new (filename: string) => Database;

/** A GatewayStore that can be closed. */
export interface SqliteGatewayStore extends GatewayStore {
  close(): void;
}

async function loadDriver(): Promise<DatabaseConstructor> {
  const name = 'better-sqlite3'; // a variable: bundlers and tsc leave the optional dependency alone
  try {
    const mod = (await import(name)) as { default?: DatabaseConstructor };
    if (typeof mod.default !== 'function') throw new Error('better-sqlite3 has no default export');
    return mod.default;
  } catch (e) {
    throw new WitkeyError(
      'MISSING_DEPENDENCY',
      `the durable gateway store needs the optional dependency better-sqlite3 (npm install better-sqlite3@12): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

/**
 * Opens (or creates) a SQLite file as a gateway store.
 * @throws WitkeyError `MISSING_DEPENDENCY` when better-sqlite3 is not installed.
 * @example
 * const store = await openSqliteStore('./gateway.db');
 * const gateway = createGateway({ ...config, store });
 */
export async function openSqliteStore(path: string): Promise<SqliteGatewayStore> {
  const Driver = await loadDriver();
  const db = new Driver(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS records (collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (collection, key))',
  );
  const getStmt = db.prepare('SELECT value FROM records WHERE collection = ? AND key = ?');
  // rowid order is insertion order: an upsert keeps the row (and its rowid).
  const listStmt = db.prepare('SELECT value FROM records WHERE collection = ? ORDER BY rowid');
  const putStmt = db.prepare(
    'INSERT INTO records (collection, key, value) VALUES (?, ?, ?) ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value',
  );
  const delStmt = db.prepare('DELETE FROM records WHERE collection = ? AND key = ?');
  const batch = db.transaction((writes: readonly StoreWrite[]) => {
    for (const w of writes) {
      if (w.value === undefined) delStmt.run(w.collection, w.key);
      else putStmt.run(w.collection, w.key, JSON.stringify(w.value));
    }
  });
  let open = true;
  return {
    async get<T>(collection: Collection, key: string): Promise<T | undefined> {
      const row = getStmt.get(collection, key);
      return row === undefined ? undefined : (JSON.parse(row.value) as T);
    },
    async list<T>(collection: Collection): Promise<T[]> {
      return listStmt.all(collection).map((r) => JSON.parse(r.value) as T);
    },
    async write(writes: readonly StoreWrite[]): Promise<void> {
      batch(writes);
    },
    close(): void {
      if (open) db.close();
      open = false;
    },
  };
}
