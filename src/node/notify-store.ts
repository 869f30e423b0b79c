/**
 * A durable {@link NotifyStore} for Node: processed notification ids in an append-only JSON-lines
 * file, fsync'ed before `add` resolves (so `success` is only answered once the id is on disk).
 * A restart reloads the file; a line cut short by a crash is dropped — its notification was never
 * acknowledged, so the gateway delivers it again. One process per file.
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { WitkeyError } from '../index.js';
import type { NotifyStore, ProcessedNotification } from '../notify.js';

/** A file-backed store; `close()` releases the file. */
export interface FileNotifyStore extends NotifyStore {
  readonly size: number;
  get(notifyId: string): ProcessedNotification | undefined;
  close(): void;
}

/**
 * Opens (or creates) a JSON-lines store of processed notification ids at `path`.
 * @throws WitkeyError `INVALID_OPTION` when the file cannot be opened or a complete line is not a record.
 * @example
 * const store = createFileNotifyStore('./var/notify-ids.jsonl');
 * const handler = createNotifyHandler({ alipayPublicKey, onNotification, store });
 */
export function createFileNotifyStore(path: string): FileNotifyStore {
  if (typeof path !== 'string' || path === '')
    throw new WitkeyError('INVALID_OPTION', 'createFileNotifyStore: path must be a non-empty string', { field: 'path' });
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
  mkdirSync(dirname(path), { recursive: true });
  // Drop a cut last line (its id was never acknowledged), so that the next record starts a line.
  if (lines[complete] !== '')
    truncateSync(path, new TextEncoder().encode(text).length - new TextEncoder().encode(lines[complete]).length);
  const fd = openSync(path, 'a');
  let closed = false;
  return {
    get size() {
      return map.size;
    },
    has: (id) => map.has(id),
    get: (id) => map.get(id),
    add(id, record) {
      if (closed) throw new WitkeyError('INVALID_OPTION', 'the notify store is closed', { field: 'store' });
      if (map.has(id)) return;
      writeSync(fd, JSON.stringify({ id, ...record }) + '\n');
      fsyncSync(fd);
      map.set(id, record);
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}
