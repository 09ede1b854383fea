// TIME_WAIT sockets against tcp_max_tw_buckets, and the overflow counter. Both per network namespace.
import { assessShare, worseLevel } from '../comparators.js';
import { absent, fig, finding, percent } from '../finding.js';
import { pct, plural } from '../format.js';
import { counterSeries, readSource } from '../inputs.js';
import type { Peak } from '../inputs.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult, ShareInputs } from '../rule.js';

export const timeWaitRule = defineRule({
  id: 'time-wait',
  title: 'TIME_WAIT sockets against tcp_max_tw_buckets',
  figure: 'peak sockstat TCP tw / net.ipv4.tcp_max_tw_buckets, and TcpExt TCPTimeWaitOverflow',
  unit: '% of tcp_max_tw_buckets',
  thresholds: { notice: 50, warning: 80, critical: 100 },
  order: 'ascending',
  comparator: { kind: 'above', inclusive: ['critical'] },
  share: {
    used: { sockstat: 'TCP', field: 'tw' },
    limit: { sysctl: 'net.ipv4.tcp_max_tw_buckets' },
    what: 'TIME_WAIT',
    limitName: 'tcp_max_tw_buckets',
    figures: ['tw', 'tcpMaxTwBuckets'],
  },
  core: false,
  rationale:
    'At tcp_max_tw_buckets the kernel closes sockets without TIME_WAIT (TCPTimeWaitOverflow), so a late ' +
    'duplicate segment of an old connection can corrupt a new one using the same ports. Both the count and the ' +
    'limit belong to the network namespace that was read.',
  remediation:
    'Prefer fewer, longer connections: keep-alive and connection pools between services, so that the side that ' +
    'closes first does not churn thousands of TIME_WAITs per second. net.ipv4.tcp_tw_reuse=1 lets outgoing ' +
    'connections reuse TIME_WAIT ports safely with timestamps. Raise tcp_max_tw_buckets (each costs well under ' +
    '1 KiB) rather than relying on overflow; never use the removed tcp_tw_recycle.',
  check: checkTimeWait,
});

function checkTimeWait({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const inputs = rule.share as ShareInputs;
  const tw = readSource(snapshot, inputs.used);
  const buckets = readSource(snapshot, inputs.limit);
  const overflow = counterSeries(snapshot, 'TcpExt', 'TCPTimeWaitOverflow');

  if (!buckets.ok && buckets.absent) return absent(rule, buckets.why);
  if (!tw.ok || !buckets.ok) {
    const why = [tw, buckets].flatMap((g) => (g.ok ? [] : [g.why])).join('; ');
    return finding(rule, { level: 'unknown', summary: `TIME_WAIT unknown: ${why}`, thresholds });
  }

  const peak = tw.value.peak as Peak;
  const limit = buckets.value.value;
  const judged = assessShare(rule, thresholds, peak.peak, limit);
  const share = judged.share;
  let level = judged.level;
  let closeness = judged.closeness;
  const sampled = peak.of > 1 ? `, peak of ${plural(peak.of, 'sample')}` : '';
  const parts = [`TIME_WAIT at ${pct(share)} of tcp_max_tw_buckets (${peak.peak} of ${limit}${sampled})`];

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
      tw: peak.peak,
      samples: peak.of,
      tcpMaxTwBuckets: limit,
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
