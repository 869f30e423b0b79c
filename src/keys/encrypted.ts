/**
 * `decryptPrivateKey` and `encryptPrivateKey`: password-protected PKCS#8
 * (`-----BEGIN ENCRYPTED PRIVATE KEY-----`), PBES2 with PBKDF2 and AES-CBC, as OpenSSL writes and
 * reads it.
 *
 * Asynchronous because WebCrypto is. This is the one part of the key code that imports pkijs, so a
 * bundle that never calls these two functions does not carry it. Not supported: OpenSSL's legacy
 * `Proc-Type: 4,ENCRYPTED` PEM encryption and PBES1/PKCS#12 schemes (see pbes2.ts).
 * @module
 */
import { createPrivateKey, type DsaPrivateKey, type KeyValidationOptions } from '../dsa/key.js';
import { WitkeyError } from '../errors.js';
import { invalidKey, invalidOption } from './errors.js';
import { privateKeyDer } from './export.js';
import { privateKeyComponents } from './import-private.js';
import { readKeyInput } from './input.js';
import { decryptPbes2, encryptPbes2, readEncryptedPrivateKeyInfo } from './pbes2.js';
import { encodePem } from './pem.js';
import { hasPrivateKeyInfoShape } from './pkcs8.js';

/** Options of {@link decryptPrivateKey}. */
export interface DecryptPrivateKeyOptions extends KeyValidationOptions {
  /**
   * Refuse keys whose PBKDF2 iteration count is above this (default 10,000,000), so that a hostile
   * file cannot make decryption run for hours. OpenSSL writes 2048; current guidance is ≤ 1,000,000.
   */
  maxIterations?: number;
}

/** Options of {@link encryptPrivateKey}. */
export interface EncryptPrivateKeyOptions {
  /** PBKDF2 iterations (HMAC-SHA-256). Default 100000. */
  iterations?: number;
  /** `pem` (default): a `-----BEGIN ENCRYPTED PRIVATE KEY-----` string; `der`: DER bytes. */
  format?: 'pem' | 'der';
}

function passphraseBytes(passphrase: unknown, fn: string): Uint8Array {
  if (typeof passphrase === 'string') return new TextEncoder().encode(passphrase);
  if (passphrase instanceof Uint8Array) return passphrase.slice();
  throw invalidOption(`${fn}: passphrase must be a string (encoded as UTF-8) or a Uint8Array`, 'passphrase');
}

/**
 * Decrypts and imports an encrypted PKCS#8 DSA private key (`-----BEGIN ENCRYPTED PRIVATE KEY-----`,
 * DER, or a bare base64 body), as written by `openssl pkcs8 -topk8 -v2 aes-256-cbc`, OpenSSL 3's
 * `openssl genpkey -aes256`, or {@link encryptPrivateKey}. The key is then validated as by
 * importPrivateKey. A string passphrase is encoded as UTF-8, as OpenSSL reads it from a UTF-8 terminal.
 * Needs WebCrypto (`crypto.subtle`): Node ≥ 20, browsers in secure contexts, workers.
 * @throws WitkeyError `WRONG_PASSPHRASE`; `ENCRYPTED_KEY` for an unsupported encryption scheme;
 * `INVALID_KEY` for a malformed input, an unencrypted key, or a non-DSA key inside; `UNSUPPORTED_KEY_SIZE`.
 * @example
 * const key = await decryptPrivateKey(readFileSync('partner.p8.pem', 'utf8'), process.env.KEY_PASSPHRASE!);
 */
export async function decryptPrivateKey(
  input: string | Uint8Array,
  passphrase: string | Uint8Array,
  options: DecryptPrivateKeyOptions = {},
): Promise<DsaPrivateKey> {
  const fn = 'decryptPrivateKey';
  const maxIterations = options?.maxIterations ?? 10_000_000;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
    throw invalidOption(`${fn}: maxIterations must be a positive integer`, 'maxIterations');
  }
  const src = readKeyInput(input, fn);
  if (src.kind !== 'encrypted-pkcs8') {
    if (src.kind === 'pkcs8' || src.kind === 'dsa-private') {
      throw invalidKey(`${fn}: the key is not encrypted; use importPrivateKey`, 'input');
    }
    privateKeyComponents(src, fn); // throws the precise error for the kind
    throw invalidKey(`${fn}: not an encrypted private key`, 'input');
  }
  const encrypted = readEncryptedPrivateKeyInfo(src.der, fn, src.node);
  if (encrypted.iterations > maxIterations) {
    throw new WitkeyError(
      'ENCRYPTED_KEY',
      `${fn}: PBKDF2 iteration count ${encrypted.iterations} is above maxIterations (${maxIterations}); raise the option if the key is trusted`,
      { field: 'maxIterations' },
    );
  }
  const pass = passphraseBytes(passphrase, fn);
  let der: Uint8Array | undefined;
  try {
    der = await decryptPbes2(encrypted, pass, fn);
    // A wrong passphrase passes the padding check about once in 256 tries; the plaintext is then noise.
    if (!hasPrivateKeyInfoShape(der)) {
      throw new WitkeyError('WRONG_PASSPHRASE', `${fn}: wrong passphrase (the decrypted data is not a private key)`, {
        field: 'passphrase',
      });
    }
    return createPrivateKey(privateKeyComponents({ der, kind: 'pkcs8' }, fn), options);
  } finally {
    pass.fill(0);
    der?.fill(0);
  }
}

/**
 * Encrypts a private key as PKCS#8 EncryptedPrivateKeyInfo: PBES2 with PBKDF2-HMAC-SHA-256 (random
 * 64-byte salt) and AES-256-CBC (random IV), readable by `openssl pkcs8 -passin`, node:crypto and
 * {@link decryptPrivateKey}. Needs WebCrypto (`crypto.subtle`).
 * @throws WitkeyError `INVALID_KEY` (not a DsaPrivateKey) or `INVALID_OPTION` (empty passphrase, bad
 * iterations or format).
 * @example
 * const pem = await encryptPrivateKey(privateKey, passphrase); // '-----BEGIN ENCRYPTED PRIVATE KEY-----\n…'
 * const der = await encryptPrivateKey(privateKey, passphrase, { format: 'der', iterations: 600000 });
 */
export async function encryptPrivateKey(
  key: DsaPrivateKey,
  passphrase: string | Uint8Array,
  options?: { iterations?: number; format?: 'pem' },
): Promise<string>;
export async function encryptPrivateKey(
  key: DsaPrivateKey,
  passphrase: string | Uint8Array,
  options: { iterations?: number; format: 'der' },
): Promise<Uint8Array>;
export async function encryptPrivateKey(
  key: DsaPrivateKey,
  passphrase: string | Uint8Array,
  options?: EncryptPrivateKeyOptions,
): Promise<string | Uint8Array>;
export async function encryptPrivateKey(
  key: DsaPrivateKey,
  passphrase: string | Uint8Array,
  options: EncryptPrivateKeyOptions = {},
): Promise<string | Uint8Array> {
  const fn = 'encryptPrivateKey';
  const iterations = options.iterations ?? 100000;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 0x7fffffff) {
    throw invalidOption(`${fn}: iterations must be an integer from 1 to 2147483647`, 'iterations');
  }
  const format = options.format ?? 'pem';
  if (format !== 'pem' && format !== 'der')
    throw invalidOption(`${fn}: unknown format "${String(format)}"; expected pem or der`, 'format');
  const pass = passphraseBytes(passphrase, fn);
  if (pass.length === 0) throw invalidOption(`${fn}: the passphrase is empty`, 'passphrase');
  const pkcs8 = privateKeyDer(key, fn);
  try {
    const der = await encryptPbes2(pkcs8, pass, iterations, fn);
    return format === 'der' ? der : encodePem('ENCRYPTED PRIVATE KEY', der);
  } finally {
    pass.fill(0);
    pkcs8.fill(0);
  }
}
