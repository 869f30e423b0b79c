/**
 * Object identifiers of key algorithms: DSA, which is the one this library reads and writes, and the
 * others a user may hand it by mistake, so that an error can say which algorithm a key is for.
 * @module
 */

/** id-dsa (RFC 3279 §2.3.2). */
export const OID_DSA = '1.2.840.10040.4.1';

/** The DER encoding of {@link OID_DSA}: tag, length, content. */
export const OID_DSA_DER: Uint8Array = /* @__PURE__ */ Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01);

const NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10045.2.1': 'EC',
  '1.2.156.10197.1.301': 'SM2',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.113549.1.3.1': 'DH',
  '1.2.840.10046.2.1': 'X9.42 DH',
  '1.3.14.3.2.12': 'DSA under the obsolete OIW identifier',
  '1.2.840.10040.4.3': 'DSA-with-SHA1 signature algorithm (not a key algorithm)',
  '1.2.840.113549.1.5.13': 'PBES2-encrypted',
};

/** A human name for a key algorithm OID, e.g. `RSA`. */
export function algorithmName(oid: string): string {
  return NAMES[oid] ?? 'an unknown algorithm';
}
