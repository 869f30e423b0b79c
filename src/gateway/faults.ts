/**
 * The fault rules in force: the configured ones and those added at run time by `inject`, each with
 * the number of times it may still apply. `take` finds the first rule that matches an attempt (or a
 * request) and uses it up once. What a fault does is up to the caller (delivery.ts, gateway.ts):
 * this module only matches and counts.
 * @module
 */
import type { NotificationKind } from '../notify/types.js';
import type { FaultRule } from './config.js';

/** @internal What a fault is matched against: a delivery attempt, or (for `error`) a request's partner. */
export interface FaultContext {
  readonly kind?: NotificationKind;
  readonly attempt?: number;
  readonly partner?: string;
  readonly outerTaskId?: string;
  readonly notifyId?: string;
}

/** @internal The fault rules of one gateway, in the order they were given. */
export class FaultBook {
  private entries: Array<{ rule: FaultRule; left: number }> = [];

  constructor(rules: readonly FaultRule[] = []) {
    for (const rule of rules) this.add(rule);
  }

  /** Adds a rule after the others; it applies `times` times (default once). */
  add(rule: FaultRule): void {
    this.entries.push({ rule, left: rule.times ?? 1 });
  }

  /** The rules that may still apply, each with its uses left (for the console). */
  list(): Array<{ rule: FaultRule; left: number }> {
    return this.entries.filter((f) => f.left > 0).map((f) => ({ rule: f.rule, left: f.left }));
  }

  clear(): void {
    this.entries = [];
  }

  /** The first rule with one of `actions` that matches `m` and has uses left, used up once; undefined when none. */
  take(actions: readonly FaultRule['action'][], m: FaultContext): FaultRule | undefined {
    for (const f of this.entries) {
      const r = f.rule;
      if (f.left <= 0 || !actions.includes(r.action)) continue;
      if (r.partner !== undefined && r.partner !== m.partner) continue;
      if (r.action !== 'error') {
        const kinds = r.kind === undefined ? undefined : typeof r.kind === 'string' ? [r.kind] : r.kind;
        if (kinds && (m.kind === undefined || !kinds.includes(m.kind))) continue;
        if (r.attempt !== undefined && r.attempt !== m.attempt) continue;
        if (r.outerTaskId !== undefined && r.outerTaskId !== m.outerTaskId) continue;
        if (r.notifyId !== undefined && r.notifyId !== m.notifyId) continue;
      }
      f.left--;
      return r;
    }
    return undefined;
  }
}
