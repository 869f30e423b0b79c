/**
 * PKCS#8 PrivateKeyInfo (RFC 5208) for DSA: `SEQUENCE { INTEGER 0, AlgorithmIdentifier,
 * OCTET STRING { INTEGER x } }`, the `-----BEGIN PRIVATE KEY-----` format.
 *
 * Reading requires DER (the strict reader of der.ts plus the element counts checked here leave one
 * accepted encoding, the one {@link encodePkcs8} writes) and refuses version 1 (OneAsymmetricKey)
 * and attributes. It returns the components unvalidated; createPrivateKey validates them. The
 * encoder writes the same bytes OpenSSL does. Encrypted PKCS#8 is in encrypted.ts.
 * @module
 */
import {
  type AsnNode,
  derOctets,
  derSequence,
  derUnsigned,
  isUniversal,
  parseDer,
  readOctets,
  readSmallInt,
  readUnsigned,
  sequenceItems,
  TAG,
} from './der.js';
import { type DssParms, encodeDsaAlgorithm, readDsaAlgorithm } from './dss-parms.js';
import { invalidKey } from './errors.js';

const VERSION_0: Uint8Array = /* @__PURE__ */ Uint8Array.of(TAG.INTEGER, 1, 0);

/**
 * True if `der` has the outline of a PrivateKeyInfo (SEQUENCE { INTEGER, SEQUENCE, OCTET STRING, … }),
 * whatever its algorithm. Used to tell a wrong passphrase (random bytes) from a wrong key type.
 */
export function hasPrivateKeyInfoShape(der: Uint8Array): boolean {
  try {
    const items = sequenceItems(parseDer(der, 'PrivateKeyInfo'), 'PrivateKeyInfo');
    return (
      items.length >= 3 &&
      isUniversal(items[0], TAG.INTEGER) &&
      isUniversal(items[1], TAG.SEQUENCE) &&
      isUniversal(items[2], TAG.OCTET_STRING)
    );
  } catch {
    return false;
  }
}

/** Reads a DSA PrivateKeyInfo. @param fn the public function's name, for messages. */
export function decodePkcs8(der: Uint8Array, fn: string, node?: AsnNode): DssParms & { x: bigint } {
  const what = `${fn}: PKCS#8 PrivateKeyInfo`;
  const items = sequenceItems(node ?? parseDer(der, what), what);
  if (items.length < 3) throw invalidKey(`${what} has ${items.length} elements, expected 3`, 'input');
  const version = readSmallInt(items[0], `${what} version`);
  if (version !== 0) {
    throw invalidKey(`${what}: unsupported version ${version ?? '(out of range)'}, expected 0`, 'input');
  }
  const params = readDsaAlgorithm(items[1], what);
  const inner = readOctets(items[2], `${what} privateKey`);
  if (items.length > 3) throw invalidKey(`${what}: attributes after the private key are not supported`, 'input');
  const x = readUnsigned(parseDer(inner, `${what} privateKey`), 'x', what);
  return { ...params, x };
}

/** Encodes a DSA PrivateKeyInfo. */
export function encodePkcs8(key: DssParms & { x: bigint }): Uint8Array {
  return derSequence(VERSION_0, encodeDsaAlgorithm(key), derOctets(derUnsigned(key.x)));
}
