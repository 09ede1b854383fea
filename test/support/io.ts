// The one fake Io of the tests: captures stdout, stderr and warnings, records progress events,
// and can deliver an interruption as a signal would.
import { Writable } from 'node:stream';
import type { FleetEvent } from '../../src/collect/fanout.js';
import type { MainIo } from '../../src/cli/main.js';
import type { StopSignal } from '../../src/cli/process-io.js';

export interface CapturedIo extends MainIo {
  out(): string;
  err(): string;
  warnings: string[];
  /** Progress events, in order, with the total each progress line was opened for. */
  events: FleetEvent[];
  /** Runs the interrupt handlers as the first stop signal would. */
  interrupt(signal?: StopSignal): void;
}

export interface CaptureOptions {
  env?: NodeJS.ProcessEnv;
  color?: boolean;
  stderrColor?: boolean;
  columns?: number;
}

export function captureIo(opts: CaptureOptions = {}): CapturedIo {
  let out = '';
  let err = '';
  const warnings: string[] = [];
  const events: FleetEvent[] = [];
  const handlers = new Set<() => void>();
  let stoppedBy: StopSignal | undefined;
  const sink = (onText: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        onText(chunk.toString());
        done();
      },
    });
  const stderr = sink((s) => (err += s));
  return {
    stdout: sink((s) => (out += s)),
    stderr,
    stderrIsTTY: false,
    color: opts.color ?? false,
    stderrColor: opts.stderrColor ?? false,
    ...(opts.columns === undefined ? {} : { columns: opts.columns }),
    env: opts.env ?? {},
    warn: (m) => {
      warnings.push(m);
      stderr.write(`warning: ${m}\n`);
    },
    onInterrupt: (h) => void handlers.add(h),
    offInterrupt: (h) => void handlers.delete(h),
    progress: () => ({ event: (e) => void events.push(e), finish: () => undefined }),
    interruptedBy: () => stoppedBy,
    out: () => out,
    err: () => err,
    warnings,
    events,
    interrupt(signal = 'SIGINT') {
      stoppedBy ??= signal;
      for (const h of handlers) h();
    },
  };
}
