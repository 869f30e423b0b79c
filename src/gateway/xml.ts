/**
 * A small XML writer for the simulator's `notify_data` documents (docs/PROTOCOL.md §6.1, §6.2–6.4):
 * elements with text content, escaped; no attributes, no namespaces, no DTD. It is not a general
 * XML library and does not parse: partners decode with their own decoder.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** An element: name and either text (`null` → an empty element `<name/>`) or child elements. */
export type XmlNode = readonly [name: string, content: string | null | readonly XmlNode[]];

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// Characters XML 1.0 does not allow at all (C0 controls except TAB, LF, CR; U+FFFE/FFFF; lone surrogates).
const FORBIDDEN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Escapes text content: the five predefined entities, and CR as `&#13;` so that it survives
 * end-of-line normalisation. Characters XML cannot carry are an error, never dropped.
 * @throws WitkeyError `ILLEGAL_ARGUMENT` naming the element.
 * @example
 * escapeXml('a<b & "c"'); // 'a&lt;b &amp; &quot;c&quot;'
 */
export function escapeXml(text: string, element = 'text'): string {
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new WitkeyError('ILLEGAL_ARGUMENT', `${element}: U+${cp} at index ${bad.index} cannot appear in XML`, {
      field: element,
      offset: bad.index,
    });
  }
  return text.replace(/[&<>"'\r]/g, (c) => ESC[c]!);
}

function write(node: XmlNode, out: string[]): void {
  const [name, content] = node;
  if (!NAME.test(name))
    throw new WitkeyError('ILLEGAL_ARGUMENT', `invalid XML element name ${JSON.stringify(name)}`, { field: name });
  if (content === null) out.push(`<${name}/>`);
  else if (typeof content === 'string') out.push(`<${name}>${escapeXml(content, name)}</${name}>`);
  else {
    out.push(`<${name}>`);
    for (const child of content) write(child, out);
    out.push(`</${name}>`);
  }
}

/**
 * Serialises a document: an XML declaration naming `encoding` (as the gateway writes it:
 * `UTF-8`, `GBK`, `GB2312`) followed by the root element, without indentation.
 * @example
 * xmlDocument(['alipay', [['is_success', 'T']]], 'GBK');
 * // '<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success></alipay>'
 */
export function xmlDocument(root: XmlNode, encoding: string): string {
  const out: string[] = [`<?xml version="1.0" encoding="${escapeXml(encoding, 'encoding')}"?>`];
  write(root, out);
  return out.join('');
}
