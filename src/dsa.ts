/**
 * `alipay-witkey/dsa`: pure-TypeScript DSA (FIPS 186-4) on bigint and @noble/hashes, with key
 * import and export. No node:crypto, and no WebCrypto for any DSA operation (only the optional
 * decryptPrivateKey/encryptPrivateKey use crypto.subtle for PBES2); runs in every JavaScript runtime.
 * @module
 */

export {
  type GeneratedDomain,
  type GenerateOptions,
  type GenerateProgress,
  generateDomain,
  generateKeyPair,
} from './dsa/generate.js';
export type { DsaHashName } from './dsa/hash.js';
export {
  createPrivateKey,
  createPublicKey,
  type DsaDomain,
  DsaPrivateKey,
  DsaPublicKey,
  type KeyValidationOptions,
  validateDomain,
} from './dsa/key.js';
export { precompute } from './dsa/precompute.js';
export { type SignOptions, sign } from './dsa/sign.js';
export type { SignatureFormat } from './dsa/signature.js';
export { type VerifyOptions, verify } from './dsa/verify.js';
export { WitkeyError, type WitkeyErrorCode, type WitkeyErrorDetails } from './errors.js';
export {
  decryptPrivateKey,
  type EncryptPrivateKeyOptions,
  type ExportPrivateKeyOptions,
  type ExportPublicKeyOptions,
  encryptPrivateKey,
  exportPrivateKey,
  exportPublicKey,
  importPrivateKey,
  importPublicKey,
} from './keys/index.js';
