// Neighbouring exhaustion (RISK-MODEL.md section 4, last row): conntrack, file handles, accept queues.
import { thresholdsFor } from '../config.js';
import { closenessToLine, levelAbove, saturating } from '../comparators.js';
import { pct } from '../format.js';
import { counterSeries, sysctlValue } from '../inputs.js';
import type { Got } from '../inputs.js';
import { ruleById } from '../rules.js';
import type { Rule } from '../rules.js';
import { absent, fig, finding, percent } from './finding.js';
import type { CheckContext, CheckResult } from './finding.js';

export function checkConntrack({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('neighbours.conntrack');
  const count = sysctlValue(snapshot, 'net.netfilter.nf_conntrack_count');
  const max = sysctlValue(snapshot, 'net.netfilter.nf_conntrack_max');
  // Without the nf_conntrack module neither key exists: nothing is tracked, nothing can fill.
  if (!count.ok && !max.ok && count.absent && max.absent) {
    return absent(rule, 'nf_conntrack is not loaded (no nf_conntrack_count or nf_conntrack_max)');
  }
  return ratio(rule, count, max, thresholdsFor(rule.id, config), {
    what: 'conntrack table',
    limit: 'nf_conntrack_max',
    figures: ['conntrackCount', 'conntrackMax'],
  });
}

export function checkFileNr({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('neighbours.file-nr');
  // fs.file-nr: allocated, free (always 0 since 2.6), maximum.
  const allocated = sysctlValue(snapshot, 'fs.file-nr', 0);
  const max = sysctlValue(snapshot, 'fs.file-nr', 2);
  if (!allocated.ok && allocated.absent) return absent(rule, allocated.why);
  return ratio(rule, allocated, max, thresholdsFor(rule.id, config), {
    what: 'file handles',
    limit: 'fs.file-max',
    figures: ['fileHandles', 'fileMax'],
  });
}

export function checkListenOverflows({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('neighbours.listen-overflows');
  const thresholds = thresholdsFor(rule.id, config);
  const overflows = counterSeries(snapshot, 'TcpExt', 'ListenOverflows');
  if (!overflows.ok) {
    if (overflows.absent) return absent(rule, overflows.why);
    return finding(rule, { level: 'unknown', summary: `accept queue overflows unknown: ${overflows.why}`, thresholds });
  }
  const { last, growth } = overflows.value;
  const level = levelAbove(last, thresholds);
  const grew = growth !== null && growth > 0 ? ` (+${growth} while sampling)` : '';
  return finding(rule, {
    level,
    summary: `${last} accept queue overflows since boot${grew}`,
    figures: { listenOverflows: last, listenOverflowsGrowth: growth, samples: overflows.value.of },
    thresholds,
    closeness: saturating(last, 1000),
  });
}

interface RatioLabels {
  what: string;
  limit: string;
  figures: [used: string, limit: string];
}

function ratio(
  rule: Rule,
  used: Got<number>,
  limit: Got<number>,
  thresholds: ReturnType<typeof thresholdsFor>,
  labels: RatioLabels,
): CheckResult {
  if (!used.ok || !limit.ok) {
    const why = [used, limit].flatMap((g) => (g.ok ? [] : [g.why])).join('; ');
    return finding(rule, { level: 'unknown', summary: `${labels.what} unknown: ${why}`, thresholds });
  }
  const share = percent(used.value, limit.value);
  return finding(rule, {
    level: levelAbove(share, thresholds),
    summary: `${labels.what} at ${pct(share)} of ${labels.limit} (${used.value} of ${showInt(limit.value)})`,
    figures: { [labels.figures[0]]: used.value, [labels.figures[1]]: limit.value, percentOfLimit: fig(share) },
    thresholds,
    closeness: closenessToLine(share, thresholds.critical ?? 100, 100),
  });
}

/** fs.file-max is often LONG_MAX, beyond exact doubles: show such values as such. */
function showInt(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : `about ${n.toExponential(2)}`;
}
