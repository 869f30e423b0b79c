/**
 * The gateway's canonical string (docs/PROTOCOL.md §4 steps 1–3) as the public `alipay-witkey/params`
 * operation. The rule itself is src/wire/canonical.ts, shared with the readers of received forms.
 * @module
 */
export { canonicalize, type Params } from '../wire/canonical.js';
