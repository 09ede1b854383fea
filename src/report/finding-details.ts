// A finding's details as a person reads them: figures with names and units (the raw key kept for a
// tooltip; the JSON keeps only the raw keys), thresholds with their direction and unit ("newer than
// 1 hour", "above 75 % of tcp_mem pressure"), and the finding's key without a doubled item. Pure.
import { bytes, duration } from '../evaluate/format.js';
import { isRuleId, ruleById } from '../evaluate/rules/index.js';
import type { Finding, Level } from '../evaluate/types.js';
import { sanitizeForTerminal as clean } from '../text.js';
import { formatNumber } from './format.js';

export interface FigureView {
  /** The evaluator's name for the figure, as in the JSON (`newestLineAgeSeconds`). */
  key: string;
  /** Its name in words (`newest log line's age`). */
  label: string;
  /** The value with its unit (`17 s`, `1.4 GiB`, `32.9 %`). */
  value: string;
}

export interface ThresholdView {
  level: Level;
  /** The line in words, with direction and unit: "newer than 1 hour", "above 25 % of tcp_max_orphans". */
  text: string;
}

type Kind = 'count' | 'pages' | 'bytes' | 'seconds' | 'percent' | 'text';

/** Figure names across the rules; the same name means the same thing in every rule that uses it. */
const FIGURES: Record<string, [label: string, kind: Kind]> = {
  samples: ['samples', 'count'],
  // orphans
  orphan: ['peak orphans', 'count'],
  orphanFirst: ['orphans at the first sample', 'count'],
  orphanLast: ['orphans at the last sample', 'count'],
  tcpMaxOrphans: ['tcp_max_orphans', 'count'],
  percentOfLimit: ['share of the limit', 'percent'],
  quarterLimit: ['a quarter of the limit', 'count'],
  crossed: ['kernel stage passed', 'text'],
  suggestedMaxOrphans: ['suggested tcp_max_orphans (4 x the peak)', 'count'],
  // tcp-memory, udp-memory
  mem: ['peak memory', 'pages'],
  memAsPrinted: ['as /proc/net/sockstat prints it', 'count'],
  memUnit: ['unit sockstat prints in', 'text'],
  memBytes: ['peak memory in bytes', 'bytes'],
  tcpMemLow: ['tcp_mem low', 'pages'],
  tcpMemPressure: ['tcp_mem pressure', 'pages'],
  tcpMemHigh: ['tcp_mem high', 'pages'],
  tcpMemHighBytes: ['tcp_mem high in bytes', 'bytes'],
  udpMemLow: ['udp_mem low', 'pages'],
  udpMemPressure: ['udp_mem pressure', 'pages'],
  udpMemHigh: ['udp_mem high', 'pages'],
  percentOfPressure: ['share of pressure', 'percent'],
  percentOfHigh: ['share of high', 'percent'],
  pageSize: ['page size', 'bytes'],
  memErrors: ['datagrams dropped for udp_mem (MemErrors)', 'count'],
  rcvbufErrors: ['datagrams dropped for full buffers (RcvbufErrors)', 'count'],
  inErrors: ['UDP input errors (InErrors)', 'count'],
  // incidents
  abortsSinceBoot: ['sockets killed since boot (TCPAbortOnMemory)', 'count'],
  abortsGrowth: ['sockets killed while sampling', 'count'],
  kernelLog: ['kernel log', 'text'],
  logSource: ['kernel log read from', 'text'],
  orphanLines: ['log lines: too many orphans', 'count'],
  memoryLines: ['log lines: out of TCP memory', 'count'],
  socketMemoryLines: ['log lines: out of socket memory', 'count'],
  eitherCauseLines: ['log lines naming either cause (before 3.3)', 'count'],
  mptcpMemoryLines: ['log lines: MPTCP out of memory', 'count'],
  newestLineAgeSeconds: ["newest log line's age", 'seconds'],
  undatedLines: ['undated log lines', 'count'],
  suppressedCallbacks: ['messages suppressed by rate limiting', 'count'],
  otherNetworkNamespaces: ['other network namespaces', 'count'],
  twOverflowLines: ['log lines: TIME_WAIT overflow', 'count'],
  conntrackFullLines: ['log lines: conntrack table full', 'count'],
  fileMaxLines: ['log lines: file-max reached', 'count'],
  synFloodLines: ['log lines: SYN flood', 'count'],
  // pressure-history
  pressureEpisodes: ['pressure episodes since boot', 'count'],
  pressureEpisodesGrowth: ['pressure episodes while sampling', 'count'],
  secondsInPressure: ['time in pressure since boot', 'seconds'],
  secondsInPressureGrowth: ['time in pressure while sampling', 'seconds'],
  // limits-vs-ram
  memTotalBytes: ['RAM (MemTotal)', 'bytes'],
  tcpMemHighPercentOfRam: ['tcp_mem high, share of RAM', 'percent'],
  orphanDocBytes: ['tcp_max_orphans x 64 KiB', 'bytes'],
  orphanDocPercentOfRam: ['tcp_max_orphans x 64 KiB, share of RAM', 'percent'],
  // time-wait
  tw: ['peak TIME_WAIT sockets', 'count'],
  tcpMaxTwBuckets: ['tcp_max_tw_buckets', 'count'],
  overflowsSinceBoot: ['TIME_WAIT overflows since boot (TCPTimeWaitOverflow)', 'count'],
  overflowGrowth: ['TIME_WAIT overflows while sampling', 'count'],
  overflowLogLines: ['log lines: TIME_WAIT overflow', 'count'],
  newestOverflowLineAgeSeconds: ["newest overflow line's age", 'seconds'],
  // neighbours
  conntrackCount: ['conntrack entries', 'count'],
  conntrackMax: ['nf_conntrack_max', 'count'],
  fileHandles: ['file handles allocated', 'count'],
  fileMax: ['fs.file-max', 'count'],
  listenOverflows: ['accept queue overflows since boot', 'count'],
  listenOverflowsGrowth: ['accept queue overflows while sampling', 'count'],
};

/** Where a rule's own words name the figure better than the shared name. */
const RULE_FIGURES: Record<string, Record<string, string>> = {
  'tcp-memory': { mem: 'peak TCP memory', memBytes: 'peak TCP memory in bytes' },
  'udp-memory': { mem: 'peak UDP memory', memBytes: 'peak UDP memory in bytes' },
  'limits-vs-ram': { tcpMemHighBytes: 'tcp_mem high x page size' },
};

export function figureViews(f: Finding): FigureView[] {
  return Object.entries(f.figures).map(([key, value]) => {
    const known = FIGURES[key];
    const label = RULE_FIGURES[f.id]?.[key] ?? known?.[0] ?? words(key);
    return { key: clean(key), label: clean(label), value: clean(showFigure(value, known?.[1] ?? 'count')) };
  });
}

/** `id`, and `.item` only when the id does not already end with it (`neighbours.file-nr`, not `neighbours.file-nr.file-nr`). */
export function displayKey(f: Pick<Finding, 'id' | 'item'>): string {
  if (f.item === undefined || f.id === f.item || f.id.endsWith(`.${f.item}`)) return f.id;
  return `${f.id}.${f.item}`;
}

const LEVEL_ORDER: readonly Level[] = ['notice', 'warning', 'critical', 'ok'];

/**
 * tcp_mem and udp_mem lines are data in percent of pressure or high; the finding states them in
 * pages (the figure's unit). Each level's reference, and whether the line is inclusive.
 */
const MEMORY_LINES: Record<string, { sysctl: string; of: Partial<Record<Level, 'pressure' | 'high'>>; inclusive: readonly Level[] }> = {
  'tcp-memory': { sysctl: 'tcp_mem', of: { notice: 'pressure', warning: 'pressure', critical: 'high' }, inclusive: [] },
  'udp-memory': { sysctl: 'udp_mem', of: { notice: 'pressure', warning: 'high', critical: 'high' }, inclusive: ['critical'] },
};

/** limits-vs-ram judges a different figure at each level. */
const RAM_LINES: Partial<Record<Level, string>> = {
  warning: 'tcp_mem high x page size',
  notice: 'tcp_max_orphans x 64 KiB',
};

export function thresholdViews(f: Finding): ThresholdView[] {
  return LEVEL_ORDER.flatMap((level) => {
    const t = f.thresholds[level];
    return t === undefined ? [] : [{ level, text: thresholdText(f, level, t) }];
  });
}

function thresholdText(f: Finding, level: Level, t: number): string {
  const memory = MEMORY_LINES[f.id];
  if (memory !== undefined) {
    const ref = memory.of[level];
    const prefix = memory.sysctl === 'tcp_mem' ? 'tcpMem' : 'udpMem';
    const base = ref === undefined ? undefined : f.figures[`${prefix}${ref === 'pressure' ? 'Pressure' : 'High'}`];
    const above = memory.inclusive.includes(level) ? 'at or above' : 'above';
    const pages = `${formatNumber(Math.round(t))} pages`;
    if (typeof base === 'number' && base > 0 && ref !== undefined) {
      return `${above} ${formatNumber(Math.round((1000 * t) / base) / 10)} % of ${memory.sysctl} ${ref} (${pages})`;
    }
    return `${above} ${pages}`;
  }
  if (!isRuleId(f.id)) return `above ${formatNumber(t)}`;
  const rule = ruleById(f.id);
  const inclusive = rule.comparator?.kind === 'above' && rule.comparator.inclusive?.includes(level) === true;
  const above = inclusive ? 'at or above' : 'above';
  if (f.id === 'limits-vs-ram') return `${RAM_LINES[level] ?? 'the figure'} ${above} ${formatNumber(t)} ${rule.unit}`;
  if (rule.comparator?.kind === 'within') {
    // Ages: a line newer than the window is at this level (the windows shrink as the level rises).
    const what = f.id === 'incidents' ? 'a log line about killed sockets' : 'a log line';
    const growth = f.id === 'incidents' && level === 'critical' ? ', or TCPAbortOnMemory growing while sampling' : '';
    return `${what} newer than ${span(t)}${growth}`;
  }
  if (rule.unit.startsWith('%')) return `${above} ${formatNumber(t)} ${rule.unit}`;
  if (rule.unit.startsWith('seconds ')) return `more than ${span(t)} ${rule.unit.slice('seconds '.length)}`;
  if (t === 0 && !inclusive) return `any, ${rule.unit}`;
  return `${inclusive ? 'at least' : 'more than'} ${formatNumber(t)} ${rule.unit}`;
}

/** A whole span in words ("7 days", "1 hour", "90 minutes"); other spans as durations ("17 s"). */
function span(seconds: number): string {
  const unit = (n: number, word: string): string => `${formatNumber(n)} ${word}${n === 1 ? '' : 's'}`;
  if (seconds > 0 && seconds % 86400 === 0) return unit(seconds / 86400, 'day');
  if (seconds > 0 && seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds > 0 && seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return duration(seconds);
}

function showFigure(v: number | string | null, kind: Kind): string {
  if (v === null) return 'n/a';
  if (typeof v === 'string') return v;
  switch (kind) {
    case 'pages':
      return `${formatNumber(v)} pages`;
    case 'bytes':
      return bytes(v);
    case 'seconds':
      return duration(v);
    case 'percent':
      return `${formatNumber(v)} %`;
    default:
      return formatNumber(v);
  }
}

/** `newestLineAgeSeconds` -> `newest line age seconds`: a name no table has yet still reads as words. */
function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}
