/**
 * The detail-string codec: records of fields joined by a field separator, records joined by a record
 * separator (docs/PROTOCOL.md §2). The separators are a named dialect, because the interface document
 * contradicts itself: `spec` (default) is `~*~` / `*~*~$` as the parameter description says, `kppw`
 * is `~*@^` / `*@|$` as the only public client used; a custom `{ field, record }` is accepted too.
 *
 * Values are never escaped: a value containing either separator is rejected, and so is one that would
 * form a separator together with its neighbour (e.g. `a*` before the field separator `~*~` followed by
 * `$…` reads as `*~*~$`), so that decoding always gives back exactly the records that were encoded.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** Separators of a detail string. */
export interface DetailSeparators {
  readonly field: string;
  readonly record: string;
}

/** A dialect name or explicit separators. */
export type DetailDialect = 'spec' | 'kppw' | DetailSeparators;

/** The built-in dialects. */
export const DIALECTS: Readonly<Record<'spec' | 'kppw', DetailSeparators>> = Object.freeze({
  spec: Object.freeze({ field: '~*~', record: '*~*~$' }),
  kppw: Object.freeze({ field: '~*@^', record: '*@|$' }),
});

/**
 * Resolves a dialect to its separators, checking custom ones (non-empty, different, the field
 * separator not containing the record separator).
 * @throws WitkeyError `INVALID_OPTION`.
 * @example
 * resolveDialect('kppw'); // { field: '~*@^', record: '*@|$' }
 */
export function resolveDialect(dialect: DetailDialect = 'spec'): DetailSeparators {
  if (dialect === 'spec' || dialect === 'kppw') return DIALECTS[dialect];
  if (dialect && typeof dialect === 'object' && typeof dialect.field === 'string' && typeof dialect.record === 'string') {
    const { field, record } = dialect;
    if (field && record && field !== record && !field.includes(record)) return { field, record };
  }
  throw new WitkeyError(
    'INVALID_OPTION',
    `invalid detail dialect ${JSON.stringify(dialect)}: expected 'spec', 'kppw' or { field, record } with distinct non-empty separators`,
    { field: 'dialect' },
  );
}

/** Where a detail string goes, for error messages. */
export interface DetailContext {
  /** Parameter name, e.g. `transfer_detail`. */
  field?: string;
  /** Names of the record's fields, e.g. `['serial', 'amount']`, to name the offending one. */
  names?: readonly string[];
}

/**
 * Joins records into a detail string.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` naming the parameter (`field`), the record (`index`) and the
 * value that contains or forms a separator; `INVALID_OPTION` for a bad dialect.
 * @example
 * encodeDetail([['20111221_0011_10', '15.00', '2088102116203708', 'JIM']]);
 * // '20111221_0011_10~*~15.00~*~2088102116203708~*~JIM'
 */
export function encodeDetail(
  records: ReadonlyArray<ReadonlyArray<string>>,
  dialect: DetailDialect = 'spec',
  ctx: DetailContext = {},
): string {
  const sep = resolveDialect(dialect);
  const param = ctx.field ?? 'detail';
  const fail = (msg: string, index: number): WitkeyError =>
    new WitkeyError('ILLEGAL_ARGUMENT', `${param}[${index}]: ${msg}`, { field: param, index });
  records.forEach((rec, r) => {
    if (!Array.isArray(rec) || rec.length === 0) throw fail('a record must be a non-empty array of strings', r);
    rec.forEach((v, f) => {
      const name = ctx.names?.[f] ?? `field ${f}`;
      if (typeof v !== 'string') throw fail(`${name} must be a string`, r);
      for (const s of [sep.field, sep.record]) {
        if (v.includes(s)) throw fail(`${name} ${JSON.stringify(v)} contains the separator ${JSON.stringify(s)}`, r);
      }
    });
  });
  const text = records.map((rec) => rec.join(sep.field)).join(sep.record);
  // Separators can also arise across a boundary; the round trip finds the first record it breaks.
  const back = decodeDetail(text, sep);
  for (let r = 0; r < Math.max(back.length, records.length); r++) {
    const a = records[r],
      b = back[r];
    if (!a || !b || a.length !== b.length || a.some((v, i) => v !== b[i])) {
      throw fail(
        'a value forms a separator with its neighbour or is empty where that is ambiguous; the string would not decode to the same records',
        r,
      );
    }
  }
  return text;
}

/**
 * Splits a detail string into records (records first, since the `spec` record separator contains the
 * field separator). The empty string is zero records.
 * @example
 * decodeDetail('a~*@^1*@|$b~*@^2', 'kppw'); // [['a', '1'], ['b', '2']]
 */
export function decodeDetail(text: string, dialect: DetailDialect = 'spec'): string[][] {
  const sep = resolveDialect(dialect);
  if (text === '') return [];
  return text.split(sep.record).map((r) => r.split(sep.field));
}
