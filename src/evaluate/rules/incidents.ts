// Observed kills: TCPAbortOnMemory and the kernel log (RISK-MODEL.md sections 1, 2 and 4).
import type { IncidentKind, KernelLogLine } from '../../procfs/types.js';
import { clamp01, levelBy, saturating } from '../comparators.js';
import { finding } from '../finding.js';
import { duration, plural } from '../format.js';
import { counterSeries, latestUptime } from '../inputs.js';
import { otherNamespaces } from '../netns.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult, Comparator, Thresholds } from '../rule.js';
import type { Level } from '../types.js';
import { parseKernelRelease, versionIn } from '../units.js';
import { minOf } from '../../arrays.js';

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
    'TCPAbortOnMemory counts every socket the kernel killed because of too many orphans or TCP memory above ' +
    'tcp_mem high, in the network namespace of that socket: read in the host\'s namespace it proves kills there, ' +
    'and says nothing about sockets in containers. The kernel log is the host-wide witness and says which cause ' +
    '(from 3.3: "too many orphaned sockets", "out of memory -- consider tuning tcp_mem"; before 3.3 both "Out of ' +
    'socket memory" and "too many of orphaned sockets" mean either), but the lines are rate-limited and may be ' +
    'refused to readers (kernel.dmesg_restrict). Growth while sampling or a line in the last hour means it is ' +
    'happening now.',
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
/** Neighbouring exhaustion lines, counted beside the incidents (time-wait judges its own). */
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

/**
 * Up to 3.2 both strings were printed for either cause: tcp_too_many_orphans() tested the orphan count
 * and tcp_memory_allocated > tcp_mem[2] together (2.6.32.9 - 3.2.7 read; split into two lines in 3.3).
 */
function eitherCause(line: KernelLogLine): boolean {
  return line.kind === 'socket-memory' || (line.kind === 'tcp-orphans' && /too many of orphaned/i.test(line.text));
}

/** 3.3 - 4.4: tcp_out_of_memory() compares a cgroup's TCP usage with its cgroup-v1 kmem TCP limit. */
const CGROUP_TCP_FROM = { major: 3, minor: 3 };
const CGROUP_TCP_UNTIL = { major: 4, minor: 5 };

function checkIncidents({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const aborts = counterSeries(snapshot, 'TcpExt', 'TCPAbortOnMemory');
  const log = snapshot.kernelLog;
  const now = latestUptime(snapshot);
  const others = otherNamespaces(snapshot);

  const lines = log.state === 'ok' ? log.value.lines : [];
  const kills = lines.filter((l) => KILL_KINDS.includes(l.kind));
  const count = (pick: (l: KernelLogLine) => boolean): number => lines.filter(pick).length;
  const ofKind = (kind: IncidentKind) => (l: KernelLogLine) => l.kind === kind;
  const ages = kills.map((l) => ageOf(l, now)).filter((a): a is number => a !== undefined);
  const newest = ages.length > 0 ? minOf(ages) : undefined;
  const undated = kills.length - ages.length;
  const suppressed = lines.reduce((n, l) => n + (l.kind === 'ratelimit-suppressed' ? (l.suppressed ?? 0) : 0), 0);
  const either = count(eitherCause);

  const logState = LOG_STATE[log.state];
  const logDetail = log.state === 'ok' || log.detail === undefined || log.detail === '' ? '' : ` (${log.detail})`;
  const figures: Record<string, number | string | null> = {
    abortsSinceBoot: aborts.ok ? aborts.value.last : null,
    abortsGrowth: aborts.ok ? aborts.value.growth : null,
    samples: aborts.ok ? aborts.value.of : null,
    kernelLog: logState,
    logSource: log.state === 'ok' ? log.value.source : null,
    orphanLines: count((l) => l.kind === 'tcp-orphans' && !eitherCause(l)),
    memoryLines: count(ofKind('tcp-memory')),
    socketMemoryLines: count(ofKind('socket-memory')),
    eitherCauseLines: either,
    mptcpMemoryLines: count(ofKind('mptcp-memory')),
    newestLineAgeSeconds: newest ?? null,
    undatedLines: undated,
    suppressedCallbacks: suppressed,
    otherNetworkNamespaces: others ?? null,
  };
  for (const [kind, name] of RELATED) figures[name] = count(ofKind(kind));

  if (!aborts.ok && log.state !== 'ok') {
    return finding(rule, {
      level: 'unknown',
      summary: `incidents unknown: ${aborts.why}; kernel log ${logState}${logDetail}`,
      figures,
      thresholds,
    });
  }

  // The counter's part and the log's part, each with the level it alone gives; the worse one leads.
  let counter: Judged = { level: 'ok', closeness: 0 };
  let counterText: string;
  const here = 'in this network namespace';
  if (aborts.ok) {
    const { last, growth } = aborts.value;
    if (growth !== null && growth > 0) {
      counter = { level: 'critical', closeness: 1 };
      counterText = `TCPAbortOnMemory grew by ${growth} while sampling (${last} since boot ${here}): sockets are being killed now`;
    } else if (last > 0) {
      counter = { level: 'notice', closeness: saturating(last, 100) };
      counterText = `${last} sockets killed for lack of memory since boot ${here} (TCPAbortOnMemory)`;
    } else {
      counterText = `no socket killed for lack of memory since boot ${here} (TCPAbortOnMemory 0)`;
    }
  } else {
    counterText = `TCPAbortOnMemory not available: ${aborts.why}`;
  }

  let fromLog: Judged = { level: 'ok', closeness: 0 };
  let logText: string;
  if (log.state !== 'ok') {
    logText = `kernel log ${logState}${logDetail}`;
  } else if (kills.length === 0) {
    logText = 'no matching kernel log lines (the log covers every network namespace)';
  } else {
    fromLog = judgeLines(newest, rule.comparator as Comparator, thresholds);
    const when = newest === undefined ? 'undated' : `newest ${duration(newest)} old`;
    logText = `${plural(kills.length, 'kernel log line')} about killed sockets (${when})`;
  }
  const logLeads = rankOf(fromLog.level) > rankOf(counter.level);
  const parts = logLeads ? [logText, counterText] : [counterText, logText];
  let judged = stronger(counter, fromLog);

  // A zero counted here is no evidence for the host when other namespaces exist and the log, the
  // host-wide witness, cannot be read: their sockets are counted in their own namespaces.
  const blind = aborts.ok && judged.level === 'ok' && log.state !== 'ok' && others !== undefined && others > 0;
  if (blind) {
    parts.push(
      `${plural(others, 'other network namespace')} exist, whose kills are counted there, and without the kernel log ` +
        'there is no host-wide witness: no evidence either way',
    );
  }
  if (suppressed > 0) parts.push(`${suppressed} more kernel messages were suppressed by rate limiting`);
  const related = RELATED.map(([kind]) => count(ofKind(kind))).reduce((a, b) => a + b, 0);
  if (related > 0) parts.push(`${plural(related, 'related line')} (time-wait, conntrack, file-max, SYN flood)`);

  const assumptions: string[] = [];
  if (now === undefined && kills.some((l) => l.secondsSinceBoot !== undefined)) {
    assumptions.push('uptime unknown: the age of dated lines cannot be told, so they count as old');
  }
  if (ages.length > 0) {
    assumptions.push("line age is the host's uptime minus the line's timestamp; the kernel log clock stops during suspend");
  }
  if (either > 0) {
    assumptions.push(
      '"Out of socket memory" and "too many of orphaned sockets" (kernels before 3.3) are printed for either cause: ' +
        'too many orphans or TCP memory above tcp_mem high',
    );
  }
  if (aborts.ok && others !== undefined && others > 0) {
    assumptions.push(
      `TCPAbortOnMemory counts kills in the network namespace of the killed socket; ${plural(others, 'other namespace')} not read`,
    );
  }

  const notes: string[] = [];
  if (either > 0) {
    notes.push(
      'Before 3.3 these log lines do not say which limit was hit: check both tcp_max_orphans (the orphans finding) ' +
        'and tcp_mem (the tcp-memory finding).',
    );
  }
  const version = parseKernelRelease(snapshot.kernelRelease);
  const memoryLines = count(ofKind('tcp-memory'));
  if (memoryLines > 0 && (version === undefined || versionIn(version, CGROUP_TCP_FROM, CGROUP_TCP_UNTIL))) {
    notes.push(
      `On kernels 3.3 to 4.4${version === undefined ? ' (this release is unknown)' : ''} with cgroup-v1 kmem TCP limits, ` +
        '"consider tuning tcp_mem" can mean a cgroup\'s TCP limit (memory.kmem.tcp.limit_in_bytes) was hit while ' +
        'global TCP memory is fine: compare with the tcp-memory finding, and raise the cgroup\'s limit rather than ' +
        'tcp_mem if global memory is far from tcp_mem high.',
    );
  }

  if (blind) judged = { level: 'unknown', closeness: 0 };
  return finding(rule, {
    ...judged,
    summary: parts.join('; '),
    figures,
    thresholds,
    assumptions,
    ...(notes.length > 0 ? { remediationNote: notes.join(' ') } : {}),
  });
}

function ageOf(line: KernelLogLine, now: number | undefined): number | undefined {
  if (line.secondsSinceBoot === undefined || now === undefined) return undefined;
  // A line written after the uptime was read would have a negative age.
  return Math.max(0, now - line.secondsSinceBoot);
}

interface Judged {
  level: Level | 'unknown';
  closeness: number;
}

const ORDER: readonly Level[] = ['ok', 'notice', 'warning', 'critical'];
const rankOf = (l: Judged['level']): number => (l === 'unknown' ? -1 : ORDER.indexOf(l));

function stronger(a: Judged, b: Judged): Judged {
  const d = rankOf(a.level) - rankOf(b.level);
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
