/**
 * What is due when, and who runs it: transfers settle at `settleAt`, pending notifications are
 * attempted at `nextAt`, `reorder` holds end at `heldUntil`. `runDue()` runs passes until nothing
 * more is due now (one run at a time; a call during a run asks for another); with `autoRun` a timer
 * calls it when the next thing falls due, else nothing happens until a caller (a test moving its
 * clock) calls it. `idle()` waits for nothing to be pending. The choices of what is due are pure
 * functions (`nextDue`, `dueQueues`, `timerDelay`); settling and delivering are ledger.ts and
 * delivery.ts.
 * @module
 */
import { deliver } from './delivery.js';
import { settle } from './ledger.js';
import type { NotificationRecord, RunReport, TransferRecord } from './records.js';
import { type GatewayState, keepError } from './state.js';
import type { StoreWrite } from './store.js';

/** Largest delay `setTimeout` takes (ms); a later due time is re-checked when that timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Most passes of one run: a guard against a clock that never lets the work end. */
const MAX_PASSES = 1000;

type Due = Pick<TransferRecord, 'status' | 'settleAt'>;
type DueNotification = Pick<NotificationRecord, 'status' | 'nextAt' | 'heldUntil'>;

/**
 * @internal When something is next due: the earliest waiting transfer's settlement, pending notification's
 * attempt or hold's end; undefined when nothing is.
 */
export function nextDue(transfers: readonly Due[], notifications: readonly DueNotification[]): number | undefined {
  let next: number | undefined;
  const min = (t: number): void => {
    if (next === undefined || t < next) next = t;
  };
  for (const t of transfers) if (t.status === 'W') min(t.settleAt);
  for (const n of notifications) {
    if (n.status === 'pending') min(n.nextAt);
    else if (n.status === 'held' && n.heldUntil !== undefined) min(n.heldUntil);
  }
  return next;
}

/** @internal Transfers not yet settled plus notifications not yet delivered or given up. */
export function countPending(
  transfers: readonly Pick<TransferRecord, 'status'>[],
  notifications: readonly Pick<NotificationRecord, 'status'>[],
): number {
  return (
    transfers.filter((x) => x.status === 'W').length +
    notifications.filter((x) => x.status === 'pending' || x.status === 'held').length
  );
}

/**
 * @internal The pending notifications due at `now`, as one queue per partner endpoint (URL), each in
 * order of due time then creation. Queues run in parallel, a queue in order: a slow partner delays only itself.
 */
export function dueQueues<N extends Pick<NotificationRecord, 'status' | 'nextAt' | 'seq' | 'url'>>(
  notifications: readonly N[],
  now: number,
): N[][] {
  const due = notifications
    .filter((n) => n.status === 'pending' && n.nextAt <= now)
    .sort((a, b) => a.nextAt - b.nextAt || a.seq - b.seq);
  const queues = new Map<string, N[]>();
  for (const n of due) {
    const q = queues.get(n.url) ?? [];
    q.push(n);
    queues.set(n.url, q);
  }
  return [...queues.values()];
}

/** @internal Releases the holds whose time has passed (due now); returns their writes. */
export function releaseExpiredHolds(notifications: NotificationRecord[], now: number): StoreWrite[] {
  const writes: StoreWrite[] = [];
  for (const h of notifications) {
    if (h.status === 'held' && h.heldUntil !== undefined && h.heldUntil <= now) {
      h.status = 'pending';
      h.nextAt = now;
      delete h.heldUntil;
      h.notes.push('released: hold time passed');
      writes.push({ collection: 'notification', key: h.notifyId, value: h });
    }
  }
  return writes;
}

/** @internal The timer delay (real ms) for something due at `due`: at least 0, at most what `setTimeout` takes. */
export function timerDelay(due: number, now: number): number {
  return Math.max(0, Math.min(due - now, MAX_TIMER_MS));
}

/** @internal Runs what is due, by timer or on demand. */
export interface Scheduler {
  runDue(): Promise<RunReport>;
  nextDueAt(): Promise<number | undefined>;
  pending(): Promise<number>;
  idle(): Promise<void>;
  /** Sets the timer for the next due time (with `autoRun`); wakes `idle()` waiters when nothing is due. */
  schedule(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  close(): Promise<void>;
}

/** @internal The scheduler of one simulator; `ready` is awaited before any run. */
export function createScheduler(state: GatewayState, ready: Promise<void>): Scheduler {
  const { cfg, store } = state;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<RunReport> | undefined;
  let rerun = false;
  let idleWaiters: Array<() => void> = [];
  const wakeIdle = (): void => {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  async function nextDueAt(): Promise<number | undefined> {
    return nextDue(await store.list<TransferRecord>('transfer'), await store.list<NotificationRecord>('notification'));
  }

  async function pass(): Promise<RunReport> {
    const now = cfg.now();
    let settled = 0;
    for (const t of await store.list<TransferRecord>('transfer')) {
      if (t.status === 'W' && t.settleAt <= now) {
        await state.exclusive(() => settle(state, t, now));
        settled++;
      }
    }
    const all = await store.list<NotificationRecord>('notification');
    const releases = releaseExpiredHolds(all, now);
    if (releases.length) await store.write(releases);
    state.heldMayExist = all.some((h) => h.status === 'held');
    let attempts = 0;
    await Promise.all(
      dueQueues(all, now).map(async (q) => {
        for (const n of q) {
          const fresh = await store.get<NotificationRecord>('notification', n.notifyId);
          if (fresh?.status !== 'pending') continue; // released or changed meanwhile
          attempts += await deliver(state, fresh);
        }
      }),
    );
    return { settled, attempts };
  }

  async function runDue(): Promise<RunReport> {
    await ready;
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      let settled = 0,
        attempts = 0;
      try {
        for (let i = 0; i < MAX_PASSES; i++) {
          const r = await pass();
          settled += r.settled;
          attempts += r.attempts;
          const next = await nextDueAt();
          if (next === undefined || next > cfg.now()) break;
        }
        return { settled, attempts };
      } finally {
        running = undefined;
        wakeIdle();
        if (rerun) {
          rerun = false;
          void runDue().catch((e) => keepError(state, e));
        } else void schedule();
      }
    })();
    return running;
  }

  async function pending(): Promise<number> {
    await ready;
    return countPending(await store.list<TransferRecord>('transfer'), await store.list<NotificationRecord>('notification'));
  }

  async function schedule(): Promise<void> {
    if (!cfg.autoRun || closed || running) return;
    try {
      const t = await nextDueAt();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (closed || t === undefined) {
        wakeIdle();
        return;
      }
      timer = setTimeout(
        () => {
          timer = undefined;
          runDue().catch((e) => keepError(state, e));
        },
        timerDelay(t, cfg.now()),
      );
    } catch (e) {
      keepError(state, e);
    }
  }

  return {
    runDue,
    async nextDueAt(): Promise<number | undefined> {
      await ready;
      return nextDueAt();
    },
    pending,
    async idle(): Promise<void> {
      await ready;
      for (;;) {
        if (!running && (await pending()) === 0) return;
        await new Promise<void>((resolve) => idleWaiters.push(resolve));
      }
    },
    schedule,
    async close(): Promise<void> {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
