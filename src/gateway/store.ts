/**
 * The simulator's state behind a small key-value interface, so that the same gateway runs on an
 * in-memory store (workers, tests) and on a durable one (SQLite in Node, src/node/). The gateway
 * keeps its own indexes out of it: a store only gets, lists and writes JSON records atomically.
 * Not a general database: the simulator's data are small (a few thousand records at most).
 * @module
 */

/** The record collections the gateway uses. */
export type Collection = 'task' | 'serial' | 'transfer' | 'notification' | 'attempt' | 'sms' | 'request' | 'balance' | 'meta';

/** One write of a batch: a JSON-serialisable value, or `undefined` to delete the key. */
export interface StoreWrite {
  readonly collection: Collection;
  readonly key: string;
  readonly value: unknown;
}

/**
 * Where the gateway keeps its state. `write` must be atomic and durable when it resolves: the
 * gateway writes a delivery attempt before sending it and the `success` outcome right after, so a
 * restart loses no notification and re-sends none that was acknowledged.
 */
export interface GatewayStore {
  get<T>(collection: Collection, key: string): Promise<T | undefined>;
  /** Every record of a collection, in insertion order of their keys. */
  list<T>(collection: Collection): Promise<T[]>;
  /** Applies a batch of writes atomically. */
  write(writes: readonly StoreWrite[]): Promise<void>;
  close?(): Promise<void> | void;
}

/**
 * An in-memory {@link GatewayStore}: the default, and what workers use. Values are copied in and
 * out (structuredClone), so a caller cannot change stored state by accident.
 * @example
 * const gateway = createGateway({ ...config, store: createMemoryStore() });
 */
export function createMemoryStore(): GatewayStore {
  const data = new Map<Collection, Map<string, unknown>>();
  const col = (c: Collection): Map<string, unknown> => {
    let m = data.get(c);
    if (!m) data.set(c, (m = new Map()));
    return m;
  };
  return {
    async get<T>(c: Collection, key: string): Promise<T | undefined> {
      const v = col(c).get(key);
      return v === undefined ? undefined : (structuredClone(v) as T);
    },
    async list<T>(c: Collection): Promise<T[]> {
      return [...col(c).values()].map((v) => structuredClone(v) as T);
    },
    async write(writes: readonly StoreWrite[]): Promise<void> {
      const copies = writes.map((w) => ({ ...w, value: w.value === undefined ? undefined : structuredClone(w.value) }));
      for (const w of copies) {
        if (w.value === undefined) col(w.collection).delete(w.key);
        else col(w.collection).set(w.key, w.value);
      }
    },
  };
}
