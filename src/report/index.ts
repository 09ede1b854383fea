// The report's public API: build the view once, render it in any format.
export type { AuditRun, HostResult } from './types.js';
export { buildView, assembleVerdictLine, formatNumber, HOST_KEY_OFF_WARNING, BAR_FIGURES } from './view-model.js';
export type { ReportView, HostView, FindingView, FailureView, BarView, BarMark, CountView, DisplayLevel, LabelledValue } from './view-model.js';
export { renderHtml } from './html.js';
export { renderMarkdown, escapeMarkdown, MARKDOWN_MAX_BYTES } from './markdown.js';
export { renderJson, JSON_SCHEMA_VERSION } from './json.js';
export { renderSummary, sanitizeForTerminal } from './terminal.js';
export type { SummaryOptions } from './terminal.js';
export { renderJunit } from './junit.js';
export { parseSavedRun, readSavedRun } from './load.js';
export type { SavedRun } from './load.js';
export { assembleDigest, diffRuns } from './trend.js';
export type { Trend, RunDigest } from './trend.js';
export { assembleCompare } from './compare.js';
export type { ChartView } from './charts.js';
