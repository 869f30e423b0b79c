/**
 * The tree the XML decoder builds: elements with their attributes, child elements and text. Plain
 * data, no methods and no DOM; there are no namespaces (a prefixed name such as `a:b` is kept as is),
 * no comments, no processing instructions and no whitespace policy (the text is exactly what the
 * document says, references decoded).
 * @module
 */
import type { Charset } from '../charset/names.js';

/** One element. */
export interface XmlElement {
  /** The element name as written, e.g. `bidder` or `a:b`. */
  name: string;
  /**
   * The attributes (values decoded and normalised as XML 1.0 §3.3.3 says, for CDATA-typed
   * attributes), in a null-prototype object. Elements without attributes share one frozen empty
   * object.
   */
  attributes: Record<string, string>;
  /**
   * The child elements, in document order (records split off by the decoder are not here). Elements
   * without children share one frozen empty array.
   */
  children: XmlElement[];
  /**
   * All direct text of this element, character data and CDATA, references decoded, line ends
   * normalised to `\n`, concatenated in document order. Whitespace between child elements is
   * included (callers trim as they need).
   */
  text: string;
}

/** A decoded document. */
export interface XmlDocument {
  /** The root element. */
  root: XmlElement;
  /** The charset the bytes were decoded with. */
  charset: Charset;
  /** The `encoding` of the XML declaration, as written, if there was one. */
  declaredEncoding?: string;
}
