/**
 * The simulator's configuration: partners and their keys, the simulator's own key, tasks, accounts,
 * fees, time, fault injection. `resolveConfig` checks it once at start and fills in the defaults, so
 * that a script can start a gateway from a few lines. Not the state: that lives in a GatewayStore.
 * @module
 */
import { type Charset, normalizeCharset } from '../charset/names.js';
import { generateKeyPair } from '../dsa/generate.js';
import { type DsaPrivateKey, type DsaPublicKey, isDsaPrivateKey, isDsaPublicKey } from '../dsa/key.js';
import { WitkeyError } from '../errors.js';
import { importPrivateKey } from '../keys/import-private.js';
import { importPublicKey } from '../keys/import-public.js';
import { type NotifyDataField, type NotifyDialect, resolveNotifyDialect } from '../notify/dialect.js';
import type { NotificationKind } from '../notify/types.js';
import { type DetailDialect, type DetailSeparators, resolveDialect } from '../params/detail.js';
import { type AmountInput, parseAmount } from '../witkey/amount.js';
import { LEFT_AMOUNT_SERVICE } from '../witkey/request.js';
import type { GatewayEvent } from './records.js';
import type { GatewayStore } from './store.js';

export type { NotifyDialect } from '../notify/dialect.js';
export type { NotificationKind } from '../notify/types.js';

/** The documented retry schedule after the initial delivery: 4m, 10m, 10m, 1h, 2h, 6h, 15h (ms). */
export const RETRY_SCHEDULE: readonly number[] = Object.freeze([4, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000));

/** A partner site the simulator knows. */
export interface PartnerConfig {
  /** The partner's DSA public key (a key, or PEM / bare base64 SPKI). Absent → requests get `HAS_NO_PUBLICKEY`. */
  publicKey?: DsaPublicKey | string;
  /** Charsets the partner may use in `_input_charset`. Default all three. */
  charsets?: readonly string[];
  /** Sets both {@link detailDialect} and {@link notifyDialect}. Default `spec`. */
  dialect?: 'spec' | 'kppw';
  /** Separators of the detail strings in requests. Default from {@link dialect}. */
  detailDialect?: DetailDialect;
  /** Field carrying the notification XML (`spec`: `notify_data`; `kppw`: `resultMsg` prefixed `xml=`; or `{ dataField, dataPrefix }`). Default from {@link dialect}. */
  notifyDialect?: NotifyDialect;
  /** The partner's own Alipay account, credited with the platform share and service fees. Default the partner id. */
  account?: string;
  /** Services the partner may call. Default only `alipay.witkey.task.left.amount.handle` (→ `HAS_NO_PRIVILEGE`). */
  services?: readonly string[];
  /** How the browser is sent back to `return_url`. Default the gateway's {@link GatewayConfig.returnMode}. */
  returnMode?: ReturnMode;
}

/** A task whose bounty is frozen at Alipay. */
export interface TaskConfig {
  /** The partner's task id (`outer_task_id`). */
  outerTaskId: string;
  /** The partner that owns the task; any configured partner when absent. */
  partner?: string;
  /** The publisher's Alipay user id; a request's `alipay_user_id` must match it. */
  publisher: string;
  /** The partner-side id of the publisher; when set, a request's `outer_account_id` must match it. */
  outerAccountId?: string;
  /** Mobile number the SMS goes to (shown in the outbox). Default a masked placeholder. */
  mobile?: string;
  /** Frozen bounty: yuan string (`"100.00"`) or fen. */
  frozen: AmountInput;
  /** Already paid out of the frozen amount. Default none. */
  paid?: AmountInput;
  /** Expiry: ms since the epoch, an ISO date string or a Date. The leftover can be handled only after it. */
  expiresAt: number | string | Date;
  /** Transfer serials of this partner already used (→ `WITKEY_OUTER_TRANSFER_ALREADY_PAID`). */
  usedSerials?: readonly string[];
}

/** An Alipay account the simulator knows. */
export interface AccountConfig {
  /** `2088` + 12 digits. */
  id: string;
  /** An abnormal account: bounty payments to it go to `fail_bidders` with this error code (`true` → `ACCOUNT_QUERY_ERROR`). */
  abnormal?: boolean | string;
  /** Transfers to this account are accepted but fail at settlement with this error code (`transfer_status` F). */
  settleError?: string;
}

/** Fees, in basis points of an amount (1 bp = 0.01 %), rounded half up to whole fen. */
export interface FeeConfig {
  /** The partner's service fee on each bounty payment, paid to it by a platform-profit transfer. Default 1000 (10 %). */
  platformRateBp?: number;
  /** Alipay's fee on a platform share, a bounty payment and a service fee. Default 100 (1 %). */
  alipayRateBp?: number;
  /** Smallest Alipay fee in fen. Default 1. */
  alipayMinFen?: number;
  /** Largest Alipay fee in fen. Default none. */
  alipayMaxFen?: number;
}

/** What the matching rules of a delivery fault look at. */
export interface FaultMatch {
  /** Notification kind(s). Default any. */
  kind?: NotificationKind | readonly NotificationKind[];
  /** 1-based delivery attempt (1 = the initial one). Default any. */
  attempt?: number;
  /** Partner id. Default any. */
  partner?: string;
  /** Task id. Default any. */
  outerTaskId?: string;
  /** One notification (`notify_id`). Default any. */
  notifyId?: string;
  /** How many times the rule applies. Default 1; `Infinity` for always. */
  times?: number;
}

/**
 * Fault injection. Delivery faults: `drop` (the attempt is recorded but nothing is sent; it counts
 * as failed), `fail` (the notification is sent but the partner's answer is discarded: the attempt
 * counts as failed even if the partner answered `success`), `duplicate` (the same notification is sent twice in a row), `delay` (the attempt is
 * postponed by `delay` ms of protocol time), `reorder` (the notification is held back until another
 * notification of the same task has been attempted, or until the first retry interval passes).
 * Request faults: `error` makes `gateway.do` answer with `code` — an HTML error page for a gateway
 * code (`SYSTEM_ERROR`, `ILLEGAL_*`, …), a signed `is_success=F` return and notification otherwise.
 */
export type FaultRule =
  | (FaultMatch & { action: 'drop' | 'fail' | 'duplicate' | 'reorder' })
  | (FaultMatch & { action: 'delay'; delay: number })
  | { action: 'error'; code: string; partner?: string; times?: number };

/** How the browser goes back to `return_url`: a 302 redirect, or a POST form submitted by an external script (CSP-safe). */
export type ReturnMode = 'redirect' | 'form';

/** Configuration of {@link createGateway}. Only `partners` is required. */
export interface GatewayConfig {
  /** Partner id (`2088` + 12 digits) → partner. */
  partners: Readonly<Record<string, PartnerConfig>>;
  /** The simulator's own DSA private key (key or PEM). Default: a fresh 1024/160 key (0.1–1 s). */
  key?: DsaPrivateKey | string;
  /** Tasks written to the store at first start (a task already in the store is left as it is). */
  tasks?: readonly TaskConfig[];
  /** Known accounts. When given, bounty payments to other ids fail with `ACCOUNT_NOT_EXIST`; when absent, every id exists. */
  accounts?: ReadonlyArray<string | AccountConfig>;
  fees?: FeeConfig;
  /** Time source, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Multiplies every duration (retry schedule, settle delay, fault delays). Default 1; e.g. 0.001 runs 15 h in 54 s. */
  timeScale?: number;
  /** Protocol-time ms between accepting a transfer and its settlement. Default 5000. */
  settleDelay?: number;
  /** Retry intervals after the initial delivery (protocol-time ms). Default {@link RETRY_SCHEDULE}. */
  retrySchedule?: readonly number[];
  /** Used to deliver notifications. Default `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Real-time ms a delivery may take before it counts as failed. Default 10000 (not scaled). */
  deliveryTimeoutMs?: number;
  faults?: readonly FaultRule[];
  /** Where state lives. Default an in-memory store. */
  store?: GatewayStore;
  /** Deliver and settle by timers (default true). False: nothing happens until `gateway.runDue()` (tests). */
  autoRun?: boolean;
  /** Default `redirect`. */
  returnMode?: ReturnMode;
  /** Require a request to dispose of the whole remaining amount (else `REMAINS_OF_TASK_AMOUNT_FOUND`). Default false. */
  requireExactTotal?: boolean;
  /** Called as things happen (requests, SMS, settlements, delivery attempts), e.g. to print a timeline. */
  onEvent?: (event: GatewayEvent) => void;
}

/** @internal A partner after checking. */
export interface ResolvedPartner {
  readonly id: string;
  readonly publicKey: DsaPublicKey | undefined;
  readonly charsets: readonly Charset[];
  readonly detail: DetailSeparators;
  readonly notify: Required<NotifyDataField>;
  readonly account: string;
  readonly services: readonly string[];
  readonly returnMode: ReturnMode;
}

/** @internal The configuration after checking, defaults filled in. */
export interface ResolvedConfig {
  readonly partners: ReadonlyMap<string, ResolvedPartner>;
  readonly key: DsaPrivateKey;
  readonly tasks: readonly TaskConfig[];
  readonly accounts: ReadonlyMap<string, AccountConfig> | undefined;
  readonly fees: Required<Omit<FeeConfig, 'alipayMaxFen'>> & { alipayMaxFen: number | undefined };
  readonly now: () => number;
  readonly timeScale: number;
  readonly settleDelay: number;
  readonly retrySchedule: readonly number[];
  readonly fetch: (request: Request) => Promise<Response>;
  readonly deliveryTimeoutMs: number;
  readonly autoRun: boolean;
  readonly requireExactTotal: boolean;
}

const ID_2088 = /^2088\d{12}$/;

function option(cond: boolean, field: string, msg: string): void {
  if (!cond) throw new WitkeyError('INVALID_OPTION', `gateway config: ${field} ${msg}`, { field });
}

const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** @internal An amount already paid: like parseAmount, but zero (`"0"`, `"0.00"`, `0n`, `{ fen: 0 }`) or absent is 0. */
export function paidFen(v: AmountInput | undefined, field: string): bigint {
  if (v === undefined) return 0n;
  if (
    (typeof v === 'string' && /^0{1,13}(\.0{1,2})?$/.test(v)) ||
    v === 0n ||
    (typeof v === 'object' && v !== null && (v.fen === 0 || v.fen === 0n))
  )
    return 0n;
  return parseAmount(v, { field });
}

/** @internal Parses an expiry into ms since the epoch. */
export function toEpochMs(v: number | string | Date, field: string): number {
  const ms = typeof v === 'number' ? v : v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  option(Number.isFinite(ms), field, `must be ms since the epoch, an ISO date or a Date, got ${JSON.stringify(v)}`);
  return ms;
}

/**
 * @internal Checks a configuration and fills in the defaults.
 * @throws WitkeyError `INVALID_OPTION` naming the setting, `INVALID_KEY` for a key that does not import.
 */
export function resolveConfig(config: GatewayConfig): ResolvedConfig {
  option(config !== null && typeof config === 'object', 'config', 'must be an object');
  option(
    config.partners !== null && typeof config.partners === 'object',
    'partners',
    'must be an object of partner id → partner',
  );
  const defaultReturn = config.returnMode ?? 'redirect';
  option(defaultReturn === 'redirect' || defaultReturn === 'form', 'returnMode', "must be 'redirect' or 'form'");
  const partners = new Map<string, ResolvedPartner>();
  for (const [id, p] of Object.entries(config.partners)) {
    option(ID_2088.test(id), `partners.${id}`, 'is not a partner id (2088 followed by 12 digits)');
    const field = `partners.${id}`;
    option(p !== null && typeof p === 'object', field, 'must be an object');
    const publicKey =
      p.publicKey === undefined ? undefined : isDsaPublicKey(p.publicKey) ? p.publicKey : importPublicKey(p.publicKey as string);
    const charsets = (p.charsets ?? ['utf-8', 'gbk', 'gb2312']).map((c) => normalizeCharset(c, { field: `${field}.charsets` }));
    const dialect = p.dialect ?? 'spec';
    option(dialect === 'spec' || dialect === 'kppw', `${field}.dialect`, "must be 'spec' or 'kppw'");
    const notify = resolveNotifyDialect(p.notifyDialect ?? dialect);
    const account = p.account ?? id;
    option(ID_2088.test(account), `${field}.account`, 'is not an Alipay user id');
    const returnMode = p.returnMode ?? defaultReturn;
    option(returnMode === 'redirect' || returnMode === 'form', `${field}.returnMode`, "must be 'redirect' or 'form'");
    partners.set(id, {
      id,
      publicKey,
      charsets,
      detail: resolveDialect(p.detailDialect ?? dialect),
      notify,
      account,
      services: [...(p.services ?? [LEFT_AMOUNT_SERVICE])],
      returnMode,
    });
  }
  let key: DsaPrivateKey;
  if (config.key === undefined) key = generateKeyPair({ L: 1024, N: 160 }).privateKey;
  else if (isDsaPrivateKey(config.key)) key = config.key;
  else key = importPrivateKey(config.key as string);

  const tasks = [...(config.tasks ?? [])];
  const seen = new Set<string>();
  tasks.forEach((t, i) => {
    const f = `tasks[${i}]`;
    option(
      t !== null && typeof t === 'object' && typeof t.outerTaskId === 'string' && t.outerTaskId !== '',
      `${f}.outerTaskId`,
      'is required',
    );
    option(!seen.has(t.outerTaskId), `${f}.outerTaskId`, `repeats ${JSON.stringify(t.outerTaskId)}`);
    seen.add(t.outerTaskId);
    option(typeof t.publisher === 'string' && ID_2088.test(t.publisher), `${f}.publisher`, 'is not an Alipay user id');
    option(t.partner === undefined || partners.has(t.partner), `${f}.partner`, 'is not a configured partner');
    const frozen = parseAmount(t.frozen, { field: `${f}.frozen` });
    option(paidFen(t.paid, `${f}.paid`) <= frozen, `${f}.paid`, 'exceeds the frozen amount');
    toEpochMs(t.expiresAt, `${f}.expiresAt`);
  });

  let accounts: Map<string, AccountConfig> | undefined;
  if (config.accounts !== undefined) {
    accounts = new Map();
    config.accounts.forEach((a, i) => {
      const acc: AccountConfig = typeof a === 'string' ? { id: a } : a;
      option(acc !== null && typeof acc === 'object' && ID_2088.test(acc.id), `accounts[${i}]`, 'is not an Alipay user id');
      accounts!.set(acc.id, acc);
    });
  }

  const f = config.fees ?? {};
  const fees = {
    platformRateBp: f.platformRateBp ?? 1000,
    alipayRateBp: f.alipayRateBp ?? 100,
    alipayMinFen: f.alipayMinFen ?? 1,
    alipayMaxFen: f.alipayMaxFen,
  };
  for (const [k, v] of Object.entries(fees)) {
    if (v !== undefined) option(Number.isSafeInteger(v) && v >= 0, `fees.${k}`, 'must be a non-negative integer');
  }
  option(fees.platformRateBp <= 10_000 && fees.alipayRateBp <= 10_000, 'fees', 'rates must be at most 10000 bp (100 %)');

  const timeScale = config.timeScale ?? 1;
  option(nonNegative(timeScale), 'timeScale', 'must be a non-negative number');
  const settleDelay = config.settleDelay ?? 5000;
  option(nonNegative(settleDelay), 'settleDelay', 'must be a non-negative number of ms');
  const retrySchedule = [...(config.retrySchedule ?? RETRY_SCHEDULE)];
  option(retrySchedule.every(nonNegative), 'retrySchedule', 'must be non-negative numbers of ms');
  const deliveryTimeoutMs = config.deliveryTimeoutMs ?? 10_000;
  option(nonNegative(deliveryTimeoutMs) && deliveryTimeoutMs > 0, 'deliveryTimeoutMs', 'must be a positive number of ms');
  const now = config.now ?? Date.now;
  option(typeof now === 'function', 'now', 'must be a function returning ms since the epoch');
  const fetchFn = config.fetch ?? ((r: Request) => globalThis.fetch(r));
  option(typeof fetchFn === 'function', 'fetch', 'must be a function');
  return {
    partners,
    key,
    tasks,
    accounts,
    fees,
    now,
    timeScale,
    settleDelay,
    retrySchedule,
    fetch: fetchFn,
    deliveryTimeoutMs,
    autoRun: config.autoRun ?? true,
    requireExactTotal: config.requireExactTotal ?? false,
  };
}
