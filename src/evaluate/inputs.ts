// Reading the figures a check needs out of a Snapshot, keeping why a figure is not there: a key
// that does not exist on the host (`absent`) is a note, one that failed is an unknown finding.
import type { Int, Reading, Sample, Snapshot } from '../procfs/types.js';
import { tcpMemScope } from './netns.js';
import type { Source } from './rule.js';
import { sockstatMemUnit } from './units.js';
import type { MemUnitReading } from './units.js';
import { maxOf } from '../arrays.js';

export type Got<T> = { ok: true; value: T } | { ok: false; absent: boolean; why: string };

export function toNumber(x: Int): number {
  return typeof x === 'bigint' ? Number(x) : x;
}

/** "net.ipv4.tcp_mem: unreadable (permission denied)" and the like. */
export function describeReading(name: string, r: Reading<unknown>): string {
  if (r.state === 'ok') return `${name}: ok`;
  const detail = r.detail === undefined || r.detail === '' ? '' : ` (${r.detail})`;
  return `${name}: ${r.state}${detail}`;
}

function fail<T>(name: string, r: Reading<unknown>): Got<T> {
  return { ok: false, absent: r.state === 'missing', why: describeReading(name, r) };
}

/** A sysctl as numbers, with at least `count` values. */
export function sysctlValues(snapshot: Snapshot, name: string, count = 1): Got<number[]> {
  const r = snapshot.sysctl[name];
  if (r === undefined) return { ok: false, absent: true, why: `${name}: not read` };
  if (r.state !== 'ok') return fail(name, r);
  if (r.value.length < count) {
    return { ok: false, absent: false, why: `${name}: ${r.value.length} value(s), expected ${count}` };
  }
  return { ok: true, value: r.value.map(toNumber) };
}

/** One value of a sysctl (`fs.file-nr` index 2 is the maximum). */
export function sysctlValue(snapshot: Snapshot, name: string, index = 0): Got<number> {
  const got = sysctlValues(snapshot, name, index + 1);
  return got.ok ? { ok: true, value: got.value[index] as number } : got;
}

/** The samples, oldest first; a snapshot without any is read as one sample of its top-level fields. */
export function samplesOf(snapshot: Snapshot): readonly Sample[] {
  if (snapshot.samples.length > 0) return snapshot.samples;
  const uptime = snapshot.uptime.state === 'ok' ? snapshot.uptime.value.uptimeSeconds : undefined;
  return [{ ...(uptime === undefined ? {} : { uptimeSeconds: uptime }), sockstat: snapshot.sockstat, netstat: snapshot.netstat }];
}

export interface Peak {
  peak: number;
  first: number;
  last: number;
  /** Samples that had the figure, of all samples. */
  samples: number;
  of: number;
}

/** The peak of a sockstat gauge (TCP by default) over the samples that have it. */
export function gaugePeak(snapshot: Snapshot, field: 'orphan' | 'tw' | 'mem', protocol: 'TCP' | 'UDP' = 'TCP'): Got<Peak> {
  const samples = samplesOf(snapshot);
  const values: number[] = [];
  let firstFailure: Got<Peak> | undefined;
  // One impossible reading poisons the peak: the others cannot be trusted to bound it.
  let impossible: string | undefined;
  for (const sample of samples) {
    const r = sample.sockstat;
    if (r.state !== 'ok') {
      firstFailure ??= { ok: false, absent: false, why: describeReading('proc/net/sockstat', r) };
      continue;
    }
    const v = protocol === 'TCP' ? r.value.tcp?.[field] : field === 'mem' ? r.value.udp?.mem : undefined;
    if (v === undefined) {
      const printed = r.value.protocols[protocol]?.[field];
      // The parser keeps only exact numbers; a value it dropped was printed, but beyond 2^53.
      const why =
        printed === undefined
          ? `proc/net/sockstat: no ${protocol} ${field} field`
          : `proc/net/sockstat: ${protocol} ${field} ${String(printed)} is an impossible figure (beyond 2^53, not a count the kernel keeps)`;
      impossible ??= printed === undefined ? undefined : why;
      firstFailure ??= { ok: false, absent: printed === undefined, why };
      continue;
    }
    if (v < 0) {
      impossible ??= `proc/net/sockstat: ${protocol} ${field} ${v} is an impossible figure (a negative count)`;
      continue;
    }
    values.push(v);
  }
  if (impossible !== undefined) return { ok: false, absent: false, why: impossible };
  if (values.length === 0) {
    // A missing sockstat is not "absent" for the checks: every Linux host has one. A field the kernel
    // does not print (UDP mem on old kernels) is.
    if (firstFailure !== undefined && !firstFailure.ok) return firstFailure;
    return { ok: false, absent: false, why: 'proc/net/sockstat: no samples' };
  }
  return {
    ok: true,
    value: {
      peak: maxOf(values),
      first: values[0] as number,
      last: values[values.length - 1] as number,
      samples: values.length,
      of: samples.length,
    },
  };
}

export interface Series {
  /** Value in the first and last samples that have the counter. */
  first: number;
  last: number;
  /** last - first when two or more samples have it and it did not go backwards; else null. */
  growth: number | null;
  samples: number;
  of: number;
  /** Set when the counter went backwards between samples (a reboot, or a namespace change). */
  reset: boolean;
}

/** A /proc/net/netstat counter (`TcpExt`, `TCPAbortOnMemory`) over the samples. */
export function counterSeries(snapshot: Snapshot, group: string, name: string): Got<Series> {
  const samples = samplesOf(snapshot);
  const values: number[] = [];
  let failure: Got<Series> | undefined;
  for (const sample of samples) {
    const r = sample.netstat;
    if (r.state !== 'ok') {
      failure ??= fail('proc/net/netstat', r);
      continue;
    }
    const v = r.value.groups[group]?.[name];
    if (v === undefined) {
      // Old kernels lack newer counters: the key does not exist there.
      failure ??= { ok: false, absent: true, why: `proc/net/netstat: no ${group} ${name} counter` };
      continue;
    }
    values.push(toNumber(v));
  }
  if (values.length === 0) {
    return failure ?? { ok: false, absent: false, why: 'proc/net/netstat: no samples' };
  }
  const first = values[0] as number;
  const last = values[values.length - 1] as number;
  const reset = last < first;
  return {
    ok: true,
    value: {
      first,
      last,
      growth: values.length >= 2 && !reset ? last - first : null,
      samples: values.length,
      of: samples.length,
      reset,
    },
  };
}

/** The latest uptime known (the last sample's, else the snapshot's), in seconds. */
export function latestUptime(snapshot: Snapshot): number | undefined {
  let latest = snapshot.uptime.state === 'ok' ? snapshot.uptime.value.uptimeSeconds : undefined;
  for (const s of snapshot.samples) {
    if (s.uptimeSeconds !== undefined && (latest === undefined || s.uptimeSeconds > latest)) latest = s.uptimeSeconds;
  }
  return latest;
}

export function memTotalBytes(snapshot: Snapshot): Got<number> {
  const r = snapshot.meminfo;
  if (r.state !== 'ok') return fail('proc/meminfo', r);
  const total = r.value.memTotalBytes;
  if (total === undefined || !(total > 0)) return { ok: false, absent: false, why: 'proc/meminfo: no MemTotal' };
  return { ok: true, value: total };
}

/**
 * True when the host-level TCP budget cannot be read because this is a container: the snapshot
 * was read outside the initial network namespace, the init-netns-only sysctls are all absent, or
 * tcp_mem is there without tcp_max_orphans (a 3.5 - 3.12 child namespace, netns.ts).
 */
export function looksLikeContainer(snapshot: Snapshot): boolean {
  if (snapshot.initNetns === false) return true;
  const absent = (name: string): boolean => {
    const r = snapshot.sysctl[name];
    return r === undefined || r.state === 'missing';
  };
  if (absent('net.ipv4.tcp_max_orphans') && snapshot.sysctl['net.ipv4.tcp_mem']?.state === 'ok') return true;
  return absent('net.ipv4.tcp_mem') && absent('net.ipv4.tcp_max_orphans');
}

export interface SourceValue {
  value: number;
  /** For a sockstat gauge: its peak (= value) and the samples behind it. */
  peak?: Peak;
}

/** A rule's declared input (rule.ts#Source): a sysctl value, or the peak of a sockstat gauge. */
export function readSource(snapshot: Snapshot, source: Source): Got<SourceValue> {
  if ('sysctl' in source) {
    const got = sysctlValue(snapshot, source.sysctl, source.index ?? 0);
    if (!got.ok) return got;
    if (got.value < 0) return { ok: false, absent: false, why: `${source.sysctl} ${got.value} is an impossible figure (negative)` };
    return { ok: true, value: { value: got.value } };
  }
  const got = gaugePeak(snapshot, source.field, source.sockstat);
  return got.ok ? { ok: true, value: { value: got.value.peak, peak: got.value } } : got;
}

/** A source read as a limit: zero is an impossible figure, not a limit that is reached at once. */
export function asLimit(source: Source, got: Got<SourceValue>): Got<SourceValue> {
  if (!got.ok || got.value.value > 0) return got;
  const name = 'sysctl' in source ? source.sysctl : `sockstat ${source.sockstat} ${source.field}`;
  return { ok: false, absent: false, why: `${name} is ${got.value.value}: an impossible limit, so nothing can be judged against it` };
}

/** A sysctl limit that must be above zero. */
export function positiveSysctl(snapshot: Snapshot, name: string): Got<number> {
  const got = asLimit({ sysctl: name }, readSource(snapshot, { sysctl: name }));
  return got.ok ? { ok: true, value: got.value.value } : got;
}

/**
 * tcp_mem as the limit the kernel enforces: absent in a child namespace from 3.13, a per-namespace copy
 * the kernel ignores on 3.3 - 3.12 (discarded, with why), and every value must be above zero.
 */
export function tcpMemLimits(snapshot: Snapshot): Got<[number, number, number]> & { unsure?: string } {
  const got = sysctlValues(snapshot, 'net.ipv4.tcp_mem', 3);
  if (!got.ok) return got;
  const scope = tcpMemScope(snapshot);
  if (!scope.use) return { ok: false, absent: true, why: scope.why };
  return withUnsure(triple('net.ipv4.tcp_mem', got.value), scope.unsure);
}

/** udp_mem, with the same rules for impossible values. */
export function udpMemLimits(snapshot: Snapshot): Got<[number, number, number]> {
  const got = sysctlValues(snapshot, 'net.ipv4.udp_mem', 3);
  return got.ok ? triple('net.ipv4.udp_mem', got.value) : got;
}

function triple(name: string, values: number[]): Got<[number, number, number]> {
  const [low, pressure, high] = values as [number, number, number];
  if (!(low > 0 && pressure > 0 && high > 0)) {
    return { ok: false, absent: false, why: `${name} is ${low} ${pressure} ${high}: an impossible limit (zero or negative), so nothing can be judged against it` };
  }
  return { ok: true, value: [low, pressure, high] };
}

function withUnsure<T>(got: Got<T>, unsure: string | undefined): Got<T> & { unsure?: string } {
  return unsure === undefined ? got : { ...got, unsure };
}

/** The unit of sockstat mem on this host, from its release, page size and the tcp_wmem/tcp_rmem boot defaults. */
export function memUnitOf(snapshot: Snapshot): MemUnitReading {
  const first = (name: string): number | undefined => {
    const got = sysctlValue(snapshot, name);
    return got.ok ? got.value : undefined;
  };
  const tcpWmemMin = first('net.ipv4.tcp_wmem');
  const tcpRmemMin = first('net.ipv4.tcp_rmem');
  return sockstatMemUnit(snapshot.kernelRelease, snapshot.pageSize, {
    ...(tcpWmemMin === undefined ? {} : { tcpWmemMin }),
    ...(tcpRmemMin === undefined ? {} : { tcpRmemMin }),
  });
}
