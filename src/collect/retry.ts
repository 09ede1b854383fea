// Retries with exponential backoff and full jitter, bounded in count and by a deadline.
// Jitter spreads the retries of many hosts dropped at once (a bastion's MaxStartups) so they do
// not come back in one burst and get dropped again.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Three attempts, 250 ms then 500 ms (before jitter): enough to ride out a dropped handshake. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2000 };

/** Delay before retry number `retry` (1 = the first retry): uniform in [0, min(max, base * 2^(retry-1))]. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  policy: RetryPolicy;
  isTransient: (error: unknown) => boolean;
  /** Aborting stops waiting and rejects with the signal's reason. */
  signal: AbortSignal;
  /** No retry starts after this time (ms since the epoch, as `now`). */
  deadlineAt: number;
  now?: () => number;
  random?: () => number;
}

/** Runs `run` until it succeeds, fails for good, runs out of attempts, or the deadline is too near. */
export async function withRetry<T>(run: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (attempt >= opts.policy.attempts || !opts.isTransient(error) || opts.signal.aborted) throw error;
      const delay = backoffDelay(attempt, opts.policy, opts.random);
      if (now() + delay >= opts.deadlineAt) throw error;
      await sleep(delay, opts.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
