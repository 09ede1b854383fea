// The report's view model: everything the renderers show, worded, with no markup. Pure: the
// ranked run in (ordered, trended and judged once by run/rank.ts), the view out. Strings from hosts are cleaned of control characters here
// (the JSON keeps them raw) and escaped by each renderer for its own format.
import { LEVEL_LABELS, LEVEL_SYMBOLS, type DisplayLevel } from './levels.js';
import type { Finding, Gate, Verdict } from '../evaluate/types.js';
import type { FailureStage } from '../collect/types.js';
import type { Snapshot } from '../procfs/types.js';
import { HOST_KEY_OFF_WARNING, type RankedHost, type RankedRun } from '../run/rank.js';
import type { AuditRun } from '../run/types.js';
import { sanitizeForTerminal as clean } from '../text.js';
import { assembleCharts, type ChartView } from './charts.js';
import { assembleHoldersView, type HoldersView } from './holders-view.js';
import { formatNumber, formatPercent } from './format.js';
import { assembleTrendView, type TrendView } from './trend-view.js';
import { assembleHostKey, assembleHostKeyLine, type HostKeyView } from './host-key-view.js';
import { displayKey, figureViews, thresholdViews, type FigureView, type ThresholdView } from './finding-details.js';

export { formatNumber, HOST_KEY_OFF_WARNING };

/** A host's place in the report: its verdict, or not audited when it failed. */
export type { DisplayLevel } from './levels.js';

export interface ReportView {
  tool: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  failOn: Gate;
  /** The gate in words, e.g. "--fail-on warning: hosts at warning or above fail the run". */
  gate: string;
  hostKeyPolicy: AuditRun['hostKeyPolicy'];
  /** The policies the hosts got, e.g. "strict for 40 hosts (default), accept-new for 2 (ssh config), by the command for 3". */
  hostKeyLine: string;
  hostKeyOff: boolean;
  /** "3 samples, 5 s apart" or "1 sample". */
  sampling: string;
  /** Run-level warnings, the host-key one first when checking was off. */
  warnings: string[];
  /** "3 critical, 2 warning, 1 not audited of 12 hosts". */
  verdictLine: string;
  total: number;
  notAudited: number;
  byVerdict: Record<Verdict, number>;
  /** Non-zero counts, worst first, for summaries. */
  counts: CountView[];
  /** Ranked: not audited first, then worst verdict and highest score. */
  hosts: HostView[];
  /** Set when hosts were collected by another sockaudit version than the one that evaluated them. */
  provenance: string | null;
  /** Changes since the baseline, when the run has one. */
  trend: TrendView | null;
}

export interface CountView {
  level: DisplayLevel;
  label: string;
  symbol: string;
  count: number;
}

export interface HostView {
  /** 1-based place in the ranking. */
  rank: number;
  /** Fragment id for in-page links; built from the rank, never from host data. */
  anchor: string;
  name: string;
  address: string;
  port: number | null;
  user: string | null;
  groups: string[];
  via: string[];
  /** "user@address:port" as far as known. */
  endpoint: string;
  /** The host-key policy the host got, why, and how its key was trusted; null when the run does not say. */
  hostKey: HostKeyView | null;
  status: 'ok' | 'partial' | 'failed';
  level: DisplayLevel;
  levelLabel: string;
  /** A shape per level, so the level reads without colour. */
  levelSymbol: string;
  score: number | null;
  /** What decided the place: the deciding finding's summary, or the failure's stage and reason. */
  deciding: string;
  decidedBy: string | null;
  failure: FailureView | null;
  /** Inputs that were missing, unreadable or invalid on a partial host. */
  problems: string[];
  /** Facts from the evaluator that are not findings (absent keys, skipped rules). */
  notes: string[];
  facts: LabelledValue[];
  findings: FindingView[];
  bars: BarView[];
  /** The sampled gauges over the window against their limits; empty with fewer than two samples. */
  charts: ChartView[];
  /** Who holds the sockets; null when the probe did not look (or the host was not audited). */
  holders: HoldersView | null;
  startedAt: string;
  durationMs: number;
}

export interface FailureView {
  stage: FailureStage;
  /** The stage in words, e.g. "host key refused". */
  phrase: string;
  message: string;
  detail: LabelledValue[];
}

export interface LabelledValue {
  label: string;
  value: string;
}

export interface FindingView {
  id: string;
  item: string | null;
  /** `id`, with `.item` only when the id does not already end with it. */
  key: string;
  level: Verdict;
  levelLabel: string;
  levelSymbol: string;
  summary: string;
  /** A stated assumption could change the level. */
  uncertain: boolean;
  /** Named in words, with units; the raw key kept for a tooltip. */
  figures: FigureView[];
  /** Each level's line with its direction and unit. */
  thresholds: ThresholdView[];
  rationale: string;
  remediation: string;
  assumptions: string[];
}

/** A horizontal bar: the value and the lines it is judged against, as percentages of the scale. */
export interface BarView {
  id: 'orphans' | 'tcp-memory';
  title: string;
  level: Verdict;
  levelLabel: string;
  /** The value in words, e.g. "21,564 orphans of tcp_max_orphans 65,536 (32.9 %)". */
  caption: string;
  /** Position of the value, 0..100 % of the scale. */
  valuePct: number;
  marks: BarMark[];
}

export interface BarMark {
  label: string;
  pct: number;
}

/**
 * Figure names the evaluator puts in the `orphans` and `tcp-memory` findings; the memory
 * figures are in one unit (the evaluator converts sockstat mem to tcp_mem's unit).
 */
export const BAR_FIGURES = {
  orphans: { value: 'orphan', limit: 'tcpMaxOrphans' },
  tcpMemory: { value: 'mem', low: 'tcpMemLow', pressure: 'tcpMemPressure', high: 'tcpMemHigh' },
} as const;

const STAGE_PHRASES: Record<FailureStage, string> = {
  resolve: 'name resolution failed',
  connect: 'connection failed',
  'host-key': 'host key refused',
  auth: 'authentication failed',
  timeout: 'timed out',
  command: 'probe command failed',
  parse: 'probe output unreadable',
  cancelled: 'cancelled before it finished',
};

/** Worst first, as summaries list them. */
const COUNT_ORDER: readonly DisplayLevel[] = ['not-audited', 'critical', 'warning', 'unknown', 'notice', 'ok'];

// One view per ranked run: the HTML and Markdown reports and the terminal summary of a run all
// read it, and at 10,000 hosts building it costs about a second. A view is never changed once
// built (its card parts fill themselves in on first read, the same whoever reads them first).
const views = new WeakMap<RankedRun, ReportView>();

export function buildView(ranked: RankedRun): ReportView {
  let view = views.get(ranked);
  if (view === undefined) views.set(ranked, (view = assembleView(ranked)));
  return view;
}

function assembleView(ranked: RankedRun): ReportView {
  const { run } = ranked;
  const hosts = ranked.hosts.map(assembleHost);

  const byVerdict: Record<Verdict, number> = { ok: 0, notice: 0, unknown: 0, warning: 0, critical: 0 };
  let notAudited = 0;
  for (const h of hosts) {
    if (h.level === 'not-audited') notAudited++;
    else byVerdict[h.level]++;
  }
  const countOf = (level: DisplayLevel): number => (level === 'not-audited' ? notAudited : byVerdict[level]);
  const counts = COUNT_ORDER.map((level) => ({ level, label: LEVEL_LABELS[level], symbol: LEVEL_SYMBOLS[level], count: countOf(level) })).filter((c) => c.count > 0);

  const hostKeyOff = run.hostKeyPolicy === 'off';
  return {
    tool: { name: run.tool.name, version: run.tool.version },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    failOn: run.failOn,
    gate:
      run.failOn === 'never'
        ? '--fail-on never: no findings fail the run'
        : `--fail-on ${run.failOn}: hosts at ${run.failOn} or above fail the run`,
    hostKeyPolicy: run.hostKeyPolicy,
    hostKeyLine: assembleHostKeyLine(hosts.map((h) => h.hostKey), run.hostKeyPolicy),
    hostKeyOff,
    sampling:
      run.samples <= 1 ? '1 sample' : `${run.samples} samples, ${formatNumber(run.intervalSeconds)} s apart`,
    warnings: ranked.warnings,
    verdictLine: assembleVerdictLine(byVerdict, notAudited, hosts.length),
    total: hosts.length,
    notAudited,
    byVerdict,
    counts,
    hosts,
    provenance: assembleProvenance(run),
    trend: ranked.trend ? assembleTrendView(ranked.trend, anchorsByName(ranked.hosts, hosts)) : null,
  };
}

/** "collected by sockaudit 0.1.0 (3 hosts), 0.2.0 (9 hosts); parsed and evaluated by 0.2.0", or null when all agree. */
function assembleProvenance(run: AuditRun): string | null {
  const byVersion = new Map<string, number>();
  for (const h of run.hosts) {
    if (h.outcome.status === 'failed') continue;
    const v = h.collectedBy ?? run.tool.version;
    byVersion.set(v, (byVersion.get(v) ?? 0) + 1);
  }
  if ([...byVersion.keys()].every((v) => v === run.tool.version)) return null;
  const parts = [...byVersion].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([v, n]) => `${clean(v)} (${n} ${n === 1 ? 'host' : 'hosts'})`);
  return `host data collected by sockaudit ${parts.join(', ')}; parsed and evaluated again by ${clean(run.tool.version)}`;
}

/** Host names are unique in a run; the first wins if they are not. */
function anchorsByName(ranked: readonly RankedHost[], hosts: readonly HostView[]): (name: string) => string | null {
  const anchors = new Map<string, string>();
  ranked.forEach(({ result }, i) => {
    const name = result.outcome.target.name;
    const anchor = hosts[i]?.anchor;
    if (anchor !== undefined && !anchors.has(name)) anchors.set(name, anchor);
  });
  return (name) => anchors.get(name) ?? null;
}

/** "3 critical, 2 warning, 1 not audited of 12 hosts"; the ok hosts are the remainder. */
export function assembleVerdictLine(byVerdict: Record<Verdict, number>, notAudited: number, total: number): string {
  const hostWord = total === 1 ? 'host' : 'hosts';
  const parts = (['critical', 'warning', 'unknown', 'notice'] as const)
    .filter((v) => byVerdict[v] > 0)
    .map((v) => `${byVerdict[v]} ${v}`);
  if (notAudited > 0) parts.push(`${notAudited} not audited`);
  if (total === 0) return 'no hosts audited';
  if (parts.length === 0) return `all ${total} ${hostWord} ok`;
  return `${parts.join(', ')} of ${total} ${hostWord}`;
}

function assembleHost({ result, rank }: RankedHost): HostView {
  const { outcome, verdict } = result;
  const t = outcome.target;
  const endpoint = clean(`${t.user ? `${t.user}@` : ''}${t.address}${t.port !== undefined && t.port !== 22 ? `:${t.port}` : ''}`);
  const base = {
    rank,
    anchor: `host-${rank}`,
    name: clean(t.name),
    address: clean(t.address),
    port: t.port ?? null,
    user: t.user === undefined ? null : clean(t.user),
    groups: t.groups.map(clean),
    via: (t.via ?? []).map(clean),
    endpoint,
    hostKey: assembleHostKey(t),
    status: outcome.status,
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
  };
  if (outcome.status === 'failed') {
    return {
      ...base,
      level: 'not-audited',
      levelLabel: LEVEL_LABELS['not-audited'],
      levelSymbol: LEVEL_SYMBOLS['not-audited'],
      score: null,
      deciding: `${STAGE_PHRASES[outcome.stage]}: ${clean(outcome.message)}`,
      decidedBy: null,
      failure: {
        stage: outcome.stage,
        phrase: STAGE_PHRASES[outcome.stage],
        message: clean(outcome.message),
        detail: Object.entries(outcome.detail ?? {}).map(([label, value]) => ({ label: clean(label), value: clean(value) })),
      },
      problems: [],
      notes: [],
      facts: [],
      findings: [],
      bars: [],
      charts: [],
      holders: null,
    };
  }
  // An audited host always has a verdict; without one it is shown as unknown rather than dropped.
  const level: Verdict = verdict?.verdict ?? 'unknown';
  const findings = verdict?.findings ?? [];
  const deciding = findDeciding(findings, verdict?.decidedBy);
  const host: Omit<HostView, HostPart> = {
    ...base,
    level,
    levelLabel: LEVEL_LABELS[level],
    levelSymbol: LEVEL_SYMBOLS[level],
    score: verdict?.score ?? null,
    deciding: deciding ? clean(deciding.summary) : (verdict ? 'no finding decided the verdict' : 'not evaluated'),
    decidedBy: verdict?.decidedBy ?? null,
    failure: null,
    problems: outcome.problems.map(clean),
    notes: (verdict?.notes ?? []).map(clean),
    findings: findings.map(assembleFinding),
  };
  return hostParts(host, { snapshot: outcome.snapshot, findings, anchor: base.anchor });
}

// A view's card-only parts (facts, bars, charts, holders, each finding's figures and thresholds)
// are most of its cost, and only the hosts a renderer shows in full read them: at 10,000 hosts the
// HTML page reads them for the few hundred cards, the Markdown and the terminal summary never. So
// each is an own accessor (templates read own properties only) that builds the part on first read
// and puts it in its place. The accessors are made once and shared by every view, with what they
// build from kept under a symbol, so that a view costs no closures and its objects share one shape.
const SOURCE = Symbol('view source');

interface HostSource {
  snapshot: Snapshot;
  findings: Finding[];
  anchor: string;
}

type HostPart = 'facts' | 'bars' | 'charts' | 'holders';
type FindingPart = 'figures' | 'thresholds';

const hostParts = lazyParts<HostView, HostPart, HostSource>({
  facts: (s) => assembleFacts(s.snapshot),
  bars: (s) => assembleBars(s.findings),
  charts: (s) => assembleCharts(s.snapshot, s.findings, s.anchor),
  holders: (s) => assembleHoldersView(s.snapshot, s.findings),
});

const findingParts = lazyParts<FindingView, FindingPart, Finding>({
  figures: (f) => figureViews(f),
  thresholds: (f) => thresholdViews(f),
});

/** Adds the accessors for `builders` to a view, with `source` for them to build from. */
function lazyParts<T extends object, P extends keyof T & string, S>(builders: { [K in P]: (source: S) => T[K] }): (target: Omit<T, P>, source: S) => T {
  const descriptors: PropertyDescriptorMap = { [SOURCE]: { value: undefined, writable: true, enumerable: false, configurable: true } };
  for (const key of Object.keys(builders) as P[]) {
    const build = builders[key]!;
    const keep = (target: T, value: T[typeof key]): void => {
      Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
    };
    descriptors[key] = {
      enumerable: true,
      configurable: true,
      get(this: T & { [SOURCE]: S }): T[typeof key] {
        const value = build(this[SOURCE]);
        keep(this, value);
        return value;
      },
      set(this: T, value: T[typeof key]): void {
        keep(this, value);
      },
    };
  }
  return (target, source) => {
    const view = Object.defineProperties(target, descriptors) as T & { [SOURCE]: S };
    view[SOURCE] = source;
    return view;
  };
}

function findingKey(f: Finding): string {
  return f.item === undefined ? f.id : `${f.id}.${f.item}`;
}

function findDeciding(findings: Finding[], decidedBy: string | undefined): Finding | undefined {
  if (decidedBy === undefined) return findings[0];
  return findings.find((f) => findingKey(f) === decidedBy) ?? findings.find((f) => f.id === decidedBy) ?? findings[0];
}

function assembleFinding(f: Finding): FindingView {
  const view: Omit<FindingView, FindingPart> = {
    id: f.id,
    item: f.item ?? null,
    key: displayKey(f),
    level: f.level,
    levelLabel: LEVEL_LABELS[f.level],
    levelSymbol: LEVEL_SYMBOLS[f.level],
    summary: clean(f.summary),
    uncertain: f.uncertain === true,
    rationale: f.rationale,
    remediation: f.remediation,
    assumptions: f.assumptions.map(clean),
  };
  return findingParts(view, f);
}

function assembleFacts(s: Snapshot): LabelledValue[] {
  const facts: LabelledValue[] = [];
  const add = (label: string, value: string | number | undefined): void => {
    if (value !== undefined) facts.push({ label, value: typeof value === 'number' ? formatNumber(value) : clean(value) });
  };
  add('hostname', s.hostname);
  add('kernel', s.kernelRelease);
  add('machine', s.machine);
  add('page size', s.pageSize === undefined ? undefined : `${formatNumber(s.pageSize)} bytes`);
  add('CPUs', s.cpus);
  add('network namespace', s.initNetns === undefined ? undefined : s.initNetns ? 'host (initial)' : 'container (not the initial one)');
  add('samples', s.samples.length);
  return facts;
}

function assembleBars(findings: Finding[]): BarView[] {
  const bars: BarView[] = [];
  const orphans = findings.find((f) => f.id === 'orphans');
  if (orphans) {
    const value = figureNumber(orphans, BAR_FIGURES.orphans.value);
    const limit = figureNumber(orphans, BAR_FIGURES.orphans.limit);
    if (value !== undefined && limit !== undefined && limit > 0) {
      const scale = Math.max(limit, value);
      bars.push({
        id: 'orphans',
        title: 'Orphaned sockets',
        level: orphans.level,
        levelLabel: LEVEL_LABELS[orphans.level],
        caption: `${formatNumber(value)} orphans of tcp_max_orphans ${formatNumber(limit)} (${formatPercent(value / limit)})`,
        valuePct: pct(value, scale),
        // A quarter is where penalised orphans start being killed (RISK-MODEL.md section 1).
        marks: [
          { label: '25 %', pct: pct(limit / 4, scale) },
          { label: '50 %', pct: pct(limit / 2, scale) },
          { label: '100 %', pct: pct(limit, scale) },
        ],
      });
    }
  }
  const memory = findings.find((f) => f.id === 'tcp-memory');
  if (memory) {
    const names = BAR_FIGURES.tcpMemory;
    const value = figureNumber(memory, names.value);
    const low = figureNumber(memory, names.low);
    const pressure = figureNumber(memory, names.pressure);
    const high = figureNumber(memory, names.high);
    if (value !== undefined && low !== undefined && pressure !== undefined && high !== undefined && high > 0) {
      const scale = Math.max(high, value);
      bars.push({
        id: 'tcp-memory',
        title: 'TCP memory',
        level: memory.level,
        levelLabel: LEVEL_LABELS[memory.level],
        caption: `${formatNumber(value)} of tcp_mem ${formatNumber(low)} / ${formatNumber(pressure)} / ${formatNumber(high)} (${formatPercent(value / high)} of high)`,
        valuePct: pct(value, scale),
        marks: [
          { label: 'low', pct: pct(low, scale) },
          { label: 'pressure', pct: pct(pressure, scale) },
          { label: 'high', pct: pct(high, scale) },
        ],
      });
    }
  }
  return bars;
}

/** A figure as a finite number; bigints arrive as decimal strings. */
function figureNumber(f: Finding, name: string): number | undefined {
  const v = f.figures[name];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

function pct(part: number, whole: number): number {
  return Math.round((Math.min(Math.max(part / whole, 0), 1) * 100) * 100) / 100;
}
