// The generic count-over-limit check, for rules whose inputs are declared as data (rule.share).
import { assessShare } from '../comparators.js';
import { absent, finding } from '../finding.js';
import { pctBeside } from '../format.js';
import { asLimit, readSource } from '../inputs.js';
import type { Got, SourceValue } from '../inputs.js';
import type { CheckContext, CheckResult } from '../rule.js';

/** Returns why the keys do not exist on this host (a note), or undefined to judge them. */
export type AbsentWhen = (used: Got<SourceValue>, limit: Got<SourceValue>) => string | undefined;

export function checkShare({ snapshot, rule, thresholds }: CheckContext, absentWhen: AbsentWhen): CheckResult {
  const inputs = rule.share;
  if (inputs === undefined) throw new Error(`${rule.id} declares no share inputs`);
  const used = readSource(snapshot, inputs.used);
  const limit = asLimit(inputs.limit, readSource(snapshot, inputs.limit));
  const lacking = absentWhen(used, limit);
  if (lacking !== undefined) return absent(rule, lacking);
  if (!used.ok || !limit.ok) {
    const why = [used, limit].flatMap((g) => (g.ok ? [] : [g.why])).join('; ');
    return finding(rule, { level: 'unknown', summary: `${inputs.what} unknown: ${why}`, thresholds });
  }
  const judged = assessShare(rule, thresholds, used.value.value, limit.value.value);
  return finding(rule, {
    level: judged.level,
    summary: `${inputs.what} at ${pctBeside(judged.share, Object.values(thresholds))} of ${inputs.limitName} (${used.value.value} of ${showInt(limit.value.value)})`,
    figures: judged.figures,
    thresholds,
    closeness: judged.closeness,
  });
}

/** fs.file-max is often LONG_MAX, beyond exact doubles: show such values as such. */
function showInt(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : `about ${n.toExponential(2)}`;
}
