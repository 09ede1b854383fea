// diff / --baseline: a holder (state and local endpoint) new since the baseline, or grown.
import { describe, expect, it } from 'vitest';
import { diffRuns } from '../../src/run/trend.js';
import type { HostDigest, RunDigest } from '../../src/run/types.js';
import { assembleTrendView } from '../../src/report/trend-view.js';

const host = (holders?: HostDigest['holders']): HostDigest => ({
  name: 'web-1',
  verdict: 'warning',
  score: 50,
  stage: null,
  findings: [],
  counters: {},
  uptimeSeconds: 1000,
  bootId: 'b',
  ...(holders ? { holders } : {}),
});
const run = (h: HostDigest): RunDigest => ({ tool: { name: 'sockaudit', version: 't' }, startedAt: '2026-01-01T00:00:00Z', hosts: [h] });

describe('holders in a trend', () => {
  it('names a new holder and one that grew, not one that shrank', () => {
    const before = host([
      { key: 'FIN_WAIT1 10.20.0.5:443', count: 2000 },
      { key: 'LAST_ACK 10.20.0.5:80', count: 900 },
    ]);
    const after = host([
      { key: 'FIN_WAIT1 10.20.0.5:443', count: 21600 },
      { key: 'LAST_ACK 10.20.0.5:80', count: 400 },
      { key: 'CLOSING [2001:db8::5]:443', count: 30 },
    ]);
    const trend = diffRuns(run(before), run(after));
    expect(trend.hosts).toHaveLength(1);
    expect(trend.hosts[0]?.holders).toEqual([
      { key: 'FIN_WAIT1 10.20.0.5:443', before: 2000, after: 21600 },
      { key: 'CLOSING [2001:db8::5]:443', before: null, after: 30 },
    ]);
    const view = assembleTrendView(trend, () => null);
    expect(view.hosts[0]?.notes).toEqual(['holder FIN_WAIT1 10.20.0.5:443 grew: 2000 → 21600 orphans', 'new holder CLOSING [2001:db8::5]:443: 30 orphans']);
  });

  it('every holder is new when the baseline did not read the table; nothing when this run did not', () => {
    const now = host([{ key: 'FIN_WAIT1 10.20.0.5:443', count: 5 }]);
    expect(diffRuns(run(host()), run(now)).hosts[0]?.holders).toEqual([{ key: 'FIN_WAIT1 10.20.0.5:443', before: null, after: 5 }]);
    expect(diffRuns(run(now), run(host())).hosts).toEqual([]);
  });
});
