// TIME_WAIT sockets against tcp_max_tw_buckets, and the overflow counter. Both per network namespace.
import { thresholdsFor } from '../config.js';
import { closenessToLine, levelAbove, worseLevel } from '../comparators.js';
import { pct, plural } from '../format.js';
import { counterSeries, gaugePeak, sysctlValue } from '../inputs.js';
import { ruleById } from '../rules.js';
import { absent, fig, finding, percent } from './finding.js';
import type { CheckContext, CheckResult } from './finding.js';

export function checkTimeWait({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('time-wait');
  const thresholds = thresholdsFor(rule.id, config);
  const tw = gaugePeak(snapshot, 'tw');
  const buckets = sysctlValue(snapshot, 'net.ipv4.tcp_max_tw_buckets');
  const overflow = counterSeries(snapshot, 'TcpExt', 'TCPTimeWaitOverflow');

  if (!buckets.ok && buckets.absent) return absent(rule, buckets.why);
  if (!tw.ok || !buckets.ok) {
    const why = [tw, buckets].flatMap((g) => (g.ok ? [] : [g.why])).join('; ');
    return finding(rule, { level: 'unknown', summary: `TIME_WAIT unknown: ${why}`, thresholds });
  }

  const share = percent(tw.value.peak, buckets.value);
  const inclusive = rule.comparator.kind === 'above' ? rule.comparator.inclusive : undefined;
  let level = levelAbove(share, thresholds, inclusive);
  let closeness = closenessToLine(share, thresholds.critical ?? 100, 100);
  const sampled = tw.value.of > 1 ? `, peak of ${plural(tw.value.of, 'sample')}` : '';
  const parts = [`TIME_WAIT at ${pct(share)} of tcp_max_tw_buckets (${tw.value.peak} of ${buckets.value}${sampled})`];

  if (overflow.ok) {
    const { last, growth } = overflow.value;
    if (growth !== null && growth > 0) {
      level = 'critical';
      closeness = 1;
      parts.push(`TCPTimeWaitOverflow grew by ${growth} while sampling: TIME_WAIT is being skipped now`);
    } else if (last > 0) {
      level = worseLevel(level, 'warning');
      parts.push(`${last} TIME_WAIT overflows since boot`);
    }
  }

  return finding(rule, {
    level,
    summary: parts.join('; '),
    figures: {
      tw: tw.value.peak,
      samples: tw.value.of,
      tcpMaxTwBuckets: buckets.value,
      percentOfLimit: fig(share),
      overflowsSinceBoot: overflow.ok ? overflow.value.last : null,
      overflowGrowth: overflow.ok ? overflow.value.growth : null,
    },
    thresholds,
    assumptions: [
      'tw and tcp_max_tw_buckets belong to the network namespace that was read',
      ...(overflow.ok ? [] : [`overflow counter not available: ${overflow.why}`]),
    ],
    closeness,
  });
}
