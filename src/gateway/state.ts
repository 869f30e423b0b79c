/**
 * The shared state of one running simulator, as one object that createGateway makes and passes to
 * each module: the resolved configuration, the store, the fault rules, the lock that serialises every
 * read-modify-write of stored state, the event sink and the last error that had no caller to go to.
 * Not the records themselves: those live in the store (see records.ts), so a durable store survives
 * a restart.
 * @module
 */
import type { FaultRule, ResolvedConfig } from './config.js';
import { FaultBook } from './faults.js';
import type { GatewayEvent } from './records.js';
import type { GatewayStore } from './store.js';

/** @internal The state every module of the simulator works on. */
export interface GatewayState {
  readonly cfg: ResolvedConfig;
  readonly store: GatewayStore;
  readonly faults: FaultBook;
  /** The last error no caller received (a listener's exception, a background run's failure, a page's SYSTEM_ERROR); shown by inspect. */
  lastError: string | undefined;
  /** Protocol-time ms added on top of `config.now` by the console's "advance clock" (`cfg.now()` includes it). */
  clockOffset: number;
  /** Whether a `reorder` hold may exist: spares a scan of every notification after each attempt. */
  heldMayExist: boolean;
  /** Runs `fn` under the one lock for every read-modify-write of shared state (tasks, serials, balances, counters). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Reports an event to `onEvent`; a listener's exception is kept as lastError, never thrown. */
  emit(event: GatewayEvent): void;
  /** A protocol-time duration in real ms (× `timeScale`). */
  scale(ms: number): number;
}

/** @internal Makes the state of a new simulator. */
export function createState(
  cfg: ResolvedConfig,
  store: GatewayStore,
  opts: { faults?: readonly FaultRule[] | undefined; onEvent?: ((e: GatewayEvent) => void) | undefined } = {},
): GatewayState {
  let chain: Promise<unknown> = Promise.resolve();
  const onEvent = opts.onEvent;
  const baseNow = cfg.now;
  const state: GatewayState = {
    // Every module reads the time as cfg.now(): the console's clock offset applies everywhere at once.
    cfg: { ...cfg, now: () => baseNow() + state.clockOffset },
    clockOffset: 0,
    store,
    faults: new FaultBook(opts.faults ?? []),
    lastError: undefined,
    heldMayExist: true,
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const p = chain.then(fn);
      chain = p.then(
        () => undefined,
        () => undefined,
      );
      return p;
    },
    emit(e: GatewayEvent): void {
      if (!onEvent) return;
      try {
        onEvent(e);
      } catch (err) {
        state.lastError = `onEvent: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
    scale: (ms: number): number => ms * cfg.timeScale,
  };
  return state;
}

/** @internal Keeps a background failure as lastError (a timer's run has no caller to throw to). */
export function keepError(state: GatewayState, e: unknown): void {
  state.lastError = e instanceof Error ? e.message : String(e);
}
