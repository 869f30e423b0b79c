/**
 * Which `notify_id`s were processed: the idempotency memory of the notify handler. The gateway
 * sends a notification again until it gets `success`, and may send it twice anyway; the handler
 * consults the store so that `onNotification` runs once per `notify_id`. This file has the
 * interface and an in-memory store; `alipay-witkey/node` has a durable file-backed one.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** What is remembered about a processed notification. */
export interface ProcessedNotification {
  kind: string;
  notifyTime: string;
  /** ISO 8601 time the handler finished with it. */
  processedAt: string;
}

/**
 * Storage of processed notification ids. Implement it over your database to share it between
 * processes; `add` must be durable when its promise resolves (the handler answers `success` next).
 */
export interface NotifyStore {
  /** Whether `notifyId` was processed. */
  has(notifyId: string): boolean | Promise<boolean>;
  /** Records `notifyId` as processed. */
  add(notifyId: string, record: ProcessedNotification): void | Promise<void>;
}

/** Options of {@link createMemoryNotifyStore}. */
export interface MemoryNotifyStoreOptions {
  /**
   * Most ids remembered; the oldest are forgotten first. Default 100 000 — far more than the
   * gateway's retry window (8 deliveries over about 34 hours) needs at any realistic rate.
   */
  maxEntries?: number;
}

/** An in-memory {@link NotifyStore} (a restart forgets; use the file store for that). */
export interface MemoryNotifyStore extends NotifyStore {
  /** Ids remembered now. */
  readonly size: number;
  /** The record of an id, if remembered. */
  get(notifyId: string): ProcessedNotification | undefined;
}

/**
 * An in-memory store of processed notification ids, bounded by `maxEntries`.
 * @example
 * const store = createMemoryNotifyStore({ maxEntries: 10_000 });
 * const handler = createNotifyHandler({ alipayPublicKey, onNotification, store });
 */
export function createMemoryNotifyStore(options: MemoryNotifyStoreOptions = {}): MemoryNotifyStore {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1)
    throw new WitkeyError('INVALID_OPTION', 'maxEntries must be a positive integer', { field: 'maxEntries' });
  const map = new Map<string, ProcessedNotification>();
  return {
    get size() {
      return map.size;
    },
    has: (id) => map.has(id),
    get: (id) => map.get(id),
    add(id, record) {
      map.delete(id);
      map.set(id, record);
      if (map.size > max) map.delete(map.keys().next().value as string);
    },
  };
}
