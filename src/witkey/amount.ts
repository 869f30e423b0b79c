/**
 * Exact money amounts in integer fen (1 yuan = 100 fen), never floating point (docs/PROTOCOL.md §2).
 * Input: a yuan string matching `^\d{1,13}(\.\d{1,2})?$` (`"20.1"`, `"20.10"`), or integer fen as a
 * `bigint` or `{ fen }`. A plain JavaScript number is rejected: `20` could mean yuan or fen, and
 * `20.1` is already inexact. Valid amounts are > 0 and ≤ 100000000.00; output has exactly two
 * decimals (`20.10`).
 * @module
 */
import { WitkeyError } from '../errors.js';

/** An amount: yuan as a decimal string, or integer fen. */
export type AmountInput = string | bigint | { readonly fen: number | bigint };

/** The largest amount the gateway accepts, in fen: 100000000.00 yuan. */
export const MAX_FEN = 10_000_000_000n;

const YUAN = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/**
 * Parses an amount to integer fen.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` naming `field` and record `index`.
 * @example
 * parseAmount('20.1'); // 2010n
 * parseAmount({ fen: 2010 }); // 2010n
 */
export function parseAmount(input: AmountInput, ctx: { field?: string; index?: number } = {}): bigint {
  const where =
    ctx.field === undefined ? 'amount' : ctx.index === undefined ? `${ctx.field} amount` : `${ctx.field}[${ctx.index}] amount`;
  const fail = (why: string): WitkeyError =>
    new WitkeyError('ILLEGAL_ARGUMENT', `${where}: ${why}`, {
      ...(ctx.field !== undefined && { field: ctx.field }),
      ...(ctx.index !== undefined && { index: ctx.index }),
    });
  let fen: bigint;
  if (typeof input === 'string') {
    const m = YUAN.exec(input);
    if (!m) throw fail(`${JSON.stringify(input)} is not a yuan amount like "20.10" (digits, at most two decimals)`);
    fen = BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
  } else if (typeof input === 'bigint') {
    fen = input;
  } else if (input !== null && typeof input === 'object' && 'fen' in input) {
    const f = input.fen;
    if (typeof f === 'bigint') fen = f;
    else if (typeof f === 'number' && Number.isSafeInteger(f)) fen = BigInt(f);
    else throw fail(`fen must be an integer, got ${String(f)}`);
  } else {
    throw fail(
      `${typeof input === 'number' ? `the number ${input} is ambiguous (yuan or fen?)` : `${typeof input} is not an amount`}; pass yuan as a string ("20.10") or fen as a bigint / { fen }`,
    );
  }
  if (fen <= 0n) throw fail('must be greater than 0');
  if (fen > MAX_FEN) throw fail('must not exceed 100000000.00');
  return fen;
}

/**
 * Formats fen as yuan with exactly two decimals.
 * @example
 * formatFen(2010n); // '20.10'
 */
export function formatFen(fen: bigint): string {
  const neg = fen < 0n;
  const a = neg ? -fen : fen;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}
