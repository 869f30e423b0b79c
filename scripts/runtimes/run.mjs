#!/usr/bin/env node
// Runs the portable suite (test/portable) in every runtime, one after the other, and prints a loud
// per-runtime summary: passed / FAILED / NOT RUN (with the reason), tests passed of expected, wall time.
//
//   node scripts/runtimes/run.mjs            (npm test runs it after the build; needs dist/ and the
//                                            generated data: node scripts/runtimes/gen-data.mjs)
//
// A runtime passes only if its runner exits 0 AND it printed the suite's result line AND that line
// says every expected test passed (the expected count comes from test/portable/all.js, plus the
// runtime-specific checks) — a runner that silently ran nothing fails.
//
// NOT RUN: a runtime whose binary is missing (no browser from apt when not root, no node22 package...)
// is NOT RUN, never passed. It makes the run fail unless allowed explicitly:
//   WITKEY_ALLOW_NOT_RUN=all | <id>,<id>…   e.g. WITKEY_ALLOW_NOT_RUN=webkit,firefox
//   WITKEY_RUNTIMES=<id>,<id>…               run only these (the others: NOT RUN, allowed)
// Ids: node20 node22 node24 deno bun edge-runtime workerd chromium firefox webkit extension.
//
// Results go to build-tmp/runtimes.json (with WITKEY_RUN_ID, set by scripts/test.mjs), which
// test/runtimes/results.test.mjs turns into one node:test test per runtime, so that the closing lines
// of `npm test` count them. Exit code: 0 when every runtime passed or was allowed not to run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './free-port.mjs';
import { ensureMachineNode, machineNode } from './machine-node.mjs';

// `npm run test:runtimes` would start this on node_modules/.bin/node (= Node 22): use the machine's.
await ensureMachineNode();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rel = (p) => path.join(root, p);
const env = process.env;

// ---------------------------------------------------------------------------------------------
// preconditions
for (const f of ['dist/browser/index.js', 'dist/sw/testing.js', 'test/portable/generated/wycheproof.js']) {
  if (!existsSync(rel(f))) {
    console.error(`✖ ${f} is missing: build first (npx rollup -c; node scripts/runtimes/gen-data.mjs)`);
    process.exit(2);
  }
}
export function unlistedPortableFiles() {
  const listed = readFileSync(rel('test/portable/all.js'), 'utf8');
  return readdirSync(rel('test/portable'))
    .filter((f) => f.endsWith('.portable.js'))
    .filter((f) => !listed.includes(`'./${f}'`));
}
const unlisted = unlistedPortableFiles();
if (unlisted.length) {
  console.error(`✖ test/portable/all.js does not import: ${unlisted.join(', ')} (add one line per file)`);
  process.exit(2);
}
const { tests } = await import(pathToFileURL(rel('test/portable/all.js')).href);
const N = tests.length;

// ---------------------------------------------------------------------------------------------
// helpers
const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || null;
const version = (cmd, args = ['--version']) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return (r.stdout || r.stderr || '').trim().split('\n')[0];
};
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Spawns a runner in its own process group; kills the group on timeout. Resolves { code, output }. */
function runProcess(cmd, args, { timeoutMs = 300_000, extraEnv = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run.mjs] timed out after ${timeoutMs / 1000} s: killing the process group\n`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, output: output + String(e) });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 : 1), output });
    });
  });
}
/** The last PORTABLE-RESULT line of a runner's output. */
function resultFromOutput(output) {
  const lines = stripAnsi(output)
    .split('\n')
    .filter((l) => l.includes('PORTABLE-RESULT {'));
  if (!lines.length) return null;
  const l = lines.at(-1);
  return JSON.parse(l.slice(l.indexOf('{')));
}

const node22 = rel('node_modules/node22/bin/node');
const node24 = rel('node_modules/node24/bin/node');
const denoBin = rel('node_modules/.bin/deno');
const bunBin = existsSync(rel('node_modules/bun/bin/bun.exe'))
  ? rel('node_modules/bun/bin/bun.exe')
  : rel('node_modules/.bin/bun');
const chromium = env.CHROME_PATH || '/usr/bin/chromium';
const firefox = env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const resolvable = (name) => {
  try {
    return Boolean(import.meta.resolve(name));
  } catch {
    return false;
  }
};
const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(rel(`node_modules/${name}/package.json`), 'utf8')).version;
  } catch {
    return '?';
  }
};
const aptHint = (pkg) => `${pkg} not installed (apt-get install -y ${pkg}; .ci/run does it when root)`;

const nodeRunner = (bin) => async () => {
  const { code, output } = await runProcess(bin, ['--test', '--test-reporter=spec', 'test/runtimes/node.test.mjs']);
  return { code, output, result: resultFromOutput(output) };
};
const wtrRunner = (browser) => async () => {
  const resultFile = path.join(tmpdir(), `witkey-wtr-${browser}-${process.pid}.json`);
  rmSync(resultFile, { force: true });
  const extraEnv = {
    WTR_BROWSER: browser,
    WTR_PORT: String(await freePort()),
    WTR_RESULT_FILE: resultFile,
    PUPPETEER_SKIP_DOWNLOAD: '1',
  };
  const wtr = rel('node_modules/@web/test-runner/dist/bin.js');
  const { code, output } =
    browser === 'webkit'
      ? await runProcess('xvfb-run', ['-a', process.execPath, rel('scripts/runtimes/webkit.mjs')], { extraEnv })
      : await runProcess(process.execPath, [wtr, '--config', 'test/runtimes/wtr.config.mjs'], { extraEnv });
  let result = null;
  if (existsSync(resultFile)) {
    const r = JSON.parse(readFileSync(resultFile, 'utf8'));
    rmSync(resultFile, { force: true });
    const line = r.resultLines.length ? JSON.parse(r.resultLines.at(-1).slice('PORTABLE-RESULT '.length)) : null;
    // WTR's own count of mocha tests is authoritative; the browser's result line adds the facts.
    result = {
      passed: r.passed,
      failed: r.failed,
      failures: [...r.failures, ...r.sessionErrors.map((e) => ({ name: '(session)', error: e }))],
      facts: line?.facts ?? {},
      runtime: line?.runtime,
    };
    if (r.sessionErrors.length) result.failed += r.sessionErrors.length;
  }
  return { code, output, result };
};
const inProcess = (fn) => async () => {
  try {
    const result = await fn();
    return { code: 0, output: '', result };
  } catch (e) {
    return { code: 1, output: String(e?.stack ?? e), result: null };
  }
};

// ---------------------------------------------------------------------------------------------
// the runtimes
const RUNTIMES = [
  {
    id: 'node20',
    name: `Node ${process.versions.node.split('.')[0]} (machine)`,
    expected: N,
    version: () => `${process.version} (${machineNode()})`,
    missing: () =>
      [node22, node24].some((n) => existsSync(n) && realpathSync(n) === realpathSync(process.execPath))
        ? `the machine's node is ${process.execPath}, one of node_modules/node22|24: PATH problem`
        : null,
    run: nodeRunner(process.execPath),
  },
  {
    id: 'node22',
    name: 'Node 22',
    expected: N,
    version: () => version(node22),
    missing: () => (existsSync(node22) ? null : 'node_modules/node22 missing (npm ci)'),
    run: nodeRunner(node22),
  },
  {
    id: 'node24',
    name: 'Node 24',
    expected: N,
    version: () => version(node24),
    missing: () => (existsSync(node24) ? null : 'node_modules/node24 missing (npm ci)'),
    run: nodeRunner(node24),
  },
  {
    id: 'deno',
    name: 'Deno',
    expected: N,
    version: () => version(denoBin).replace(/ \(.*/, ''),
    missing: () => (existsSync(denoBin) ? null : 'node_modules/.bin/deno missing (npm ci)'),
    run: async () => {
      const { code, output } = await runProcess(denoBin, ['test', '--no-prompt', '--no-check', 'test/runtimes/deno.test.js'], {
        extraEnv: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      });
      return { code, output, result: resultFromOutput(output) };
    },
  },
  {
    id: 'bun',
    name: 'Bun',
    expected: N,
    version: () => 'bun ' + version(bunBin),
    missing: () => (existsSync(bunBin) ? null : 'bun binary missing (npm ci; bun needs its postinstall)'),
    run: async () => {
      const { code, output } = await runProcess(bunBin, ['test', './test/runtimes/bun.test.js'], { extraEnv: { NO_COLOR: '1' } });
      return { code, output, result: resultFromOutput(output) };
    },
  },
  {
    id: 'edge-runtime',
    name: 'Vercel edge-runtime',
    expected: N + 1,
    version: () => `edge-runtime ${pkgVersion('edge-runtime')}`,
    missing: () => (resolvable('edge-runtime') ? null : 'edge-runtime package missing (npm ci)'),
    run: inProcess(async () => (await import('./edge.mjs')).runEdge()),
  },
  {
    id: 'workerd',
    name: 'Cloudflare workerd (miniflare)',
    expected: N + 1,
    version: () => `miniflare ${pkgVersion('miniflare')}, ${version(rel('node_modules/.bin/workerd'))}`,
    missing: () => (resolvable('miniflare') ? null : 'miniflare package missing (npm ci)'),
    run: inProcess(async () => (await import('./workerd.mjs')).runWorkerd()),
  },
  {
    id: 'chromium',
    name: 'Chromium (WTR)',
    expected: N + 1,
    version: () => version(chromium).replace(/ built on.*/, ''),
    missing: () => (existsSync(chromium) ? null : aptHint('chromium')),
    run: wtrRunner('chromium'),
  },
  {
    id: 'firefox',
    name: 'Firefox ESR (WTR)',
    expected: N + 1,
    version: () => version(firefox),
    missing: () => (existsSync(firefox) ? null : aptHint('firefox-esr')),
    run: wtrRunner('firefox'),
  },
  {
    id: 'webkit',
    name: 'WebKit (WTR, WebKitGTK)',
    expected: N + 1,
    version: () =>
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Version} is dpkg-query's format field, not a template
      `WebKitGTK ${spawnSync('dpkg-query', ['-W', '-f=${Version}', 'webkit2gtk-driver'], { encoding: 'utf8' }).stdout.replace(/-.*/, '') || '?'}`,
    missing: () =>
      !which('WebKitWebDriver')
        ? aptHint('webkit2gtk-driver')
        : !which('xvfb-run')
          ? aptHint('xvfb')
          : !which('xauth')
            ? aptHint('xauth')
            : null,
    run: wtrRunner('webkit'),
  },
  {
    id: 'extension',
    name: 'MV3 extension (Chromium SW)',
    expected: N + 2,
    version: () => version(chromium).replace(/ built on.*/, ''),
    missing: () => (existsSync(chromium) ? null : aptHint('chromium')),
    run: inProcess(async () => (await import('./extension.mjs')).runExtension({ chromium })),
  },
];

// ---------------------------------------------------------------------------------------------
// run
const list = (v) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const selected = list(env.WITKEY_RUNTIMES);
const allowed = list(env.WITKEY_ALLOW_NOT_RUN);
const unknown = [...selected, ...allowed].filter((id) => id !== 'all' && !RUNTIMES.some((r) => r.id === id));
if (unknown.length) {
  console.error(`✖ unknown runtime id(s): ${unknown.join(', ')}; known: ${RUNTIMES.map((r) => r.id).join(' ')}`);
  process.exit(2);
}
const isAllowed = (id, why) => allowed.includes('all') || allowed.includes(id) || why === 'not selected';

const bar = '═'.repeat(100);
console.log(`\n${bar}\n  PORTABLE SUITE: ${N} tests from test/portable/all.js, in ${RUNTIMES.length} runtimes\n${bar}`);
const results = [];
const started = Date.now();
for (const rt of RUNTIMES) {
  const entry = { id: rt.id, name: rt.name, expected: rt.expected };
  const notSelected = selected.length && !selected.includes(rt.id);
  const missing = notSelected ? 'not selected (WITKEY_RUNTIMES)' : rt.missing();
  if (missing) {
    Object.assign(entry, {
      status: 'not run',
      reason: missing,
      allowed: isAllowed(rt.id, notSelected ? 'not selected' : missing),
    });
    console.log(
      `\n── ${rt.name}: NOT RUN — ${missing}${entry.allowed ? '' : '  (fails the run; WITKEY_ALLOW_NOT_RUN to allow)'}`,
    );
    results.push(entry);
    continue;
  }
  entry.version = rt.version();
  console.log(`\n── ${rt.name} (${entry.version}) …`);
  const t0 = Date.now();
  const { code, output, result } = await rt.run();
  entry.ms = Date.now() - t0;
  entry.exitCode = code;
  entry.passed = result?.passed ?? 0;
  entry.failed = result?.failed ?? 0;
  entry.failures = result?.failures ?? [];
  entry.facts = result?.facts ?? {};
  entry.notes = result?.notes ?? [];
  entry.runtime = result?.runtime;
  const problems = [];
  if (code !== 0) problems.push(`runner exited ${code}`);
  if (!result) problems.push('no result from the suite (it did not run, or crashed before reporting)');
  else {
    if (entry.failed) problems.push(`${entry.failed} failed`);
    if (entry.passed !== rt.expected) problems.push(`${entry.passed} passed, ${rt.expected} expected`);
  }
  entry.status = problems.length ? 'failed' : 'passed';
  entry.reason = problems.join('; ');
  results.push(entry);
  if (entry.status === 'passed') {
    console.log(
      `   ✔ ${entry.passed}/${rt.expected} passed in ${(entry.ms / 1000).toFixed(1)} s${entry.notes.length ? `  — note: ${entry.notes.join('; ')}` : ''}`,
    );
  } else {
    console.log(`   ✖ FAILED: ${entry.reason} (${(entry.ms / 1000).toFixed(1)} s)`);
    for (const f of entry.failures.slice(0, 20))
      console.log(`     ✖ ${f.name}\n         ${String(f.error).split('\n').slice(0, 6).join('\n         ')}`);
    if (!result || code !== 0) {
      const tail = stripAnsi(output).trim().split('\n').slice(-40).join('\n       ');
      if (tail) console.log(`     --- output (last 40 lines) ---\n       ${tail}`);
    }
  }
}
const totalMs = Date.now() - started;

// ---------------------------------------------------------------------------------------------
// summary
const pad = (s, n) => String(s).padEnd(n);
const failed = results.filter((r) => r.status === 'failed');
const notRun = results.filter((r) => r.status === 'not run');
const notRunBad = notRun.filter((r) => !r.allowed);
console.log(`\n${bar}\n  RUNTIMES SUMMARY — portable suite, ${N} tests (+ runtime-specific checks)\n${bar}`);
console.log(`  ${pad('runtime', 31)}${pad('version', 46)}${pad('result', 10)}${pad('tests', 9)}wall`);
for (const r of results) {
  const status = r.status === 'passed' ? 'passed' : r.status === 'failed' ? 'FAILED' : 'NOT RUN';
  const tests = r.status === 'not run' ? '—' : `${r.passed}/${r.expected}`;
  const wall = r.ms === undefined ? '—' : `${(r.ms / 1000).toFixed(1)} s`;
  console.log(
    `  ${pad(r.name, 31)}${pad((r.version ?? '').slice(0, 44), 46)}${pad(status, 10)}${pad(tests, 9)}${wall}${r.status === 'passed' ? (r.notes?.length ? `   note: ${r.notes.join('; ')}` : '') : `   ${r.reason}${r.status === 'not run' ? (r.allowed ? ' [allowed]' : ' [NOT ALLOWED]') : ''}`}`,
  );
}
console.log(
  `\n  TextDecoder('gbk') of each runtime vs iconv-lite, where loadCharset took the GBK index from, and which decode loop runs:`,
);
for (const r of results.filter((x) => x.facts?.['TextDecoder gbk']))
  console.log(
    `  ${pad(r.name, 31)}${r.facts['TextDecoder gbk']} → ${r.facts['loadCharset gbk source']}, ${r.facts['gbk decode loop'] ?? '?'} decode loop`,
  );
console.log('\n  DSA arithmetic of each runtime (the vectors ran on every engine listed):');
for (const r of results.filter((x) => x.facts?.['dsa arithmetic']))
  console.log(`  ${pad(r.name, 31)}${r.facts['dsa arithmetic']} (tested: ${r.facts['dsa engines tested'] ?? '?'})`);
const verdict = failed.length || notRunBad.length ? 'FAILED' : 'ok';
console.log(
  `\n  ${verdict === 'ok' ? '✔' : '✖'} ${results.filter((r) => r.status === 'passed').length} passed, ${failed.length} failed, ${notRun.length} NOT RUN` +
    `${notRun.length ? ` (${notRunBad.length ? `${notRunBad.length} not allowed` : 'allowed by WITKEY_ALLOW_NOT_RUN / WITKEY_RUNTIMES'})` : ''} — ${(totalMs / 1000).toFixed(1)} s in all\n${bar}`,
);

mkdirSync(rel('build-tmp'), { recursive: true });
writeFileSync(
  rel('build-tmp/runtimes.json'),
  JSON.stringify({ runId: env.WITKEY_RUN_ID ?? null, portableTests: N, totalMs, results }, null, 2),
);
process.exitCode = verdict === 'ok' ? 0 : 1;
