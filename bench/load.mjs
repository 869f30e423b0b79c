#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Load time in a fresh process: what an edge isolate, an MV3 service worker or a serverless function pays
// on every cold start before it can answer its first notification.
//
//   load    one new `node` process per sample imports ONE thing: the child records performance.now()
//           (milliseconds since the process started) before and after its dynamic import (or require()).
//           Contenders: an empty module (Node's own floor), jsrsasign by import and by require,
//           the whole package (dist/esm/index.js), what a notify endpoint imports without the light entry
//           (dist/esm/notify.js + dist/esm/dsa.js), the light entry `alipay-witkey/endpoint`
//           (dist/esm/endpoint.js, and dist/cjs/endpoint.cjs by require). The process's wall time is
//           measured by the parent around spawnSync.
//   first   the first verification of a fresh process, from before the import: ours = import the entry +
//           importPublicKey(pem) + one decodeNotification (or one createNotifyHandler call on a Request) of
//           a signed GBK notification (docs/PROTOCOL.md §6.1, 1024/160, SHA1withDSA); jsrsasign = require +
//           KEYUTIL.getKey(pem) + KJUR.crypto.Signature verify of the same canonical bytes; node:crypto =
//           import('node:crypto') + crypto.verify('sha1', canonical, pem, signature). The handler's Request is
//           made before the clock starts (Node builds its fetch classes on the first one). The notification is
//           built without this library (iconv-lite, OpenSSL through node:crypto: test/support/notify-oracle.mjs),
//           and every child's answer is checked (the typed notification's fields, `success`, `true`).
//
// Every round runs every contender once, in an order rotated per round, after one discarded warm-up round
// (page cache, CPU frequency); figures are medians over rounds, ratios medians of per-round ratios.
// Target: the light entry loads in ≤ 1/7 of jsrsasign's load time, measured in the same run, like for like:
// an ES module importing each (jsrsasign is CommonJS: Node parses it for its export names first), and
// require() of each (the CommonJS build of the entry). Both lines are printed.
//
// `node bench/load.mjs [--rounds N]` (build first: `npm run build`), or `node bench/run.mjs --only load`.
import crypto from 'node:crypto';
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LEFT_AMOUNT_XML, notificationFields, signedBody } from '../test/support/notify-oracle.mjs';
import { fmtRatio, mdTable, median, textTable } from './lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const KEYS = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/dsa-keys.json'), 'utf8'));
const dist = (f) => pathToFileURL(path.join(here, '../dist', f)).href;
const TARGET = 7; // jsrsasign's load time / the light entry's

// argv: mode, contender, then what the mode needs. Prints one JSON line.
const CHILD = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const [mode, who, arg, dir] = process.argv.slice(2);
const out = {};
if (mode === 'load') {
  const t0 = performance.now();
  if (who === 'jsrsasign (import)') await import(createRequire(arg).resolve('jsrsasign'));
  else if (who === 'jsrsasign' || who.endsWith('.cjs')) createRequire(arg)(who === 'jsrsasign' ? 'jsrsasign' : arg);
  else for (const u of arg.split(' ')) await import(u);
  const t1 = performance.now();
  Object.assign(out, { start: t0, load: t1 - t0 });
} else {
  const pem = readFileSync(dir + '/public.pem', 'utf8');
  const body = new Uint8Array(readFileSync(dir + '/body.bin'));
  const canonical = new Uint8Array(readFileSync(dir + '/canonical.bin'));
  const sig = readFileSync(dir + '/sign.txt', 'utf8');
  const contentType = 'application/x-www-form-urlencoded; charset=gbk';
  // Made before the clock starts: Node builds its fetch classes (undici) on the first Request, ~30 ms
  // that an edge runtime or a browser does not pay, and that is not this library's.
  const request = who === 'ours, handler' ? new Request('http://127.0.0.1/alipay/notify', { method: 'POST', body, headers: { 'content-type': contentType } }) : undefined;
  if (request) new Response('warm');
  const t0 = performance.now();
  if (who === 'jsrsasign') {
    const { KJUR, KEYUTIL } = createRequire(arg)('jsrsasign');
    const t1 = performance.now();
    const hex = Buffer.from(canonical).toString('hex');
    const sigHex = Buffer.from(sig, 'base64').toString('hex');
    const v = new KJUR.crypto.Signature({ alg: 'SHA1withDSA' });
    v.init(KEYUTIL.getKey(pem));
    v.updateHex(hex);
    out.answer = String(v.verify(sigHex));
    Object.assign(out, { load: t1 - t0, first: performance.now() - t0 });
  } else if (who === 'node:crypto') {
    const crypto = await import('node:crypto');
    const t1 = performance.now();
    out.answer = String(crypto.verify('sha1', canonical, pem, Buffer.from(sig, 'base64')));
    Object.assign(out, { load: t1 - t0, first: performance.now() - t0 });
  } else {
    const m = await import(arg);
    const t1 = performance.now();
    const key = m.importPublicKey(pem);
    const t2 = performance.now();
    let n;
    if (who === 'ours, handler') {
      const handler = m.createNotifyHandler({ alipayPublicKey: key, onNotification: (x) => { n = x; } });
      const res = await handler(request);
      out.answer = await res.text();
    } else {
      n = await m.decodeNotification(body, { alipayPublicKey: key, contentType });
      out.answer = 'decoded';
    }
    const t3 = performance.now();
    out.notification = n && { kind: n.kind, isSuccess: n.isSuccess, outerTaskId: n.outerTaskId, notifyId: n.notifyId, bidders: n.successBidders.length + n.failBidders.length, nick: n.successBidders[0]?.nickName };
    Object.assign(out, { load: t1 - t0, key: t2 - t1, decode: t3 - t2, first: t3 - t0 });
  }
}
console.log(JSON.stringify(out));
`;

const LOAD = [
  { id: 'empty module (Node floor)', arg: 'EMPTY' },
  { id: 'jsrsasign (import)', who: 'jsrsasign (import)' },
  { id: 'jsrsasign (require)', who: 'jsrsasign' },
  { id: 'whole package (index)', arg: dist('esm/index.js') },
  { id: 'notify + dsa entries', arg: `${dist('esm/notify.js')} ${dist('esm/dsa.js')}` },
  { id: 'endpoint entry (ESM)', arg: dist('esm/endpoint.js'), ours: true },
  { id: 'endpoint entry (CJS require)', who: 'endpoint.cjs', arg: fileURLToPath(dist('cjs/endpoint.cjs')) },
];
const FIRST = [
  { id: 'ours, decodeNotification', arg: dist('esm/endpoint.js') },
  { id: 'ours, handler', arg: dist('esm/endpoint.js') },
  { id: 'jsrsasign' },
  { id: 'node:crypto' },
];

/** Runs the group; returns { title, text, markdown, rows } for run.mjs. */
export function runLoadBench({ rounds = 9, log = console.log } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-load-'));
  const child = path.join(dir, 'child.mjs');
  writeFileSync(child, CHILD);
  writeFileSync(path.join(dir, 'empty.mjs'), 'export const empty = true;\n');
  const requireFrom = pathToFileURL(path.join(here, 'load.mjs')).href; // resolves jsrsasign from the repository
  createRequire(requireFrom).resolve('jsrsasign');
  for (const f of ['esm/endpoint.js', 'esm/index.js', 'cjs/endpoint.cjs'])
    if (!fs.existsSync(fileURLToPath(dist(f)))) throw new Error(`dist/${f} is missing: build first (npm run build)`);

  // The §6.1 GBK notification, signed by OpenSSL with the 1024/160 benchmark key.
  const keys = KEYS['1024/160'];
  const { body, canonical, sign } = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), {
    charset: 'gbk',
    privateKey: crypto.createPrivateKey(keys.privatePem),
  });
  writeFileSync(path.join(dir, 'public.pem'), keys.publicPem);
  writeFileSync(path.join(dir, 'body.bin'), body);
  writeFileSync(path.join(dir, 'canonical.bin'), canonical);
  writeFileSync(path.join(dir, 'sign.txt'), sign);

  const spawn = (args) => {
    const s = process.hrtime.bigint();
    const out = spawnSync(process.execPath, [child, ...args]);
    const wall = Number(process.hrtime.bigint() - s) / 1e6;
    if (out.status !== 0) throw new Error(`load child ${args.slice(0, 2).join(' ')}: ${out.status} ${out.stderr}`);
    return { ...JSON.parse(out.stdout.toString()), wall };
  };
  const check = (c, r) => {
    const want = c.id === 'ours, handler' ? 'success' : c.id.startsWith('ours') ? 'decoded' : 'true';
    const n = r.notification;
    const ok =
      r.answer === want &&
      (!c.id.startsWith('ours') ||
        (n?.kind === 'left_amount_handled' && n.isSuccess === true && n.notifyId === '70fec0c2730b27528665af4517c27b95'));
    if (!ok) throw new Error(`first verification, ${c.id}: unexpected answer ${JSON.stringify(r)}`);
  };

  const all = [...LOAD.map((c) => ({ ...c, mode: 'load' })), ...FIRST.map((c) => ({ ...c, mode: 'first' }))];
  const per = new Map(all.map((c) => [`${c.mode}:${c.id}`, []]));
  try {
    for (let r = -1; r < rounds; r++) {
      const k = ((r % all.length) + all.length) % all.length;
      for (const c of [...all.slice(k), ...all.slice(0, k)]) {
        let res;
        if (c.mode === 'load') {
          const arg = c.arg === 'EMPTY' ? pathToFileURL(path.join(dir, 'empty.mjs')).href : (c.arg ?? requireFrom);
          res = spawn(['load', c.who ?? 'ours', c.who?.startsWith('jsrsasign') ? requireFrom : arg]);
        } else {
          res = spawn(['first', c.id, c.arg ?? requireFrom, dir]);
          check(c, res);
        }
        if (r >= 0) per.get(`${c.mode}:${c.id}`).push(res);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const med = (key, field) => median(per.get(key).map((x) => x[field]));
  const loads = (id) => per.get(`load:${id}`).map((x) => x.load);
  const jsrImport = loads('jsrsasign (import)');
  const jsrRequire = loads('jsrsasign (require)');
  const loadRows = LOAD.map((c) => {
    const xs = loads(c.id);
    return {
      id: c.id,
      load: median(xs),
      ready: median(per.get(`load:${c.id}`).map((x) => x.start + x.load)),
      wall: med(`load:${c.id}`, 'wall'),
      vsImport: median(xs.map((x, i) => jsrImport[i] / x)),
      vsRequire: median(xs.map((x, i) => jsrRequire[i] / x)),
    };
  });
  const firstRows = FIRST.map((c) => {
    const xs = per.get(`first:${c.id}`);
    const m = (f) => (xs[0][f] === undefined ? undefined : median(xs.map((x) => x[f])));
    return { id: c.id, load: m('load'), key: m('key'), decode: m('decode'), first: m('first'), wall: m('wall') };
  });
  // Like for like: an ES module importing each (the brief's jsrsasign figure), and require() of each.
  const esm = loadRows.find((r) => r.id === 'endpoint entry (ESM)');
  const cjs = loadRows.find((r) => r.id === 'endpoint entry (CJS require)');
  const met = esm.vsImport >= TARGET;
  const metCjs = cjs.vsRequire >= TARGET;
  log(
    `  load: endpoint entry ${esm.load.toFixed(2)} ms (import) / ${cjs.load.toFixed(2)} ms (require), jsrsasign ${median(jsrImport).toFixed(2)} / ${median(jsrRequire).toFixed(2)} ms`,
  );
  const ms = (x) => (x === undefined ? '—' : `${x.toFixed(2)} ms`);
  const loadHeader = [
    'imports',
    'import (in the child)',
    'imported at (since process start)',
    'process wall time',
    'jsrsasign import / this',
    'jsrsasign require / this',
  ];
  const loadCells = loadRows.map((r) => [r.id, ms(r.load), ms(r.ready), ms(r.wall), fmtRatio(r.vsImport), fmtRatio(r.vsRequire)]);
  const firstHeader = [
    'first verification',
    'import',
    'key import',
    'decode / verify',
    'total from before the import',
    'process wall time',
  ];
  const firstCells = firstRows.map((r) => [
    r.id,
    ms(r.load),
    ms(r.key),
    r.decode === undefined ? `(in total)` : ms(r.decode),
    ms(r.first),
    ms(r.wall),
  ]);
  const targetLine =
    `endpoint entry (ESM import) load ≤ 1/${TARGET} of jsrsasign's (ESM import): ${fmtRatio(esm.vsImport)} — ≤ 1/${TARGET} ${met ? 'met' : 'NOT met'}\n` +
    `endpoint entry (CJS require) load ≤ 1/${TARGET} of jsrsasign's (require): ${fmtRatio(cjs.vsRequire)} — ≤ 1/${TARGET} ${metCjs ? 'met' : 'NOT met'}`;
  return {
    title: 'Load time and first verification in a fresh process',
    text: `${textTable(loadHeader, loadCells)}\n\n${textTable(firstHeader, firstCells)}\n\n${targetLine}`,
    markdown: [
      `One new \`node\` process per sample, ${rounds} rounds (plus one discarded), every contender once per round in a rotated order;`,
      'medians, and the ratio is the median over rounds of (jsrsasign / this). The import is timed inside the child with',
      '`performance.now()` around its dynamic import (jsrsasign: `require`); "imported at" counts from the process start;',
      'the wall time is the whole process, measured by the parent.',
      '',
      mdTable(loadHeader, loadCells),
      '',
      'First verification of a fresh process, a signed §6.1 GBK notification (1024/160), timed from before the import.',
      'jsrsasign and node:crypto verify the same canonical bytes (no form or XML decoding).',
      '',
      mdTable(firstHeader, firstCells),
      '',
      `Targets:\n\n${targetLine
        .split('\n')
        .map((l) => `- ${l}`)
        .join('\n')}`,
    ].join('\n'),
    rows: { load: loadRows, first: firstRows, met, metCjs },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 9;
  console.log(runLoadBench({ rounds }).text);
}
