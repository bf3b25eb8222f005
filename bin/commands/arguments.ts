/** Option parsers shared by commands; a bad value is an invalid argument (exit 1). */
import { InvalidArgumentError } from 'commander';

/** Parses an integer from 1 to `max` (unbounded without one). */
export const positiveInteger =
  (name: string, max?: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || (max !== undefined && n > max)) {
      throw new InvalidArgumentError(`${name} must be ${max === undefined ? 'a positive integer' : `an integer from 1 to ${max}`}, got ${value}`);
    }
    return n;
  };
