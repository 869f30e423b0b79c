/**
 * `alipay-witkey/witkey`: the service request `alipay.witkey.task.left.amount.handle` — validation of
 * every rule of docs/PROTOCOL.md §2, exact amounts, signing, and sending as a CSP-safe HTML form or a
 * `fetch` `Request`. Web APIs only.
 * @module
 */
export {
  buildLeftAmountRequest,
  leftAmountParams,
  // The gateway a request goes to unless `gateway` says otherwise: a partner's CSP `form-action` (or
  // `connect-src`) must allow its origin.
  DEFAULT_GATEWAY,
  type LeftAmountDetail,
  type LeftAmountTransfer,
  type LeftAmountParamsInput,
  type LeftAmountRequestInput,
  type LeftAmountParams,
  type LeftAmountRequest,
} from './witkey/request.js';
export { parseAmount, formatFen, type AmountInput } from './witkey/amount.js';
export { renderForm, toFetchRequest, type RenderFormOptions, type SendableRequest } from './witkey/send.js';
