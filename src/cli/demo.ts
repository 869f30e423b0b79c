/**
 * The end-to-end demo behind `npm start` and `witkey demo`: on loopback, with fresh keys, the gateway
 * simulator and a partner's notify endpoint (`createNotifyHandler` via `createNodeNotifyHandler`), one
 * GBK leftover-handling request with a refund, a platform share and three bidders (one with an
 * abnormal account), then a readable timeline — request, return, every notification and delivery
 * attempt with its kind, the retries after an injected partner failure and a dropped delivery, a
 * duplicated delivery acknowledged without being processed twice, the
 * `success` answers, the SMS text, and the final balances. It checks what it shows: every
 * notification processed exactly once, all four kinds seen; otherwise it fails (exit 2).
 * Node only. The private keys are never printed.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayEvent } from '../gateway.js';
import {
  buildLeftAmountRequest,
  decodeReturn,
  generateKeyPair,
  importPublicKey,
  loadCharset,
  type Notification,
  toFetchRequest,
  WitkeyError,
} from '../index.js';
import { createNodeNotifyHandler, startGatewayServer } from '../node/index.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Protocol time per wall time: 0.001 runs the 4-minute first retry in 240 ms. */
  timeScale?: number;
  /** Charset of the request (and so of the notifications). Default `gbk`. */
  charset?: 'utf-8' | 'gbk' | 'gb2312';
  /** Where the timeline goes. */
  out: (line: string) => void;
}

const PARTNER = '2088101115793868';
const PUBLISHER = '2088102113960482';
const BIDDERS = [
  { serial: '20111221_0011_10', amount: '15.00', alipayUserId: '2088102116203708', nickName: '天之蓝' },
  { serial: '20111221_0011_11', amount: '12.50', alipayUserId: '2088102116203728', nickName: '云中鹤' },
  { serial: '20111221_0011_12', amount: '3.50', alipayUserId: '2088102116203739', nickName: '李四' },
];
const ABNORMAL = '2088102116203739';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Runs the demo; resolves with a summary, rejects (a WitkeyError `SYSTEM_ERROR`) if the flow did not
 * behave as the protocol says.
 * @example
 * await runDemo({ out: (line) => console.log(line) });
 */
export async function runDemo(options: DemoOptions): Promise<{ notifications: number; attempts: number; ms: number }> {
  const out = options.out;
  const scale = options.timeScale ?? 0.001;
  const charset = options.charset ?? 'gbk';
  const t0 = performance.now();
  const stamp = (): string => `[${String(Math.round(performance.now() - t0)).padStart(5)} ms]`;
  const say = (what: string, text: string): void => out(`${stamp()} ${what.padEnd(9)} ${text}`);
  const cont = (text: string): void => out(`${' '.repeat(20)}${text}`);

  out(`alipay-witkey demo: partner site and gateway simulator on 127.0.0.1, fresh keys, ${charset.toUpperCase()}`);
  out(
    `time scale 1/${Math.round(1 / scale)}: the gateway's first retry, 4 minutes after a failed delivery, comes ${Math.round(240_000 * scale)} ms later\n`,
  );

  let dots = 0;
  const partnerKeys = generateKeyPair({ L: 1024, N: 160 }, { onProgress: () => void dots++ });
  say('keys', `partner DSA 1024/160 key pair generated (${dots} progress steps); the private key stays in memory`);
  await loadCharset(charset);

  // The partner's notify endpoint: the library's handler, with the partner's "database".
  const processed = new Map<string, Notification>();
  const seenTwice: string[] = [];
  let refundFailures = 1; // the partner's database is down for the first refund notification
  let lastReturn: string | undefined;
  const partnerServer = createServer();
  const partnerPort = await listen(partnerServer);
  const partnerUrl = `http://127.0.0.1:${partnerPort}`;

  const events: GatewayEvent[] = [];
  const sim = await startGatewayServer({
    port: 0,
    timeScale: scale,
    partners: { [PARTNER]: { charsets: [charset], publicKey: partnerKeys.publicKey } },
    tasks: [
      {
        outerTaskId: '20111221_0011',
        publisher: PUBLISHER,
        outerAccountId: 'admin01',
        mobile: '138****0000',
        frozen: '60.00',
        expiresAt: Date.now() - 86_400_000,
      },
    ],
    accounts: [PUBLISHER, PARTNER, BIDDERS[0]!.alipayUserId, BIDDERS[1]!.alipayUserId, { id: ABNORMAL, abnormal: true }],
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'attempt') {
        const a = e.attempt;
        if (a.outcome === 'sending') return;
        const n = e.notification;
        const what = `notify #${n.seq}`;
        const tried = `attempt ${a.attempt}${a.duplicate ? ', a duplicate copy' : a.attempt > 1 ? ' (retry)' : ''}`;
        if (a.outcome === 'success')
          say(
            what,
            `${n.kind.padEnd(24)} ${tried}: partner answered "success"${a.duplicate ? ' (already processed: onNotification not called again)' : ''}`,
          );
        else if (a.outcome === 'dropped')
          say(what, `${n.kind.padEnd(24)} ${tried}: LOST on the way (injected network fault); the gateway will retry`);
        else
          say(
            what,
            `${n.kind.padEnd(24)} ${tried}: partner answered ${JSON.stringify(a.body ?? a.error ?? '')} (HTTP ${a.status ?? '-'}); the gateway will retry`,
          );
      } else if (e.type === 'settled') {
        const t = e.transfer;
        say('settled', `${t.kind} ${t.serial} → ${t.payee}: ${t.status}${t.errorCode ? ` (${t.errorCode})` : ''}`);
      } else if (e.type === 'request') {
        const r = e.request;
        say(
          'gateway',
          `gateway.do checked the partner's signature over the received ${r.charset.toUpperCase()} bytes and the business rules: ${r.isSuccess ? 'accepted' : `refused (${r.error})`}`,
        );
      } else if (e.type === 'gave_up') say('gave up', `notify #${e.notification.seq} ${e.notification.kind}`);
    },
  });
  const alipayPublicKey = importPublicKey(sim.gateway.publicKeyPem);
  say('gateway', `simulator listening at ${sim.gatewayUrl}; its public key goes to the partner (SPKI PEM)`);

  const notify = createNodeNotifyHandler({
    alipayPublicKey,
    async onNotification(n) {
      if (n.kind === 'refund_transfer' && refundFailures-- > 0) {
        say('partner', `onNotification(${n.kind}) throws: "database unavailable" (injected) → the handler answers "fail"`);
        throw new Error('database unavailable');
      }
      if (processed.has(n.notifyId)) seenTwice.push(n.notifyId);
      processed.set(n.notifyId, n);
      say('partner', `verified ${n.kind}: ${describe(n)}`);
    },
  });
  partnerServer.on('request', (req, res) => {
    if (req.url?.startsWith('/return')) {
      lastReturn = req.url;
      res.end('thanks');
      return;
    }
    notify(req, res);
  });
  say('partner', `notify endpoint ${partnerUrl}/notify (createNotifyHandler + an in-memory store)`);

  // A lost delivery (the retry schedule from the gateway's side) and a duplicated one (idempotency).
  sim.gateway.inject({ action: 'drop', kind: 'assign_transfer', attempt: 1, times: 1 });
  sim.gateway.inject({ action: 'duplicate', kind: 'left_amount_handled', times: 1 });

  try {
    const request = await buildLeftAmountRequest({
      partner: PARTNER,
      privateKey: partnerKeys.privateKey,
      charset,
      outerTaskId: '20111221_0011',
      outerAccountId: 'admin01',
      alipayUserId: PUBLISHER,
      refund: { serial: '20111221_0012_03', amount: '20.10' },
      platform: { serial: '20111221_0012_04', amount: '5.00' },
      transfers: BIDDERS,
      notifyUrl: `${partnerUrl}/notify`,
      returnUrl: `${partnerUrl}/return`,
      gateway: sim.gatewayUrl,
    });
    say('request', `POST ${sim.gatewayUrl}  (${request.body.length} bytes, ${request.contentType})`);
    cont(
      `refund 20.10 → publisher, platform share 5.00, bidders ${BIDDERS.map((b) => `${b.nickName} ${b.amount}`).join(', ')} (${BIDDERS[2]!.nickName}'s account is abnormal)`,
    );
    cont(
      `sign=${request.fields['sign']!.slice(0, 24)}… (SHA1withDSA over the ${charset.toUpperCase()} bytes of the canonical string)`,
    );

    const res = await fetch(toFetchRequest(request), { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location)
      throw new WitkeyError(
        'SYSTEM_ERROR',
        `demo: the gateway answered HTTP ${res.status} ${res.headers.get('x-witkey-error') ?? ''}`,
      );
    const ret = await decodeReturn(new URL(location), { alipayPublicKey });
    say(
      'return',
      `302 to return_url; decodeReturn verified it: is_success=${ret.isSuccess ? 'T' : 'F'}, ${ret.successBidders.length} bidders accepted, ${ret.failBidders.map((b) => `${b.nickName} refused (${b.errorCode})`).join(', ') || 'none refused'}`,
    );
    await fetch(location).then((r) => r.text()); // the browser following the redirect
    if (!lastReturn) throw new WitkeyError('SYSTEM_ERROR', 'demo: the return_url was not reached');

    await sim.gateway.idle();
    const snap = await sim.gateway.inspect();
    const sent = snap.notifications.filter((n) => n.status !== 'return'); // the return's own record is not a delivery
    for (const sms of snap.sms) say('sms', `to ${sms.mobile}: ${sms.text}`);
    const attempts = sent.reduce((n, x) => n + x.attempts, 0);
    out('');
    out(
      `Notifications: ${sent.length}, delivery attempts: ${attempts}, processed by the partner: ${processed.size} (each exactly once: ${seenTwice.length === 0 ? 'yes' : 'NO'})`,
    );
    for (const n of sent) out(`  #${n.seq} ${n.kind.padEnd(24)} attempts ${n.attempts}  ${n.status}`);
    out('Balances:');
    const who = (a: string): string =>
      a === PUBLISHER
        ? 'publisher (refund)'
        : a === PARTNER
          ? 'partner site (share + service fees)'
          : a === 'alipay'
            ? "Alipay's fees"
            : (BIDDERS.find((b) => b.alipayUserId === a)?.nickName ?? '');
    for (const b of snap.balances) out(`  ${b.account.padEnd(16)} ${b.amount.padStart(8)}  ${who(b.account)}`);
    const task = snap.tasks[0]!;
    out(`Task ${task.outerTaskId}: frozen ${task.frozen}, paid out ${task.paid}, remaining ${task.remaining}`);
    const kinds = new Set([...processed.values()].map((n) => n.kind));
    const problems: string[] = [];
    for (const k of ['left_amount_handled', 'refund_transfer', 'assign_transfer', 'platform_profit_transfer'])
      if (!kinds.has(k as Notification['kind'])) problems.push(`no ${k} notification was processed`);
    if (seenTwice.length) problems.push(`processed twice: ${seenTwice.join(', ')}`);
    if (sent.some((n) => n.status !== 'delivered')) problems.push('a notification was not delivered');
    if (sent.length !== processed.size) problems.push(`${sent.length} notifications sent, ${processed.size} processed`);
    if (problems.length) throw new WitkeyError('SYSTEM_ERROR', `demo: ${problems.join('; ')}`);
    const ms = Math.round(performance.now() - t0);
    out(`\nDone in ${(ms / 1000).toFixed(1)} s.`);
    return { notifications: sent.length, attempts, ms };
  } finally {
    await sim.close();
    await new Promise<void>((r) => partnerServer.close(() => r()));
    partnerServer.closeAllConnections?.();
  }
}

function describe(n: Notification): string {
  if (n.kind === 'left_amount_handled') {
    const parts = [`task ${n.outerTaskId}`];
    if (n.refund) parts.push(`refund ${n.refund.amount} ${n.refund.status}`);
    if (n.platform) parts.push(`platform ${n.platform.amount} ${n.platform.status}`);
    parts.push(`accepted ${n.successBidders.map((b) => `${b.nickName} ${b.amount}`).join(', ')}`);
    if (n.failBidders.length) parts.push(`refused ${n.failBidders.map((b) => `${b.nickName} (${b.errorCode})`).join(', ')}`);
    return parts.join('; ');
  }
  const t = n.transfer;
  return t
    ? `${t.outerTransferNo} ${t.amount}${t.feeAmount ? ` (fee ${t.feeAmount})` : ''} → ${t.payeeUserId ?? '?'}: ${t.status === 'S' ? 'succeeded' : t.status}`
    : `is_success=F ${n.error}`;
}
