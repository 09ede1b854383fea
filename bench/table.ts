// Medians, ratios and the printed table. Pure: measurements in, text out.
import type { Measurement } from './measure.js';

export interface ToolCase {
  toolId: string;
  name: string;
  /** The key exchange the servers saw this tool negotiate, or why it is unknown. */
  kex: string;
  /** One per repeat, in the order they ran; no measurement when a run was killed on its timeout. */
  runs: Array<{ measurement?: Measurement; collected: number }>;
  /** Set when the tool was not run (not installed, or it failed to start). */
  skipped?: string;
}

export interface BenchCase {
  n: number;
  concurrency: number;
  tools: ToolCase[];
}

export type Median = Omit<Measurement, 'exitCode'>;

export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Field-wise medians; undefined unless every repeat collected from all n hosts. */
export function medianOfComplete(tool: ToolCase, n: number): Median | undefined {
  const measured = tool.runs.flatMap((r) => (r.measurement && r.collected === n ? [r.measurement] : []));
  if (tool.skipped !== undefined || measured.length === 0 || measured.length !== tool.runs.length) return undefined;
  const of = (pick: (m: Measurement) => number): number => median(measured.map(pick));
  return {
    wallSeconds: of((m) => m.wallSeconds),
    cpuSeconds: of((m) => m.cpuSeconds),
    maxRssKiB: of((m) => m.maxRssKiB),
    peakTreePssKiB: of((m) => m.peakTreePssKiB),
    ...(measured.every((m) => m.serverCpuSeconds !== undefined) ? { serverCpuSeconds: of((m) => m.serverCpuSeconds ?? 0) } : {}),
    otherCpuSeconds: of((m) => m.otherCpuSeconds),
  };
}

const COLUMNS = ['tool', 'kex', 'hosts', 'wall s', 'CPU s', 'CPU ms/host', 'max RSS MiB', 'tree PSS MiB', 'sshd CPU s', 'other CPU s', 'wall x', 'CPU x', 'PSS x'] as const;

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const mib = (kib: number): string => fixed(kib / 1024, 1);
const ratio = (peer: number, ours: number): string => (ours > 0 ? `${fixed(peer / ours, 2)}` : '-');

/** One row per tool: medians of the repeats, and peer / sockaudit ratios (sockaudit is the first tool). */
export function caseRows(c: BenchCase): string[][] {
  const ours = c.tools[0] ? medianOfComplete(c.tools[0], c.n) : undefined;
  return c.tools.map((tool) => {
    if (tool.skipped !== undefined) return [tool.name, tool.kex, `skipped: ${tool.skipped}`];
    const m = medianOfComplete(tool, c.n);
    if (!m) {
      const counts = tool.runs.map((r) => `${r.collected}/${c.n}`).join(', ');
      return [tool.name, tool.kex, `incomplete (${counts}): no figures`];
    }
    return [
      tool.name,
      tool.kex,
      `${c.n}/${c.n}`,
      fixed(m.wallSeconds, 2),
      fixed(m.cpuSeconds, 2),
      fixed((m.cpuSeconds * 1000) / c.n, 1),
      mib(m.maxRssKiB),
      mib(m.peakTreePssKiB),
      m.serverCpuSeconds === undefined ? '-' : fixed(m.serverCpuSeconds, 1),
      fixed(m.otherCpuSeconds, 1),
      ...(ours ? [ratio(m.wallSeconds, ours.wallSeconds), ratio(m.cpuSeconds, ours.cpuSeconds), ratio(m.peakTreePssKiB, ours.peakTreePssKiB)] : ['-', '-', '-']),
    ];
  });
}

/** A Markdown table (it reads as well in a terminal as in bench/README.md). */
export function formatCase(c: BenchCase, repeats: number): string {
  const rows = caseRows(c);
  const width = COLUMNS.length;
  const line = (cells: readonly string[]): string => `| ${[...cells, ...Array<string>(Math.max(0, width - cells.length)).fill('')].join(' | ')} |`;
  return [
    `N = ${c.n} hosts, concurrency ${c.concurrency}, median of ${repeats}`,
    '',
    line(COLUMNS),
    line(COLUMNS.map((_, i) => (i < 3 ? '---' : '--:'))),
    ...rows.map(line),
  ].join('\n');
}
