/**
 * alipay-witkey: the partner side of Alipay's legacy witkey interface
 * `alipay.witkey.task.left.amount.handle`, and the pieces it is built from.
 * @module
 */

export * from './charset.js';
export * from './doctor.js';
export * from './dsa.js';
export * from './notify.js';
export * from './params.js';
export * from './witkey.js';
export * from './xml.js';
