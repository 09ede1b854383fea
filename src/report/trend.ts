// Trends: what changed on each host between a baseline run and this one. Pure. A run is first
// reduced to a digest (what a comparison needs, small enough to keep inside the next report),
// then two digests are compared.
import { LEVEL_LABELS, type DisplayLevel } from './levels.js';
import type { FailureStage } from '../collect/types.js';
import { compareVerdicts } from '../evaluate/rank.js';
import type { Verdict } from '../evaluate/types.js';
import type { CounterTable, Int, Reading, Snapshot } from '../procfs/types.js';
import { sanitizeForTerminal as clean } from './text.js';
import type { AuditRun } from './types.js';

/** TcpExt counters whose growth since the baseline is reported (RISK-MODEL.md section 4). */
export const TREND_COUNTERS = ['TCPAbortOnMemory', 'TCPMemoryPressures', 'TCPTimeWaitOverflow'] as const;
export type TrendCounter = (typeof TREND_COUNTERS)[number];

export interface DigestFinding {
  /** `id` or `id.item`. */
  key: string;
  level: Verdict;
  summary: string;
}

export interface HostDigest {
  name: string;
  /** Null when the host was not audited. */
  verdict: Verdict | null;
  score: number | null;
  /** Why it was not audited; null when it was. */
  stage: FailureStage | null;
  /** Findings at notice or above (and unknown), in the evaluator's order. */
  findings: DigestFinding[];
  /** The counters at the last sample; a counter the host does not have is absent. */
  counters: Partial<Record<TrendCounter, Int>>;
  uptimeSeconds: number | null;
  bootId: string | null;
}

export interface RunDigest {
  tool: { name: string; version: string };
  startedAt: string;
  /** By name, code-unit order. */
  hosts: HostDigest[];
}

/** A host's state on one side: its verdict, or not audited. */
export type TrendLevel = DisplayLevel;

/**
 * - `worse` / `better`: audited both times, verdict up / down;
 * - `not-audited`: audited in the baseline, not now; `audited`: not audited then, audited now;
 * - `added` / `removed`: in one run only; `same`: the same verdict (or not audited both times).
 */
export type HostChange = 'worse' | 'not-audited' | 'added' | 'removed' | 'better' | 'audited' | 'same';

export interface CounterGrowth {
  name: TrendCounter;
  before: Int;
  after: Int;
  /** Events since the baseline; after a reset, the count since the reset (at least that many). */
  growth: Int;
  /** Why the counter started again from zero: a reboot, or a decrease with no reboot seen. */
  reset: 'reboot' | 'decrease' | null;
}

export interface HostTrend {
  name: string;
  change: HostChange;
  before: { level: TrendLevel; score: number | null } | null;
  after: { level: TrendLevel; score: number | null } | null;
  /** After minus before, when both were scored. */
  scoreDelta: number | null;
  newFindings: DigestFinding[];
  resolvedFindings: DigestFinding[];
  changedFindings: { key: string; before: Verdict; after: Verdict; summary: string }[];
  /** Counters that grew since the baseline. */
  counters: CounterGrowth[];
  /** Null when neither boot id nor uptime tells. */
  rebooted: boolean | null;
}

export interface Trend {
  baseline: { toolVersion: string; startedAt: string; hosts: number };
  current: { toolVersion: string; startedAt: string; hosts: number };
  counts: Record<HostChange, number> & { countersGrew: number; rebooted: number };
  /** Hosts with something to report, most urgent first; hosts with nothing new are only counted. */
  hosts: HostTrend[];
}

const CHANGE_ORDER: readonly HostChange[] = ['worse', 'not-audited', 'added', 'removed', 'better', 'audited', 'same'];

export function assembleDigest(run: AuditRun): RunDigest {
  const hosts = run.hosts.map(({ outcome, verdict }): HostDigest => {
    const name = outcome.target.name;
    if (outcome.status === 'failed') {
      return { name, verdict: null, score: null, stage: outcome.stage, findings: [], counters: {}, uptimeSeconds: null, bootId: null };
    }
    const s = outcome.snapshot;
    return {
      name,
      verdict: verdict?.verdict ?? 'unknown',
      score: verdict?.score ?? null,
      stage: null,
      findings: (verdict?.findings ?? [])
        .filter((f) => f.level !== 'ok')
        .map((f) => ({ key: f.item === undefined ? f.id : `${f.id}.${f.item}`, level: f.level, summary: f.summary })),
      counters: lastCounters(s),
      uptimeSeconds: lastUptime(s),
      bootId: s.bootId ?? null,
    };
  });
  hosts.sort((a, b) => byName(a.name, b.name));
  return { tool: { name: run.tool.name, version: run.tool.version }, startedAt: run.startedAt, hosts };
}

function lastCounters(s: Snapshot): Partial<Record<TrendCounter, Int>> {
  const readings: Reading<CounterTable>[] = [...s.samples.map((x) => x.netstat).reverse(), s.netstat];
  const table = readings.find((r) => r.state === 'ok');
  const tcpExt = table?.state === 'ok' ? table.value.groups.TcpExt : undefined;
  const out: Partial<Record<TrendCounter, Int>> = {};
  for (const name of TREND_COUNTERS) {
    const v = tcpExt?.[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function lastUptime(s: Snapshot): number | null {
  for (let i = s.samples.length - 1; i >= 0; i--) {
    const u = s.samples[i]?.uptimeSeconds;
    if (u !== undefined) return u;
  }
  return s.uptime.state === 'ok' ? s.uptime.value.uptimeSeconds : null;
}

export function diffRuns(baseline: RunDigest, current: RunDigest): Trend {
  const before = new Map(baseline.hosts.map((h) => [h.name, h]));
  const after = new Map(current.hosts.map((h) => [h.name, h]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(byName);
  const all = names.map((name) => diffHost(name, before.get(name), after.get(name)));

  const counts = { worse: 0, 'not-audited': 0, added: 0, removed: 0, better: 0, audited: 0, same: 0, countersGrew: 0, rebooted: 0 };
  for (const t of all) {
    counts[t.change]++;
    if (t.counters.length > 0) counts.countersGrew++;
    if (t.rebooted === true) counts.rebooted++;
  }
  const hosts = all.filter(hasNews).sort(byUrgency);
  return {
    baseline: { toolVersion: baseline.tool.version, startedAt: baseline.startedAt, hosts: baseline.hosts.length },
    current: { toolVersion: current.tool.version, startedAt: current.startedAt, hosts: current.hosts.length },
    counts,
    hosts,
  };
}

function diffHost(name: string, b: HostDigest | undefined, a: HostDigest | undefined): HostTrend {
  const side = (h: HostDigest | undefined) => (h ? { level: levelOf(h), score: h.score } : null);
  const trend: HostTrend = {
    name,
    change: 'same',
    before: side(b),
    after: side(a),
    scoreDelta: b && a && b.score !== null && a.score !== null ? a.score - b.score : null,
    newFindings: [],
    resolvedFindings: [],
    changedFindings: [],
    counters: [],
    rebooted: null,
  };
  if (!b) return { ...trend, change: 'added', newFindings: a?.findings ?? [] };
  if (!a) return { ...trend, change: 'removed' };
  if (a.verdict === null || b.verdict === null) {
    trend.change = a.verdict === null && b.verdict === null ? 'same' : a.verdict === null ? 'not-audited' : 'audited';
    if (a.verdict !== null) trend.newFindings = a.findings;
    return trend;
  }
  const order = compareVerdicts(a.verdict, b.verdict);
  trend.change = order > 0 ? 'worse' : order < 0 ? 'better' : 'same';

  const was = new Map(b.findings.map((f) => [f.key, f]));
  const now = new Map(a.findings.map((f) => [f.key, f]));
  trend.newFindings = a.findings.filter((f) => !was.has(f.key));
  trend.resolvedFindings = b.findings.filter((f) => !now.has(f.key));
  for (const f of a.findings) {
    const old = was.get(f.key);
    if (old && old.level !== f.level) trend.changedFindings.push({ key: f.key, before: old.level, after: f.level, summary: f.summary });
  }

  trend.rebooted = rebooted(b, a);
  for (const name of TREND_COUNTERS) {
    const x = b.counters[name];
    const y = a.counters[name];
    if (x === undefined || y === undefined) continue;
    const growth = counterGrowth(BigInt(x), BigInt(y), trend.rebooted === true);
    if (growth.value > 0n) trend.counters.push({ name, before: x, after: y, growth: toInt(growth.value), reset: growth.reset });
  }
  return trend;
}

function levelOf(h: HostDigest): TrendLevel {
  return h.verdict ?? 'not-audited';
}

/** A different boot id, or else a lower uptime, means the host restarted in between. */
function rebooted(b: HostDigest, a: HostDigest): boolean | null {
  if (b.bootId !== null && a.bootId !== null) return b.bootId !== a.bootId;
  if (b.uptimeSeconds !== null && a.uptimeSeconds !== null) return a.uptimeSeconds < b.uptimeSeconds;
  return null;
}

/**
 * Counters count from boot. After a reboot (which came after the baseline) every event counted
 * happened since the baseline; a counter that went down with no reboot seen was reset some other
 * way and is read the same. Neither is ever a negative change.
 */
function counterGrowth(before: bigint, after: bigint, reboot: boolean): { value: bigint; reset: CounterGrowth['reset'] } {
  if (reboot) return { value: after, reset: 'reboot' };
  if (after < before) return { value: after, reset: 'decrease' };
  return { value: after - before, reset: null };
}

function toInt(n: bigint): Int {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function hasNews(t: HostTrend): boolean {
  return (
    t.change !== 'same' ||
    t.newFindings.length > 0 ||
    t.resolvedFindings.length > 0 ||
    t.changedFindings.length > 0 ||
    t.counters.length > 0 ||
    t.rebooted === true
  );
}

/** Change kind, then the current level (worst first), then score, then name. */
function byUrgency(x: HostTrend, y: HostTrend): number {
  const byChange = CHANGE_ORDER.indexOf(x.change) - CHANGE_ORDER.indexOf(y.change);
  if (byChange !== 0) return byChange;
  const byLevel = severity(y.after ?? y.before) - severity(x.after ?? x.before);
  if (byLevel !== 0) return byLevel;
  const byScore = ((y.after ?? y.before)?.score ?? -1) - ((x.after ?? x.before)?.score ?? -1);
  if (byScore !== 0) return byScore;
  return byName(x.name, y.name);
}

/** Not audited counts as the most urgent, as in the ranking. */
function severity(side: { level: TrendLevel } | null): number {
  if (!side) return -1;
  return side.level === 'not-audited' ? 100 : (['ok', 'notice', 'unknown', 'warning', 'critical'] as const).indexOf(side.level);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hosts whose verdict rose, or whose TCPAbortOnMemory grew: what `--fail-on-worse` fails on. */
export function worseHosts(trend: Trend): string[] {
  return trend.hosts.filter((t) => t.change === 'worse' || t.counters.some((c) => c.name === 'TCPAbortOnMemory')).map((t) => t.name);
}

// The trend as the report shows it: worded, host strings cleaned (each renderer escapes them).

export interface TrendView {
  /** "baseline: 2025-01-01T00:00:00.000Z, sockaudit 0.1.0, 12 hosts". */
  since: string;
  /** "1 worse, 1 added, 1 removed; counters grew on 2 hosts; 1 rebooted" or "no changes". */
  line: string;
  hosts: TrendHostView[];
}

export interface TrendHostView {
  name: string;
  change: HostChange;
  changeLabel: string;
  changeSymbol: string;
  /** The colour a change is shown in, as a report level class. */
  tone: 'critical' | 'warning' | 'notice' | 'ok' | 'not-audited';
  before: string;
  after: string;
  scoreDelta: string;
  /** One line per change: findings new, resolved or changed, counters grown, reboot. */
  notes: string[];
  /** In-page link to the host's detail when it is in this run. */
  anchor: string | null;
}

const CHANGE_LABELS: Record<HostChange, { label: string; symbol: string; tone: TrendHostView['tone'] }> = {
  worse: { label: 'worse', symbol: '↑', tone: 'critical' },
  'not-audited': { label: 'no longer audited', symbol: '⊘', tone: 'not-audited' },
  added: { label: 'added', symbol: '+', tone: 'notice' },
  removed: { label: 'removed', symbol: '−', tone: 'not-audited' },
  better: { label: 'better', symbol: '↓', tone: 'ok' },
  audited: { label: 'audited again', symbol: '✔', tone: 'ok' },
  same: { label: 'same verdict', symbol: '=', tone: 'notice' },
};


export function assembleTrendView(trend: Trend, anchorOf: (name: string) => string | null): TrendView {
  const c = trend.counts;
  const parts = (['worse', 'not-audited', 'added', 'removed', 'better', 'audited'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${CHANGE_LABELS[k].label}`);
  const extra = [
    ...(c.countersGrew > 0 ? [`counters grew on ${c.countersGrew} ${c.countersGrew === 1 ? 'host' : 'hosts'}`] : []),
    ...(c.rebooted > 0 ? [`${c.rebooted} rebooted`] : []),
  ];
  const line = parts.length + extra.length === 0 ? 'no changes since the baseline' : [parts.join(', '), extra.join(', ')].filter(Boolean).join('; ');
  return {
    since: `baseline: ${clean(trend.baseline.startedAt)}, sockaudit ${clean(trend.baseline.toolVersion)}, ${trend.baseline.hosts} ${trend.baseline.hosts === 1 ? 'host' : 'hosts'}`,
    line,
    hosts: trend.hosts.map((t) => ({
      name: clean(t.name),
      change: t.change,
      changeLabel: CHANGE_LABELS[t.change].label,
      changeSymbol: CHANGE_LABELS[t.change].symbol,
      // Same verdict but counters grew: still worth a warning colour.
      tone: t.change === 'same' && t.counters.length > 0 ? 'warning' : CHANGE_LABELS[t.change].tone,
      before: sideText(t.before),
      after: sideText(t.after),
      scoreDelta: t.scoreDelta === null || t.scoreDelta === 0 ? '' : t.scoreDelta > 0 ? `+${t.scoreDelta}` : String(t.scoreDelta),
      notes: assembleNotes(t),
      anchor: t.after ? anchorOf(t.name) : null,
    })),
  };
}

function sideText(side: HostTrend['before']): string {
  if (!side) return '—';
  return side.score === null ? LEVEL_LABELS[side.level] : `${LEVEL_LABELS[side.level]} ${side.score}`;
}

function assembleNotes(t: HostTrend): string[] {
  const notes: string[] = [];
  if (t.rebooted === true) notes.push('rebooted since the baseline');
  for (const c of t.counters) {
    const since = c.reset === 'reboot' ? ' (counted since the reboot)' : c.reset === 'decrease' ? ` (the counter went down from ${c.before}: counted since it restarted)` : ` (${c.before} → ${c.after})`;
    notes.push(`${c.name} +${c.growth}${since}`);
  }
  for (const f of t.newFindings) notes.push(`new ${f.level}: ${clean(f.key)}: ${clean(f.summary)}`);
  for (const f of t.changedFindings) notes.push(`${clean(f.key)}: ${f.before} → ${f.after}: ${clean(f.summary)}`);
  for (const f of t.resolvedFindings) notes.push(`resolved: ${clean(f.key)} (was ${f.level})`);
  return notes;
}
