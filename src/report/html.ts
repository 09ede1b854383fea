// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing loaded).
import { renderTemplate } from './handlebars.js';
import type { RankedRun } from '../run/rank.js';
import type { ReportFormat } from './report-format.js';
import type { ReportView } from './view-model.js';

/** Host strings reach the page only through Handlebars' escaping `{{ }}`. */
export function renderHtml(view: ReportView): string {
  return renderTemplate('report.html', view);
}

export const htmlFormat = { id: 'html', fileName: 'report.html', render: (_ranked: RankedRun, view: ReportView) => renderHtml(view) } as const satisfies ReportFormat;
