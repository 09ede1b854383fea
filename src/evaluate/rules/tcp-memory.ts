// TCP memory against tcp_mem, in one unit (RISK-MODEL.md section 3; units.ts).
import { closenessToLine, levelAbove, percentOfLines } from '../comparators.js';
import { fig, finding, percent } from '../finding.js';
import { bytes, pct, plural } from '../format.js';
import { gaugePeak, looksLikeContainer, memUnitOf, tcpMemLimits } from '../inputs.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult } from '../rule.js';

export const tcpMemoryRule = defineRule({
  id: 'tcp-memory',
  title: 'TCP memory against tcp_mem',
  figure: 'peak sockstat TCP mem, in tcp_mem pages, against tcp_mem pressure and high',
  unit: '% of tcp_mem pressure (notice, warning), % of tcp_mem high (critical)',
  thresholds: { notice: 75, warning: 100, critical: 90 },
  order: 'per-level',
  core: true,
  rationale:
    'tcp_mem is low/pressure/high in pages for all TCP sockets of the host. Above pressure TCP enters memory ' +
    'pressure mode: buffers are trimmed, throughput and latency suffer for every connection. Above high, ' +
    'allocations fail: live sockets drop data silently (TCPRcvQDrop, TCPOFODrop, PruneCalled) and orphans or ' +
    'closing sockets with more than about 4.5 KB queued are reset with "TCP: out of memory -- consider tuning ' +
    'tcp_mem". Critical at 90 % of high, as a burst reaches the rest within seconds.',
  remediation:
    'Find who holds the memory before raising limits: ss -tmn shows skmem per socket (large r/t values: peers ' +
    'not reading, or applications not reading their sockets); nstat -az TcpExtTCPMemoryPressures shows how often ' +
    'pressure was entered. Cap per-socket buffers with the third value of net.ipv4.tcp_rmem and tcp_wmem if a few ' +
    'sockets autotune to many megabytes. Raise net.ipv4.tcp_mem only with RAM to back it: keep tcp_mem high x ' +
    'page size well below MemTotal (the kernel default is about 9.4 % of free buffer memory) and keep the three ' +
    'values increasing. Note that sockstat mem counts 4096-byte quanta on 4.10 to 5.19 kernels, so on 64 KiB-page ' +
    'hosts tools that multiply it by the page size overstate usage 16 times (4 times on 16 KiB pages).',
  check: checkTcpMemory,
});

function checkTcpMemory({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const mem = gaugePeak(snapshot, 'mem');
  const tcpMem = tcpMemLimits(snapshot);
  const unit = memUnitOf(snapshot);

  if (!mem.ok) {
    return finding(rule, {
      level: 'unknown',
      summary: `TCP memory unknown: ${mem.why} (not zero: usage could not be read)`,
      figures: { mem: null },
      thresholds: {},
    });
  }
  const sampled = mem.value.of > 1 ? `, peak of ${plural(mem.value.of, 'sample')}` : '';
  const memPages = mem.value.peak * unit.toPages;
  const pageSize = unit.unit === 'pages' ? unit.bytesPerUnit : snapshot.pageSize;
  const memBytes = pageSize === undefined ? undefined : memPages * pageSize;
  const usage = memBytes === undefined ? `${fig(memPages)} pages` : `${fig(memPages)} pages, ${bytes(memBytes)}`;

  if (!tcpMem.ok) {
    const summary = !tcpMem.absent
      ? `TCP memory ${usage}${sampled}; limits unknown: ${tcpMem.why}`
      : snapshot.sysctl['net.ipv4.tcp_mem']?.state === 'ok'
        ? `TCP memory ${usage}${sampled}; host-level budget could not be read: ${tcpMem.why}; no default is assumed`
        : looksLikeContainer(snapshot)
          ? `TCP memory ${usage}${sampled}; host-level budget could not be read: tcp_mem is not visible in this ` +
            'network namespace (a container); no default is assumed'
          : `TCP memory ${usage}${sampled}; limits unknown: ${tcpMem.why}`;
    return finding(rule, {
      level: 'unknown',
      summary,
      figures: { mem: fig(memPages), memAsPrinted: mem.value.peak, memUnit: unit.unit, tcpMemHigh: null },
      assumptions: [unit.statement],
      uncertain: !unit.certain,
    });
  }

  const [low, pressure, high] = tcpMem.value;
  // Thresholds are data in percent of pressure or high; the finding states them in pages, the figure's unit.
  const inPages = percentOfLines(thresholds, { notice: pressure, warning: pressure, critical: high });
  const level = levelAbove(memPages, inPages);
  const ofPressure = percent(memPages, pressure);
  const ofHigh = percent(memPages, high);

  const where =
    memPages > high
      ? ': above tcp_mem high, allocations fail and closing sockets with queued data are reset'
      : level === 'critical'
        ? `: close to tcp_mem high, ${pct(ofPressure)} of pressure`
        : memPages > pressure
          ? `: above tcp_mem pressure (${pct(ofPressure)}), in memory-pressure mode`
          : `, ${pct(ofPressure)} of tcp_mem pressure`;
  const printed = unit.toPages === 1 ? '' : `; printed as ${mem.value.peak} ${unit.unit}`;
  const size = memBytes === undefined ? '' : `, ${bytes(memBytes)}`;
  const summary = `TCP memory at ${pct(ofHigh)} of tcp_mem high${where} (${fig(memPages)} of ${high} pages${size}${sampled}${printed})`;

  const assumptions = [unit.statement];
  if (tcpMem.unsure !== undefined) assumptions.push(tcpMem.unsure);
  if (!(low <= pressure && pressure <= high)) {
    assumptions.push(`tcp_mem ${low} ${pressure} ${high} is not increasing; the kernel applies the values as given`);
  }
  if (mem.value.of === 1) assumptions.push('one sample: a burst between samples would be missed');

  return finding(rule, {
    level,
    summary,
    figures: {
      mem: fig(memPages),
      memAsPrinted: mem.value.peak,
      memUnit: unit.unit,
      samples: mem.value.of,
      tcpMemLow: low,
      tcpMemPressure: pressure,
      tcpMemHigh: high,
      percentOfPressure: fig(ofPressure),
      percentOfHigh: fig(ofHigh),
      pageSize: pageSize ?? null,
      memBytes: fig(memBytes, 0),
      tcpMemHighBytes: pageSize === undefined ? null : high * pageSize,
    },
    thresholds: inPages,
    assumptions,
    closeness: closenessToLine(memPages, inPages.critical ?? high, high),
    uncertain: !unit.certain || tcpMem.unsure !== undefined,
  });
}
