// Progress of a fleet run on stderr: a live line on a terminal, sparse plain lines in a log.
// The live line fits the terminal's width (host names are cut, never wrapped), so a redraw never
// leaves a stale wrapped line behind.
import type { Writable } from 'node:stream';
import type { FleetEvent } from '../collect/fanout.js';
import type { ProgressLine } from '../commands/io.js';
import { cut, visibleLine } from './terminal-text.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream | Writable;
  isTTY: boolean;
  quiet: boolean;
  total: number;
  /** The terminal's width, read at each draw (it may be resized). Default 80. */
  columns?: () => number | undefined;
  now?: () => number;
  /** Plain (non-TTY) lines come at most this often, or at each further 10 % done. Default 10 s. */
  plainEveryMs?: number;
}

/** Hosts named in the line when this few are still running: the ones a run is waiting on. */
const NAME_STRAGGLERS = 3;
const NAME_MAX = 40;
/** The live line is redrawn at most this often, and this often while nothing happens. */
const REDRAW_MS = 100;
const TICK_MS = 1000;
const DEFAULT_COLUMNS = 80;

interface Counts {
  running: Map<number, string>;
  done: number;
  failed: number;
}

/** What each event does to the counts: a new kind of event does not compile until it is handled here. */
const ON_EVENT = {
  started: (c, e) => void c.running.set(e.index, displayName(e.name)),
  finished: (c, e) => {
    c.running.delete(e.index);
    c.done++;
    if (!e.ok) c.failed++;
  },
  cancelled: (c) => {
    c.done++;
    c.failed++;
  },
  stopping: () => undefined,
} satisfies { [K in FleetEvent['kind']]: (c: Counts, e: Extract<FleetEvent, { kind: K }>) => void };

function apply(c: Counts, e: FleetEvent): void {
  (ON_EVENT[e.kind] as (c: Counts, e: FleetEvent) => void)(c, e);
}

export function createProgress(opts: ProgressOptions): ProgressLine {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const plainEveryMs = opts.plainEveryMs ?? 10_000;
  const counts: Counts = { running: new Map(), done: 0, failed: 0 };
  let finished = false;
  let lastDraw = -Infinity;
  let lastPlain = startedAt;
  let lastPlainDecile = 0;
  let tick: NodeJS.Timeout | undefined;

  /** The line, at most `width` columns: the names it waits on are cut first, then the whole. */
  const line = (width: number): string => {
    const seconds = ((now() - startedAt) / 1000).toFixed(1);
    const head = `audited ${counts.done}/${opts.total}, ${counts.failed} failed, ${seconds} s`;
    const names = [...counts.running.values()];
    if (names.length === 0 || names.length > NAME_STRAGGLERS) return cut(head, width);
    const fitted = fitNames(names, width - head.length - '; waiting on '.length - 2 * (names.length - 1));
    return fitted === undefined ? cut(head, width) : cut(`${head}; waiting on ${fitted.join(', ')}`, width);
  };
  // The last column is left empty: some terminals wrap as soon as it is written.
  const liveWidth = () => Math.max(20, (opts.columns?.() ?? DEFAULT_COLUMNS) - 1);
  const write = (s: string) => opts.stream.write(s);
  const drawLive = () => {
    lastDraw = now();
    // \r and "erase to end of line" redraw the line in place.
    write(`\r${line(liveWidth())}\x1b[K`);
  };

  const event = (e: FleetEvent): void => {
    if (finished || opts.quiet) return;
    apply(counts, e);
    if (opts.isTTY) {
      tick ??= setInterval(drawLive, TICK_MS).unref();
      if (now() - lastDraw >= REDRAW_MS || counts.done === opts.total) drawLive();
      return;
    }
    const decile = opts.total > 0 ? Math.floor((counts.done * 10) / opts.total) : 0;
    // The last line is finish()'s.
    if (counts.done < opts.total && (decile > lastPlainDecile || now() - lastPlain >= plainEveryMs)) {
      lastPlainDecile = decile;
      lastPlain = now();
      write(`${line(Number.MAX_SAFE_INTEGER)}\n`);
    }
  };

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(tick);
    if (opts.quiet) return;
    // The final line names no host: the run waits on none.
    counts.running.clear();
    write(opts.isTTY ? `\r${line(liveWidth())}\x1b[K\n` : `${line(Number.MAX_SAFE_INTEGER)}\n`);
  };

  return { event, finish };
}

/**
 * The names cut to share `room` columns: short names keep their length and leave the rest to
 * the long ones. Undefined when a name would keep fewer than 4 columns.
 */
function fitNames(names: readonly string[], room: number): string[] | undefined {
  const lengths = names.map((n) => [...n].length);
  const widths = new Array<number>(names.length).fill(0);
  let left = room;
  const shortestFirst = lengths.map((_, i) => i).sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0));
  shortestFirst.forEach((i, k) => {
    const share = Math.floor(left / (shortestFirst.length - k));
    widths[i] = Math.min(lengths[i] ?? 0, share);
    left -= widths[i] ?? 0;
  });
  if (widths.some((w, i) => w < Math.min(4, lengths[i] ?? 0))) return undefined;
  return names.map((n, i) => cut(n, widths[i] ?? 0));
}

/** A host name as it may reach a terminal: controls made visible, cut to a sane length. */
function displayName(name: string): string {
  return cut(visibleLine(name), NAME_MAX);
}
