// From one probe run's raw sections to a Snapshot: each section parsed by its file's parser, and
// every section that could not be read or parsed kept as a state and listed, in words, as a problem.
import { parseNetns, parsePositiveInteger, parseSingleLine } from './command-facts.js';
import { parseKernelLog } from './kernel-log.js';
import { parseLoadavg } from './loadavg.js';
import { parseMeminfo } from './meminfo.js';
import { parseCounterTable } from './net-netstat.js';
import { parseHolders } from './net-tcp-holders.js';
import { parseSockstat, parseSockstat6 } from './net-sockstat.js';
import { hostText, nameTable, settled, type ParseResult } from './parse-result.js';
import {
  PROBE_MAX_SAMPLES,
  PROBE_SECTION_MAX_BYTES,
  PROBE_VERSION,
  SAMPLED_FILES,
  STATUS_MISSING,
  STATUS_OK,
  SYSCTLS,
  sysctlPath,
  type ProbeRecord,
  type RawSection,
} from './sections.js';
import { parseSysctl } from './sysctl.js';
import type { Reading, Sample, Snapshot } from './types.js';
import { parseUptime } from './uptime.js';

/**
 * Sections a healthy host may well not have, so their absence (status 2) is not a problem:
 * - proc/net/sockstat6: IPv6 disabled (ipv6.disable=1 or no ipv6 module);
 * - nf_conntrack_count / nf_conntrack_max: the nf_conntrack module is not loaded;
 * - tcp_ehash_entries: added in 6.1 with the per-netns ehash (Documentation/networking/ip-sysctl.rst);
 * - kernel.dmesg_restrict: added in 2.6.37.
 * Only "does not exist" is excused; a refused or unparsable read is always a problem.
 */
const NORMAL_TO_LACK = new Set<string>([
  'netns-count',
  'proc/net/sockstat6',
  'sysctl/net.netfilter.nf_conntrack_count',
  'sysctl/net.netfilter.nf_conntrack_max',
  'sysctl/net.ipv4.tcp_ehash_entries',
  'sysctl/kernel.dmesg_restrict',
]);

const DETAIL_MAX = 200;
const DUPLICATE = 'printed more than once, so none of its copies is used';

export interface AssembledSnapshot {
  snapshot: Snapshot;
  /** Each expected section that is not `ok`, in words, e.g. "proc/net/sockstat6: missing". */
  problems: string[];
}

export function assembleSnapshot(record: ProbeRecord): AssembledSnapshot {
  const problems: string[] = [];
  if (record.probeVersion !== PROBE_VERSION) {
    problems.push(`probe version ${record.probeVersion} is not known (this sockaudit reads version ${PROBE_VERSION})`);
  }
  const once = new Map<string, RawSection>();
  const sampled = new Map<string, RawSection[]>();
  // A section printed twice is one the host forged or a frame gone wrong: which copy is true
  // cannot be known, so neither is used, and the outcome says so.
  const duplicated = new Set<RawSection>();
  for (const section of record.sections) {
    let earlier: RawSection | undefined;
    if ((SAMPLED_FILES as readonly string[]).includes(section.name)) {
      const k = section.sample ?? 0;
      if (k >= PROBE_MAX_SAMPLES) {
        problems.push(`${label(section.name, section.sample)}: sample index out of range, ignored`);
        continue;
      }
      const list = sampled.get(section.name) ?? [];
      earlier = list[k];
      if (earlier === undefined) list[k] = section;
      sampled.set(section.name, list);
    } else {
      earlier = once.get(section.name);
      if (earlier === undefined) once.set(section.name, section);
    }
    if (earlier !== undefined) {
      if (!duplicated.has(earlier)) problems.push(`${label(section.name, section.sample)}: ${DUPLICATE}`);
      duplicated.add(earlier);
      continue;
    }
    if (section.truncated) problems.push(`${label(section.name, section.sample)}: cut at ${PROBE_SECTION_MAX_BYTES} bytes`);
  }

  /** Read one section into a Reading, noting a problem unless it is fine or normally absent. */
  const read = <T>(
    name: string,
    section: RawSection | undefined,
    parse: (text: string) => ParseResult<T>,
    sample?: number,
  ): Reading<T> => {
    // Already listed as a problem when it was found twice.
    if (section && duplicated.has(section)) return { state: 'invalid', detail: DUPLICATE };
    const reading = toReading(section, parse);
    if (reading.state !== 'ok' && !(reading.state === 'missing' && section && NORMAL_TO_LACK.has(name))) {
      problems.push(`${label(name, sample)}: ${describe(reading)}`);
    }
    return reading;
  };
  const fact = <T>(name: string, parse: (text: string) => ParseResult<T>): T | undefined => {
    const reading = read(name, once.get(name), parse);
    return reading.state === 'ok' ? reading.value : undefined;
  };

  const snapshot: Snapshot = {
    uptime: { state: 'missing' },
    loadavg: read('proc/loadavg', once.get('proc/loadavg'), (t) => parseLoadavg(t)),
    sockstat: { state: 'missing' },
    sockstat6: read('proc/net/sockstat6', once.get('proc/net/sockstat6'), (t) => parseSockstat6(t)),
    netstat: { state: 'missing' },
    snmp: read('proc/net/snmp', once.get('proc/net/snmp'), (t) => parseCounterTable(t, '/proc/net/snmp')),
    meminfo: read('proc/meminfo', once.get('proc/meminfo'), (t) => parseMeminfo(t)),
    // Keyed by the names of the host's `sysctl/...` sections, `sysctl/__proto__` included.
    sysctl: nameTable(),
    kernelLog: read('kernel-log', once.get('kernel-log'), (t) => parseKernelLog(t)),
    samples: [],
  };

  const kernelRelease = fact('uname-r', (t) => parseSingleLine(t, 'uname -r'));
  if (kernelRelease !== undefined) snapshot.kernelRelease = kernelRelease;
  const machine = fact('uname-m', (t) => parseSingleLine(t, 'uname -m'));
  if (machine !== undefined) snapshot.machine = machine;
  const hostname = fact('hostname', (t) => parseSingleLine(t, 'hostname'));
  if (hostname !== undefined) snapshot.hostname = hostname;
  const bootId = fact('boot-id', (t) => parseSingleLine(t, '/proc/sys/kernel/random/boot_id'));
  if (bootId !== undefined) snapshot.bootId = bootId;
  const pageSize = fact('pagesize', (t) => parsePositiveInteger(t, 'getconf PAGESIZE'));
  if (pageSize !== undefined) snapshot.pageSize = pageSize;
  const cpus = fact('ncpu', (t) => parsePositiveInteger(t, 'ncpu'));
  if (cpus !== undefined) snapshot.cpus = cpus;
  // Every sysctl the probe names, and any other `sysctl/...` section a newer probe adds.
  const sysctlNames = new Set<string>(SYSCTLS);
  for (const name of once.keys()) if (name.startsWith('sysctl/')) sysctlNames.add(name.slice(7));
  for (const name of sysctlNames) {
    const key = `sysctl/${name}`;
    snapshot.sysctl[name] = read(key, once.get(key), (t) => parseSysctl(t, sysctlPath(name)));
  }
  snapshot.sysctl = settled(snapshot.sysctl);

  const netns = fact('netns', (t) => parseNetns(t));
  const initNetns = decideInitNetns(snapshot, once, netns?.initNetns);
  if (initNetns !== undefined) snapshot.initNetns = initNetns;

  // Older probes and recordings lack the count; a probe that could see no link says status 2.
  const netnsCountSection = once.get('netns-count');
  if (netnsCountSection) {
    const counted = read('netns-count', netnsCountSection, (t) => parsePositiveInteger(t, 'netns-count'));
    if (counted.state === 'ok') snapshot.netnsCount = counted.value;
  }

  // Not a problem of the host's audit when unreadable: the report says "holders unavailable: why".
  const holdersSection = once.get('holders');
  if (holdersSection && !duplicated.has(holdersSection)) {
    const reading = toReading(holdersSection, (t) => parseHolders(t));
    if (reading.state !== 'ok') snapshot.holders = reading;
    else if (reading.value.state === 'skipped') snapshot.holdersSkipped = reading.value.reason;
    else snapshot.holders = { state: 'ok', value: reading.value.holders };
  }

  let count = 1;
  for (const list of sampled.values()) count = Math.max(count, list.length);
  for (let k = 0; k < count; k++) {
    const at = (name: string) => sampled.get(name)?.[k];
    const uptime = read('proc/uptime', at('proc/uptime'), (t) => parseUptime(t), k);
    const sample: Sample = {
      sockstat: read('proc/net/sockstat', at('proc/net/sockstat'), (t) => parseSockstat(t), k),
      netstat: read('proc/net/netstat', at('proc/net/netstat'), (t) => parseCounterTable(t), k),
    };
    if (uptime.state === 'ok') sample.uptimeSeconds = uptime.value.uptimeSeconds;
    snapshot.samples.push(sample);
    if (k === 0) {
      snapshot.uptime = uptime;
      snapshot.sockstat = sample.sockstat;
      snapshot.netstat = sample.netstat;
    }
  }
  return { snapshot, problems };
}

/**
 * Whether the probe ran in the host's initial network namespace, by what the sysctls show and the
 * kernel release (research/kernel-eras.md section 1(f)); a child namespace sees, by era:
 * - up to 3.2: tcp_mem and tcp_max_orphans, the global values;
 * - 3.3 - 3.4: tcp_mem as its own copy, which the kernel does not enforce, and tcp_max_orphans;
 * - 3.5 - 3.12 (RHEL/CentOS 7's 3.10): that tcp_mem copy, and no tcp_max_orphans (registered for
 *   init_net only from 3.5);
 * - 3.13 and later: neither.
 * So tcp_mem present with tcp_max_orphans absent marks a child namespace, and tcp_mem present proves
 * the initial one only from 3.13. Where the sysctls cannot tell (up to 3.4, or an unknown release),
 * comparing /proc/self/ns/net with /proc/1/ns/net decides; in a container with its own PID namespace
 * PID 1 is the container's init and the two links agree, so that fallback can say "initial" wrongly.
 */
function decideInitNetns(snapshot: Snapshot, once: Map<string, RawSection>, links: boolean | undefined): boolean | undefined {
  const lacks = (name: string): boolean => snapshot.sysctl[name]?.state === 'missing' && once.has(`sysctl/${name}`);
  const tcpMem = snapshot.sysctl['net.ipv4.tcp_mem'];
  if (tcpMem?.state === 'ok') {
    if (lacks('net.ipv4.tcp_max_orphans')) return false;
    const m = /^\s*(\d+)\.(\d+)/.exec(snapshot.kernelRelease ?? '');
    const atLeast = (minor: number): boolean => m !== null && (Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= minor));
    // From 3.13 tcp_mem alone proves it; from 3.5 tcp_max_orphans beside it does.
    if (atLeast(13) || (atLeast(5) && snapshot.sysctl['net.ipv4.tcp_max_orphans']?.state === 'ok')) return true;
    // Up to 3.4 a child namespace shows both; with the release unknown, assume the usual case.
    return links ?? (m === null ? true : undefined);
  }
  if (tcpMem?.state === 'missing' && once.has('sysctl/net.ipv4.tcp_mem')) return false;
  return links;
}

function toReading<T>(section: RawSection | undefined, parse: (text: string) => ParseResult<T>): Reading<T> {
  if (!section) return { state: 'missing', detail: 'not in the probe output' };
  if (section.status === STATUS_MISSING) return { state: 'missing' };
  if (section.status !== STATUS_OK) {
    const said = hostText(section.content, DETAIL_MAX);
    return { state: 'unreadable', detail: said === '' ? `exit status ${section.status}` : said };
  }
  const result = parse(section.content);
  return result.ok ? { state: 'ok', value: result.value } : { state: 'invalid', detail: hostText(result.error, DETAIL_MAX) };
}

function label(name: string, sample: number | undefined): string {
  return sample === undefined ? name : `${name} (sample ${sample})`;
}

function describe(reading: Exclude<Reading<unknown>, { state: 'ok' }>): string {
  return reading.detail === undefined ? reading.state : `${reading.state} (${reading.detail})`;
}
