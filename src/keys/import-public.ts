/**
 * `importPublicKey`: a DSA public key from SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`) or an X.509
 * certificate (`BEGIN CERTIFICATE`), as PEM, DER bytes or a bare one-line base64 body.
 *
 * This is the verify-side import (Alipay's public key), so it stays light: der.ts's own reader, no
 * asn1js or pkijs, no WebCrypto. A certificate is only a container here; it is not verified (see certificate.ts).
 * @module
 */
import { createPublicKey, type DsaPublicKey, type KeyValidationOptions } from '../dsa/key.js';
import { certificateSpki } from './certificate.js';
import { invalidKey } from './errors.js';
import { readKeyInput } from './input.js';
import { safeLabel } from './pem.js';
import { decodeSpki } from './spki.js';

/**
 * Imports a DSA public key and validates it (domain parameters, 1 < y < p, y^q ≡ 1 mod p).
 *
 * Accepts SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`, OID 1.2.840.10040.4.1) as PEM, DER
 * or a bare base64 body, and an X.509 certificate carrying a DSA key (`-----BEGIN CERTIFICATE-----`
 * or DER). The certificate's signature, validity and chain are not checked: it only carries the key.
 * A private key is refused (pass `importPrivateKey(…).publicKey` if that is really meant).
 * @param options `checkPrimes: true` also tests p and q for primality (slower; for untrusted keys).
 * @throws WitkeyError `INVALID_KEY` saying what is wrong (`field` names the component), or `UNSUPPORTED_KEY_SIZE`.
 * @example
 * const alipayKey = importPublicKey(ALIPAY_DSA_PUBLIC_KEY_BASE64);
 * if (!verify(sig, bytes, alipayKey)) throw new Error('forged notification');
 */
export function importPublicKey(input: string | Uint8Array, options: KeyValidationOptions = {}): DsaPublicKey {
  const fn = 'importPublicKey';
  const src = readKeyInput(input, fn);
  let components: ReturnType<typeof decodeSpki>;
  switch (src.kind) {
    case 'spki':
      components = decodeSpki(src.der, `${fn}: SubjectPublicKeyInfo`, src.node);
      break;
    case 'certificate':
      components = decodeSpki(certificateSpki(src.der, fn, src.node), `${fn}: certificate subjectPublicKeyInfo`);
      break;
    case 'rsa-public':
      throw invalidKey(`${fn}: RSA key, expected DSA`, 'algorithm');
    case 'pkcs8':
    case 'encrypted-pkcs8':
    case 'dsa-private':
    case 'rsa-private':
    case 'ec-private':
    case 'openssh-private':
      throw invalidKey(
        `${fn}: this is a private key; pass a public key or certificate (or use importPrivateKey(…).publicKey)`,
        'input',
      );
    case 'dsa-parameters':
      throw invalidKey(`${fn}: only DSA domain parameters were given, no key`, 'input');
    default:
      throw invalidKey(
        src.label !== undefined
          ? `${fn}: unsupported PEM label ${safeLabel(src.label)}; expected PUBLIC KEY or CERTIFICATE`
          : `${fn}: not a recognised public key structure; expected SubjectPublicKeyInfo or an X.509 certificate`,
        'input',
      );
  }
  return createPublicKey(components, options);
}
