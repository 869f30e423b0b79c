/**
 * Internal entry point for the test suite only: re-exports internals that the standard vectors
 * need (the NIST SigGen records give the nonce k; tests check that x never leaks), and the DER
 * reader, which test/der.test.mjs exercises directly, and the wire rules of src/wire, which
 * test/wire.test.mjs tests module by module. Built into dist/{esm,cjs}/testing.* but
 * deliberately NOT listed in package.json `exports`.
 * @module
 */
export { signWithNonce } from '../dsa/sign.js';
export { privateScalar } from '../dsa/key.js';
export { buildComb, chooseShape, combEntries, combPow2, combPowRegular, bytesPerEntry } from '../dsa/comb.js';
export { modPow2 } from '../dsa/multiexp.js';
export { modInv } from '../dsa/arith.js';
export { signShape, verifyShape, signState, verifyThreshold } from '../dsa/precompute.js';
export { FEWEST_USES, resetDomainStates, signThreshold, smallSignShape, smallSignThreshold } from '../dsa/domain-tables.js';
export { encodedBytes, MAX_DEPTH, parseDer, readBitString, readOctets, readOid, readSmallInt, readUnsigned, sequenceItems } from '../keys/der.js';
export { leftAmountBody, rootStatus, transferBody } from '../notify/model.js';
export { gbkEngine } from '../charset/codec.js';
export { loadGbk } from '../charset/gbk-load.js';
export { WASM_MIN, WASM_MAX } from '../charset/gbk-wasm.js';
export { ascii, asciiBytes, concat, hex, latin1 } from '../wire/bytes.js';
export { fromBase64, readBase64, toBase64 } from '../wire/base64.js';
export { byCodeUnit, CanonicalStream, canonicalize, isSigned, rawCanonicalBytes, signedEntries } from '../wire/canonical.js';
export { forgedError, signatureOf } from '../wire/signed-form.js';
export { duplicateField, FormStreamParser, parseFormBytes, percentEncodeInto } from '../wire/urlencoded.js';
