// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing loaded).
//
// Hosts that need attention (any verdict but ok, or not audited) get a full card each; healthy
// hosts share one compact table, a row each, their facts (and any inputs that could not be read)
// folded in a <details>. A healthy card carries the same bars, charts and ten ok findings as any other and
// would be most of a 10,000-host page; the full figures stay in report.json.
import { renderTemplate } from './handlebars.js';
import type { RankedRun } from '../run/rank.js';
import type { ReportFormat } from './report-format.js';
import type { HostView, ReportView } from './view-model.js';

/** The hosts as the page groups them, each group in ranking order. */
export interface HtmlHostGroups {
  /** Not ok, or not audited: a full card each, after the ranking. */
  attention: HostView[];
  /** ok: one row each in the compact table. */
  healthy: HostView[];
}

/** A healthy host is ok on every check (from complete data or not: its row says which). */
export function isHealthy(h: HostView): boolean {
  // A host whose key was newly accepted or not verified needs a look, whatever its verdict.
  return h.level === 'ok' && !h.hostKey?.mark;
}

export function groupHosts(hosts: readonly HostView[]): HtmlHostGroups {
  const groups: HtmlHostGroups = { attention: [], healthy: [] };
  for (const h of hosts) (isHealthy(h) ? groups.healthy : groups.attention).push(h);
  return groups;
}

/** Host strings reach the page only through Handlebars' escaping `{{ }}`. */
export function renderHtml(view: ReportView): string {
  return renderTemplate('report.html', { ...view, ...groupHosts(view.hosts) });
}

export const htmlFormat = { id: 'html', fileName: 'report.html', render: (_ranked: RankedRun, view: ReportView) => renderHtml(view) } as const satisfies ReportFormat;
