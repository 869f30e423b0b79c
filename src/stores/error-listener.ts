/**
 * One `'error'` listener per client object (a pg Pool, a Redis client), shared by every store made over
 * it, dispatching to those stores' `onError` hooks. Node's EventEmitter throws an `'error'` event that
 * has no listener — a broken idle connection, a Redis reconnection — and that crashes the process.
 * @module
 */

/** What has an `on('error', …)`. */
export interface ErrorEmitterLike {
  // biome-ignore lint/suspicious/noExplicitAny: the clients' on() are generic over their events
  on(event: 'error', listener: (err: any) => void): unknown;
}

const hooksOf = new WeakMap<object, Set<(e: unknown) => void>>();

/** Makes sure `emitter` has our one listener, and adds `onError` to the hooks it calls. */
export function listenForErrors(emitter: ErrorEmitterLike, onError: ((e: unknown) => void) | undefined): void {
  let hooks = hooksOf.get(emitter);
  if (!hooks) {
    const set = new Set<(e: unknown) => void>();
    hooks = set;
    hooksOf.set(emitter, set);
    emitter.on('error', (err: unknown) => {
      for (const hook of set) {
        try {
          hook(err);
        } catch {
          // a logging hook must not turn a broken connection into a crash
        }
      }
    });
  }
  if (onError) hooks.add(onError);
}
