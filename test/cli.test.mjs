// The `witkey` CLI, run as a user runs it: `node dist/cli/witkey.js …` in a child process. Keys are
// checked with node:crypto (OpenSSL), signatures with OpenSSL over iconv-lite-encoded strings.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import iconv from 'iconv-lite';
import { exportPrivateKey } from '../dist/esm/index.js';
import { B1, PARTNER, PUBLISHER, partnerKeys } from './support/gateway-fixtures.mjs';

const CLI = path.join(import.meta.dirname, '../dist/cli/witkey.js');
const run = (args, input) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const dir = mkdtempSync(path.join(tmpdir(), 'witkey-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const privFile = path.join(dir, 'partner_private.pem');
const pubFile = path.join(dir, 'partner_public.pem');
writeFileSync(privFile, exportPrivateKey(partnerKeys.key));
writeFileSync(pubFile, partnerKeys.publicPem);

const opensslVerify = (params, cs) => {
  const canon = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return crypto.verify(
    'sha1',
    iconv.encode(canon, cs === 'utf-8' ? 'utf8' : 'gbk'),
    { key: partnerKeys.nodePublic, dsaEncoding: 'der' },
    Buffer.from(params.sign, 'base64'),
  );
};

test('--help lists the commands; each command has --help; no command is a usage error', () => {
  const h = run(['--help']);
  assert.equal(h.code, 0);
  for (const c of ['keygen', 'sign', 'verify', 'canonicalize', 'request', 'gateway', 'decode', 'demo']) {
    assert.match(h.out, new RegExp(`^  ${c} `, 'm'));
    const ch = run([c, '--help']);
    assert.equal(ch.code, 0, c);
    assert.match(ch.out, new RegExp(`^witkey ${c}`), c);
    assert.equal(run(['help', c]).out, ch.out);
  }
  assert.match(h.out, /Exit codes: 0 success, 1 usage error, 2 failure/);
  const none = run([]);
  assert.equal(none.code, 1);
});

test('usage errors exit 1: unknown command, unknown option, missing --key, bad --size', () => {
  const u = run(['frobnicate']);
  assert.equal(u.code, 1);
  assert.match(u.err, /unknown command "frobnicate"/);
  const o = run(['sign', '--nope']);
  assert.equal(o.code, 1);
  assert.match(o.err, /usage: witkey sign/);
  const k = run(['sign', path.join(dir, 'x.json')]);
  assert.equal(k.code, 1);
  assert.match(k.err, /--key is required/);
  assert.equal(run(['keygen', '--size', '1024/256']).code, 1);
});

test('keygen: PEM files OpenSSL reads as a matching DSA 1024/160 pair, private key mode 0600 and never printed', () => {
  const out = path.join(dir, 'kg');
  const r = spawnSync('mkdir', ['-p', out]);
  assert.equal(r.status, 0);
  const g = run(['keygen', '--out', out, '--name', 'p']);
  assert.equal(g.code, 0, g.err);
  assert.match(g.err, /^Generating a DSA 1024\/160 key pair .* done in \d+\.\d s\n$/);
  const priv = readFileSync(path.join(out, 'p_private.pem'), 'utf8');
  const pub = readFileSync(path.join(out, 'p_public.pem'), 'utf8');
  assert.match(priv, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(statSync(path.join(out, 'p_private.pem')).mode & 0o777, 0o600);
  assert.ok(!g.out.includes('BEGIN PRIVATE KEY') && !g.err.includes('BEGIN PRIVATE KEY'));
  const key = crypto.createPrivateKey(priv);
  assert.equal(key.asymmetricKeyType, 'dsa');
  assert.equal(key.asymmetricKeyDetails.modulusLength, 1024);
  assert.equal(key.asymmetricKeyDetails.divisorLength, 160);
  assert.equal(crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }), pub);
  const again = run(['keygen', '--out', out, '--name', 'p']);
  assert.equal(again.code, 2);
  assert.match(again.err, /ILLEGAL_ARGUMENT: .*exists; pass --force/);
});

test('sign → OpenSSL verifies (gbk); verify says valid (exit 0) and invalid after tampering (exit 3); stdin works', () => {
  const params = {
    service: 'alipay.witkey.task.left.amount.handle',
    partner: PARTNER,
    _input_charset: 'gbk',
    outer_task_id: 'T1',
    transfer_detail: 's~*~1.00~*~2088102116203708~*~天之蓝',
    empty: '',
  };
  const file = path.join(dir, 'params.json');
  writeFileSync(file, JSON.stringify(params));
  const s = run(['sign', '--key', privFile, file]);
  assert.equal(s.code, 0, s.err);
  const signed = JSON.parse(s.out);
  assert.equal(signed.sign_type, 'DSA');
  assert.ok(opensslVerify(signed, 'gbk'));
  const v = run(['verify', '--key', pubFile, '-'], JSON.stringify(signed));
  assert.deepEqual([v.code, v.out], [0, 'valid\n']);
  const t = run(['verify', '--key', pubFile, '-'], JSON.stringify({ ...signed, outer_task_id: 'T2' }));
  assert.deepEqual([t.code, t.out], [3, 'invalid\n']);
  // The same text signed in UTF-8 does not verify as GBK.
  const u = run(['verify', '--key', pubFile, '--charset', 'utf-8', '-'], JSON.stringify(signed));
  assert.equal(u.code, 3);
  assert.deepEqual(run(['verify', '--key', privFile, '-'], JSON.stringify(signed)).code, 0, 'a private key file verifies too');
});

test('sign/verify failures exit 2 with CODE: message', () => {
  const bad = run(['sign', '--key', privFile, '-'], '{"a": 1}');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^witkey sign: ILLEGAL_ARGUMENT: the params: a must be a string/);
  const json = run(['sign', '--key', privFile, '-'], '{');
  assert.equal(json.code, 2);
  assert.match(json.err, /ILLEGAL_ARGUMENT: the params is not valid JSON/);
  const cs = run(['sign', '--key', privFile, '-'], '{"a":"b"}');
  assert.match(cs.err, /ILLEGAL_CHARSET: no charset/);
  const key = run(['sign', '--key', pubFile, '-'], '{"a":"b","_input_charset":"utf-8"}');
  assert.equal(key.code, 2);
  assert.match(key.err, /INVALID_KEY/);
  const missing = run(['sign', '--key', path.join(dir, 'nope.pem'), '-'], '{"_input_charset":"utf-8"}');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /ENOENT/);
  const gb = run(['sign', '--key', privFile, '-'], JSON.stringify({ _input_charset: 'gb2312', nick: '喆' }));
  assert.equal(gb.code, 2);
  assert.match(gb.err, /ILLEGAL_CHARSET: nick: "喆" \(U\+5586\)/);
});

test('canonicalize: the docs/PROTOCOL.md §4 string; --hex gives the GBK bytes iconv-lite gives', () => {
  const params = {
    service: 'x',
    partner: PARTNER,
    sign: 'zz',
    sign_type: 'DSA',
    empty: '',
    _input_charset: 'gbk',
    nick: '天之蓝',
  };
  const c = run(['canonicalize', '-'], JSON.stringify(params));
  assert.equal(c.code, 0);
  assert.equal(c.out, `_input_charset=gbk&nick=天之蓝&partner=${PARTNER}&service=x\n`);
  const h = run(['canonicalize', '--hex', '-'], JSON.stringify(params));
  assert.equal(h.out, `${iconv.encode(`_input_charset=gbk&nick=天之蓝&partner=${PARTNER}&service=x`, 'gbk').toString('hex')}\n`);
});

test('request: signed fields (OpenSSL-verified), the urlencoded body in GBK, the HTML form; rule errors exit 2', () => {
  const input = {
    partner: PARTNER,
    charset: 'gbk',
    outerTaskId: 'T1',
    alipayUserId: PUBLISHER,
    refund: { serial: 'r1', amount: '20.1' },
    transfers: [{ serial: 's1', amount: '15', alipayUserId: B1, nickName: '天之蓝' }],
    notifyUrl: 'http://partner.test/notify',
    returnUrl: 'http://partner.test/return',
  };
  const file = path.join(dir, 'request.json');
  writeFileSync(file, JSON.stringify(input));
  const f = run(['request', '--key', privFile, file]);
  assert.equal(f.code, 0, f.err);
  const fields = JSON.parse(f.out);
  assert.equal(fields.refund_detail, 'r1~*~20.10');
  assert.equal(fields.transfer_detail, 's1~*~15.00~*~2088102116203708~*~天之蓝');
  assert.ok(opensslVerify(fields, 'gbk'));
  const b = run(['request', '--key', privFile, '--format', 'body', file]);
  assert.equal(b.code, 0);
  assert.match(b.out, /transfer_detail=s1%7E\*%7E15\.00%7E\*%7E2088102116203708%7E\*%7E%CC%EC%D6%AE%C0%B6&/);
  const form = run(['request', '--key', privFile, '--format', 'form', '--gateway', 'http://127.0.0.1:9/gateway.do', file]);
  assert.match(
    form.out,
    /^<form id="alipay-witkey-form" action="http:\/\/127\.0\.0\.1:9\/gateway\.do" method="post" enctype="application\/x-www-form-urlencoded" accept-charset="gbk">/,
  );
  assert.doesNotMatch(form.out, /<script/);
  const bad = run(['request', '--key', privFile, '-'], JSON.stringify({ ...input, refund: { serial: 'r1', amount: '20.001' } }));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^witkey request: ILLEGAL_ARGUMENT: refund_detail amount: "20.001"/);
  const rep = run(
    ['request', '--key', privFile, '-'],
    JSON.stringify({ ...input, transfers: [{ ...input.transfers[0], serial: 'r1' }] }),
  );
  assert.match(rep.err, /WITKEY_OUTER_TRANSFER_REPEAT/);
  assert.equal(run(['request', '--key', privFile, '--format', 'xml', file]).code, 1);
});

function startGateway(args) {
  const child = spawn(process.execPath, [CLI, 'gateway', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/END PUBLIC KEY-----\n/.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, ready, stderr: () => err, out: () => out };
}

test('gateway (demo setup): loopback, keys written not printed, serves inspect; SIGINT stops it with exit 0', async (t) => {
  const keys = path.join(dir, 'gwkeys');
  spawnSync('mkdir', ['-p', keys]);
  const g = startGateway(['--port', '0', '--keys-dir', keys, '--time-scale', '0.001']);
  t.after(() => g.child.kill('SIGKILL')); // never leave a server behind when an assertion fails
  const out = await g.ready;
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)[1];
  assert.ok(!out.includes('PRIVATE KEY'));
  assert.ok(existsSync(path.join(keys, 'partner_private.pem')));
  const s = await (await fetch(`${url}inspect`)).json();
  assert.deepEqual(
    s.tasks.map((t) => [t.outerTaskId, t.frozen]),
    [['demo_task', '1000.00']],
  );
  assert.equal(s.publicKey, readFileSync(path.join(keys, 'gateway_public.pem'), 'utf8'));
  assert.ok(out.includes(s.publicKey.trimEnd()));
  g.child.kill('SIGINT');
  const [code] = await new Promise((r) => g.child.once('exit', (...a) => r(a)));
  assert.equal(code, 0);
});

test('gateway --config with @file keys; a bad config exits 2', async (t) => {
  const cfgDir = path.join(dir, 'cfg');
  spawnSync('mkdir', ['-p', cfgDir]);
  writeFileSync(path.join(cfgDir, 'partner.pem'), partnerKeys.publicPem);
  writeFileSync(
    path.join(cfgDir, 'gw.json'),
    JSON.stringify({
      partners: { [PARTNER]: { publicKey: '@partner.pem', charsets: ['gbk'] } },
      tasks: [{ outerTaskId: 'T9', publisher: PUBLISHER, frozen: '9.00', expiresAt: '2011-12-01T00:00:00Z' }],
    }),
  );
  const g = startGateway(['--port', '0', '--config', path.join(cfgDir, 'gw.json')]);
  t.after(() => g.child.kill('SIGKILL'));
  const out = await g.ready;
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)[1];
  const s = await (await fetch(`${url}inspect`)).json();
  assert.deepEqual(s.partners, [
    { id: PARTNER, charsets: ['gbk'], notifyDialect: { dataField: 'notify_data', dataPrefix: '' }, hasPublicKey: true },
  ]);
  g.child.kill('SIGTERM');
  await new Promise((r) => g.child.once('exit', r));
  writeFileSync(path.join(cfgDir, 'bad.json'), JSON.stringify({ partners: { [PARTNER]: { publicKey: 'not a key' } } }));
  const bad = run(['gateway', '--port', '0', '--config', path.join(cfgDir, 'bad.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^witkey gateway: INVALID_KEY: /m);
  assert.equal(run(['gateway', '--port', '70000']).code, 1);
});

test('decode: an OpenSSL-signed GBK notification body → typed JSON; tampered → exit 3 ILLEGAL_SIGN', async () => {
  const { opensslKeyPair, signedBody, notificationFields, LEFT_AMOUNT_XML } = await import('./support/notify-oracle.mjs');
  const alipay = opensslKeyPair();
  const keyFile = path.join(dir, 'alipay_public.pem');
  writeFileSync(keyFile, alipay.publicPem);
  const { text } = signedBody(notificationFields(LEFT_AMOUNT_XML('GBK')), { charset: 'gbk', privateKey: alipay.privateKey });
  const bodyFile = path.join(dir, 'notify.txt');
  writeFileSync(bodyFile, text);
  const ok = run(['decode', '--key', keyFile, '--charset', 'gbk', bodyFile]);
  assert.equal(ok.code, 0, ok.err);
  const n = JSON.parse(ok.out);
  assert.equal(n.kind, 'left_amount_handled');
  assert.equal(n.successBidders[0].nickName, '天之蓝');
  assert.equal(n.xml, undefined);
  const piped = run(['decode', '--key', keyFile, '-'], text.replace('15.00', '95.00'));
  assert.equal(piped.code, 3);
  assert.match(piped.err, /^witkey decode: ILLEGAL_SIGN: /);
  assert.equal(run(['decode', '--key', keyFile, '--dialect', 'x', bodyFile]).code, 1);
  assert.equal(run(['decode', bodyFile]).code, 1); // --key is required
});

test('demo: the end-to-end run on loopback in UTF-8 finishes, shows every kind, each processed once', () => {
  const r = spawnSync(process.execPath, [CLI, 'demo', '--charset', 'utf-8'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-2000));
  for (const kind of ['left_amount_handled', 'refund_transfer', 'assign_transfer', 'platform_profit_transfer'])
    assert.match(r.stdout, new RegExp(`verified ${kind}`));
  assert.match(r.stdout, /each exactly once: yes/);
  assert.match(r.stdout, /attempt 2 \(retry\): partner answered "success"/);
  assert.ok(!/PRIVATE KEY/.test(r.stdout));
});

// ---- folders that do not exist yet, bodies piped to the simulator, the gateway's log ---------------

const DEMO_PARTNER = '2088101115793868'; // the demo setup of `witkey gateway` (its help and docs/CLI.md)
const DEMO_PUBLISHER = '2088102113960482';
const modeOf = (p) => statSync(p).mode & 0o777;

test('keygen --out a missing nested folder: made with mode 0700 at every level, private key 0600', () => {
  const base = path.join(dir, 'fresh');
  const out = path.join(base, 'a', 'keys');
  const g = run(['keygen', '--out', out, '--name', 'p']);
  assert.equal(g.code, 0, g.err);
  for (const d of [base, path.join(base, 'a'), out]) assert.equal(modeOf(d), 0o700, d);
  assert.equal(modeOf(path.join(out, 'p_private.pem')), 0o600);
  assert.equal(crypto.createPrivateKey(readFileSync(path.join(out, 'p_private.pem'))).asymmetricKeyType, 'dsa');
});

test('keygen into a folder that cannot be made fails fast, before generating, with the system code printed once', () => {
  const file = path.join(dir, 'somefile');
  writeFileSync(file, 'not a folder\n');
  const t0 = performance.now();
  const g = run(['keygen', '--size', '3072/256', '--out', path.join(file, 'keys')]);
  const ms = performance.now() - t0;
  assert.equal(g.code, 2);
  assert.match(g.err, /^witkey keygen: ENOTDIR: --out .*somefile[/\\]keys is not a folder this user can write: /);
  assert.doesNotMatch(g.err, /Generating/, 'no key generation was started');
  assert.ok(ms < 1000, `failed after ${ms.toFixed(0)} ms: a 3072/256 key was being generated first?`);
  assert.equal(readFileSync(file, 'utf8'), 'not a folder\n');
  // Every command prints a system error's code once (Node's message starts with it too).
  const missing = run(['sign', '--key', path.join(dir, 'nope.pem'), '-'], '{"_input_charset":"utf-8"}');
  assert.match(missing.err, /^witkey sign: ENOENT: no such file or directory, open /);
  assert.doesNotMatch(missing.err, /ENOENT: ENOENT/);
});

test('gateway on a port in use: EADDRINUSE printed once, exit 2', async (t) => {
  const taken = http.createServer();
  await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const g = run(['gateway', '--port', String(taken.address().port), '--keys-dir', path.join(dir, 'gw-inuse')]);
  assert.equal(g.code, 2);
  assert.match(g.err, /^witkey gateway: EADDRINUSE: listen: address already in use 127\.0\.0\.1:\d+$/m);
  assert.doesNotMatch(g.err, /EADDRINUSE.*EADDRINUSE/);
});

test('request --format body: no newline when piped, one on a terminal', () => {
  const file = path.join(dir, 'request-body.json');
  writeFileSync(
    file,
    JSON.stringify({
      partner: PARTNER,
      charset: 'utf-8',
      outerTaskId: 'T1',
      alipayUserId: PUBLISHER,
      refund: { serial: 'r1', amount: '1.00' },
      notifyUrl: 'http://partner.test/notify',
      returnUrl: 'http://partner.test/return',
    }),
  );
  const piped = run(['request', '--key', privFile, '--format', 'body', file]);
  assert.equal(piped.code, 0, piped.err);
  assert.match(piped.out, /&sign_type=DSA$/);
  // script(1) gives the command a pseudo-terminal as stdout (the terminal turns \n into \r\n).
  const cmd = [process.execPath, CLI, 'request', '--key', privFile, '--format', 'body', file].map((a) => `'${a}'`).join(' ');
  const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stderr);
  assert.match(tty.stdout, /&sign_type=DSA\r?\n$/);
});

function startPartner(answers) {
  // The partner's notify endpoint: answers "fail" to the first `answers` deliveries, then "success".
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(n++ < answers ? 'fail' : 'success'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const waitFor = async (get, re, ms = 15_000) => {
  const until = Date.now() + ms;
  while (!re.test(get())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${re}; got:\n${get()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('gateway: --keys-dir missing is made; the piped request body is accepted; a trailing newline gets the hint; one log line per event', async (t) => {
  const keys = path.join(dir, 'gw-fresh', 'nested', 'keys');
  const g = startGateway(['--port', '0', '--keys-dir', keys, '--time-scale', '0.001']);
  t.after(() => g.child.kill('SIGKILL'));
  const banner = await g.ready;
  assert.equal(modeOf(keys), 0o700);
  assert.equal(modeOf(path.join(keys, 'partner_private.pem')), 0o600);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(banner)[1];
  const partner = await startPartner(1);
  t.after(() => partner.close());
  const file = path.join(dir, 'demo-request.json');
  writeFileSync(
    file,
    JSON.stringify({
      partner: DEMO_PARTNER,
      charset: 'gbk',
      outerTaskId: 'demo_task',
      alipayUserId: DEMO_PUBLISHER,
      transfers: [{ serial: 'cli_s1', amount: '15.00', alipayUserId: B1, nickName: '天之蓝' }],
      notifyUrl: `http://127.0.0.1:${partner.address().port}/notify`,
      returnUrl: 'http://partner.test/return',
    }),
  );
  const r = spawnSync(
    process.execPath,
    [CLI, 'request', '--key', path.join(keys, 'partner_private.pem'), '--format', 'body', '--gateway', `${url}gateway.do`, file],
    { encoding: 'buffer' },
  );
  assert.equal(r.status, 0, r.stderr.toString());
  const post = (body) =>
    fetch(`${url}gateway.do`, {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  // A trailing newline first (as `echo` or a printed line would add): refused, and the page says why.
  const nl = await post(Buffer.concat([r.stdout, Buffer.from('\n')]));
  assert.equal(nl.status, 400);
  assert.equal(nl.headers.get('x-witkey-error'), 'ILLEGAL_SIGN_TYPE');
  const page = (await nl.text()).replaceAll('&quot;', '"');
  assert.ok(page.includes('sign_type "DSA\\n" ends with a line feed (0x0A): the body was sent with a trailing newline?'), page);
  // Whatever field comes last: here sign and sign_type first, so the signature check meets the CR LF.
  const parts = r.stdout.toString('latin1').split('&');
  const reordered = [...parts.filter((p) => /^sign(_type)?=/.test(p)), ...parts.filter((p) => !/^sign(_type)?=/.test(p))];
  const last = reordered.at(-1).split('=')[0];
  const crlf = await post(Buffer.from(`${reordered.join('&')}\r\n`, 'latin1'));
  assert.equal(crlf.headers.get('x-witkey-error'), 'ILLEGAL_SIGN');
  const crlfPage = (await crlf.text()).replaceAll('&quot;', '"');
  assert.ok(crlfPage.includes(`bytes; ${last} "`), crlfPage);
  assert.ok(crlfPage.includes('\\r\\n" ends with CR LF (0x0D 0x0A): the body was sent with a trailing newline?'), crlfPage);
  // Exactly the bytes the CLI printed: accepted (302 to return_url, the return data's <is_success> T).
  const ok = await post(r.stdout);
  assert.equal(ok.status, 302);
  assert.match(
    ok.headers.get('location'),
    /^http:\/\/partner\.test\/return\?.*notify_data=.*%3Cis_success%3ET%3C%2Fis_success%3E/,
  );
  // The log (stdout, after the banner): the request and its return, the attempts (the first one answered
  // "fail", so attempt #2 follows), the settlement.
  const log = () => g.out().slice(banner.length);
  await waitFor(log, /settled .*cli_s1/);
  await waitFor(log, / attempt .*#2: success/);
  const time = '\\d\\d:\\d\\d:\\d\\d\\.\\d{3}';
  assert.match(log(), new RegExp(`^${time} request  partner ${DEMO_PARTNER} task demo_task gbk: accepted$`, 'm'));
  assert.match(log(), new RegExp(`^${time} return   notify_id [0-9a-f]{32} is_success=T$`, 'm'));
  assert.match(log(), new RegExp(`^${time} attempt  \\w+ notify_id \\w+ #1: failed, HTTP 200 "fail" \\d+ ms$`, 'm'));
  assert.match(log(), new RegExp(`^${time} attempt  \\w+ notify_id \\w+ #2: success, HTTP 200 "success" \\d+ ms$`, 'm'));
  assert.match(log(), new RegExp(`^${time} settled  assign cli_s1 → ${B1} 15\\.00 yuan, status S$`, 'm'));
  assert.equal(
    log()
      .split('\n')
      .filter((l) => l === '' || !new RegExp(`^${time} `).test(l))
      .join(''),
    '',
    'only log lines',
  );
  assert.ok(!log().includes('PRIVATE KEY'));
});

test('gateway --quiet: no log lines for a request', async (t) => {
  const keys = path.join(dir, 'gw-quiet');
  const g = startGateway(['--port', '0', '--keys-dir', keys, '--time-scale', '0.001', '--quiet']);
  t.after(() => g.child.kill('SIGKILL'));
  const banner = await g.ready;
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(banner)[1];
  const r = spawnSync(
    process.execPath,
    [CLI, 'request', '--key', path.join(keys, 'partner_private.pem'), '--format', 'body', '-'],
    {
      input: JSON.stringify({
        partner: DEMO_PARTNER,
        charset: 'utf-8',
        outerTaskId: 'demo_task',
        alipayUserId: DEMO_PUBLISHER,
        refund: { serial: 'q1', amount: '1.00' },
        notifyUrl: 'http://127.0.0.1:9/notify',
        returnUrl: 'http://partner.test/return',
      }),
    },
  );
  assert.equal(r.status, 0, r.stderr.toString());
  const res = await fetch(`${url}gateway.do`, {
    method: 'POST',
    body: r.stdout,
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.status, 302);
  const s = await (await fetch(`${url}inspect`)).json();
  assert.ok(s.requests.length >= 1, 'the request reached the simulator');
  await new Promise((r) => setTimeout(r, 300)); // settlement and the first attempts have happened by now
  assert.equal(g.out(), banner);
});
