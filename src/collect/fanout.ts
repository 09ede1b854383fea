// Runs one task per host with bounded concurrency, a run deadline and interruption, and
// accounts for every host: finished, or cancelled with why. The one place that imports p-limit.
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';

/**
 * Hosts audited at once by default: pssh and pdsh use 32. Each host holds one socket (two
 * through a jump host), far below `ulimit -n` (1024 at the least), and past a few dozen a
 * 2-core client spends its time on key exchanges rather than waiting on hosts.
 */
export const DEFAULT_CONCURRENCY = 32;

export type CancelReason = 'deadline' | 'interrupted';

export type FleetEvent =
  | { kind: 'started'; name: string; index: number }
  | { kind: 'finished'; name: string; index: number; ok: boolean; durationMs: number }
  /** Never started: the run deadline passed or the run was interrupted first. */
  | { kind: 'cancelled'; name: string; index: number; why: CancelReason }
  /** The run stops: running tasks have been told (their signal aborted) and are ending. */
  | { kind: 'stopping'; why: CancelReason };

export interface FleetOptions<T, R> {
  concurrency: number;
  /** For the whole run: tasks not started by then are cancelled, running ones aborted. */
  deadlineMs?: number;
  /** Interrupts the run the same way (e.g. Ctrl-C). */
  signal?: AbortSignal;
  onEvent?: (e: FleetEvent) => void;
  /** The result for a task that never started. */
  onCancelled: (item: T, why: CancelReason) => R;
  /** Whether a finished task's result is a failure, for events; default: `result.status === 'failed'`. */
  isFailure?: (result: R) => boolean;
  /** Each result as soon as it is known, finished or cancelled, with the item's index. */
  onResult?: (result: R, index: number) => void;
}

/**
 * Runs `task` for each item, at most `concurrency` at once, and returns the results in input
 * order. A running task's signal aborts on the deadline (reason: a `TimeoutError`) or on
 * interruption (an `AbortError`), and the task must then resolve promptly. Tasks report their
 * own failures as results; a task that throws is a bug, and rejects the run.
 */
export async function runFleet<T extends { name: string }, R>(
  items: T[],
  task: (item: T, signal: AbortSignal) => Promise<R>,
  opts: FleetOptions<T, R>,
): Promise<R[]> {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${opts.concurrency}`);
  const emit = opts.onEvent ?? (() => {});
  const isFailure = opts.isFailure ?? hasFailedStatus;
  const control = new AbortController();
  // Every running task listens on this one signal: as many listeners as the concurrency, not a leak.
  setMaxListeners(0, control.signal);
  let stopped: CancelReason | undefined;
  const stop = (why: CancelReason) => {
    if (stopped) return;
    stopped = why;
    emit({ kind: 'stopping', why });
    control.abort(why === 'deadline' ? new DOMException('the run deadline passed', 'TimeoutError') : new DOMException('the run was interrupted', 'AbortError'));
  };
  const timer = opts.deadlineMs === undefined ? undefined : setTimeout(() => stop('deadline'), opts.deadlineMs);
  const onInterrupt = () => stop('interrupted');
  if (opts.signal?.aborted) onInterrupt();
  else opts.signal?.addEventListener('abort', onInterrupt, { once: true });

  const run = async (item: T, index: number): Promise<R> => {
    if (stopped) {
      emit({ kind: 'cancelled', name: item.name, index, why: stopped });
      const cancelled = opts.onCancelled(item, stopped);
      opts.onResult?.(cancelled, index);
      return cancelled;
    }
    const started = Date.now();
    emit({ kind: 'started', name: item.name, index });
    const result = await task(item, control.signal);
    emit({ kind: 'finished', name: item.name, index, ok: !isFailure(result), durationMs: Date.now() - started });
    opts.onResult?.(result, index);
    return result;
  };

  try {
    return await pLimit(opts.concurrency).map(items, run);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onInterrupt);
  }
}

function hasFailedStatus(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { status?: unknown }).status === 'failed';
}
