// An in-memory fleet for the report tests: a run as the CLI would hand it to the renderers,
// with one host of each kind the report must show. These are inputs, not expected outputs.
import type { HostOutcome, TargetRef } from '../../src/collect/types.js';
import type { Finding, HostVerdict, Verdict } from '../../src/evaluate/types.js';
import type { ProbeRecord } from '../../src/procfs/sections.js';
import type { Snapshot } from '../../src/procfs/types.js';
import type { AuditRun, HostResult } from '../../src/run/types.js';

export const HOSTILE_HTML_NAME = '<img src=x onerror=alert(1)>';
export const PIPE_NAME = 'a|b';
export const MARKDOWN_NAME = '*bold* _em_ [link](http://example.invalid) `code` ~x~ #1\nsecond line';
export const TERMINAL_NAME = 'evil\u001b[31mred\u001b[0m\u001b]0;pwned\u0007\u009b2Jend\r\n';

const START = '2025-01-01T00:00:00.000Z';

export interface RunOptions {
  startedAt?: string;
  finishedAt?: string;
  version?: string;
  hostKeyPolicy?: AuditRun['hostKeyPolicy'];
  warnings?: string[];
  hosts?: HostResult[];
}

export function auditRun(opts: RunOptions = {}): AuditRun {
  return {
    tool: { name: 'sockaudit', version: opts.version ?? '0.0.0-test' },
    startedAt: opts.startedAt ?? START,
    finishedAt: opts.finishedAt ?? '2025-01-01T00:00:12.500Z',
    failOn: 'warning',
    hostKeyPolicy: opts.hostKeyPolicy ?? 'strict',
    samples: 3,
    intervalSeconds: 5,
    warnings: opts.warnings ?? [],
    hosts: opts.hosts ?? fleet(),
  };
}

/** The fixed multi-host fleet, in inventory order (deliberately not ranked). */
export function fleet(): HostResult[] {
  return [
    audited('app-ok', 'ok', 5, [orphans('ok', 120, 65536), tcpMemory('ok', 1894)], {
      notes: ['net.netfilter.nf_conntrack_max does not exist on this host (no conntrack module)'],
    }),
    failed('gw-timeout', 'timeout', 'no answer within 30 s'),
    audited('db-1', 'warning', 70, [tcpMemory('warning', 4_200_000), orphans('ok', 300, 65536)], { groups: ['db', 'prod'] }),
    audited(HOSTILE_HTML_NAME, 'warning', 60, [orphans('warning', 14_000, 65536), tcpMemory('ok', 5000)]),
    failed('gw-connect', 'connect', 'connect ECONNREFUSED 127.0.0.9:22'),
    audited('web-1', 'critical', 92, [orphans('critical', 21_564, 65536), tcpMemory('ok', 1894)], { groups: ['web', 'prod'], via: ['ops@bastion:22'] }),
    audited('cache-1', 'unknown', 52, [unknownSockstat('orphans'), unknownSockstat('tcp-memory')]),
    failed('gw-hostkey', 'host-key', 'host key mismatch for 127.0.0.10', {
      expected: 'SHA256:AAAAexpectedexpectedexpectedexpectedexpect',
      seen: 'SHA256:BBBBseenseenseenseenseenseenseenseenseense',
    }),
    audited('app-partial', 'notice', 35, [incidentsUnreadable(), orphans('ok', 10, 65536)], {
      status: 'partial',
      problems: ['proc/net/snmp: unreadable: Permission denied'],
    }),
    audited(PIPE_NAME, 'notice', 30, [orphans('notice', 9000, 65536), tcpMemory('ok', 100)]),
    failed('gw-auth', 'auth', 'all configured authentication methods failed'),
    audited(MARKDOWN_NAME, 'notice', 28, [{ ...tcpMemory('notice', 3_200_000), uncertain: true }]),
    failed(TERMINAL_NAME, 'command', 'probe exited with status 127: sh: 1: \u001b[2Jcat: not found'),
  ];
}

/** `n` audited hosts with varied verdicts and long names, for size bounds. */
export function manyHosts(n: number): HostResult[] {
  const levels: Verdict[] = ['ok', 'notice', 'warning', 'ok', 'critical', 'unknown', 'ok'];
  return Array.from({ length: n }, (_, i) => {
    const level = levels[i % levels.length] ?? 'ok';
    const name = `host-${String(i).padStart(5, '0')}-${'x'.repeat(40)}.example.invalid`;
    if (i % 50 === 7) return failed(name, 'connect', `connect ECONNREFUSED ${'y'.repeat(300)}`);
    return audited(name, level, scoreFor(level, i), [orphans(level === 'unknown' ? 'ok' : level, 100 + i, 65536), tcpMemory('ok', 1000 + i)]);
  });
}

function scoreFor(level: Verdict, i: number): number {
  const band: Record<Verdict, number> = { ok: 0, notice: 25, unknown: 50, warning: 55, critical: 80 };
  return band[level] + (i % 20);
}

interface HostExtras {
  status?: 'ok' | 'partial';
  problems?: string[];
  groups?: string[];
  via?: string[];
  notes?: string[];
}

function target(name: string, extras: HostExtras = {}): TargetRef {
  return {
    name,
    address: '127.0.0.1',
    port: 2222,
    user: 'audit',
    groups: extras.groups ?? [],
    ...(extras.via ? { via: extras.via } : {}),
  };
}

function audited(name: string, verdict: Verdict, score: number, findings: Finding[], extras: HostExtras = {}): HostResult {
  const outcome: HostOutcome = {
    status: extras.status ?? 'ok',
    target: target(name, extras),
    record: record(),
    snapshot: snapshot(),
    problems: extras.problems ?? [],
    startedAt: START,
    durationMs: 840,
  };
  const worst = findings.find((f) => f.level === verdict) ?? findings[0];
  const hostVerdict: HostVerdict = { verdict, score, findings, ...(worst ? { decidedBy: worst.id } : {}), notes: extras.notes ?? [] };
  return { outcome, verdict: hostVerdict };
}

function failed(name: string, stage: 'connect' | 'host-key' | 'auth' | 'timeout' | 'command', message: string, detail?: Record<string, string>): HostResult {
  return {
    outcome: { status: 'failed', target: target(name), stage, message, ...(detail ? { detail } : {}), startedAt: START, durationMs: 30_000 },
  };
}

function orphans(level: Verdict, orphan: number, max: number): Finding {
  const ratio = orphan / max;
  return {
    id: 'orphans',
    level,
    summary: `orphans at ${(ratio * 100).toFixed(1)} % of tcp_max_orphans (${orphan} of ${max})`,
    figures: { orphan, tcpMaxOrphans: max, ratio: Math.round(ratio * 10000) / 10000 },
    thresholds: { notice: 0.125, warning: 0.2, critical: 0.25 },
    rationale: 'Orphans beyond a quarter of tcp_max_orphans are killed when penalised.',
    remediation: 'Set net.ipv4.tcp_max_orphans to four times the peak orphans observed.',
    assumptions: [],
    closeness: Math.min(1, ratio / 0.25),
  };
}

function tcpMemory(level: Verdict, mem: number): Finding {
  const [low, pressure, high] = [3_093_984, 4_125_312, 6_187_968];
  return {
    id: 'tcp-memory',
    level,
    summary: `TCP memory at ${((mem / high) * 100).toFixed(1)} % of tcp_mem high (${mem} of ${high} pages)`,
    figures: { mem, tcpMemLow: low, tcpMemPressure: pressure, tcpMemHigh: high, unit: 'pages' },
    thresholds: { notice: 0.75 * pressure, warning: pressure, critical: 0.9 * high },
    rationale: 'Above tcp_mem high, allocations fail and orphans with queued data are killed.',
    remediation: 'Find the sockets holding memory (ss -tm); raise tcp_mem only within RAM.',
    assumptions: ['sockstat mem read as pages (kernel 6.1.0, 4096-byte pages)'],
    closeness: Math.min(1, mem / (0.9 * high)),
  };
}

function unknownSockstat(id: string): Finding {
  return {
    id,
    level: 'unknown',
    summary: '/proc/net/sockstat missing: cannot judge',
    figures: { orphan: null, tcpMaxOrphans: 65536 },
    thresholds: {},
    rationale: 'Without sockstat neither orphans nor TCP memory can be read.',
    remediation: 'Check that /proc/net/sockstat is readable by the audit user.',
    assumptions: [],
    closeness: 0,
  };
}

function incidentsUnreadable(): Finding {
  return {
    id: 'incidents',
    level: 'notice',
    summary: 'kernel log not readable (dmesg_restrict=1); TCPAbortOnMemory 3 since boot',
    figures: { tcpAbortOnMemory: 3, kernelLog: 'unreadable' },
    thresholds: {},
    rationale: 'TCPAbortOnMemory counts sockets the kernel killed for lack of memory.',
    remediation: 'Allow the audit user to read the kernel log, or run with CAP_SYSLOG.',
    assumptions: [],
    closeness: 0.2,
  };
}

function snapshot(): Snapshot {
  const sockstat = {
    state: 'ok' as const,
    value: { socketsUsed: 120, tcp: { inuse: 40, orphan: 2, tw: 10, alloc: 50, mem: 12 }, protocols: { TCP: { inuse: 40, orphan: 2, tw: 10, alloc: 50, mem: 12 } } },
  };
  const netstat = { state: 'ok' as const, value: { groups: { TcpExt: { TCPAbortOnMemory: 0, Huge: 18446744073709551615n } } } };
  return {
    kernelRelease: '6.1.0-18-amd64',
    machine: 'x86_64',
    pageSize: 4096,
    cpus: 4,
    hostname: 'h',
    initNetns: true,
    uptime: { state: 'ok', value: { uptimeSeconds: 86400 } },
    loadavg: { state: 'ok', value: { one: 0.1, five: 0.2, fifteen: 0.3 } },
    sockstat,
    sockstat6: { state: 'missing' },
    netstat,
    snmp: { state: 'unreadable', detail: 'Permission denied' },
    meminfo: { state: 'ok', value: { memTotalBytes: 8_000_000_000, raw: { MemTotal: 7_812_500 } } },
    sysctl: { 'net.ipv4.tcp_mem': { state: 'ok', value: [3_093_984, 4_125_312, 6_187_968] } },
    kernelLog: { state: 'unreadable', detail: 'dmesg: read kernel buffer failed: Operation not permitted' },
    samples: [{ uptimeSeconds: 86400, sockstat, netstat }],
  };
}

function record(): ProbeRecord {
  return {
    probeVersion: 1,
    sections: [
      { name: 'uname-r', status: 0, content: '6.1.0-18-amd64' },
      { name: 'proc/net/sockstat', sample: 0, status: 0, content: 'TCP: inuse 40 orphan 2 tw 10 alloc 50 mem 12' },
    ],
  };
}
