// UDP memory against udp_mem, and the datagrams dropped for it (RISK-MODEL.md sections 3 and 4).
import type { Int, Snapshot } from '../../procfs/types.js';
import { closenessToLine, levelAbove, percentOfLines } from '../comparators.js';
import { absent, fig, finding, percent } from '../finding.js';
import { bytes, pct, plural } from '../format.js';
import { gaugePeak, looksLikeContainer, memUnitOf, toNumber, udpMemLimits } from '../inputs.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult } from '../rule.js';
import type { Level } from '../types.js';

export const udpMemoryRule = defineRule({
  id: 'udp-memory',
  title: 'UDP memory against udp_mem',
  figure: 'peak sockstat UDP mem, in udp_mem pages, against udp_mem pressure and high; Udp MemErrors, RcvbufErrors, InErrors',
  unit: '% of udp_mem pressure (notice), % of udp_mem high (warning, critical)',
  thresholds: { notice: 100, warning: 90, critical: 100 },
  order: 'per-level',
  core: false,
  rationale:
    'udp_mem is low/pressure/high in pages for all UDP sockets of the host, a limit of its own beside tcp_mem. ' +
    'At udp_mem high the kernel refuses to queue more datagrams: they are dropped silently, with no log line, ' +
    'and counted in Udp MemErrors (recent kernels) and InErrors; RcvbufErrors counts drops for a full socket ' +
    'buffer instead. sockstat UDP mem uses the same unit as TCP mem (4096-byte quanta on 4.10 to 5.19). TCP is ' +
    'not affected.',
  remediation:
    'Find the sockets holding the memory: ss -uamn shows skmem per socket (a large r: an application not ' +
    'reading its socket fast enough, typically a DNS, syslog, statsd or QUIC server). Make it read faster or ' +
    'add readers (SO_REUSEPORT); cap its buffer (SO_RCVBUF, net.core.rmem_max) so one socket cannot take the ' +
    'whole budget; raise net.ipv4.udp_mem only with RAM to back it, keeping high x page size well below ' +
    'MemTotal and the three values increasing. Watch nstat -az UdpMemErrors UdpRcvbufErrors during the next peak.',
  check: checkUdpMemory,
});

function checkUdpMemory({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const mem = gaugePeak(snapshot, 'mem', 'UDP');
  const counters = udpCounters(snapshot);
  if (!mem.ok && mem.absent) return absent(rule, mem.why);
  if (!mem.ok) {
    return finding(rule, { level: 'unknown', summary: `UDP memory unknown: ${mem.why} (not zero: usage could not be read)`, thresholds });
  }
  const unit = memUnitOf(snapshot);
  const memPages = mem.value.peak * unit.toPages;
  const pageSize = unit.unit === 'pages' ? unit.bytesPerUnit : snapshot.pageSize;
  const memBytes = pageSize === undefined ? undefined : memPages * pageSize;
  const sampled = mem.value.of > 1 ? `, peak of ${plural(mem.value.of, 'sample')}` : '';
  const drops = dropsText(counters);
  const counterFigures = {
    memErrors: counters.MemErrors ?? null,
    rcvbufErrors: counters.RcvbufErrors ?? null,
    inErrors: counters.InErrors ?? null,
  };

  const limits = udpMemLimits(snapshot);
  if (!limits.ok) {
    const container = limits.absent && looksLikeContainer(snapshot);
    const summary = container
      ? `UDP memory ${fig(memPages)} pages${sampled}; host-level budget could not be read: udp_mem is not visible in ` +
        `this network namespace (a container); no default is assumed${drops}`
      : `UDP memory ${fig(memPages)} pages${sampled}; limits unknown: ${limits.why}${drops}`;
    return finding(rule, {
      level: 'unknown',
      summary,
      figures: { mem: fig(memPages), memAsPrinted: mem.value.peak, memUnit: unit.unit, udpMemHigh: null, ...counterFigures },
      assumptions: [unit.statement],
      uncertain: !unit.certain,
    });
  }

  const [low, pressure, high] = limits.value;
  const inPages = percentOfLines(thresholds, { notice: pressure, warning: high, critical: high });
  // At high the kernel already refuses the next datagram: the critical line is inclusive.
  let level: Level = levelAbove(memPages, inPages, ['critical']);
  const memErrors = counters.MemErrors;
  if (level === 'ok' && memErrors !== undefined && memErrors > 0) level = 'notice';

  const ofPressure = percent(memPages, pressure);
  const ofHigh = percent(memPages, high);
  const where =
    memPages >= high
      ? ': at or above udp_mem high, datagrams are being dropped'
      : level === 'warning'
        ? ': close to udp_mem high'
        : memPages > pressure
          ? `: above udp_mem pressure (${pct(ofPressure)})`
          : `, ${pct(ofPressure)} of udp_mem pressure`;
  const size = memBytes === undefined ? '' : `, ${bytes(memBytes)}`;
  const printed = unit.toPages === 1 ? '' : `; printed as ${mem.value.peak} ${unit.unit}`;
  const summary = `UDP memory at ${pct(ofHigh)} of udp_mem high${where} (${fig(memPages)} of ${high} pages${size}${sampled}${printed})${drops}`;

  const assumptions = [unit.statement];
  if (!(low <= pressure && pressure <= high)) {
    assumptions.push(`udp_mem ${low} ${pressure} ${high} is not increasing; the kernel applies the values as given`);
  }
  if (counters.MemErrors === undefined) {
    assumptions.push('no Udp MemErrors counter (added after 4.18): drops for udp_mem show only in InErrors');
  }
  assumptions.push('Udp counters were read once, not per sample: their growth while sampling is not known');

  return finding(rule, {
    level,
    summary,
    figures: {
      mem: fig(memPages),
      memAsPrinted: mem.value.peak,
      memUnit: unit.unit,
      samples: mem.value.of,
      udpMemLow: low,
      udpMemPressure: pressure,
      udpMemHigh: high,
      percentOfPressure: fig(ofPressure),
      percentOfHigh: fig(ofHigh),
      memBytes: fig(memBytes, 0),
      ...counterFigures,
    },
    thresholds: inPages,
    assumptions,
    closeness: closenessToLine(memPages, inPages.critical ?? high, high),
    uncertain: !unit.certain,
  });
}

type UdpCounters = Partial<Record<'MemErrors' | 'RcvbufErrors' | 'InErrors', number>>;

/** The Udp: counters of /proc/net/snmp this check quotes; a counter the kernel lacks stays absent. */
function udpCounters(snapshot: Snapshot): UdpCounters {
  const out: UdpCounters = {};
  if (snapshot.snmp.state !== 'ok') return out;
  const udp: Record<string, Int> = snapshot.snmp.value.groups.Udp ?? {};
  for (const name of ['MemErrors', 'RcvbufErrors', 'InErrors'] as const) {
    const v = udp[name];
    if (v !== undefined) out[name] = toNumber(v);
  }
  return out;
}

function dropsText(c: UdpCounters): string {
  const parts: string[] = [];
  if (c.MemErrors !== undefined && c.MemErrors > 0) parts.push(`${c.MemErrors} datagrams dropped for udp_mem (MemErrors)`);
  if (c.RcvbufErrors !== undefined && c.RcvbufErrors > 0) parts.push(`${c.RcvbufErrors} for full socket buffers (RcvbufErrors)`);
  if (c.InErrors !== undefined && c.InErrors > 0) parts.push(`${c.InErrors} input errors in all (InErrors)`);
  return parts.length === 0 ? '' : `; since boot in this network namespace: ${parts.join(', ')}`;
}
