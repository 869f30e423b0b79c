/**
 * The notify store on Redis: an adapter over the client the partner already has — node-redis (`redis`,
 * 5 or later) or `ioredis` — with no dependency on either (structural types only; it runs wherever the
 * client runs). One hash per `notify_id`; claim, complete and release are each one Lua script, so each
 * is atomic on the server; lease times come from the Redis server's clock (`TIME`), so workers with
 * skewed clocks agree.
 *
 * Lease-only (src/notify/store.ts): a Redis transaction cannot span the partner's own code, so there is
 * no `runInTransaction`. Guarantee: at most one concurrent run per id, at-least-once completion.
 * @module
 */

import { WitkeyError } from '../errors.js';
import {
  type ClaimOptions,
  type ClaimResult,
  checkLease,
  leaseLost,
  type NotifyStore,
  type ProcessedNotification,
} from '../notify/store.js';
import { type ErrorEmitterLike, listenForErrors } from './error-listener.js';

// ---------------------------------------------------------------------------------------------
// The clients, structurally. `any` where the real clients' signatures are generic or overloaded, so
// that node-redis's `RedisClientType` and ioredis's `Redis` are assignable without importing either.

/** An event emitter as both clients are: the store adds an `'error'` listener (see {@link RedisNotifyStoreOptions.onError}). */

/** A node-redis client (`createClient(…)`, after `await client.connect()`), as this store uses it. */
export interface NodeRedisClientLike extends Partial<ErrorEmitterLike> {
  // biome-ignore lint/suspicious/noExplicitAny: node-redis's command methods are generic over RESP and type mappings
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<any>;
  /** node-redis 5+: a proxy whose commands are cancelled while still queued when `signal` aborts. */
  // biome-ignore lint/suspicious/noExplicitAny: returns the client's own generic type
  withAbortSignal?(signal: AbortSignal): any;
}

/** A node-redis client seen only through `sendCommand` (raw arguments). */
export interface NodeRedisSendCommandLike extends Partial<ErrorEmitterLike> {
  // biome-ignore lint/suspicious/noExplicitAny: node-redis's sendCommand is generic
  sendCommand(args: string[], options?: any): Promise<any>;
}

/** An ioredis client (`new Redis(…)`), as this store uses it. */
export interface IoRedisClientLike extends Partial<ErrorEmitterLike> {
  // biome-ignore lint/suspicious/noExplicitAny: ioredis's commands are overloaded
  evalsha(sha1: string, numKeys: number | string, ...args: any[]): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  eval(script: string, numKeys: number | string, ...args: any[]): Promise<any>;
}

/** An ioredis client seen only through `call` (raw arguments). */
export interface IoRedisCallLike extends Partial<ErrorEmitterLike> {
  // biome-ignore lint/suspicious/noExplicitAny: ioredis's call is overloaded
  call(command: string, ...args: any[]): Promise<any>;
}

/**
 * The clients {@link createRedisNotifyStore} takes: node-redis (5+) or ioredis, seen structurally.
 * @example
 * const client: RedisClient = await createClient({ url: process.env.REDIS_URL }).connect(); // or new Redis(url)
 */
export type RedisClient = NodeRedisClientLike | NodeRedisSendCommandLike | IoRedisClientLike | IoRedisCallLike;

/**
 * Options of {@link createRedisNotifyStore}.
 * @example
 * const store = createRedisNotifyStore(redis, { prefix: 'shop:notify:', commandTimeoutMs: 2000, onError: (e) => log.warn(e) });
 */
export interface RedisNotifyStoreOptions {
  /** Prefix of the store's keys (`<prefix><notify_id>`, one hash each). Default `witkey:notify:`. */
  prefix?: string;
  /**
   * How long a processed `notify_id` is remembered, in milliseconds (the key's expiry, set when it is
   * completed). Default 7 days. At least {@link MIN_REDIS_RETENTION_MS} (36 hours): the gateway retries a
   * notification for about 34 hours (8 deliveries), and a delivery that comes after its id was forgotten
   * runs again.
   */
  retentionMs?: number;
  /**
   * How long one store operation waits for Redis, in milliseconds, before it fails with
   * `STORE_UNAVAILABLE` (the handler then answers `fail`, 503, and the gateway delivers again). Both
   * clients queue commands while they reconnect, so without this bound a delivery would hang for as long
   * as Redis is down. Default 5000.
   */
  commandTimeoutMs?: number;
  /**
   * Told about the client's `'error'` events (a lost connection, each failed reconnection attempt) and
   * about failures of the store's own clean-up (releasing a claim that Redis applied after its
   * operation had timed out). The store adds one `'error'` listener to the client — node-redis throws an
   * `'error'` event that has no listener, which would crash the process when Redis goes away — so those
   * errors reach only this hook and the client's own listeners: add one here to log them.
   */
  onError?: (error: unknown) => void;
}

/**
 * The shortest `retentionMs` accepted: 36 hours, beyond the gateway's retry window of about 34 hours.
 * @example
 * createRedisNotifyStore(redis, { retentionMs: MIN_REDIS_RETENTION_MS }); // 129 600 000 ms
 */
export const MIN_REDIS_RETENTION_MS = 36 * 3600_000;

/**
 * The Redis notify store: the lease methods of the contract, and what it was made with.
 * @example
 * const store = createRedisNotifyStore(redis);
 * store.clientKind; // 'node-redis' or 'ioredis'
 */
export interface RedisNotifyStore extends NotifyStore {
  /** The prefix of its keys. */
  readonly prefix: string;
  /** How long a processed id is kept (ms). */
  readonly retentionMs: number;
  /** Which client API it drives: `node-redis` or `ioredis`. */
  readonly clientKind: 'node-redis' | 'ioredis';
}

// ---------------------------------------------------------------------------------------------
// The scripts. One key (KEYS[1] = prefix .. notify_id), a hash with the fields
//   state         'claimed' | 'processed' (absent: new or released)
//   token         the claim counter: HINCRBY'd by every claim and never reset while the key lives,
//                 so the fencing tokens of one id grow
//   owner, until  the live claim's owner and lease end (ms on the server's clock)
//   kind, notify_time, processed_at   the record, once processed
// Numbers go out through string.format('%.0f'): Lua's tostring would write 1e+15.
// Redis before 5 replicates scripts verbatim unless told otherwise, which forbids writing after TIME.

const PREAMBLE = `if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** ARGV: leaseMs, owner, retentionMs → {'processed', kind, notify_time, processed_at} | {'busy', owner, until} | {'claimed', token}. */
const CLAIM = `${PREAMBLE}local key = KEYS[1]
local leaseMs = tonumber(ARGV[1])
local h = redis.call('HMGET', key, 'state', 'owner', 'until', 'kind', 'notify_time', 'processed_at')
if h[1] == 'processed' then
  return {'processed', h[4] or '', h[5] or '', h[6] or ''}
end
if h[1] == 'claimed' then
  local untilMs = tonumber(h[3]) or 0
  if untilMs > now then return {'busy', h[2] or '', string.format('%.0f', untilMs)} end
end
local token = redis.call('HINCRBY', key, 'token', 1)
redis.call('HSET', key, 'state', 'claimed', 'owner', ARGV[2], 'until', string.format('%.0f', now + leaseMs))
redis.call('PEXPIRE', key, string.format('%.0f', math.max(leaseMs, tonumber(ARGV[3]))))
return {'claimed', tostring(token)}
`;

/** ARGV: token, kind, notify_time, processed_at, retentionMs → 1 (processed) | 0 (the token does not hold the claim). */
const COMPLETE = `local key = KEYS[1]
local h = redis.call('HMGET', key, 'state', 'token')
if h[1] ~= 'claimed' or h[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', key, 'owner', 'until')
redis.call('HSET', key, 'state', 'processed', 'kind', ARGV[2], 'notify_time', ARGV[3], 'processed_at', ARGV[4])
redis.call('PEXPIRE', key, ARGV[5])
return 1
`;

/** ARGV: token → 1 (released) | 0 (the token does not hold the claim). The token counter stays. */
const RELEASE = `local key = KEYS[1]
local h = redis.call('HMGET', key, 'state', 'token')
if h[1] ~= 'claimed' or h[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', key, 'state', 'owner', 'until')
return 1
`;

interface Script {
  readonly name: 'claim' | 'complete' | 'release';
  readonly source: string;
  /** SHA-1 of the source (hex), for EVALSHA; undefined where WebCrypto cannot make it (EVAL then). */
  sha?: Promise<string | undefined>;
}

const SCRIPTS = {
  claim: { name: 'claim', source: CLAIM } as Script,
  complete: { name: 'complete', source: COMPLETE } as Script,
  release: { name: 'release', source: RELEASE } as Script,
};

function shaOf(script: Script): Promise<string | undefined> {
  script.sha ??= (async () => {
    try {
      const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(script.source));
      let hex = '';
      for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
      return hex;
    } catch {
      return undefined; // no WebCrypto here: every call sends the script (EVAL)
    }
  })();
  return script.sha;
}

// ---------------------------------------------------------------------------------------------
// The drivers: one EVALSHA / EVAL per client API.

interface Driver {
  readonly kind: 'node-redis' | 'ioredis';
  /** `signal`, where the client can: a command still queued when it aborts is dropped, never sent. */
  evalsha(sha: string, key: string, args: string[], signal?: AbortSignal): Promise<unknown>;
  eval(source: string, key: string, args: string[], signal?: AbortSignal): Promise<unknown>;
}

type Fn = (...args: unknown[]) => Promise<unknown>;

function driverOf(client: unknown): Driver {
  const c = client as Record<string, unknown> | null;
  const has = (name: string): boolean => typeof c?.[name] === 'function';
  if (c !== null && typeof c === 'object') {
    // ioredis first: it also has a sendCommand (of Command objects), and no camel-case evalSha.
    if (has('evalsha') && has('eval'))
      return {
        kind: 'ioredis',
        evalsha: (sha, key, args) => (c['evalsha'] as Fn).call(c, sha, 1, key, ...args),
        eval: (source, key, args) => (c['eval'] as Fn).call(c, source, 1, key, ...args),
      };
    if (has('call'))
      return {
        kind: 'ioredis',
        evalsha: (sha, key, args) => (c['call'] as Fn).call(c, 'EVALSHA', sha, '1', key, ...args),
        eval: (source, key, args) => (c['call'] as Fn).call(c, 'EVAL', source, '1', key, ...args),
      };
    if (has('evalSha') && has('eval')) {
      // withAbortSignal (node-redis 5+): a command still queued while the client reconnects is dropped
      // when the signal aborts, instead of running when Redis comes back.
      const on = (signal: AbortSignal | undefined): Record<string, unknown> =>
        signal && has('withAbortSignal')
          ? ((c['withAbortSignal'] as (s: AbortSignal) => Record<string, unknown>).call(c, signal) ?? c)
          : c;
      return {
        kind: 'node-redis',
        evalsha: (sha, key, args, signal) => {
          const p = on(signal);
          return (p['evalSha'] as Fn).call(p, sha, { keys: [key], arguments: args });
        },
        eval: (source, key, args, signal) => {
          const p = on(signal);
          return (p['eval'] as Fn).call(p, source, { keys: [key], arguments: args });
        },
      };
    }
    if (has('sendCommand'))
      return {
        kind: 'node-redis',
        evalsha: (sha, key, args, signal) =>
          (c['sendCommand'] as Fn).call(c, ['EVALSHA', sha, '1', key, ...args], signal ? { abortSignal: signal } : undefined),
        eval: (source, key, args, signal) =>
          (c['sendCommand'] as Fn).call(c, ['EVAL', source, '1', key, ...args], signal ? { abortSignal: signal } : undefined),
      };
  }
  throw new WitkeyError(
    'INVALID_OPTION',
    'createRedisNotifyStore: client must be a node-redis client (createClient from "redis", connected) or an ioredis client (new Redis()): ' +
      'one with evalSha/eval or sendCommand (node-redis), or evalsha/eval or call (ioredis)',
    { field: 'client' },
  );
}

/** Gives the client our one 'error' listener (./error-listener.ts), when it has on(). */
function listen(client: unknown, onError: ((e: unknown) => void) | undefined): void {
  const c = client as Partial<ErrorEmitterLike>;
  if (typeof c.on === 'function') listenForErrors(c as ErrorEmitterLike, onError);
}

const text = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : typeof v === 'string'
      ? v
      : v instanceof Uint8Array
        ? new TextDecoder().decode(v)
        : String(v);

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function positive(name: string, value: unknown, fallback: number, min: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new WitkeyError('INVALID_OPTION', `createRedisNotifyStore: ${name} must be ${what}, got ${String(value)}`, {
      field: name,
    });
  return value;
}

/**
 * A notify store on Redis, over a node-redis (5+) or ioredis client you pass in (connected; the store
 * never connects, closes or configures it). One hash per `notify_id` at `<prefix><notify_id>`;
 * `claim`, `complete` and `release` are Lua scripts (sent once, then run by SHA-1 with `EVALSHA`), each
 * atomic on the server; leases are timed by the Redis server's clock.
 *
 * **What it guarantees** (lease-only: no `runInTransaction`, because a Redis transaction cannot span your
 * own code): at most one concurrent run per `notify_id` across every worker that shares the Redis, and
 * at-least-once completion — a run killed after its effects and before `complete` (a crash, a lost
 * connection) loses its lease after `leaseMs` and the next delivery runs it again. So effects outside
 * Redis must be idempotent. `context.fencingToken` helps: a decimal integer that grows with every claim of
 * an id; store it with your effect (for instance a column `fence` updated only
 * `WHERE fence IS NULL OR fence < $token`) and a stale run — one whose lease expired and was taken over —
 * cannot overwrite the effect of a later one. A run that outlives its lease and is taken over gets
 * `LEASE_LOST` from `complete` (answered `fail`); the id is then marked processed by the run that holds it.
 *
 * **Redis persistence**: a processed mark must survive a Redis restart, or the gateway's next delivery of
 * that notification runs it again. Use the append-only file (`appendonly yes`): with
 * `appendfsync always` nothing acknowledged is lost; with the common `appendfsync everysec`, up to about
 * a second of marks can be lost on a crash of Redis or its machine, and those notifications run again
 * (still at-least-once). RDB snapshots alone lose everything since the last one; a replica promoted
 * after a failover may lack the latest writes (replication is asynchronous). Processed ids expire after
 * `retentionMs`; a claimed or released key after the longer of `retentionMs` and its lease, so abandoned
 * claims do not stay forever (the token counter goes with the key).
 *
 * **Faults**: every operation fails with `STORE_UNAVAILABLE` (the engine's error as `cause`) when Redis
 * answers an error or the connection fails, and when no answer comes within `commandTimeoutMs` — both
 * clients queue commands while they reconnect, and a delivery must not hang: the handler answers `fail`
 * (503) and the gateway delivers again. The clients reconnect by themselves; the same store works again
 * once Redis is back. A claim that Redis applies after its operation timed out is released as soon as its
 * answer arrives (node-redis drops a claim still queued when it times out), so it does not hold the id
 * for `leaseMs`. A `complete` or `release` that timed out stays queued in the client and runs when Redis
 * is back — both check the token, so that is safe, and a late `complete` records a run whose effects did
 * happen: the next delivery is acknowledged without a second run (ioredis gives up its queue after
 * `maxRetriesPerRequest` reconnection attempts, 20 by default; the run then goes again after `leaseMs`).
 * A delivery whose run was in flight waits up to twice `commandTimeoutMs` (`complete`, then the handler's
 * `release`); the handler's `timeoutMs` bounds the whole delivery. The store adds
 * an `'error'` listener to the client (once per client), because node-redis crashes the process on an
 * `'error'` event that nobody listens to; pass `onError` to see those errors.
 *
 * @param client a node-redis client (`createClient()` from `redis`, after `await client.connect()`) or an
 * ioredis client (`new Redis()`); its `keyPrefix` (ioredis) applies before `prefix`.
 * @throws WitkeyError `INVALID_OPTION` (`client`, `prefix`, `retentionMs`, `commandTimeoutMs`, `onError`)
 * at creation; from the methods, `STORE_UNAVAILABLE`, `LEASE_LOST` (`complete`), `INVALID_OPTION` (`leaseMs`).
 * @example
 * import { createClient } from 'redis';
 * import { createNotifyHandler } from 'alipay-witkey/notify';
 * import { createRedisNotifyStore } from 'alipay-witkey/stores';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const handler = createNotifyHandler({
 *   alipayPublicKey,
 *   store: createRedisNotifyStore(redis, { onError: (e) => console.warn('redis:', e.message) }),
 *   async onNotification(n, { fencingToken }) {
 *     if (n.kind === 'assign_transfer' && n.isSuccess && n.transfer.status === 'S')
 *       await db.query('UPDATE payouts SET paid = true, fence = $2 WHERE no = $1 AND (fence IS NULL OR fence < $2)', [
 *         n.transfer.outerTransferNo,
 *         fencingToken,
 *       ]);
 *   },
 * });
 */
export function createRedisNotifyStore(client: RedisClient, options: RedisNotifyStoreOptions = {}): RedisNotifyStore {
  const driver = driverOf(client);
  if (typeof options !== 'object' || options === null)
    throw new WitkeyError('INVALID_OPTION', 'createRedisNotifyStore: options must be an object', { field: 'options' });
  const prefix = options.prefix ?? 'witkey:notify:';
  if (typeof prefix !== 'string')
    throw new WitkeyError('INVALID_OPTION', `createRedisNotifyStore: prefix must be a string, got ${typeof prefix}`, {
      field: 'prefix',
    });
  const retentionMs = positive(
    'retentionMs',
    options.retentionMs,
    7 * 24 * 3600_000,
    MIN_REDIS_RETENTION_MS,
    `a whole number of milliseconds ≥ ${MIN_REDIS_RETENTION_MS} (36 hours: the gateway retries a notification for about 34 hours, and an id forgotten before then runs again)`,
  );
  const commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs, 5000, 1, 'a whole number of milliseconds > 0');
  if (commandTimeoutMs > 2_147_483_647)
    throw new WitkeyError('INVALID_OPTION', 'createRedisNotifyStore: commandTimeoutMs must be at most 2147483647 (timer limit)', {
      field: 'commandTimeoutMs',
    });
  const { onError } = options;
  if (onError !== undefined && typeof onError !== 'function')
    throw new WitkeyError('INVALID_OPTION', 'createRedisNotifyStore: onError must be a function', { field: 'onError' });
  listen(client, onError);
  const report = (e: unknown): void => {
    try {
      onError?.(e);
    } catch {
      // a logging hook must not fail the store
    }
  };

  const unavailable = (op: string, id: string, detail: string, cause?: unknown): WitkeyError =>
    new WitkeyError('STORE_UNAVAILABLE', `Redis notify store: ${op} of notify_id ${id} failed: ${detail}`, {
      field: 'store',
      cause,
    });

  /**
   * Runs one script (EVALSHA, then EVAL when the server does not have it: first use, or a restarted
   * server), bounded by commandTimeoutMs. After the bound, the command may still reach Redis when the
   * client reconnects: `late` then gets its answer. With `late`, the command is also dropped where the
   * client can (node-redis) while it is still queued. Without it (complete, release: token-checked,
   * so running them late is right — a late complete records effects that did happen) it is left queued.
   */
  const run = async (script: Script, id: string, args: string[], late?: (reply: unknown) => void): Promise<unknown> => {
    const key = prefix + id;
    const ac = new AbortController();
    const signal = late ? ac.signal : undefined;
    const attempt = (async () => {
      const sha = await shaOf(script);
      if (sha !== undefined) {
        try {
          return await driver.evalsha(sha, key, args, signal);
        } catch (e) {
          if (!/^NOSCRIPT/.test(message(e))) throw e;
        }
      }
      return driver.eval(script.source, key, args, signal);
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        ac.abort();
        reject(
          unavailable(
            script.name,
            id,
            `no answer from Redis within ${commandTimeoutMs} ms (commandTimeoutMs): it is down or unreachable, or the client is reconnecting`,
          ),
        );
      }, commandTimeoutMs);
    });
    attempt.then(
      (reply) => {
        if (timedOut) late?.(reply);
      },
      () => {
        // after the bound: the client's error (an aborted or flushed command) has nobody to tell
      },
    );
    try {
      return await Promise.race([attempt, bound]);
    } catch (e) {
      if (e instanceof WitkeyError && e.code === 'STORE_UNAVAILABLE') throw e;
      const m = message(e);
      const hint = /client is closed/i.test(m) ? ' (node-redis: call `await client.connect()` before using the store)' : '';
      throw unavailable(script.name, id, m + hint, e);
    } finally {
      clearTimeout(timer);
    }
  };

  const reply = (op: string, id: string, r: unknown): unknown[] => {
    if (!Array.isArray(r)) throw unavailable(op, id, `unexpected reply from Redis: ${text(r).slice(0, 80)}`);
    return r;
  };

  const checkId = (id: unknown): string => {
    if (typeof id !== 'string' || id === '')
      throw new WitkeyError('INVALID_OPTION', 'Redis notify store: notify_id must be a non-empty string', { field: 'notify_id' });
    return id;
  };

  const release = async (id: string, token: string): Promise<void> => {
    await run(SCRIPTS.release, checkId(id), [String(token)]);
  };

  return {
    prefix,
    retentionMs,
    clientKind: driver.kind,
    async claim(notifyId: string, { leaseMs, owner }: ClaimOptions): Promise<ClaimResult> {
      checkLease(leaseMs);
      const id = checkId(notifyId);
      // A claim Redis applies after this call gave up belongs to nobody: give it back at once.
      const late = (r: unknown): void => {
        if (Array.isArray(r) && text(r[0]) === 'claimed') release(id, text(r[1])).catch(report);
      };
      const r = reply(
        'claim',
        id,
        await run(SCRIPTS.claim, id, [String(leaseMs), String(owner ?? ''), String(retentionMs)], late),
      );
      const status = text(r[0]);
      if (status === 'claimed') return { status, token: text(r[1]) };
      if (status === 'busy') {
        const until = Number(text(r[2]));
        const who = text(r[1]);
        return {
          status,
          ...(who ? { owner: who } : {}),
          ...(Number.isFinite(until) && until > 0 ? { leaseExpiresAt: new Date(until) } : {}),
        };
      }
      if (status === 'processed') {
        const kind = text(r[1]);
        if (!kind) return { status };
        return { status, record: { kind, notifyTime: text(r[2]), processedAt: text(r[3]) } };
      }
      throw unavailable('claim', id, `unexpected reply from Redis: ${status.slice(0, 80)}`);
    },
    async complete(notifyId: string, token: string, record: ProcessedNotification): Promise<void> {
      const id = checkId(notifyId);
      const r = await run(SCRIPTS.complete, id, [
        String(token),
        text(record?.kind),
        text(record?.notifyTime),
        text(record?.processedAt),
        String(retentionMs),
      ]);
      if (Number(r) !== 1) throw leaseLost(id);
    },
    release,
  };
}
