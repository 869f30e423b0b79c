/**
 * Checking an options argument at the public boundary: `undefined` means none; anything that is
 * not a plain object is an `INVALID_OPTION` error rather than a TypeError deep inside.
 * @module
 */
import { WitkeyError } from './errors.js';

/** Returns `options`, `{}` when it is undefined; throws INVALID_OPTION for null or a non-object. */
export function optionsObject<T extends object>(options: T | undefined, fn: string, name = 'options'): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new WitkeyError(
      'INVALID_OPTION',
      `${fn}: ${name} must be an object or undefined, got ${options === null ? 'null' : typeof options}`,
      {
        field: name,
      },
    );
  }
  return options;
}
