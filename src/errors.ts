// Errors that end a run before any host is touched. The CLI maps them to exit code 2.

/** A problem in an inventory or config file: names the file, line and problem. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'InputError';
  }
}

/** What a pure parser returns: its value and every problem found, never a throw. */
export interface Result<T> {
  value: T;
  warnings: string[];
  errors: InputError[];
}

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
  /** The run finished but a report file could not be written (and nothing else failed it). */
  unwritten: 4,
} as const;
