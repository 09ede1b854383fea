// The report's public API: build the view once from a ranked run, render it in any format.
export { buildView, assembleVerdictLine, formatNumber, HOST_KEY_OFF_WARNING, BAR_FIGURES } from './view-model.js';
export type { ReportView, HostView, FindingView, FailureView, BarView, BarMark, CountView, DisplayLevel, LabelledValue } from './view-model.js';
export { renderHtml } from './html.js';
export { renderMarkdown, MARKDOWN_MAX_BYTES } from './markdown.js';
export { escapeMarkdown, escapeInvisible, xmlAttr, xmlText, cut } from './escape.js';
export { formatPercent } from './format.js';
export { renderSummary, sanitizeForTerminal } from './terminal.js';
export type { SummaryOptions } from './terminal.js';
export { renderJunit } from './junit.js';
export { REPORT_FORMATS, FORMAT_IDS, parseFormats, formatById } from './formats.js';
export type { Format, ReportFormat } from './formats.js';
export { assembleTrendView } from './trend-view.js';
export type { TrendView, TrendHostView } from './trend-view.js';
export type { ChartView } from './charts.js';
