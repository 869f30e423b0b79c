/**
 * The XML decoder's string caches: interned short ASCII strings, shared concatenations of text
 * pieces, and one canonical copy of each whitespace-only element text. A document repeats its names,
 * indentation and small values thousands of times; a string that is reused is one the garbage
 * collector never has to copy, and an element text that is shared costs no memory per element.
 *
 * Owner and lifetime: this module, for the life of the realm; every XmlDecoder in the realm shares
 * the caches. They live here rather than in each decoder because the documents of one application
 * repeat the same names and indentation from one document to the next (a notification endpoint
 * parses thousands of small documents, each with a fresh decoder through parseXml), and a table per
 * decoder would be allocated and warmed up again for each of them. Sharing is safe: each cache only
 * maps bytes or strings to an equal string, so a hit returns exactly what a miss would have made;
 * and JS runs one decoder call at a time in a realm.
 *
 * Bounds (fixed, whatever the input): the intern table holds at most 1,024 strings of at most
 * {@link INTERN_MAX} characters; the concatenation cache 256 entries whose results have at most 256
 * characters; the whitespace table at most 256 strings of at most 256 characters (it is cleared when
 * full). What they retain of past documents is therefore a few hundred KB at most, and only short
 * strings: names and values of at most {@link INTERN_MAX} ASCII characters, and element texts of at
 * most 256 characters that were pieced together (indentation between children, text around a
 * reference).
 * @module
 */
import { asciiSpan } from '../charset/short-span.js';

/** Longest string (characters) the intern table keeps. */
export const INTERN_MAX = 24;
const internTable: string[] = /* @__PURE__ */ new Array<string>(1024).fill('');

/**
 * ASCII bytes b[from, to) → string, from the intern table when it holds the same string (one slot
 * per hash of length and four bytes; a miss replaces the slot). Spans longer than
 * {@link INTERN_MAX} are decoded and not kept. Only for spans known to be ASCII.
 */
export function intern(b: Uint8Array, from: number, to: number): string {
  const len = to - from;
  if (len > INTERN_MAX || len === 0) return asciiSpan(b, from, to);
  const h = (len * 197 + b[from]! * 31 + b[to - 1]! * 7 + b[from + (len >> 1)]! * 131 + b[to - 2 < from ? from : to - 2]!) & 1023;
  const hit = internTable[h]!;
  if (hit.length === len) {
    // Compared from the end: unique values of one kind (serial numbers, user ids) share their
    // beginnings and differ in their last digits, so a miss is usually seen at once.
    let k = len - 1;
    while (k >= 0 && hit.charCodeAt(k) === b[from + k]) k--;
    if (k < 0) return hit;
  }
  const s = asciiSpan(b, from, to);
  internTable[h] = s;
  return s;
}

// The concatenation cache: slot → (prev, piece, prev + piece). Text pieces between child elements are
// interned indentation, repeated by every record in the same order, so the same pairs come back (as
// the same string objects: the comparison is a pointer check) and the element's text is a shared
// string from the start.
const JOIN_SLOTS = 256;
const JOIN_MAX = 256;
const joinPrev: string[] = /* @__PURE__ */ new Array<string>(JOIN_SLOTS).fill('');
const joinPiece: string[] = /* @__PURE__ */ new Array<string>(JOIN_SLOTS).fill('');
const joinResult: string[] = /* @__PURE__ */ new Array<string>(JOIN_SLOTS).fill('');

const joinSlot = (prev: string, piece: string): number =>
  (prev.length * 31 + piece.length * 7 + piece.charCodeAt(piece.length - 1)) & (JOIN_SLOTS - 1);

/** `prev + piece` if the concatenation cache holds it for these two strings, else undefined. */
export function cachedJoin(prev: string, piece: string): string | undefined {
  const h = joinSlot(prev, piece);
  return joinPrev[h] === prev && joinPiece[h] === piece ? joinResult[h] : undefined;
}

/** `prev + piece`, kept in the concatenation cache when at most 256 characters long. */
export function join(prev: string, piece: string): string {
  const t = prev + piece;
  if (t.length <= JOIN_MAX) {
    const h = joinSlot(prev, piece);
    joinPrev[h] = prev;
    joinPiece[h] = piece;
    joinResult[h] = t;
  }
  return t;
}

const wsStrings = /* @__PURE__ */ new Map<string, string>();

/**
 * The canonical copy of a whitespace-only element text (at most 256 characters, the caller checks):
 * the one kept for the first equal text seen, so that the pieced-together copies die young.
 */
export function canonicalWs(text: string): string {
  const hit = wsStrings.get(text);
  if (hit !== undefined) return hit;
  if (wsStrings.size >= 256) wsStrings.clear();
  wsStrings.set(text, text);
  return text;
}
