/**
 * Resource limits of the XML decoder, with safe defaults. Every limit is checked while the bytes
 * arrive (a text node larger than `maxTextLength` fails when that many characters have been seen, not
 * after the whole node was buffered). A limit that is hit is a `WitkeyError` with code
 * `XML_LIMIT_EXCEEDED` and `field` = the limit's name. Not a schema: element names and structure are
 * the caller's business.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** Limits of one document. Each is a positive integer or `Infinity`. */
export interface XmlLimits {
  /** Total input bytes (default 16 MiB; `Infinity` allowed, e.g. for streaming archives). */
  maxBytes?: number;
  /** Element nesting depth; the root is depth 1 (default 32). */
  maxDepth?: number;
  /** Elements in the document, records included (default 1 000 000; may be `Infinity`). */
  maxElements?: number;
  /**
   * Characters (UTF-16 code units) of text, character data and CDATA, in one element (default 1 MiB).
   * It also bounds one attribute value (characters after decoding) and the raw size in bytes of any
   * single piece of markup the decoder has to hold at once: one tag with all its attributes, one
   * comment, one processing instruction.
   */
  maxTextLength?: number;
  /** Attributes per element (default 32). */
  maxAttributes?: number;
  /** Length of an element or attribute name, in characters (default 256). */
  maxNameLength?: number;
}

/**
 * The defaults: 16 MiB, depth 32, 1 000 000 elements, 1 MiB of text, 32 attributes, names of 256.
 * @example
 * parseXml(bytes, { limits: { ...DEFAULT_XML_LIMITS, maxBytes: Infinity } });
 */
export const DEFAULT_XML_LIMITS: Required<XmlLimits> = /* @__PURE__ */ Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 1_000_000,
  maxTextLength: 1024 * 1024,
  maxAttributes: 32,
  maxNameLength: 256,
});

const NAMES = ['maxBytes', 'maxDepth', 'maxElements', 'maxTextLength', 'maxAttributes', 'maxNameLength'] as const;

/** @internal The defaults overridden by `limits`, each checked to be a positive integer or Infinity. */
export function resolveLimits(limits: XmlLimits | undefined): Required<XmlLimits> {
  if (limits === undefined) return DEFAULT_XML_LIMITS;
  if (typeof limits !== 'object' || limits === null)
    throw new WitkeyError('INVALID_OPTION', 'XML limits must be an object', { field: 'limits' });
  const out = { ...DEFAULT_XML_LIMITS };
  for (const name of NAMES) {
    const v = limits[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v === Infinity || (Number.isInteger(v) && v > 0))) {
      throw new WitkeyError('INVALID_OPTION', `XML limit ${name} must be a positive integer or Infinity, got ${String(v)}`, {
        field: name,
      });
    }
    out[name] = v;
  }
  return out;
}

/** @internal The error of a limit that is hit: `XML_LIMIT_EXCEEDED` naming the limit, at byte `offset`. */
export function limitExceeded(field: keyof XmlLimits, message: string, offset: number): WitkeyError {
  return new WitkeyError('XML_LIMIT_EXCEEDED', `XML limit exceeded: ${message} at byte ${offset}`, { field, offset });
}
