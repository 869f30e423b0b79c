// The portable test harness: `test(name, fn)` registers a test; nothing here runs it. Each runtime's
// adapter (test/runtimes/*) hands the registered tests to that runtime's own runner (node:test,
// Deno.test, bun:test, mocha in Web Test Runner) or to the plain loop in ./run.js (edge-runtime,
// workerd, the MV3 extension). Web APIs only: no Node built-ins, no globals beyond ECMAScript +
// TextEncoder/TextDecoder/crypto/URL.

/** @type {Array<{ name: string, fn: () => unknown }>} */
export const tests = [];

/** Registers a test. `fn` may be async; it fails by throwing. Names must be unique. */
export function test(name, fn) {
  if (typeof name !== 'string' || typeof fn !== 'function') throw new TypeError('test(name, fn)');
  if (tests.some((t) => t.name === name)) throw new Error(`duplicate portable test name: ${name}`);
  tests.push({ name, fn });
}

/** Facts about the runtime that a test found out (e.g. whether TextDecoder knows 'gbk'), reported in the summary. */
export const facts = {};
export function fact(key, value) {
  facts[key] = value;
}

/** Tallies outcomes of wrapped tests, so that every adapter can print the same result line. */
export function tally() {
  const result = { passed: 0, failed: 0, failures: [], names: [] };
  const wrap = (t) => async () => {
    try {
      await t.fn();
      result.passed++;
      result.names.push(t.name);
    } catch (e) {
      result.failed++;
      result.failures.push({ name: t.name, error: describeError(e) });
      throw e;
    }
  };
  return { result, wrap };
}

export function describeError(e) {
  if (e && typeof e === 'object') return `${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message}`.slice(0, 2000);
  return String(e).slice(0, 2000);
}

/** The line every adapter prints once all tests ran; scripts/runtimes/run.mjs reads it. */
export const RESULT_MARK = 'PORTABLE-RESULT ';
export function resultLine(result, extra = {}) {
  return (
    RESULT_MARK + JSON.stringify({ passed: result.passed, failed: result.failed, failures: result.failures, facts, ...extra })
  );
}
