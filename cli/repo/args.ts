// Whole-number arguments of the repository and report commands.
import { UsageError } from '../errors.js';

/** `text` as a whole number in [min, max], else a usage error naming `what` (e.g. "--shards"). */
export function wholeNumber(what: string, text: unknown, min = 0, max = Infinity): number {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < min || n > max) {
    const range = max < Infinity ? ` from ${min} to ${max}` : min > 0 ? ` of at least ${min}` : '';
    throw new UsageError(`${what} must be a whole number${range}, not ${text === undefined ? 'nothing' : `"${text}"`}`);
  }
  return n;
}
