/**
 * `application/x-www-form-urlencoded` at the byte level (docs/PROTOCOL.md §3, and §6 for notifications):
 * the WHATWG URL Standard's urlencoded serializer over charset bytes (`*-._`, digits and letters kept,
 * space → `+`, every other byte `%XX` upper-case), and its parsing into raw percent-decoded (name,
 * value) bytes, whole ({@link parseFormBytes}) or incrementally over chunks split anywhere
 * ({@link FormStreamParser}), so that a signature can be checked over exactly the bytes the sender
 * signed. Also the rule that a name appears at most once in a form ({@link duplicateField}).
 *
 * Not a charset codec (names and values stay bytes; src/params/form.ts decodes them) and not a
 * general URL parser: a `%` not followed by two hex digits is an error rather than being passed
 * through literally as browsers do, and the streaming parser takes printable ASCII names only
 * (every gateway field name is).
 * Internal: not a package export (`alipay-witkey/params` re-exports {@link parseFormBytes}).
 * @module
 */
import { WitkeyError } from '../errors.js';
import { latin1 } from './bytes.js';

const HEX = '0123456789ABCDEF';
// 1 where the byte is kept as is (WHATWG application/x-www-form-urlencoded percent-encode set complement).
const KEEP = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let b = 0x30; b <= 0x39; b++) t[b] = 1;
  for (let b = 0x41; b <= 0x5a; b++) t[b] = 1;
  for (let b = 0x61; b <= 0x7a; b++) t[b] = 1;
  for (const b of [0x2a, 0x2d, 0x2e, 0x5f]) t[b] = 1;
  return t;
})();

/** Appends the urlencoded form of `bytes` (one name or value, already in its charset) to `out`. */
export function percentEncodeInto(bytes: Uint8Array, out: number[]): void {
  for (const b of bytes) {
    if (KEEP[b]) out.push(b);
    else if (b === 0x20) out.push(0x2b);
    else out.push(0x25, HEX.charCodeAt(b >> 4), HEX.charCodeAt(b & 15));
  }
}

/** The value of each byte as a hex digit (either case), or -1. */
const HEX_VAL = /* @__PURE__ */ (() => {
  const t = new Int8Array(256).fill(-1);
  for (let b = 0; b < 10; b++) t[0x30 + b] = b;
  for (let b = 0; b < 6; b++) t[0x41 + b] = t[0x61 + b] = 10 + b;
  return t;
})();

/** The value of a hex digit byte (either case), or -1. */
function hexVal(b: number): number {
  return HEX_VAL[b]!;
}

// The spare scratch buffer of FormStreamParser.write, shared by the realm's parsers (JS runs one
// write at a time; a re-entrant one finds none and allocates). Sinks see it only during their call.
// It is SPARE_MAX bytes (a streamed body's chunks are 16–64 KB).
const SPARE_MAX = 65536;
const EMPTY = /* @__PURE__ */ new Uint8Array(0);
let spare: Uint8Array | undefined;

/** Where {@link decodeValue} stopped writing. */
let decodedEnd = 0;

/**
 * Percent-decodes `chunk` from `i` into `out` from `o` until the end of the chunk, a `&`, or a `%`
 * without two hex digits after it in the chunk (cut, or malformed: the caller tells which); returns
 * where it stopped and leaves the end of the output in {@link decodedEnd}. A loop of its own: in
 * the parser's `write` it measured twice as slow.
 */
function decodeValue(chunk: Uint8Array, i: number, out: Uint8Array, o: number): number {
  const n = chunk.length;
  while (i < n) {
    const b = chunk[i]!;
    if (b === 0x25) {
      if (i + 2 >= n) break;
      const h = HEX_VAL[chunk[i + 1]!]!;
      const l = HEX_VAL[chunk[i + 2]!]!;
      if ((h | l) < 0) break;
      out[o++] = (h << 4) | l;
      i += 3;
      continue;
    }
    if (b === 0x26) break;
    out[o++] = b === 0x2b ? 0x20 : b;
    i++;
  }
  decodedEnd = o;
  return i;
}

function badEscape(offset: number): WitkeyError {
  return new WitkeyError('ILLEGAL_ARGUMENT', `malformed percent-escape at byte offset ${offset} of the form body`, { offset });
}

/**
 * The error for a name that appears a second time in a form (a signed form has one value per name).
 * `offset` is the byte offset of the second occurrence where the reader knows it.
 */
export function duplicateField(name: string, offset?: number): WitkeyError {
  const at = offset === undefined ? '' : ` (second at byte offset ${offset})`;
  return new WitkeyError(
    'ILLEGAL_ARGUMENT',
    `form field ${name} appears twice${at}`,
    offset === undefined ? { field: name } : { field: name, offset },
  );
}

function percentDecode(body: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = body[i]!;
    if (b === 0x2b) out[o++] = 0x20;
    else if (b === 0x25) {
      if (i + 2 >= end) throw badEscape(i);
      const h = hexVal(body[i + 1]!),
        l = hexVal(body[i + 2]!);
      if (h < 0 || l < 0) throw badEscape(i);
      out[o++] = (h << 4) | l;
      i += 2;
    } else out[o++] = b;
  }
  return out.slice(0, o);
}

/**
 * Splits an urlencoded body into percent-decoded raw (name, value) bytes, in order, without decoding
 * any charset: what a signature check over received bytes needs. Empty segments (`&&`) are skipped; a
 * segment without `=` is a name with an empty value. Names are not checked (the caller does).
 * @throws WitkeyError `ILLEGAL_ARGUMENT` for a malformed percent-escape.
 * @example
 * parseFormBytes(new TextEncoder().encode('a=%CC%EC&b=1')); // [[Uint8Array [0x61], Uint8Array [0xCC, 0xEC]], …]
 */
export function parseFormBytes(body: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = [];
  let i = 0;
  while (i <= body.length) {
    let end = body.indexOf(0x26, i);
    if (end < 0) end = body.length;
    if (end > i) {
      let eq = body.indexOf(0x3d, i);
      if (eq < 0 || eq > end) eq = end;
      out.push([percentDecode(body, i, eq), percentDecode(body, Math.min(eq + 1, end), end)]);
    }
    i = end + 1;
  }
  return out;
}

/** Receives one field's value bytes as they are decoded. */
export interface FormValueSink {
  /** Decoded value bytes; the array is only valid during the call (copy to keep). */
  data(bytes: Uint8Array): void;
  end(): void;
}

/** Limits of {@link FormStreamParser}, checked as bytes arrive. */
export interface FormLimits {
  /** Total body bytes. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Number of fields. Default 64. */
  maxFields?: number;
  /** Length of one field name in bytes. Default 64. */
  maxNameLength?: number;
}

// Parser states (plain numbers: compared in the per-byte loop).
const NAME = 0;
const VALUE = 1;

/**
 * Push parser: `write()` chunks, then `end()`. For every field, `onField(name)` is called once its
 * name is complete and returns the sink that receives the value's bytes.
 * @example
 * const p = new FormStreamParser((name) => ({ data: (b) => …, end: () => … }));
 * p.write(chunk1); p.write(chunk2); p.end();
 */
export class FormStreamParser {
  private state: typeof NAME | typeof VALUE = NAME;
  private name: number[] = [];
  private sink: FormValueSink | undefined;
  /** Escape in progress: -1 none, else count of hex digits seen (0 or 1) with `escHigh`. */
  private esc = -1;
  private escHigh = 0;
  private escOffset = 0;
  private offset = 0;
  private fields = 0;
  private big: Uint8Array = EMPTY;
  private readonly maxBody: number;
  private readonly maxFields: number;
  private readonly maxName: number;

  constructor(
    private readonly onField: (name: string, offset: number) => FormValueSink,
    limits: FormLimits = {},
  ) {
    this.maxBody = limits.maxBodyBytes ?? 16 * 1024 * 1024;
    this.maxFields = limits.maxFields ?? 64;
    this.maxName = limits.maxNameLength ?? 64;
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Feeds the next chunk of the body. @throws WitkeyError `ILLEGAL_ARGUMENT` or `FORM_LIMIT_EXCEEDED`. */
  write(chunk: Uint8Array): void {
    const base = this.offset;
    if (base + chunk.length > this.maxBody) {
      throw new WitkeyError('FORM_LIMIT_EXCEEDED', `form body exceeds maxBodyBytes (${this.maxBody})`, {
        field: 'maxBodyBytes',
        offset: this.maxBody,
      });
    }
    // The decoded bytes of this chunk go to a scratch buffer: up to SPARE_MAX bytes, the realm's
    // spare one (a fresh ArrayBuffer per parser cost ~1 µs, a fifth of parsing a 7 KB body; a write
    // that runs while another holds it, from a sink that parses another form, makes its own);
    // larger chunks, one of this parser's own, reused by its next writes.
    if (chunk.length > SPARE_MAX) {
      if (this.big.length < chunk.length) this.big = new Uint8Array(chunk.length);
      this.decode(chunk, base, this.big);
    } else {
      let out = spare;
      if (out !== undefined) spare = undefined;
      else out = new Uint8Array(SPARE_MAX);
      try {
        this.decode(chunk, base, out);
      } finally {
        spare = out;
      }
    }
    this.offset = base + chunk.length;
  }

  private decode(chunk: Uint8Array, base: number, out: Uint8Array): void {
    let o = 0;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state === NAME) {
        const b = chunk[i]!;
        if (this.esc >= 0) {
          const d = hexVal(b);
          if (d < 0) this.badEscape();
          if (this.esc === 0) {
            this.escHigh = d;
            this.esc = 1;
          } else {
            this.pushName((this.escHigh << 4) | d, base + i);
            this.esc = -1;
          }
        } else if (b === 0x3d) {
          this.startValue(base + i);
          o = 0;
        } else if (b === 0x26) {
          if (this.name.length > 0) {
            this.startValue(base + i);
            this.endValue();
          }
        } else if (b === 0x25) {
          this.esc = 0;
          this.escOffset = base + i;
        } else this.pushName(b === 0x2b ? 0x20 : b, base + i);
        i++;
        continue;
      }
      // Value: decode as much of the chunk as belongs to this value in one tight loop. An escape
      // carried over from the previous chunk is finished first; one whose two digits are in this
      // chunk is decoded in place (the usual case: GBK and the XML's markup are all escapes).
      while (this.esc >= 0 && i < n) {
        const d = HEX_VAL[chunk[i]!]!;
        if (d < 0) this.badEscape();
        if (this.esc === 0) {
          this.escHigh = d;
          this.esc = 1;
        } else {
          out[o++] = (this.escHigh << 4) | d;
          this.esc = -1;
        }
        i++;
      }
      i = decodeValue(chunk, i, out, o);
      o = decodedEnd;
      if (i < n && chunk[i] === 0x25) {
        // An escape cut by the end of the chunk (or a bad one): its digits so far, checked now.
        this.escOffset = base + i;
        this.esc = 0;
        if (++i < n) {
          const h = HEX_VAL[chunk[i]!]!;
          if (h < 0) this.badEscape();
          this.escHigh = h;
          this.esc = 1;
          i++;
        }
        if (i < n) this.badEscape(); // a bad second digit: decodeValue stopped at its '%'
      }
      if (o > 0) {
        this.sink!.data(out.subarray(0, o));
        o = 0;
      }
      if (i < n) {
        // at '&'
        if (this.esc >= 0) this.badEscape();
        this.endValue();
        i++;
      }
    }
  }

  /** Ends the body. @throws WitkeyError `ILLEGAL_ARGUMENT` for a cut escape. */
  end(): void {
    if (this.esc >= 0) this.badEscape();
    if (this.state === VALUE) this.endValue();
    else if (this.name.length > 0) {
      this.startValue(this.offset);
      this.endValue();
    }
  }

  private pushName(b: number, at: number): void {
    if (b < 0x21 || b > 0x7e) {
      throw new WitkeyError(
        'ILLEGAL_ARGUMENT',
        `form field name has byte 0x${b.toString(16).padStart(2, '0')} at byte offset ${at}; names are printable ASCII`,
        { offset: at },
      );
    }
    if (this.name.length >= this.maxName) {
      throw new WitkeyError(
        'FORM_LIMIT_EXCEEDED',
        `form field name longer than maxNameLength (${this.maxName}) at byte offset ${at}`,
        { field: 'maxNameLength', offset: at },
      );
    }
    this.name.push(b);
  }

  private startValue(at: number): void {
    if (this.name.length === 0) {
      throw new WitkeyError('ILLEGAL_ARGUMENT', `form field without a name at byte offset ${at}`, { offset: at });
    }
    if (++this.fields > this.maxFields) {
      throw new WitkeyError('FORM_LIMIT_EXCEEDED', `form has more than maxFields (${this.maxFields}) fields`, {
        field: 'maxFields',
        offset: at,
      });
    }
    const name = latin1(Uint8Array.from(this.name));
    this.name = [];
    this.sink = this.onField(name, at);
    this.state = VALUE;
  }

  private endValue(): void {
    const s = this.sink!;
    this.sink = undefined;
    this.state = NAME;
    s.end();
  }

  private badEscape(): never {
    throw badEscape(this.escOffset);
  }
}
