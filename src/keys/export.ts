/**
 * `exportPrivateKey` and `exportPublicKey`: PKCS#8 and SubjectPublicKeyInfo, PEM or DER, byte for
 * byte what OpenSSL writes for the same key (`openssl pkey`, node:crypto `KeyObject.export`).
 *
 * The traditional `DSA PRIVATE KEY` format is read but not written. For an encrypted private key
 * see encryptPrivateKey.
 * @module
 */
import { DsaPrivateKey, DsaPublicKey, privateScalar } from '../dsa/key.js';
import { invalidKey, invalidOption } from './errors.js';
import { encodePem } from './pem.js';
import { encodePkcs8 } from './pkcs8.js';
import { encodeSpki } from './spki.js';

/** Options of {@link exportPrivateKey}. */
export interface ExportPrivateKeyOptions {
  /** `pkcs8-pem` (default): a `-----BEGIN PRIVATE KEY-----` string; `pkcs8-der`: DER bytes. */
  format?: 'pkcs8-pem' | 'pkcs8-der';
}

/** Options of {@link exportPublicKey}. */
export interface ExportPublicKeyOptions {
  /** `spki-pem` (default): a `-----BEGIN PUBLIC KEY-----` string; `spki-der`: DER bytes. */
  format?: 'spki-pem' | 'spki-der';
}

/** The unencrypted PKCS#8 DER of a private key. @internal (also used by encryptPrivateKey) */
export function privateKeyDer(key: DsaPrivateKey, fn: string): Uint8Array {
  if (!(key instanceof DsaPrivateKey)) throw invalidKey(`${fn}: expected a DsaPrivateKey`, 'key');
  const { p, q, g } = key.domain;
  return encodePkcs8({ p, q, g, x: privateScalar(key) });
}

/**
 * Exports a private key as PKCS#8, PEM (64-column lines, final newline) or DER. The result contains
 * the secret key: store it like one.
 * @throws WitkeyError `INVALID_KEY` (not a DsaPrivateKey) or `INVALID_OPTION` (unknown format).
 * @example
 * const { privateKey } = generateKeyPair({ L: 1024, N: 160 });
 * writeFileSync('partner_dsa_private.pem', exportPrivateKey(privateKey), { mode: 0o600 });
 * const der = exportPrivateKey(privateKey, { format: 'pkcs8-der' }); // Uint8Array
 */
export function exportPrivateKey(key: DsaPrivateKey, options?: { format?: 'pkcs8-pem' }): string;
export function exportPrivateKey(key: DsaPrivateKey, options: { format: 'pkcs8-der' }): Uint8Array;
export function exportPrivateKey(key: DsaPrivateKey, options?: ExportPrivateKeyOptions): string | Uint8Array;
export function exportPrivateKey(key: DsaPrivateKey, options: ExportPrivateKeyOptions = {}): string | Uint8Array {
  const fn = 'exportPrivateKey';
  const format = options.format ?? 'pkcs8-pem';
  if (format !== 'pkcs8-pem' && format !== 'pkcs8-der') {
    throw invalidOption(`${fn}: unknown format "${String(format)}"; expected pkcs8-pem or pkcs8-der`, 'format');
  }
  const der = privateKeyDer(key, fn);
  return format === 'pkcs8-der' ? der : encodePem('PRIVATE KEY', der);
}

/**
 * Exports a public key (or the public half of a private key) as SubjectPublicKeyInfo, PEM
 * (64-column lines, final newline) or DER — the form to hand to Alipay or to put in a config.
 * @throws WitkeyError `INVALID_KEY` (not a DSA key) or `INVALID_OPTION` (unknown format).
 * @example
 * const pem = exportPublicKey(privateKey.publicKey); // '-----BEGIN PUBLIC KEY-----\n…'
 * const der = exportPublicKey(publicKey, { format: 'spki-der' }); // Uint8Array
 */
export function exportPublicKey(key: DsaPublicKey | DsaPrivateKey, options?: { format?: 'spki-pem' }): string;
export function exportPublicKey(key: DsaPublicKey | DsaPrivateKey, options: { format: 'spki-der' }): Uint8Array;
export function exportPublicKey(key: DsaPublicKey | DsaPrivateKey, options?: ExportPublicKeyOptions): string | Uint8Array;
export function exportPublicKey(key: DsaPublicKey | DsaPrivateKey, options: ExportPublicKeyOptions = {}): string | Uint8Array {
  const fn = 'exportPublicKey';
  const format = options.format ?? 'spki-pem';
  if (format !== 'spki-pem' && format !== 'spki-der') {
    throw invalidOption(`${fn}: unknown format "${String(format)}"; expected spki-pem or spki-der`, 'format');
  }
  const pub = key instanceof DsaPrivateKey ? key.publicKey : key;
  if (!(pub instanceof DsaPublicKey)) throw invalidKey(`${fn}: expected a DsaPublicKey or DsaPrivateKey`, 'key');
  const { p, q, g } = pub.domain;
  const der = encodeSpki({ p, q, g, y: pub.y });
  return format === 'spki-der' ? der : encodePem('PUBLIC KEY', der);
}
