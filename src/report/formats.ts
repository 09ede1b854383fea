// The report formats, in one registry: `--format` parsing, the help texts' list and the writer all
// read it. A new format is one file that exports its descriptor, plus one line in REPORT_FORMATS.
import { UsageError } from '../errors.js';
import type { RankedRun } from '../run/rank.js';
import { encodeSavedRunWith } from '../run/saved-run.js';
import { htmlFormat } from './html.js';
import { junitFormat } from './junit.js';
import { markdownFormat } from './markdown.js';
import { PROM_FORMAT, renderProm } from './prom.js';
import type { ReadyParts, ReportFormat } from './report-format.js';
import type { ReportView } from './view-model.js';

export type { ReadyParts, ReportFormat };

/** The saved run itself: run/saved-run.ts's encoder, which `report --from` and `merge` read back. */
export const jsonFormat = {
  id: 'json',
  fileName: 'report.json',
  render: (ranked: RankedRun, _view: ReportView, ready?: ReadyParts) => encodeSavedRunWith(ranked, ready?.savedHost ?? (() => undefined)),
} as const satisfies ReportFormat;

/** node_exporter's textfile collector format (report/prom.ts). */
export const promFormat = { ...PROM_FORMAT, render: (ranked: RankedRun) => renderProm(ranked.run) } as const satisfies ReportFormat;

export const REPORT_FORMATS = [htmlFormat, markdownFormat, jsonFormat, junitFormat, promFormat] as const satisfies readonly ReportFormat[];

export type Format = (typeof REPORT_FORMATS)[number]['id'];

/** The ids, in registry order, e.g. for a help text: `FORMAT_IDS.join(',')`. */
export const FORMAT_IDS: readonly Format[] = REPORT_FORMATS.map((f) => f.id);

export function formatById(id: Format): ReportFormat {
  const format = REPORT_FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`sockaudit: no report format "${id}"`);
  return format;
}

/** `--format html,md`: the formats named, once each, in the order given; aliases allowed. */
export function parseFormats(text: string): Format[] {
  const wanted = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const out: Format[] = [];
  for (const w of wanted) {
    const format = REPORT_FORMATS.find((f) => f.id === w || ((f as ReportFormat).aliases ?? []).includes(w));
    if (!format) throw new UsageError(`--format: unknown format "${w}" (known: ${FORMAT_IDS.join(', ')})`);
    if (!out.includes(format.id)) out.push(format.id);
  }
  if (out.length === 0) throw new UsageError('--format: name at least one format');
  return out;
}
