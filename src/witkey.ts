/**
 * `alipay-witkey/witkey`: the service request `alipay.witkey.task.left.amount.handle` — validation of
 * every rule of docs/PROTOCOL.md §2, exact amounts, signing, and sending as a CSP-safe HTML form or a
 * `fetch` `Request`. Web APIs only.
 * @module
 */

export { type AmountInput, formatFen, parseAmount } from './witkey/amount.js';
export {
  buildLeftAmountRequest,
  // The gateway a request goes to unless `gateway` says otherwise: a partner's CSP `form-action` (or
  // `connect-src`) must allow its origin.
  DEFAULT_GATEWAY,
  type LeftAmountDetail,
  type LeftAmountParams,
  type LeftAmountParamsInput,
  type LeftAmountRequest,
  type LeftAmountRequestInput,
  type LeftAmountTransfer,
  leftAmountParams,
} from './witkey/request.js';
export { type RenderFormOptions, renderForm, type SendableRequest, toFetchRequest } from './witkey/send.js';
