// The Markdown report, for a CI job summary: verdict on line 1, a ranked table, what to do once
// per finding type with the hosts it applies to, then the findings of the hosts that need
// attention, and the footer last. Bounded in size whatever the fleet. Host names and addresses
// are code spans, so GitHub never turns `user@host` into a mail link (markdown-text.ts).
import type { RankedRun } from '../run/rank.js';
import { renderTemplate } from './handlebars.js';
import type { ReportFormat } from './report-format.js';
import { cut, escapeMarkdown } from './escape.js';
import { mdCode, mdText } from './markdown-text.js';
import { LEVEL_LABELS, LEVEL_SYMBOLS } from './levels.js';
import type { Verdict } from '../evaluate/types.js';
import type { TrendView } from './trend-view.js';
import { assembleMdHolders, type MdHolders } from './holders-md.js';
import type { FindingView, HostView, ReportView } from './view-model.js';

/** Job summaries are refused above 1 MiB; stay clearly below. */
export const MARKDOWN_MAX_BYTES = 1_000_000;
const TABLE_ROWS = 500;
const DETAIL_HOSTS = 100;
const TREND_ROWS = 200;
const NAME_CHARS = 120;
const TEXT_CHARS = 400;
/** Hosts named under one remediation; the rest are counted. */
const REMEDY_HOSTS = 20;

interface MdLimits {
  rows: number;
  details: number;
  trend: number;
}

/** Every string here is already escaped for Markdown; the template is compiled without escaping. */
interface MdView {
  verdictLine: string;
  gate: string;
  hostKeyPolicy: string;
  sampling: string;
  provenance: string | null;
  warnings: string[];
  rows: { rank: number; name: string; verdict: string; score: string; deciding: string }[];
  /** What to do, once per finding type and remediation, with the hosts it applies to. */
  remedies: MdRemedy[];
  details: MdHost[];
  detailsMore: number;
  more: number;
  tool: string;
  run: string;
  trend: MdTrend | null;
}

interface MdTrend {
  since: string;
  line: string;
  rows: { name: string; change: string; before: string; after: string; scoreDelta: string; notes: string }[];
  more: number;
}

interface MdHost {
  rank: number;
  name: string;
  verdict: string;
  endpoint: string;
  /** The host-key policy, why, and how the key was trusted; null when the run does not say. */
  hostKey: string | null;
  failure: string | null;
  problems: string[];
  findings: MdFinding[];
  holders: MdHolders | null;
}

interface MdFinding {
  verdict: string;
  key: string;
  summary: string;
}

interface MdRemedy {
  verdict: string;
  key: string;
  /** "3 hosts: `a`, `b`, `c`" (named up to REMEDY_HOSTS, worst first). */
  hosts: string;
  remediation: string;
}

export function renderMarkdown(view: ReportView): string {
  let limits: MdLimits = { rows: TABLE_ROWS, details: DETAIL_HOSTS, trend: TREND_ROWS };
  for (;;) {
    const text = renderTemplate('report.md', assembleMdView(view, limits));
    if (Buffer.byteLength(text, 'utf8') <= MARKDOWN_MAX_BYTES || (limits.rows === 0 && limits.details === 0 && limits.trend === 0)) return text;
    // Long texts from many hosts: show fewer, worst first, until it fits.
    limits =
      limits.details > 0
        ? { ...limits, details: Math.floor(limits.details / 2) }
        : limits.trend > 0
          ? { ...limits, trend: Math.floor(limits.trend / 2) }
          : { ...limits, rows: Math.floor(limits.rows / 2) };
  }
}

function assembleMdView(view: ReportView, limits: MdLimits): MdView {
  const rows = view.hosts.slice(0, limits.rows);
  const needing = view.hosts.filter(needsAttention);
  const details = needing.slice(0, limits.details);
  return {
    verdictLine: escapeMarkdown(view.verdictLine),
    gate: escapeMarkdown(view.gate),
    hostKeyPolicy: escapeMarkdown(view.hostKeyLine),
    sampling: escapeMarkdown(view.sampling),
    provenance: view.provenance === null ? null : escapeMarkdown(view.provenance),
    warnings: view.warnings.map((w) => md(w, TEXT_CHARS)),
    rows: rows.map((h) => ({
      rank: h.rank,
      name: `${mdCode(cut(h.name, NAME_CHARS), { table: true })}${h.hostKey?.mark ? ` (⚠ ${mdText(h.hostKey.mark)})` : ''}`,
      verdict: verdictText(h),
      score: h.score === null ? '—' : String(h.score),
      deciding: mdText(cut(h.deciding, TEXT_CHARS), { table: true }),
    })),
    remedies: assembleRemedies(needing),
    details: details.map(assembleMdHost),
    detailsMore: needing.length - details.length,
    more: view.hosts.length - rows.length,
    tool: escapeMarkdown(`${view.tool.name} ${view.tool.version}`),
    run: escapeMarkdown(`${view.startedAt} to ${view.finishedAt}`),
    trend: view.trend ? assembleMdTrend(view.trend, limits.trend) : null,
  };
}

function assembleMdTrend(trend: TrendView, max: number): MdTrend {
  return {
    since: escapeMarkdown(trend.since),
    line: escapeMarkdown(trend.line),
    rows: trend.hosts.slice(0, max).map((t) => ({
      name: mdCode(cut(t.name, NAME_CHARS), { table: true }),
      change: `${t.changeSymbol} ${t.changeLabel}`,
      before: escapeMarkdown(t.before),
      after: escapeMarkdown(t.after),
      scoreDelta: t.scoreDelta,
      notes: mdText(cut(t.notes.join('; '), TEXT_CHARS * 2), { table: true }),
    })),
    more: Math.max(0, trend.hosts.length - max),
  };
}

/** Hosts with something to read: not audited, a verdict at notice or above, or a key newly accepted or not verified. */
function needsAttention(h: HostView): boolean {
  return h.level !== 'ok' || (h.hostKey !== null && h.hostKey.mark !== null);
}

function assembleMdHost(h: HostView): MdHost {
  return {
    rank: h.rank,
    name: mdCode(cut(h.name, NAME_CHARS)),
    verdict: verdictText(h),
    endpoint: mdCode(cut(h.endpoint, NAME_CHARS)),
    hostKey: h.hostKey ? mdText(cut(`${h.hostKey.text}${h.hostKey.mark ? ` (${h.hostKey.mark})` : ''}`, TEXT_CHARS)) : null,
    failure: h.failure ? md(`${h.failure.phrase} (stage ${h.failure.stage}): ${h.failure.message}`, TEXT_CHARS) : null,
    problems: h.problems.map((p) => md(p, TEXT_CHARS)),
    findings: h.findings.filter((f) => f.level !== 'ok').map(assembleMdFinding),
    holders: assembleMdHolders(h.holders),
  };
}

function assembleMdFinding(f: FindingView): MdFinding {
  return {
    verdict: `${f.levelSymbol} **${f.levelLabel}**`,
    key: mdCode(cut(f.key, NAME_CHARS)),
    summary: `${md(f.summary, TEXT_CHARS)}${f.uncertain ? ' (uncertain: see report.html for the assumptions)' : ''}`,
  };
}

const SEVERITY: readonly Verdict[] = ['critical', 'warning', 'unknown', 'notice', 'ok'];

/**
 * One entry per finding type and remediation text (a host-specific note makes its own entry), with
 * the hosts it applies to in ranking order: worst level first, then the most hosts.
 */
function assembleRemedies(hosts: readonly HostView[]): MdRemedy[] {
  const groups = new Map<string, { key: string; remediation: string; worst: Verdict; hosts: string[]; named: Set<string>; levels: Map<Verdict, number> }>();
  for (const h of hosts) {
    for (const f of h.findings) {
      if (f.level === 'ok' || f.remediation === '') continue;
      const id = `${f.key}\u0000${f.remediation}`;
      const g = groups.get(id) ?? groups.set(id, { key: f.key, remediation: f.remediation, worst: f.level, hosts: [], named: new Set(), levels: new Map() }).get(id);
      // A set beside the list: a remedy common to most of a large fleet would make a list scan quadratic.
      if (g === undefined || g.named.has(h.name)) continue;
      if (SEVERITY.indexOf(f.level) < SEVERITY.indexOf(g.worst)) g.worst = f.level;
      g.named.add(h.name);
      g.hosts.push(h.name);
      g.levels.set(f.level, (g.levels.get(f.level) ?? 0) + 1);
    }
  }
  return [...groups.values()]
    .sort((a, b) => SEVERITY.indexOf(a.worst) - SEVERITY.indexOf(b.worst) || b.hosts.length - a.hosts.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((g) => {
      const named = g.hosts.slice(0, REMEDY_HOSTS).map((n) => mdCode(cut(n, NAME_CHARS)));
      const more = g.hosts.length - named.length;
      const levels = SEVERITY.filter((l) => g.levels.has(l)).map((l) => `${g.levels.get(l)} ${LEVEL_LABELS[l]}`);
      return {
        verdict: LEVEL_SYMBOLS[g.worst],
        key: mdCode(cut(g.key, NAME_CHARS)),
        hosts: `${g.hosts.length} ${g.hosts.length === 1 ? 'host' : 'hosts'} (${levels.join(', ')}): ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
        remediation: md(g.remediation, TEXT_CHARS * 2),
      };
    });
}

function verdictText(h: HostView): string {
  return `${h.levelSymbol} ${h.levelLabel}`;
}

/** Text from hosts or the evaluator, cut, escaped, with link-shaped words as code spans. */
function md(s: string, max: number): string {
  return mdText(cut(s, max));
}

export { escapeMarkdown };

export const markdownFormat = { id: 'md', aliases: ['markdown'], fileName: 'report.md', render: (_ranked: RankedRun, view: ReportView) => renderMarkdown(view) } as const satisfies ReportFormat;
