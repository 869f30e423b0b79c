/**
 * Turns what a user passes as a key (PEM text, a bare base64 body, DER bytes, or PEM text as bytes)
 * into DER plus what kind of structure it is, from the PEM label or, without one, from the shape of
 * the DER. It decides nothing about DSA itself; the import functions do, per kind.
 * @module
 */
import { decodeBase64, looksLikeBase64 } from './base64.js';
import { type AsnNode, isContext, isUniversal, parseDer, TAG } from './der.js';
import { invalidKey } from './errors.js';
import { hasPemArmour, parsePem, safeLabel } from './pem.js';

/** The structures a key input can be. */
export type KeyKind =
  | 'pkcs8'
  | 'encrypted-pkcs8'
  | 'dsa-private'
  | 'rsa-private'
  | 'ec-private'
  | 'openssh-private'
  | 'spki'
  | 'certificate'
  | 'rsa-public'
  | 'dsa-parameters'
  | 'unknown';

/** A key input resolved to DER. `node` is set when the DER was parsed to find its kind. */
export interface KeyInput {
  readonly der: Uint8Array;
  readonly kind: KeyKind;
  /** The PEM label, if the input was PEM. */
  readonly label?: string;
  readonly node?: AsnNode;
}

const LABEL_KINDS: Record<string, KeyKind> = {
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'encrypted-pkcs8',
  'DSA PRIVATE KEY': 'dsa-private',
  'RSA PRIVATE KEY': 'rsa-private',
  'EC PRIVATE KEY': 'ec-private',
  'OPENSSH PRIVATE KEY': 'openssh-private',
  'PUBLIC KEY': 'spki',
  CERTIFICATE: 'certificate',
  'X509 CERTIFICATE': 'certificate',
  'RSA PUBLIC KEY': 'rsa-public',
  'DSA PARAMETERS': 'dsa-parameters',
};

/** Guesses the kind of a DER structure from its outline (tags and element counts only). */
export function detectKind(node: AsnNode): KeyKind {
  if (!isUniversal(node, TAG.SEQUENCE) || !node.constructed) return 'unknown';
  const items = node.children;
  const [a, b, c] = items;
  if (isUniversal(a, TAG.INTEGER)) {
    if (isUniversal(b, TAG.SEQUENCE)) return 'pkcs8';
    if (isUniversal(b, TAG.OCTET_STRING)) return 'ec-private';
    if (items.every((i) => isUniversal(i, TAG.INTEGER))) {
      if (items.length === 6) return 'dsa-private';
      if (items.length >= 9) return 'rsa-private';
      if (items.length === 3) return 'dsa-parameters';
      if (items.length === 2) return 'rsa-public';
    }
    return 'unknown';
  }
  if (isUniversal(a, TAG.SEQUENCE) && a!.constructed) {
    if (items.length === 2 && isUniversal(b, TAG.BIT_STRING)) return 'spki';
    if (items.length === 2 && isUniversal(b, TAG.OCTET_STRING)) return 'encrypted-pkcs8';
    const first = a!.children[0];
    if (items.length === 3 && isUniversal(c, TAG.BIT_STRING) && (isContext(first, 0) || isUniversal(first, TAG.INTEGER))) {
      return 'certificate';
    }
  }
  return 'unknown';
}

function fromDer(der: Uint8Array, fn: string): KeyInput {
  const node = parseDer(der, `${fn}: key`);
  return { der, kind: detectKind(node), node };
}

function fromText(raw: string, fn: string): KeyInput {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw; // a BOM from a Windows editor
  const trimmed = text.trim();
  if (trimmed === '') throw invalidKey(`${fn}: empty key input`, 'input');
  if (hasPemArmour(trimmed)) {
    const blocks = parsePem(trimmed, fn);
    // `openssl dsaparam -genkey` writes the parameters before the key; they are repeated in the key.
    const keys = blocks.filter((b) => b.label !== 'DSA PARAMETERS');
    const chosen = keys.length > 0 ? keys : blocks;
    if (chosen.length !== 1) {
      throw invalidKey(
        `${fn}: the text holds ${chosen.length} PEM blocks (${chosen.map((b) => safeLabel(b.label)).join(', ')}); pass exactly one key`,
        'input',
      );
    }
    const { label, der } = chosen[0]!;
    return { der, label, kind: LABEL_KINDS[label] ?? 'unknown' };
  }
  if (!looksLikeBase64(trimmed)) {
    throw invalidKey(`${fn}: not a key: expected PEM (-----BEGIN …-----), a base64 DER body, or DER bytes`, 'input');
  }
  return fromDer(decodeBase64(trimmed, `${fn}: base64 key`), fn);
}

/**
 * Resolves a key input to DER and its kind.
 * @throws WitkeyError `INVALID_KEY` for anything that is not PEM, base64 or DER.
 */
export function readKeyInput(input: unknown, fn: string): KeyInput {
  if (typeof input === 'string') return fromText(input, fn);
  if (input instanceof Uint8Array) {
    if (input.length === 0) throw invalidKey(`${fn}: empty key input`, 'input');
    if (input[0] === 0x30) return fromDer(input, fn);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
    } catch {
      throw invalidKey(`${fn}: bytes are neither DER (no leading SEQUENCE) nor PEM/base64 text`, 'input');
    }
    return fromText(text, fn);
  }
  throw invalidKey(
    `${fn}: expected a PEM or base64 string, or DER bytes as a Uint8Array; got ${input === null ? 'null' : typeof input}`,
    'input',
  );
}
