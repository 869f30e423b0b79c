/**
 * A strict, streaming, DTD-free XML 1.0 decoder from bytes (UTF-8, GBK or GB 2312) to a tree of
 * {@link XmlElement}s, optionally handing selected elements ("records") out as their end tags arrive.
 *
 * What it accepts: well-formed XML 1.0 documents without a document type declaration. The XML
 * declaration (only at offset 0, after an optional UTF-8 BOM) is parsed strictly; its `encoding` must
 * be UTF-8, GBK or GB2312 (any case), otherwise `ILLEGAL_CHARSET`. Comments and processing
 * instructions are checked and skipped. The five predefined entities, decimal and hexadecimal
 * character references and CDATA sections are decoded; attribute values are normalised (XML 1.0
 * §3.3.3) and line ends become `\n` (§2.11).
 *
 * What it rejects (`INVALID_XML`, with the byte `offset`): any `<!DOCTYPE`, entity or other markup
 * declaration, any reference to an entity but the five predefined ones (so no XXE, no billion
 * laughs: nothing is ever expanded or fetched), mismatched or unclosed tags, a second root, text
 * outside the root, characters outside the XML `Char` production, bytes that are malformed in the
 * document's charset, bad names, duplicate attributes, `<` in attribute values, `]]>` in text,
 * unterminated comments, PIs and CDATA sections, `--` inside comments. Resource limits
 * ({@link XmlLimits}) give `XML_LIMIT_EXCEEDED`.
 *
 * Not here: namespaces, DTDs, validation, XML 1.1, serialisation, any charset but the gateway's three.
 *
 * How it is fast: markup is found on the bytes. In UTF-8, GBK and GB 2312 the bytes `<` `>` `&` `"`
 * `'` `=` `/` `?` `!` `-` and whitespace never occur inside a multi-byte character (GBK trail bytes
 * are 0x40–0xFE), so only `]` (0x5D, a possible GBK trail byte) needs the scanner to step over
 * two-byte characters. Pure-ASCII names, values and text become strings without a decoder (short
 * repeated ones, such as names and indentation, from a small intern table); only spans with bytes
 * ≥ 0x80 go through the strict charset decoder. Partial tokens are carried between chunks in
 * one growable buffer; text is decoded and appended chunk by chunk, so no text node is ever buffered
 * whole.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { createDecoder, decode as decodeCharset, gbkPairs, isCharsetLoaded, type CharsetDecoder } from '../charset/codec.js';
import { normalizeCharset, type Charset } from '../charset/names.js';
import { utf8ErrorOffset } from '../charset/utf8.js';
import type { XmlDocument, XmlElement } from './element.js';
import { resolveLimits, type XmlLimits } from './limits.js';

/** Options of {@link XmlDecoder} and {@link parseXml}. */
export interface XmlDecoderOptions {
  /**
   * The charset used when the document has no XML declaration with an `encoding` (for a notification:
   * the form's charset). Default `utf-8`. GBK and GB 2312 need `await loadCharset(...)` first.
   */
  charset?: Charset;
  /** Resource limits; unspecified ones take {@link DEFAULT_XML_LIMITS}. */
  limits?: XmlLimits;
  /**
   * Records: an element whose path (names from the root to itself, e.g.
   * `['alipay','response','task_info','success_bidders','bidder']`) makes `split(path)` true is, when
   * its end tag arrives, returned from `write()`/`end()` and NOT attached to its parent, so memory
   * stays bounded by the largest record rather than the document. The root is never split. Once a
   * record has been split off an element, whitespace-only text of that element is no longer kept
   * (it only separated the records). The `path` array passed to `split` is reused: copy it to keep it.
   */
  split?: (path: readonly string[]) => boolean;
}

/** An element split off by {@link XmlDecoderOptions.split}, with its path (a copy). */
export interface XmlRecord {
  path: readonly string[];
  element: XmlElement;
}

// Scanner states.
const ST_HEAD = 0; // before the first bytes are known: BOM, XML declaration or not
const ST_TEXT = 1; // content (text, or misc at depth 0)
const ST_LT = 2; // after '<'
const ST_BANG = 3; // after '<!'
const ST_TAG = 4; // in a start or end tag, until the unquoted '>'
const ST_PI = 5; // in a processing instruction (or the XML declaration), until '?>'
const ST_COMMENT = 6; // in a comment, until '-->'
const ST_CDATA = 7; // in a CDATA section, until ']]>'
const ST_REF = 8; // in a reference in text, until ';'

const EMPTY_ATTRS: Record<string, string> = /* @__PURE__ */ Object.freeze(Object.create(null) as Record<string, string>);
const EMPTY_BYTES = /* @__PURE__ */ new Uint8Array(0);
const NO_CHILDREN: XmlElement[] = /* @__PURE__ */ Object.freeze([]) as unknown as XmlElement[];
const wsStrings = /* @__PURE__ */ new Map<string, string>();
function canonicalWs(text: string): string {
  const hit = wsStrings.get(text);
  if (hit !== undefined) return hit;
  if (wsStrings.size >= 256) wsStrings.clear();
  wsStrings.set(text, text);
  return text;
}

// The concatenation cache of XmlDecoder.appendText (text pieces are short there: indentation).
const CAT_SLOTS = 256;
const catPrev: string[] = /* @__PURE__ */ new Array<string>(CAT_SLOTS).fill('');
const catPiece: string[] = /* @__PURE__ */ new Array<string>(CAT_SLOTS).fill('');
const catResult: string[] = /* @__PURE__ */ new Array<string>(CAT_SLOTS).fill('');

// Byte classes for names: 1 = may start a name, 2 = may continue one. Bytes ≥ 0x80 are provisionally
// both; a name holding any is decoded and checked against the full Name production.
const NAME = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c >= 0x80) t[c] = 3;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) t[c] = 2;
  }
  return t;
})();

// XML 1.0 (5th edition) Name production, for names with non-ASCII characters.
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_RE = /* @__PURE__ */ new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u');
const NON_CHAR = /[\uFFFE\uFFFF]/;
const CRLF = /\r\n?/g;
const WS_ONLY = /^[ \t\n\r]*$/;
const ATTR_WS = /\r\n|[\r\n\t]/g;
const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>$/;

// ASCII bytes → string. Short spans through String.fromCharCode with a reused argument array (no
// view allocated); long ones through the native windows-1252 decoder ("latin1" in WHATWG terms),
// which maps ASCII to itself. Only ever called on spans known to be ASCII.
const scratch: number[][] = /* @__PURE__ */ Array.from({ length: 65 }, (_, n) => new Array<number>(n).fill(0));
let latin1: TextDecoder | null | undefined;
function ascii(b: Uint8Array, from: number, to: number): string {
  const len = to - from;
  if (len <= 64) {
    const a = scratch[len]!;
    for (let k = 0; k < len; k++) a[k] = b[from + k]!;
    return String.fromCharCode.apply(null, a);
  }
  if (latin1 === undefined) {
    try {
      latin1 = new TextDecoder('latin1');
    } catch {
      latin1 = null;
    }
  }
  if (latin1) return latin1.decode(b.subarray(from, to));
  let s = '';
  for (let i = from; i < to; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, Math.min(to, i + 4096)) as unknown as number[]);
  return s;
}

/**
 * Strict UTF-8 for short spans, in JS: a native TextDecoder call costs more than decoding a
 * nickname. The code units are counted first, so that one reused argument array of exactly that
 * length takes them (no string is pieced together). Returns undefined for anything malformed (the
 * caller then asks TextDecoder, which reports the error) and for spans too long to be worth it.
 */
function utf8Short(b: Uint8Array, from: number, to: number): string | undefined {
  if (to - from > 64) return undefined;
  let units = 0;
  for (let k = from; k < to; k++) {
    const c = b[k]!;
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  // Each complete, valid sequence writes exactly the units its lead byte was counted for, and
  // anything else returns before writing: the array is never written past its length.
  const a = scratch[units]!;
  let u = 0;
  let i = from;
  while (i < to) {
    const c = b[i]!;
    if (c < 0x80) {
      a[u++] = c;
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      const c1 = b[i + 1]!;
      if (i + 1 >= to || (c1 & 0xc0) !== 0x80) return undefined;
      a[u++] = ((c & 0x1f) << 6) | (c1 & 0x3f);
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      const c1 = b[i + 1]!, c2 = b[i + 2]!;
      if (i + 2 >= to || (c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return undefined;
      const cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      a[u++] = cp;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      const c1 = b[i + 1]!, c2 = b[i + 2]!, c3 = b[i + 3]!;
      if (i + 3 >= to || (c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) return undefined;
      const cp = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return undefined;
      a[u++] = 0xd7c0 + (cp >> 10);
      a[u++] = 0xdc00 | (cp & 0x3ff);
      i += 4;
    } else return undefined;
  }
  return String.fromCharCode.apply(null, a);
}

/**
 * Strict GBK / GB 2312 for short spans, in JS, like {@link utf8Short}: one lookup per pair in the
 * charset's pair table (0 = not a character), 0x80 is € in GBK only. Returns undefined for anything
 * the full decoder must look at (an invalid pair, a lead byte without its trail, a long span).
 */
function gbkShort(b: Uint8Array, from: number, to: number, pairs: Uint16Array, gbk: boolean): string | undefined {
  if (to - from > 64) return undefined;
  let units = 0;
  let k = from;
  while (k < to) {
    k += b[k]! > 0x80 ? 2 : 1;
    units++;
  }
  if (k !== to) return undefined;
  const a = scratch[units]!;
  let u = 0;
  for (let i = from; i < to; ) {
    const c = b[i]!;
    if (c < 0x80) {
      a[u++] = c;
      i++;
    } else if (c === 0x80) {
      if (!gbk) return undefined;
      a[u++] = 0x20ac;
      i++;
    } else {
      const v = pairs[(c << 8) | b[i + 1]!]!;
      if (v === 0) return undefined;
      a[u++] = v;
      i += 2;
    }
  }
  return String.fromCharCode.apply(null, a);
}

// Interned short ASCII strings (names, indentation, small values): a document repeats them
// thousands of times, and a string that is reused is one the garbage collector never has to copy.
const INTERN_MAX = 24;
const internTable: string[] = /* @__PURE__ */ new Array<string>(1024).fill('');
function intern(b: Uint8Array, from: number, to: number): string {
  const len = to - from;
  if (len > INTERN_MAX || len === 0) return ascii(b, from, to);
  const h = (len * 197 + b[from]! * 31 + b[to - 1]! * 7 + b[from + (len >> 1)]! * 131 + b[to - 2 < from ? from : to - 2]!) & 1023;
  const hit = internTable[h]!;
  if (hit.length === len) {
    // Compared from the end: unique values of one kind (serial numbers, user ids) share their
    // beginnings and differ in their last digits, so a miss is usually seen at once.
    let k = len - 1;
    while (k >= 0 && hit.charCodeAt(k) === b[from + k]) k--;
    if (k < 0) return hit;
  }
  return (internTable[h] = ascii(b, from, to));
}

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

function hexByte(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

function isChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * A streaming XML decoder: feed the document's bytes in chunks split anywhere (inside a multi-byte
 * character, a tag, a reference, a CDATA marker), get the records as they complete, and the document
 * from {@link XmlDecoder.end}. After an error every further call throws the same error.
 * @example
 * const d = new XmlDecoder({ split: (p) => p.length === 5 && p[4] === 'bidder' });
 * for await (const chunk of body) for (const r of d.write(chunk)) handle(r.element);
 * const { document } = d.end();
 */
export class XmlDecoder {
  private readonly lim: Required<XmlLimits>;
  private readonly split: ((path: readonly string[]) => boolean) | undefined;
  private readonly optCharset: Charset;
  private readonly forceUtf8: boolean;
  private charset: Charset | undefined;
  private declared: string | undefined;
  private bom = false;
  private twoByte = false;
  private sd: CharsetDecoder | undefined; // streaming decoder for text pieces (exact error offsets)
  private pairs: Uint16Array | undefined; // gbk/gb2312 pair table for short spans
  private gbk = false;
  private td1: TextDecoder | undefined; // one-shot utf-8 decoder
  private decPending = false; // the streaming decoder may hold part of a character
  private decAbs = 0; // absolute offset of the first byte fed to it since it was last flushed

  private state = ST_HEAD;
  private failed: unknown = undefined;
  private total = 0; // bytes received
  private base = 0; // absolute offset of the current chunk's first byte
  private elements = 0;
  private readonly stack: XmlElement[] = [];
  // The children of all open elements, one flat stack; kidBase[d] is where the open element at
  // depth d starts. At its end tag an element gets its children as one array of exactly their
  // number (a growing array would keep a backing store of 17 slots for a record of 6 fields, and
  // those bytes are copied by every garbage collection the tree survives).
  private readonly kids: XmlElement[] = [];
  private readonly kidBase: number[] = [];
  private readonly path: string[] = [];
  // per open element: bit 1 once a record was split off it, bit 2 once its text was concatenated
  private readonly splitOff: number[] = [];
  private top: XmlElement | undefined;
  private root: XmlElement | undefined;
  private rootDone = false;
  private records: XmlRecord[] = [];

  // the token (markup) being scanned, carried between chunks in pend
  private pend: Uint8Array = EMPTY_BYTES;
  private pendLen = 0;
  private tokAbs = 0;
  private tokStartInChunk = 0; // where the token starts in the chunk run() is given (0 if carried)
  private nameWide = false; // the name just scanned has bytes ≥ 0x80
  private tokWide = false;
  private isDecl = false;
  private quote = 0;
  private prevQ = false;
  private dashes = 0;
  private bangLen = 0;
  private bangCdata = false;
  // text and CDATA
  private rb = 0; // consecutive ']' just before the current position
  private skip = 0; // a GBK trail byte at the start of the next chunk belongs to the last character
  private crPending = false; // the last text piece ended with a raw CR (so a following LF is dropped)
  private refLen = 0;
  private readonly ref = new Uint8Array(12);

  /**
   * @param options charset when undeclared, limits, record splitting.
   * @throws WitkeyError `INVALID_OPTION` for a bad limit, `ILLEGAL_CHARSET` for a bad charset name.
   * @example
   * const d = new XmlDecoder({ charset: 'gbk', limits: { maxBytes: Infinity } });
   */
  constructor(options: XmlDecoderOptions = {}, /** @internal */ forceUtf8 = false) {
    if (typeof options !== 'object' || options === null) throw new WitkeyError('INVALID_OPTION', 'XmlDecoder options must be an object', { field: 'options' });
    this.lim = resolveLimits(options.limits);
    if (options.split !== undefined && typeof options.split !== 'function') throw new WitkeyError('INVALID_OPTION', 'split must be a function', { field: 'split' });
    this.split = options.split;
    this.optCharset = options.charset === undefined ? 'utf-8' : normalizeCharset(options.charset, { field: 'charset' });
    this.forceUtf8 = forceUtf8;
  }

  /**
   * Decodes the next chunk of bytes. Returns the records completed in it (in document order). The
   * decoder keeps no reference to `chunk`: the caller may reuse the buffer once this returns.
   * @throws WitkeyError `INVALID_XML`, `XML_LIMIT_EXCEEDED`, `ILLEGAL_CHARSET` (declared charset),
   * `CHARSET_NOT_LOADED` (gbk/gb2312 before `loadCharset`).
   * @example
   * const records = decoder.write(chunk);
   */
  write(chunk: Uint8Array): XmlRecord[] {
    if (this.failed !== undefined) throw this.failed;
    if (!(chunk instanceof Uint8Array)) throw new WitkeyError('INVALID_OPTION', 'XmlDecoder.write: chunk must be a Uint8Array', { field: 'chunk' });
    try {
      this.total += chunk.length;
      if (this.total > this.lim.maxBytes) throw this.limit('maxBytes', `document larger than maxBytes (${this.lim.maxBytes} bytes)`, this.lim.maxBytes);
      if (chunk.length > 0) this.feed(chunk, false);
      const out = this.records;
      this.records = [];
      return out;
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  /**
   * Ends the document: checks that it is complete and returns it with the last records.
   * @throws WitkeyError `INVALID_XML` if the document is incomplete (unclosed element, no root, open
   * markup).
   * @example
   * const { document, records } = decoder.end();
   */
  end(): { document: XmlDocument; records: XmlRecord[] } {
    if (this.failed !== undefined) throw this.failed;
    try {
      if (this.state === ST_HEAD) this.feed(EMPTY_BYTES, true);
      const at = this.total;
      if (this.state !== ST_TEXT) {
        const what = ['', '', 'markup', 'markup', 'tag', 'processing instruction', 'comment', 'CDATA section', 'reference'][this.state];
        throw this.invalid(`unexpected end of document inside a ${what}`, at);
      }
      if (this.skip !== 0) throw this.invalid('unexpected end of document inside a character', at);
      if (this.top !== undefined) throw this.invalid(`unexpected end of document: element <${this.top.name}> is not closed`, at);
      if (this.root === undefined) throw this.invalid('no root element', at);
      const document: XmlDocument = { root: this.root, charset: this.charset! };
      if (this.declared !== undefined) document.declaredEncoding = this.declared;
      const records = this.records;
      this.records = [];
      this.failed = new WitkeyError('INVALID_OPTION', 'XmlDecoder: end() was already called');
      return { document, records };
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  // ---- errors ----

  private invalid(message: string, offset: number, cause?: unknown): WitkeyError {
    return new WitkeyError('INVALID_XML', `invalid XML: ${message} at byte ${offset}`, cause === undefined ? { offset } : { offset, cause });
  }

  private limit(field: keyof XmlLimits, message: string, offset: number): WitkeyError {
    return new WitkeyError('XML_LIMIT_EXCEEDED', `XML limit exceeded: ${message} at byte ${offset}`, { field, offset });
  }

  // ---- charset ----

  private setCharset(cs: Charset): void {
    this.charset = cs;
    if (this.forceUtf8) cs = 'utf-8';
    if (cs === 'utf-8') {
      this.sd = createDecoder('utf-8');
      this.td1 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    } else {
      if (!isCharsetLoaded(cs)) throw new WitkeyError('CHARSET_NOT_LOADED', `charset ${cs} is not loaded: await loadCharset('${cs}') first`, { field: 'charset' });
      this.sd = createDecoder(cs);
      this.pairs = gbkPairs(cs);
      this.gbk = cs === 'gbk';
      this.twoByte = true;
    }
  }

  /** Decodes a complete span (a name, an attribute value, a comment) strictly. */
  private decodeOnce(b: Uint8Array, from: number, to: number, abs: number): string {
    let s: string | undefined;
    if (this.td1 !== undefined) s = utf8Short(b, from, to);
    else if (this.pairs !== undefined) s = gbkShort(b, from, to, this.pairs, this.gbk);
    if (s !== undefined) {
      // done
    } else if (this.td1 !== undefined) {
      const bytes = b.subarray(from, to);
      try {
        s = this.td1.decode(bytes);
      } catch (e) {
        const at = Math.max(0, utf8ErrorOffset(bytes));
        throw this.invalid(`malformed utf-8 byte sequence`, abs + at, e);
      }
    } else {
      const bytes = b.subarray(from, to);
      try {
        s = decodeCharset(bytes, this.charset!);
      } catch (e) {
        const rel = e instanceof WitkeyError && e.offset !== undefined ? e.offset : 0;
        throw this.invalid(`malformed ${this.charset} byte sequence`, abs + rel, e);
      }
    }
    if (NON_CHAR.test(s)) throw this.invalid('character U+FFFE or U+FFFF is not allowed in XML', abs);
    return s;
  }

  /** Decodes a piece of text; `more` when the text continues in the next chunk. */
  private decodePiece(b: Uint8Array, from: number, to: number, more: boolean): string {
    if (!this.decPending) {
      this.decAbs = this.base + from;
      if (!more) {
        const short = this.pairs === undefined ? utf8Short(b, from, to) : gbkShort(b, from, to, this.pairs, this.gbk);
        if (short !== undefined) {
          if (NON_CHAR.test(short)) throw this.invalid('character U+FFFE or U+FFFF is not allowed in XML', this.base + from);
          return short;
        }
      }
    }
    const bytes = b.subarray(from, to);
    let s: string;
    try {
      s = this.sd!.decode(bytes, { stream: more });
    } catch (e) {
      // The charset decoder counts from the start of its stream (the piece's first byte).
      const rel = e instanceof WitkeyError && e.offset !== undefined ? e.offset : 0;
      throw this.invalid(`malformed ${this.charset} byte sequence`, (this.decPending ? this.decAbs : this.base + from) + rel, e);
    }
    this.decPending = more;
    if (NON_CHAR.test(s)) throw this.invalid('character U+FFFE or U+FFFF is not allowed in XML', this.base + from);
    return s;
  }

  // ---- the scanner ----

  private feed(chunk: Uint8Array, final: boolean): void {
    let b = chunk;
    let i = 0;
    if (this.state === ST_HEAD) {
      // Collect the first 9 bytes (BOM + "<?xml" + whitespace) to decide about the declaration.
      this.append(chunk, 0, chunk.length);
      if (this.pendLen < 9 && !final) return;
      b = this.pend.slice(0, this.pendLen);
      this.pendLen = 0;
      this.base = 0;
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
        this.bom = true;
        i = 3;
      }
      if (b.length >= i + 6 && b[i] === 0x3c && b[i + 1] === 0x3f && b[i + 2] === 0x78 && b[i + 3] === 0x6d && b[i + 4] === 0x6c && isWs(b[i + 5]!)) {
        this.isDecl = true;
        this.state = ST_PI;
        this.tokAbs = i;
        this.tokWide = false;
        this.prevQ = false;
        i += 2;
        this.tokStartInChunk = i - 2;
      } else {
        this.setCharset(this.bom ? 'utf-8' : this.optCharset);
        this.state = ST_TEXT;
      }
    } else {
      this.tokStartInChunk = 0;
    }
    this.run(b, i);
  }


  private append(b: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const need = this.pendLen + n;
    if (need > this.pend.length) {
      const grown = new Uint8Array(Math.max(need, this.pend.length * 2, 256));
      grown.set(this.pend.subarray(0, this.pendLen));
      this.pend = grown;
    }
    this.pend.set(b.subarray(from, to), this.pendLen);
    this.pendLen = need;
  }

  private run(b: Uint8Array, start: number): void {
    const n = b.length;
    let i = start;
    // The previous chunk ended with a GBK lead byte inside text or CDATA: this chunk's first byte is
    // its trail, part of the next text piece but not to be scanned as markup.
    let skip = this.skip;
    this.skip = 0;
    let tokStart = this.tokStartInChunk;
    while (i < n) {
      switch (this.state) {
        case ST_TEXT: {
          if (this.top === undefined) {
            // prolog or epilog: whitespace only
            while (i < n) {
              const c = b[i]!;
              if (c === 0x3c) break;
              if (!isWs(c)) throw this.invalid(c === 0x26 ? 'reference outside the root element' : `text outside the root element (${hexByte(c)})`, this.base + i);
              i++;
            }
            if (i < n) {
              tokStart = i;
              this.tokAbs = this.base + i;
              this.state = ST_LT;
              i++;
            }
            break;
          }
          const from = i;
          let rb = this.rb;
          let wide = skip !== 0;
          i += skip;
          skip = 0;
          let cr = false;
          const twoByte = this.twoByte;
          while (i < n) {
            const c = b[i]!;
            if (c > 0x3e) {
              if (c === 0x5d) {
                rb++;
                i++;
                continue;
              }
              rb = 0;
              if (c >= 0x80) {
                wide = true;
                if (twoByte && c !== 0x80) i++;
              }
              i++;
              continue;
            }
            if (c === 0x3c || c === 0x26) break;
            if (c === 0x3e) {
              if (rb >= 2) throw this.invalid("']]>' is not allowed in text", this.base + i - 2);
            } else if (c < 0x20) {
              if (c === 0x0d) cr = true;
              else if (c !== 0x0a && c !== 0x09) throw this.invalid(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, this.base + i);
            }
            rb = 0;
            i++;
          }
          this.rb = rb;
          if (i > n) {
            this.skip = i - n;
            i = n;
          }
          const more = i >= n;
          if (i > from || this.decPending || this.crPending) this.emit(b, from, i, wide, cr, more);
          if (!more) {
            this.rb = 0;
            if (b[i] === 0x3c) {
              tokStart = i;
              this.tokAbs = this.base + i;
              this.state = ST_LT;
            } else {
              this.refLen = 0;
              this.tokAbs = this.base + i;
              this.state = ST_REF;
            }
            i++;
          }
          break;
        }
        case ST_LT: {
          const c = b[i]!;
          this.tokWide = false;
          if (c === 0x2f) {
            this.state = ST_TAG;
            this.quote = 0;
            i++;
          } else if (c === 0x3f) {
            this.state = ST_PI;
            this.prevQ = false;
            i++;
          } else if (c === 0x21) {
            this.state = ST_BANG;
            this.bangLen = 0;
            i++;
          } else if (NAME[c]! & 1) {
            this.state = ST_TAG;
            this.quote = 0;
          } else throw this.invalid(`'<' not followed by a name (${hexByte(c)})`, this.base + i);
          break;
        }
        case ST_BANG: {
          while (i < n) {
            const c = b[i]!;
            if (this.bangLen === 0) {
              if (c === 0x2d) this.bangCdata = false;
              else if (c === 0x5b) this.bangCdata = true;
              else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
                throw this.invalid('markup declarations (<!DOCTYPE, <!ENTITY, …) are not allowed: no DTD', this.tokAbs);
              } else throw this.invalid(`malformed markup after '<!' (${hexByte(c)})`, this.base + i);
            }
            const want = this.bangCdata ? '[CDATA['.charCodeAt(this.bangLen) : 0x2d;
            if (c !== want) throw this.invalid(this.bangCdata ? "malformed '<![CDATA['" : "malformed comment start '<!--'", this.base + i);
            i++;
            this.bangLen++;
            if (!this.bangCdata && this.bangLen === 2) {
              this.state = ST_COMMENT;
              this.dashes = 0;
              break;
            }
            if (this.bangCdata && this.bangLen === 7) {
              if (this.top === undefined) throw this.invalid('CDATA section outside the root element', this.tokAbs);
              this.state = ST_CDATA;
              this.pendLen = 0;
              this.rb = 0;
              break;
            }
          }
          break;
        }
        case ST_TAG: {
          let q = this.quote;
          while (i < n) {
            const c = b[i]!;
            if (q !== 0) {
              if (c === q) q = 0;
            } else if (c === 0x3e) break;
            else if (c === 0x22 || c === 0x27) q = c;
            i++;
          }
          this.quote = q;
          if (i < n) {
            i++;
            this.token(b, tokStart, i);
          }
          break;
        }
        case ST_PI: {
          let prevQ = this.prevQ;
          while (i < n) {
            const c = b[i]!;
            if (c === 0x3e && prevQ) break;
            prevQ = c === 0x3f;
            if (c < 0x20) {
              if (!isWs(c)) throw this.invalid(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, this.base + i);
            } else if (c >= 0x80) this.tokWide = true;
            i++;
          }
          this.prevQ = prevQ;
          if (i < n) {
            i++;
            this.token(b, tokStart, i);
          }
          break;
        }
        case ST_COMMENT: {
          let d = this.dashes;
          while (i < n) {
            const c = b[i]!;
            if (c === 0x2d) {
              if (d === 2) throw this.invalid("'--' is not allowed inside a comment", this.base + i - 2);
              d++;
            } else {
              if (d === 2) {
                if (c === 0x3e) break;
                throw this.invalid("'--' is not allowed inside a comment", this.base + i - 2);
              }
              d = 0;
              if (c < 0x20) {
                if (!isWs(c)) throw this.invalid(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, this.base + i);
              } else if (c >= 0x80) this.tokWide = true;
            }
            i++;
          }
          this.dashes = d;
          if (i < n) {
            i++;
            this.token(b, tokStart, i);
          }
          break;
        }
        case ST_CDATA: {
          const from = i;
          let rb = this.rb;
          let wide = skip !== 0;
          i += skip;
          skip = 0;
          let cr = false;
          const twoByte = this.twoByte;
          while (i < n) {
            const c = b[i]!;
            if (c > 0x3e) {
              if (c === 0x5d) {
                rb++;
                i++;
                continue;
              }
              rb = 0;
              if (c >= 0x80) {
                wide = true;
                if (twoByte && c !== 0x80) i++;
              }
              i++;
              continue;
            }
            if (c === 0x3e && rb >= 2) break;
            if (c < 0x20) {
              if (c === 0x0d) cr = true;
              else if (c !== 0x0a && c !== 0x09) throw this.invalid(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, this.base + i);
            }
            rb = 0;
            i++;
          }
          this.rb = rb;
          if (i > n) {
            this.skip = i - n;
            i = n;
          }
          if (i >= n) {
            if (i > from || this.decPending) this.emit(b, from, i, wide, cr, true);
            break;
          }
          // ']]>' ends at i; its brackets may have been emitted with the previous chunk's piece
          const inChunk = i - from;
          if (inChunk >= 2) this.emit(b, from, i - 2, wide, cr, false);
          else {
            this.emit(b, from, from, false, false, false);
            const top = this.top!;
            top.text = top.text.slice(0, top.text.length - (2 - inChunk));
          }
          this.rb = 0;
          this.state = ST_TEXT;
          i++;
          break;
        }
        case ST_REF: {
          while (i < n) {
            const c = b[i]!;
            if (c === 0x3b) break;
            if (this.refLen >= 10 || !(c === 0x23 || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) {
              throw this.invalid("malformed reference ('&' must start &lt; &gt; &amp; &apos; &quot; or a character reference)", this.tokAbs);
            }
            this.ref[this.refLen++] = c;
            i++;
          }
          if (i < n) {
            const str = this.resolveRef(this.ref, 0, this.refLen, this.tokAbs);
            this.crPending = false;
            this.appendText(str, this.tokAbs);
            this.state = ST_TEXT;
            i++;
          }
          break;
        }
        default:
          throw new Error('unreachable');
      }
    }
    this.base += n;
    // carry an unfinished token
    if (this.state >= ST_LT && this.state <= ST_COMMENT) {
      this.append(b, tokStart, n);
      if (this.pendLen > this.lim.maxTextLength) {
        throw this.limit('maxTextLength', `markup longer than maxTextLength (${this.lim.maxTextLength} bytes)`, this.tokAbs);
      }
    }
  }

  /** Appends a text or CDATA piece b[from, to) to the current element. */
  private emit(b: Uint8Array, from: number, to: number, wide: boolean, cr: boolean, more: boolean): void {
    let str: string;
    if (!wide && !this.decPending) {
      if (to <= from) {
        if (!more) this.crPending = false;
        return;
      }
      str = intern(b, from, to);
    } else str = this.decodePiece(b, from, to, more);
    if (str.length === 0) {
      if (!more) this.crPending = false;
      return;
    }
    if (this.crPending && str.charCodeAt(0) === 0x0a) str = str.slice(1);
    if (cr) {
      this.crPending = more && str.charCodeAt(str.length - 1) === 0x0d;
      str = str.replace(CRLF, '\n');
    } else this.crPending = false;
    this.appendText(str, this.base + from);
  }

  private appendText(str: string, at: number): void {
    const top = this.top!;
    // Whitespace between records is not kept, so that a parent of millions of records stays small.
    const f = this.splitOff[this.stack.length - 1]!;
    if (f & 1 && WS_ONLY.test(str)) return;
    let t = str;
    const prev = top.text;
    if (prev.length !== 0) {
      // Indentation between children: every record of a document repeats the same pieces (interned)
      // in the same order, so the concatenations come from a small cache keyed by the identity of
      // both parts, and the element's text is the shared string from the start (nothing is pieced
      // together, flattened or compared again at its end tag).
      const h = (prev.length * 31 + str.length * 7 + str.charCodeAt(str.length - 1)) & (CAT_SLOTS - 1);
      if (catPrev[h] === prev && catPiece[h] === str) t = catResult[h]!;
      else {
        t = prev + str;
        if (t.length <= 256) {
          catPrev[h] = prev;
          catPiece[h] = str;
          catResult[h] = t;
        }
        if (!(f & 2)) this.splitOff[this.stack.length - 1] = f | 2;
      }
    }
    if (t.length > this.lim.maxTextLength) throw this.limit('maxTextLength', `text of <${top.name}> longer than maxTextLength (${this.lim.maxTextLength})`, at);
    top.text = t;
  }

  /** Resolves the reference whose name (without '&' and ';') is b[from, to). */
  private resolveRef(b: Uint8Array, from: number, to: number, at: number): string {
    const len = to - from;
    const c0 = b[from];
    if (c0 === 0x23) {
      let cp = 0;
      let k = from + 1;
      let digits = 0;
      if (b[k] === 0x78) {
        k++;
        for (; k < to; k++, digits++) {
          const c = b[k]!;
          const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
          if (v < 0) throw this.invalid('malformed hexadecimal character reference', at);
          cp = cp * 16 + v;
        }
      } else {
        for (; k < to; k++, digits++) {
          const c = b[k]!;
          if (c < 0x30 || c > 0x39) throw this.invalid('malformed decimal character reference', at);
          cp = cp * 10 + (c - 0x30);
        }
      }
      if (digits === 0) throw this.invalid('empty character reference', at);
      if (!isChar(cp)) throw this.invalid(`character reference to U+${cp.toString(16).toUpperCase()} which is not an XML character`, at);
      return String.fromCodePoint(cp);
    }
    if (len === 2 && b[from + 1] === 0x74) {
      if (c0 === 0x6c) return '<';
      if (c0 === 0x67) return '>';
    } else if (len === 3 && c0 === 0x61 && b[from + 1] === 0x6d && b[from + 2] === 0x70) return '&';
    else if (len === 4) {
      if (c0 === 0x61 && b[from + 1] === 0x70 && b[from + 2] === 0x6f && b[from + 3] === 0x73) return "'";
      if (c0 === 0x71 && b[from + 1] === 0x75 && b[from + 2] === 0x6f && b[from + 3] === 0x74) return '"';
    }
    let name = '';
    for (let k = from; k < to; k++) name += b[k]! < 0x80 ? String.fromCharCode(b[k]!) : '?';
    throw this.invalid(len === 0 ? "empty reference '&;'" : `reference to undeclared entity '&${name};' (only lt, gt, amp, apos, quot are predefined; there is no DTD)`, at);
  }

  /** A complete token b[from, to) (from '<' to '>') in the current chunk or carried in pend. */
  private token(b: Uint8Array, from: number, to: number): void {
    const kind = this.state;
    this.state = ST_TEXT;
    // base: the absolute offset of b[0], so that b[k] is at base + k
    let base = this.base;
    if (this.pendLen > 0) {
      this.append(b, from, to);
      b = this.pend.subarray(0, this.pendLen);
      from = 0;
      to = this.pendLen;
      this.pendLen = 0;
      base = this.tokAbs;
    }
    if (to - from > this.lim.maxTextLength) throw this.limit('maxTextLength', `markup longer than maxTextLength (${this.lim.maxTextLength} bytes)`, this.tokAbs);
    if (kind === ST_TAG) this.tag(b, from, to, base);
    else if (kind === ST_PI) this.pi(b, from, to, base);
    else if (this.tokWide) this.decodeOnce(b, from + 4, to - 3, base + from + 4); // comment: check its characters
  }

  private scanName(b: Uint8Array, p: number, end: number, base: number): number {
    const c = b[p]!;
    if (p >= end || !(NAME[c]! & 1)) throw this.invalid(p >= end ? 'missing name' : `a name cannot start with ${hexByte(c)}`, base + p);
    const two = this.twoByte;
    while (p < end) {
      const d = b[p]!;
      if (!(NAME[d]! & 2)) break;
      if (d >= 0x80) {
        this.nameWide = true;
        if (two && d !== 0x80) p++;
      }
      p++;
    }
    return p > end ? end : p;
  }


  private nameString(b: Uint8Array, from: number, to: number, base: number): string {
    let name: string;
    if (!this.nameWide) {
      if (to - from > this.lim.maxNameLength) throw this.limit('maxNameLength', `name longer than maxNameLength (${this.lim.maxNameLength})`, base + from);
      return intern(b, from, to);
    }
    this.nameWide = false;
    name = this.decodeOnce(b, from, to, base + from);
    if (!NAME_RE.test(name)) throw this.invalid(`'${name}' is not a valid XML name`, base + from);
    if (name.length > this.lim.maxNameLength) throw this.limit('maxNameLength', `name longer than maxNameLength (${this.lim.maxNameLength})`, base + from);
    return name;
  }

  private tag(b: Uint8Array, from: number, to: number, base: number): void {
    const end = to - 1; // the '>'
    let p = from + 1;
    if (b[p] === 0x2f) {
      p++;
      const ns = p;
      const top = this.top;
      if (top !== undefined) {
        // The usual case: the bytes spell the open element's (ASCII) name, then '>' or whitespace.
        // No string is made and the name is not scanned again (it was checked at the start tag).
        const tn = top.name;
        const len = tn.length;
        if (ns + len <= end) {
          let k = 0;
          while (k < len) {
            const c = tn.charCodeAt(k);
            if (c >= 0x80 || c !== b[ns + k]) break; // ASCII only: bytes ≥ 0x80 are not characters
            k++;
          }
          if (k === len) {
            let q = ns + len;
            while (q < end && isWs(b[q]!)) q++;
            if (q === end && (ns + len === end || isWs(b[ns + len]!))) {
              this.close();
              return;
            }
          }
        }
      }
      this.nameWide = false;
      p = this.scanName(b, p, end, base);
      let q = p;
      while (q < end && isWs(b[q]!)) q++;
      const name = this.nameString(b, ns, p, base);
      p = q;
      if (p !== end) throw this.invalid(`malformed end tag </${name}>`, base + p);
      if (top === undefined) throw this.invalid(`end tag </${name}> without a start tag`, base + from);
      if (top.name !== name) throw this.invalid(`mismatched end tag </${name}>: expected </${top.name}>`, base + from);
      this.close();
      return;
    }
    if (this.top === undefined && this.rootDone) throw this.invalid('a second root element', base + from);
    const ns = p;
    this.nameWide = false;
    p = this.scanName(b, p, end, base);
    const name = this.nameString(b, ns, p, base);
    let attrs = EMPTY_ATTRS;
    let count = 0;
    let selfClose = false;
    for (;;) {
      const ws = p;
      while (p < end && isWs(b[p]!)) p++;
      if (p === end) break;
      const c = b[p]!;
      if (c === 0x2f) {
        if (p + 1 !== end) throw this.invalid(`malformed start tag <${name}>: '/' must be followed by '>'`, base + p);
        selfClose = true;
        break;
      }
      if (p === ws) throw this.invalid(`malformed start tag <${name}>: whitespace required before an attribute (${hexByte(c)})`, base + p);
      const as = p;
      this.nameWide = false;
      p = this.scanName(b, p, end, base);
      const an = this.nameString(b, as, p, base);
      while (p < end && isWs(b[p]!)) p++;
      if (b[p] !== 0x3d || p >= end) throw this.invalid(`attribute ${an} of <${name}> has no '=' and value`, base + p);
      p++;
      while (p < end && isWs(b[p]!)) p++;
      const q = b[p];
      if (p >= end || (q !== 0x22 && q !== 0x27)) throw this.invalid(`value of attribute ${an} of <${name}> must be quoted`, base + p);
      const vs = ++p;
      let flags = 0;
      for (;;) {
        if (p >= end) throw this.invalid(`unterminated value of attribute ${an}`, base + vs);
        const d = b[p]!;
        if (d === q) break;
        if (d < 0x40) {
          if (d === 0x3c) throw this.invalid(`'<' in the value of attribute ${an}`, base + p);
          if (d === 0x26) flags |= 1;
          else if (d < 0x20) {
            if (d === 0x09 || d === 0x0a || d === 0x0d) flags |= 2;
            else throw this.invalid(`character U+${d.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, base + p);
          }
        } else if (d >= 0x80) flags |= 4;
        p++;
      }
      const value = flags === 0 ? intern(b, vs, p) : this.attrValue(b, vs, p, flags, base);
      p++;
      if (value.length > this.lim.maxTextLength) throw this.limit('maxTextLength', `value of attribute ${an} longer than maxTextLength (${this.lim.maxTextLength})`, base + vs);
      if (attrs === EMPTY_ATTRS) attrs = Object.create(null) as Record<string, string>;
      else if (an in attrs) throw this.invalid(`duplicate attribute ${an} in <${name}>`, base + as);
      if (++count > this.lim.maxAttributes) throw this.limit('maxAttributes', `<${name}> has more than maxAttributes (${this.lim.maxAttributes}) attributes`, base + as);
      attrs[an] = value;
    }
    if (++this.elements > this.lim.maxElements) throw this.limit('maxElements', `more than maxElements (${this.lim.maxElements}) elements`, base + from);
    if (this.stack.length >= this.lim.maxDepth) throw this.limit('maxDepth', `elements nested deeper than maxDepth (${this.lim.maxDepth})`, base + from);
    const el: XmlElement = { name, attributes: attrs, children: NO_CHILDREN, text: '' };
    if (this.top === undefined) this.root = el;
    this.stack.push(el);
    this.kidBase.push(this.kids.length);
    if (this.split !== undefined) this.path.push(name); // only split needs the path
    this.splitOff.push(0);
    this.top = el;
    if (selfClose) this.close();
  }

  private attrValue(b: Uint8Array, from: number, to: number, flags: number, base: number): string {
    const literal = (x: number, y: number): string => {
      if (y <= x) return '';
      const str = flags & 4 ? this.decodeOnce(b, x, y, base + x) : ascii(b, x, y);
      return flags & 2 ? str.replace(ATTR_WS, ' ') : str;
    };
    if (!(flags & 1)) return literal(from, to);
    let out = '';
    let seg = from;
    for (let k = from; k < to; ) {
      if (b[k] !== 0x26) {
        k++;
        continue;
      }
      out += literal(seg, k);
      let semi = k + 1;
      while (semi < to && b[semi] !== 0x3b && semi - k <= 11) semi++;
      if (semi >= to || b[semi] !== 0x3b) throw this.invalid("malformed reference in an attribute value ('&' without ';')", base + k);
      for (let r = k + 1; r < semi; r++) {
        const c = b[r]!;
        if (!(c === 0x23 || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) throw this.invalid('malformed reference in an attribute value', base + k);
      }
      out += this.resolveRef(b, k + 1, semi, base + k);
      k = seg = semi + 1;
    }
    return out + literal(seg, to);
  }

  private close(): void {
    const el = this.stack.pop()!;
    const kids = this.kids;
    const start = this.kidBase.pop()!;
    if (kids.length > start) {
      el.children = kids.slice(start);
      kids.length = start;
    }
    // Indentation around children, pieced together: replaced by one shared string, so that the
    // pieces die young (cheap) and only one copy of each indentation pattern survives.
    if (this.splitOff.pop()! & 2 && el.text.length <= 256 && WS_ONLY.test(el.text)) el.text = canonicalWs(el.text);
    const depth = this.stack.length;
    if (depth === 0) {
      this.top = undefined;
      this.rootDone = true;
      if (this.split !== undefined) this.path.pop();
      return;
    }
    const parent = this.stack[depth - 1]!;
    this.top = parent;
    if (this.split !== undefined) {
      if (this.split(this.path)) {
        this.records.push({ path: this.path.slice(), element: el });
        this.splitOff[depth - 1] = 1;
      } else kids.push(el);
      this.path.pop();
    } else kids.push(el);
  }

  private pi(b: Uint8Array, from: number, to: number, base: number): void {
    if (this.isDecl) {
      this.isDecl = false;
      const m = this.tokWide ? null : XML_DECL.exec(ascii(b, from, to));
      if (m === null) throw this.invalid('malformed XML declaration', base + from);
      const enc = m[1] ?? m[2];
      let cs: Charset = this.bom ? 'utf-8' : this.optCharset;
      if (enc !== undefined) {
        this.declared = enc;
        cs = normalizeCharset(enc, { field: 'encoding' });
        if (this.bom && cs !== 'utf-8') throw this.invalid(`a UTF-8 byte order mark but encoding="${enc}"`, base + from);
      }
      this.setCharset(cs);
      return;
    }
    const end = to - 2; // the '?>'
    let p = from + 2;
    const ts = p;
    this.nameWide = false;
    p = this.scanName(b, p, end, base);
    const target = this.nameString(b, ts, p, base);
    if (target.length === 3 && target.toLowerCase() === 'xml') throw this.invalid('the XML declaration is only allowed at the very start of the document', base + from);
    if (p < end && !isWs(b[p]!)) throw this.invalid(`malformed processing instruction <?${target}`, base + p);
    if (this.tokWide) this.decodeOnce(b, p, end, base + p);
  }
}

/**
 * Decodes a whole document. Bytes are decoded per the XML declaration's `encoding`, else
 * `options.charset` (default UTF-8); a string is taken as already-decoded text (its declared
 * `encoding` is checked but not applied; offsets in errors are then UTF-8 byte offsets).
 * @throws WitkeyError `INVALID_XML`, `XML_LIMIT_EXCEEDED`, `ILLEGAL_CHARSET`, `CHARSET_NOT_LOADED`.
 * @example
 * const { root } = parseXml('<alipay><is_success>T</is_success></alipay>');
 * root.children[0].text; // 'T'
 */
export function parseXml(input: Uint8Array | string, options: XmlDecoderOptions = {}): XmlDocument {
  let bytes: Uint8Array;
  let fromString = false;
  if (typeof input === 'string') {
    const wf = (input as { isWellFormed?: () => boolean }).isWellFormed;
    if (wf ? !wf.call(input) : /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(input)) {
      throw new WitkeyError('INVALID_XML', 'invalid XML: the string holds a lone surrogate', { field: 'input' });
    }
    bytes = new TextEncoder().encode(input);
    fromString = true;
  } else if (input instanceof Uint8Array) bytes = input;
  else throw new WitkeyError('INVALID_OPTION', 'parseXml: input must be a Uint8Array or a string', { field: 'input' });
  // A whole tree: `split` does not apply here (records are what XmlDecoder is for).
  const { split: _ignored, ...rest } = options ?? {};
  const d = new XmlDecoder(rest, fromString);
  d.write(bytes);
  return d.end().document;
}
