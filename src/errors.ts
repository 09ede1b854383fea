// Errors that end a run before any host is touched. The CLI maps them to exit code 2.
export { InputError } from './inventory/types.js';

/** The command line itself is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A run was asked to read or write something it could not (an output folder, a saved report). */
export class RunError extends Error {
  override name = 'RunError';
}

/** Exit codes, decided once at the end of a run. */
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  unaudited: 3,
} as const;
