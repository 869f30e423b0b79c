/**
 * `createGateway`: the witkey gateway simulator as a `fetch`-style handler (Web APIs only, so it runs
 * in workers too). It plays Alipay's side of PROTOCOL.md: `gateway.do` for
 * `alipay.witkey.task.left.amount.handle` and `notify_verify`, the signed return to `return_url`,
 * the four notifications delivered with the documented retry schedule, transfers that settle after a
 * delay, an SMS outbox, fault injection and an inspection API.
 *
 * Time: every duration (retry schedule, settle delay, fault delays) is multiplied by `timeScale`, and
 * "now" comes from `config.now`. With `autoRun: false` nothing happens in the background: a test
 * moves its clock and calls `runDue()`, which makes runs deterministic.
 *
 * It is a simulator, not Alipay: one process, one store, requests serialised by an in-process lock.
 * @module
 */
import { loadCharset } from '../charset/codec.js';
import type { Charset } from '../charset/names.js';
import type { DsaPublicKey } from '../dsa/key.js';
import { WitkeyError, type WitkeyErrorCode } from '../errors.js';
import { exportPublicKey } from '../keys/export.js';
import { formEncodeString } from '../params/form.js';
import { formatFen, parseAmount } from '../witkey/amount.js';
import { LEFT_AMOUNT_SERVICE } from '../witkey/request.js';
import { paidFen, resolveConfig, toEpochMs, type FaultRule, type GatewayConfig, type NotificationKind, type ResolvedConfig, type ResolvedPartner } from './config.js';
import { AUTOSUBMIT_JS, AUTOSUBMIT_SCRIPT, errorPage, inspectPage, returnFormPage } from './html.js';
import { asciiParam, checkPageRequest, readRawForm, type RawForm } from './inbound.js';
import { beijingTime, leftAmountXml, signedNotification, transferXml, type LeftAmountResult, type TransferStatus } from './notifications.js';
import { alipayFee, applyRules, checkArguments, feeFen, type LeftAmountArgs, type TaskRecord } from './rules.js';
import { createMemoryStore, type GatewayStore, type StoreWrite } from './store.js';

/** The service name of notification verification (PROTOCOL.md §7). */
export const NOTIFY_VERIFY_SERVICE = 'notify_verify';

/** Gateway codes answered with an HTML error page (PROTOCOL.md §8). */
const PAGE_CODES = new Set(['ILLEGAL_SIGN', 'ILLEGAL_ARGUMENT', 'ILLEGAL_SERVICE', 'ILLEGAL_PARTNER', 'ILLEGAL_SIGN_TYPE', 'ILLEGAL_CHARSET', 'HAS_NO_PRIVILEGE', 'HAS_NO_PUBLICKEY', 'SYSTEM_ERROR', 'SESSION_TIMEOUT']);

/** Kinds of transfer. `platform_profit` is the service fee of a bounty payment. */
export type TransferKind = 'refund' | 'platform' | 'assign' | 'platform_profit';

/** A transfer as stored (amounts in fen, as decimal strings: JSON has no bigint). */
export interface TransferRecord {
  /** `alipay_transfer_no`. */
  readonly id: string;
  readonly kind: TransferKind;
  readonly partner: string;
  readonly outerTaskId: string;
  /** `outer_transfer_no`: the partner's serial (for a service fee, the bounty payment's serial). */
  readonly serial: string;
  readonly payee: string;
  readonly nickName?: string;
  readonly fen: string;
  /** Alipay's fee. */
  readonly feeFen: string;
  /** For a bounty payment: the partner's service fee on it. */
  readonly serviceFeeFen?: string;
  status: TransferStatus;
  errorCode?: string;
  readonly createdAt: number;
  readonly settleAt: number;
  settledAt?: number;
  /** For a service fee: the bounty payment it belongs to. */
  readonly parent?: string;
  readonly charset: Charset;
  readonly notifyUrl: string;
}

/** Delivery state of a notification. `return` marks the return data (sent through the browser, not delivered). */
export type NotificationStatus = 'pending' | 'held' | 'delivered' | 'failed' | 'return';

/** A notification as stored, with the exact body that is (re)sent. */
export interface NotificationRecord {
  readonly notifyId: string;
  readonly seq: number;
  readonly kind: NotificationKind;
  readonly partner: string;
  readonly outerTaskId: string;
  readonly transferId?: string;
  readonly url: string;
  readonly charset: Charset;
  readonly fields: Record<string, string>;
  /** urlencoded body (ASCII), identical on every attempt. */
  readonly body: string;
  readonly xml: string;
  readonly createdAt: number;
  status: NotificationStatus;
  /** Attempts made that count against 1 + retries (interrupted and duplicate sends do not). */
  attempts: number;
  nextAt: number;
  heldUntil?: number;
  deliveredAt?: number;
  notes: string[];
}

/** Outcome of one delivery attempt. `sending` is written before the request goes out. */
export type AttemptOutcome = 'sending' | 'success' | 'failed' | 'dropped' | 'interrupted';

/** One delivery attempt as recorded. */
export interface AttemptRecord {
  readonly id: string;
  readonly notifyId: string;
  /** 1-based attempt number of the notification. */
  readonly attempt: number;
  readonly at: number;
  finishedAt?: number;
  outcome: AttemptOutcome;
  /** HTTP status of the answer. */
  status?: number;
  /** The answer's first 200 characters. */
  body?: string;
  error?: string;
  /** A second copy sent by the `duplicate` fault. */
  readonly duplicate?: boolean;
}

/** An SMS to the task publisher. */
export interface SmsRecord {
  readonly id: string;
  readonly at: number;
  readonly to: string;
  readonly mobile: string;
  readonly outerTaskId: string;
  readonly text: string;
}

/** One `gateway.do` request that reached the business rules. */
export interface RequestRecord {
  readonly id: string;
  readonly at: number;
  readonly partner: string;
  readonly charset: Charset;
  readonly outerTaskId: string;
  readonly isSuccess: boolean;
  readonly error?: string;
  readonly message?: string;
  readonly returnNotifyId: string;
}

/** What {@link Gateway.inspect} returns (and `GET /inspect` serves as JSON). Amounts in yuan. */
export interface GatewaySnapshot {
  readonly now: number;
  readonly publicKey: string;
  readonly partners: ReadonlyArray<{ id: string; charsets: readonly string[]; notifyDialect: { dataField: string; dataPrefix: string }; hasPublicKey: boolean }>;
  readonly tasks: ReadonlyArray<{ outerTaskId: string; partner?: string; publisher: string; frozen: string; paid: string; remaining: string; expiresAt: string }>;
  readonly transfers: ReadonlyArray<TransferRecord & { alipayTransferNo: string; amount: string; fee: string }>;
  readonly balances: ReadonlyArray<{ account: string; amount: string }>;
  readonly sms: ReadonlyArray<SmsRecord & { time: string }>;
  readonly requests: readonly RequestRecord[];
  readonly notifications: ReadonlyArray<Omit<NotificationRecord, 'body'>>;
  readonly attempts: ReadonlyArray<AttemptRecord & { time: string }>;
  readonly lastError?: string;
}

/**
 * Something the simulator did, reported to `onEvent` as it happens (for a live timeline):
 * a request answered, an SMS recorded, a transfer settled, a delivery attempt finished (or
 * dropped), a notification given up after its last attempt.
 */
export type GatewayEvent =
  | { readonly type: 'request'; readonly at: number; readonly request: RequestRecord }
  | { readonly type: 'sms'; readonly at: number; readonly sms: SmsRecord }
  | { readonly type: 'settled'; readonly at: number; readonly transfer: TransferRecord }
  | { readonly type: 'attempt'; readonly at: number; readonly notification: Omit<NotificationRecord, 'body'>; readonly attempt: AttemptRecord }
  | { readonly type: 'gave_up'; readonly at: number; readonly notification: Omit<NotificationRecord, 'body'> };

/** What one {@link Gateway.runDue} did. */
export interface RunReport {
  readonly settled: number;
  readonly attempts: number;
}

/** The simulator. */
export interface Gateway {
  /** Serves `/gateway.do`, `/inspect` (JSON), `/inspect.html`, `/public-key.pem` and the auto-submit script. */
  fetch(request: Request): Promise<Response>;
  /** Resolves when the store is seeded and interrupted deliveries are recovered. */
  readonly ready: Promise<void>;
  /** The simulator's public key: partners verify returns and notifications with it. */
  readonly publicKey: DsaPublicKey;
  /** {@link publicKey} as SPKI PEM. */
  readonly publicKeyPem: string;
  /** Settles due transfers and delivers due notifications (now, by the configured clock), until nothing more is due. */
  runDue(): Promise<RunReport>;
  /** When something is next due (ms since the epoch), or undefined when nothing is pending. */
  nextDueAt(): Promise<number | undefined>;
  /** Notifications not yet delivered or given up, plus transfers not yet settled. */
  pending(): Promise<number>;
  /** Resolves once nothing is pending (with `autoRun: false`, only as `runDue` calls make progress). */
  idle(): Promise<void>;
  inspect(): Promise<GatewaySnapshot>;
  /** Adds a fault rule at run time. */
  inject(rule: FaultRule): void;
  clearFaults(): void;
  /** Stops the timers (and closes the store if it can be closed). */
  close(): Promise<void>;
}

const SERIAL_ANY = '*';
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const randomId = (): string => hex(crypto.getRandomValues(new Uint8Array(16)));
const SUB_TYPES: Partial<Record<TransferKind, string>> = {
  assign: 'ASSIGN_FOR_IMMEDIATE_PAYMENT',
  platform: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
  platform_profit: 'PLATFORM_PROFIT_BY_IMMEDIATE_PAYMENT',
};
const KIND_OF: Record<TransferKind, NotificationKind> = {
  refund: 'refund_transfer',
  platform: 'platform_profit_transfer',
  assign: 'assign_transfer',
  platform_profit: 'platform_profit_transfer',
};

interface Counters {
  seq: number;
  transfer: number;
  attempt: number;
}

function html(body: string, status: number, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extra } });
}

const text = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });

/**
 * Creates a gateway simulator. Only `partners` is required; everything else has a default (a fresh
 * 1024/160 key, an in-memory store, `Date.now`, real time, `globalThis.fetch`).
 * @throws WitkeyError `INVALID_OPTION` / `INVALID_KEY` for a bad configuration.
 * @example
 * const gateway = createGateway({
 *   partners: { '2088101115793868': { publicKey: partnerPublicPem } },
 *   tasks: [{ outerTaskId: '20111221_0011', publisher: '2088102113960482', frozen: '100.00', expiresAt: '2011-12-20T00:00:00Z' }],
 *   timeScale: 0.001, // the 15-hour retry schedule in under a minute
 * });
 * // Node: startGatewayServer from alipay-witkey/node; a worker: export default { fetch: gateway.fetch }
 * const res = await gateway.fetch(toFetchRequest(await buildLeftAmountRequest({ ...input, gateway: 'http://gw.test/gateway.do' })));
 * res.headers.get('location'); // return_url?notify_id=…&sign=…
 */
export function createGateway(config: GatewayConfig): Gateway {
  const cfg: ResolvedConfig = resolveConfig(config);
  const store: GatewayStore = config.store ?? createMemoryStore();
  const publicKey = cfg.key.publicKey;
  const publicKeyPem = exportPublicKey(publicKey);
  let faults: Array<{ rule: FaultRule; left: number }> = (config.faults ?? []).map((rule) => ({ rule, left: rule.times ?? 1 }));
  const scale = (ms: number): number => ms * cfg.timeScale;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<RunReport> | undefined;
  let rerun = false;
  let lastError: string | undefined;
  let idleWaiters: Array<() => void> = [];
  // Whether a `reorder` hold may exist: spares a scan of every notification after each attempt.
  let heldMayExist = true;
  const onEvent = config.onEvent;
  // A listener's exception must not break the simulator: it is kept as lastError.
  const emit = (e: GatewayEvent): void => {
    if (!onEvent) return;
    try {
      onEvent(e);
    } catch (err) {
      lastError = `onEvent: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  const publicView = ({ body: _body, ...rest }: NotificationRecord): Omit<NotificationRecord, 'body'> => structuredClone(rest);

  // One lock for every read-modify-write of shared state (tasks, serials, balances, counters).
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  };

  const ready = (async () => {
    for (const cs of new Set([...cfg.partners.values()].flatMap((p) => p.charsets))) await loadCharset(cs);
    const writes: StoreWrite[] = [];
    for (const t of cfg.tasks) {
      if (await store.get('task', t.outerTaskId)) continue;
      const rec: TaskRecord = {
        outerTaskId: t.outerTaskId,
        ...(t.partner !== undefined && { partner: t.partner }),
        publisher: t.publisher,
        ...(t.outerAccountId !== undefined && { outerAccountId: t.outerAccountId }),
        ...(t.mobile !== undefined && { mobile: t.mobile }),
        frozenFen: String(parseAmount(t.frozen, { field: 'frozen' })),
        paidFen: String(paidFen(t.paid, 'paid')),
        expiresAt: toEpochMs(t.expiresAt, 'expiresAt'),
      };
      writes.push({ collection: 'task', key: t.outerTaskId, value: rec });
      for (const s of t.usedSerials ?? []) {
        writes.push({ collection: 'serial', key: `${t.partner ?? SERIAL_ANY}|${s}`, value: { partner: t.partner ?? SERIAL_ANY, serial: s, outerTaskId: t.outerTaskId } });
      }
    }
    // Attempts written as `sending` before a restart may or may not have reached the partner: the
    // notification is still pending, so it is sent again now (at least once, never after `success`).
    const now = cfg.now();
    for (const a of await store.list<AttemptRecord>('attempt')) {
      if (a.outcome !== 'sending') continue;
      writes.push({ collection: 'attempt', key: a.id, value: { ...a, outcome: 'interrupted', finishedAt: now, error: 'the simulator stopped during this attempt' } });
      const n = await store.get<NotificationRecord>('notification', a.notifyId);
      if (n && n.status === 'pending') writes.push({ collection: 'notification', key: n.notifyId, value: { ...n, nextAt: Math.min(n.nextAt, now) } });
    }
    if (writes.length) await store.write(writes);
  })();
  ready.then(() => schedule(), () => undefined);

  async function counters(): Promise<Counters> {
    return (await store.get<Counters>('meta', 'counters')) ?? { seq: 0, transfer: 0, attempt: 0 };
  }

  function takeFault(actions: readonly string[], m: { kind?: NotificationKind; attempt?: number; partner?: string; outerTaskId?: string }): FaultRule | undefined {
    for (const f of faults) {
      const r = f.rule;
      if (f.left <= 0 || !actions.includes(r.action)) continue;
      if (r.partner !== undefined && r.partner !== m.partner) continue;
      if (r.action !== 'error') {
        const kinds = r.kind === undefined ? undefined : typeof r.kind === 'string' ? [r.kind] : r.kind;
        if (kinds && (m.kind === undefined || !kinds.includes(m.kind))) continue;
        if (r.attempt !== undefined && r.attempt !== m.attempt) continue;
        if (r.outerTaskId !== undefined && r.outerTaskId !== m.outerTaskId) continue;
      }
      f.left--;
      return r;
    }
    return undefined;
  }

  // ---- gateway.do ---------------------------------------------------------------------------------

  function errorResponse(e: unknown): Response {
    const known = e instanceof WitkeyError && PAGE_CODES.has(e.code);
    const code = known ? (e as WitkeyError).code : 'SYSTEM_ERROR';
    const message = known ? (e as WitkeyError).message : 'the simulator failed to process the request';
    if (!known) lastError = e instanceof Error ? e.message : String(e);
    return html(errorPage(code, message), code === 'SYSTEM_ERROR' ? 500 : 400, { 'x-witkey-error': code });
  }

  async function handleGatewayDo(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'POST') {
      return new Response('method not allowed', { status: 405, headers: { allow: 'GET, POST' } });
    }
    let form: RawForm;
    try {
      form = await readRawForm(request);
    } catch (e) {
      if (e instanceof WitkeyError && e.code === 'ILLEGAL_ARGUMENT' && serviceInQuery(request) === NOTIFY_VERIFY_SERVICE) return text('invalid');
      return errorResponse(e);
    }
    let service = '';
    try {
      service = asciiParam(form, 'service', 'ILLEGAL_SERVICE');
    } catch (e) {
      return errorResponse(e);
    }
    if (service === NOTIFY_VERIFY_SERVICE) return notifyVerify(form);
    try {
      let partnerId = '';
      try {
        partnerId = asciiParam(form, 'partner', 'ILLEGAL_PARTNER');
      } catch {
        /* reported by checkPageRequest */
      }
      const forced = takeFault(['error'], { partner: partnerId });
      if (forced && forced.action === 'error' && PAGE_CODES.has(forced.code)) {
        throw new WitkeyError(forced.code as WitkeyErrorCode, `forced by fault injection: ${forced.code}`);
      }
      const checked = await checkPageRequest(form, cfg.partners, [LEFT_AMOUNT_SERVICE]);
      const { partner, charset, fields } = checked;
      let args: LeftAmountArgs | undefined;
      let businessError: { code: string; message: string } | undefined;
      try {
        args = checkArguments(fields, partner.id, charset, partner.detail);
      } catch (e) {
        if (!(e instanceof WitkeyError) || PAGE_CODES.has(e.code) || e.code === 'CHARSET_NOT_LOADED' || e.code === 'INVALID_OPTION') throw e;
        businessError = { code: e.code, message: e.message };
      }
      if (forced && forced.action === 'error') businessError = { code: forced.code, message: `forced by fault injection: ${forced.code}` };
      const urls = { notifyUrl: args?.notifyUrl ?? fields.get('notify_url')!, returnUrl: args?.returnUrl ?? fields.get('return_url')! };
      const outerTaskId = args?.outerTaskId ?? fields.get('outer_task_id')!;
      const returned = await exclusive(() => handleLeftAmount(partner, charset, outerTaskId, urls, args, businessError));
      void schedule();
      if (partner.returnMode === 'form') {
        return html(returnFormPage(urls.returnUrl, returned.fields, charset, AUTOSUBMIT_SCRIPT), 200);
      }
      const location = `${urls.returnUrl}?${formEncodeString(returned.fields, charset)}`;
      return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
    } catch (e) {
      return errorResponse(e);
    }
  }

  function serviceInQuery(request: Request): string {
    return new URL(request.url).searchParams.get('service') ?? '';
  }

  async function handleLeftAmount(
    partner: ResolvedPartner,
    charset: Charset,
    outerTaskId: string,
    urls: { notifyUrl: string; returnUrl: string },
    args: LeftAmountArgs | undefined,
    forcedError: { code: string; message: string } | undefined,
  ): Promise<{ fields: Record<string, string> }> {
    const now = cfg.now();
    const c = await counters();
    const writes: StoreWrite[] = [];
    const requestId = randomId();
    let result: LeftAmountResult;
    let outcome: ReturnType<typeof applyRules> | undefined;
    if (forcedError || !args) {
      result = { isSuccess: false, error: forcedError!.code };
    } else {
      const task = await store.get<TaskRecord>('task', args.outerTaskId);
      const serials = [args.refund, args.platform, ...args.transfers].filter((l) => l !== undefined).map((l) => l.serial);
      const used = new Set<string>();
      for (const s of serials) {
        if ((await store.get('serial', `${partner.id}|${s}`)) || (await store.get('serial', `${SERIAL_ANY}|${s}`))) used.add(s);
      }
      const transfers = await store.list<TransferRecord>('transfer');
      const unsettled = transfers.some((t) => t.outerTaskId === args.outerTaskId && t.partner === partner.id && t.status === 'W');
      outcome = applyRules(args, { partner: partner.id, now, task, usedSerials: used, unsettled, accounts: cfg.accounts, requireExactTotal: cfg.requireExactTotal });
      if (!outcome.ok) {
        result = { isSuccess: false, error: outcome.error };
      } else {
        const W = 'W' as const;
        result = {
          isSuccess: true,
          outerTaskId: args.outerTaskId,
          ...(args.refund && { refund: { serial: args.refund.serial, fen: args.refund.fen, status: W } }),
          ...(args.platform && { platform: { serial: args.platform.serial, fen: args.platform.fen, status: W } }),
          success: outcome.success.map((t) => ({ serial: t.serial, fen: t.fen, userId: t.userId, nickName: t.nickName, status: W })),
          fail: outcome.fail.map((t) => ({ serial: t.serial, fen: t.fen, userId: t.userId, nickName: t.nickName, status: 'F' as const, errorCode: t.errorCode })),
        };
        const task2 = outcome.task;
        writes.push({ collection: 'task', key: task2.outerTaskId, value: { ...task2, paidFen: String(BigInt(task2.paidFen) + outcome.acceptedFen) } });
        for (const s of serials) writes.push({ collection: 'serial', key: `${partner.id}|${s}`, value: { partner: partner.id, serial: s, outerTaskId: args.outerTaskId, at: now } });
        const settleAt = now + scale(cfg.settleDelay);
        const mk = (kind: TransferKind, serial: string, payee: string, fen: bigint, extra: Partial<TransferRecord> = {}): void => {
          c.transfer++;
          const id = `${beijingTime(now).slice(0, 10).replace(/-/g, '')}${String(c.transfer).padStart(5, '0')}`;
          const fee = kind === 'refund' ? 0n : alipayFee(fen, cfg.fees);
          const rec: TransferRecord = {
            id, kind, partner: partner.id, outerTaskId: args.outerTaskId, serial, payee, fen: String(fen), feeFen: String(fee),
            status: 'W', createdAt: now, settleAt, charset, notifyUrl: urls.notifyUrl, ...extra,
          };
          writes.push({ collection: 'transfer', key: id, value: rec });
        };
        if (args.refund) mk('refund', args.refund.serial, task2.publisher, args.refund.fen);
        if (args.platform) mk('platform', args.platform.serial, partner.account, args.platform.fen);
        for (const t of outcome.success) {
          const service = feeFen(t.fen, cfg.fees.platformRateBp);
          mk('assign', t.serial, t.userId, t.fen, { nickName: t.nickName, serviceFeeFen: String(service) });
        }
        writes.push({
          collection: 'sms',
          key: requestId,
          value: {
            id: requestId,
            at: now,
            to: task2.publisher,
            mobile: task2.mobile ?? '138****0000',
            outerTaskId: task2.outerTaskId,
            text: smsText(args, outcome.success, outcome.fail),
          } satisfies SmsRecord,
        });
      }
    }
    const xml = leftAmountXml(result, charset);
    const notify = newNotification(c, 'left_amount_handled', partner, outerTaskId, urls.notifyUrl, charset, xml, now);
    const ret = newNotification(c, 'left_amount_handled', partner, outerTaskId, urls.returnUrl, charset, xml, now);
    ret.status = 'return';
    writes.push({ collection: 'notification', key: notify.notifyId, value: notify });
    writes.push({ collection: 'notification', key: ret.notifyId, value: ret });
    const error = forcedError ?? (outcome && !outcome.ok ? { code: outcome.error, message: outcome.message } : undefined);
    writes.push({
      collection: 'request',
      key: requestId,
      value: {
        id: requestId, at: now, partner: partner.id, charset, outerTaskId, isSuccess: result.isSuccess,
        ...(error && { error: error.code, message: error.message }),
        returnNotifyId: ret.notifyId,
      } satisfies RequestRecord,
    });
    writes.push({ collection: 'meta', key: 'counters', value: c });
    await store.write(writes);
    for (const kind of ['request', 'sms'] as const) {
      for (const w of writes) {
        if (w.collection !== kind) continue;
        if (kind === 'request') emit({ type: 'request', at: now, request: w.value as RequestRecord });
        else emit({ type: 'sms', at: now, sms: w.value as SmsRecord });
      }
    }
    return { fields: ret.fields };
  }

  function smsText(args: LeftAmountArgs, paid: ReadonlyArray<{ fen: bigint }>, failed: ReadonlyArray<{ fen: bigint }>): string {
    const sum = (l: ReadonlyArray<{ fen: bigint }>): string => formatFen(l.reduce((s, t) => s + t.fen, 0n));
    const parts: string[] = [];
    if (args.refund) parts.push(`退还您${formatFen(args.refund.fen)}元`);
    if (args.platform) parts.push(`平台划拨${formatFen(args.platform.fen)}元`);
    if (paid.length) parts.push(`向${paid.length}位中标者支付赏金${sum(paid)}元`);
    if (failed.length) parts.push(`${failed.length}位中标者账户异常，未支付${sum(failed)}元`);
    return `【支付宝】您发布的任务${args.outerTaskId}剩余赏金已处理：${parts.join('；')}。`;
  }

  function newNotification(c: Counters, kind: NotificationKind, partner: ResolvedPartner, outerTaskId: string, url: string, charset: Charset, xml: string, now: number, transferId?: string): NotificationRecord {
    const notifyId = randomId();
    const signed = signedNotification(kind, xml, { notifyId, notifyTime: beijingTime(now), charset, dialect: partner.notify, key: cfg.key });
    c.seq++;
    return {
      notifyId, seq: c.seq, kind, partner: partner.id, outerTaskId, ...(transferId !== undefined && { transferId }),
      url, charset, fields: signed.fields, body: signed.body, xml, createdAt: now, status: 'pending', attempts: 0, nextAt: now, notes: [],
    };
  }

  // ---- notify_verify ------------------------------------------------------------------------------

  async function notifyVerify(form: RawForm): Promise<Response> {
    let partner: string, notifyId: string;
    try {
      partner = asciiParam(form, 'partner', 'ILLEGAL_ARGUMENT');
      notifyId = asciiParam(form, 'notify_id', 'ILLEGAL_ARGUMENT');
    } catch {
      return text('invalid');
    }
    if (!/^2088\d{12}$/.test(partner) || !cfg.partners.has(partner) || !/^[0-9A-Za-z_-]{1,64}$/.test(notifyId)) return text('invalid');
    await ready;
    const n = await store.get<NotificationRecord>('notification', notifyId);
    return text(n && n.partner === partner && n.status !== 'delivered' ? 'true' : 'false');
  }

  // ---- settlement and delivery --------------------------------------------------------------------

  async function settle(t: TransferRecord, now: number): Promise<void> {
    const partner = cfg.partners.get(t.partner);
    if (!partner) return;
    const writes: StoreWrite[] = [];
    const c = await counters();
    const error = cfg.accounts?.get(t.payee)?.settleError;
    const settled: TransferRecord = { ...t, status: error ? 'F' : 'S', settledAt: now, ...(error && { errorCode: error }) };
    writes.push({ collection: 'transfer', key: t.id, value: settled });
    const fen = BigInt(t.fen), fee = BigInt(t.feeFen), service = BigInt(t.serviceFeeFen ?? '0');
    const credit = async (account: string, amount: bigint): Promise<void> => {
      if (amount === 0n) return;
      const pendingWrite = writes.find((w) => w.collection === 'balance' && w.key === account);
      const prev = pendingWrite ? BigInt((pendingWrite.value as { fen: string }).fen) : BigInt((await store.get<{ fen: string }>('balance', account))?.fen ?? '0');
      const value = { account, fen: String(prev + amount) };
      if (pendingWrite) (pendingWrite as { value: unknown }).value = value;
      else writes.push({ collection: 'balance', key: account, value });
    };
    if (error) {
      // The money was not paid: it goes back to what is left of the task.
      const task = await store.get<TaskRecord>('task', t.outerTaskId);
      if (task && t.kind !== 'platform_profit') writes.push({ collection: 'task', key: task.outerTaskId, value: { ...task, paidFen: String(BigInt(task.paidFen) - fen) } });
    } else if (t.kind === 'platform_profit') {
      await credit(t.payee, fen - fee);
      await credit('alipay', fee);
    } else {
      await credit(t.payee, fen - fee - service);
      await credit('alipay', fee);
      if (t.kind === 'assign' && service > 0n) {
        // The service fee is paid only once the bounty payment succeeded (PROTOCOL.md §6.4).
        c.transfer++;
        const id = `${beijingTime(now).slice(0, 10).replace(/-/g, '')}${String(c.transfer).padStart(5, '0')}`;
        const profit: TransferRecord = {
          id, kind: 'platform_profit', partner: t.partner, outerTaskId: t.outerTaskId, serial: t.serial, payee: partner.account,
          fen: String(service), feeFen: String(alipayFee(service, cfg.fees)), status: 'W', createdAt: now, settleAt: now + scale(cfg.settleDelay),
          parent: t.id, charset: t.charset, notifyUrl: t.notifyUrl,
        };
        writes.push({ collection: 'transfer', key: id, value: profit });
      }
    }
    const xml = transferXml(
      {
        outerTaskId: t.outerTaskId, serial: t.serial, alipayTransferNo: t.id, ...(SUB_TYPES[t.kind] !== undefined && { subType: SUB_TYPES[t.kind] }),
        payee: t.payee, fen, feeFen: fee, status: settled.status, ...(error && { errorCode: error }), gmtTransfer: beijingTime(now),
      },
      t.charset,
    );
    const n = newNotification(c, KIND_OF[t.kind], partner, t.outerTaskId, t.notifyUrl, t.charset, xml, now, t.id);
    writes.push({ collection: 'notification', key: n.notifyId, value: n });
    writes.push({ collection: 'meta', key: 'counters', value: c });
    await store.write(writes);
    emit({ type: 'settled', at: now, transfer: settled });
  }

  async function nextAttemptId(): Promise<string> {
    return exclusive(async () => {
      const c = await counters();
      c.attempt++;
      await store.write([{ collection: 'meta', key: 'counters', value: c }]);
      return String(c.attempt).padStart(8, '0');
    });
  }

  async function send(n: NotificationRecord): Promise<{ ok: boolean; status?: number; body?: string; error?: string }> {
    const ctrl = new AbortController();
    const timeout = setTimeout(() => ctrl.abort(), cfg.deliveryTimeoutMs);
    try {
      const req = new Request(n.url, {
        method: 'POST',
        headers: { 'content-type': `application/x-www-form-urlencoded; charset=${n.charset}` },
        body: n.body, // ASCII: the same bytes in any encoding
        signal: ctrl.signal,
        redirect: 'manual',
      });
      const res = await cfg.fetch(req);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const ok = bytes.length === 7 && String.fromCharCode(...bytes) === 'success';
      return { ok, status: res.status, body: new TextDecoder().decode(bytes.subarray(0, 200)) };
    } catch (e) {
      return { ok: false, error: ctrl.signal.aborted ? `no answer within ${cfg.deliveryTimeoutMs} ms` : e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(timeout);
    }
  }

  async function releaseHeld(n: NotificationRecord, now: number, why: string): Promise<void> {
    if (!heldMayExist) return;
    const all = await store.list<NotificationRecord>('notification');
    const writes: StoreWrite[] = [];
    for (const h of all) {
      if (h.status !== 'held' || h.notifyId === n.notifyId || h.partner !== n.partner || h.outerTaskId !== n.outerTaskId) continue;
      h.status = 'pending';
      h.nextAt = now;
      delete h.heldUntil;
      h.notes.push(`released: ${why}`);
      writes.push({ collection: 'notification', key: h.notifyId, value: h });
    }
    if (writes.length) await store.write(writes);
  }

  async function deliver(n: NotificationRecord): Promise<number> {
    const now = cfg.now();
    const attempt = n.attempts + 1;
    const m = { kind: n.kind, attempt, partner: n.partner, outerTaskId: n.outerTaskId };
    const delay = takeFault(['delay', 'reorder'], m);
    if (delay?.action === 'delay') {
      n.nextAt = now + scale(delay.delay);
      n.notes.push(`attempt ${attempt} delayed by ${delay.delay} ms (fault)`);
      await store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
      return 0;
    }
    if (delay?.action === 'reorder') {
      n.status = 'held';
      heldMayExist = true;
      n.heldUntil = now + scale(cfg.retrySchedule[0] ?? 0);
      n.notes.push(`attempt ${attempt} held back until another notification of the task is sent (fault: reorder)`);
      await store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
      return 0;
    }
    const drop = takeFault(['drop'], m);
    const copies = !drop && takeFault(['duplicate'], m) ? 2 : 1;
    let made = 0;
    const done: AttemptRecord[] = []; // reported once the notification's new state is stored
    for (let i = 0; i < copies; i++) {
      const id = `${n.notifyId}:${await nextAttemptId()}`;
      const rec: AttemptRecord = { id, notifyId: n.notifyId, attempt, at: cfg.now(), outcome: 'sending', ...(i > 0 && { duplicate: true }) };
      made++;
      if (drop) {
        const dropped: AttemptRecord = { ...rec, outcome: 'dropped', finishedAt: rec.at, error: 'dropped by fault injection: not sent' };
        await store.write([{ collection: 'attempt', key: id, value: dropped }]);
        done.push(dropped);
        break;
      }
      // Written before sending: a restart during the request re-sends rather than loses it.
      await store.write([{ collection: 'attempt', key: id, value: rec }]);
      const r = await send(n);
      const finishedAt = cfg.now();
      const finished: AttemptRecord = {
        ...rec, finishedAt, outcome: r.ok ? 'success' : 'failed',
        ...(r.status !== undefined && { status: r.status }), ...(r.body !== undefined && { body: r.body }), ...(r.error !== undefined && { error: r.error }),
      };
      const writes: StoreWrite[] = [{ collection: 'attempt', key: id, value: finished }];
      if (r.ok && n.status !== 'delivered') {
        n.status = 'delivered';
        n.deliveredAt = finishedAt;
        n.attempts = attempt;
        writes.push({ collection: 'notification', key: n.notifyId, value: n });
      }
      // `success` is stored in the same atomic write as the attempt: never re-sent after a restart.
      await store.write(writes);
      done.push(finished);
    }
    if (n.status !== 'delivered') {
      n.attempts = attempt;
      if (attempt > cfg.retrySchedule.length) {
        n.status = 'failed';
        n.notes.push(`gave up after ${attempt} attempts`);
      } else {
        n.nextAt = cfg.now() + scale(cfg.retrySchedule[attempt - 1]!);
      }
      await store.write([{ collection: 'notification', key: n.notifyId, value: n }]);
    }
    for (const a of done) emit({ type: 'attempt', at: a.finishedAt ?? a.at, notification: publicView(n), attempt: a });
    if (n.status === 'failed') emit({ type: 'gave_up', at: cfg.now(), notification: publicView(n) });
    await releaseHeld(n, cfg.now(), `notification ${n.notifyId} (${n.kind}) was attempted first`);
    return made;
  }

  async function pass(): Promise<RunReport> {
    const now = cfg.now();
    let settled = 0;
    for (const t of await store.list<TransferRecord>('transfer')) {
      if (t.status === 'W' && t.settleAt <= now) {
        await exclusive(() => settle(t, now));
        settled++;
      }
    }
    const all = await store.list<NotificationRecord>('notification');
    const releases: StoreWrite[] = [];
    for (const h of all) {
      if (h.status === 'held' && h.heldUntil !== undefined && h.heldUntil <= now) {
        h.status = 'pending';
        h.nextAt = now;
        delete h.heldUntil;
        h.notes.push('released: hold time passed');
        releases.push({ collection: 'notification', key: h.notifyId, value: h });
      }
    }
    if (releases.length) await store.write(releases);
    heldMayExist = all.some((h) => h.status === 'held');
    const due = all.filter((n) => n.status === 'pending' && n.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt || a.seq - b.seq);
    // One queue per partner endpoint, in order; endpoints in parallel (a slow partner delays only itself).
    const queues = new Map<string, NotificationRecord[]>();
    for (const n of due) {
      const q = queues.get(n.url) ?? [];
      q.push(n);
      queues.set(n.url, q);
    }
    let attempts = 0;
    await Promise.all(
      [...queues.values()].map(async (q) => {
        for (const n of q) {
          const fresh = await store.get<NotificationRecord>('notification', n.notifyId);
          if (!fresh || fresh.status !== 'pending') continue; // released or changed meanwhile
          attempts += await deliver(fresh);
        }
      }),
    );
    return { settled, attempts };
  }

  async function runDue(): Promise<RunReport> {
    await ready;
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      let settled = 0, attempts = 0;
      try {
        for (let i = 0; i < 1000; i++) {
          const r = await pass();
          settled += r.settled;
          attempts += r.attempts;
          const next = await nextDueAt();
          if (next === undefined || next > cfg.now()) break;
        }
        return { settled, attempts };
      } finally {
        running = undefined;
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((w) => w());
        if (rerun) {
          rerun = false;
          void runDue().catch(onBackgroundError);
        } else void schedule();
      }
    })();
    return running;
  }

  function onBackgroundError(e: unknown): void {
    lastError = e instanceof Error ? e.message : String(e);
  }

  async function nextDueAt(): Promise<number | undefined> {
    let next: number | undefined;
    const min = (t: number): void => {
      if (next === undefined || t < next) next = t;
    };
    for (const t of await store.list<TransferRecord>('transfer')) if (t.status === 'W') min(t.settleAt);
    for (const n of await store.list<NotificationRecord>('notification')) {
      if (n.status === 'pending') min(n.nextAt);
      else if (n.status === 'held' && n.heldUntil !== undefined) min(n.heldUntil);
    }
    return next;
  }

  async function pending(): Promise<number> {
    await ready;
    const t = (await store.list<TransferRecord>('transfer')).filter((x) => x.status === 'W').length;
    const n = (await store.list<NotificationRecord>('notification')).filter((x) => x.status === 'pending' || x.status === 'held').length;
    return t + n;
  }

  async function schedule(): Promise<void> {
    if (!cfg.autoRun || closed || running) return;
    try {
      const t = await nextDueAt();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (closed || t === undefined) {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((w) => w());
        return;
      }
      const delay = Math.max(0, Math.min(t - cfg.now(), 2 ** 31 - 1));
      timer = setTimeout(() => {
        timer = undefined;
        runDue().catch(onBackgroundError);
      }, delay);
    } catch (e) {
      onBackgroundError(e);
    }
  }

  async function inspect(): Promise<GatewaySnapshot> {
    await ready;
    const yuan = (f: string): string => formatFen(BigInt(f));
    const tasks = (await store.list<TaskRecord>('task')).map((t) => ({
      outerTaskId: t.outerTaskId, ...(t.partner !== undefined && { partner: t.partner }), publisher: t.publisher,
      frozen: yuan(t.frozenFen), paid: yuan(t.paidFen), remaining: formatFen(BigInt(t.frozenFen) - BigInt(t.paidFen)), expiresAt: new Date(t.expiresAt).toISOString(),
    }));
    const notifications = (await store.list<NotificationRecord>('notification')).map(({ body: _body, ...rest }) => rest);
    return {
      now: cfg.now(),
      publicKey: publicKeyPem,
      partners: [...cfg.partners.values()].map((p) => ({ id: p.id, charsets: p.charsets, notifyDialect: p.notify, hasPublicKey: p.publicKey !== undefined })),
      tasks,
      transfers: (await store.list<TransferRecord>('transfer')).map((t) => ({ ...t, alipayTransferNo: t.id, amount: yuan(t.fen), fee: yuan(t.feeFen) })),
      balances: (await store.list<{ account: string; fen: string }>('balance')).map((b) => ({ account: b.account, amount: yuan(b.fen) })),
      sms: (await store.list<SmsRecord>('sms')).map((s) => ({ ...s, time: beijingTime(s.at) })),
      requests: await store.list<RequestRecord>('request'),
      notifications,
      attempts: (await store.list<AttemptRecord>('attempt')).map((a) => ({ ...a, time: beijingTime(a.at) })),
      ...(lastError !== undefined && { lastError }),
    };
  }

  async function fetchHandler(request: Request): Promise<Response> {
    try {
      await ready;
      const path = new URL(request.url).pathname;
      if (path.endsWith('/gateway.do')) return await handleGatewayDo(request);
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405, headers: { allow: 'GET' } });
      if (path.endsWith('/inspect')) {
        return new Response(JSON.stringify(await inspect(), null, 2), { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
      }
      if (path.endsWith('/inspect.html')) {
        const s = await inspect();
        return html(
          inspectPage({
            tasks: s.tasks, transfers: s.transfers, sms: s.sms, balances: s.balances, attempts: s.attempts,
            notifications: s.notifications.map((n) => ({ ...n, notes: n.notes.join('; ') })),
          }),
          200,
        );
      }
      if (path.endsWith(`/${AUTOSUBMIT_SCRIPT}`)) {
        return new Response(AUTOSUBMIT_JS, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' } });
      }
      if (path.endsWith('/public-key.pem')) return new Response(publicKeyPem, { headers: { 'content-type': 'application/x-pem-file' } });
      return text('not found', 404);
    } catch (e) {
      return errorResponse(e);
    }
  }

  return {
    fetch: fetchHandler,
    ready,
    publicKey,
    publicKeyPem,
    runDue,
    nextDueAt: async () => {
      await ready;
      return nextDueAt();
    },
    pending,
    async idle(): Promise<void> {
      await ready;
      for (;;) {
        if (!running && (await pending()) === 0) return;
        await new Promise<void>((resolve) => idleWaiters.push(resolve));
      }
    },
    inspect,
    inject(rule: FaultRule): void {
      faults.push({ rule, left: rule.times ?? 1 });
    },
    clearFaults(): void {
      faults = [];
    },
    async close(): Promise<void> {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
      await store.close?.();
    },
  };
}
