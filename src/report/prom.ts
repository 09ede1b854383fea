// The run as Prometheus metrics, for node_exporter's textfile collector: per host, whether the
// audit succeeded and when, the levels, and the limits and usage of the two core checks in base
// units (bytes, plain counts, ratios), so that dashboards and alerts read the same figures the
// report judged.
//
// Usage is read through the evaluator's own input readers and unit logic (evaluate/inputs.ts,
// evaluate/units.ts): sockstat `mem` counts 4096-byte quanta on some kernels and pages on others,
// and only that module decides which (RISK-MODEL.md section 3). The peak over the samples is the
// figure, as in the checks.
//
// Host strings (names, kernel releases) are hostile data. Label values get the format's escapes
// for backslash, double quote and newline, and every other control or bidirectional character is
// written as visible `<U+XXXX>` text, so that `cat report.prom` can never drive a terminal. Two
// hosts whose labels would come out the same are told apart by a ` (2)` suffix: a duplicate
// series would make node_exporter fail the whole scrape.
//
// The textfile collector rejects sample timestamps, so times are values (`_timestamp_seconds`).
import { gaugePeak, counterSeries, memUnitOf, sysctlValue, sysctlValues, tcpMemLimits } from '../evaluate/inputs.js';
import { ORPHAN_STAGES } from '../evaluate/kernel-facts.js';
import { VERDICT_ORDER, type Verdict } from '../evaluate/types.js';
import type { Snapshot } from '../procfs/types.js';
import type { AuditRun, HostResult } from '../run/types.js';
import { appendAll } from '../arrays.js';
import { perDistinctText } from '../text.js';

/** The format's entry for the report-format registry. */
export const PROM_FORMAT = { id: 'prom', fileName: 'report.prom' } as const;

type MetricType = 'gauge' | 'counter';
type Labels = ReadonlyArray<readonly [name: string, value: string]>;

interface Family {
  name: string;
  type: MetricType;
  help: string;
}

/** Every family, in the order written. HELP texts say the unit and where a figure comes from. */
export const PROM_FAMILIES = {
  runTimestamp: { name: 'sockaudit_run_timestamp_seconds', type: 'gauge', help: 'When the sockaudit run that wrote this file finished, in seconds since the epoch.' },
  hostUp: {
    name: 'sockaudit_host_up',
    type: 'gauge',
    help: '1 if sockaudit read the host (fully or partly), 0 if the audit failed; the stage label says where it failed.',
  },
  hostTimestamp: { name: 'sockaudit_host_audit_timestamp_seconds', type: 'gauge', help: 'When sockaudit reached the host, in seconds since the epoch.' },
  hostProblems: {
    name: 'sockaudit_host_probe_problems',
    type: 'gauge',
    help: 'Probe sections that were missing, unreadable or invalid on the host (a partial audit when above 0).',
  },
  hostInfo: { name: 'sockaudit_host_info', type: 'gauge', help: 'Kernel release and machine of the host, as read by the probe; always 1.' },
  pageSize: {
    name: 'sockaudit_page_size_bytes',
    type: 'gauge',
    help: 'Page size of the host in bytes (the unit of tcp_mem); node_exporter does not export it.',
  },
  hostLevel: {
    name: 'sockaudit_host_level',
    type: 'gauge',
    help: `The host's verdict as a number (${VERDICT_ORDER.map((v, i) => `${i} ${v}`).join(', ')}); the level label names it.`,
  },
  hostScore: { name: 'sockaudit_host_score', type: 'gauge', help: "The host's rank score, 0 to 100 (higher needs attention sooner)." },
  checkLevel: {
    name: 'sockaudit_check_level',
    type: 'gauge',
    help: `Level of one check on the host as a number (${VERDICT_ORDER.map((v, i) => `${i} ${v}`).join(', ')}); the level label names it.`,
  },
  orphans: { name: 'sockaudit_tcp_orphans', type: 'gauge', help: 'Orphaned TCP sockets (sockstat TCP orphan), the peak of the samples.' },
  maxOrphans: { name: 'sockaudit_tcp_max_orphans', type: 'gauge', help: 'The limit net.ipv4.tcp_max_orphans.' },
  orphansRatio: {
    name: 'sockaudit_tcp_orphans_ratio',
    type: 'gauge',
    help:
      'Peak orphans over a line: tcp_max_orphans (line="limit"), half of it (line="half") or a quarter of it ' +
      '(line="quarter"); past 1 on the quarter line, penalised orphans are being reset.',
  },
  memBytes: {
    name: 'sockaudit_tcp_memory_bytes',
    type: 'gauge',
    help: 'Memory held by TCP sockets (sockstat TCP mem in its real unit), the peak of the samples, in bytes.',
  },
  memLimitBytes: { name: 'sockaudit_tcp_memory_limit_bytes', type: 'gauge', help: 'The lines of net.ipv4.tcp_mem (low, pressure, high) in bytes.' },
  memRatio: {
    name: 'sockaudit_tcp_memory_ratio',
    type: 'gauge',
    help: 'Peak TCP memory over a line of net.ipv4.tcp_mem (low, pressure, high), both in the same unit; above 1 on high, allocations fail.',
  },
  memUnit: {
    name: 'sockaudit_sockstat_mem_unit_bytes',
    type: 'gauge',
    help: 'Bytes per unit of sockstat mem on the host: 4096 on kernels that count 4096-byte quanta, else the page size.',
  },
  memUnitCertain: {
    name: 'sockaudit_sockstat_mem_unit_certain',
    type: 'gauge',
    help: '1 if the unit of sockstat mem is certain for the kernel and page size, 0 if pages were assumed.',
  },
  abortOnMemory: {
    name: 'sockaudit_tcp_abort_on_memory_total',
    type: 'counter',
    help: 'TcpExt TCPAbortOnMemory at the last sample: sockets the kernel reset for lack of memory or too many orphans since boot.',
  },
  memoryPressures: {
    name: 'sockaudit_tcp_memory_pressures_total',
    type: 'counter',
    help: 'TcpExt TCPMemoryPressures at the last sample: times TCP entered memory-pressure mode since boot.',
  },
} as const satisfies Record<string, Family>;

type FamilyKey = keyof typeof PROM_FAMILIES;

/** Names for the kernel's orphan stages (fractions of tcp_max_orphans). */
const STAGE_LINES: ReadonlyMap<number, string> = new Map([
  [0.25, 'quarter'],
  [0.5, 'half'],
  [1, 'limit'],
]);

const TCP_MEM_LINES = ['low', 'pressure', 'high'] as const;

/** node_exporter textfile metrics for the run: one HELP and TYPE per family, hosts in run order. */
export function renderProm(run: AuditRun): string {
  const out = new Samples();
  const finished = epochSeconds(run.finishedAt);
  if (finished !== undefined) out.add('runTimestamp', [], finished);
  const hostLabels = uniqueLabels(run.hosts.map((h) => h.outcome.target.name));
  run.hosts.forEach((result, i) => addHost(out, hostLabels[i] ?? '', result));
  return out.render();
}

function addHost(out: Samples, name: string, result: HostResult): void {
  const host = [['host', name]] as const;
  const { outcome, verdict } = result;
  const reached = epochSeconds(outcome.startedAt);
  if (reached !== undefined) out.add('hostTimestamp', host, reached);
  if (outcome.status === 'failed') {
    out.add('hostUp', [...host, ['stage', outcome.stage]], 0);
    return;
  }
  out.add('hostUp', host, 1);
  out.add('hostProblems', host, outcome.problems.length);
  const snap = outcome.snapshot;
  const info: [string, string][] = [];
  if (snap.kernelRelease !== undefined) info.push(['kernel_release', snap.kernelRelease]);
  if (snap.machine !== undefined) info.push(['machine', snap.machine]);
  out.add('hostInfo', [...host, ...info], 1);
  if (snap.pageSize !== undefined) out.add('pageSize', host, snap.pageSize);

  if (verdict !== undefined) {
    out.add('hostLevel', [...host, ['level', verdict.verdict]], levelNumber(verdict.verdict));
    out.add('hostScore', host, verdict.score);
    for (const f of verdict.findings) {
      const item: [string, string][] = f.item === undefined ? [] : [['item', f.item]];
      out.add('checkLevel', [...host, ['check', f.id], ...item, ['level', f.level]], levelNumber(f.level));
    }
  }
  addOrphans(out, host, snap);
  addTcpMemory(out, host, snap);
  addCounter(out, host, snap, 'abortOnMemory', 'TCPAbortOnMemory');
  addCounter(out, host, snap, 'memoryPressures', 'TCPMemoryPressures');
}

function addOrphans(out: Samples, host: Labels, snap: Snapshot): void {
  const orphans = gaugePeak(snap, 'orphan');
  const limit = sysctlValue(snap, 'net.ipv4.tcp_max_orphans');
  if (orphans.ok) out.add('orphans', host, orphans.value.peak);
  if (limit.ok) out.add('maxOrphans', host, limit.value);
  if (!orphans.ok || !limit.ok) return;
  // Highest line first, as a reader scans from the limit down.
  for (const stage of [...ORPHAN_STAGES].reverse()) {
    const line = STAGE_LINES.get(stage.fraction) ?? String(stage.fraction);
    out.add('orphansRatio', [...host, ['line', line]], ratio(orphans.value.peak, stage.fraction * limit.value));
  }
}

function addTcpMemory(out: Samples, host: Labels, snap: Snapshot): void {
  const mem = gaugePeak(snap, 'mem');
  // The evaluator's own readings: tcp_mem only where the kernel enforces it (not a container's
  // copy), and the unit cross-checked against tcp_wmem/tcp_rmem.
  const tcpMem = tcpMemLimits(snap);
  const unit = memUnitOf(snap);
  if (unit.bytesPerUnit !== undefined) out.add('memUnit', host, unit.bytesPerUnit);
  out.add('memUnitCertain', host, unit.certain ? 1 : 0);
  // tcp_mem is always in pages; sockstat mem in the unit above.
  if (mem.ok && unit.bytesPerUnit !== undefined) out.add('memBytes', host, mem.value.peak * unit.bytesPerUnit);
  if (!tcpMem.ok) return;
  const pageSize = validPageSize(snap.pageSize);
  if (pageSize !== undefined) {
    TCP_MEM_LINES.forEach((line, i) => out.add('memLimitBytes', [...host, ['line', line]], (tcpMem.value[i] as number) * pageSize));
  }
  if (!mem.ok) return;
  const memPages = mem.value.peak * unit.toPages;
  TCP_MEM_LINES.forEach((line, i) => out.add('memRatio', [...host, ['line', line]], ratio(memPages, tcpMem.value[i] as number)));
}

function addCounter(out: Samples, host: Labels, snap: Snapshot, family: FamilyKey, counter: string): void {
  const series = counterSeries(snap, 'TcpExt', counter);
  if (series.ok) out.add(family, host, series.value.last);
}

function validPageSize(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A limit of 0 with usage above it is infinitely over; 0 of 0 is not over at all. */
function ratio(value: number, line: number): number {
  if (line === 0) return value === 0 ? 0 : Infinity;
  return value / line;
}

function levelNumber(level: Verdict): number {
  return VERDICT_ORDER.indexOf(level);
}

function epochSeconds(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** The host label per host: cleaned, and made unique so that no two series collide. */
function uniqueLabels(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    const base = visibleText(name);
    let label = base;
    for (let n = 2; seen.has(label); n++) label = `${base} (${n})`;
    seen.add(label);
    return label;
  });
}

// C0 controls but newline (escaped by the format), DEL, C1 controls, line and paragraph
// separators, bidirectional embeddings, overrides and isolates.
const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Control and bidirectional characters as `<U+XXXX>` text: seen, never acted on. */
function visibleText(s: string): string {
  return s.replace(INVISIBLE, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** A label value in the text format: backslash, double quote and newline escaped. */
export function escapeLabelValue(s: string): string {
  return visibleText(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and newline escaped. */
function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Go's ParseFloat spellings for the values JavaScript prints differently. */
function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** Samples grouped by family, written in PROM_FAMILIES order whatever order they were added in. */
class Samples {
  private readonly lines = new Map<FamilyKey, string[]>();
  // Each host's name is a label of some twenty samples, and levels and check ids repeat across hosts.
  private readonly escape = perDistinctText(escapeLabelValue);

  add(family: FamilyKey, labels: Labels, value: number): void {
    const { name } = PROM_FAMILIES[family];
    const text = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${this.escape(v)}"`).join(',')}}`;
    const list = this.lines.get(family) ?? [];
    list.push(`${name}${text} ${formatValue(value)}`);
    this.lines.set(family, list);
  }

  render(): string {
    const out: string[] = [];
    for (const key of Object.keys(PROM_FAMILIES) as FamilyKey[]) {
      const lines = this.lines.get(key);
      if (lines === undefined) continue;
      const f: Family = PROM_FAMILIES[key];
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
      appendAll(out, lines);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}
