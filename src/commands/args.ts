// Command-line parsing shared by the commands: node:util's parseArgs, its complaints as usage errors.
import { UsageError } from '../errors.js';

/** Runs a parse, turning whatever it throws into a UsageError (exit 2). */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Options of every command that writes pages from a saved run (whatif, compare). */
export const SAVED_RUN_PAGE_ARGS = {
  from: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;
