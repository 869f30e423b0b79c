/**
 * `importPrivateKey`: a DSA private key from PKCS#8 (`BEGIN PRIVATE KEY`), OpenSSL's traditional
 * format (`BEGIN DSA PRIVATE KEY`), either as PEM, DER bytes or a bare one-line base64 body.
 *
 * Synchronous and WebCrypto-free. Encrypted keys are refused with `ENCRYPTED_KEY`: decrypting needs
 * WebCrypto, which is asynchronous, so that is {@link decryptPrivateKey}'s job.
 * @module
 */
import { createPrivateKey, type DsaPrivateKey, type KeyValidationOptions } from '../dsa/key.js';
import { encryptedKeyError, invalidKey } from './errors.js';
import { type KeyInput, readKeyInput } from './input.js';
import { safeLabel } from './pem.js';
import { decodePkcs8 } from './pkcs8.js';
import { decodeTraditional } from './traditional.js';

/** The components of an unencrypted private key input; throws a precise error for anything else. */
export function privateKeyComponents(src: KeyInput, fn: string): { p: bigint; q: bigint; g: bigint; x: bigint; y?: bigint } {
  switch (src.kind) {
    case 'pkcs8':
      return decodePkcs8(src.der, fn, src.node);
    case 'dsa-private':
      return decodeTraditional(src.der, fn, src.node);
    case 'encrypted-pkcs8':
      throw encryptedKeyError(fn);
    case 'rsa-private':
      throw invalidKey(`${fn}: RSA key, expected DSA`, 'algorithm');
    case 'ec-private':
      throw invalidKey(`${fn}: EC key, expected DSA`, 'algorithm');
    case 'openssh-private':
      throw invalidKey(
        `${fn}: the OpenSSH private key format is not supported; convert it with \`ssh-keygen -p -m PKCS8 -f <file>\``,
        'input',
      );
    case 'spki':
    case 'rsa-public':
      throw invalidKey(`${fn}: this is a public key, not a private key (use importPublicKey)`, 'input');
    case 'certificate':
      throw invalidKey(`${fn}: this is a certificate, not a private key (use importPublicKey)`, 'input');
    case 'dsa-parameters':
      throw invalidKey(`${fn}: only DSA domain parameters were given, no key`, 'input');
    default:
      throw invalidKey(
        src.label !== undefined
          ? `${fn}: unsupported PEM label ${safeLabel(src.label)}; expected PRIVATE KEY or DSA PRIVATE KEY`
          : `${fn}: not a recognised private key structure; expected PKCS#8 PrivateKeyInfo or an OpenSSL DSA private key`,
        'input',
      );
  }
}

/**
 * Imports a DSA private key and validates it (domain parameters, 0 < x < q, and y = g^x mod p when
 * the format carries y).
 *
 * Accepts PKCS#8 (`-----BEGIN PRIVATE KEY-----`) and OpenSSL traditional
 * (`-----BEGIN DSA PRIVATE KEY-----`) PEM, their DER bytes, PEM text as bytes, and the bare base64
 * body on one line that Alipay's key tool hands out (PKCS#8 or traditional is told from the DER).
 * A `DSA PARAMETERS` block before the key (as `openssl dsaparam -genkey` writes) is skipped.
 * @param options `checkPrimes: true` also tests p and q for primality (slower; for untrusted keys).
 * @throws WitkeyError `INVALID_KEY` saying what is wrong (`field` names the component), `UNSUPPORTED_KEY_SIZE`,
 * or `ENCRYPTED_KEY` for an encrypted key (use {@link decryptPrivateKey}).
 * @example
 * import { readFileSync } from 'node:fs';
 * const key = importPrivateKey(readFileSync('partner_dsa_private.pem', 'utf8'));
 * const sig = sign(new TextEncoder().encode(canonicalString), key);
 */
export function importPrivateKey(input: string | Uint8Array, options: KeyValidationOptions = {}): DsaPrivateKey {
  const fn = 'importPrivateKey';
  return createPrivateKey(privateKeyComponents(readKeyInput(input, fn), fn), options);
}
