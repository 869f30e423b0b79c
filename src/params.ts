/**
 * `alipay-witkey/params`: the gateway's canonical string, SHA1withDSA signing and verification of a
 * parameter map, `application/x-www-form-urlencoded` in the request charset, and the detail-string
 * codec with its dialects. Web APIs only.
 * @module
 */
export { canonicalize, type Params } from './params/canonical.js';
export { canonicalBytes, signParams, verifyParams, type SignParamsOptions } from './params/sign.js';
export { formEncode, formEncodeString, formDecode, parseFormBytes, type FormFields } from './params/form.js';
export { encodeDetail, decodeDetail, type DetailDialect, type DetailSeparators, type DetailContext } from './params/detail.js';
