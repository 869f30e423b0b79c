// THE list of portable test files: each runtime's adapter imports this module, then runs `tests`.
// To add a portable test file: create test/portable/<name>.portable.js (see README.md) and add one
// import line below. scripts/runtimes/run.mjs fails if a *.portable.js file is missing here.
import './runtime.portable.js';
import './wycheproof.portable.js';
import './nist.portable.js';
import './rfc6979.portable.js';
import './dsa-engines.portable.js';
import './keys.portable.js';
import './charset.portable.js';
import './params.portable.js';
import './request.portable.js';
import './notify.portable.js';

export { facts, RESULT_MARK, resultLine, tally, tests } from './harness.js';
