/**
 * The DSA AlgorithmIdentifier shared by PKCS#8 and SubjectPublicKeyInfo (RFC 3279 §2.3.2):
 * `SEQUENCE { OID 1.2.840.10040.4.1, Dss-Parms SEQUENCE { p, q, g } }`.
 *
 * Reading checks only the structure; the values are validated by createPublicKey/createPrivateKey.
 * Keys whose parameters are absent (inherited from a certificate issuer, RFC 3279) are refused.
 * @module
 */
import { type AsnNode, derSequence, derUnsigned, readOid, readUnsigned, sequenceItems } from './der.js';
import { invalidKey } from './errors.js';
import { algorithmName, OID_DSA, OID_DSA_DER } from './oids.js';

/** Domain parameters as read from a key, not yet validated. */
export interface DssParms {
  p: bigint;
  q: bigint;
  g: bigint;
}

/**
 * Reads a DSA AlgorithmIdentifier. A different algorithm is reported by name.
 * @param what names the enclosing structure, e.g. `importPublicKey: SubjectPublicKeyInfo`.
 */
export function readDsaAlgorithm(node: AsnNode | undefined, what: string): DssParms {
  const items = sequenceItems(node, `${what} AlgorithmIdentifier`);
  const oid = readOid(items[0], `${what} algorithm`);
  if (oid !== OID_DSA)
    throw invalidKey(`${what}: ${algorithmName(oid)} key (OID ${oid}), expected DSA (OID ${OID_DSA})`, 'algorithm');
  if (items.length === 1) {
    throw invalidKey(`${what}: the DSA domain parameters are missing (inherited parameters are not supported)`, 'algorithm');
  }
  if (items.length > 2) throw invalidKey(`${what}: AlgorithmIdentifier has ${items.length} elements, expected 2`, 'algorithm');
  const parms = sequenceItems(items[1], `${what} Dss-Parms`);
  if (parms.length !== 3) throw invalidKey(`${what}: Dss-Parms has ${parms.length} elements, expected 3 (p, q, g)`, 'algorithm');
  return {
    p: readUnsigned(parms[0], 'p', what),
    q: readUnsigned(parms[1], 'q', what),
    g: readUnsigned(parms[2], 'g', what),
  };
}

/** Encodes the DSA AlgorithmIdentifier with its Dss-Parms. */
export function encodeDsaAlgorithm(d: DssParms): Uint8Array {
  return derSequence(OID_DSA_DER, derSequence(derUnsigned(d.p), derUnsigned(d.q), derUnsigned(d.g)));
}
