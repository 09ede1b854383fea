// The checks of RISK-MODEL.md section 4, as data: ids, thresholds, comparators, rationale and
// remediation. The code in checks/ reads its thresholds from here (through the config), never
// from literals of its own.
import type { Level } from './types.js';

export const RULE_IDS = [
  'orphans',
  'tcp-memory',
  'incidents',
  'pressure-history',
  'limits-vs-ram',
  'time-wait',
  'neighbours.conntrack',
  'neighbours.file-nr',
  'neighbours.listen-overflows',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/** Groups that can be skipped as a whole (`skip: [neighbours]`). */
export const RULE_GROUPS = ['neighbours'] as const;

export type Thresholds = Partial<Record<Level, number>>;

/**
 * How a figure is judged against the thresholds:
 * - `above`: figure > threshold (or >= for the levels in `inclusive`); the highest level crossed wins.
 * - `within`: an age in seconds <= threshold (recent events are worse; thresholds descend).
 * - `domain`: per-rule code, because the domain demands it (units, events, several figures).
 */
export type Comparator =
  | { kind: 'above'; inclusive?: Level[] }
  | { kind: 'within' }
  | { kind: 'domain'; why: string };

export interface Rule {
  id: RuleId;
  /** For items of a group: the group (`neighbours`) and the item (`conntrack`). */
  group?: (typeof RULE_GROUPS)[number];
  item?: string;
  title: string;
  /** What is measured, in words. */
  figure: string;
  /** Unit of the thresholds. */
  unit: string;
  thresholds: Thresholds;
  /** How thresholds must be ordered from notice to critical (checked when config overrides them). */
  order: 'ascending' | 'descending' | 'per-level';
  comparator: Comparator;
  /** An unknown core check makes the host verdict unknown (unless something worse was found). */
  core: boolean;
  rationale: string;
  remediation: string;
}

export const RULES: readonly Rule[] = [
  {
    id: 'orphans',
    title: 'Orphaned TCP sockets against tcp_max_orphans',
    figure: 'peak sockstat TCP orphan / net.ipv4.tcp_max_orphans',
    unit: '% of tcp_max_orphans',
    thresholds: { notice: 12.5, warning: 20, critical: 25 },
    order: 'ascending',
    comparator: { kind: 'above' },
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
  },
  {
    id: 'tcp-memory',
    title: 'TCP memory against tcp_mem',
    figure: 'peak sockstat TCP mem, in tcp_mem pages, against tcp_mem pressure and high',
    unit: '% of tcp_mem pressure (notice, warning), % of tcp_mem high (critical)',
    thresholds: { notice: 75, warning: 100, critical: 90 },
    order: 'per-level',
    comparator: {
      kind: 'domain',
      why: 'the unit of sockstat mem depends on kernel and page size, and levels use two different bases',
    },
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
      'values increasing. Note that sockstat mem counts 4096-byte quanta on 4.x to 5.19 kernels, so on 64 KiB-page ' +
      'hosts tools that multiply it by the page size overstate usage 16 times.',
  },
  {
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
  },
  {
    id: 'pressure-history',
    title: 'TCP memory pressure since boot',
    figure: 'TcpExt TCPMemoryPressures (episodes) and TCPMemoryPressuresChrono (time in pressure)',
    unit: 'seconds in memory pressure since boot',
    thresholds: { warning: 3600 },
    order: 'ascending',
    comparator: { kind: 'domain', why: 'counters: episodes since boot, time in pressure, growth while sampling' },
    core: false,
    rationale:
      'Each entry into TCP memory pressure adds one to TCPMemoryPressures and, when it ends, its duration in ' +
      'milliseconds to TCPMemoryPressuresChrono. A single reading of sockstat mem can miss a burst; these counters ' +
      'do not. An episode while sampling means the host is at its TCP memory limit now.',
    remediation:
      'Compare with the tcp-memory finding: pressure episodes with low current usage mean bursts; sample during ' +
      'peak traffic (--samples) to see them. Find the sockets holding memory with ss -tmn, cap tcp_rmem/tcp_wmem ' +
      'maximums if a few sockets autotune very large buffers, and raise tcp_mem pressure and high only if RAM ' +
      'allows.',
  },
  {
    id: 'limits-vs-ram',
    title: 'TCP limits against physical memory',
    figure: 'tcp_mem high x page size, and tcp_max_orphans x 64 KiB, against MemTotal',
    unit: '% of MemTotal',
    thresholds: { notice: 100, warning: 100 },
    order: 'per-level',
    comparator: { kind: 'domain', why: 'two figures in bytes, one per level, against MemTotal' },
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
  },
  {
    id: 'time-wait',
    title: 'TIME_WAIT sockets against tcp_max_tw_buckets',
    figure: 'peak sockstat TCP tw / net.ipv4.tcp_max_tw_buckets, and TcpExt TCPTimeWaitOverflow',
    unit: '% of tcp_max_tw_buckets',
    thresholds: { notice: 50, warning: 80, critical: 100 },
    order: 'ascending',
    comparator: { kind: 'above', inclusive: ['critical'] },
    core: false,
    rationale:
      'At tcp_max_tw_buckets the kernel closes sockets without TIME_WAIT (TCPTimeWaitOverflow), so a late ' +
      'duplicate segment of an old connection can corrupt a new one using the same ports. Both the count and the ' +
      'limit belong to the network namespace that was read.',
    remediation:
      'Prefer fewer, longer connections: keep-alive and connection pools between services, so that the side that ' +
      'closes first does not churn thousands of TIME_WAITs per second. net.ipv4.tcp_tw_reuse=1 lets outgoing ' +
      'connections reuse TIME_WAIT ports safely with timestamps. Raise tcp_max_tw_buckets (each costs well under ' +
      '1 KiB) rather than relying on overflow; never use the removed tcp_tw_recycle.',
  },
  {
    id: 'neighbours.conntrack',
    group: 'neighbours',
    item: 'conntrack',
    title: 'Connection tracking table',
    figure: 'net.netfilter.nf_conntrack_count / nf_conntrack_max',
    unit: '% of nf_conntrack_max',
    thresholds: { notice: 50, warning: 80, critical: 95 },
    order: 'ascending',
    comparator: { kind: 'above' },
    core: false,
    rationale:
      'When the conntrack table is full, new connections are dropped before TCP sees them ("nf_conntrack: table ' +
      'full, dropping packet"), which looks like packet loss to clients.',
    remediation:
      'Raise net.netfilter.nf_conntrack_max (and the hash size, nf_conntrack_buckets, about max/4) if RAM allows; ' +
      'shorten nf_conntrack_tcp_timeout_time_wait and _established for busy servers; or exempt high-volume ' +
      'traffic from tracking with a raw-table NOTRACK rule when no stateful firewall needs it.',
  },
  {
    id: 'neighbours.file-nr',
    group: 'neighbours',
    item: 'file-nr',
    title: 'System-wide file handles',
    figure: 'fs.file-nr allocated / fs.file-nr maximum',
    unit: '% of fs.file-max',
    thresholds: { notice: 50, warning: 70, critical: 90 },
    order: 'ascending',
    comparator: { kind: 'above' },
    core: false,
    rationale:
      'Every socket is a file. At fs.file-max, socket() and accept() fail with ENFILE for unprivileged processes ' +
      '("VFS: file-max limit reached"), whatever the TCP limits say.',
    remediation:
      'Raise fs.file-max (memory cost is small), and check per-process limits (LimitNOFILE in systemd units, ' +
      'ulimit -n), which fail with EMFILE long before the system limit. A steady climb is often a descriptor leak.',
  },
  {
    id: 'neighbours.listen-overflows',
    group: 'neighbours',
    item: 'listen-overflows',
    title: 'Accept queue overflows',
    figure: 'TcpExt ListenOverflows since boot',
    unit: 'overflows since boot',
    thresholds: { notice: 0 },
    order: 'ascending',
    comparator: { kind: 'above' },
    core: false,
    rationale:
      'ListenOverflows counts connections dropped because a listener accept queue was full: the application did ' +
      'not accept fast enough, or its backlog is small. Clients see SYN retries and connection delays of a second ' +
      'or more.',
    remediation:
      'Find the listener with ss -ltn (Recv-Q near Send-Q means a full queue); raise the listen() backlog in the ' +
      'application together with net.core.somaxconn (128 before 5.4) and tcp_max_syn_backlog; make the accept ' +
      'loop faster or add workers.',
  },
];

const BY_ID = new Map<string, Rule>(RULES.map((r) => [r.id, r]));

export function ruleById(id: RuleId): Rule {
  const rule = BY_ID.get(id);
  // RuleId is a closed union, so this only fires if RULES and RULE_IDS drift apart.
  if (rule === undefined) throw new Error(`no rule ${id}`);
  return rule;
}

export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}

/** Orphan-count fractions of tcp_max_orphans at which the penalty shifts 2, 1, 0 start killing. */
export const ORPHAN_STAGES = [
  { fraction: 0.25, says: 'orphans penalised twice (idle over 240 s and a soft ICMP error) are being reset' },
  { fraction: 0.5, says: 'orphans with one penalty (idle over 240 s or a soft ICMP error) are being reset' },
  { fraction: 1, says: 'every socket is reset at close' },
] as const;

/** The documented unswappable cost of one orphan (ip-sysctl.rst, tcp_max_orphans). */
export const ORPHAN_DOC_BYTES = 64 * 1024;
