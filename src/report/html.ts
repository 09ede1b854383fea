// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing loaded).
import { renderTemplate } from './handlebars.js';
import type { ReportView } from './view-model.js';

/** Host strings reach the page only through Handlebars' escaping `{{ }}`. */
export function renderHtml(view: ReportView): string {
  return renderTemplate('report.html', view);
}
