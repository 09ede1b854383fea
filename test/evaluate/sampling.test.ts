// Sampling through the real path from probe output to verdict: the assembler's samples, then the
// evaluator's peaks of gauges and growth of counters (RISK-MODEL.md sections 3 and 4).
import { describe, expect, it } from 'vitest';
import { evaluateHost, defaultConfig } from '../../src/evaluate/index.js';
import type { Finding, HostVerdict } from '../../src/evaluate/index.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { Snapshot } from '../../src/procfs/types.js';
import { craftRecording, readRecording, type SampleEdit } from '../support/craft.js';

function snapshotOf(recording: string): Snapshot {
  const framed = parseProbeFrame(recording, RECORDED_BOUNDARY);
  if (!framed.ok) throw new Error(framed.error);
  return assembleSnapshot(framed.record).snapshot;
}

function findingOf(verdict: HostVerdict, id: string): Finding {
  const f = verdict.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id}: ${(verdict.notes ?? []).join('; ')}`);
  return f;
}

/** A sockstat TCP field in every sample, as the assembler read it. */
function gauge(s: Snapshot, field: 'orphan' | 'tw' | 'mem'): number[] {
  return s.samples.map((x) => {
    if (x.sockstat.state !== 'ok' || x.sockstat.value.tcp?.[field] === undefined) throw new Error(`sample without ${field}`);
    return x.sockstat.value.tcp[field];
  });
}

const healthy = readRecording('web-healthy-618');
const quiet = (tcpExt: Record<string, number> = {}): SampleEdit => ({ tcp: { orphan: 10, tw: 20, mem: 300 }, tcpExt });

describe('batch-abort-515, as recorded: three samples 5 s apart', () => {
  const snap = snapshotOf(readRecording('batch-abort-515'));
  const verdict = evaluateHost(snap, defaultConfig);

  it('has three samples with rising uptime', () => {
    expect(snap.samples).toHaveLength(3);
    const up = snap.samples.map((s) => s.uptimeSeconds as number);
    expect(up[1]! - up[0]!).toBeGreaterThan(0);
    expect(up[2]! - up[1]!).toBeGreaterThan(0);
  });

  it('judges orphans, memory and TIME_WAIT by their maxima over the samples', () => {
    const orphans = gauge(snap, 'orphan');
    // The recording peaks in the middle, so the last sample would not do.
    expect(Math.max(...orphans)).not.toBe(orphans.at(-1));
    expect(findingOf(verdict, 'orphans').figures.orphan).toBe(Math.max(...orphans));
    expect(findingOf(verdict, 'orphans').figures.orphanLast).toBe(orphans.at(-1));
    expect(findingOf(verdict, 'tcp-memory').figures.memAsPrinted).toBe(Math.max(...gauge(snap, 'mem')));
    expect(findingOf(verdict, 'time-wait').figures.tw).toBe(Math.max(...gauge(snap, 'tw')));
    for (const id of ['orphans', 'tcp-memory', 'time-wait']) expect(findingOf(verdict, id).figures.samples).toBe(3);
  });

  it('makes the incidents finding critical, with the growth and the count since boot', () => {
    const aborts = snap.samples.map((s) => (s.netstat.state === 'ok' ? Number(s.netstat.value.groups.TcpExt?.TCPAbortOnMemory) : NaN));
    const incidents = findingOf(verdict, 'incidents');
    expect(aborts[2]! > aborts[0]!).toBe(true);
    expect(incidents.level).toBe('critical');
    expect(incidents.figures.abortsGrowth).toBe(aborts[2]! - aborts[0]!);
    expect(incidents.figures.abortsSinceBoot).toBe(aborts[2]);
    expect(incidents.summary).toContain(`grew by ${aborts[2]! - aborts[0]!} while sampling`);
  });
});

describe('a crafted recording whose gauges peak in the middle sample', () => {
  const limits = snapshotOf(healthy).sysctl;
  const value = (name: string, i = 0): number => {
    const r = limits[name];
    if (r?.state !== 'ok') throw new Error(`${name} not read`);
    return Number(r.value[i]);
  };
  const maxOrphans = value('net.ipv4.tcp_max_orphans');
  const buckets = value('net.ipv4.tcp_max_tw_buckets');
  const high = value('net.ipv4.tcp_mem', 2);
  // Middle sample: past a quarter of tcp_max_orphans, 90 % of the TIME_WAIT buckets, 95 % of tcp_mem high.
  const middle = { orphan: Math.ceil(maxOrphans * 0.3), tw: Math.ceil(buckets * 0.9), mem: Math.ceil(high * 0.95) };
  const low = { orphan: 10, tw: 20, mem: 300 };
  const peaked = evaluateHost(snapshotOf(craftRecording(healthy, [{ tcp: low }, { tcp: middle }, { tcp: { orphan: 11, tw: 21, mem: 301 } }])), defaultConfig);
  const withoutMiddle = evaluateHost(snapshotOf(craftRecording(healthy, [{ tcp: low }, { tcp: { orphan: 11, tw: 21, mem: 301 } }])), defaultConfig);

  it('reports the middle sample as the peak, not the last', () => {
    expect(findingOf(peaked, 'orphans').figures.orphan).toBe(middle.orphan);
    expect(findingOf(peaked, 'orphans').figures.orphanLast).toBe(11);
    expect(findingOf(peaked, 'time-wait').figures.tw).toBe(middle.tw);
    expect(findingOf(peaked, 'tcp-memory').figures.memAsPrinted).toBe(middle.mem);
  });

  it('judges the levels from the peak', () => {
    expect(findingOf(peaked, 'orphans').level).toBe('critical');
    expect(findingOf(peaked, 'time-wait').level).toBe('warning');
    expect(findingOf(peaked, 'tcp-memory').level).toBe('critical');
    expect(findingOf(peaked, 'orphans').summary).toContain('peak of 3 samples');
  });

  it('the same host without the middle sample is ok on all three', () => {
    for (const id of ['orphans', 'time-wait', 'tcp-memory']) expect(findingOf(withoutMiddle, id).level).toBe('ok');
  });
});

describe('a counter that grows while sampling makes its finding critical', () => {
  const cases = [
    { counter: 'TCPAbortOnMemory', finding: 'incidents', growth: 'abortsGrowth', since: 'abortsSinceBoot' },
    { counter: 'TCPMemoryPressures', finding: 'pressure-history', growth: 'pressureEpisodesGrowth', since: 'pressureEpisodes' },
    { counter: 'TCPTimeWaitOverflow', finding: 'time-wait', growth: 'overflowGrowth', since: 'overflowsSinceBoot' },
  ] as const;

  it.each(cases)('$counter growing makes $finding critical and decides the host', ({ counter, finding, growth, since }) => {
    const v = evaluateHost(snapshotOf(craftRecording(healthy, [quiet({ [counter]: 4 }), quiet({ [counter]: 4 }), quiet({ [counter]: 9 })])), defaultConfig);
    const f = findingOf(v, finding);
    expect(f.level).toBe('critical');
    expect(f.figures[growth]).toBe(5);
    expect(f.figures[since]).toBe(9);
    expect(v.verdict).toBe('critical');
    expect(v.decidedBy).toBe(finding);
  });

  it.each(cases)('$counter steady over the samples is not critical', ({ counter, finding, growth }) => {
    const v = evaluateHost(snapshotOf(craftRecording(healthy, [quiet({ [counter]: 4 }), quiet({ [counter]: 4 }), quiet({ [counter]: 4 })])), defaultConfig);
    const f = findingOf(v, finding);
    expect(f.level).not.toBe('critical');
    expect(f.figures[growth]).toBe(0);
    expect(v.verdict).not.toBe('critical');
  });

  it('a counter that went backwards (a reset) is not read as growth', () => {
    const v = evaluateHost(
      snapshotOf(craftRecording(healthy, [quiet({ TCPAbortOnMemory: 9 }), quiet({ TCPAbortOnMemory: 1 }), quiet({ TCPAbortOnMemory: 3 })])), defaultConfig,
    );
    expect(findingOf(v, 'incidents').level).not.toBe('critical');
    expect(findingOf(v, 'incidents').figures.abortsGrowth).toBeNull();
  });
});
