// Compile-time tests of the Notification union, compiled by `tsc --noEmit` (test/notify-types.test.mjs)
// against the built package's own declarations (the `alipay-witkey` self-reference resolves to dist/).
// Positive cases must compile; each negative case carries `@ts-expect-error`, and tsc fails if the line
// below it compiles after all ("unused directive").

import {
  createNotifyHandler,
  decodeNotification,
  decodeReturn,
  type LeftAmountHandledFailure,
  type LeftAmountHandledSuccess,
  type Notification,
  type TransferDetail,
  type TransferFailure,
  type TransferLine,
  type TransferStatus,
  type TransferSuccess,
} from 'alipay-witkey';
import type { VARIANT_KEYS } from './notification-keys.mjs';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => {};
declare const n: Notification;
declare const use: (...values: unknown[]) => void;

// ---- narrowing on kind, then on isSuccess ----
if (n.kind === 'assign_transfer' && n.isSuccess) {
  const status: TransferStatus = n.transfer.status;
  const no: string = n.transfer.outerTransferNo;
  assertType<Equal<typeof n.transfer, TransferDetail>>();
  assertType<Equal<typeof n.kind, 'assign_transfer'>>();
  use(status, no);
}
if (n.kind === 'refund_transfer' && n.isSuccess) use(n.transfer.amount.length);
if (n.kind === 'platform_profit_transfer' && n.isSuccess) use(n.transfer.alipayTransferNo.length);
if (n.kind === 'left_amount_handled' && n.isSuccess) {
  const task: string = n.outerTaskId;
  // refund and platform stay optional: the request may have had neither (docs/PROTOCOL.md §1).
  assertType<Equal<typeof n.refund, TransferLine | undefined>>();
  use(task.length, n.successBidders[0]?.nickName, n.refund?.amount);
}
// the other order of narrowing works too
if (n.isSuccess && n.kind === 'assign_transfer') use(n.transfer.status);
// a failed request: error is a string, for every kind
if (!n.isSuccess) {
  const code: string = n.error;
  use(code.length);
}
// switch on kind
switch (n.kind) {
  case 'left_amount_handled':
    use(n.successBidders.length, n.failBidders.length);
    break;
  case 'assign_transfer':
  case 'refund_transfer':
  case 'platform_profit_transfer':
    if (n.isSuccess) use(n.transfer.status);
    else use(n.error.length);
    break;
  default: {
    const never: never = n;
    use(never);
  }
}
// optional chaining written against the old types still compiles
if (n.kind === 'assign_transfer') use(n.transfer?.status);
if (n.kind === 'left_amount_handled') use(n.outerTaskId?.length);

// ---- negative: what the protocol does not guarantee does not compile ----
if (n.kind === 'assign_transfer') {
  // @ts-expect-error transfer is absent when is_success is F: narrow on isSuccess first
  use(n.transfer.status);
  // @ts-expect-error no bidder lists on a transfer notification
  use(n.successBidders);
}
if (n.kind === 'left_amount_handled') {
  // @ts-expect-error outerTaskId is absent when is_success is F
  use(n.outerTaskId.length);
  // @ts-expect-error a §6.1 notification has no transfer
  use(n.transfer);
}
if (n.isSuccess) {
  // @ts-expect-error error is not guaranteed on a successful request
  use(n.error.length);
  // @ts-expect-error kind not narrowed: a §6.1 notification has no transfer
  use(n.transfer.status);
}
if (n.kind === 'assign_transfer' && !n.isSuccess) {
  // @ts-expect-error a failed request has no transfer
  use(n.transfer.status);
}
// @ts-expect-error a notification is not a §6.1 one until narrowed
const lah: LeftAmountHandledSuccess = n;
// @ts-expect-error kind and isSuccess must agree with the variant
const wrong: TransferSuccess<'assign_transfer'> = { ...({} as TransferSuccess<'refund_transfer'>) };
use(lah, wrong);

// ---- the public functions hand out the union ----
declare const alipayPublicKey: Parameters<typeof decodeNotification>[1]['alipayPublicKey'];
async function decoded(): Promise<void> {
  const d = await decodeNotification(new Uint8Array(), { alipayPublicKey });
  assertType<Equal<typeof d, Notification>>();
  const ret = await decodeReturn('', { alipayPublicKey });
  if (ret.isSuccess) use(ret.outerTaskId.length);
  // @ts-expect-error the return data of a failed request has no task
  use(ret.outerTaskId.length);
}
use(decoded);
// onNotification receives the union: the same narrowing works inside the handler
createNotifyHandler({
  alipayPublicKey,
  onNotification(notification, context) {
    assertType<Equal<typeof notification, Notification>>();
    if (notification.kind === 'assign_transfer' && notification.isSuccess)
      use(notification.transfer.status, context.fencingToken);
    // @ts-expect-error not narrowed on isSuccess
    if (notification.kind === 'assign_transfer') use(notification.transfer.status);
  },
});

// ---- the key lists the runtime test checks are exactly the variants' keys ----
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type OptionalKeys<T> = Exclude<keyof T, RequiredKeys<T>>;
type Lists = typeof VARIANT_KEYS;
type Check<T, L extends { required: readonly string[]; optional: readonly string[]; absent: readonly string[] }> = [
  Equal<L['required'][number], RequiredKeys<T>>,
  Equal<L['optional'][number] | L['absent'][number], OptionalKeys<T>>,
  Equal<L['absent'][number] extends never ? undefined : T[L['absent'][number] & keyof T], undefined>,
];
assertType<Equal<Check<LeftAmountHandledSuccess, Lists['leftAmountHandledSuccess']>, [true, true, true]>>();
assertType<Equal<Check<LeftAmountHandledFailure, Lists['leftAmountHandledFailure']>, [true, true, true]>>();
assertType<Equal<Check<TransferSuccess, Lists['transferSuccess']>, [true, true, true]>>();
assertType<Equal<Check<TransferFailure, Lists['transferFailure']>, [true, true, true]>>();
// and the union has exactly these variants
assertType<
  Equal<
    Notification,
    | LeftAmountHandledSuccess
    | LeftAmountHandledFailure
    | TransferSuccess<'refund_transfer'>
    | TransferFailure<'refund_transfer'>
    | TransferSuccess<'assign_transfer'>
    | TransferFailure<'assign_transfer'>
    | TransferSuccess<'platform_profit_transfer'>
    | TransferFailure<'platform_profit_transfer'>
  >
>();
