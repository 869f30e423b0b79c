/**
 * The subject public key of an X.509 certificate (RFC 5280 §4.1), located with der.ts's reader alone.
 *
 * The certificate is used only as a container for the key: its signature, validity period,
 * extensions and chain are NOT checked. Pinning Alipay's public key means trusting the file you
 * were given, not a CA. This walks the outline `Certificate { tbsCertificate { [0] version?, serial,
 * signature, issuer, validity, subject, subjectPublicKeyInfo, … }, signatureAlgorithm, signature }`
 * instead of using pkijs's Certificate class, which would add ~120 KB (gzipped) to every bundle
 * that verifies signatures (pkijs does not tree-shake).
 * @module
 */
import { type AsnNode, encodedBytes, isContext, isUniversal, parseDer, sequenceItems, TAG } from './der.js';
import { invalidKey } from './errors.js';

/** The DER bytes of the certificate's SubjectPublicKeyInfo. @param fn the public function's name. */
export function certificateSpki(der: Uint8Array, fn: string, node?: AsnNode): Uint8Array {
  const what = `${fn}: X.509 certificate`;
  const cert = sequenceItems(node ?? parseDer(der, what), what);
  if (cert.length !== 3 || !isUniversal(cert[1], TAG.SEQUENCE) || !isUniversal(cert[2], TAG.BIT_STRING)) {
    throw invalidKey(`${what}: expected SEQUENCE { tbsCertificate, signatureAlgorithm, signature }`, 'input');
  }
  const tbs = sequenceItems(cert[0], `${what} tbsCertificate`);
  let i = isContext(tbs[0], 0) ? 1 : 0; // [0] EXPLICIT version, absent for v1 certificates
  const expected = [TAG.INTEGER, TAG.SEQUENCE, TAG.SEQUENCE, TAG.SEQUENCE, TAG.SEQUENCE] as const; // serial … subject
  for (const tag of expected) {
    if (!isUniversal(tbs[i], tag)) throw invalidKey(`${what}: malformed tbsCertificate (element ${i})`, 'input');
    i++;
  }
  const spki = tbs[i];
  if (!isUniversal(spki, TAG.SEQUENCE)) throw invalidKey(`${what}: subjectPublicKeyInfo not found`, 'input');
  return encodedBytes(spki!);
}
