/**
 * The signature fields of a received form (docs/PROTOCOL.md §4): `sign` (base64 of the DER signature) and
 * `sign_type` (exactly `DSA`) must both be present and not empty, `sign` is checked first; `sign_type`
 * is compared byte for byte (no charset decoding, so no BOM or look-alike passes). This module checks
 * their presence and form and returns the signature bytes; it does not verify them (the caller hashes
 * the canonical bytes with its key) nor choose the gateway simulator's error texts (src/gateway).
 * Internal: not a package export.
 * @module
 */
import { WitkeyError } from '../errors.js';
import { fromBase64 } from './base64.js';
import { latin1 } from './bytes.js';

/**
 * The signature bytes of a received form, or undefined when `sign` is not strict base64.
 * @throws WitkeyError `ILLEGAL_SIGN` (no `sign`, or no `sign_type`), `ILLEGAL_SIGN_TYPE` (not `DSA`).
 */
export function signatureOf(fields: ReadonlyMap<string, Uint8Array | undefined>): Uint8Array | undefined {
  const sign = fields.get('sign');
  const signType = fields.get('sign_type');
  const missing = !sign || sign.length === 0 ? 'sign' : !signType || signType.length === 0 ? 'sign_type' : undefined;
  if (missing) throw new WitkeyError('ILLEGAL_SIGN', `the body has no ${missing} field`, { field: missing });
  if (signType!.length !== 3 || signType![0] !== 0x44 || signType![1] !== 0x53 || signType![2] !== 0x41) {
    throw new WitkeyError(
      'ILLEGAL_SIGN_TYPE',
      `sign_type must be DSA, got ${JSON.stringify(latin1(signType!.subarray(0, 16)))}`,
      { field: 'sign_type' },
    );
  }
  return fromBase64(latin1(sign!));
}

/** The error of a notification whose signature does not verify with the Alipay public key. */
export function forgedError(): WitkeyError {
  return new WitkeyError(
    'ILLEGAL_SIGN',
    'the signature does not verify with the Alipay public key: the body is forged, altered, or signed with another key',
    { field: 'sign' },
  );
}
