/**
 * `alipay-witkey/xml`: a strict, streaming, DTD-free XML 1.0 decoder for the gateway's notification
 * documents (UTF-8, GBK, GB 2312), from bytes to a plain element tree, with record splitting for
 * documents too large to hold. No DTD, no external entities, no entity expansion: immune to XXE and
 * billion laughs by construction. Not a general XML toolkit: no namespaces, no serialiser, no DOM.
 * Web APIs only.
 * @module
 */

// Also exported by `alipay-witkey/dsa` (and the root): the XML decoder is usable on its own, and its user
// catches its errors without importing the DSA entry.
export { WitkeyError, type WitkeyErrorCode } from './errors.js';
export { parseXml, XmlDecoder, type XmlDecoderOptions, type XmlRecord } from './xml/decoder.js';
export type { XmlDocument, XmlElement } from './xml/element.js';
export { DEFAULT_XML_LIMITS, type XmlLimits } from './xml/limits.js';
