// TCP memory pressure episodes since boot and while sampling.
import { thresholdsFor } from '../config.js';
import { levelAbove, saturating } from '../comparators.js';
import { duration } from '../format.js';
import { counterSeries } from '../inputs.js';
import { ruleById } from '../rules.js';
import type { Level } from '../types.js';
import { absent, finding } from './finding.js';
import type { CheckContext, CheckResult } from './finding.js';

export function checkPressureHistory({ snapshot, config }: CheckContext): CheckResult {
  const rule = ruleById('pressure-history');
  const thresholds = thresholdsFor(rule.id, config);
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

  const time = seconds === undefined ? 'time in pressure not counted by this kernel' : `${duration(seconds)} in pressure`;
  const since = `${episodes.value.last} pressure episodes since boot, ${time}`;
  const summary = grew
    ? `TCP memory pressure while sampling (${since}): the host is at its tcp_mem pressure line now`
    : episodes.value.last > 0
      ? since
      : 'no TCP memory pressure since boot';

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
    assumptions: chrono.ok ? [] : [`no TCPMemoryPressuresChrono: ${chrono.why}`],
    closeness,
  });
}
