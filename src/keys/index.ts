/**
 * Key import and export: the public functions of src/keys, re-exported by the package entry points.
 * Everything else in this folder is internal.
 * @module
 */
export { importPrivateKey } from './import-private.js';
export { importPublicKey } from './import-public.js';
export { exportPrivateKey, exportPublicKey, type ExportPrivateKeyOptions, type ExportPublicKeyOptions } from './export.js';
export { decryptPrivateKey, encryptPrivateKey, type DecryptPrivateKeyOptions, type EncryptPrivateKeyOptions } from './encrypted.js';
