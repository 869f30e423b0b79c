/**
 * A durable {@link NotifyStore} for one Node process: processed notification ids in an append-only
 * JSON-lines file, fsync'ed before `complete` resolves (so `success` is only answered once the id is on
 * disk), leases in memory. A restart reloads the file; a line cut short by a crash is dropped — its
 * notification was never acknowledged, so the gateway delivers it again.
 *
 * **One process per file**, enforced: opening takes `<path>.lock` (created exclusively, holding the
 * pid); a second process that opens the same file gets `INVALID_OPTION` naming the holder, instead of
 * two processes that each run the same notification. A lock left by a dead process is taken over.
 * Several processes: `createSqliteNotifyStore` (one machine) or a store of `alipay-witkey/stores`.
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { WitkeyError } from '../index.js';
import type { NotifyStore, ProcessedNotification } from '../notify.js';

/** A file-backed store; `close()` releases the file and its lock. */
export interface FileNotifyStore extends NotifyStore {
  /** Processed ids. */
  readonly size: number;
  /** The record of a processed id. */
  get(notifyId: string): ProcessedNotification | undefined;
  close(): void;
}

// Node code imports the core only through its public entries (one WitkeyError class in the process),
// so these two checks of src/notify/store.ts are repeated here rather than imported.
function checkLease(leaseMs: unknown): asserts leaseMs is number {
  if (typeof leaseMs !== 'number' || !Number.isSafeInteger(leaseMs) || leaseMs <= 0)
    throw new WitkeyError('INVALID_OPTION', `leaseMs must be a whole number of milliseconds > 0, got ${String(leaseMs)}`, {
      field: 'leaseMs',
    });
}
const leaseLost = (id: string): WitkeyError =>
  new WitkeyError('LEASE_LOST', `notify_id ${id}: this run's claim no longer holds the lease; not marked processed`, {
    field: 'notify_id',
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** Takes `<path>.lock` for this process, or throws naming the live holder. */
function lock(path: string): string {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return lockPath;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new WitkeyError('INVALID_OPTION', `cannot create ${lockPath}: ${(e as Error).message}`, {
          field: 'path',
          cause: e,
        });
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      // removed meanwhile: try again
    }
    if (Number.isInteger(holder) && holder !== process.pid && alive(holder))
      throw new WitkeyError(
        'INVALID_OPTION',
        `createFileNotifyStore: ${path} is in use by process ${holder} (${lockPath}); the file store serves one process — ` +
          'for several, use createSqliteNotifyStore (one machine) or a store of alipay-witkey/stores',
        { field: 'path' },
      );
    if (holder === process.pid)
      throw new WitkeyError(
        'INVALID_OPTION',
        `createFileNotifyStore: ${path} is already open in this process; close() it first`,
        {
          field: 'path',
        },
      );
    try {
      unlinkSync(lockPath); // left by a process that died
    } catch {
      // another process took it over first: the next attempt says who
    }
  }
  throw new WitkeyError('INVALID_OPTION', `createFileNotifyStore: could not take ${lockPath}`, { field: 'path' });
}

/**
 * Opens (or creates) a JSON-lines store of processed notification ids at `path`, for this process only.
 * @throws WitkeyError `INVALID_OPTION` when the file cannot be opened, a complete line is not a record,
 * or another live process has it open.
 * @example
 * const store = createFileNotifyStore('./var/notify-ids.jsonl');
 * const handler = createNotifyHandler({ alipayPublicKey, onNotification, store });
 */
export function createFileNotifyStore(path: string): FileNotifyStore {
  if (typeof path !== 'string' || path === '')
    throw new WitkeyError('INVALID_OPTION', 'createFileNotifyStore: path must be a non-empty string', { field: 'path' });
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = lock(path);
  try {
    return open(path, lockPath);
  } catch (e) {
    unlinkSync(lockPath);
    throw e;
  }
}

function open(path: string, lockPath: string): FileNotifyStore {
  const map = new Map<string, ProcessedNotification>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new WitkeyError('INVALID_OPTION', `cannot read ${path}: ${(e as Error).message}`, { field: 'path', cause: e });
  }
  const lines = text.split('\n');
  const complete = lines.length - 1; // the last piece is '' after a final newline, or a line cut by a crash
  for (let i = 0; i < complete; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let rec: { id?: unknown } & Partial<ProcessedNotification>;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new WitkeyError('INVALID_OPTION', `${path}:${i + 1} is not a JSON record`, { field: 'path', index: i, cause: e });
    }
    if (typeof rec.id !== 'string')
      throw new WitkeyError('INVALID_OPTION', `${path}:${i + 1} has no string id`, { field: 'path', index: i });
    map.set(rec.id, { kind: String(rec.kind), notifyTime: String(rec.notifyTime), processedAt: String(rec.processedAt) });
  }
  // Drop a cut last line (its id was never acknowledged), so that the next record starts a line.
  if (lines[complete] !== '')
    truncateSync(path, new TextEncoder().encode(text).length - new TextEncoder().encode(lines[complete]).length);
  const fd = openSync(path, 'a');
  let closed = false;
  const leases = new Map<string, { token: string; owner: string; until: number }>();
  let counter = 0;
  const check = (): void => {
    if (closed) throw new WitkeyError('INVALID_OPTION', `the notify store ${path} is closed`, { field: 'store' });
  };
  return {
    get size() {
      return map.size;
    },
    get: (id) => map.get(id),
    claim(id, { leaseMs, owner }) {
      check();
      checkLease(leaseMs);
      const record = map.get(id);
      if (record) return { status: 'processed', record };
      const held = leases.get(id);
      const now = Date.now();
      if (held && held.until > now) return { status: 'busy', owner: held.owner, leaseExpiresAt: new Date(held.until) };
      const token = String(++counter);
      leases.set(id, { token, owner, until: now + leaseMs });
      return { status: 'claimed', token };
    },
    complete(id, token, record) {
      check();
      if (leases.get(id)?.token !== token) throw leaseLost(id);
      writeSync(fd, `${JSON.stringify({ id, ...record })}\n`);
      fsyncSync(fd);
      map.set(id, record);
      leases.delete(id);
    },
    release(id, token) {
      if (leases.get(id)?.token === token) leases.delete(id);
    },
    close() {
      if (!closed) {
        closeSync(fd);
        try {
          unlinkSync(lockPath);
        } catch {
          // removed by hand: nothing to release
        }
      }
      closed = true;
    },
  };
}
