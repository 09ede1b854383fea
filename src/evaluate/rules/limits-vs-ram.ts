// tcp_mem high and tcp_max_orphans against physical memory.
import { clamp01 } from '../comparators.js';
import { absent, fig, finding, percent } from '../finding.js';
import { bytes, pct } from '../format.js';
import { memTotalBytes, positiveSysctl, tcpMemLimits } from '../inputs.js';
import { ORPHAN_DOC_BYTES } from '../kernel-facts.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult } from '../rule.js';
import type { Level } from '../types.js';

export const limitsVsRamRule = defineRule({
  id: 'limits-vs-ram',
  title: 'TCP limits against physical memory',
  figure: 'tcp_mem high x page size, and tcp_max_orphans x 64 KiB, against MemTotal',
  unit: '% of MemTotal',
  thresholds: { notice: 100, warning: 100 },
  order: 'per-level',
  core: false,
  rationale:
    'tcp_mem high is the only limit on memory held by TCP buffers. When it exceeds physical memory, TCP can ' +
    'push the host into the OOM killer before the kernel refuses a single allocation. tcp_max_orphans x 64 KiB ' +
    '(the documented cost per orphan) above RAM is less serious while tcp_mem high is within RAM, as the memory ' +
    'limit still caps what orphans hold.',
  remediation:
    'Set net.ipv4.tcp_mem per host size rather than one fixed value for the fleet: keep high x page size well ' +
    'within MemTotal (the kernel default is about 9.4 % of free buffer memory, large proxies use 10-25 %), and ' +
    'the three values increasing. A tcp_max_orphans far above what RAM can hold is harmless only while tcp_mem ' +
    'is sane; size it as 4 x the peak orphans observed.',
  check: checkLimitsVsRam,
});

/** The smallest Linux page: with the page size unknown, tcp_mem x this is a lower bound. */
const MIN_PAGE = 4096;

function checkLimitsVsRam({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const tcpMem = tcpMemLimits(snapshot);
  const maxOrphans = positiveSysctl(snapshot, 'net.ipv4.tcp_max_orphans');
  const total = memTotalBytes(snapshot);

  if (!tcpMem.ok && tcpMem.absent) return absent(rule, `host-level budget could not be read (${tcpMem.why})`);
  if (!tcpMem.ok || !total.ok) {
    const why = [tcpMem, total].flatMap((g) => (g.ok ? [] : [g.why])).join('; ');
    return finding(rule, { level: 'unknown', summary: `limits against RAM unknown: ${why}`, thresholds });
  }

  const high = tcpMem.value[2];
  const page = snapshot.pageSize !== undefined && snapshot.pageSize > 0 ? snapshot.pageSize : undefined;
  const highBytes = high * (page ?? MIN_PAGE);
  const highShare = percent(highBytes, total.value);
  const orphanBytes = maxOrphans.ok ? maxOrphans.value * ORPHAN_DOC_BYTES : undefined;
  const orphanShare = orphanBytes === undefined ? undefined : percent(orphanBytes, total.value);

  const warnAt = thresholds.warning ?? 100;
  const noticeAt = thresholds.notice ?? 100;
  let level: Level = 'ok';
  // No critical line: the rule's scale tops out at twice its threshold.
  let closeness = clamp01(highShare / (2 * warnAt));
  const mem = `MemTotal ${bytes(total.value)}`;
  let summary = `tcp_mem high is ${pct(highShare)} of RAM (${bytes(highBytes)} of ${mem})`;
  if (highShare > warnAt) {
    level = 'warning';
    summary += ': no TCP limit protects the host from running out of memory';
  } else if (orphanShare !== undefined && orphanShare > noticeAt) {
    level = 'notice';
    closeness = clamp01(orphanShare / (2 * noticeAt));
    summary +=
      `; tcp_max_orphans x 64 KiB is ${pct(orphanShare)} of RAM, ` + 'so tcp_mem, not tcp_max_orphans, caps orphan memory';
  }

  const assumptions: string[] = [];
  const uncertain = page === undefined && level !== 'warning';
  if (page === undefined) {
    assumptions.push('page size unknown: tcp_mem counted in 4096-byte pages, the smallest, so this is a lower bound');
  }
  if (!maxOrphans.ok) assumptions.push(`tcp_max_orphans not compared: ${maxOrphans.why}`);

  return finding(rule, {
    level,
    summary,
    figures: {
      memTotalBytes: total.value,
      tcpMemHigh: high,
      pageSize: page ?? null,
      tcpMemHighBytes: highBytes,
      tcpMemHighPercentOfRam: fig(highShare),
      tcpMaxOrphans: maxOrphans.ok ? maxOrphans.value : null,
      orphanDocBytes: orphanBytes ?? null,
      orphanDocPercentOfRam: fig(orphanShare),
    },
    thresholds,
    assumptions,
    closeness,
    uncertain,
  });
}
