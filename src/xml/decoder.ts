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
 * repeated ones, such as names and indentation, from the intern table of string-cache.ts); spans with
 * bytes ≥ 0x80 go through the strict short-span decoders (charset/short-span.ts) when short, else
 * through the strict charset decoder. Partial tokens are carried between chunks in one growable
 * buffer; text is decoded and appended chunk by chunk, so no text node is ever buffered whole.
 *
 * This file is the tokenizer and the tree it builds, in one class: the scanner reads and writes the
 * tree's state (the open element, its text) on its hot path, where a separate tree object costs
 * measurable speed on small documents. Beside it: syntax.ts (character classes, the Name and
 * declaration productions), references.ts (entity and character references), errors.ts
 * (`INVALID_XML` construction), limits.ts (the limits and `XML_LIMIT_EXCEEDED`), string-cache.ts
 * (the realm-wide string caches), element.ts (the tree's types).
 * @module
 */

import { type CharsetDecoder, createDecoder, decode as decodeCharset, gbkPairs, isCharsetLoaded } from '../charset/codec.js';
import { type Charset, normalizeCharset } from '../charset/names.js';
import { asciiSpan, gbkShort, utf8Short } from '../charset/short-span.js';
import { utf8ErrorOffset } from '../charset/utf8.js';
import { WitkeyError } from '../errors.js';
import type { XmlDocument, XmlElement } from './element.js';
import { controlNotAllowed, describeByte, invalidXml, nonCharacter } from './errors.js';
import { limitExceeded, resolveLimits, type XmlLimits } from './limits.js';
import { isRefByte, resolveRef } from './references.js';
import { cachedJoin, canonicalWs, intern, join } from './string-cache.js';
import { ATTR_WS, CRLF, isWs, NAME, NAME_RE, NON_CHAR, WS_ONLY, XML_DECL } from './syntax.js';

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
/** `failed` once end() has returned; the error itself is made on the next call, if any. */
const ENDED: unique symbol = Symbol('ended');
const NO_CHILDREN: XmlElement[] = /* @__PURE__ */ Object.freeze([]) as unknown as XmlElement[];

// Pretty-printed indentation, '\n' and 0–63 spaces, made once: the text between the children of an
// indented document is mostly that.
const INDENTS: string[] = /* @__PURE__ */ Array.from({ length: 64 }, (_, k) => `\n${' '.repeat(k)}`);

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
    if (typeof options !== 'object' || options === null)
      throw new WitkeyError('INVALID_OPTION', 'XmlDecoder options must be an object', { field: 'options' });
    this.lim = resolveLimits(options.limits);
    if (options.split !== undefined && typeof options.split !== 'function')
      throw new WitkeyError('INVALID_OPTION', 'split must be a function', { field: 'split' });
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
    if (this.failed !== undefined) throw this.failure();
    if (!(chunk instanceof Uint8Array))
      throw new WitkeyError('INVALID_OPTION', 'XmlDecoder.write: chunk must be a Uint8Array', { field: 'chunk' });
    try {
      this.total += chunk.length;
      if (this.total > this.lim.maxBytes)
        throw limitExceeded('maxBytes', `document larger than maxBytes (${this.lim.maxBytes} bytes)`, this.lim.maxBytes);
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
    if (this.failed !== undefined) throw this.failure();
    try {
      if (this.state === ST_HEAD) this.feed(EMPTY_BYTES, true);
      const at = this.total;
      if (this.state !== ST_TEXT) {
        const what = ['', '', 'markup', 'markup', 'tag', 'processing instruction', 'comment', 'CDATA section', 'reference'][
          this.state
        ];
        throw invalidXml(`unexpected end of document inside a ${what}`, at);
      }
      if (this.skip !== 0) throw invalidXml('unexpected end of document inside a character', at);
      if (this.top !== undefined) throw invalidXml(`unexpected end of document: element <${this.top.name}> is not closed`, at);
      if (this.root === undefined) throw invalidXml('no root element', at);
      const document: XmlDocument = { root: this.root, charset: this.charset! };
      if (this.declared !== undefined) document.declaredEncoding = this.declared;
      const records = this.records;
      this.records = [];
      // The error for a later call is made only if there is one: an Error captures a stack trace,
      // which cost several µs on every parseXml when it was made here.
      this.failed = ENDED;
      return { document, records };
    } catch (e) {
      this.failed = e;
      throw e;
    }
  }

  /** The error every call after a failure or after end() throws (the same object each time). */
  private failure(): unknown {
    if (this.failed === ENDED) this.failed = new WitkeyError('INVALID_OPTION', 'XmlDecoder: end() was already called');
    return this.failed;
  }

  // ---- charset ----

  private setCharset(cs: Charset): void {
    this.charset = cs;
    if (this.forceUtf8) cs = 'utf-8';
    if (cs === 'utf-8') {
      this.sd = createDecoder('utf-8');
      this.td1 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    } else {
      if (!isCharsetLoaded(cs))
        throw new WitkeyError('CHARSET_NOT_LOADED', `charset ${cs} is not loaded: await loadCharset('${cs}') first`, {
          field: 'charset',
        });
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
        throw invalidXml(`malformed utf-8 byte sequence`, abs + at, e);
      }
    } else {
      const bytes = b.subarray(from, to);
      try {
        s = decodeCharset(bytes, this.charset!);
      } catch (e) {
        const rel = e instanceof WitkeyError && e.offset !== undefined ? e.offset : 0;
        throw invalidXml(`malformed ${this.charset} byte sequence`, abs + rel, e);
      }
    }
    if (NON_CHAR.test(s)) throw nonCharacter(abs);
    return s;
  }

  /** Decodes a piece of text; `more` when the text continues in the next chunk. */
  private decodePiece(b: Uint8Array, from: number, to: number, more: boolean): string {
    if (!this.decPending) {
      this.decAbs = this.base + from;
      if (!more) {
        const short = this.pairs === undefined ? utf8Short(b, from, to) : gbkShort(b, from, to, this.pairs, this.gbk);
        if (short !== undefined) {
          if (NON_CHAR.test(short)) throw nonCharacter(this.base + from);
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
      throw invalidXml(`malformed ${this.charset} byte sequence`, (this.decPending ? this.decAbs : this.base + from) + rel, e);
    }
    this.decPending = more;
    if (NON_CHAR.test(s)) throw nonCharacter(this.base + from);
    return s;
  }

  // ---- the scanner ----

  private feed(chunk: Uint8Array, final: boolean): void {
    let b = chunk;
    let i = 0;
    if (this.state === ST_HEAD) {
      // Collect the first 9 bytes (BOM + "<?xml" + whitespace) to decide about the declaration. A
      // first chunk that holds them is read in place (copying a whole document measured ~2 µs per
      // 5 KB); shorter ones are gathered in pend, and the gathered bytes are read from a copy.
      if (this.pendLen > 0 || (chunk.length < 9 && !final)) {
        this.append(chunk, 0, chunk.length);
        if (this.pendLen < 9 && !final) return;
        b = this.pend.slice(0, this.pendLen);
        this.pendLen = 0;
      }
      this.base = 0;
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
        this.bom = true;
        i = 3;
      }
      if (
        b.length >= i + 6 &&
        b[i] === 0x3c &&
        b[i + 1] === 0x3f &&
        b[i + 2] === 0x78 &&
        b[i + 3] === 0x6d &&
        b[i + 4] === 0x6c &&
        isWs(b[i + 5]!)
      ) {
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
              if (!isWs(c))
                throw invalidXml(
                  c === 0x26 ? 'reference outside the root element' : `text outside the root element (${describeByte(c)})`,
                  this.base + i,
                );
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
          // Pretty-printing between tags ('\n', up to 63 spaces, then '<' in this chunk): the text
          // is a ready-made string, with none of the general path's scanning, interning or checks
          // (nothing carried from the previous chunk: no pending character, CR or trail byte).
          if (b[i] === 0x0a && skip === 0 && !this.decPending && !this.crPending) {
            let k = i + 1;
            while (k < n && b[k] === 0x20) k++;
            if (k < n && b[k] === 0x3c && k - i <= 64) {
              this.appendText(INDENTS[k - i - 1]!, this.base + i);
              this.rb = 0;
              tokStart = k;
              this.tokAbs = this.base + k;
              this.state = ST_LT;
              i = k + 1;
              break;
            }
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
              if (rb >= 2) throw invalidXml("']]>' is not allowed in text", this.base + i - 2);
            } else if (c < 0x20) {
              if (c === 0x0d) cr = true;
              else if (c !== 0x0a && c !== 0x09) throw controlNotAllowed(c, this.base + i);
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
          // The usual tags, whole in this chunk and within the limits, straight from here: `</name>`
          // of the open element, and `<name>` with an ASCII name (no attributes, no space). They
          // would take the same steps below, after one more pass over their bytes to find the '>'.
          if (this.pendLen === 0) {
            if (c === 0x2f) {
              const top = this.top;
              if (top !== undefined) {
                const tn = top.name;
                const len = tn.length;
                const gt = i + 1 + len;
                if (gt < n && b[gt] === 0x3e && gt + 1 - tokStart <= this.lim.maxTextLength) {
                  let k = 0;
                  while (k < len) {
                    const d = tn.charCodeAt(k);
                    if (d >= 0x80 || d !== b[i + 1 + k]) break;
                    k++;
                  }
                  if (k === len) {
                    this.state = ST_TEXT;
                    this.close();
                    i = gt + 1;
                    break;
                  }
                }
              }
            } else if (c < 0x80 && NAME[c]! & 1 && (this.top !== undefined || !this.rootDone)) {
              let p = i + 1;
              while (p < n) {
                const d = b[p]!;
                if (d >= 0x80 || !(NAME[d]! & 2)) break;
                p++;
              }
              if (p < n && b[p] === 0x3e && p + 1 - tokStart <= this.lim.maxTextLength) {
                this.state = ST_TEXT;
                this.nameWide = false;
                this.open(this.nameString(b, i, p, this.base), EMPTY_ATTRS, false, this.tokAbs);
                i = p + 1;
                break;
              }
            }
          }
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
          } else throw invalidXml(`'<' not followed by a name (${describeByte(c)})`, this.base + i);
          break;
        }
        case ST_BANG: {
          while (i < n) {
            const c = b[i]!;
            if (this.bangLen === 0) {
              if (c === 0x2d) this.bangCdata = false;
              else if (c === 0x5b) this.bangCdata = true;
              else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
                throw invalidXml('markup declarations (<!DOCTYPE, <!ENTITY, …) are not allowed: no DTD', this.tokAbs);
              } else throw invalidXml(`malformed markup after '<!' (${describeByte(c)})`, this.base + i);
            }
            const want = this.bangCdata ? '[CDATA['.charCodeAt(this.bangLen) : 0x2d;
            if (c !== want)
              throw invalidXml(this.bangCdata ? "malformed '<![CDATA['" : "malformed comment start '<!--'", this.base + i);
            i++;
            this.bangLen++;
            if (!this.bangCdata && this.bangLen === 2) {
              this.state = ST_COMMENT;
              this.dashes = 0;
              break;
            }
            if (this.bangCdata && this.bangLen === 7) {
              if (this.top === undefined) throw invalidXml('CDATA section outside the root element', this.tokAbs);
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
              if (!isWs(c)) throw controlNotAllowed(c, this.base + i);
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
              if (d === 2) throw invalidXml("'--' is not allowed inside a comment", this.base + i - 2);
              d++;
            } else {
              if (d === 2) {
                if (c === 0x3e) break;
                throw invalidXml("'--' is not allowed inside a comment", this.base + i - 2);
              }
              d = 0;
              if (c < 0x20) {
                if (!isWs(c)) throw controlNotAllowed(c, this.base + i);
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
              else if (c !== 0x0a && c !== 0x09) throw controlNotAllowed(c, this.base + i);
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
            if (this.refLen >= 10 || !isRefByte(c)) {
              throw invalidXml(
                "malformed reference ('&' must start &lt; &gt; &amp; &apos; &quot; or a character reference)",
                this.tokAbs,
              );
            }
            this.ref[this.refLen++] = c;
            i++;
          }
          if (i < n) {
            const str = resolveRef(this.ref, 0, this.refLen, this.tokAbs);
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
        throw limitExceeded('maxTextLength', `markup longer than maxTextLength (${this.lim.maxTextLength} bytes)`, this.tokAbs);
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
      // in the same order, so the concatenations come from the shared cache in string-cache.ts, and
      // the element's text is the shared string from the start (nothing is pieced together,
      // flattened or compared again at its end tag). Bit 2 marks text that was pieced together.
      const hit = cachedJoin(prev, str);
      if (hit !== undefined) t = hit;
      else {
        t = join(prev, str);
        if (!(f & 2)) this.splitOff[this.stack.length - 1] = f | 2;
      }
    }
    if (t.length > this.lim.maxTextLength)
      throw limitExceeded('maxTextLength', `text of <${top.name}> longer than maxTextLength (${this.lim.maxTextLength})`, at);
    top.text = t;
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
    if (to - from > this.lim.maxTextLength)
      throw limitExceeded('maxTextLength', `markup longer than maxTextLength (${this.lim.maxTextLength} bytes)`, this.tokAbs);
    if (kind === ST_TAG) this.tag(b, from, to, base);
    else if (kind === ST_PI) this.pi(b, from, to, base);
    else if (this.tokWide) this.decodeOnce(b, from + 4, to - 3, base + from + 4); // comment: check its characters
  }

  private scanName(b: Uint8Array, p: number, end: number, base: number): number {
    const c = b[p]!;
    if (p >= end || !(NAME[c]! & 1))
      throw invalidXml(p >= end ? 'missing name' : `a name cannot start with ${describeByte(c)}`, base + p);
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
    if (!this.nameWide) {
      if (to - from > this.lim.maxNameLength)
        throw limitExceeded('maxNameLength', `name longer than maxNameLength (${this.lim.maxNameLength})`, base + from);
      return intern(b, from, to);
    }
    this.nameWide = false;
    const name = this.decodeOnce(b, from, to, base + from);
    if (!NAME_RE.test(name)) throw invalidXml(`'${name}' is not a valid XML name`, base + from);
    if (name.length > this.lim.maxNameLength)
      throw limitExceeded('maxNameLength', `name longer than maxNameLength (${this.lim.maxNameLength})`, base + from);
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
      if (p !== end) throw invalidXml(`malformed end tag </${name}>`, base + p);
      if (top === undefined) throw invalidXml(`end tag </${name}> without a start tag`, base + from);
      if (top.name !== name) throw invalidXml(`mismatched end tag </${name}>: expected </${top.name}>`, base + from);
      this.close();
      return;
    }
    if (this.top === undefined && this.rootDone) throw invalidXml('a second root element', base + from);
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
        if (p + 1 !== end) throw invalidXml(`malformed start tag <${name}>: '/' must be followed by '>'`, base + p);
        selfClose = true;
        break;
      }
      if (p === ws)
        throw invalidXml(`malformed start tag <${name}>: whitespace required before an attribute (${describeByte(c)})`, base + p);
      const as = p;
      this.nameWide = false;
      p = this.scanName(b, p, end, base);
      const an = this.nameString(b, as, p, base);
      while (p < end && isWs(b[p]!)) p++;
      if (b[p] !== 0x3d || p >= end) throw invalidXml(`attribute ${an} of <${name}> has no '=' and value`, base + p);
      p++;
      while (p < end && isWs(b[p]!)) p++;
      const q = b[p];
      if (p >= end || (q !== 0x22 && q !== 0x27))
        throw invalidXml(`value of attribute ${an} of <${name}> must be quoted`, base + p);
      const vs = ++p;
      let flags = 0;
      for (;;) {
        if (p >= end) throw invalidXml(`unterminated value of attribute ${an}`, base + vs);
        const d = b[p]!;
        if (d === q) break;
        if (d < 0x40) {
          if (d === 0x3c) throw invalidXml(`'<' in the value of attribute ${an}`, base + p);
          if (d === 0x26) flags |= 1;
          else if (d < 0x20) {
            if (d === 0x09 || d === 0x0a || d === 0x0d) flags |= 2;
            else throw controlNotAllowed(d, base + p);
          }
        } else if (d >= 0x80) flags |= 4;
        p++;
      }
      const value = flags === 0 ? intern(b, vs, p) : this.attrValue(b, vs, p, flags, base);
      p++;
      if (value.length > this.lim.maxTextLength)
        throw limitExceeded(
          'maxTextLength',
          `value of attribute ${an} longer than maxTextLength (${this.lim.maxTextLength})`,
          base + vs,
        );
      if (attrs === EMPTY_ATTRS) attrs = Object.create(null) as Record<string, string>;
      else if (an in attrs) throw invalidXml(`duplicate attribute ${an} in <${name}>`, base + as);
      if (++count > this.lim.maxAttributes)
        throw limitExceeded(
          'maxAttributes',
          `<${name}> has more than maxAttributes (${this.lim.maxAttributes}) attributes`,
          base + as,
        );
      attrs[an] = value;
    }
    this.open(name, attrs, selfClose, base + from);
  }

  /** Opens the element of a complete start tag at offset `at` (its '<'). */
  private open(name: string, attrs: Record<string, string>, selfClose: boolean, at: number): void {
    if (++this.elements > this.lim.maxElements)
      throw limitExceeded('maxElements', `more than maxElements (${this.lim.maxElements}) elements`, at);
    if (this.stack.length >= this.lim.maxDepth)
      throw limitExceeded('maxDepth', `elements nested deeper than maxDepth (${this.lim.maxDepth})`, at);
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
      const str = flags & 4 ? this.decodeOnce(b, x, y, base + x) : asciiSpan(b, x, y);
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
      if (semi >= to || b[semi] !== 0x3b)
        throw invalidXml("malformed reference in an attribute value ('&' without ';')", base + k);
      for (let r = k + 1; r < semi; r++) {
        if (!isRefByte(b[r]!)) throw invalidXml('malformed reference in an attribute value', base + k);
      }
      out += resolveRef(b, k + 1, semi, base + k);
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
      const m = this.tokWide ? null : XML_DECL.exec(asciiSpan(b, from, to));
      if (m === null) throw invalidXml('malformed XML declaration', base + from);
      const enc = m[1] ?? m[2];
      let cs: Charset = this.bom ? 'utf-8' : this.optCharset;
      if (enc !== undefined) {
        this.declared = enc;
        cs = normalizeCharset(enc, { field: 'encoding' });
        if (this.bom && cs !== 'utf-8') throw invalidXml(`a UTF-8 byte order mark but encoding="${enc}"`, base + from);
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
    if (target.length === 3 && target.toLowerCase() === 'xml')
      throw invalidXml('the XML declaration is only allowed at the very start of the document', base + from);
    if (p < end && !isWs(b[p]!)) throw invalidXml(`malformed processing instruction <?${target}`, base + p);
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
