// Per-host charts of the sampled gauges over the sampling window, against the limits they are
// judged by: coordinates, words and a table fallback for an inline SVG, computed here so that the
// template only places them. Pure: a snapshot's samples and its findings in, chart views out.
import type { Finding, Verdict } from '../evaluate/types.js';
import { sockstatMemUnit } from '../evaluate/units.js';
import type { Sample, Snapshot } from '../procfs/types.js';
import { formatNumber, formatPercent } from './format.js';
import { maxOf } from '../arrays.js';

export type ChartId = 'orphans' | 'tcp-memory' | 'time-wait';

export interface ChartView {
  id: ChartId;
  /** Unique in the page: the host's anchor (built from its rank) and the chart id, never host data. */
  domId: string;
  title: string;
  level: Verdict;
  /** What the values count, e.g. "orphans" or "pages of 4,096 bytes". */
  unit: string;
  /** One line beside the title: the peak and where it stands. */
  caption: string;
  /** Every number in sentences: the SVG's <title> and aria-label. */
  description: string;
  /** The viewBox; the drawing scales to the width it is given. */
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number; width: number; height: number };
  /** The series as SVG `points`: the line, and the area down to zero. */
  polyline: string;
  area: string;
  /** One per sample that has the figure, in order. */
  points: ChartPoint[];
  /** Limits and thresholds as horizontal lines, labelled in the right margin. */
  lines: ChartLine[];
  ticks: ChartTick[];
  /** What the x axis counts: seconds since the first sample, or sample numbers. */
  xLabel: string;
  peak: { x: number; y: number; anchor: 'start' | 'middle' | 'end'; label: string };
  /** The same numbers as a table, for those who would rather read. */
  columns: string[];
  rows: string[][];
}

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip: sample, time and value. */
  title: string;
  peak: boolean;
}

export interface ChartLine {
  label: string;
  y: number;
  /** Baseline of the label, moved apart from its neighbours so labels never overlap. */
  labelY: number;
}

export interface ChartTick {
  x: number;
  label: string;
}

/** Layout of every chart, in viewBox units (CSS pixels at full width). */
export const CHART_LAYOUT = { width: 720, height: 220, left: 48, right: 176, top: 20, bottom: 36 } as const;

const LABEL_GAP = 13;
const MAX_TICKS = 8;
// Headroom above the highest line or value, so neither sits on the frame.
const HEADROOM = 1.08;

interface Reference {
  name: string;
  value: number;
}

interface ChartSpec {
  id: ChartId;
  title: string;
  level: Verdict;
  unit: string;
  /** Name of the value column, e.g. "orphans". */
  valueName: string;
  values: (number | null)[];
  /** Seconds since the first sample, when every sample has an uptime and time moved on. */
  times: number[] | null;
  lines: Reference[];
  /** The line the share column is taken of. */
  shareOf: Reference | null;
  /** Said of the values in the description, e.g. "sockstat mem converted to tcp_mem pages". */
  note: string;
}

/**
 * The charts of one host: orphans against tcp_max_orphans and its quarter, TCP memory against
 * tcp_mem low/pressure/high in the unit the evaluator used (tcp_mem pages), TIME_WAIT against
 * tcp_max_tw_buckets. A chart needs its finding (a skipped rule draws nothing) and at least two
 * samples that have the figure: one point is no window, and the bars already show it.
 */
export function assembleCharts(snapshot: Snapshot, findings: readonly Finding[], anchor: string): ChartView[] {
  const samples = snapshot.samples;
  if (samples.length < 2) return [];
  const times = sampleTimes(samples);
  const gauge = (field: 'orphan' | 'tw' | 'mem'): (number | null)[] =>
    samples.map((s) => (s.sockstat.state === 'ok' ? (s.sockstat.value.tcp?.[field] ?? null) : null));
  const specs: ChartSpec[] = [];

  const orphans = findings.find((f) => f.id === 'orphans');
  if (orphans) {
    const limit = figureNumber(orphans, 'tcpMaxOrphans');
    const lines = limit === undefined ? [] : [{ name: 'tcp_max_orphans', value: limit }, { name: 'quarter', value: limit / 4 }];
    specs.push({
      id: 'orphans',
      title: 'Orphaned sockets over the window',
      level: orphans.level,
      unit: 'orphans',
      valueName: 'orphans',
      values: gauge('orphan'),
      times,
      lines,
      shareOf: limit === undefined ? null : { name: 'tcp_max_orphans', value: limit },
      note: 'sockstat TCP orphan; penalised orphans are killed past a quarter of tcp_max_orphans',
    });
  }

  const memory = findings.find((f) => f.id === 'tcp-memory');
  if (memory) {
    // The evaluator's own conversion, so the series and tcp_mem share its unit (RISK-MODEL.md section 3).
    const unit = sockstatMemUnit(snapshot.kernelRelease, snapshot.pageSize);
    const high = figureNumber(memory, 'tcpMemHigh');
    const lines: Reference[] = [];
    for (const [name, figure] of [['high', 'tcpMemHigh'], ['pressure', 'tcpMemPressure'], ['low', 'tcpMemLow']] as const) {
      const value = figureNumber(memory, figure);
      if (value !== undefined) lines.push({ name, value });
    }
    const pageSize = unit.unit === 'pages' ? unit.bytesPerUnit : snapshot.pageSize;
    specs.push({
      id: 'tcp-memory',
      title: 'TCP memory over the window',
      level: memory.level,
      unit: pageSize === undefined ? 'pages' : `pages of ${formatNumber(pageSize)} bytes`,
      valueName: 'pages',
      values: gauge('mem').map((v) => (v === null ? null : round(v * unit.toPages, 2))),
      times,
      lines: lines.map((l) => ({ ...l, name: `tcp_mem ${l.name}` })),
      shareOf: high === undefined ? null : { name: 'tcp_mem high', value: high },
      note:
        unit.toPages === 1
          ? 'sockstat TCP mem, in tcp_mem pages'
          : `sockstat TCP mem, printed in ${unit.unit} and converted to tcp_mem pages (${unit.toPages < 1 ? `divided by ${formatNumber(1 / unit.toPages)}` : `times ${formatNumber(unit.toPages)}`})`,
    });
  }

  const timeWait = findings.find((f) => f.id === 'time-wait');
  if (timeWait) {
    const limit = figureNumber(timeWait, 'tcpMaxTwBuckets');
    specs.push({
      id: 'time-wait',
      title: 'TIME_WAIT sockets over the window',
      level: timeWait.level,
      unit: 'TIME_WAIT sockets',
      valueName: 'TIME_WAIT',
      values: gauge('tw'),
      times,
      lines: limit === undefined ? [] : [{ name: 'tcp_max_tw_buckets', value: limit }],
      shareOf: limit === undefined ? null : { name: 'tcp_max_tw_buckets', value: limit },
      note: 'sockstat TCP tw, in the network namespace that was read',
    });
  }

  return specs.filter((s) => s.values.filter((v) => v !== null).length >= 2).map((s) => assembleChart(s, `${anchor}-chart-${s.id}`));
}

/** Seconds since the first sample; null unless every sample has an uptime and the last is later. */
function sampleTimes(samples: readonly Sample[]): number[] | null {
  const uptimes = samples.map((s) => s.uptimeSeconds);
  const first = uptimes[0];
  const last = uptimes[uptimes.length - 1];
  if (first === undefined || last === undefined || !(last > first)) return null;
  const times: number[] = [];
  for (const u of uptimes) {
    // A missing or backward uptime (a reboot mid-window) leaves no time axis to trust.
    if (u === undefined || u < first || (times.length > 0 && u - first < (times[times.length - 1] as number))) return null;
    times.push(u - first);
  }
  return times;
}

function assembleChart(spec: ChartSpec, domId: string): ChartView {
  const L = CHART_LAYOUT;
  const plot = {
    left: L.left,
    top: L.top,
    right: L.width - L.right,
    bottom: L.height - L.bottom,
    width: L.width - L.left - L.right,
    height: L.height - L.top - L.bottom,
  };
  const n = spec.values.length;
  const span = spec.times?.[n - 1] ?? n - 1;
  const xAt = (k: number): number => round(plot.left + (plot.width * (spec.times?.[k] ?? k)) / span, 1);
  const present = spec.values.flatMap((v, k) => (v === null ? [] : [{ k, v }]));
  const top = Math.max(1, maxOf(present.map((p) => p.v)), maxOf(spec.lines.map((l) => l.value))) * HEADROOM;
  const yAt = (v: number): number => round(plot.bottom - (plot.height * Math.max(0, v)) / top, 1);

  // The first sample that reached the highest value is the peak.
  let peakAt = present[0] as { k: number; v: number };
  for (const p of present) if (p.v > peakAt.v) peakAt = p;

  const when = (k: number): string => (spec.times === null ? `sample ${k + 1}` : `sample ${k + 1}, +${formatNumber(round(spec.times[k] as number, 1))} s`);
  const share = (v: number): string => (spec.shareOf === null || !(spec.shareOf.value > 0) ? '' : formatPercent(v / spec.shareOf.value));
  const withShare = (v: number): string => {
    const s = share(v);
    return s === '' ? '' : ` (${s} of ${spec.shareOf?.name ?? ''})`;
  };

  const points: ChartPoint[] = present.map(({ k, v }) => ({
    x: xAt(k),
    y: yAt(v),
    title: `${when(k)}: ${formatNumber(v)} ${spec.unit}${withShare(v)}`,
    peak: k === peakAt.k,
  }));
  const polyline = points.map((p) => `${p.x},${p.y}`).join(' ');
  const firstPoint = points[0] as ChartPoint;
  const lastPoint = points[points.length - 1] as ChartPoint;
  const area = `${firstPoint.x},${plot.bottom} ${polyline} ${lastPoint.x},${plot.bottom}`;

  const lines = spaceLabels(
    spec.lines
      .map((l) => ({ label: `${l.name} ${formatNumber(l.value)}`, y: yAt(l.value), labelY: 0 }))
      .sort((a, b) => a.y - b.y),
    plot.top,
  );

  const peakPoint = points.find((p) => p.peak) as ChartPoint;
  const edge = plot.width / 6;
  const peak = {
    x: peakPoint.x,
    y: round(Math.max(plot.top - 6, peakPoint.y - 9), 1),
    anchor: peakPoint.x < plot.left + edge ? ('start' as const) : peakPoint.x > plot.right - edge ? ('end' as const) : ('middle' as const),
    label: `peak ${formatNumber(peakAt.v)}`,
  };

  const totalSeconds = spec.times === null ? undefined : round(spec.times[n - 1] as number, 1);
  const window = `${n} samples${totalSeconds === undefined ? '' : ` over ${formatNumber(totalSeconds)} s`}`;
  const caption = `peak ${formatNumber(peakAt.v)} ${spec.unit}${withShare(peakAt.v)}, ${window}`;
  const valueList = spec.values.map((v) => (v === null ? 'not read' : formatNumber(v))).join(', ');
  const description =
    `${spec.title}, ${window}, in ${spec.unit} (${spec.note}): ${valueList}. ` +
    `Peak ${formatNumber(peakAt.v)} at ${when(peakAt.k)}${withShare(peakAt.v)}. ` +
    (spec.lines.length === 0 ? 'Limit not known for this host.' : `Lines: ${spec.lines.map((l) => `${l.name} ${formatNumber(l.value)}`).join('; ')}.`);

  const shareColumn = spec.shareOf === null ? [] : [`% of ${spec.shareOf.name}`];
  return {
    id: spec.id,
    domId,
    title: spec.title,
    level: spec.level,
    unit: spec.unit,
    caption,
    description,
    width: L.width,
    height: L.height,
    plot,
    polyline,
    area,
    points,
    lines,
    ticks: tickIndexes(n).map((k) => ({
      x: xAt(k),
      label: spec.times === null ? String(k + 1) : `${formatNumber(round(spec.times[k] as number, 1))} s`,
    })),
    xLabel: spec.times === null ? 'sample' : 'seconds since the first sample',
    peak,
    columns: ['sample', 'time', spec.valueName, ...shareColumn],
    rows: spec.values.map((v, k) => [
      String(k + 1),
      spec.times === null ? 'n/a' : `+${formatNumber(round(spec.times[k] as number, 1))} s`,
      v === null ? 'not read' : formatNumber(v),
      ...(shareColumn.length === 0 ? [] : [v === null ? 'n/a' : share(v)]),
    ]),
  };
}

/** Label baselines top to bottom, at least LABEL_GAP apart, starting no higher than the plot's top. */
function spaceLabels(lines: ChartLine[], top: number): ChartLine[] {
  let previous = -Infinity;
  return lines.map((l) => {
    const labelY = round(Math.max(l.y + 4, top + 4, previous + LABEL_GAP), 1);
    previous = labelY;
    return { ...l, labelY };
  });
}

/** Every sample up to MAX_TICKS; beyond that, evenly spread indexes including the first and last. */
function tickIndexes(n: number): number[] {
  if (n <= MAX_TICKS) return Array.from({ length: n }, (_, k) => k);
  const step = (n - 1) / (MAX_TICKS - 1);
  return [...new Set(Array.from({ length: MAX_TICKS }, (_, i) => Math.round(i * step)))];
}

/** A figure as a finite number; bigints arrive as decimal strings. */
function figureNumber(f: Finding, name: string): number | undefined {
  const v = f.figures[name];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
