// The real process behind the Io: streams guarded by the one terminal sanitiser, colour by the
// NO_COLOR / FORCE_COLOR conventions, the terminal's width, the passphrase prompt, the progress
// line, and the signals that stop a run.
import { constants } from 'node:os';
import { Writable } from 'node:stream';
import type { Io } from '../commands/io.js';
import { createProgress } from './progress.js';
import { terminalPassphrasePrompt } from './passphrase.js';
import { guardTerminal, visibleText } from './terminal-text.js';

/** The signals that stop a run and still write its report. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The shell's convention: 128 + the signal's number (130 SIGINT, 143 SIGTERM, 129 SIGHUP). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** What the process adds to the commands' Io: the signal that stopped the run, and the raw stdout. */
export interface ProcessIo extends Io {
  /** The first stop signal received, if any. */
  interruptedBy(): StopSignal | undefined;
  /** stdout without the terminal guard: a report asked for with `-o -` goes here byte for byte. */
  reportOut: Writable;
  /** What `-` reads (`-i -`, `--probe-output -`); read by the CLI alone, and only when asked. */
  stdin: NodeJS.ReadableStream;
}

/**
 * Colour on a stream: FORCE_COLOR (set, and not 0 or false) turns it on even in a log, as
 * Node's own streams do; else NO_COLOR with any non-empty value turns it off; else only on a
 * terminal that is not "dumb".
 */
export function colorWanted(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

/** A stream whose every write passes the terminal guard on the way to `target`. */
export function guardedStream(target: NodeJS.WritableStream): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      target.write(guardTerminal(typeof chunk === 'string' ? chunk : chunk.toString('utf8')), () => done());
    },
  });
}

/** The real process: the first stop signal stops new work; a second one exits at once. */
export function processIo(): ProcessIo {
  const handlers = new Set<() => void>();
  let stoppedBy: StopSignal | undefined;
  const stderr = guardedStream(process.stderr);
  const stderrIsTTY = process.stderr.isTTY === true;
  const onSignal = (signal: StopSignal) => {
    if (stoppedBy !== undefined) process.exit(signalExitCode(signal));
    stoppedBy = signal;
    // The live progress line is cleared first, so the message starts on a clean line.
    stderr.write(
      `${stderrIsTTY ? '\r\x1b[K' : '\n'}interrupted (${signal}): stopping new connections, closing open ones, writing what was collected (a second signal quits at once)\n`,
    );
    for (const h of handlers) h();
  };
  let listening = false;
  const listeners = new Map(STOP_SIGNALS.map((s) => [s, () => onSignal(s)] as const));
  // A terminal's own width first; else COLUMNS, as a shell exports it for a pipe into a pager.
  const columns = () => process.stderr.columns ?? process.stdout.columns ?? columnsFromEnv(process.env.COLUMNS);
  return {
    stdout: guardedStream(process.stdout),
    stderr,
    reportOut: process.stdout,
    stderrIsTTY,
    color: colorWanted(process.stdout.isTTY === true, process.env),
    stderrColor: colorWanted(stderrIsTTY, process.env),
    // Read when asked: the terminal may have been resized during the run.
    get columns() {
      return columns();
    },
    env: process.env,
    stdin: process.stdin,
    warn: (m) => stderr.write(`warning: ${visibleText(m)}\n`),
    onInterrupt(h) {
      // Once a run has begun, the listeners stay for the life of the process: a signal while the
      // report is written still sets the exit code, and a second one still quits at once. (Node
      // does not keep the process alive for them.)
      if (!listening) for (const [s, l] of listeners) process.on(s, l);
      listening = true;
      handlers.add(h);
    },
    offInterrupt(h) {
      handlers.delete(h);
    },
    interruptedBy: () => stoppedBy,
    askPassphrase: terminalPassphrasePrompt(process.stdin, stderr),
    progress: (total, quiet) => createProgress({ stream: stderr, isTTY: stderrIsTTY, quiet, total, columns }),
  };
}

/** COLUMNS as a width, when it is a sensible one. */
export function columnsFromEnv(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 20 && n <= 10_000 ? n : undefined;
}
