/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1, RFC 3279 §2.3.2) for DSA: `SEQUENCE { AlgorithmIdentifier,
 * BIT STRING { INTEGER y } }`, the `-----BEGIN PUBLIC KEY-----` format and the key inside an X.509
 * certificate.
 *
 * Reading requires DER (der.ts's strict reader plus the exact element counts checked here, so the
 * one accepted encoding is the one {@link encodeSpki} writes) and returns the components
 * unvalidated; createPublicKey validates them. The encoder writes the same bytes OpenSSL does.
 * @module
 */
import {
  type AsnNode,
  derBitString,
  derSequence,
  derUnsigned,
  parseDer,
  readBitString,
  readUnsigned,
  sequenceItems,
} from './der.js';
import { type DssParms, encodeDsaAlgorithm, readDsaAlgorithm } from './dss-parms.js';
import { invalidKey } from './errors.js';

/** Reads a DSA SubjectPublicKeyInfo. @param what names it in messages, e.g. `importPublicKey: certificate key`. */
export function decodeSpki(der: Uint8Array, what: string, node?: AsnNode): DssParms & { y: bigint } {
  const items = sequenceItems(node ?? parseDer(der, what), what);
  if (items.length !== 2) throw invalidKey(`${what} has ${items.length} elements, expected 2`, 'input');
  const params = readDsaAlgorithm(items[0], what);
  const bits = readBitString(items[1], `${what} subjectPublicKey`);
  const y = readUnsigned(parseDer(bits, `${what} subjectPublicKey`), 'y', what);
  return { ...params, y };
}

/** Encodes a DSA SubjectPublicKeyInfo. */
export function encodeSpki(key: DssParms & { y: bigint }): Uint8Array {
  return derSequence(encodeDsaAlgorithm(key), derBitString(derUnsigned(key.y)));
}
