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
