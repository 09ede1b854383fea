// Observed kills (TCPAbortOnMemory, kernel log) and pressure history.
import { describe, expect, it } from 'vitest';
import { evaluateHost, defaultConfig } from '../../src/evaluate/index.js';
import { logLine, snapshot, unreadable, missing } from '../support/snapshot.js';
import { judge } from '../support/evaluate.js';

const UPTIME = 1_000_000;
const HOUR = 3600;
const DAY = 86400;

describe('kernel log lines by age (uptime minus the line timestamp)', () => {
  const withLine = (secondsAgo: number | undefined) =>
    judge(
      snapshot({
        uptime: UPTIME,
        kernelLog: [logLine('tcp-orphans', secondsAgo === undefined ? undefined : UPTIME - secondsAgo)],
      }),
      'incidents',
    );

  it.each([
    [60, 'critical'],
    [HOUR, 'critical'], // the last hour includes its edge
    [HOUR + 1, 'warning'],
    [3 * DAY, 'warning'],
    [7 * DAY, 'warning'],
    [7 * DAY + 1, 'notice'],
    [30 * DAY, 'notice'],
  ] as const)('a line %i s old is %s', (ago, level) => {
    const f = withLine(ago);
    expect(f.level).toBe(level);
    expect(f.figures.newestLineAgeSeconds).toBe(ago);
  });

  it('an undated line is a notice', () => {
    const f = withLine(undefined);
    expect(f.level).toBe('notice');
    expect(f.figures.undatedLines).toBe(1);
  });

  it('the newest line decides, and every kind of kill line counts', () => {
    const f = judge(
      snapshot({
        uptime: UPTIME,
        kernelLog: [
          logLine('socket-memory', UPTIME - 30 * DAY),
          logLine('tcp-memory', UPTIME - 2 * DAY),
          logLine('mptcp-memory'),
        ],
      }),
      'incidents',
    );
    expect(f.level).toBe('warning');
    expect(f.figures.memoryLines).toBe(1);
    expect(f.figures.socketMemoryLines).toBe(1);
    expect(f.figures.mptcpMemoryLines).toBe(1);
    expect(f.assumptions.join(' ')).toMatch(/Out of socket memory.*either cause: too many orphans or TCP memory/);
  });

  it('related lines are counted but do not raise the level', () => {
    const f = judge(
      snapshot({ uptime: UPTIME, kernelLog: [logLine('conntrack-full', UPTIME - 10), logLine('syn-flood', UPTIME - 10)] }),
      'incidents',
    );
    expect(f.level).toBe('ok');
    expect(f.figures.conntrackFullLines).toBe(1);
    expect(f.figures.synFloodLines).toBe(1);
  });

  it('ages lines from the last sample when sampling', () => {
    const f = judge(
      snapshot({
        kernelLog: [logLine('tcp-orphans', 5000)],
        samples: [{ uptime: 5000 + HOUR - 20 }, { uptime: 5000 + HOUR + 10 }],
      }),
      'incidents',
    );
    expect(f.figures.newestLineAgeSeconds).toBe(HOUR + 10);
    expect(f.level).toBe('warning');
  });
});

describe('TCPAbortOnMemory', () => {
  it('above 0 since boot is a notice', () => {
    const f = judge(snapshot({ netstat: { TcpExt: { TCPAbortOnMemory: 42 } } }), 'incidents');
    expect(f.level).toBe('notice');
    expect(f.figures.abortsSinceBoot).toBe(42);
    expect(f.figures.abortsGrowth).toBeNull();
  });

  it('0 is ok', () => {
    expect(judge(snapshot(), 'incidents').level).toBe('ok');
  });

  it('grown between the first and the last sample is critical', () => {
    const f = judge(
      snapshot({
        samples: [
          { netstat: { TcpExt: { TCPAbortOnMemory: 42 } } },
          { netstat: { TcpExt: { TCPAbortOnMemory: 42 } } },
          { netstat: { TcpExt: { TCPAbortOnMemory: 45 } } },
        ],
      }),
      'incidents',
    );
    expect(f.level).toBe('critical');
    expect(f.figures.abortsGrowth).toBe(3);
    expect(f.figures.abortsSinceBoot).toBe(45);
    expect(f.summary).toContain('grew by 3');
  });

  it('unchanged over samples stays a notice', () => {
    const f = judge(
      snapshot({ samples: [{ netstat: { TcpExt: { TCPAbortOnMemory: 7 } } }, { netstat: { TcpExt: { TCPAbortOnMemory: 7 } } }] }),
      'incidents',
    );
    expect(f.level).toBe('notice');
    expect(f.figures.abortsGrowth).toBe(0);
  });
});

describe('an unreadable kernel log', () => {
  it('is reported as such, not as "no incidents"', () => {
    const f = judge(snapshot({ kernelLog: unreadable('dmesg: read kernel buffer failed: Operation not permitted') }), 'incidents');
    expect(f.level).toBe('ok'); // the counter still says nothing was reset
    expect(f.figures.kernelLog).toBe('not readable');
    expect(f.summary).toContain('kernel log not readable');
    expect(f.summary).not.toContain('no matching kernel log lines');
  });

  it('with no counter either, incidents are unknown', () => {
    const f = judge(snapshot({ kernelLog: unreadable(), netstat: missing() }), 'incidents');
    expect(f.level).toBe('unknown');
    expect(f.summary).toContain('kernel log not readable');
  });
});

describe('pressure history', () => {
  const at = (pressures: number, chronoMs: number) =>
    judge(snapshot({ netstat: { TcpExt: { TCPMemoryPressures: pressures, TCPMemoryPressuresChrono: chronoMs } } }), 'pressure-history');

  it.each([
    [0, 0, 'ok'],
    [1, 500, 'notice'], // > 0 since boot
    [3, HOUR * 1000, 'notice'], // exactly one hour
    [3, HOUR * 1000 + 1, 'warning'], // more than one hour
  ] as const)('%i episodes, %i ms in pressure: %s', (p, ms, level) => {
    expect(at(p, ms).level).toBe(level);
  });

  it('an episode while sampling is critical', () => {
    const f = judge(
      snapshot({
        samples: [
          { netstat: { TcpExt: { TCPMemoryPressures: 3, TCPMemoryPressuresChrono: 9000 } } },
          { netstat: { TcpExt: { TCPMemoryPressures: 4, TCPMemoryPressuresChrono: 9000 } } },
        ],
      }),
      'pressure-history',
    );
    expect(f.level).toBe('critical');
    expect(f.figures.pressureEpisodesGrowth).toBe(1);
  });

  it('a kernel without the counters notes it instead of judging', () => {
    const v = evaluateHost(
      snapshot({ netstat: { TcpExt: { TCPMemoryPressures: undefined, TCPMemoryPressuresChrono: undefined } } }), defaultConfig,
    );
    expect(v.findings.map((f) => f.id)).not.toContain('pressure-history');
    expect(v.notes).toContainEqual(expect.stringMatching(/^pressure-history: not checked, .*TCPMemoryPressures/));
  });
});
