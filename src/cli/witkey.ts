/**
 * The `witkey` command: key generation, signing, verification, canonical strings, signed
 * left-amount requests, the signature doctor and the local gateway simulator, for people and scripts. Node only.
 *
 * Exit codes: 0 success; 1 usage error (unknown command or option, missing argument); 2 failure
 * (invalid input, bad key, I/O error — printed as `witkey <command>: CODE: message`); 3 the signature
 * does not verify (`verify`, `decode`, `doctor`).
 * @module
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { GatewayConfig, GatewayEvent, PartnerConfig } from '../gateway.js';
import {
  buildLeftAmountRequest,
  canonicalBytes,
  canonicalize,
  decodeNotification,
  decodeReturn,
  exportPrivateKey,
  exportPublicKey,
  formEncodeString,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  type LeftAmountRequestInput,
  loadCharset,
  renderForm,
  signParams,
  verifyParams,
  WitkeyError,
} from '../index.js';
import { startGatewayServer } from '../node/index.js';
import { hex } from '../wire/bytes.js';
import { runDemo } from './demo.js';
import { doctorCommand } from './doctor.js';

/** A usage error: exit code 1. */
export class UsageError extends Error {}

const EXIT_USAGE = 1;
const EXIT_FAILURE = 2;
const EXIT_INVALID = 3;

export interface Command {
  summary: string;
  usage: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[], io: Io): Promise<number>;
}

/** Where the command reads and writes (injectable for tests of the module). */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  stdinIsTTY: boolean;
  /** Whether stdout is a terminal (`request --format body` ends with a newline only then). Default false. */
  stdoutIsTTY?: boolean;
}

/** A system error (`ENOENT`, `EACCES`…) made clearer: the code kept, the message saying what the path was for. */
function systemError(e: unknown, what: string): Error {
  const err = e as NodeJS.ErrnoException;
  const out = new Error(`${what}: ${stripCode(err)}`) as NodeJS.ErrnoException;
  if (err.code !== undefined) out.code = err.code;
  return out;
}

/**
 * The message of a system error without the code Node puts in it (the CLI prints the code once):
 * `ENOENT: no such file or directory, open 'x'` → `no such file or directory, open 'x'`,
 * `listen EADDRINUSE: address already in use …` → `listen: address already in use …`.
 */
function stripCode(err: NodeJS.ErrnoException): string {
  const message = err.message ?? String(err);
  const code = err.code;
  if (code === undefined || !/^[A-Z0-9_]+$/.test(code)) return message;
  return message.replace(new RegExp(`^(?:(\\w+) )?${code}: `), (_m, verb: string | undefined) => (verb ? `${verb}: ` : ''));
}

/**
 * Makes `dir` (and its parents, mode 0700: it will hold private keys) unless it exists, and checks it
 * is a folder this process can write, before any time goes into generating keys.
 */
function writableDir(dir: string, option: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw systemError(e, `${option} ${dir} is not a folder this user can write`);
  }
}

const SIZES: Record<string, { L: number; N: number }> = {
  '1024/160': { L: 1024, N: 160 },
  '2048/224': { L: 2048, N: 224 },
  '2048/256': { L: 2048, N: 256 },
  '3072/256': { L: 3072, N: 256 },
};

async function readInput(file: string | undefined, io: Io, what: string): Promise<string> {
  if (file === undefined || file === '-') {
    if (file === undefined && io.stdinIsTTY) throw new UsageError(`give ${what} as a file argument, or pipe it to stdin ('-')`);
    return io.readStdin();
  }
  return readFileSync(file, 'utf8');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WitkeyError('ILLEGAL_ARGUMENT', `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

function paramsObject(value: unknown, what: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new WitkeyError('ILLEGAL_ARGUMENT', `${what} must be a JSON object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new WitkeyError('ILLEGAL_ARGUMENT', `${what}: ${k} must be a string, got ${typeof v}`, { field: k });
  }
  return value as Record<string, string>;
}

function requireOption(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

const charsetOf = async (params: Record<string, string>, option: unknown): Promise<string> => {
  const cs = typeof option === 'string' ? option : params['_input_charset'];
  if (cs === undefined)
    throw new WitkeyError('ILLEGAL_CHARSET', 'no charset: the params have no _input_charset; pass --charset', {
      field: '_input_charset',
    });
  await loadCharset(cs);
  return cs;
};

const commands: Record<string, Command> = {
  keygen: {
    summary: 'generate a DSA key pair (PEM files)',
    usage: 'witkey keygen [--size 1024/160] [--out DIR] [--name NAME] [--force]',
    help: `Generates DSA domain parameters and a key pair, and writes NAME_private.pem (PKCS#8, mode 0600)
and NAME_public.pem (SubjectPublicKeyInfo) into DIR. Progress dots go to stderr; the private key is
never printed.

Options:
  --size L/N     1024/160 (default, the legacy gateway's size), 2048/224, 2048/256 or 3072/256
  --out DIR      directory for the files (default: the current directory); made (mode 0700) if
                 missing, and checked to be writable before the key is generated
  --name NAME    file name prefix (default: dsa)
  --force        overwrite existing files`,
    options: { size: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean' } },
    async run(values, positionals, io) {
      if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      const sizeName = (values['size'] as string | undefined) ?? '1024/160';
      const size = SIZES[sizeName];
      if (!size) throw new UsageError(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
      const name = (values['name'] as string | undefined) ?? 'dsa';
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError('--name may contain only letters, digits, _ . -');
      const dir = resolve((values['out'] as string | undefined) ?? '.');
      writableDir(dir, '--out');
      const priv = join(dir, `${name}_private.pem`);
      const pub = join(dir, `${name}_public.pem`);
      for (const f of [priv, pub]) {
        if (existsSync(f) && !values['force'])
          throw new WitkeyError('ILLEGAL_ARGUMENT', `${f} exists; pass --force to overwrite`);
      }
      io.stderr(`Generating a DSA ${sizeName} key pair `);
      const t0 = performance.now();
      let ticks = 0;
      const pair = generateKeyPair(size, {
        onProgress: () => {
          if (++ticks % 4 === 0) io.stderr('.');
        },
      });
      io.stderr(` done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      writeFileSync(priv, exportPrivateKey(pair.privateKey), { mode: 0o600 });
      writeFileSync(pub, exportPublicKey(pair.publicKey));
      io.stdout(`private key: ${priv}\npublic key:  ${pub}\n`);
      return 0;
    },
  },

  sign: {
    summary: 'sign a parameter map (JSON) with a DSA private key',
    usage: 'witkey sign --key PRIVATE.pem [--charset CS] [PARAMS.json | -]',
    help: `Reads a JSON object of string parameters (a file, or stdin with '-' or when piped), signs it the
gateway's way (canonical string in _input_charset, SHA1withDSA, base64 DER) and prints the params with
sign and sign_type added, as JSON.

Options:
  --key FILE     the private key (PKCS#8, traditional DSA PEM, DER or bare base64)
  --charset CS   utf-8, gbk or gb2312 (default: the params' _input_charset)`,
    options: { key: { type: 'string' }, charset: { type: 'string' } },
    async run(values, positionals, io) {
      if (positionals.length > 1) throw new UsageError('at most one input file');
      const keyFile = requireOption(values, 'key');
      const params = paramsObject(parseJson(await readInput(positionals[0], io, 'the params JSON'), 'the params'), 'the params');
      const charset = await charsetOf(params, values['charset']);
      const signed = signParams(params, importPrivateKey(readFileSync(keyFile)), { charset });
      io.stdout(`${JSON.stringify(signed, null, 2)}\n`);
      return 0;
    },
  },

  verify: {
    summary: 'verify a signed parameter map (JSON) with a DSA public key',
    usage: 'witkey verify --key PUBLIC.pem [--charset CS] [PARAMS.json | -]',
    help: `Reads a JSON object of string parameters including sign and sign_type and checks the signature
over the canonical string in the charset. Prints "valid" (exit 0) or "invalid" (exit 3).

Options:
  --key FILE     the public key (SPKI PEM, DER or bare base64); a private key is accepted too
  --charset CS   utf-8, gbk or gb2312 (default: the params' _input_charset; notifications have none)`,
    options: { key: { type: 'string' }, charset: { type: 'string' } },
    async run(values, positionals, io) {
      if (positionals.length > 1) throw new UsageError('at most one input file');
      const keyFile = requireOption(values, 'key');
      const params = paramsObject(parseJson(await readInput(positionals[0], io, 'the params JSON'), 'the params'), 'the params');
      const charset = await charsetOf(params, values['charset']);
      const keyBytes = readFileSync(keyFile);
      const text = keyBytes.toString('latin1');
      const key = /PRIVATE KEY/.test(text) ? importPrivateKey(keyBytes).publicKey : importPublicKey(keyBytes);
      const ok = verifyParams(params, key, { charset });
      io.stdout(ok ? 'valid\n' : 'invalid\n');
      return ok ? 0 : EXIT_INVALID;
    },
  },

  doctor: doctorCommand,
  canonicalize: {
    summary: 'print the canonical string of a parameter map (JSON)',
    usage: 'witkey canonicalize [--hex] [--charset CS] [PARAMS.json | -]',
    help: `Prints the string the gateway signs: every parameter except sign and sign_type, empty ones dropped,
sorted by name, joined as name=value with &, values raw.

Options:
  --hex          print the bytes in the charset as hex instead (what is actually signed)
  --charset CS   charset for --hex (default: the params' _input_charset)`,
    options: { hex: { type: 'boolean' }, charset: { type: 'string' } },
    async run(values, positionals, io) {
      if (positionals.length > 1) throw new UsageError('at most one input file');
      const params = paramsObject(parseJson(await readInput(positionals[0], io, 'the params JSON'), 'the params'), 'the params');
      if (values['hex']) {
        const charset = await charsetOf(params, values['charset']);
        const bytes = canonicalBytes(params, { charset });
        io.stdout(`${hex(bytes)}\n`);
      } else io.stdout(`${canonicalize(params)}\n`);
      return 0;
    },
  },

  request: {
    summary: 'build a signed left-amount request from a JSON file',
    usage: 'witkey request --key PRIVATE.pem [--format fields|form|body] [--gateway URL] [INPUT.json | -]',
    help: `Builds alipay.witkey.task.left.amount.handle from a JSON input (the fields of
buildLeftAmountRequest without privateKey: partner, charset, outerTaskId, outerAccountId or
alipayUserId, refund {serial, amount}, platform {serial, amount}, transfers [{serial, amount,
alipayUserId, nickName}], notifyUrl, returnUrl, dialect, gateway; amounts as yuan strings "20.10"),
validates every rule, signs it and prints it. Warnings go to stderr.

Options:
  --key FILE       the partner's private key
  --format F       fields (default: the signed fields as JSON), form (a CSP-safe HTML form),
                   body (the application/x-www-form-urlencoded body in the charset, exactly:
                   no newline after it unless stdout is a terminal)
  --gateway URL    gateway.do URL (default: the input's gateway, else Alipay's)`,
    options: { key: { type: 'string' }, format: { type: 'string' }, gateway: { type: 'string' } },
    async run(values, positionals, io) {
      if (positionals.length > 1) throw new UsageError('at most one input file');
      const keyFile = requireOption(values, 'key');
      const format = (values['format'] as string | undefined) ?? 'fields';
      if (!['fields', 'form', 'body'].includes(format)) throw new UsageError('--format must be fields, form or body');
      const input = parseJson(await readInput(positionals[0], io, 'the request JSON'), 'the request input');
      if (input === null || typeof input !== 'object' || Array.isArray(input))
        throw new WitkeyError('ILLEGAL_ARGUMENT', 'the request input must be a JSON object');
      const req = await buildLeftAmountRequest({
        ...(input as Omit<LeftAmountRequestInput, 'privateKey'>),
        ...(typeof values['gateway'] === 'string' && { gateway: values['gateway'] }),
        privateKey: importPrivateKey(readFileSync(keyFile)),
      });
      for (const w of req.warnings) io.stderr(`warning: ${w}\n`);
      if (format === 'fields') io.stdout(`${JSON.stringify(req.fields, null, 2)}\n`);
      else if (format === 'form') io.stdout(`${renderForm(req)}\n`);
      // The body exactly: a trailing newline would become part of the last value when piped to
      // `curl --data-binary @-` (the gateway then rejects it). A terminal still gets one.
      else io.stdout(`${formEncodeString(req.fields, req.charset)}${io.stdoutIsTTY ? '\n' : ''}`);
      return 0;
    },
  },

  decode: {
    summary: "verify and decode a notification or return body (urlencoded) with the gateway's public key",
    usage: 'witkey decode --key ALIPAY_PUBLIC.pem [--charset gbk] [--dialect spec|kppw] [--return] [--xml] [FILE|-]',
    help: `Reads an urlencoded notification body (docs/PROTOCOL.md §6) — or, with --return, the query string or
body of the synchronous return (§5) — from FILE or stdin, verifies its signature over the raw bytes
with the given public key, and prints the typed notification as JSON. The body is read as bytes;
nothing is re-encoded before verification.

Options:
  --key FILE        the gateway's (Alipay's or the simulator's) public key: PEM, DER or bare base64
  --charset CS      the body's charset when it came without a Content-Type (utf-8 default, gbk, gb2312)
  --dialect D       where the XML is: spec (notify_data, default) or kppw (resultMsg with "xml=")
  --return          decode return data (notify_id, notify_time, notify_type may be absent)
  --xml             include the XML element tree in the output

Exit codes: 0 decoded, 3 signature missing or invalid (ILLEGAL_SIGN), 2 any other fault.`,
    options: {
      key: { type: 'string' },
      charset: { type: 'string' },
      dialect: { type: 'string' },
      return: { type: 'boolean' },
      xml: { type: 'boolean' },
    },
    async run(values, positionals, io) {
      if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
      const alipayPublicKey = importPublicKey(readFileSync(requireOption(values, 'key')));
      const dialect = (values['dialect'] as string | undefined) ?? 'spec';
      if (dialect !== 'spec' && dialect !== 'kppw') throw new UsageError('--dialect must be spec or kppw');
      const file = positionals[0];
      const body: Uint8Array | string =
        file !== undefined && file !== '-' ? new Uint8Array(readFileSync(file)) : (await readInput(file, io, 'the body')).trim();
      const opts = {
        alipayPublicKey,
        dialect,
        ...(typeof values['charset'] === 'string' && { charset: values['charset'] }),
      } as const;
      let n: Awaited<ReturnType<typeof decodeNotification>>;
      try {
        n = values['return']
          ? await decodeReturn(typeof body === 'string' ? body.replace(/^\?/, '') : body, opts)
          : await decodeNotification(body, opts);
      } catch (e) {
        if (e instanceof WitkeyError && e.code === 'ILLEGAL_SIGN') {
          io.stderr(`witkey decode: ILLEGAL_SIGN: ${e.message}\n`);
          return EXIT_INVALID;
        }
        throw e;
      }
      const { xml, ...rest } = n;
      io.stdout(JSON.stringify(values['xml'] ? { ...rest, xml } : rest, null, 2) + '\n');
      return 0;
    },
  },

  demo: {
    summary: 'run the end-to-end demo on loopback (what npm start shows)',
    usage: 'witkey demo [--charset gbk|utf-8|gb2312] [--time-scale 0.001]',
    help: `Starts the gateway simulator and a partner notify endpoint on 127.0.0.1 with fresh keys, sends
one leftover-handling request (a refund, a platform share, three bidders, one of them with an
abnormal account), and prints the timeline: the request, the return, every notification and
delivery attempt — with an injected partner failure, a lost delivery and a duplicate — the SMS
text and the final balances. Exits 2 if any notification was lost or processed twice.

Options:
  --charset CS      request charset (default gbk)
  --time-scale X    protocol time per wall time (default 0.001: the 4-minute retry takes 240 ms)`,
    options: { charset: { type: 'string' }, 'time-scale': { type: 'string' } },
    async run(values, positionals, io) {
      if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      const charset = (values['charset'] as string | undefined) ?? 'gbk';
      if (charset !== 'gbk' && charset !== 'utf-8' && charset !== 'gb2312')
        throw new UsageError('--charset must be gbk, utf-8 or gb2312');
      const scale = values['time-scale'] === undefined ? 0.001 : Number(values['time-scale']);
      if (!(scale > 0 && scale <= 1)) throw new UsageError('--time-scale must be a number in (0, 1]');
      await runDemo({ charset, timeScale: scale, out: (line) => io.stdout(line + '\n') });
      return 0;
    },
  },

  gateway: {
    summary: 'run the local gateway simulator',
    usage:
      'witkey gateway [--port 8080] [--host 127.0.0.1] [--config GATEWAY.json] [--db FILE] [--time-scale X] [--keys-dir DIR] [--quiet]',
    help: `Starts the witkey gateway simulator (gateway.do, notify_verify, the web console at /, /inspect,
/public-key.pem) on loopback. Stops on Ctrl-C.

With --config, the JSON file is a GatewayConfig: { partners: { "2088…": { publicKey, charsets,
dialect } }, key, tasks, accounts, fees, timeScale, settleDelay, returnMode }. A publicKey or key
value "@FILE" is read from FILE (relative to the config file).
Without --config, a demo setup is made: fresh keys for the simulator and for partner
2088101115793868 (written to --keys-dir, default a new temporary directory; the private key is
never printed), one expired task "demo_task" of 1000.00 yuan, and every account existing.

Options:
  --port N         port (default 8080; 0 picks a free one)
  --host H         interface (default 127.0.0.1; binding elsewhere exposes the simulator)
  --config FILE    gateway configuration (JSON)
  --db FILE        SQLite file for durable state (needs better-sqlite3)
  --time-scale X   multiply every duration by X (e.g. 0.001: the 15-hour retry schedule in a minute)
  --keys-dir DIR   where the demo setup writes its partner keys (made, mode 0700, if missing)
  --quiet          no log lines (the start-up lines are still printed)

While it runs it logs one line per event on stdout, after the start-up lines (stderr keeps
progress and errors): HH:MM:SS.mmm (local time), then what happened —
  request   partner, task, charset: accepted or refused (error code)
  return    the return's notify_id and is_success (and error)
  attempt   notification kind, notify_id, attempt number, the partner's answer (HTTP status, body)
            or the fault, latency in ms
  gave-up   a notification whose last attempt failed
  settled   a transfer's kind, serial, payee, amount and status
  sms       the SMS to the task publisher`,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      db: { type: 'string' },
      'time-scale': { type: 'string' },
      'keys-dir': { type: 'string' },
      quiet: { type: 'boolean' },
    },
    async run(values, positionals, io) {
      if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      const port = values['port'] === undefined ? 8080 : Number(values['port']);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be an integer 0–65535');
      let timeScale: number | undefined;
      if (values['time-scale'] !== undefined) {
        timeScale = Number(values['time-scale']);
        if (!Number.isFinite(timeScale) || timeScale < 0) throw new UsageError('--time-scale must be a non-negative number');
      }
      let config: GatewayConfig;
      const notes: string[] = [];
      if (typeof values['config'] === 'string') {
        config = loadConfig(values['config']);
      } else {
        let dir: string;
        if (typeof values['keys-dir'] === 'string') {
          dir = resolve(values['keys-dir']);
          writableDir(dir, '--keys-dir');
        } else dir = mkdtempSync(join(tmpdir(), 'witkey-gateway-'));
        io.stderr('Generating demo keys (DSA 1024/160) ');
        const partnerPair = generateKeyPair({ L: 1024, N: 160 }, { onProgress: () => io.stderr('.') });
        io.stderr('.');
        const simulatorKey = generateKeyPair({ L: 1024, N: 160 }, { onProgress: () => undefined }).privateKey;
        io.stderr(' done\n');
        const partnerId = '2088101115793868';
        writeFileSync(join(dir, 'partner_private.pem'), exportPrivateKey(partnerPair.privateKey), { mode: 0o600 });
        writeFileSync(join(dir, 'partner_public.pem'), exportPublicKey(partnerPair.publicKey));
        writeFileSync(join(dir, 'gateway_public.pem'), exportPublicKey(simulatorKey.publicKey));
        config = {
          partners: { [partnerId]: { publicKey: partnerPair.publicKey } },
          key: simulatorKey,
          tasks: [
            { outerTaskId: 'demo_task', publisher: '2088102113960482', frozen: '1000.00', expiresAt: '2011-12-20T00:00:00Z' },
          ],
        };
        notes.push(
          `demo partner: ${partnerId}`,
          `  private key: ${join(dir, 'partner_private.pem')}`,
          `  public key:  ${join(dir, 'partner_public.pem')}`,
          `demo task: demo_task (publisher 2088102113960482, 1000.00 yuan frozen, expired)`,
          `simulator public key: ${join(dir, 'gateway_public.pem')}`,
        );
      }
      const sim = await startGatewayServer({
        ...config,
        ...(timeScale !== undefined && { timeScale }),
        port,
        host: (values['host'] as string | undefined) ?? '127.0.0.1',
        ...(typeof values['db'] === 'string' && { dbPath: values['db'] }),
        ...(!values['quiet'] && {
          onEvent: (e: GatewayEvent) => {
            const line = logLine(e);
            if (line !== undefined) io.stdout(`${line}\n`);
          },
        }),
      });
      io.stdout(
        [
          `witkey gateway simulator listening on ${sim.url}`,
          `  gateway.do:  ${sim.gatewayUrl}`,
          `  web console: ${sim.url}  (JSON: ${sim.url}inspect)`,
          ...notes,
          'simulator public key (partners verify returns and notifications with it):',
          sim.gateway.publicKeyPem.trimEnd(),
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolveStop) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolveStop();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sim.close();
      io.stderr('stopped\n');
      return 0;
    },
  },
};

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** HH:MM:SS.mmm in local time. */
function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Yuan from fen (a decimal string of an integer). */
const yuan = (fen: string): string => {
  const f = BigInt(fen);
  const sign = f < 0n ? '-' : '';
  const a = f < 0n ? -f : f;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};

/**
 * One log line of `witkey gateway` for a simulator event (the request line is followed by the
 * return's line); undefined for an attempt still being sent (its outcome follows). Records carry no
 * key material: nothing here can print a key.
 */
function logLine(e: GatewayEvent): string | undefined {
  const t = clock(e.at);
  switch (e.type) {
    case 'request': {
      const r = e.request;
      const verdict = r.isSuccess ? 'accepted' : `refused ${r.error ?? ''}`.trimEnd();
      return (
        `${t} request  partner ${r.partner} task ${r.outerTaskId} ${r.charset}: ${verdict}\n` +
        `${t} return   notify_id ${r.returnNotifyId} is_success=${r.isSuccess ? 'T' : 'F'}${r.error ? ` error=${r.error}` : ''}`
      );
    }
    case 'attempt': {
      const a = e.attempt;
      const n = e.notification;
      if (a.outcome === 'sending') return undefined;
      const answer =
        a.outcome === 'dropped'
          ? 'dropped (injected fault)'
          : a.status !== undefined
            ? `HTTP ${a.status} ${JSON.stringify((a.body ?? '').slice(0, 40))}`
            : `no answer (${a.error ?? a.outcome})`;
      const latency = a.finishedAt !== undefined ? ` ${a.finishedAt - a.at} ms` : '';
      return `${t} attempt  ${n.kind} notify_id ${n.notifyId} #${a.attempt}${a.duplicate ? ' (duplicate)' : ''}: ${a.outcome}, ${answer}${latency}`;
    }
    case 'gave_up':
      return `${t} gave-up  ${e.notification.kind} notify_id ${e.notification.notifyId} after ${e.notification.attempts} attempts`;
    case 'settled': {
      const x = e.transfer;
      return `${t} settled  ${x.kind} ${x.serial} → ${x.payee} ${yuan(x.fen)} yuan, status ${x.status}${x.errorCode ? ` (${x.errorCode})` : ''}`;
    }
    case 'sms':
      return `${t} sms      to ${e.sms.to} task ${e.sms.outerTaskId}`;
  }
}

function loadConfig(file: string): GatewayConfig {
  const base = dirname(resolve(file));
  const raw = parseJson(readFileSync(file, 'utf8'), `the config ${file}`) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new WitkeyError('INVALID_OPTION', `${file}: must be a JSON object`);
  const at = (v: unknown): unknown =>
    typeof v === 'string' && v.startsWith('@') ? readFileSync(resolve(base, v.slice(1)), 'utf8') : v;
  const partners: Record<string, PartnerConfig> = {};
  for (const [id, p] of Object.entries((raw['partners'] ?? {}) as Record<string, PartnerConfig>)) {
    partners[id] = { ...p, ...(p.publicKey !== undefined && { publicKey: at(p.publicKey) as string }) };
  }
  for (const k of ['now', 'fetch', 'store']) {
    if (k in raw) throw new WitkeyError('INVALID_OPTION', `${file}: ${k} cannot be set from JSON`, { field: k });
  }
  return { ...(raw as unknown as GatewayConfig), partners, ...(raw['key'] !== undefined && { key: at(raw['key']) as string }) };
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `witkey — tools for Alipay's witkey interface (alipay.witkey.task.left.amount.handle)

Usage: witkey <command> [options]      witkey <command> --help

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Exit codes: 0 success, 1 usage error, 2 failure (printed as CODE: message), 3 signature invalid (verify, decode, doctor).
`;
}

/**
 * Runs the CLI with the given arguments (without `node` and the script) and returns the exit code.
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && commands[topic]) {
      io.stdout(`${commands[topic]!.usage}\n\n${commands[topic]!.help}\n`);
      return 0;
    }
    io.stdout(mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    io.stderr(`witkey: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  try {
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.values['help']) {
      io.stdout(`${cmd.usage}\n\n${cmd.help}\n`);
      return 0;
    }
    return await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`witkey ${name}: ${e.message}\nusage: ${cmd.usage}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof WitkeyError) {
      io.stderr(`witkey ${name}: ${e.code}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    const err = e as NodeJS.ErrnoException;
    io.stderr(`witkey ${name}: ${err.code ?? 'ERROR'}: ${stripCode(err)}\n`);
    return EXIT_FAILURE;
  }
}

function defaultIo(): Io {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

// Run when executed (the built dist/cli/witkey.js is the bin).
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`witkey: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
