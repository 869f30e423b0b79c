/**
 * Error constructors shared by the key import and export code.
 *
 * Every message says what was wrong with the input in words (a label, a structure, an OID, a byte
 * offset); none of them ever quotes the input itself, so no key material can leak into a log.
 * @module
 */
import { WitkeyError } from '../errors.js';

/** An `INVALID_KEY` error; `field` names the key component or input part it is about. */
export function invalidKey(message: string, field?: string): WitkeyError {
  return new WitkeyError('INVALID_KEY', message, field === undefined ? {} : { field });
}

/** An `INVALID_OPTION` error for a bad argument other than the key input itself. */
export function invalidOption(message: string, field: string): WitkeyError {
  return new WitkeyError('INVALID_OPTION', message, { field });
}

/** The `ENCRYPTED_KEY` error for a PKCS#8 key given to a synchronous import. */
export function encryptedKeyError(fn: string): WitkeyError {
  return new WitkeyError(
    'ENCRYPTED_KEY',
    `${fn}: the key is encrypted (ENCRYPTED PRIVATE KEY); decrypt it with decryptPrivateKey(input, passphrase)`,
    { field: 'input' },
  );
}
