// Progress of a fleet run on stderr: a live line on a terminal, sparse plain lines in a log.
import type { Writable } from 'node:stream';
import { sanitizeForTerminal } from '../report/terminal.js';
import type { FleetEvent } from './fanout.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream | Writable;
  isTTY: boolean;
  quiet: boolean;
  total: number;
  now?: () => number;
  /** Plain (non-TTY) lines come at most this often, or at each further 10 % done. Default 10 s. */
  plainEveryMs?: number;
}

export interface Progress {
  event(e: FleetEvent): void;
  /** Prints the final line (and ends the live one); later events are ignored. */
  finish(): void;
}

/** Hosts named in the line when this few are still running: the ones a run is waiting on. */
const NAME_STRAGGLERS = 3;
const NAME_MAX = 40;
/** The live line is redrawn at most this often, and this often while nothing happens. */
const REDRAW_MS = 100;
const TICK_MS = 1000;

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const plainEveryMs = opts.plainEveryMs ?? 10_000;
  const running = new Map<number, string>();
  let done = 0;
  let failed = 0;
  let finished = false;
  let lastDraw = -Infinity;
  let lastPlain = startedAt;
  let lastPlainDecile = 0;
  let tick: NodeJS.Timeout | undefined;

  const line = (): string => {
    const seconds = ((now() - startedAt) / 1000).toFixed(1);
    let text = `audited ${done}/${opts.total}, ${failed} failed, ${seconds} s`;
    if (running.size > 0 && running.size <= NAME_STRAGGLERS) text += `; waiting on ${[...running.values()].join(', ')}`;
    return text;
  };
  const write = (s: string) => opts.stream.write(s);
  const drawLive = () => {
    lastDraw = now();
    // \r and "erase to end of line" redraw the line in place.
    write(`\r${line()}\x1b[K`);
  };

  const event = (e: FleetEvent): void => {
    if (finished || opts.quiet) return;
    switch (e.kind) {
      case 'started':
        running.set(e.index, displayName(e.name));
        break;
      case 'finished':
        running.delete(e.index);
        done++;
        if (!e.ok) failed++;
        break;
      case 'cancelled':
        done++;
        failed++;
        break;
      case 'stopping':
        break;
    }
    if (opts.isTTY) {
      tick ??= setInterval(drawLive, TICK_MS).unref();
      if (now() - lastDraw >= REDRAW_MS || done === opts.total) drawLive();
      return;
    }
    const decile = opts.total > 0 ? Math.floor((done * 10) / opts.total) : 0;
    // The last line is finish()'s.
    if (done < opts.total && (decile > lastPlainDecile || now() - lastPlain >= plainEveryMs)) {
      lastPlainDecile = decile;
      lastPlain = now();
      write(`${line()}\n`);
    }
  };

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(tick);
    if (opts.quiet) return;
    write(opts.isTTY ? `\r${line()}\x1b[K\n` : `${line()}\n`);
  };

  return { event, finish };
}

/** A host name as it may reach a terminal: controls removed, cut to a sane length. */
function displayName(name: string): string {
  const clean = sanitizeForTerminal(name);
  return clean.length > NAME_MAX ? `${clean.slice(0, NAME_MAX - 1)}…` : clean;
}
