// TIME_WAIT sockets against tcp_max_tw_buckets, and the overflow counter. Both per network namespace.
import { assessShare, worseLevel } from '../comparators.js';
import { absent, finding } from '../finding.js';
import { duration, pctBeside, plural } from '../format.js';
import { asLimit, counterSeries, latestUptime, readSource } from '../inputs.js';
import type { Peak } from '../inputs.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult, ShareInputs } from '../rule.js';
import type { Level } from '../types.js';
import { parseKernelRelease, versionBefore } from '../units.js';
import type { Snapshot } from '../../procfs/types.js';
import { minOf } from '../../arrays.js';

export const timeWaitRule = defineRule({
  id: 'time-wait',
  title: 'TIME_WAIT sockets against tcp_max_tw_buckets',
  figure:
    'peak sockstat TCP tw / net.ipv4.tcp_max_tw_buckets, TcpExt TCPTimeWaitOverflow, and (up to 2.6.36, which has ' +
    'no counter) the kernel log line "TCP: time wait bucket table overflow"',
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
    'duplicate segment of an old connection can corrupt a new one using the same ports. Up to 2.6.36 the only ' +
    'evidence is the log line "TCP: time wait bucket table overflow"; the counter replaced it by 2.6.37. Both ' +
    'the count and the limit belong to the network namespace that was read (global before 4.11).',
  remediation:
    'Prefer fewer, longer connections: keep-alive and connection pools between services, so that the side that ' +
    'closes first does not churn thousands of TIME_WAITs per second. net.ipv4.tcp_tw_reuse=1 lets outgoing ' +
    'connections reuse TIME_WAIT ports safely with timestamps. Raise tcp_max_tw_buckets (each costs well under ' +
    '1 KiB) rather than relying on overflow; never use the removed tcp_tw_recycle.',
  check: checkTimeWait,
});

/** An overflow line younger than this is critical (happening now); older or undated ones a warning. */
const RECENT_LINE_SECONDS = 3600;

function checkTimeWait({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const inputs = rule.share as ShareInputs;
  const tw = readSource(snapshot, inputs.used);
  const buckets = asLimit(inputs.limit, readSource(snapshot, inputs.limit));
  const overflow = counterSeries(snapshot, 'TcpExt', 'TCPTimeWaitOverflow');
  const lines = overflowLines(snapshot);

  if (!buckets.ok && buckets.absent && lines.count === 0) return absent(rule, buckets.why);

  let level: Level;
  let closeness = 0;
  const parts: string[] = [];
  const figures: Record<string, number | string | null> = {};
  if (tw.ok && buckets.ok) {
    const peak = tw.value.peak as Peak;
    const limit = buckets.value.value;
    const judged = assessShare(rule, thresholds, peak.peak, limit);
    level = judged.level;
    closeness = judged.closeness;
    const sampled = peak.of > 1 ? `, peak of ${plural(peak.of, 'sample')}` : '';
    parts.push(`TIME_WAIT at ${pctBeside(judged.share, Object.values(thresholds))} of tcp_max_tw_buckets (${peak.peak} of ${limit}${sampled})`);
    Object.assign(figures, { tw: peak.peak, samples: peak.of, tcpMaxTwBuckets: limit, percentOfLimit: judged.figures.percentOfLimit ?? null });
  } else {
    const why = [tw, buckets].flatMap((g) => (g.ok ? [] : [g.why])).join('; ');
    if (lines.count === 0) return finding(rule, { level: 'unknown', summary: `TIME_WAIT unknown: ${why}`, thresholds });
    level = 'ok';
    parts.push(`TIME_WAIT count against its limit unknown: ${why}`);
  }

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
  // Up to 2.6.36 the log line is the only witness; dated lines are judged as the counter is.
  if (lines.count > 0) {
    const recent = lines.newest !== undefined && lines.newest <= RECENT_LINE_SECONDS;
    level = worseLevel(level, recent ? 'critical' : 'warning');
    if (recent) closeness = Math.max(closeness, 0.5 + 0.5 * (1 - (lines.newest as number) / RECENT_LINE_SECONDS));
    const when = lines.newest === undefined ? 'undated' : `newest ${duration(lines.newest)} old`;
    parts.push(
      `${plural(lines.count, 'kernel log line')} "time wait bucket table overflow" (${when})` +
        (recent ? ': TIME_WAIT is being skipped now' : ''),
    );
  }

  Object.assign(figures, {
    overflowsSinceBoot: overflow.ok ? overflow.value.last : null,
    overflowGrowth: overflow.ok ? overflow.value.growth : null,
    overflowLogLines: lines.count,
    newestOverflowLineAgeSeconds: lines.newest ?? null,
  });
  return finding(rule, {
    level,
    summary: parts.join('; '),
    figures,
    thresholds,
    assumptions: [
      scopeOfTimeWait(snapshot),
      ...(overflow.ok ? [] : [`overflow counter not available: ${overflow.why}`]),
    ],
    closeness,
  });
}

/** The "time wait bucket table overflow" lines (2.6.32 - 2.6.36), and the age of the newest dated one. */
function overflowLines(snapshot: Snapshot): { count: number; newest?: number } {
  const log = snapshot.kernelLog;
  if (log.state !== 'ok') return { count: 0 };
  const found = log.value.lines.filter((l) => l.kind === 'tw-overflow');
  const now = latestUptime(snapshot);
  const ages = found.flatMap((l) => (l.secondsSinceBoot === undefined || now === undefined ? [] : [Math.max(0, now - l.secondsSinceBoot)]));
  return ages.length > 0 ? { count: found.length, newest: minOf(ages) } : { count: found.length };
}

/** tw and tcp_max_tw_buckets became per network namespace in 4.11 (4.10.17 vs 4.11.0, kernel-eras.md 1(f)). */
function scopeOfTimeWait(snapshot: Snapshot): string {
  const v = parseKernelRelease(snapshot.kernelRelease);
  if (v !== undefined && versionBefore(v, { major: 4, minor: 11 })) {
    return 'tw and tcp_max_tw_buckets are host-wide on this kernel (per network namespace from 4.11)';
  }
  return 'tw and tcp_max_tw_buckets belong to the network namespace that was read';
}
