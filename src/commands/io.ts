// The terminal and process as the commands see them: passed in, so commands run as a library too.
import type { Writable } from 'node:stream';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** stderr is a terminal: progress may redraw a live line. */
  stderrIsTTY: boolean;
  /** Colour allowed on stdout (a TTY and NO_COLOR unset). */
  color: boolean;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  onInterrupt(handler: () => void): void;
  offInterrupt(handler: () => void): void;
}

/** The real process: SIGINT stops new work once, a second one exits at once. */
export function processIo(): Io {
  const handlers = new Set<() => void>();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping new connections, closing open ones, writing what was collected (Ctrl-C again to quit at once)\n');
    for (const h of handlers) h();
  };
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: process.stderr.isTTY === true,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    env: process.env,
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    onInterrupt(h) {
      if (handlers.size === 0) process.on('SIGINT', onSigint);
      handlers.add(h);
    },
    offInterrupt(h) {
      handlers.delete(h);
      if (handlers.size === 0) process.off('SIGINT', onSigint);
    },
  };
}
