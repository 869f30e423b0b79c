/**
 * Encrypted PKCS#8 (RFC 5208 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018): PBKDF2 with
 * HMAC-SHA-1/256/384/512 and AES-128/192/256-CBC, the scheme of `openssl pkcs8 -topk8 -v2 aes-256-cbc`
 * and OpenSSL 3's default.
 *
 * The structure is read and checked here (with der.ts's reader), so that an unsupported scheme gets
 * a precise message; the key derivation and cipher run in pkijs's CryptoEngine over WebCrypto
 * (`crypto.subtle`), which is the only use of WebCrypto in the library. Not supported: PBES1 and
 * PKCS#12 schemes, scrypt, DES/3DES/RC2, HMAC-SHA-224 (WebCrypto lacks them).
 * @module
 */
import { fromBER, OctetString } from 'asn1js';
import { AlgorithmIdentifier, type ContentEncryptionAlgorithm, CryptoEngine, EncryptedContentInfo } from 'pkijs';
import { WitkeyError } from '../errors.js';
import {
  type AsnNode,
  derOctets,
  derSequence,
  encodedBytes,
  isUniversal,
  parseDer,
  readOctets,
  readOid,
  readSmallInt,
  sequenceItems,
  TAG,
} from './der.js';
import { invalidKey } from './errors.js';

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_DATA = '1.2.840.113549.1.7.1';

const CIPHERS: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16, // aes128-CBC
  '2.16.840.1.101.3.4.1.22': 24, // aes192-CBC
  '2.16.840.1.101.3.4.1.42': 32, // aes256-CBC
};
const PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};
const UNSUPPORTED: Record<string, string> = {
  '1.2.840.113549.1.5.3': 'PBES1 pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.6': 'PBES1 pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'PBES1 pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'PBES1 pbeWithSHA1AndRC2-CBC',
  '1.2.840.113549.1.12.1.3': 'PKCS#12 pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.6': 'PKCS#12 pbeWithSHAAnd40BitRC2-CBC',
  '1.3.6.1.4.1.11591.4.11': 'scrypt',
  '1.2.840.113549.3.7': 'DES-EDE3-CBC',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
  '1.2.840.113549.2.8': 'HMAC-SHA-224',
};

/** A parsed EncryptedPrivateKeyInfo whose scheme is supported. */
export interface Pbes2Key {
  /** The DER of the PBES2-params, re-read with asn1js for pkijs when decrypting. */
  readonly params: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly iterations: number;
}

function unsupported(fn: string, oid: string, role: string): WitkeyError {
  return new WitkeyError(
    'ENCRYPTED_KEY',
    `${fn}: unsupported ${role} ${UNSUPPORTED[oid] ?? oid}; supported is PBES2 with PBKDF2 (HMAC-SHA-1/256/384/512) and AES-CBC ` +
      '(re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`)',
    { field: 'input' },
  );
}

/** Reads an EncryptedPrivateKeyInfo and checks that its scheme is one this module can decrypt. */
export function readEncryptedPrivateKeyInfo(der: Uint8Array, fn: string, node?: AsnNode): Pbes2Key {
  const what = `${fn}: EncryptedPrivateKeyInfo`;
  const items = sequenceItems(node ?? parseDer(der, what), what);
  if (items.length !== 2) throw invalidKey(`${what} has ${items.length} elements, expected 2`, 'input');
  const alg = sequenceItems(items[0], `${what} encryptionAlgorithm`);
  const scheme = readOid(alg[0], `${what} encryptionAlgorithm`);
  if (scheme !== OID_PBES2) throw unsupported(fn, scheme, 'encryption scheme');
  const ciphertext = readOctets(items[1], `${what} encryptedData`);
  if (alg.length !== 2) throw invalidKey(`${what}: PBES2 parameters are missing`, 'input');
  const [kdf, enc] = sequenceItems(alg[1], `${what} PBES2-params`);
  const kdfItems = sequenceItems(kdf, `${what} keyDerivationFunc`);
  const kdfOid = readOid(kdfItems[0], `${what} keyDerivationFunc`);
  if (kdfOid !== OID_PBKDF2) throw unsupported(fn, kdfOid, 'key derivation function');
  const pbkdf2 = sequenceItems(kdfItems[1], `${what} PBKDF2-params`);
  readOctets(pbkdf2[0], `${what} PBKDF2 salt`);
  const iterations = readSmallInt(pbkdf2[1], `${what} PBKDF2 iterationCount`);
  if (iterations === undefined || iterations < 1) throw invalidKey(`${what}: PBKDF2 iteration count out of range`, 'input');
  let rest = pbkdf2.slice(2);
  let keyLength: number | undefined;
  if (isUniversal(rest[0], TAG.INTEGER)) {
    keyLength = readSmallInt(rest[0], `${what} PBKDF2 keyLength`);
    rest = rest.slice(1);
  }
  if (rest.length > 0) {
    const prf = readOid(sequenceItems(rest[0], `${what} PBKDF2 prf`)[0], `${what} PBKDF2 prf`);
    if (!(prf in PRFS)) throw unsupported(fn, prf, 'PBKDF2 pseudo-random function');
  }
  const encItems = sequenceItems(enc, `${what} encryptionScheme`);
  const cipher = readOid(encItems[0], `${what} encryptionScheme`);
  const keyBytes = CIPHERS[cipher];
  if (keyBytes === undefined) throw unsupported(fn, cipher, 'cipher');
  if (readOctets(encItems[1], `${what} AES-CBC IV`).length !== 16)
    throw invalidKey(`${what}: the AES-CBC IV is not 16 bytes`, 'input');
  if (keyLength !== undefined && keyLength !== keyBytes) {
    throw invalidKey(`${what}: PBKDF2 keyLength ${keyLength} does not match the cipher's key size ${keyBytes}`, 'input');
  }
  return { params: encodedBytes(alg[1]!), ciphertext, iterations };
}

function engine(fn: string): CryptoEngine {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c || typeof c.subtle !== 'object' || typeof c.getRandomValues !== 'function') {
    throw new WitkeyError(
      'ENCRYPTED_KEY',
      `${fn}: WebCrypto (crypto.subtle) is not available in this runtime (browsers offer it only in secure contexts)`,
    );
  }
  return new CryptoEngine({ name: 'webcrypto', crypto: c });
}

/** An ArrayBuffer copy, as pkijs wants. */
function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/**
 * Decrypts a checked EncryptedPrivateKeyInfo; the result is the PKCS#8 DER (to be wiped by the caller).
 * @throws WitkeyError `WRONG_PASSPHRASE` when the cipher's padding check fails.
 */
export async function decryptPbes2(key: Pbes2Key, passphrase: Uint8Array, fn: string): Promise<Uint8Array> {
  const crypto = engine(fn);
  // pkijs wants an asn1js node; the bytes were already checked as DER by readEncryptedPrivateKeyInfo.
  const params = fromBER(buffer(key.params));
  if (params.offset === -1) throw invalidKey(`${fn}: EncryptedPrivateKeyInfo: unreadable PBES2 parameters`, 'input');
  const info = new EncryptedContentInfo({
    contentType: OID_DATA,
    contentEncryptionAlgorithm: new AlgorithmIdentifier({ algorithmId: OID_PBES2, algorithmParams: params.result }),
    encryptedContent: new OctetString({ valueHex: buffer(key.ciphertext) }),
    disableSplit: true,
  });
  const password = buffer(passphrase);
  try {
    return new Uint8Array(await crypto.decryptEncryptedContentInfo({ password, encryptedContentInfo: info }));
  } catch (e) {
    if (e instanceof Error && e.name === 'OperationError') {
      throw new WitkeyError('WRONG_PASSPHRASE', `${fn}: wrong passphrase (decryption failed)`, { field: 'passphrase' });
    }
    throw invalidKey(`${fn}: could not decrypt the key (${e instanceof Error ? e.name : 'error'})`, 'input');
  } finally {
    new Uint8Array(password).fill(0);
  }
}

/**
 * Encrypts PKCS#8 DER as an EncryptedPrivateKeyInfo: PBES2, PBKDF2-HMAC-SHA256 with a random
 * 64-byte salt, AES-256-CBC with a random IV (both from crypto.getRandomValues, inside pkijs).
 */
export async function encryptPbes2(
  pkcs8: Uint8Array,
  passphrase: Uint8Array,
  iterations: number,
  fn: string,
): Promise<Uint8Array> {
  const crypto = engine(fn);
  const password = buffer(passphrase);
  const content = buffer(pkcs8);
  let info: EncryptedContentInfo;
  try {
    info = await crypto.encryptEncryptedContentInfo({
      password,
      // pkijs makes its own random IV; the type wants one, the value is not used.
      contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 } as ContentEncryptionAlgorithm,
      hmacHashAlgorithm: 'SHA-256',
      iterationCount: iterations,
      contentToEncrypt: content,
      contentType: OID_DATA,
    });
  } finally {
    new Uint8Array(password).fill(0);
    new Uint8Array(content).fill(0);
  }
  const algorithm = new Uint8Array(info.contentEncryptionAlgorithm.toSchema().toBER(false));
  return derSequence(algorithm, derOctets(new Uint8Array(info.getEncryptedContent())));
}
