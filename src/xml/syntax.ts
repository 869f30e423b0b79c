/**
 * The XML 1.0 (5th edition) character classes and productions the decoder checks, as byte tables,
 * predicates and regular expressions over the decoded text.
 * @module
 */

/**
 * @internal Byte classes for names: 1 = may start a name, 2 = may continue one. Bytes ≥ 0x80 are
 * provisionally both; a name holding any is decoded and checked against {@link NAME_RE}.
 */
export const NAME = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c >= 0x80) t[c] = 3;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) t[c] = 2;
  }
  return t;
})();

const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
/** @internal The Name production, for names with non-ASCII characters. */
export const NAME_RE = /* @__PURE__ */ new RegExp(
  `^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`,
  'u',
);
/** @internal The two BMP non-characters outside `Char` that a decoded span can hold. */
export const NON_CHAR = /[\uFFFE\uFFFF]/;
/** @internal Line ends to normalise to `\n` (§2.11). */
export const CRLF = /\r\n?/g;
/** @internal Whitespace-only text (the S production, or empty). */
export const WS_ONLY = /^[ \t\n\r]*$/;
/** @internal What attribute-value normalisation (§3.3.3) turns into one space. */
export const ATTR_WS = /\r\n|[\r\n\t]/g;
/** @internal The XML declaration, whole (ASCII); groups 1 or 2 hold the `encoding`. */
export const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>$/;

/** @internal The S production, one byte. */
export const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** @internal The Char production. */
export function isChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
