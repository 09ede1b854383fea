// TCP memory pressure episodes since boot and while sampling.
import { levelAbove, saturating } from '../comparators.js';
import { absent, finding } from '../finding.js';
import { duration, plural } from '../format.js';
import { counterSeries } from '../inputs.js';
import { otherNamespaces } from '../netns.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult } from '../rule.js';
import type { Level } from '../types.js';

export const pressureHistoryRule = defineRule({
  id: 'pressure-history',
  title: 'TCP memory pressure since boot',
  figure: 'TcpExt TCPMemoryPressures (episodes) and TCPMemoryPressuresChrono (time in pressure)',
  unit: 'seconds in memory pressure since boot',
  thresholds: { warning: 3600 },
  order: 'ascending',
  core: false,
  rationale:
    'Each entry into TCP memory pressure adds one to TCPMemoryPressures and, when it ends, its duration in ' +
    'milliseconds to TCPMemoryPressuresChrono (since 4.13). A single reading of sockstat mem can miss a burst; ' +
    'these counters do not. The pressure state is global, but each episode is counted in the network namespace ' +
    'of the socket that triggered it, so the host\'s namespace can read 0 while containers pushed the host into ' +
    'pressure. An episode while sampling means the host is at its TCP memory limit now.',
  remediation:
    'Compare with the tcp-memory finding: pressure episodes with low current usage mean bursts; sample during ' +
    'peak traffic (--samples) to see them. Find the sockets holding memory with ss -tmn, cap tcp_rmem/tcp_wmem ' +
    'maximums if a few sockets autotune very large buffers, and raise tcp_mem pressure and high only if RAM ' +
    'allows.',
  check: checkPressureHistory,
});

function checkPressureHistory({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const episodes = counterSeries(snapshot, 'TcpExt', 'TCPMemoryPressures');
  const chrono = counterSeries(snapshot, 'TcpExt', 'TCPMemoryPressuresChrono');

  if (!episodes.ok) {
    if (episodes.absent) return absent(rule, episodes.why);
    return finding(rule, { level: 'unknown', summary: `pressure history unknown: ${episodes.why}`, thresholds });
  }
  // TCPMemoryPressuresChrono (milliseconds) is younger than TCPMemoryPressures: old kernels lack it.
  const seconds = chrono.ok ? chrono.value.last / 1000 : undefined;
  const grew = (episodes.value.growth ?? 0) > 0 || (chrono.ok && (chrono.value.growth ?? 0) > 0);

  let level: Level;
  let closeness: number;
  if (grew) {
    level = 'critical';
    closeness = 1;
  } else {
    level = seconds === undefined ? 'ok' : levelAbove(seconds, thresholds);
    if (level === 'ok' && episodes.value.last > 0) level = 'notice';
    closeness = saturating(seconds ?? 0, thresholds.warning ?? 3600);
  }

  const here = 'in this network namespace';
  const time =
    seconds === undefined
      ? 'time in pressure not counted (TCPMemoryPressuresChrono exists since 4.13)'
      : `${duration(seconds)} in pressure`;
  const since = `${episodes.value.last} pressure episodes since boot ${here}, ${time}`;
  const others = otherNamespaces(snapshot);
  const blindZero = !grew && episodes.value.last === 0 && others !== undefined && others > 0;
  const summary = grew
    ? `TCP memory pressure while sampling (${since}): the host is at its tcp_mem pressure line now`
    : episodes.value.last > 0
      ? since
      : blindZero
        ? `no TCP memory pressure counted since boot ${here}; ${plural(others, 'other network namespace')} count their ` +
          'own sockets\' episodes, so this zero does not cover the host'
        : `no TCP memory pressure since boot ${here}`;
  const assumptions = chrono.ok ? [] : [`time in pressure is counted from 4.13 (TCPMemoryPressuresChrono); not here: ${chrono.why}`];
  if (others !== undefined && others > 0) {
    assumptions.push(`episodes are counted in the network namespace of the socket that triggered them; ${plural(others, 'other namespace')} not read`);
  }

  return finding(rule, {
    level,
    summary,
    figures: {
      pressureEpisodes: episodes.value.last,
      pressureEpisodesGrowth: episodes.value.growth,
      secondsInPressure: seconds ?? null,
      secondsInPressureGrowth: chrono.ok && chrono.value.growth !== null ? chrono.value.growth / 1000 : null,
      samples: episodes.value.of,
    },
    thresholds,
    assumptions,
    closeness,
    uncertain: blindZero,
  });
}
