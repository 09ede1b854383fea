// Saved runs for the what-if and compare tests, built the way the audit builds them: raw probe
// sections per host, assembled by the real parsers, evaluated by the real evaluator. These are
// inputs, not expected outputs.
import type { HostOutcome } from '../../src/collect/types.js';
import { assembleHostResults } from '../../src/run/assemble.js';
import { defaultConfig } from '../../src/evaluate/index.js';
import type { ProbeRecord, RawSection } from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { AuditRun } from '../../src/run/types.js';

export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const GiB = 1024 ** 3;

export interface HostSpec {
  name: string;
  groups?: string[];
  ramGiB?: number;
  orphans?: number;
  kernel?: string;
  /** Audited inside a container: its own netns, no global sysctls. */
  container?: boolean;
  sysctl?: Record<string, string>;
  /** Not audited: the failure message. */
  failed?: string;
}

const SYSCTL: Record<string, string> = {
  'net.ipv4.tcp_mem': '185565 247423 371130',
  'net.ipv4.tcp_max_orphans': '65536',
  'net.ipv4.tcp_max_tw_buckets': '65536',
  'net.ipv4.tcp_orphan_retries': '0',
  'net.ipv4.tcp_fin_timeout': '60',
  'net.ipv4.udp_mem': '371130 494843 742260',
  'net.core.somaxconn': '4096',
  'fs.file-nr': '1536\t0\t9223372036854775807',
  'fs.file-max': '9223372036854775807',
  'kernel.dmesg_restrict': '0',
};
const GLOBAL = ['net.ipv4.tcp_mem', 'net.ipv4.tcp_max_orphans', 'net.ipv4.udp_mem'];

export function recordOf(spec: HostSpec, index: number): ProbeRecord {
  const s = (name: string, content: string, sample?: number): RawSection => ({ name, status: 0, content, ...(sample === undefined ? {} : { sample }) });
  const kB = Math.round(((spec.ramGiB ?? 16) * GiB) / 1024);
  const sections: RawSection[] = [
    s('uname-r', spec.kernel ?? '6.1.0-18-amd64'),
    s('uname-m', 'x86_64'),
    s('hostname', spec.name),
    s('pagesize', '4096'),
    s('ncpu', '4'),
    // Differs on every host, as boot ids do: compare must not call it drift.
    s('boot-id', `0000000${index}-0000-4000-8000-00000000000${index}`),
    s('netns', spec.container === true ? 'self net:[4026532000]\ninit net:[4026531840]' : 'self net:[4026531840]\ninit net:[4026531840]'),
    s('proc/meminfo', `MemTotal:       ${kB} kB\nMemFree:        ${Math.round(kB / 4)} kB\nMemAvailable:   ${Math.round(kB / 2)} kB`),
    s('proc/uptime', `${86400 + index}.00 1000.00`, 0),
    s('proc/net/sockstat', `sockets: used 400\nTCP: inuse 200 orphan ${spec.orphans ?? 10} tw 50 alloc 210 mem 120\nUDP: inuse 2 mem 4`, 0),
    s(
      'proc/net/netstat',
      'TcpExt: TCPAbortOnMemory TCPMemoryPressures TCPMemoryPressuresChrono TCPTimeWaitOverflow ListenOverflows ListenDrops\nTcpExt: 0 0 0 0 0 0',
      0,
    ),
  ];
  const sysctl = { ...SYSCTL, ...spec.sysctl };
  for (const [name, value] of Object.entries(sysctl)) {
    if (spec.container === true && GLOBAL.includes(name)) sections.push({ name: `sysctl/${name}`, status: 2, content: '' });
    else sections.push(s(`sysctl/${name}`, value));
  }
  return { probeVersion: 1, sections };
}

export function savedRun(specs: HostSpec[]): AuditRun {
  const outcomes: HostOutcome[] = specs.map((spec, i) => {
    const target = { name: spec.name, address: `127.0.0.${i + 2}`, port: 22, groups: spec.groups ?? [] };
    const startedAt = '2025-01-01T00:00:00.000Z';
    if (spec.failed !== undefined) return { status: 'failed', target, stage: 'connect', message: spec.failed, startedAt, durationMs: 5 };
    const record = recordOf(spec, i);
    const { snapshot, problems } = assembleSnapshot(record);
    return { status: problems.length > 0 ? 'partial' : 'ok', target, record, snapshot, problems, startedAt, durationMs: 10 };
  });
  return {
    tool: { name: 'sockaudit', version: '0.0.0-test' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:05.000Z',
    failOn: 'critical',
    hostKeyPolicy: 'strict',
    samples: 1,
    intervalSeconds: 0,
    warnings: [],
    hosts: assembleHostResults(outcomes, defaultConfig),
  };
}
