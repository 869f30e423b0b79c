// The library under test, as browsers, workers and extensions load it: the self-contained browser
// build (run `npx rollup -c` first). Every portable test imports the library from here only.
export * from '../../dist/browser/index.js';
// Internals the standard vectors need (NIST SigGen gives the nonce k). Not part of the public API.
export {
  buildCombs,
  comb2,
  combRegular,
  dsaEngine,
  gbkEngine,
  pow2,
  powRegular,
  setDsaEngine,
  signWithNonce,
} from '../../dist/browser/testing.js';
