/**
 * PEM armour (RFC 7468): reading every `-----BEGIN X-----` … `-----END X-----` block of a text, and
 * writing one block with 64-column lines.
 *
 * Reading is tolerant where RFC 7468 says parsers should be (CRLF or LF, whitespace around and
 * inside the body, explanatory text outside the blocks, a whole block flattened onto one line) and
 * strict everywhere else: labels must match, a block must be complete, and the body must be
 * canonical base64. RFC 1421 headers are refused; `Proc-Type: 4,ENCRYPTED` (OpenSSL's legacy
 * encrypted PEM) is refused as `ENCRYPTED_KEY`. It knows nothing about what the blocks contain.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { invalidKey } from './errors.js';

/** One decoded PEM block. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const LINE = /^([ -~]*?)-----/;

/** A label as it may appear in a message: only plain upper-case labels are echoed. */
export function safeLabel(label: string): string {
  return /^[A-Z0-9 ]{1,40}$/.test(label) ? `"${label}"` : '(unrecognised label)';
}

/** True if the text contains PEM armour (a BEGIN or an END boundary). */
export function hasPemArmour(text: string): boolean {
  return text.includes(BEGIN) || text.includes(END);
}

/**
 * Decodes every PEM block of `text`, in order. Text outside the blocks is ignored.
 * @param fn the public function's name, for messages.
 * @throws WitkeyError `INVALID_KEY` (truncated, mismatched labels, headers, bad base64) or
 * `ENCRYPTED_KEY` (legacy `Proc-Type: 4,ENCRYPTED` encryption).
 */
export function parsePem(text: string, fn: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    const strayEnd = text.indexOf(END, pos);
    if (begin < 0) {
      if (strayEnd >= 0) throw invalidKey(`${fn}: PEM END line without a BEGIN line (truncated PEM?)`, 'input');
      break;
    }
    if (strayEnd >= 0 && strayEnd < begin) {
      throw invalidKey(`${fn}: PEM END line without a BEGIN line (truncated PEM?)`, 'input');
    }
    const bm = LINE.exec(text.slice(begin + BEGIN.length, begin + BEGIN.length + 100));
    if (!bm || bm[1] === '') throw invalidKey(`${fn}: malformed PEM BEGIN line`, 'input');
    const label = bm[1]!;
    const bodyStart = begin + BEGIN.length + bm[0].length;
    const end = text.indexOf(END, bodyStart);
    const nextBegin = text.indexOf(BEGIN, bodyStart);
    if (end < 0 || (nextBegin >= 0 && nextBegin < end)) {
      throw invalidKey(`${fn}: PEM block ${safeLabel(label)} has no END line (truncated PEM?)`, 'input');
    }
    const em = LINE.exec(text.slice(end + END.length, end + END.length + 100));
    if (!em) throw invalidKey(`${fn}: malformed PEM END line (truncated PEM?)`, 'input');
    if (em[1] !== label) {
      throw invalidKey(`${fn}: mismatched PEM labels: BEGIN ${safeLabel(label)} but END ${safeLabel(em[1]!)}`, 'input');
    }
    const body = text.slice(bodyStart, end);
    if (body.includes(':')) {
      if (/Proc-Type:\s*4\s*,\s*ENCRYPTED/i.test(body)) {
        throw new WitkeyError(
          'ENCRYPTED_KEY',
          `${fn}: legacy OpenSSL PEM encryption (Proc-Type/DEK-Info headers) is not supported; ` +
            'convert the key with `openssl pkcs8 -topk8 -v2 aes-256-cbc` and use decryptPrivateKey',
          { field: 'input' },
        );
      }
      throw invalidKey(`${fn}: PEM headers ("Name: value" lines) are not supported in block ${safeLabel(label)}`, 'input');
    }
    blocks.push({ label, der: decodeBase64(body, `${fn}: PEM body of ${safeLabel(label)}`) });
    pos = end + END.length + em[0].length;
  }
  return blocks;
}

/** Encodes one PEM block: 64-column base64 lines, LF line ends, a final LF (as OpenSSL writes it). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = encodeBase64(der);
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
