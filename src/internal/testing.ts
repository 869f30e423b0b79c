/**
 * Internal entry point for the tests and benchmarks only: re-exports internals they exercise directly
 * (the NIST SigGen records give the nonce k; tests check that x never leaks; the DER reader, the comb
 * tables, the GBK engines, the detail dialects, the gateway's ledger and scheduler, the wire rules of
 * src/wire). Built into dist/{esm,cjs}/testing.* but deliberately NOT listed in package.json `exports`.
 * @module
 */

export { gbkEngine } from '../charset/codec.js';
export { loadGbk, SPOT_PAIRS } from '../charset/gbk-load.js';
export { WASM_MAX, WASM_MIN } from '../charset/gbk-wasm.js';
export { modInv } from '../dsa/arith.js';
export { buildComb, bytesPerEntry, chooseShape, combEntries, combPow2, combPowRegular } from '../dsa/comb.js';
export { FEWEST_USES, resetDomainStates, signThreshold, smallSignShape, smallSignThreshold } from '../dsa/domain-tables.js';
export { privateScalar } from '../dsa/key.js';
export { dsaEngine, MontSpace, setDsaEngine } from '../dsa/mont.js';
export { buildCombs, comb2, combRegular, pow2, powRegular } from '../dsa/mont-pow.js';
export { modPow2 } from '../dsa/multiexp.js';
export { signShape, signState, verifyShape, verifyThreshold } from '../dsa/precompute.js';
export { signWithNonce } from '../dsa/sign.js';
export { verifyDigest } from '../dsa/verify.js';
export { resolveConfig } from '../gateway/config.js';
export { afterFailedAttempt, deliver, isSuccessAnswer, newNotification } from '../gateway/delivery.js';
export { FaultBook } from '../gateway/faults.js';
export { acceptedTransfers, alipayFee, balanceWrites, feeFen, settle, settlement, transferNo } from '../gateway/ledger.js';
export { countPending, createScheduler, dueQueues, nextDue, timerDelay } from '../gateway/scheduler.js';
export { createState } from '../gateway/state.js';
export {
  encodedBytes,
  MAX_DEPTH,
  parseDer,
  readBitString,
  readOctets,
  readOid,
  readSmallInt,
  readUnsigned,
  sequenceItems,
} from '../keys/der.js';
export { leftAmountBody, rootStatus, transferBody } from '../notify/model.js';
export { build, checkSignature, header, loadFor, readForm, resolveOptions, textFields, xmlBytes } from '../notify/steps.js';
export { resolveDialect } from '../params/detail.js';
export { fromBase64, readBase64, toBase64 } from '../wire/base64.js';
export { ascii, asciiBytes, concat, hex, latin1 } from '../wire/bytes.js';
export { byCodeUnit, CanonicalStream, canonicalize, isSigned, rawCanonicalBytes, signedEntries } from '../wire/canonical.js';
export { Sha1, sha1 } from '../wire/sha1.js';
export { forgedError, signatureOf } from '../wire/signed-form.js';
export { duplicateField, FormStreamParser, parseFormBytes, percentEncodeInto } from '../wire/urlencoded.js';
