// The chart view data: sampled series placed against their limits, in the evaluator's unit.
import { describe, expect, it } from 'vitest';
import { evaluateHost, defaultConfig } from '../../src/evaluate/index.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { Snapshot } from '../../src/procfs/types.js';
import { assembleCharts, CHART_LAYOUT, type ChartView } from '../../src/report/charts.js';
import { craftRecording, readRecording } from '../support/craft.js';

function snapshotOf(recording: string): Snapshot {
  const framed = parseProbeFrame(recording, RECORDED_BOUNDARY);
  if (!framed.ok) throw new Error(framed.error);
  return assembleSnapshot(framed.record).snapshot;
}

function chartsOf(snap: Snapshot): ChartView[] {
  return assembleCharts(snap, evaluateHost(snap, defaultConfig).findings, 'host-7');
}

function chart(charts: ChartView[], id: ChartView['id']): ChartView {
  const c = charts.find((x) => x.id === id);
  if (!c) throw new Error(`no ${id} chart among ${charts.map((x) => x.id).join(', ')}`);
  return c;
}

/** Height above the plot's bottom edge, which is proportional to the value drawn there. */
const heightOf = (c: ChartView, y: number): number => c.plot.bottom - y;

const healthy = readRecording('web-healthy-618');
const ORPHANS = [900, 40_000, 1200];
const TW = [100, 3000, 200];
const MEM = [5000, 9000, 7000];
const peaked = snapshotOf(
  craftRecording(
    healthy,
    ORPHANS.map((orphan, k) => ({ at: [0, 5, 15][k], tcp: { orphan, tw: TW[k], mem: MEM[k] } })),
  ),
);
const maxOrphans = (() => {
  const r = peaked.sysctl['net.ipv4.tcp_max_orphans'];
  if (r?.state !== 'ok') throw new Error('tcp_max_orphans not read');
  return Number(r.value[0]);
})();

describe('charts of a host sampled three times', () => {
  const charts = chartsOf(peaked);

  it('draws orphans, TCP memory and TIME_WAIT, one point per sample, with ids from the anchor', () => {
    expect(charts.map((c) => c.id)).toEqual(['orphans', 'tcp-memory', 'time-wait']);
    for (const c of charts) {
      expect(c.points).toHaveLength(3);
      expect(c.domId).toBe(`host-7-chart-${c.id}`);
      expect(c.polyline.split(' ')).toHaveLength(3);
    }
  });

  it('places values in proportion, and marks the highest as the peak', () => {
    const c = chart(charts, 'orphans');
    expect(c.points.map((p) => p.peak)).toEqual([false, true, false]);
    // Coordinates are rounded to 0.1: each height is the peak's scaled by the value, within 0.1.
    const peakHeight = heightOf(c, c.points[1]!.y);
    c.points.forEach((p, k) => expect(Math.abs(heightOf(c, p.y) - (peakHeight * ORPHANS[k]!) / ORPHANS[1]!)).toBeLessThanOrEqual(0.1));
    expect(c.peak.label).toBe('peak 40,000');
    expect(c.peak.x).toBe(c.points[1]?.x);
  });

  it('spaces samples by time: 5 s then 10 s', () => {
    const c = chart(charts, 'orphans');
    const [x0, x1, x2] = c.points.map((p) => p.x) as [number, number, number];
    expect(x0).toBe(c.plot.left);
    expect(x2).toBe(c.plot.right);
    expect((x2 - x1) / (x1 - x0)).toBeCloseTo(2, 1);
    expect(c.ticks.map((t) => t.label)).toEqual(['0 s', '5 s', '15 s']);
    expect(c.xLabel).toBe('seconds since the first sample');
  });

  it('draws orphans against tcp_max_orphans and its quarter, on the same scale as the values', () => {
    const c = chart(charts, 'orphans');
    expect(c.lines.map((l) => l.label)).toEqual([`tcp_max_orphans ${maxOrphans.toLocaleString('en-US')}`, `quarter ${(maxOrphans / 4).toLocaleString('en-US')}`]);
    const [limit, quarter] = c.lines as [ChartView['lines'][number], ChartView['lines'][number]];
    expect(heightOf(c, limit.y) / heightOf(c, quarter.y)).toBeCloseTo(4, 1);
    const peakPoint = c.points[1]!;
    expect(heightOf(c, peakPoint.y) / heightOf(c, quarter.y)).toBeCloseTo(ORPHANS[1]! / (maxOrphans / 4), 1);
    // Every line and point inside the plot.
    for (const y of [...c.lines.map((l) => l.y), ...c.points.map((p) => p.y)]) {
      expect(y).toBeGreaterThanOrEqual(c.plot.top);
      expect(y).toBeLessThanOrEqual(c.plot.bottom);
    }
  });

  it('says every number in the description and the table', () => {
    const c = chart(charts, 'orphans');
    for (const v of ORPHANS) expect(c.description).toContain(v.toLocaleString('en-US'));
    expect(c.description).toContain(`tcp_max_orphans ${maxOrphans.toLocaleString('en-US')}`);
    expect(c.columns).toEqual(['sample', 'time', 'orphans', '% of tcp_max_orphans']);
    expect(c.rows.map((r) => r[2])).toEqual(ORPHANS.map((v) => v.toLocaleString('en-US')));
    expect(c.rows.map((r) => r[1])).toEqual(['+0 s', '+5 s', '+15 s']);
    expect(c.rows[1]?.[3]).toBe(`${((100 * ORPHANS[1]!) / maxOrphans).toFixed(1)} %`);
    expect(c.caption).toContain('3 samples over 15 s');
  });

  it('keeps the labels of close lines apart', () => {
    const c = chart(charts, 'tcp-memory');
    expect(c.lines.map((l) => l.label.split(' ').slice(0, 2).join(' '))).toEqual(['tcp_mem high', 'tcp_mem pressure', 'tcp_mem low']);
    const ys = c.lines.map((l) => l.labelY);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(12);
  });

  it('stays within its viewBox', () => {
    for (const c of charts) {
      expect(c.width).toBe(CHART_LAYOUT.width);
      for (const l of c.lines) expect(l.labelY).toBeLessThanOrEqual(c.height);
      expect(c.peak.y).toBeGreaterThan(0);
    }
  });
});

describe('the memory chart uses the evaluator unit', () => {
  it('on a 5.15 host with 64 KiB pages, sockstat mem is drawn in tcp_mem pages (quanta / 16)', () => {
    const mems = [42_000, 48_000, 40_000];
    const snap = snapshotOf(craftRecording(readRecording('arm64-64k-515'), mems.map((mem) => ({ tcp: { mem } }))));
    const verdict = evaluateHost(snap, defaultConfig);
    const finding = verdict.findings.find((f) => f.id === 'tcp-memory');
    const c = chart(assembleCharts(snap, verdict.findings, 'host-1'), 'tcp-memory');
    expect(c.rows.map((r) => r[2])).toEqual(mems.map((m) => (m / 16).toLocaleString('en-US')));
    // The chart's peak is the finding's figure, in the same pages as tcp_mem.
    expect(c.peak.label).toBe(`peak ${Number(finding?.figures.mem).toLocaleString('en-US')}`);
    expect(c.unit).toBe('pages of 65,536 bytes');
    expect(c.description).toContain('divided by 16');
    const high = Number(finding?.figures.tcpMemHigh);
    const highLine = c.lines.find((l) => l.label.startsWith('tcp_mem high'));
    const peakPoint = c.points.find((p) => p.peak);
    expect(heightOf(c, peakPoint?.y ?? NaN) / heightOf(c, highLine?.y ?? NaN)).toBeCloseTo(48_000 / 16 / high, 2);
  });
});

describe('when there is nothing to chart', () => {
  it('draws nothing for one sample', () => {
    expect(snapshotOf(healthy).samples).toHaveLength(1);
    expect(chartsOf(snapshotOf(healthy))).toEqual([]);
  });

  it('draws nothing for a rule skipped by config', () => {
    const charts = assembleCharts(peaked, evaluateHost(peaked, { thresholds: {}, skip: ['time-wait'] }).findings, 'host-1');
    expect(charts.map((c) => c.id)).toEqual(['orphans', 'tcp-memory']);
  });
});

describe('gaps in the samples', () => {
  it('leaves out a sample that could not be read, and says so in the table', () => {
    const snap: Snapshot = { ...peaked, samples: peaked.samples.map((s, k) => (k === 1 ? { ...s, sockstat: { state: 'unreadable', detail: 'Permission denied' } } : s)) };
    const c = chart(chartsOf(snap), 'orphans');
    expect(c.points).toHaveLength(2);
    expect(c.rows.map((r) => r[2])).toEqual([ORPHANS[0]!.toLocaleString('en-US'), 'not read', ORPHANS[2]!.toLocaleString('en-US')]);
    expect(c.points.find((p) => p.peak)?.x).toBe(c.points[1]?.x);
  });

  it('spaces samples evenly by number when uptimes are missing', () => {
    const snap: Snapshot = { ...peaked, samples: peaked.samples.map(({ uptimeSeconds: _drop, ...s }) => s) };
    const c = chart(chartsOf(snap), 'orphans');
    const [x0, x1, x2] = c.points.map((p) => p.x) as [number, number, number];
    expect(x1 - x0).toBeCloseTo(x2 - x1, 5);
    expect(c.ticks.map((t) => t.label)).toEqual(['1', '2', '3']);
    expect(c.xLabel).toBe('sample');
    expect(c.rows.map((r) => r[1])).toEqual(['n/a', 'n/a', 'n/a']);
  });
});
