// A throwaway real Redis server for one test run: Debian's `redis-server` (installed by
// scripts/system-deps.mjs when `npm test` runs as root), on 127.0.0.1 and a free port, in a temporary
// directory, with the append-only file fsync'ed on every write (`--appendfsync always`) and no RDB
// snapshots, so that what was written before a stop — even a SIGKILL — is there after start().
//
//   redisOrNotRun(test)  → true when redis-server is installed; otherwise registers one test that FAILS
//                          saying what to install, or is skipped with that reason when
//                          WITKEY_ALLOW_NOT_RUN is `all` or names `redis` — and returns false
//   startRedis()         → { url, host, port, dir, stop(signal?), start(), restart(), teardown() }
//
// Readiness is a real PING answered +PONG (not a sleep, not "the port is open": Redis answers -LOADING
// while it replays the append-only file). A process 'exit' hook kills every server still running, so
// none outlives the test process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL = 'install Debian\'s redis-server (apt-get install redis-server, or run "npm test" as root, which does it)';

/** The redis-server binary: /usr/bin/redis-server, or the one on PATH; undefined when there is none. */
export function findRedisServer() {
  if (existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** Whether WITKEY_ALLOW_NOT_RUN lets the Redis tests be skipped (as scripts/runtimes/run.mjs reads it). */
export function redisNotRunAllowed(env = process.env) {
  const allowed = (env.WITKEY_ALLOW_NOT_RUN ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return allowed.includes('all') || allowed.includes('redis');
}

/**
 * True when redis-server can run. Otherwise registers, with `test` (node:test), one test that fails
 * loudly with what to install — or, when WITKEY_ALLOW_NOT_RUN allows it, is skipped with that reason
 * (the suite's one allowed skip) — and returns false: the caller then registers nothing else.
 */
export function redisOrNotRun(test) {
  if (findRedisServer()) return true;
  const reason = `redis-server not found: ${INSTALL}`;
  test('redis-server: NOT RUN', (t) => {
    if (redisNotRunAllowed()) {
      t.skip(`NOT RUN (allowed by WITKEY_ALLOW_NOT_RUN): ${reason}`);
      return;
    }
    assert.fail(`NOT RUN: ${reason}; set WITKEY_ALLOW_NOT_RUN=redis to allow`);
  });
  return false;
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A free TCP port on 127.0.0.1 (the kernel picks it; freed again before redis-server binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: resolves the first reply line (`+PONG`, `-LOADING …`) or rejects. */
function ping(port, host, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    let data = '';
    const done = (fn, v) => {
      s.destroy();
      fn(v);
    };
    s.setTimeout(timeoutMs, () => done(reject, new Error('PING timed out')));
    s.on('error', (e) => done(reject, e));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const i = data.indexOf('\r\n');
      if (i >= 0) done(resolve, data.slice(0, i));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a throwaway redis-server; see the head of this file. */
export async function startRedis({ readyTimeoutMs = 15_000 } = {}) {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server not found: ${INSTALL}`);
  const host = '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'witkey-redis-'));
  let port = await freePort();
  let child;
  let log = '';

  const launch = () => {
    log = '';
    const args = [
      '--port',
      String(port),
      '--bind',
      host,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--logfile',
      '',
    ];
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      log = (log + chunk.toString()).slice(-4000);
    };
    c.stdout.on('data', keep);
    c.stderr.on('data', keep);
    c.exited = new Promise((resolve) => c.on('exit', (code, signal) => resolve({ code, signal })));
    c.exited.then(() => running.delete(c));
    running.add(c);
    return c;
  };

  const waitReady = async (c) => {
    const deadline = Date.now() + readyTimeoutMs;
    let exited = null;
    c.exited.then((e) => {
      exited = e;
    });
    let last = '';
    while (Date.now() < deadline) {
      if (exited) throw new Error(`redis-server exited (${JSON.stringify(exited)}) before answering PING:\n${log}`);
      try {
        last = await ping(port, host);
        if (last === '+PONG') return;
      } catch (e) {
        last = e.message;
      }
      await sleep(25);
    }
    c.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING with +PONG within ${readyTimeoutMs} ms (last: ${last}):\n${log}`);
  };

  const start = async () => {
    if (child) throw new Error('redis-server is already running');
    const c = launch();
    child = c;
    try {
      await waitReady(c);
    } catch (e) {
      child = undefined;
      throw e;
    }
  };

  /** Stops the server: SIGTERM shuts down cleanly; SIGKILL is a crash (the AOF, fsync'ed per write, survives both). */
  const stop = async (signal = 'SIGTERM') => {
    const c = child;
    if (!c) return;
    child = undefined;
    c.kill(signal);
    await c.exited;
  };

  // The port was free a moment ago; another process may have taken it since: pick another once.
  try {
    await start();
  } catch (e) {
    if (!/Address already in use/i.test(String(e.message))) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    port = await freePort();
    await start();
  }

  return {
    host,
    get port() {
      return port;
    },
    get url() {
      return `redis://${host}:${port}`;
    },
    dir,
    start,
    stop,
    async restart(signal) {
      await stop(signal);
      await start();
    },
    async teardown() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
