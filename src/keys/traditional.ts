/**
 * OpenSSL's traditional DSA private key, `-----BEGIN DSA PRIVATE KEY-----`:
 * `SEQUENCE { INTEGER 0, p, q, g, y, x }` (no standard; OpenSSL's `DSAPrivateKey`).
 *
 * Read only, with DER required (der.ts's strict reader); keys are exported as PKCS#8. Legacy PEM
 * encryption of this format (`Proc-Type: 4,ENCRYPTED`) is refused by pem.ts.
 * @module
 */
import { type AsnNode, parseDer, readSmallInt, readUnsigned, sequenceItems } from './der.js';
import type { DssParms } from './dss-parms.js';
import { invalidKey } from './errors.js';

/** Reads an OpenSSL DSA private key. @param fn the public function's name, for messages. */
export function decodeTraditional(der: Uint8Array, fn: string, node?: AsnNode): DssParms & { x: bigint; y: bigint } {
  const what = `${fn}: DSA private key (OpenSSL traditional format)`;
  const items = sequenceItems(node ?? parseDer(der, what), what);
  if (items.length !== 6) throw invalidKey(`${what} has ${items.length} elements, expected 6 (version, p, q, g, y, x)`, 'input');
  const version = readSmallInt(items[0], `${what} version`);
  if (version !== 0) throw invalidKey(`${what}: unsupported version ${version ?? '(out of range)'}, expected 0`, 'input');
  const key = {
    p: readUnsigned(items[1], 'p', what),
    q: readUnsigned(items[2], 'q', what),
    g: readUnsigned(items[3], 'g', what),
    y: readUnsigned(items[4], 'y', what),
    x: readUnsigned(items[5], 'x', what),
  };
  return key;
}
