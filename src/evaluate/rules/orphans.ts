// Orphans against tcp_max_orphans, with the quarter rule (RISK-MODEL.md sections 1 and 4).
import { assessShare } from '../comparators.js';
import { fig, finding } from '../finding.js';
import { digitsBeside, pctBeside, plural } from '../format.js';
import { asLimit, looksLikeContainer, readSource } from '../inputs.js';
import type { Peak } from '../inputs.js';
import { ORPHAN_STAGES } from '../kernel-facts.js';
import { defineRule } from '../rule.js';
import { parseKernelRelease, versionBefore } from '../units.js';
import type { Snapshot } from '../../procfs/types.js';
import type { CheckContext, CheckResult, ShareInputs } from '../rule.js';

export const orphansRule = defineRule({
  id: 'orphans',
  title: 'Orphaned TCP sockets against tcp_max_orphans',
  figure: 'peak sockstat TCP orphan / net.ipv4.tcp_max_orphans',
  unit: '% of tcp_max_orphans',
  thresholds: { notice: 12.5, warning: 20, critical: 25 },
  order: 'ascending',
  comparator: { kind: 'above' },
  share: {
    used: { sockstat: 'TCP', field: 'orphan' },
    limit: { sysctl: 'net.ipv4.tcp_max_orphans' },
    what: 'orphans',
    limitName: 'tcp_max_orphans',
    figures: ['orphan', 'tcpMaxOrphans'],
  },
  core: true,
  rationale:
    'An orphan is a TCP socket its process has closed while the kernel still holds its data or FIN handshake ' +
    '(FIN_WAIT1, CLOSING, LAST_ACK; not TIME_WAIT). The kernel kills an orphan when orphans << shift > ' +
    'tcp_max_orphans, where shift grows by one when the socket sent nothing for 240 s (or used up its orphan ' +
    'retries) and by one more when it recorded a soft ICMP error. So a penalised orphan is killed once orphans ' +
    'pass a quarter of the limit, one penalty suffices at half, and past the full limit every close resets. ' +
    'The host logs "TCP: too many orphaned sockets" (older: "Out of socket memory") and counts TCPAbortOnMemory.',
  remediation:
    'Measure the orphan count at peak traffic (grep TCP /proc/net/sockstat, several times a few seconds apart), ' +
    'multiply it by 4, round up, and set net.ipv4.tcp_max_orphans to at least that in /etc/sysctl.d/ so that even ' +
    'the most penalised orphans stay under the limit (the quarter rule). Raising it only trades resets for memory: ' +
    'each orphan can pin up to its send buffer (tcp_wmem max), so check that tcp_mem still covers the peak. ' +
    'Then find why sockets linger after close: peers that stop reading (ss -tanpo state fin-wait-1), ' +
    'a high net.ipv4.tcp_orphan_retries (0 means 8), a long tcp_fin_timeout, or applications closing with unread ' +
    'data. Keep tcp_max_orphans consistent across hosts of one role; lowering it never helps.',
  check: checkOrphans,
});

function checkOrphans({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const inputs = rule.share as ShareInputs;
  const orphans = readSource(snapshot, inputs.used);
  const limit = asLimit(inputs.limit, readSource(snapshot, inputs.limit));

  if (!orphans.ok) {
    return finding(rule, {
      level: 'unknown',
      summary: `orphans unknown: ${orphans.why} (not zero: the count could not be read)`,
      figures: { orphan: null, tcpMaxOrphans: limit.ok ? limit.value.value : null },
      thresholds,
    });
  }
  const counted = orphans.value.peak as Peak;
  const { peak } = counted;
  const sampled = counted.of > 1 ? `, peak of ${plural(counted.of, 'sample')}` : '';
  if (!limit.ok) {
    const summary = limit.absent && looksLikeContainer(snapshot)
      ? `${peak} orphans${sampled}; host-level budget could not be read: tcp_max_orphans is not visible ` +
        'in this network namespace (a container); no default is assumed'
      : `${peak} orphans${sampled}; limit unknown: ${limit.why}`;
    return finding(rule, {
      level: 'unknown',
      summary,
      figures: { orphan: peak, tcpMaxOrphans: null, samples: counted.of },
      thresholds,
    });
  }

  const max = limit.value.value;
  const { share, level, closeness } = assessShare(rule, thresholds, peak, max);
  // The kernel's own stages (orphans << shift > limit) do not move with configured thresholds.
  const stages = ORPHAN_STAGES.filter((s) => peak > s.fraction * max);
  const stage = stages[stages.length - 1];
  const fourTimes = 4 * peak;
  const suggested = fourTimes > max ? Math.ceil(fourTimes / 1024) * 1024 : null;

  // Enough digits to tell exactly a quarter (nothing killed) from one orphan more.
  const lines = [...Object.values(thresholds), ...ORPHAN_STAGES.map((s) => 100 * s.fraction)];
  let summary = `orphans at ${Number.isFinite(share) ? pctBeside(share, lines) : 'an infinite share'} of tcp_max_orphans (${peak} of ${max}${sampled})`;
  if (stage !== undefined) summary += `: past ${stage.fraction * 100} %, ${stage.says}`;
  if (suggested !== null && level !== 'ok') summary += `; set tcp_max_orphans to at least ${suggested} (4 x the peak)`;

  const assumptions: string[] = [];
  if (snapshot.initNetns === false) {
    assumptions.push('read inside a container network namespace: the orphan count and tcp_max_orphans are host-wide');
  }
  if (stage !== undefined) assumptions.push(orphanCountReading(snapshot));
  if (counted.of === 1) assumptions.push('one sample: a burst of orphans between samples would be missed');

  return finding(rule, {
    level,
    summary,
    figures: {
      orphan: peak,
      orphanFirst: counted.first,
      orphanLast: counted.last,
      samples: counted.of,
      tcpMaxOrphans: max,
      percentOfLimit: fig(share, Math.max(2, digitsBeside(share, lines))),
      quarterLimit: max / 4,
      crossed: stage === undefined ? null : `${stage.fraction * 100} %`,
      suggestedMaxOrphans: suggested,
    },
    thresholds,
    assumptions,
    closeness,
  });
}

/**
 * How the kernel reads the orphan count when it decides (research/kernel-eras.md section 1(b)):
 * up to 2.6.36 a per-CPU estimate only; 2.6.37 - 5.15.2 the estimate first, summed only when it is
 * over, so kills lag by less than ncpu x max(32, 2 x ncpu) orphans and never come early; from 5.16
 * (and stable 5.10.80, 5.14.19, 5.15.3, commit 19757cebf0c5) an exact count cached every 100 ms.
 */
export function orphanCountReading(snapshot: Snapshot): string {
  const v = parseKernelRelease(snapshot.kernelRelease);
  const release = snapshot.kernelRelease?.trim() ?? 'unknown';
  if (v === undefined) return 'kernel release unknown: depending on it, the kernel may decide on a lagging per-CPU estimate of the orphan count, so kills can come later than this count shows';
  if (versionBefore(v, { major: 2, minor: 6, patch: 37 })) {
    return `kernel ${release} decides on a per-CPU estimate of the orphan count only, so kills can come somewhat before or after the line`;
  }
  const cached =
    !versionBefore(v, { major: 5, minor: 16 }) ||
    (v.major === 5 && v.minor === 15 && (v.patch ?? 0) >= 3) ||
    (v.major === 5 && v.minor === 14 && (v.patch ?? 0) >= 19) ||
    (v.major === 5 && v.minor === 10 && (v.patch ?? 0) >= 80);
  if (cached) return `kernel ${release} decides on an exact orphan count cached every 100 ms, so kills follow the line within about 100 ms`;
  const cpus = snapshot.cpus;
  const lag = cpus !== undefined && cpus > 0 ? ` (by less than ${cpus * Math.max(32, 2 * cpus)} orphans with ${cpus} CPUs)` : '';
  return (
    `kernel ${release} first reads a per-CPU estimate of the orphan count and sums it only when the estimate is over, ` +
    `so kills can come later than this count shows${lag}, never earlier (unless a distribution backported 19757cebf0c5)`
  );
}
