// The plain loop runner for runtimes without a test runner of their own (edge-runtime, workerd, the
// MV3 extension service worker): runs every registered test in order and returns a JSON-able result.
import { facts, tally, tests } from './harness.js';

/** @param {{ extra?: Array<{ name: string, fn: () => unknown }> }} [options] tests specific to the runtime */
export async function runAll(options = {}) {
  const all = [...tests, ...(options.extra ?? [])];
  const started = Date.now();
  const { result, wrap } = tally(); // the same bookkeeping as every other adapter
  for (const t of all) {
    try {
      await wrap(t)();
    } catch {
      // recorded by wrap; the loop goes on with the next test
    }
  }
  return { ...result, facts, ms: Date.now() - started };
}

/** A check for runtimes that must not expose Node globals: the proof that core needs none of them. */
export const noNodeGlobals = {
  name: 'runtime: no Node globals here (process, require, Buffer, module), and the library still works',
  fn() {
    const g = globalThis;
    const present = ['process', 'require', 'Buffer', 'module', '__dirname', 'global', 'setImmediate'].filter(
      (n) => typeof g[n] !== 'undefined',
    );
    if (present.length) throw new Error(`Node globals present: ${present.join(', ')}`);
  },
};
