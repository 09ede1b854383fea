import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function sink(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { stream, writes };
}

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('createProgress on a terminal', () => {
  it('redraws one line in place, at most every 100 ms, and ends it with the final line', () => {
    const { stream, writes } = sink();
    const c = clock();
    const p = createProgress({ stream, isTTY: true, quiet: false, total: 3, now: c.now });
    p.event({ kind: 'started', name: 'web-1', index: 0 });
    c.advance(50);
    p.event({ kind: 'started', name: 'web-2', index: 1 });
    c.advance(1200);
    p.event({ kind: 'finished', name: 'web-1', index: 0, ok: true, durationMs: 1250 });
    c.advance(30);
    p.event({ kind: 'finished', name: 'web-2', index: 1, ok: false, durationMs: 1230 });
    c.advance(20);
    p.event({ kind: 'cancelled', name: 'web-3', index: 2, why: 'deadline' });
    p.finish();
    p.event({ kind: 'started', name: 'late', index: 9 });
    expect(writes).toEqual([
      '\raudited 0/3, 0 failed, 0.0 s; waiting on web-1\x1b[K',
      '\raudited 1/3, 0 failed, 1.3 s; waiting on web-2\x1b[K',
      // the last event completes the run, so it is drawn at once
      '\raudited 3/3, 2 failed, 1.3 s\x1b[K',
      '\raudited 3/3, 2 failed, 1.3 s\x1b[K\n',
    ]);
  });

  it('prints host names without their control characters', () => {
    const { stream, writes } = sink();
    const p = createProgress({ stream, isTTY: true, quiet: false, total: 2, now: clock().now, columns: () => 200 });
    p.event({ kind: 'started', name: 'evil\x1b]0;owned\x07\x1b[2J-host\r\n', index: 0 });
    p.finish();
    const first = writes[0] ?? '';
    expect(first).toContain('waiting on evil');
    expect(first).toContain('-host');
    // Only the progress line's own \r and erase-line sequence remain.
    expect(first.replace('\x1b[K', '').replace(/^\r/, '')).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('cuts very long names', () => {
    const { stream, writes } = sink();
    const p = createProgress({ stream, isTTY: true, quiet: false, total: 2, now: clock().now, columns: () => 200 });
    p.event({ kind: 'started', name: 'x'.repeat(500), index: 0 });
    p.finish();
    expect(writes[0]).toContain(`${'x'.repeat(39)}…`);
    expect(writes[0]).not.toContain('x'.repeat(40));
  });
});

describe('createProgress at the width of the terminal', () => {
  const fqdns = ['web03.example.internal', 'db1.example.internal', 'cache-eu-west-1b.example.internal'];
  /** What a line shows once its own \r and erase-line are taken off. */
  const shown = (w: string) => w.replace(/^\r/, '').replace(/\x1b\[K\n?$/, '');

  for (const columns of [80, 60, 132]) {
    it(`never writes past ${columns - 1} columns, cutting host names rather than wrapping`, () => {
      const { stream, writes } = sink();
      const c = clock();
      const p = createProgress({ stream, isTTY: true, quiet: false, total: 6, now: c.now, columns: () => columns });
      fqdns.forEach((name, index) => {
        c.advance(200);
        p.event({ kind: 'started', name, index });
      });
      c.advance(3000);
      p.finish();
      expect(writes.length).toBeGreaterThan(2);
      for (const w of writes) expect([...shown(w)].length).toBeLessThanOrEqual(columns - 1);
      const waiting = writes.filter((w) => w.includes('waiting on'));
      expect(waiting.length).toBeGreaterThan(0);
      // Each name keeps its start, so the reader can still tell the hosts apart.
      const last = waiting.at(-1) ?? '';
      for (const name of fqdns) expect(last).toContain(name.slice(0, 3));
      if (columns >= 132) for (const name of fqdns) expect(last).toContain(name);
      // The final line names no host and ends the line: nothing stale is left to redraw over.
      expect(writes.at(-1)).toMatch(/^\raudited 0\/6, 0 failed, 3\.6 s\x1b\[K\n$/);
    });
  }

  it('follows a resize between draws', () => {
    const { stream, writes } = sink();
    const c = clock();
    let columns = 120;
    const p = createProgress({ stream, isTTY: true, quiet: false, total: 2, now: c.now, columns: () => columns });
    p.event({ kind: 'started', name: 'a-rather-long-host-name.example.internal', index: 0 });
    columns = 40;
    c.advance(200);
    p.event({ kind: 'started', name: 'another-long-host-name.example.internal', index: 1 });
    expect(shown(writes[0] ?? '')).toContain('a-rather-long-host-name.example.internal');
    expect([...shown(writes[1] ?? '')].length).toBeLessThanOrEqual(39);
    p.finish();
  });
});

describe('createProgress in a log', () => {
  it('prints a plain line at each further 10 % and a final line, with no control characters', () => {
    const { stream, writes } = sink();
    const c = clock();
    const p = createProgress({ stream, isTTY: false, quiet: false, total: 20, now: c.now });
    for (let i = 0; i < 20; i++) {
      p.event({ kind: 'started', name: `h${i}`, index: i });
      c.advance(100);
      p.event({ kind: 'finished', name: `h${i}`, index: i, ok: i % 5 !== 0, durationMs: 100 });
    }
    p.finish();
    expect(writes).toHaveLength(10);
    expect(writes[0]).toBe('audited 2/20, 1 failed, 0.2 s\n');
    expect(writes[8]).toBe('audited 18/20, 4 failed, 1.8 s\n');
    expect(writes[9]).toBe('audited 20/20, 4 failed, 2.0 s\n');
    expect(writes.join('')).not.toMatch(/[\r\x1b]/);
  });

  it('also prints a line when a slow run has not moved a tenth in plainEveryMs', () => {
    const { stream, writes } = sink();
    const c = clock();
    const p = createProgress({ stream, isTTY: false, quiet: false, total: 100, now: c.now, plainEveryMs: 5000 });
    p.event({ kind: 'started', name: 'slow', index: 0 });
    c.advance(6000);
    p.event({ kind: 'started', name: 'slower', index: 1 });
    expect(writes).toEqual(['audited 0/100, 0 failed, 6.0 s; waiting on slow, slower\n']);
    p.finish();
  });
});

describe('createProgress when quiet', () => {
  it('prints nothing at all', () => {
    const { stream, writes } = sink();
    for (const isTTY of [true, false]) {
      const p = createProgress({ stream, isTTY, quiet: true, total: 1 });
      p.event({ kind: 'started', name: 'a', index: 0 });
      p.event({ kind: 'finished', name: 'a', index: 0, ok: false, durationMs: 1 });
      p.finish();
    }
    expect(writes).toEqual([]);
  });
});
