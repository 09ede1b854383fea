// TCP memory against tcp_mem, in one unit (RISK-MODEL.md section 3; units.ts).
import { thresholdsFor } from '../config.js';
import { closenessToLine, levelAbove } from '../comparators.js';
import { bytes, pct, plural } from '../format.js';
import { gaugePeak, looksLikeContainer, sysctlValues } from '../inputs.js';
import { ruleById } from '../rules.js';
import { sockstatMemUnit } from '../units.js';
import { fig, finding, percent } from './finding.js';
import type { CheckContext, CheckResult } from './finding.js';

export function checkTcpMemory({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('tcp-memory');
  const thresholds = thresholdsFor(rule.id, config);
  const mem = gaugePeak(snapshot, 'mem');
  const tcpMem = sysctlValues(snapshot, 'net.ipv4.tcp_mem', 3);
  const unit = sockstatMemUnit(snapshot.kernelRelease, snapshot.pageSize);

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
    const summary = looksLikeContainer(snapshot)
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

  const [low, pressure, high] = tcpMem.value as [number, number, number];
  // Thresholds are data in percent of pressure or high; the finding states them in pages, the figure's unit.
  const inPages: Partial<Record<'notice' | 'warning' | 'critical', number>> = {};
  if (thresholds.notice !== undefined) inPages.notice = (thresholds.notice / 100) * pressure;
  if (thresholds.warning !== undefined) inPages.warning = (thresholds.warning / 100) * pressure;
  if (thresholds.critical !== undefined) inPages.critical = (thresholds.critical / 100) * high;
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
    uncertain: !unit.certain,
  });
}
