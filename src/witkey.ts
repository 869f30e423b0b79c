/**
 * `alipay-witkey/witkey`: the service request `alipay.witkey.task.left.amount.handle` — validation of
 * every rule of PROTOCOL.md §2, exact amounts, signing, and sending as a CSP-safe HTML form or a
 * `fetch` `Request`. Web APIs only.
 * @module
 */
export {
  buildLeftAmountRequest,
  leftAmountParams,
  LEFT_AMOUNT_SERVICE,
  DEFAULT_GATEWAY,
  type LeftAmountDetail,
  type LeftAmountTransfer,
  type LeftAmountParamsInput,
  type LeftAmountRequestInput,
  type LeftAmountParams,
  type LeftAmountRequest,
} from './witkey/request.js';
export { parseAmount, formatFen, MAX_FEN, type AmountInput } from './witkey/amount.js';
export { renderForm, toFetchRequest, type RenderFormOptions, type SendableRequest } from './witkey/send.js';
