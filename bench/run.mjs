#!/usr/bin/env node
import { execSync } from 'node:child_process';
// `npm run bench`: runs every benchmark group in one process, prints their tables and writes
// bench/RESULTS.md with the machine, Node and OpenSSL versions and the date.
//
// A group is a module exporting a function that returns { title, text, markdown }; add new groups
// (charset GBK, XML decoding, …) to GROUPS. Build first (`npm run build`): groups import ../dist.
//   node bench/run.mjs [--rounds N] [--only dsa] [--sizes 1024/160,2048/256]   (--only/--sizes: no RESULTS.md)
import fs from 'node:fs';
import os from 'node:os';
import { mdTable, textTable } from './lib/harness.mjs';

const GROUPS = [
  { id: 'dsa', load: async () => (await import('./dsa.mjs')).runDsa },
  { id: 'cold-sign', load: async () => (await import('./cold-sign.mjs')).runColdSign },
  { id: 'load', load: async () => (await import('./load.mjs')).runLoadBench },
  { id: 'charset', load: async () => charsetGroup((await import('./charset.mjs')).runCharsetBench) },
  { id: 'xml', load: async () => (await import('./xml.mjs')).runXmlBench },
  { id: 'notify', load: async () => (await import('./notify.mjs')).runNotifyBench },
  // Whole seconds of HTTP load per configuration: 3 rounds at most, whatever --rounds says.
  {
    id: 'notify-endpoint',
    load: async () => {
      const { runNotifyEndpointBench } = await import('./notify-endpoint.mjs');
      return ({ rounds }) => runNotifyEndpointBench({ rounds: Math.min(rounds, 3), log: (s) => console.log(`  ${s}`) });
    },
  },
];

/** Adapts bench/charset.mjs (which returns rows) to the { title, text, markdown } group shape. */
function charsetGroup(runCharsetBench) {
  return async ({ rounds }) => {
    const rows = await runCharsetBench({ rounds, log: (s) => console.log(`  ${s}`) });
    const header = ['operation', 'input', 'ours', 'reference', 'reference time', 'ratio', 'target'];
    const cells = rows.map((r) => [
      r.name,
      r.size,
      `${r.oursUs} µs`,
      r.ref,
      `${r.refUs} µs`,
      `${r.ratio.toFixed(2)}×`,
      `${r.target}× ${r.pass ? 'met' : 'NOT met'}`,
    ]);
    return {
      title: 'GBK encode / decode',
      text: textTable(header, cells),
      markdown: `Ratio = median over rounds of (reference p50 / our p50); > 1 means ours is faster. GBK source: ${rows[0]?.source ?? '?'}; decode loop: ${rows[0]?.engine ?? '?'}. The 300-character cases are timed in batches of 64 calls per sample (bench/charset.mjs).\n\n${mdTable(header, cells)}`,
    };
  };
}

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const rounds = Number(opt('rounds', 9));
const only = opt('only', undefined);
const sizes = opt('sizes', undefined)?.split(',');

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).split(':')[1].trim();
  } catch {
    /* lscpu is Linux-only; os.cpus() is the fallback */
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    openssl: process.versions.openssl,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

const m = machine();
const loadAtStart = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' / ');
console.log(`Machine: ${m.cpu}, ${m.cores} cores, ${m.os}; Node ${m.node}, OpenSSL ${m.openssl}; ${m.date}\n`);
const t0 = Date.now();
const sections = [];
for (const g of GROUPS) {
  if (only && g.id !== only) continue;
  const run = await g.load();
  const res = await run({ rounds, sizes });
  console.log(`\n== ${res.title} ==\n${res.text}\n`);
  sections.push(`## ${res.title}\n\n${res.markdown}\n`);
}
const seconds = ((Date.now() - t0) / 1000).toFixed(0);
const loadAtEnd = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' / ');
console.log(`Total ${seconds} s`);

const md = `# Benchmark results

Written by \`npm run bench\` (\`node bench/run.mjs\`) on ${m.date}; total run time ${seconds} s, ${rounds} measured rounds
(plus one warm-up round) per group. Contenders are interleaved in one process; ratios are medians of
per-round ratios (DSA: 10 % trimmed means of the tinybench samples; GBK: p50s), because this machine is
shared and noisy.

- Machine: ${m.cpu}, ${m.cores} cores (\`nproc\`), ${m.os}
- Node ${m.node}, OpenSSL ${m.openssl} (\`process.versions.openssl\`)
- Load condition: a shared machine; load average (1 / 5 / 15 min) ${loadAtStart} at the start and ${loadAtEnd} at the end
  of the run. Nothing else was started by the bench except where a section says so (the DSA group's "under load"
  passes start a memory-bandwidth hog on the other core; the notify-endpoint group starts its database servers).

${sections.join('\n')}`;
if (!only && !sizes) {
  fs.writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
  console.log('wrote bench/RESULTS.md');
} else {
  console.log('(--only/--sizes: bench/RESULTS.md not written)');
}
