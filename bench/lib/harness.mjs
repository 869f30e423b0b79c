// Shared benchmark machinery for every group (DSA now; charset, XML later): interleaved rounds of
// tinybench runs, per-round ratios against our implementation, medians, and small table printers.
//
// Why rounds: this machine is shared and noisy, so one long run per contender would compare one
// contender's quiet minute with another's busy one. Each round runs every contender of a group back
// to back (in a rotating order), ratios are taken within the round, and the report gives the median
// of those per-round ratios.

import v8 from 'node:v8';
import vm from 'node:vm';
import { Bench } from 'tinybench';

/** Median of numbers (mean of the middle two for an even count). */
export function median(xs) {
  if (!xs?.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Mean of the samples without the lowest and highest 10 % (sorted input). Why not the p50: when the
 * cost of an operation varies with its input (RFC 6979 restarts for about a third of the messages
 * with the 1024/160 key), the median ignores the slower minority altogether; why not the mean: one
 * scheduler hiccup on this shared machine moves it. The trimmed mean counts the real mix and drops
 * the outliers.
 */
export function trimmedMean(sorted, trim = 0.1) {
  const n = sorted.length;
  const lo = Math.floor(n * trim);
  const hi = Math.max(lo + 1, n - lo);
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += sorted[i];
  return sum / (hi - lo);
}

/**
 * Runs `rounds` rounds (plus one warm-up round that is discarded) of every group. A group is
 * `{ id, tasks: { name: fn } }`; each round builds one tinybench Bench per group with all its tasks.
 * Returns, per group id and task name, the per-round latencies in milliseconds (10 % trimmed means).
 */
export function interleavedRounds(groups, { rounds = 9, time = 30, iterations = 4, onRound } = {}) {
  const samples = new Map(groups.map((g) => [g.id, Object.fromEntries(Object.keys(g.tasks).map((n) => [n, []]))]));
  for (let r = 0; r <= rounds; r++) {
    for (const g of groups) {
      const names = Object.keys(g.tasks);
      const shift = r % names.length; // rotate the order so that no contender always runs first
      const order = [...names.slice(shift), ...names.slice(0, shift)];
      // A full GC before each task, so that no contender pays for the garbage (or the incremental
      // marking) that the previous one left behind.
      const bench = new Bench({
        time,
        iterations,
        warmup: r === 0,
        warmupIterations: 4,
        warmupTime: 20,
        throws: true,
        retainSamples: true,
        setup: () => gc(),
      });
      for (const n of order) bench.add(n, g.tasks[n]);
      bench.runSync();
      if (r === 0) continue;
      for (const t of bench.tasks) samples.get(g.id)[t.name].push(trimmedMean(t.result.latency.samples));
    }
    if (onRound) onRound(r, rounds);
  }
  return samples;
}

/** Median over rounds of (other's latency / base's latency): > 1 means `base` is faster. */
export function medianRatio(perTask, base, other) {
  const a = perTask[base];
  const b = perTask[other];
  if (!a || !b) return NaN;
  return median(a.map((x, i) => b[i] / x));
}

let gcFn;
/** A callable `gc()` without needing --expose-gc on the command line. */
export function gc() {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  gcFn();
  gcFn();
}

const retained = [];

/**
 * Bytes retained by what `make()` returns (median of `n` tries, after full GCs): V8 heap plus external
 * memory (ArrayBuffers and WebAssembly memories, where the DSA tables live on WebAssembly). `setup()`
 * runs before the baseline is taken (e.g. to drop a library cache that `make()` would otherwise replace).
 */
export function retainedBytes(make, n = 3, setup = () => {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    retained.length = 0;
    setup();
    gc();
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const before = used();
    retained.push(make()); // held in a module array: a local could be dead to the optimiser
    gc();
    out.push(used() - before);
  }
  retained.length = 0;
  return median(out);
}

/** Plain-text table for the console. */
export function textTable(header, rows) {
  const w = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

/** Markdown table. */
export function mdTable(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export const fmtRatio = (x) => `${x.toFixed(2)}×`;
export const fmtUs = (ms) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`);
