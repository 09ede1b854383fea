// Typed values of the kernel files sockaudit reads. Parsers in this folder take text and
// return these; nothing here does I/O.
import type { Holders } from './net-tcp-holders.js';

/** An integer as the kernel printed it: a number when exact, a bigint beyond 2^53. */
export type Int = number | bigint;

/**
 * The state of one input. Absent is absent: a file that does not exist is `missing`, one the
 * host refused is `unreadable`, one that could not be parsed is `invalid`; none of them is 0.
 */
export type Reading<T> =
  | { state: 'ok'; value: T }
  | { state: 'missing'; detail?: string }
  | { state: 'unreadable'; detail: string }
  | { state: 'invalid'; detail: string };

/** /proc/net/sockstat: protocol -> key -> value, plus the fields the evaluator uses. */
export interface Sockstat {
  socketsUsed?: number;
  tcp?: { inuse?: number; orphan?: number; tw?: number; alloc?: number; mem?: number };
  udp?: { inuse?: number; mem?: number };
  /** Every protocol line as printed, unknown keys included (e.g. a future `pressure`). */
  protocols: Record<string, Record<string, Int>>;
}

/** /proc/net/sockstat6: inuse counts only. */
export interface Sockstat6 {
  protocols: Record<string, Record<string, Int>>;
}

/** /proc/net/netstat and /proc/net/snmp: group (TcpExt, IpExt, MPTcpExt, Tcp, ...) -> counter. */
export interface CounterTable {
  groups: Record<string, Record<string, Int>>;
}

/** /proc/meminfo, values in bytes where the kernel printed kB. */
export interface Meminfo {
  memTotalBytes?: number;
  memAvailableBytes?: number;
  memFreeBytes?: number;
  /** Every key as printed, in the printed unit (kB for most, counts for HugePages_*). */
  raw: Record<string, Int>;
}

export interface Uptime {
  uptimeSeconds: number;
  idleSeconds?: number;
}

export interface Loadavg {
  one: number;
  five: number;
  fifteen: number;
}

/** A sysctl value: one or more integers (tcp_mem has three, file-nr three, most one). */
export type SysctlValue = Int[];

/** What the kernel log said about socket resources. */
export type IncidentKind =
  | 'tcp-orphans' // TCP: too many orphaned sockets / too many of orphaned sockets
  | 'tcp-memory' // TCP: out of memory -- consider tuning tcp_mem
  | 'socket-memory' // Out of socket memory (<= 3.1: orphans or memory)
  | 'mptcp-memory'
  | 'tw-overflow'
  | 'conntrack-full'
  | 'file-max'
  | 'syn-flood'
  | 'ratelimit-suppressed';

export interface KernelLogLine {
  kind: IncidentKind;
  /** Seconds since boot from the `[  123.456]` prefix; absent when the line was undated. */
  secondsSinceBoot?: number;
  /** For `net_ratelimit: N callbacks suppressed`: N. */
  suppressed?: number;
  text: string;
}

export interface KernelLog {
  source: 'dmesg' | 'journalctl';
  lines: KernelLogLine[];
}

/** One reading of the fast-moving gauges and counters, for sampling over a window. */
export interface Sample {
  /** Host uptime when the sample was taken, seconds. */
  uptimeSeconds?: number;
  sockstat: Reading<Sockstat>;
  netstat: Reading<CounterTable>;
}

/** Everything parsed from one host's probe output. */
export interface Snapshot {
  kernelRelease?: string;
  machine?: string;
  pageSize?: number;
  cpus?: number;
  hostname?: string;
  bootId?: string;
  /** true: read in the host's initial network namespace; false: in a container; absent: unknown. */
  initNetns?: boolean;
  /** Distinct network namespaces the probe could see (/proc/<pid>/ns/net, /run/netns); absent: not counted. */
  netnsCount?: number;
  uptime: Reading<Uptime>;
  loadavg: Reading<Loadavg>;
  sockstat: Reading<Sockstat>;
  sockstat6: Reading<Sockstat6>;
  netstat: Reading<CounterTable>;
  snmp: Reading<CounterTable>;
  meminfo: Reading<Meminfo>;
  /** Keyed by dotted sysctl name: `net.ipv4.tcp_mem`, `fs.file-nr`, `net.netfilter.nf_conntrack_max`. */
  sysctl: Record<string, Reading<SysctlValue>>;
  kernelLog: Reading<KernelLog>;
  /**
   * Who holds the orphans, the queued bytes and TIME_WAIT (/proc/net/tcp{,6} aggregated on the
   * host); absent when the probe did not look (holders `never`, an older probe, or a healthy host:
   * then holdersSkipped says why). A host whose table could not be read has a state other than ok.
   */
  holders?: Reading<Holders>;
  /** The probe's gate did not read the table, and why (`healthy`, `no-sockstat`). */
  holdersSkipped?: string;
  /** All samples in order, the first being the same reading as the top-level fields; one when not sampling. */
  samples: Sample[];
}
