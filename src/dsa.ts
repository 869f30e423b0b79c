/**
 * `alipay-witkey/dsa`: pure-TypeScript DSA (FIPS 186-4) on bigint and @noble/hashes, with key
 * import and export. No node:crypto, and no WebCrypto for any DSA operation (only the optional
 * decryptPrivateKey/encryptPrivateKey use crypto.subtle for PBES2); runs in every JavaScript runtime.
 * @module
 */
export { sign, type SignOptions } from './dsa/sign.js';
export { verify, type VerifyOptions } from './dsa/verify.js';
export { precompute } from './dsa/precompute.js';
export { generateKeyPair, generateDomain, type GenerateOptions, type GenerateProgress, type GeneratedDomain } from './dsa/generate.js';
export {
  DsaPublicKey,
  DsaPrivateKey,
  createPublicKey,
  createPrivateKey,
  validateDomain,
  type DsaDomain,
  type KeyValidationOptions,
} from './dsa/key.js';
export {
  importPrivateKey,
  importPublicKey,
  exportPrivateKey,
  exportPublicKey,
  decryptPrivateKey,
  encryptPrivateKey,
  type ExportPrivateKeyOptions,
  type ExportPublicKeyOptions,
  type EncryptPrivateKeyOptions,
} from './keys/index.js';
export type { DsaHashName } from './dsa/hash.js';
export type { SignatureFormat } from './dsa/signature.js';
export { WitkeyError, type WitkeyErrorCode, type WitkeyErrorDetails } from './errors.js';
