/**
 * Key import and export: the public functions of src/keys, re-exported by the package entry points.
 * Everything else in this folder is internal.
 * @module
 */

export {
  type DecryptPrivateKeyOptions,
  decryptPrivateKey,
  type EncryptPrivateKeyOptions,
  encryptPrivateKey,
} from './encrypted.js';
export { type ExportPrivateKeyOptions, type ExportPublicKeyOptions, exportPrivateKey, exportPublicKey } from './export.js';
export { importPrivateKey } from './import-private.js';
export { importPublicKey } from './import-public.js';
