// The Markdown report, for a CI job summary: verdict on line 1, a ranked table, then the
// findings of the hosts that need attention. Bounded in size whatever the fleet.
import type { RankedRun } from '../run/rank.js';
import { renderTemplate } from './handlebars.js';
import type { ReportFormat } from './report-format.js';
import { cut, escapeMarkdown } from './escape.js';
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
  failure: string | null;
  problems: string[];
  findings: MdFinding[];
  holders: MdHolders | null;
}

interface MdFinding {
  verdict: string;
  key: string;
  summary: string;
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
    hostKeyPolicy: escapeMarkdown(view.hostKeyPolicy),
    sampling: escapeMarkdown(view.sampling),
    provenance: view.provenance === null ? null : escapeMarkdown(view.provenance),
    warnings: view.warnings.map((w) => md(w, TEXT_CHARS)),
    rows: rows.map((h) => ({
      rank: h.rank,
      name: md(h.name, NAME_CHARS),
      verdict: verdictText(h),
      score: h.score === null ? '—' : String(h.score),
      deciding: md(h.deciding, TEXT_CHARS),
    })),
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
      name: md(t.name, NAME_CHARS),
      change: `${t.changeSymbol} ${t.changeLabel}`,
      before: escapeMarkdown(t.before),
      after: escapeMarkdown(t.after),
      scoreDelta: t.scoreDelta,
      notes: md(t.notes.join('; '), TEXT_CHARS * 2),
    })),
    more: Math.max(0, trend.hosts.length - max),
  };
}

/** Hosts with something to read: not audited, or a verdict at notice or above. */
function needsAttention(h: HostView): boolean {
  return h.level !== 'ok';
}

function assembleMdHost(h: HostView): MdHost {
  return {
    rank: h.rank,
    name: md(h.name, NAME_CHARS),
    verdict: verdictText(h),
    endpoint: md(h.endpoint, NAME_CHARS),
    failure: h.failure ? md(`${h.failure.phrase} (stage ${h.failure.stage}): ${h.failure.message}`, TEXT_CHARS) : null,
    problems: h.problems.map((p) => md(p, TEXT_CHARS)),
    findings: h.findings.filter((f) => f.level !== 'ok').map(assembleMdFinding),
    holders: assembleMdHolders(h.holders),
  };
}

function assembleMdFinding(f: FindingView): MdFinding {
  return {
    verdict: `${f.levelSymbol} **${f.levelLabel}**`,
    key: md(f.key, NAME_CHARS),
    summary: `${md(f.summary, TEXT_CHARS)}${f.uncertain ? ' (uncertain: see report.html for the assumptions)' : ''}`,
    remediation: md(f.remediation, TEXT_CHARS * 2),
  };
}

function verdictText(h: HostView): string {
  return `${h.levelSymbol} ${h.levelLabel}`;
}

function md(s: string, max: number): string {
  return escapeMarkdown(cut(s, max));
}

export { escapeMarkdown };

export const markdownFormat = { id: 'md', aliases: ['markdown'], fileName: 'report.md', render: (_ranked: RankedRun, view: ReportView) => renderMarkdown(view) } as const satisfies ReportFormat;
