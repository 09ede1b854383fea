// What `audit` and `demo` print when they finish: the ranked summary, the files, the verdict.
import { buildView, renderSummary, sanitizeForTerminal } from '../report/index.js';
import type { AuditResult } from './audit.js';
import type { Io } from './io.js';

export function printAuditSummary(result: AuditResult, io: Io): void {
  const view = buildView(result.run);
  io.stdout.write(renderSummary(view, { color: io.color }));
  for (const f of result.files) io.stdout.write(`wrote ${sanitizeForTerminal(f)}\n`);
  io.stdout.write(`exit ${result.judgement.exitCode}: ${result.judgement.reason}\n`);
}
