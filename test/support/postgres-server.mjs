// A throwaway PostgreSQL server per test run, from Debian's `postgresql` package (which keeps the server
// binaries off PATH, in /usr/lib/postgresql/<major>/bin; the highest major is used): initdb into a fresh
// temporary directory (trust auth, superuser `postgres`), listening on 127.0.0.1 on a free port with its
// unix socket in the data directory. PostgreSQL refuses to run as root: as root, the directory is given
// to the `postgres` system user (the package creates it) and every server program runs through
// `runuser -u postgres --`.
//
//   const pg = await startPostgres();          // { url, host, port, stop(), start(), restart(), teardown() }
//   postgresOrSkip(t)                          // false (and t skipped) when there is no server and
//                                              // WITKEY_ALLOW_NOT_RUN allows it; throws when it does not
//
// stop()/start() keep the data directory (engine-fault tests); teardown() stops and removes it. A process
// that exits without teardown() kills its servers on the way out.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = '/usr/lib/postgresql';

/** The bin directory of the highest installed PostgreSQL major, or null. */
export function postgresBinDir() {
  let versions;
  try {
    versions = readdirSync(ROOT);
  } catch {
    return null;
  }
  const found = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(path.join(ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return found.length ? path.join(ROOT, found[0], 'bin') : null;
}

const MISSING =
  'PostgreSQL server not found (no /usr/lib/postgresql/<major>/bin/postgres): install Debian\'s "postgresql" package ' +
  '(apt-get install postgresql; `npm test` does so itself when run as root), or set WITKEY_ALLOW_NOT_RUN=postgresql to skip these tests';

/** Whether WITKEY_ALLOW_NOT_RUN (`all` or a comma list) allows the PostgreSQL tests not to run. */
export function notRunAllowed(env = process.env) {
  const allowed = (env.WITKEY_ALLOW_NOT_RUN ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return allowed.includes('all') || allowed.includes('postgresql');
}

/**
 * For a node:test context: true when a server can be started. Without one, skips `t` and returns false
 * when WITKEY_ALLOW_NOT_RUN allows it, else throws (the test fails, loudly, saying what to install).
 * `binDir` and `env` are for checking this helper itself.
 */
export function postgresOrSkip(t, { binDir = postgresBinDir(), env = process.env } = {}) {
  if (binDir) return true;
  if (notRunAllowed(env)) {
    t.skip(`NOT RUN (allowed by WITKEY_ALLOW_NOT_RUN): ${MISSING}`);
    return false;
  }
  throw new Error(`NOT RUN: ${MISSING}`);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The postmaster's pid (first line of postmaster.pid): under runuser, the child we spawned is runuser. */
function postmasterPid(data) {
  try {
    const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Data directories of the servers this process started and has not stopped. */
const live = new Set();
let exitHook = false;
function killAllOnExit() {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const data of live) {
      const pid = postmasterPid(data);
      try {
        if (pid) process.kill(pid, 'SIGQUIT'); // immediate shutdown: the postmaster takes its backends with it
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Starts a fresh server. `durable: false` (default) turns fsync, synchronous commit and full-page
 * writes off: faster, and a crash of the machine (not of the server) may lose the last commits.
 */
export async function startPostgres({ durable = false } = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error(MISSING);
  const root = isRoot();
  const dir = mkdtempSync(path.join(tmpdir(), 'witkey-pg-'));
  const data = path.join(dir, 'data');
  let uid;
  let gid;
  if (root) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    uid = Number(ids);
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  /** [command, args] for a server program, through runuser when root. */
  const as = (prog, args) =>
    root ? ['runuser', ['-u', 'postgres', '--', path.join(bin, prog), ...args]] : [path.join(bin, prog), args];
  const init = spawnSync(
    ...as('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']),
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const host = '127.0.0.1';
  const settings = [
    ['listen_addresses', host],
    ['port', String(port)],
    ['unix_socket_directories', data],
    ['max_connections', '100'],
    ['shared_buffers', '16MB'],
    ['log_min_messages', 'fatal'],
    ...(durable
      ? []
      : [
          ['fsync', 'off'],
          ['synchronous_commit', 'off'],
          ['full_page_writes', 'off'],
        ]),
  ];
  const args = ['-D', data, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const url = `postgres://postgres@${host}:${port}/postgres`;
  let child = null;
  let exited = null;
  killAllOnExit();

  async function start() {
    if (child) return;
    let stderr = '';
    const [cmd, argv] = as('postgres', args);
    child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(data);
    const me = child;
    exited = new Promise((resolve) =>
      me.once('exit', (code, signal) => {
        live.delete(data);
        if (child === me) child = null;
        resolve({ code, signal });
      }),
    );
    me.stderr.on('data', (d) => {
      if (stderr.length < 8192) stderr += d;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child !== me) throw new Error(`postgres exited during startup: ${stderr}`);
      if (await ready(host, port)) return;
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Fast shutdown (SIGINT: abort open transactions, disconnect clients), waits for the exit. */
  async function stop() {
    const me = child;
    if (!me) return;
    const done = exited;
    // The postmaster itself: runuser would turn any signal into SIGTERM (smart shutdown, which waits
    // for every client to disconnect). SIGINT is the fast shutdown.
    const pid = postmasterPid(data);
    if (pid) process.kill(pid, 'SIGINT');
    else me.kill('SIGINT');
    const timer = setTimeout(() => {
      const p = postmasterPid(data);
      if (p) process.kill(p, 'SIGQUIT');
      me.kill('SIGKILL');
    }, 15_000);
    await done;
    clearTimeout(timer);
  }

  await start();
  return {
    url,
    host,
    port,
    /** The data directory (the unix socket is in it too). */
    dataDir: data,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async teardown() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Whether the server answers the startup handshake: an SSLRequest answered 'N' (or 'S') means the
 * postmaster accepts connections; then a StartupMessage must not be refused as "starting up".
 */
function ready(host, port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let settled = false;
    const done = (v) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => {
      const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
      const msg = Buffer.alloc(8 + params.length);
      msg.writeInt32BE(msg.length, 0);
      msg.writeInt32BE(196608, 4); // protocol 3.0
      params.copy(msg, 8);
      sock.write(msg);
    });
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      // 'R' (authentication: trust answers AuthenticationOk) means the server took the connection;
      // 'E' is an error such as 57P03 "the database system is starting up".
      if (buf[0] === 0x52) done(true);
      else if (buf[0] === 0x45) done(false);
    });
  });
}
