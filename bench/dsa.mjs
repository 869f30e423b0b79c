// DSA benchmark group: our DSA against node:crypto (OpenSSL) and jsrsasign, for sign and verify at
// 1024/160 (SHA-1, Alipay's size), 2048/224, 2048/256 and 3072/256.
//
// Warm path: a key object reused, with its tables built by precompute(). Cold path: import the PEM,
// then one operation (node:crypto's cold path is its PEM-per-call form). Also: table build time and
// retained heap per key object.
//
// Engines and load: the main pass runs on the engine this runtime picks (WebAssembly Montgomery
// arithmetic in Node). Then warm sign/verify against OpenSSL are measured again: with the bigint engine
// (a child process, `node bench/dsa.mjs --core --engine bigint`, since the engine and its tables are
// per process), and both engines again while a memory-bandwidth hog (bench/lib/hog.mjs) takes the other
// core and evicts the shared cache. Each is ≥ 9 interleaved rounds; ratios are within-round.
import { fork, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import * as lib from '../dist/esm/index.js';
import * as T from '../dist/esm/testing.js';
import { fmtRatio, fmtUs, interleavedRounds, mdTable, median, medianRatio, retainedBytes, textTable } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const { KJUR, KEYUTIL } = require('jsrsasign');

const SIZES = [
  { L: 1024, N: 160, hash: 'sha1', jsr: 'SHA1withDSA' },
  { L: 2048, N: 224, hash: 'sha224', jsr: 'SHA224withDSA' },
  { L: 2048, N: 256, hash: 'sha256', jsr: 'SHA256withDSA' },
  { L: 3072, N: 256, hash: 'sha256', jsr: 'SHA256withDSA' },
];

// Messages shaped like the canonical string of a witkey request (ASCII, ~320 bytes), 64 of them:
// each call of each contender takes the next one. Why not one message: with RFC 6979 the nonce
// derivation restarts whenever a candidate k ≥ q, which for a given key depends on the message (for
// the 1024/160 fixture q ≈ 0.68·2^160, so about a third of messages need a retry, +4 µs each);
// a single message would measure one lucky or unlucky case instead of the average.
const MESSAGES = Array.from({ length: 64 }, (_, i) =>
  new TextEncoder().encode(
    '_input_charset=utf-8&amount=12.34&notify_url=https://partner.example.com/alipay/notify' +
      `&out_biz_no=202611250001234${String(56789 + i * 7919).padStart(6, '0')}` +
      '&partner=2088101122136241&return_url=https://partner.example.com/alipay/return&service=alipay.witkey.task.left.amount.handle' +
      `&sign_type=DSA&task_id=TK20261125${String(i).padStart(5, '0')}&user_id=2088102122524333&memo=bench`,
  ),
);

const KEYS = JSON.parse(fs.readFileSync(new URL('./fixtures/dsa-keys.json', import.meta.url), 'utf8'));

// Until the key import lands (branch `keys`), a bench-local SPKI/PKCS#8 reader stands in; the report
// says which one was used.
const nativeImport = typeof lib.importPublicKey === 'function' && typeof lib.importPrivateKey === 'function';
const importPublicKey = nativeImport ? lib.importPublicKey : standInImportPublic;
const importPrivateKey = nativeImport ? lib.importPrivateKey : standInImportPrivate;

function derChildren(b, start, end) {
  const out = [];
  for (let p = start; p < end; ) {
    let len = b[p + 1];
    let o = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[o + i];
      o += n;
    }
    out.push({ tag: b[p], start: o, end: o + len });
    p = o + len;
  }
  return out;
}
const derInt = (b, t) => BigInt('0x' + (Buffer.from(b.subarray(t.start, t.end)).toString('hex') || '0'));
const pemBody = (pem) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
function standInImportPublic(pem) {
  const b = pemBody(pem);
  const [top] = derChildren(b, 0, b.length);
  const [alg, bits] = derChildren(b, top.start, top.end);
  const [, params] = derChildren(b, alg.start, alg.end);
  const [p, q, g] = derChildren(b, params.start, params.end).map((t) => derInt(b, t));
  const [yt] = derChildren(b, bits.start + 1, bits.end);
  return lib.createPublicKey({ p, q, g, y: derInt(b, yt) });
}
function standInImportPrivate(pem) {
  const b = pemBody(pem);
  const [top] = derChildren(b, 0, b.length);
  const [, alg, oct] = derChildren(b, top.start, top.end);
  const [, params] = derChildren(b, alg.start, alg.end);
  const [p, q, g] = derChildren(b, params.start, params.end).map((t) => derInt(b, t));
  const [xt] = derChildren(b, oct.start, oct.end);
  return lib.createPrivateKey({ p, q, g, x: derInt(b, xt) });
}

function setup(size) {
  const { L, N, hash, jsr } = size;
  const { publicPem, privatePem } = KEYS[`${L}/${N}`];
  const msgs = MESSAGES;
  const bufs = msgs.map((m) => Buffer.from(m));
  const hexes = bufs.map((b) => b.toString('hex'));
  const nodePriv = crypto.createPrivateKey(privatePem);
  const nodePub = crypto.createPublicKey(publicPem);
  const sigBufs = bufs.map((b) => crypto.sign(hash, b, nodePriv));
  const sigs = sigBufs.map((b) => new Uint8Array(b));
  const sigHexes = sigBufs.map((b) => b.toString('hex'));
  const priv = importPrivateKey(privatePem);
  const pub = importPublicKey(publicPem);
  lib.precompute(priv);
  lib.precompute(pub);
  const jsrPriv = KEYUTIL.getKey(privatePem);
  const jsrPub = KEYUTIL.getKey(publicPem);
  const jsrSign = (key, i) => {
    const s = new KJUR.crypto.Signature({ alg: jsr });
    s.init(key);
    s.updateHex(hexes[i]);
    return s.sign();
  };
  const jsrVerify = (key, i) => {
    const s = new KJUR.crypto.Signature({ alg: jsr });
    s.init(key);
    s.updateHex(hexes[i]);
    return s.verify(sigHexes[i]);
  };
  // Sanity: every contender agrees before anything is timed.
  const checks = {
    'ours verify': msgs.every((m, i) => lib.verify(sigs[i], m, pub)),
    'ours sign → node verify': msgs.every((m, i) => crypto.verify(hash, bufs[i], nodePub, Buffer.from(lib.sign(m, priv)))),
    'jsrsasign verify': jsrVerify(jsrPub, 0),
    'jsrsasign sign → node verify': crypto.verify(hash, bufs[1], nodePub, Buffer.from(jsrSign(jsrPriv, 1), 'hex')),
    'ours cold verify': lib.verify(sigs[2], msgs[2], importPublicKey(publicPem)),
  };
  for (const [what, ok] of Object.entries(checks)) if (!ok) throw new Error(`${L}/${N}: ${what} failed`);
  // Each task walks the 64 messages with its own counter.
  const walk = (fn) => {
    let i = 0;
    return () => fn(i++ & 63);
  };
  const id = `${L}/${N}`;
  return {
    size,
    sign: {
      id: `${id} sign`,
      tasks: {
        ours: walk((i) => lib.sign(msgs[i], priv)),
        'node KeyObject': walk((i) => crypto.sign(hash, bufs[i], nodePriv)),
        'node PEM': walk((i) => crypto.sign(hash, bufs[i], privatePem)),
        jsrsasign: walk((i) => jsrSign(jsrPriv, i)),
        'ours cold': walk((i) => lib.sign(msgs[i], importPrivateKey(privatePem))),
        'ours import only': () => importPrivateKey(privatePem),
        'jsrsasign cold': walk((i) => jsrSign(KEYUTIL.getKey(privatePem), i)),
      },
    },
    verify: {
      id: `${id} verify`,
      tasks: {
        ours: walk((i) => lib.verify(sigs[i], msgs[i], pub)),
        'node KeyObject': walk((i) => crypto.verify(hash, bufs[i], nodePub, sigBufs[i])),
        'node PEM': walk((i) => crypto.verify(hash, bufs[i], publicPem, sigBufs[i])),
        jsrsasign: walk((i) => jsrVerify(jsrPub, i)),
        'ours cold': walk((i) => lib.verify(sigs[i], msgs[i], importPublicKey(publicPem))),
        'ours import only': () => importPublicKey(publicPem),
        'jsrsasign cold': walk((i) => jsrVerify(KEYUTIL.getKey(publicPem), i)),
      },
    },
    tables: { privatePem, publicPem },
  };
}

/** Build time (tinybench, fresh key object per iteration) and retained heap of one key's tables. */
function tableCost(_size, { privatePem, publicPem }) {
  const out = {};
  for (const kind of ['sign', 'verify']) {
    // A new key object each time: re-importing the same public PEM returns the earlier object (with
    // its tables), so verification keys come from a fresh random x in the same domain instead. The
    // signing comb is shared by domain value, so the library's domain states are dropped first (the
    // testing hook) and a fresh private key starts without one.
    const domain = importPublicKey(publicPem).domain;
    const fresh = () => {
      if (kind === 'sign') {
        T.resetDomainStates();
        return importPrivateKey(privatePem);
      }
      return lib.createPrivateKey({ domain, x: (BigInt('0x' + crypto.randomBytes(40).toString('hex')) % (domain.q - 1n)) + 1n })
        .publicKey;
    };
    let key;
    const bench = new Bench({ time: 150, iterations: 3, warmup: false, throws: true });
    bench.add(kind, () => lib.precompute(key), {
      beforeEach() {
        key = fresh();
      },
    });
    bench.runSync();
    const buildMs = bench.tasks[0].result.latency.p50;
    const setupFn = kind === 'sign' ? T.resetDomainStates : undefined;
    const bytes =
      retainedBytes(
        () => {
          const k = fresh();
          lib.precompute(k);
          return k;
        },
        3,
        setupFn,
      ) - retainedBytes(() => fresh(), 3, setupFn);
    out[kind] = { buildMs, bytes };
  }
  return out;
}

/** Runs the group; returns { text, markdown, summary } for run.mjs. */
export function runDsa({ rounds = 9, sizes, log = console.log } = {}) {
  const t0 = Date.now();
  log(
    `DSA: key import = ${nativeImport ? 'importPublicKey/importPrivateKey (library)' : 'bench-local stand-in (library import not built yet)'}`,
  );
  const ctx = SIZES.filter((s) => !sizes || sizes.includes(`${s.L}/${s.N}`)).map(setup);
  const groups = ctx.flatMap((c) => [c.sign, c.verify]);
  if (process.env.BENCH_TASKS) {
    const keep = process.env.BENCH_TASKS.split(',');
    for (const g of groups) for (const n of Object.keys(g.tasks)) if (!keep.includes(n)) delete g.tasks[n];
  }
  const samples = interleavedRounds(groups, {
    rounds,
    onRound: (r, n) =>
      log(r === 0 ? '  warm-up round done' : `  round ${r}/${n} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
  });
  const rows = [];
  for (const c of ctx) {
    for (const op of ['sign', 'verify']) {
      const s = samples.get(c[op].id);
      const lat = (n) => median(s[n]);
      rows.push({
        size: `${c.size.L}/${c.size.N}`,
        op,
        ours: lat('ours'),
        nodeKO: lat('node KeyObject'),
        nodePEM: lat('node PEM'),
        jsr: lat('jsrsasign'),
        oursCold: lat('ours cold'),
        jsrCold: lat('jsrsasign cold'),
        oursImport: lat('ours import only'),
        warmVsNode: medianRatio(s, 'ours', 'node KeyObject'),
        warmVsNodePem: medianRatio(s, 'ours', 'node PEM'),
        warmVsJsr: medianRatio(s, 'ours', 'jsrsasign'),
        coldVsNode: medianRatio(s, 'ours cold', 'node PEM'),
        coldVsJsr: medianRatio(s, 'ours cold', 'jsrsasign cold'),
      });
    }
  }
  log('  measuring table build time and memory per key…');
  const tables = ctx.map((c) => ({ size: `${c.size.L}/${c.size.N}`, ...tableCost(c.size, c.tables) }));

  const ratioHeader = [
    'size',
    'op',
    'warm vs OpenSSL (KeyObject)',
    'warm vs OpenSSL (PEM per call)',
    'warm vs jsrsasign',
    'cold vs OpenSSL cold',
    'cold vs jsrsasign cold',
  ];
  const ratioRows = rows.map((r) => [
    r.size,
    r.op,
    fmtRatio(r.warmVsNode),
    fmtRatio(r.warmVsNodePem),
    fmtRatio(r.warmVsJsr),
    fmtRatio(r.coldVsNode),
    fmtRatio(r.coldVsJsr),
  ]);
  const latHeader = [
    'size',
    'op',
    'ours warm',
    'OpenSSL KeyObject',
    'OpenSSL PEM per call',
    'jsrsasign warm',
    'ours cold',
    'jsrsasign cold',
  ];
  const latRows = rows.map((r) => [
    r.size,
    r.op,
    fmtUs(r.ours),
    fmtUs(r.nodeKO),
    fmtUs(r.nodePEM),
    fmtUs(r.jsr),
    fmtUs(r.oursCold),
    fmtUs(r.jsrCold),
  ]);
  // The speed targets (warm sign and verify, cold verify, against OpenSSL), evaluated on this run's ratios.
  const at = (size, op) => rows.find((r) => r.size === size && r.op === op);
  log('  warm sign/verify vs OpenSSL again: bigint engine (child process), then both engines under load…');
  const passes = enginePasses({ rounds, sizes, log });
  const pass = (name, size, op) => passes[name]?.find((r) => r.size === size && r.op === op)?.ratio ?? NaN;
  const targets = [];
  for (const size of ['1024/160', '2048/256']) {
    for (const [op, min] of [
      ['sign', 2],
      ['verify', 1.5],
    ]) {
      if (!at(size, op)) continue;
      targets.push([`warm ${op} ≥ ${min}× OpenSSL, ${size}, quiet`, at(size, op).warmVsNode, min]);
      targets.push([`warm ${op} ≥ ${min}× OpenSSL, ${size}, under load`, pass('wasm loaded', size, op), min]);
    }
  }
  for (const r of rows)
    if (r.op === 'verify') targets.push([`cold verify (PEM import + verify) ≥ 0.6× OpenSSL cold, ${r.size}`, r.coldVsNode, 0.6]);
  for (const r of rows) {
    targets.push([`warm ${r.op} ≥ 30× jsrsasign, ${r.size}`, r.warmVsJsr, 30]);
    targets.push([`cold ${r.op} (re-import, running process) ≥ 30× jsrsasign cold, ${r.size}`, r.coldVsJsr, 30]);
  }
  const engineHeader = [
    'size',
    'op',
    'WebAssembly, quiet',
    'bigint, quiet',
    'WebAssembly, under load',
    'bigint, under load',
    'ours / OpenSSL latency (WebAssembly, quiet · loaded)',
  ];
  const engineRows = rows.map((r) => {
    const loaded = passes['wasm loaded']?.find((x) => x.size === r.size && x.op === r.op);
    return [
      r.size,
      r.op,
      fmtRatio(r.warmVsNode),
      fmtRatio(pass('bigint quiet', r.size, r.op)),
      fmtRatio(pass('wasm loaded', r.size, r.op)),
      fmtRatio(pass('bigint loaded', r.size, r.op)),
      `${fmtUs(r.ours)} / ${fmtUs(r.nodeKO)} · ${loaded ? `${fmtUs(loaded.ours)} / ${fmtUs(loaded.node)}` : '—'}`,
    ];
  });
  const targetHeader = ['target', 'ratio', 'met'];
  const targetRows = targets.map(([what, ratio, min]) => [what, fmtRatio(ratio), ratio >= min ? 'yes' : 'NO']);
  const coldHeader = ['size', 'op', 'ours cold', 'of which PEM import', 'of which the operation', 'OpenSSL cold (PEM per call)'];
  const coldRows = rows.map((r) => [
    r.size,
    r.op,
    fmtUs(r.oursCold),
    fmtUs(r.oursImport),
    fmtUs(r.oursCold - r.oursImport),
    fmtUs(r.nodePEM),
  ]);
  const tabHeader = [
    'size',
    'sign tables (per domain): build',
    'sign tables: memory',
    'verify tables (g, y): build',
    'verify tables: memory',
  ];
  const mb = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const tabRows = tables.map((t) => [
    t.size,
    fmtUs(t.sign.buildMs),
    mb(t.sign.bytes),
    fmtUs(t.verify.buildMs),
    mb(t.verify.bytes),
  ]);

  const text = [
    'Ratios (median of per-round ratios; > 1 means ours is faster):',
    textTable(ratioHeader, ratioRows),
    '',
    'Latencies (10 % trimmed mean per round, median over rounds):',
    textTable(latHeader, latRows),
    '',
    'Cold path, split (medians; import = importPublicKey/importPrivateKey alone):',
    textTable(coldHeader, coldRows),
    '',
    'Per-key tables (precompute): build time and retained memory (V8 heap + external) per key object:',
    textTable(tabHeader, tabRows),
    '',
    'Warm vs OpenSSL (KeyObject) by engine and load (median of per-round ratios):',
    textTable(engineHeader, engineRows),
    '',
    'Targets:',
    textTable(targetHeader, targetRows),
  ].join('\n');
  const markdown = [
    '### Ratios',
    '',
    'Median over rounds of the per-round ratio (their latency / our latency; latency = 10 % trimmed mean of one',
    "round's samples); > 1 means ours is faster.",
    'Warm: one key object reused, tables built (`precompute`). Cold: import the PEM, then one operation;',
    "OpenSSL's cold path is node:crypto with the PEM string passed to every call.",
    'Re-importing the same public PEM returns the earlier key object (the last 4 are kept), so cold *verify*',
    "builds that object's tables after its first uses and then runs near the warm speed. A private-key import",
    'always makes a new object (no secrets are cached), but the signing comb depends only on the public domain',
    '(p, q, g) and is shared by value by every private key of the domain: here it was built by `precompute` of',
    'the warm key (without that, after 24 / 11 / 10 / 7 signatures in the domain on WebAssembly), so cold *sign* is the import',
    '(which no longer computes y = g^x: PKCS#8 carries no y; it is computed when `publicKey` is first read) plus',
    'a signature with tables. The truly first import + sign of a fresh process is the next section;',
    'the first import of a never-seen public key in a fresh process is timed by `node bench/key-import.mjs`.',
    '',
    mdTable(ratioHeader, ratioRows),
    '',
    '### Latencies',
    '',
    mdTable(latHeader, latRows),
    '',
    '### Cold path, split',
    '',
    'The PEM import alone (`importPublicKey` / `importPrivateKey`, validation results cached by value: the same PEM',
    'is imported every call) and the rest (hash, inverse, and the exponentiation: with tables for a re-imported',
    "public key, with the domain's shared signing comb for a private key).",
    '',
    mdTable(coldHeader, coldRows),
    '',
    '### By engine and load',
    '',
    'Warm sign / verify against OpenSSL (KeyObject), median of per-round ratios over ≥ 9 interleaved rounds.',
    'WebAssembly, quiet: the main pass above. bigint: the same measurement in a child process whose DSA runs',
    'on the bigint fallback (what workerd and an extension without `wasm-unsafe-eval` run). Under load: while',
    '`bench/lib/hog.mjs` walks a 256 MiB buffer on the other core (a memory-bandwidth hog that evicts the',
    'shared last-level cache), started by the bench itself; OpenSSL runs under the same load in the same rounds.',
    '',
    mdTable(engineHeader, engineRows),
    '',
    '### Targets',
    '',
    mdTable(targetHeader, targetRows),
    '',
    '### Tables per key',
    '',
    'Build time of `precompute(key)` (tinybench, fresh key object each iteration, p50) and the memory the',
    'tables retain (heapUsed + external after full GC, key with tables minus key without; on WebAssembly the',
    'tables are in the instance memory, which counts as external). The signing comb (g over',
    'blinded N+65-bit exponents) is one per domain, shared by every private key of the domain; a public key',
    'object holds combs for g and y over N-bit exponents.',
    '',
    mdTable(tabHeader, tabRows),
    '',
    `Key import: ${nativeImport ? '`importPublicKey` / `importPrivateKey` from the library.' : 'a bench-local SPKI/PKCS#8 reader + `createPublicKey`/`createPrivateKey` (the library import was not built yet).'}`,
  ].join('\n');
  return { title: 'DSA sign / verify', text, markdown, rows, tables, passes };
}

/**
 * Warm sign and verify of ours against OpenSSL (KeyObject) only, interleaved: the core measurement of
 * the engine and load passes. Returns rows { size, op, ours, node, ratio } (latencies in ms).
 */
export function coreRatios({ rounds = 9, sizes, log = () => {} } = {}) {
  const ctx = SIZES.filter((s) => !sizes || sizes.includes(`${s.L}/${s.N}`)).map(setup);
  const groups = ctx.flatMap((c) =>
    ['sign', 'verify'].map((op) => ({
      id: c[op].id,
      tasks: { ours: c[op].tasks.ours, 'node KeyObject': c[op].tasks['node KeyObject'] },
    })),
  );
  const samples = interleavedRounds(groups, { rounds, onRound: (r, n) => r && log(`    round ${r}/${n}`) });
  return ctx.flatMap((c) =>
    ['sign', 'verify'].map((op) => {
      const s = samples.get(c[op].id);
      return {
        size: `${c.size.L}/${c.size.N}`,
        op,
        ours: median(s.ours),
        node: median(s['node KeyObject']),
        ratio: medianRatio(s, 'ours', 'node KeyObject'),
      };
    }),
  );
}

/** Starts bench/lib/hog.mjs; resolves with a function that stops it. */
function startHog() {
  const child = fork(fileURLToPath(new URL('./lib/hog.mjs', import.meta.url)), [], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(() => child.kill('SIGKILL')));
    child.once('error', reject);
  });
}

/** The bigint engine in a child process (`--core --engine bigint`), optionally with its own hog. */
function bigintPass({ rounds, sizes, loaded }) {
  const args = [fileURLToPath(import.meta.url), '--core', '--engine', 'bigint', '--rounds', String(rounds)];
  if (sizes) args.push('--sizes', sizes.join(','));
  if (loaded) args.push('--loaded');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bigint pass failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The engine × load passes: { 'bigint quiet', 'wasm loaded', 'bigint loaded' } → rows of coreRatios. */
function enginePasses({ rounds, sizes, log }) {
  const out = {};
  out['bigint quiet'] = bigintPass({ rounds, sizes, loaded: false });
  log('  bigint quiet done');
  out['bigint loaded'] = bigintPass({ rounds, sizes, loaded: true });
  log('  bigint under load done');
  const stop = syncHog();
  try {
    out['wasm loaded'] = coreRatios({ rounds, sizes, log });
  } finally {
    stop();
  }
  log('  WebAssembly under load done');
  return out;
}

/** Starts the hog and waits (synchronously, the bench loop is synchronous) until it runs. */
function syncHog() {
  const child = fork(fileURLToPath(new URL('./lib/hog.mjs', import.meta.url)), [], { stdio: 'ignore' });
  // The hog allocates 256 MiB before it starts walking; give it that time.
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    /* wait */
  }
  return () => child.kill('SIGKILL');
}

// `node bench/dsa.mjs --core --engine bigint [--loaded] [--rounds N] [--sizes …]`: prints the JSON of
// coreRatios on that engine (a child of the engine passes).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--core')) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const engine = arg('engine');
  if (engine && !T.setDsaEngine(engine)) throw new Error(`engine ${engine} is not available`);
  const stop = process.argv.includes('--loaded') ? await startHog() : () => {};
  try {
    const rows = coreRatios({ rounds: Number(arg('rounds') ?? 9), sizes: arg('sizes')?.split(',') });
    console.log(JSON.stringify(rows));
  } finally {
    stop();
  }
}
