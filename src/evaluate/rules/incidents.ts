// Observed kills: TCPAbortOnMemory and the kernel log (RISK-MODEL.md sections 1, 2 and 4).
import type { IncidentKind, KernelLogLine } from '../../procfs/types.js';
import { clamp01, levelBy, saturating } from '../comparators.js';
import { finding } from '../finding.js';
import { duration, plural } from '../format.js';
import { counterSeries, latestUptime } from '../inputs.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult, Comparator, Thresholds } from '../rule.js';
import type { Level } from '../types.js';

export const incidentsRule = defineRule({
  id: 'incidents',
  title: 'Sockets killed for lack of resources',
  figure: 'TcpExt TCPAbortOnMemory and kernel log lines, by age (uptime minus the line timestamp)',
  unit: 'seconds since the newest log line',
  // Any matching line or a counter above 0 is at least a notice; no threshold needed for that.
  thresholds: { warning: 7 * 24 * 3600, critical: 3600 },
  order: 'descending',
  comparator: { kind: 'within' },
  core: false,
  rationale:
    'TCPAbortOnMemory counts every socket the kernel reset because of too many orphans or TCP memory above ' +
    'tcp_mem high: it is the one reliable proof that it happened. The kernel log says which cause ("too many ' +
    'orphaned sockets", "out of memory -- consider tuning tcp_mem"; before 3.x "Out of socket memory" meant ' +
    'either), but the lines are rate-limited and may be refused to readers (kernel.dmesg_restrict). Growth while ' +
    'sampling or a line in the last hour means it is happening now.',
  remediation:
    'Treat it as an outage of the connections that were reset: clients saw connection resets or truncated ' +
    'responses. Read the orphans and tcp-memory findings of this host to see which limit was hit, and correlate ' +
    'the log timestamps with traffic peaks. Watch nstat -az TcpExtTCPAbortOnMemory during the next peak. If the ' +
    'kernel log is not readable, run the audit with a user allowed to read it (or kernel.dmesg_restrict=0, or ' +
    'journalctl -k access via the adm/systemd-journal group).',
  check: checkIncidents,
});

/** Lines that mean a socket was killed for lack of resources. */
const KILL_KINDS: readonly IncidentKind[] = ['tcp-orphans', 'tcp-memory', 'socket-memory', 'mptcp-memory'];
/** Neighbouring exhaustion lines, counted beside the incidents but not judged here. */
const RELATED: ReadonlyArray<[IncidentKind, string]> = [
  ['tw-overflow', 'twOverflowLines'],
  ['conntrack-full', 'conntrackFullLines'],
  ['file-max', 'fileMaxLines'],
  ['syn-flood', 'synFloodLines'],
];

const LOG_STATE = {
  ok: 'read',
  missing: 'not available',
  unreadable: 'not readable',
  invalid: 'unparsable',
} as const;

function checkIncidents({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const aborts = counterSeries(snapshot, 'TcpExt', 'TCPAbortOnMemory');
  const log = snapshot.kernelLog;
  const now = latestUptime(snapshot);

  const lines = log.state === 'ok' ? log.value.lines : [];
  const kills = lines.filter((l) => KILL_KINDS.includes(l.kind));
  const count = (kind: IncidentKind): number => lines.filter((l) => l.kind === kind).length;
  const ages = kills.map((l) => ageOf(l, now)).filter((a): a is number => a !== undefined);
  const newest = ages.length > 0 ? Math.min(...ages) : undefined;
  const undated = kills.length - ages.length;
  const suppressed = lines.reduce((n, l) => n + (l.kind === 'ratelimit-suppressed' ? (l.suppressed ?? 0) : 0), 0);

  const logState = LOG_STATE[log.state];
  const logDetail = log.state === 'ok' || log.detail === undefined || log.detail === '' ? '' : ` (${log.detail})`;
  const figures: Record<string, number | string | null> = {
    abortsSinceBoot: aborts.ok ? aborts.value.last : null,
    abortsGrowth: aborts.ok ? aborts.value.growth : null,
    samples: aborts.ok ? aborts.value.of : null,
    kernelLog: logState,
    logSource: log.state === 'ok' ? log.value.source : null,
    orphanLines: count('tcp-orphans'),
    memoryLines: count('tcp-memory'),
    socketMemoryLines: count('socket-memory'),
    mptcpMemoryLines: count('mptcp-memory'),
    newestLineAgeSeconds: newest ?? null,
    undatedLines: undated,
    suppressedCallbacks: suppressed,
  };
  for (const [kind, name] of RELATED) figures[name] = count(kind);

  if (!aborts.ok && log.state !== 'ok') {
    return finding(rule, {
      level: 'unknown',
      summary: `incidents unknown: ${aborts.why}; kernel log ${logState}${logDetail}`,
      figures,
      thresholds,
    });
  }

  let judged: Judged = { level: 'ok', closeness: 0 };
  const parts: string[] = [];
  if (aborts.ok) {
    const { last, growth } = aborts.value;
    if (growth !== null && growth > 0) {
      judged = { level: 'critical', closeness: 1 };
      parts.push(`TCPAbortOnMemory grew by ${growth} while sampling (${last} since boot): sockets are being reset now`);
    } else if (last > 0) {
      judged = { level: 'notice', closeness: saturating(last, 100) };
      parts.push(`${last} sockets reset for lack of memory since boot (TCPAbortOnMemory)`);
    } else {
      parts.push('no socket reset for lack of memory since boot (TCPAbortOnMemory 0)');
    }
  } else {
    parts.push(`TCPAbortOnMemory not available: ${aborts.why}`);
  }

  if (log.state !== 'ok') {
    parts.push(`kernel log ${logState}${logDetail}`);
  } else if (kills.length === 0) {
    parts.push('no matching kernel log lines');
  } else {
    judged = stronger(judged, judgeLines(newest, rule.comparator as Comparator, thresholds));
    const when = newest === undefined ? 'undated' : `newest ${duration(newest)} old`;
    parts.push(`${plural(kills.length, 'kernel log line')} about killed sockets (${when})`);
  }
  if (suppressed > 0) parts.push(`${suppressed} more kernel messages were suppressed by rate limiting`);
  const related = RELATED.map(([kind]) => count(kind)).reduce((a, b) => a + b, 0);
  if (related > 0) parts.push(`${plural(related, 'related line')} (time-wait, conntrack, file-max, SYN flood)`);

  const assumptions: string[] = [];
  if (now === undefined && kills.some((l) => l.secondsSinceBoot !== undefined)) {
    assumptions.push('uptime unknown: the age of dated lines cannot be told, so they count as old');
  }
  if (ages.length > 0) {
    assumptions.push("line age is the host's uptime minus the line's timestamp; the kernel log clock stops during suspend");
  }
  if (count('socket-memory') > 0) {
    assumptions.push('"Out of socket memory" (kernels before about 3.2) can mean too many orphans or tcp_mem exhausted');
  }

  return finding(rule, { ...judged, summary: parts.join('; '), figures, thresholds, assumptions });
}

function ageOf(line: KernelLogLine, now: number | undefined): number | undefined {
  if (line.secondsSinceBoot === undefined || now === undefined) return undefined;
  // A line written after the uptime was read would have a negative age.
  return Math.max(0, now - line.secondsSinceBoot);
}

interface Judged {
  level: Level;
  closeness: number;
}

const ORDER: readonly Level[] = ['ok', 'notice', 'warning', 'critical'];

function stronger(a: Judged, b: Judged): Judged {
  const d = ORDER.indexOf(a.level) - ORDER.indexOf(b.level);
  if (d !== 0) return d > 0 ? a : b;
  return a.closeness >= b.closeness ? a : b;
}

/**
 * Lines by the age of the newest: within the critical window, within the warning window, else (older,
 * undated, or age unknown) a notice. Recent lines sit closer to the critical line.
 */
function judgeLines(newest: number | undefined, comparator: Comparator, thresholds: Thresholds): Judged {
  if (newest === undefined) return { level: 'notice', closeness: 0.1 };
  const level = levelBy(comparator, newest, thresholds) ?? 'notice';
  const window = thresholds[level];
  if (level === 'critical' && window !== undefined) return { level, closeness: 0.5 + 0.5 * clamp01(1 - newest / Math.max(window, 1)) };
  if (level === 'warning' && window !== undefined) return { level, closeness: clamp01(1 - newest / Math.max(window, 1)) };
  return { level: 'notice', closeness: 0.1 };
}
