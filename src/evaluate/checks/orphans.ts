// Orphans against tcp_max_orphans, with the quarter rule (RISK-MODEL.md sections 1 and 4).
import { thresholdsFor } from '../config.js';
import { closenessToLine, levelAbove } from '../comparators.js';
import { pct, plural } from '../format.js';
import { gaugePeak, looksLikeContainer, sysctlValue } from '../inputs.js';
import { ORPHAN_STAGES, ruleById } from '../rules.js';
import { fig, finding, percent } from './finding.js';
import type { CheckContext, CheckResult } from './finding.js';

const LIMIT = 'net.ipv4.tcp_max_orphans';

export function checkOrphans({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('orphans');
  const thresholds = thresholdsFor(rule.id, config);
  const orphans = gaugePeak(snapshot, 'orphan');
  const limit = sysctlValue(snapshot, LIMIT);

  if (!orphans.ok) {
    return finding(rule, {
      level: 'unknown',
      summary: `orphans unknown: ${orphans.why} (not zero: the count could not be read)`,
      figures: { orphan: null, tcpMaxOrphans: limit.ok ? limit.value : null },
      thresholds,
    });
  }
  const { peak } = orphans.value;
  const sampled = orphans.value.of > 1 ? `, peak of ${plural(orphans.value.of, 'sample')}` : '';
  if (!limit.ok) {
    const summary = looksLikeContainer(snapshot)
      ? `${peak} orphans${sampled}; host-level budget could not be read: tcp_max_orphans is not visible ` +
        'in this network namespace (a container); no default is assumed'
      : `${peak} orphans${sampled}; limit unknown: ${limit.why}`;
    return finding(rule, {
      level: 'unknown',
      summary,
      figures: { orphan: peak, tcpMaxOrphans: null, samples: orphans.value.of },
      thresholds,
    });
  }

  const max = limit.value;
  const share = percent(peak, max);
  const level = levelAbove(share, thresholds);
  // The kernel's own stages (orphans << shift > limit) do not move with configured thresholds.
  const stages = ORPHAN_STAGES.filter((s) => peak > s.fraction * max);
  const stage = stages[stages.length - 1];
  const fourTimes = 4 * peak;
  const suggested = fourTimes > max ? Math.ceil(fourTimes / 1024) * 1024 : null;

  let summary = `orphans at ${Number.isFinite(share) ? pct(share) : 'an infinite share'} of tcp_max_orphans (${peak} of ${max}${sampled})`;
  if (stage !== undefined) summary += `: past ${stage.fraction * 100} %, ${stage.says}`;
  if (suggested !== null && level !== 'ok') summary += `; set tcp_max_orphans to at least ${suggested} (4 x the peak)`;

  const assumptions: string[] = [];
  if (snapshot.initNetns === false) {
    assumptions.push('read inside a container network namespace: the orphan count and tcp_max_orphans are host-wide');
  }
  if (orphans.value.of === 1) assumptions.push('one sample: a burst of orphans between samples would be missed');

  return finding(rule, {
    level,
    summary,
    figures: {
      orphan: peak,
      orphanFirst: orphans.value.first,
      orphanLast: orphans.value.last,
      samples: orphans.value.of,
      tcpMaxOrphans: max,
      percentOfLimit: fig(share),
      quarterLimit: max / 4,
      crossed: stage === undefined ? null : `${stage.fraction * 100} %`,
      suggestedMaxOrphans: suggested,
    },
    thresholds,
    assumptions,
    closeness: closenessToLine(share, thresholds.critical ?? 25, 100),
  });
}
