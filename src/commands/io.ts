// The terminal and process as the commands see them: passed in, so commands run as a library too.
// The real one is cli/process-io.ts.
import type { Writable } from 'node:stream';
import type { FleetEvent } from '../collect/fanout.js';

/** The live progress of a fleet run, fed the fan-out's events. */
export interface ProgressLine {
  event(e: FleetEvent): void;
  /** Ends the line (no stale line is left); later events are ignored. */
  finish(): void;
}

export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** stderr is a terminal: progress may redraw a live line. */
  stderrIsTTY: boolean;
  /** Colour allowed on stdout (a TTY, or FORCE_COLOR; never with NO_COLOR). */
  color: boolean;
  /** Colour allowed on stderr, where the summary goes when a report is written to stdout. */
  stderrColor?: boolean;
  /** The terminal's width in columns, for lines that must not wrap. Absent: 80. */
  columns?: number;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  onInterrupt(handler: () => void): void;
  offInterrupt(handler: () => void): void;
  /** Asks the user for a secret without echoing it; undefined when nobody can answer (no terminal). */
  askPassphrase?: (prompt: string) => Promise<string | undefined>;
  /** A progress line for a run over `total` hosts; draws nothing when `quiet`. */
  progress(total: number, quiet: boolean): ProgressLine;
}
