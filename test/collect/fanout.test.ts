import { describe, expect, it } from 'vitest';
import { runFleet } from '../../src/collect/fanout.js';
import type { FleetEvent } from '../../src/collect/fanout.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const hosts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `h${i}`, i }));

/** Resolves after `ms`, or at once with the abort reason's name when the signal fires. */
function waitOrAbort(ms: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('done'), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(`aborted:${(signal.reason as Error).name}`);
    });
  });
}

describe('runFleet', () => {
  it('never runs more tasks at once than the concurrency', async () => {
    let active = 0;
    let peak = 0;
    const results = await runFleet(
      hosts(20),
      async (h) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(5 + ((h.i * 7) % 11));
        active--;
        return h.i;
      },
      { concurrency: 3, onCancelled: () => -1 },
    );
    expect(peak).toBe(3);
    expect(results).toEqual(hosts(20).map((h) => h.i));
  });

  it('returns results in input order, whatever order tasks finish in', async () => {
    const order: string[] = [];
    const results = await runFleet(
      hosts(6),
      async (h) => {
        await sleep((6 - h.i) * 8);
        order.push(h.name);
        return `r-${h.name}`;
      },
      { concurrency: 6, onCancelled: () => 'cancelled' },
    );
    expect(order).toEqual(['h5', 'h4', 'h3', 'h2', 'h1', 'h0']);
    expect(results).toEqual(['r-h0', 'r-h1', 'r-h2', 'r-h3', 'r-h4', 'r-h5']);
  });

  it('on the deadline, aborts running tasks and cancels the ones not started', async () => {
    const started = Date.now();
    const events: FleetEvent[] = [];
    const results = await runFleet(hosts(6), async (_h, signal) => waitOrAbort(5000, signal), {
      concurrency: 2,
      deadlineMs: 100,
      onEvent: (e) => events.push(e),
      onCancelled: (h, why) => `cancelled:${h.name}:${why}`,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(results).toEqual([
      'aborted:TimeoutError',
      'aborted:TimeoutError',
      'cancelled:h2:deadline',
      'cancelled:h3:deadline',
      'cancelled:h4:deadline',
      'cancelled:h5:deadline',
    ]);
    expect(events.filter((e) => e.kind === 'stopping')).toEqual([{ kind: 'stopping', why: 'deadline' }]);
    expect(events.filter((e) => e.kind === 'cancelled').map((e) => e.kind === 'cancelled' && e.name)).toEqual(['h2', 'h3', 'h4', 'h5']);
  });

  it('hands over each result as it settles, finished or cancelled, with its index', async () => {
    const seen: string[] = [];
    const results = await runFleet(hosts(5), async (h, signal) => (h.i === 1 ? `quick-${h.name}` : waitOrAbort(h.i === 0 ? 60 : 5000, signal)), {
      concurrency: 2,
      deadlineMs: 150,
      onCancelled: (h, why) => `cancelled:${h.name}:${why}`,
      onResult: (r, i) => seen.push(`${i}=${r}`),
    });
    // h1 first, then h0 when its wait ends, then h2 (started after h1) aborted at the deadline
    // while h3 and h4 never start.
    expect(seen[0]).toBe('1=quick-h1');
    expect(seen.slice().sort()).toEqual(results.map((r, i) => `${i}=${r}`).sort());
    expect(seen.indexOf('0=done')).toBeLessThan(seen.indexOf('2=aborted:TimeoutError'));
    expect(seen).toContain('4=cancelled:h4:deadline');
  });

  it('on interruption, aborts running tasks with an AbortError and cancels the rest', async () => {
    const control = new AbortController();
    setTimeout(() => control.abort(), 50);
    const results = await runFleet(hosts(3), async (_h, signal) => waitOrAbort(5000, signal), {
      concurrency: 1,
      signal: control.signal,
      onCancelled: (h, why) => `cancelled:${h.name}:${why}`,
    });
    expect(results).toEqual(['aborted:AbortError', 'cancelled:h1:interrupted', 'cancelled:h2:interrupted']);
  });

  it('starts nothing when the signal is already aborted', async () => {
    const control = new AbortController();
    control.abort();
    let calls = 0;
    const results = await runFleet(
      hosts(3),
      async () => {
        calls++;
        return 'ran';
      },
      { concurrency: 2, signal: control.signal, onCancelled: (_h, why) => why },
    );
    expect(calls).toBe(0);
    expect(results).toEqual(['interrupted', 'interrupted', 'interrupted']);
  });

  it('emits started and finished events, judging failures by result status', async () => {
    const events: FleetEvent[] = [];
    await runFleet(hosts(3), async (h) => ({ status: h.i === 1 ? 'failed' : 'ok' }), {
      concurrency: 1,
      onEvent: (e) => events.push(e),
      onCancelled: () => ({ status: 'failed' }),
    });
    expect(events).toEqual([
      { kind: 'started', name: 'h0', index: 0 },
      { kind: 'finished', name: 'h0', index: 0, ok: true, durationMs: expect.any(Number) },
      { kind: 'started', name: 'h1', index: 1 },
      { kind: 'finished', name: 'h1', index: 1, ok: false, durationMs: expect.any(Number) },
      { kind: 'started', name: 'h2', index: 2 },
      { kind: 'finished', name: 'h2', index: 2, ok: true, durationMs: expect.any(Number) },
    ]);
  });

  it('uses isFailure when given', async () => {
    const events: FleetEvent[] = [];
    await runFleet(hosts(2), async (h) => h.i, { concurrency: 2, onEvent: (e) => events.push(e), isFailure: (r) => r === 0, onCancelled: () => -1 });
    const finished = events.flatMap((e) => (e.kind === 'finished' ? [[e.name, e.ok]] : []));
    expect(finished.sort()).toEqual([
      ['h0', false],
      ['h1', true],
    ]);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(runFleet(hosts(1), async () => 1, { concurrency: 0, onCancelled: () => 0 })).rejects.toThrow(RangeError);
  });
});
