// In-memory Snapshot values for tests. `snapshot()` is a healthy, fully read 6.1 x86_64 host with
// 16 GiB of RAM; a spec overrides only what a test is about:
//
//   snapshot({ kernel: '6.1.0', pageSize: 4096, sockstat: { orphan: 100, mem: 2000 },
//              sysctl: { 'net.ipv4.tcp_mem': [1, 2, 3] } })
//   snapshot({ sockstat: missing() })                       // a file that does not exist
//   snapshot({ sysctl: { 'net.ipv4.tcp_max_orphans': invalid() } })
//   snapshot({ container: true })                           // child netns, no global sysctls
//   snapshot({ samples: [{ netstat: { TcpExt: { TCPAbortOnMemory: 5 } } },
//                        { netstat: { TcpExt: { TCPAbortOnMemory: 9 } } }] })
//
// Each sample's sockstat and netstat are merged over the top-level ones; sample 0 is also the
// top-level reading, as the assembler makes it.
import type {
  CounterTable,
  Int,
  IncidentKind,
  KernelLog,
  KernelLogLine,
  Meminfo,
  Reading,
  Sample,
  Snapshot,
  Sockstat,
  SysctlValue,
  Uptime,
} from '../../src/procfs/types.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export function ok<T>(value: T): Reading<T> {
  return { state: 'ok', value };
}
export function missing(detail?: string): Reading<never> {
  return detail === undefined ? { state: 'missing' } : { state: 'missing', detail };
}
export function unreadable(detail = 'Permission denied'): Reading<never> {
  return { state: 'unreadable', detail };
}
export function invalid(detail = 'line 1: not a number'): Reading<never> {
  return { state: 'invalid', detail };
}

/** A kernel log line; undated when `secondsSinceBoot` is omitted. */
export function logLine(kind: IncidentKind, secondsSinceBoot?: number, text?: string): KernelLogLine {
  return {
    kind,
    ...(secondsSinceBoot === undefined ? {} : { secondsSinceBoot }),
    text: text ?? LOG_TEXT[kind],
  };
}

const LOG_TEXT: Record<IncidentKind, string> = {
  'tcp-orphans': 'TCP: too many orphaned sockets',
  'tcp-memory': 'TCP: out of memory -- consider tuning tcp_mem',
  'socket-memory': 'Out of socket memory',
  'mptcp-memory': 'MPTCP: out of memory: force closing socket',
  'tw-overflow': 'TCP: time wait bucket table overflow',
  'conntrack-full': 'nf_conntrack: nf_conntrack: table full, dropping packet',
  'file-max': 'VFS: file-max limit 1000 reached',
  'syn-flood': 'TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.',
  'ratelimit-suppressed': 'net_ratelimit: 10 callbacks suppressed',
};

/** Fields of the TCP line of /proc/net/sockstat; `undefined` leaves a field out. */
export interface SockstatSpec {
  inuse?: number | undefined;
  orphan?: number | undefined;
  tw?: number | undefined;
  alloc?: number | undefined;
  mem?: number | undefined;
  socketsUsed?: number | undefined;
}

/** Counter groups of /proc/net/netstat (`TcpExt`, `IpExt`, ...); `undefined` leaves a counter out. */
export type NetstatSpec = Record<string, Record<string, Int | undefined>>;

export interface SampleSpec {
  /** Uptime at this sample; default: the snapshot's uptime plus 5 s per sample. */
  uptime?: number;
  sockstat?: SockstatSpec | Reading<Sockstat>;
  netstat?: NetstatSpec | Reading<CounterTable>;
}

export type SysctlSpec = number | bigint | Int[] | Reading<SysctlValue>;

export interface SnapshotSpec {
  /** Kernel release; null for unknown. */
  kernel?: string | null;
  /** getconf PAGESIZE; null for unknown. */
  pageSize?: number | null;
  machine?: string;
  hostname?: string;
  cpus?: number;
  /** null for unknown. */
  initNetns?: boolean | null;
  /** A container: initNetns false, and the init-netns-only sysctls missing unless given. */
  container?: boolean;
  /** Uptime in seconds, or a Reading. */
  uptime?: number | Reading<Uptime>;
  sockstat?: SockstatSpec | Reading<Sockstat>;
  netstat?: NetstatSpec | Reading<CounterTable>;
  /** Merged over the defaults; give `missing()` to make a default key absent. */
  sysctl?: Record<string, SysctlSpec>;
  /** MemTotal in bytes, or a Reading of the whole file. */
  meminfo?: number | Reading<Meminfo>;
  /** Lines read from dmesg, or a Reading (e.g. `unreadable('dmesg: Operation not permitted')`). */
  kernelLog?: KernelLogLine[] | Reading<KernelLog>;
  samples?: SampleSpec[];
}

const DEFAULT_SOCKSTAT: SockstatSpec = { inuse: 200, orphan: 0, tw: 50, alloc: 210, mem: 120, socketsUsed: 400 };

const DEFAULT_NETSTAT: NetstatSpec = {
  TcpExt: {
    TCPAbortOnMemory: 0,
    TCPMemoryPressures: 0,
    TCPMemoryPressuresChrono: 0,
    TCPTimeWaitOverflow: 0,
    ListenOverflows: 0,
    ListenDrops: 0,
  },
};

/** Values of a 16 GiB host (tcp_mem from the kernel's own defaults for that size). */
const DEFAULT_SYSCTL: Record<string, SysctlSpec> = {
  'net.ipv4.tcp_mem': [185565, 247423, 371130],
  'net.ipv4.tcp_max_orphans': 65536,
  'net.ipv4.tcp_max_tw_buckets': 65536,
  'net.ipv4.tcp_orphan_retries': 0,
  'net.ipv4.tcp_fin_timeout': 60,
  'net.ipv4.udp_mem': [371130, 494843, 742260],
  'net.core.somaxconn': 4096,
  'fs.file-nr': [1536, 0, 9223372036854775807n],
  'fs.file-max': 9223372036854775807n,
  'net.netfilter.nf_conntrack_count': missing(),
  'net.netfilter.nf_conntrack_max': missing(),
  'kernel.dmesg_restrict': 0,
};

/** Sysctls that exist only in the initial network namespace. */
const INIT_NETNS_ONLY = ['net.ipv4.tcp_mem', 'net.ipv4.tcp_max_orphans', 'net.ipv4.udp_mem'];

const DEFAULT_UPTIME = 10 * 86400;
const SAMPLE_INTERVAL = 5;

export function snapshot(spec: SnapshotSpec = {}): Snapshot {
  const uptime = isReading(spec.uptime) ? spec.uptime : ok({ uptimeSeconds: spec.uptime ?? DEFAULT_UPTIME, idleSeconds: 1000 });
  const baseUptime = uptime.state === 'ok' ? uptime.value.uptimeSeconds : undefined;
  const baseSockstat = spec.sockstat;
  const baseNetstat = spec.netstat;

  const sampleSpecs = spec.samples === undefined || spec.samples.length === 0 ? [{}] : spec.samples;
  const samples: Sample[] = sampleSpecs.map((s, i) => {
    const at = s.uptime ?? (baseUptime === undefined ? undefined : baseUptime + SAMPLE_INTERVAL * i);
    return {
      ...(at === undefined ? {} : { uptimeSeconds: at }),
      sockstat: sockstatReading(baseSockstat, s.sockstat),
      netstat: netstatReading(baseNetstat, s.netstat),
    };
  });
  const first = samples[0] as Sample;

  const sysctlSpec: Record<string, SysctlSpec> = { ...DEFAULT_SYSCTL };
  if (spec.container === true) for (const name of INIT_NETNS_ONLY) sysctlSpec[name] = missing();
  Object.assign(sysctlSpec, spec.sysctl);
  const sysctl: Record<string, Reading<SysctlValue>> = {};
  for (const [name, value] of Object.entries(sysctlSpec)) sysctl[name] = sysctlReading(value);

  const initNetns = spec.initNetns !== undefined ? spec.initNetns : spec.container === true ? false : true;
  const kernel = spec.kernel === undefined ? '6.1.0-18-amd64' : spec.kernel;
  const pageSize = spec.pageSize === undefined ? 4096 : spec.pageSize;

  const snap: Snapshot = {
    machine: spec.machine ?? 'x86_64',
    cpus: spec.cpus ?? 4,
    hostname: spec.hostname ?? 'test-host',
    bootId: '00000000-0000-4000-8000-000000000000',
    uptime: first.uptimeSeconds === undefined || uptime.state !== 'ok' ? uptime : ok({ ...uptime.value, uptimeSeconds: first.uptimeSeconds }),
    loadavg: ok({ one: 0.1, five: 0.1, fifteen: 0.1 }),
    sockstat: first.sockstat,
    sockstat6: ok({ protocols: { TCP6: { inuse: 10 } } }),
    netstat: first.netstat,
    snmp: ok({ groups: { Tcp: { CurrEstab: 150 } } }),
    meminfo: isReading(spec.meminfo) ? spec.meminfo : meminfo(spec.meminfo ?? 16 * GiB),
    sysctl,
    kernelLog: isReading(spec.kernelLog) ? spec.kernelLog : ok({ source: 'dmesg', lines: spec.kernelLog ?? [] }),
    samples,
  };
  if (kernel !== null) snap.kernelRelease = kernel;
  if (pageSize !== null) snap.pageSize = pageSize;
  if (initNetns !== null) snap.initNetns = initNetns;
  return snap;
}

function meminfo(totalBytes: number): Reading<Meminfo> {
  const kB = Math.round(totalBytes / 1024);
  return ok({
    memTotalBytes: totalBytes,
    memAvailableBytes: Math.round(totalBytes / 2),
    memFreeBytes: Math.round(totalBytes / 4),
    raw: { MemTotal: kB, MemFree: Math.round(kB / 4), MemAvailable: Math.round(kB / 2) },
  });
}

function sockstatReading(
  base: SockstatSpec | Reading<Sockstat> | undefined,
  over: SockstatSpec | Reading<Sockstat> | undefined,
): Reading<Sockstat> {
  if (isReading(over)) return over;
  if (isReading(base)) return over === undefined ? base : ok(sockstatValue({ ...DEFAULT_SOCKSTAT, ...over }));
  return ok(sockstatValue({ ...DEFAULT_SOCKSTAT, ...base, ...over }));
}

function sockstatValue(spec: SockstatSpec): Sockstat {
  const tcp: NonNullable<Sockstat['tcp']> = {};
  const line: Record<string, Int> = {};
  for (const key of ['inuse', 'orphan', 'tw', 'alloc', 'mem'] as const) {
    const v = spec[key];
    if (v === undefined) continue;
    tcp[key] = v;
    line[key] = v;
  }
  const value: Sockstat = { tcp, protocols: { TCP: line } };
  if (spec.socketsUsed !== undefined) {
    value.socketsUsed = spec.socketsUsed;
    value.protocols.sockets = { used: spec.socketsUsed };
  }
  return value;
}

function netstatReading(
  base: NetstatSpec | Reading<CounterTable> | undefined,
  over: NetstatSpec | Reading<CounterTable> | undefined,
): Reading<CounterTable> {
  if (isReading(over)) return over;
  if (isReading(base) && over === undefined) return base;
  const layers = [DEFAULT_NETSTAT, isReading(base) ? {} : (base ?? {}), over ?? {}];
  const groups: Record<string, Record<string, Int>> = {};
  for (const layer of layers) {
    for (const [group, counters] of Object.entries(layer)) {
      const into = (groups[group] ??= {});
      for (const [name, v] of Object.entries(counters)) {
        if (v === undefined) delete into[name];
        else into[name] = v;
      }
    }
  }
  return ok({ groups });
}

function sysctlReading(value: SysctlSpec): Reading<SysctlValue> {
  if (isReading(value)) return value;
  return ok(Array.isArray(value) ? [...value] : [value]);
}

function isReading<T>(x: unknown): x is Reading<T> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'state' in x;
}
