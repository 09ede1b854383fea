// Trends: what changed on each host between a baseline run and this one. Pure. A run is first
// reduced to a digest (what a comparison needs, small enough to keep inside the next report),
// then two digests are compared.
import { compareVerdicts } from '../evaluate/rank.js';
import { VERDICT_ORDER } from '../evaluate/types.js';
import type { HolderGroup, Holders } from '../procfs/net-tcp-holders.js';
import type { CounterTable, Int, Reading, Snapshot } from '../procfs/types.js';
import { TREND_COUNTERS, type AuditRun, type HostResult, type CounterGrowth, type HolderCount, type HolderGrowth, type HostChange, type HostDigest, type HostTrend, type RunDigest, type Trend, type TrendCounter, type TrendLevel } from './types.js';

export { TREND_COUNTERS };
export type { CounterGrowth, DigestFinding, HostChange, HostDigest, HostTrend, RunDigest, Trend, TrendCounter, TrendLevel } from './types.js';

const CHANGE_ORDER: readonly HostChange[] = ['worse', 'not-audited', 'added', 'removed', 'better', 'audited', 'same'];

export function assembleDigest(run: AuditRun): RunDigest {
  return digestOf(run, run.hosts.map(digestHost));
}

/** What a comparison keeps of one host. */
export function digestHost({ outcome, verdict }: HostResult): HostDigest {
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
    ...(s.holders?.state === 'ok' ? { holders: holderCounts(s.holders.value) } : {}),
  };
}

/** A run's digest from its hosts' digests, which it sorts by name in place. */
export function digestOf(run: Pick<AuditRun, 'tool' | 'startedAt'>, hosts: HostDigest[]): RunDigest {
  hosts.sort((a, b) => byName(a.name, b.name));
  return { tool: { name: run.tool.name, version: run.tool.version }, startedAt: run.startedAt, hosts };
}

/** The key a holder keeps across runs: its state and local endpoint. */
export function holderKey(g: HolderGroup): string {
  const at = g.local.family === 6 && g.local.address.includes(':') ? `[${g.local.address}]:${g.local.port}` : `${g.local.address}:${g.local.port}`;
  return `${g.state} ${at}`;
}

function holderCounts(h: Holders): HolderCount[] {
  return h.groups.map((g) => ({ key: holderKey(g), count: g.count }));
}

/** Holders new since the baseline, or with more orphans than then; biggest first. */
function holderGrowth(b: HostDigest, a: HostDigest): HolderGrowth[] | undefined {
  if (a.holders === undefined) return undefined;
  const was = new Map((b.holders ?? []).map((h) => [h.key, h.count]));
  return a.holders.filter((h) => h.count > (was.get(h.key) ?? 0)).map((h) => ({ key: h.key, before: was.get(h.key) ?? null, after: h.count }));
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

  const holders = holderGrowth(b, a);
  if (holders !== undefined && holders.length > 0) trend.holders = holders;
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
    (t.holders?.length ?? 0) > 0 ||
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
  return side.level === 'not-audited' ? 100 : VERDICT_ORDER.indexOf(side.level);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hosts whose verdict rose, or whose TCPAbortOnMemory grew: what `--fail-on-worse` fails on. */
export function worseHosts(trend: Trend): string[] {
  return trend.hosts.filter((t) => t.change === 'worse' || t.counters.some((c) => c.name === 'TCPAbortOnMemory')).map((t) => t.name);
}
