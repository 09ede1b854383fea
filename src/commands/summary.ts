// What `audit` and `demo` print when they finish: the ranked summary, the files, the verdict.
import { buildView } from '../report/view-model.js';
import { renderSummary } from '../report/terminal.js';
import { sanitizeForTerminal } from '../text.js';
import type { AuditResult } from './report.js';
import type { Io } from './io.js';

export function printAuditSummary(result: AuditResult, io: Io): void {
  const view = buildView(result.ranked);
  io.stdout.write(renderSummary(view, { color: io.color }));
  for (const f of result.files) io.stdout.write(`wrote ${sanitizeForTerminal(f)}\n`);
  for (const u of result.unwritten) io.stdout.write(`could not write ${sanitizeForTerminal(u.path)}: ${sanitizeForTerminal(u.reason)}\n`);
  io.stdout.write(`exit ${result.judgement.exitCode}: ${result.judgement.reason}\n`);
}
