/**
 * `alipay-witkey/params`: the gateway's canonical string, SHA1withDSA signing and verification of a
 * parameter map, `application/x-www-form-urlencoded` in the request charset, and the detail-string
 * codec with its dialects. Web APIs only.
 * @module
 */
export { canonicalize, type Params } from './params/canonical.js';
export { type DetailContext, type DetailDialect, type DetailSeparators, decodeDetail, encodeDetail } from './params/detail.js';
export { type FormFields, formDecode, formEncode, formEncodeString, parseFormBytes } from './params/form.js';
export { canonicalBytes, type SignParamsOptions, signParams, verifyParams } from './params/sign.js';
