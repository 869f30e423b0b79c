// A small assert module for the portable tests (no node:assert: it does not exist in browsers and
// workers). Messages show both values; deepEqual understands arrays, typed arrays, plain objects,
// bigint and Map/Set well enough for these tests.

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

const show = (v) => {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? v.slice(0, 200) + '…' : v);
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}[${Array.from(v.slice(0, 40), (b) => b.toString(16).padStart(2, '0')).join(' ')}${v.length > 40 ? ' …' : ''}] (${v.length})`;
  try {
    const s = JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
    return s === undefined ? String(v) : s.length > 400 ? s.slice(0, 400) + '…' : s;
  } catch {
    return String(v);
  }
};
const fail = (msg, detail) => {
  throw new AssertionError(msg ? `${msg}: ${detail}` : detail);
};

export function ok(value, msg) {
  if (!value) fail(msg, `expected a truthy value, got ${show(value)}`);
}
export function equal(actual, expected, msg) {
  if (!Object.is(actual, expected)) fail(msg, `expected ${show(expected)}, got ${show(actual)}`);
}
export function notEqual(actual, expected, msg) {
  if (Object.is(actual, expected)) fail(msg, `expected something other than ${show(expected)}`);
}

function diff(a, b, path) {
  if (Object.is(a, b)) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object')
    return `${path || 'value'}: expected ${show(b)}, got ${show(a)}`;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor.name !== b.constructor.name)
      return `${path || 'value'}: expected ${show(b)}, got ${show(a)}`;
    if (a.length !== b.length) return `${path || 'value'}: length ${a.length} vs expected ${b.length}`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]: expected ${show(b)}, got ${show(a)}`;
    return null;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path || 'value'}: array vs non-array`;
  if (a instanceof Map || a instanceof Set) return diff([...a], [...b], path);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k) => !Object.hasOwn(b, k))) {
    return `${path || 'value'}: keys ${show(ka)} vs expected ${show(kb)}`;
  }
  for (const k of ka) {
    const d = diff(a[k], b[k], `${path}${Array.isArray(a) ? `[${k}]` : `.${k}`}`);
    if (d) return d;
  }
  return null;
}
export function deepEqual(actual, expected, msg) {
  const d = diff(actual, expected, '');
  if (d) fail(msg, d);
}
export function match(string, re, msg) {
  if (typeof string !== 'string' || !re.test(string)) fail(msg, `${show(string)} does not match ${re}`);
}

function check(e, expected, msg) {
  if (typeof expected === 'function') {
    if (expected(e) !== true) fail(msg, `the error did not pass the check: ${e?.message}`);
  } else if (expected && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) {
      if (v instanceof RegExp) match(e?.[k], v, `${msg ? msg + ': ' : ''}error.${k}`);
      else equal(e?.[k], v, `${msg ? msg + ': ' : ''}error.${k} (${e?.message})`);
    }
  }
}
/** `expected`: an object of properties the error must have (RegExp values are matched), or a predicate returning true. */
export function throws(fn, expected, msg) {
  try {
    fn();
  } catch (e) {
    check(e, expected, msg);
    return e;
  }
  fail(msg, 'expected an exception, nothing was thrown');
}
export async function rejects(fn, expected, msg) {
  try {
    await fn();
  } catch (e) {
    check(e, expected, msg);
    return e;
  }
  fail(msg, 'expected a rejection, the promise resolved');
}
