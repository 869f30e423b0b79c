// The fields of each variant of the Notification union (src/notify/types.ts), per docs/PROTOCOL.md
// §6.1–§6.4: `required` are always present, `optional` may be, `absent` are typed `?: undefined` (a
// failed request has no response) and must not be there. notification-types.ts proves at compile time
// that these lists are exactly the types' keys; test/notify-types.test.mjs checks decoded notifications
// against them at run time. So the types and the decoder's output cannot drift apart.

const common = /** @type {const} */ (['kind', 'notifyId', 'notifyTime', 'notifyType', 'isSuccess', 'charset', 'fields']);

export const VARIANT_KEYS = /** @type {const} */ ({
  leftAmountHandledSuccess: {
    required: [...common, 'outerTaskId', 'successBidders', 'failBidders'],
    optional: ['error', 'xml', 'refund', 'platform'],
    absent: [],
  },
  leftAmountHandledFailure: {
    required: [...common, 'error', 'successBidders', 'failBidders'],
    optional: ['xml'],
    absent: ['outerTaskId', 'refund', 'platform'],
  },
  transferSuccess: {
    required: [...common, 'transfer'],
    optional: ['error', 'xml'],
    absent: [],
  },
  transferFailure: {
    required: [...common, 'error'],
    optional: ['xml'],
    absent: ['transfer'],
  },
});
