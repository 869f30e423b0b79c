#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Cold signing in a fresh process: the truly first importPrivateKey(pem) + sign of a process, which
// no cache, table or JIT tier has seen, against jsrsasign's first KEYUTIL.getKey(pem) + sign and
// node:crypto's first crypto.sign(hash, msg, pem), for every DSA size.
//
// Each sample is one new `node` process that loads the library (timed apart: "module load"), reads
// the PEM, then times the first import + signature; the signature is checked with node:crypto
// after the timing. Contenders are interleaved per round (order rotated) so that machine load hits
// all of them alike; the ratio is the median over rounds of (their first call / ours).
//
// `node bench/cold-sign.mjs [--rounds N] [--sizes 1024/160,...]`, or as a group of bench/run.mjs.
import crypto from 'node:crypto';
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmtRatio, mdTable, median, textTable } from './lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const KEYS = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/dsa-keys.json'), 'utf8'));
const SIZES = [
  { L: 1024, N: 160, hash: 'sha1', jsr: 'SHA1withDSA' },
  { L: 2048, N: 224, hash: 'sha224', jsr: 'SHA224withDSA' },
  { L: 2048, N: 256, hash: 'sha256', jsr: 'SHA256withDSA' },
  { L: 3072, N: 256, hash: 'sha256', jsr: 'SHA256withDSA' },
];
const MESSAGE =
  '_input_charset=utf-8&amount=12.34&notify_url=https://partner.example.com/alipay/notify&out_biz_no=20261125000123456789' +
  '&partner=2088101122136241&return_url=https://partner.example.com/alipay/return&service=alipay.witkey.task.left.amount.handle' +
  '&sign_type=DSA&task_id=TK2026112500001&user_id=2088102122524333&memo=bench';

// argv: contender, library entry, pem file, jsrsasign alg, node hash. Prints { load, first, sig (hex) }.
const CHILD = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const [who, entry, pemFile, alg, hash] = process.argv.slice(2);
const msg = new TextEncoder().encode(${JSON.stringify(MESSAGE)});
let load, first, sig;
if (who === 'ours') {
  const t0 = performance.now();
  const { importPrivateKey, sign } = await import(entry);
  const t1 = performance.now();
  const pem = readFileSync(pemFile, 'utf8');
  const t2 = performance.now();
  const s = sign(msg, importPrivateKey(pem));
  const t3 = performance.now();
  load = t1 - t0; first = t3 - t2; sig = Buffer.from(s).toString('hex');
} else if (who === 'jsrsasign') {
  const t0 = performance.now();
  const { KJUR, KEYUTIL } = createRequire(entry)('jsrsasign');
  const t1 = performance.now();
  const pem = readFileSync(pemFile, 'utf8');
  const hex = Buffer.from(msg).toString('hex');
  const t2 = performance.now();
  const s = new KJUR.crypto.Signature({ alg });
  s.init(KEYUTIL.getKey(pem));
  s.updateHex(hex);
  sig = s.sign();
  const t3 = performance.now();
  load = t1 - t0; first = t3 - t2;
} else {
  const t0 = performance.now();
  const crypto = await import('node:crypto');
  const t1 = performance.now();
  const pem = readFileSync(pemFile, 'utf8');
  const t2 = performance.now();
  const s = crypto.sign(hash, msg, pem);
  const t3 = performance.now();
  load = t1 - t0; first = t3 - t2; sig = s.toString('hex');
}
console.log(JSON.stringify({ load, first, sig }));
`;

const CONTENDERS = ['ours', 'jsrsasign', 'node:crypto'];

/** Runs the group; returns { title, text, markdown, rows } for run.mjs. */
export function runColdSign({ rounds = 9, sizes, log = console.log } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cold-sign-'));
  const child = path.join(dir, 'child.mjs');
  writeFileSync(child, CHILD);
  const entry = pathToFileURL(path.join(here, '../dist/esm/index.js')).href;
  const requireFrom = pathToFileURL(path.join(here, 'cold-sign.mjs')).href; // resolves jsrsasign from the repository
  createRequire(requireFrom).resolve('jsrsasign');
  const rows = [];
  try {
    for (const size of SIZES.filter((s) => !sizes || sizes.includes(`${s.L}/${s.N}`))) {
      const id = `${size.L}/${size.N}`;
      const pemFile = path.join(dir, `${size.L}-${size.N}.pem`);
      writeFileSync(pemFile, KEYS[id].privatePem);
      const publicKey = crypto.createPublicKey(KEYS[id].publicPem);
      const per = Object.fromEntries(CONTENDERS.map((c) => [c, { load: [], first: [] }]));
      for (let r = 0; r < rounds; r++) {
        const order = [...CONTENDERS.slice(r % 3), ...CONTENDERS.slice(0, r % 3)];
        for (const who of order) {
          const out = spawnSync(process.execPath, [
            child,
            who,
            who === 'jsrsasign' ? requireFrom : entry,
            pemFile,
            size.jsr,
            size.hash,
          ]);
          if (out.status !== 0) throw new Error(`cold-sign child ${who} ${id}: ${out.status} ${out.stderr}`);
          const res = JSON.parse(out.stdout.toString());
          const ok = crypto.verify(size.hash, Buffer.from(MESSAGE), publicKey, Buffer.from(res.sig, 'hex'));
          if (!ok) throw new Error(`cold-sign child ${who} ${id}: signature does not verify`);
          per[who].load.push(res.load);
          per[who].first.push(res.first);
        }
      }
      const ratio = (other) => median(per.ours.first.map((x, i) => per[other].first[i] / x));
      const row = {
        size: id,
        oursLoad: median(per.ours.load),
        oursFirst: median(per.ours.first),
        jsrLoad: median(per.jsrsasign.load),
        jsrFirst: median(per.jsrsasign.first),
        nodeFirst: median(per['node:crypto'].first),
        vsJsr: ratio('jsrsasign'),
        vsNode: ratio('node:crypto'),
      };
      log(
        `  cold sign, fresh process, ${id}: ours ${row.oursFirst.toFixed(2)} ms, jsrsasign ${row.jsrFirst.toFixed(2)} ms (${fmtRatio(row.vsJsr)}), node:crypto ${row.nodeFirst.toFixed(2)} ms`,
      );
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ms = (x) => `${x.toFixed(2)} ms`;
  const header = [
    'size',
    'ours: first import + sign',
    'jsrsasign: first getKey + sign',
    'node:crypto: first sign(PEM)',
    'vs jsrsasign',
    'vs node:crypto',
    'module load: ours / jsrsasign',
  ];
  const cells = rows.map((r) => [
    r.size,
    ms(r.oursFirst),
    ms(r.jsrFirst),
    ms(r.nodeFirst),
    fmtRatio(r.vsJsr),
    fmtRatio(r.vsNode),
    `${ms(r.oursLoad)} / ${ms(r.jsrLoad)}`,
  ]);
  const target = rows.map((r) => [
    `cold sign (fresh process) ≥ 30× jsrsasign, ${r.size}`,
    fmtRatio(r.vsJsr),
    r.vsJsr >= 30 ? 'yes' : 'NO',
  ]);
  return {
    title: 'DSA cold sign in a fresh process',
    text: textTable(header, cells) + '\n\n' + textTable(['target', 'ratio', 'met'], target),
    markdown: [
      `One new \`node\` process per sample (${rounds} per contender and size, interleaved): load the library (timed apart),`,
      'read the PEM, then time the first key import + signature of the process (no cache, no tables, cold JIT).',
      'Medians; the ratios are medians over rounds of (their time / ours). Signatures are checked with node:crypto.',
      '',
      mdTable(header, cells),
      '',
      mdTable(['target', 'ratio', 'met'], target),
    ].join('\n'),
    rows,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
  const res = runColdSign({ rounds: Number(opt('rounds', 9)), sizes: opt('sizes', undefined)?.split(',') });
  console.log(res.text);
}
