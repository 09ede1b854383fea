import { describe, expect, it } from 'vitest';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import type { ProbeRecord, RawSection } from '../../src/procfs/sections.js';

const s = (name: string, content: string, status = 0, sample?: number): RawSection => ({ name, status, content, ...(sample === undefined ? {} : { sample }) });

function record(sections: RawSection[], probeVersion = 1): ProbeRecord {
  return { probeVersion, sections };
}

describe('assembleSnapshot', () => {
  it('maps statuses to states: 0 parsed, 2 missing, others unreadable with the error text, bad text invalid', () => {
    const { snapshot, problems } = assembleSnapshot(
      record([
        s('proc/meminfo', 'MemTotal: 2048 kB\n'),
        s('proc/loadavg', 'garbage\n'),
        s('sysctl/net.ipv4.tcp_mem', '', 2),
        s('kernel-log', 'dmesg: read kernel buffer failed: Operation not permitted\n', 1),
        s('proc/net/snmp', '', 13),
      ]),
    );
    expect(snapshot.meminfo).toEqual({ state: 'ok', value: { memTotalBytes: 2048 * 1024, raw: { MemTotal: 2048 } } });
    expect(snapshot.loadavg).toEqual({ state: 'invalid', detail: '/proc/loadavg line 1: expected three load averages, found 1' });
    expect(snapshot.sysctl['net.ipv4.tcp_mem']).toEqual({ state: 'missing' });
    expect(snapshot.kernelLog).toEqual({ state: 'unreadable', detail: 'dmesg: read kernel buffer failed: Operation not permitted' });
    expect(snapshot.snmp).toEqual({ state: 'unreadable', detail: 'exit status 13' });
    expect(problems).toContain('proc/loadavg: invalid (/proc/loadavg line 1: expected three load averages, found 1)');
    expect(problems).toContain('sysctl/net.ipv4.tcp_mem: missing');
    expect(problems).toContain('kernel-log: unreadable (dmesg: read kernel buffer failed: Operation not permitted)');
  });

  it('bounds and cleans an error text from the host', () => {
    const { snapshot } = assembleSnapshot(record([s('proc/meminfo', `\u001b[2J${'x'.repeat(500)}`, 1)]));
    const detail = snapshot.meminfo.state === 'unreadable' ? snapshot.meminfo.detail : '';
    expect(detail.startsWith('\uFFFD[2J')).toBe(true);
    expect(detail).toHaveLength(201);
  });

  it('does not list sections that are normal to lack, but does list a refused one', () => {
    const { problems } = assembleSnapshot(
      record([
        s('proc/net/sockstat6', '', 2),
        s('sysctl/net.netfilter.nf_conntrack_count', '', 2),
        s('sysctl/net.netfilter.nf_conntrack_max', '', 2),
        s('sysctl/net.ipv4.tcp_ehash_entries', '', 2),
        s('sysctl/kernel.dmesg_restrict', 'cat: Permission denied\n', 1),
      ]),
    );
    expect(problems.filter((p) => /sockstat6|nf_conntrack|tcp_ehash_entries/.test(p))).toEqual([]);
    expect(problems).toContain('sysctl/kernel.dmesg_restrict: unreadable (cat: Permission denied)');
    // Sections the probe never printed are reported as absent.
    expect(problems).toContain('proc/meminfo: missing (not in the probe output)');
  });

  it('fills samples in order; the first is the top-level reading', () => {
    const sockstat = (orphan: number) => `sockets: used 1\nTCP: inuse 1 orphan ${orphan} tw 0 alloc 1 mem 1\n`;
    const netstat = (abort: number) => `TcpExt: TCPAbortOnMemory\nTcpExt: ${abort}\n`;
    const { snapshot, problems } = assembleSnapshot(
      record([2, 0, 1].flatMap((k) => [s('proc/uptime', `${100 + 5 * k}.00 1.00\n`, 0, k), s('proc/net/sockstat', sockstat(10 + k), 0, k), s('proc/net/netstat', netstat(k * 7), 0, k)])),
    );
    expect(snapshot.samples.map((x) => x.uptimeSeconds)).toEqual([100, 105, 110]);
    expect(snapshot.samples.map((x) => (x.netstat.state === 'ok' ? x.netstat.value.groups.TcpExt?.TCPAbortOnMemory : undefined))).toEqual([0, 7, 14]);
    expect(snapshot.sockstat).toBe(snapshot.samples[0]?.sockstat);
    expect(snapshot.uptime).toEqual({ state: 'ok', value: { uptimeSeconds: 100, idleSeconds: 1 } });
    expect(problems.some((p) => p.startsWith('proc/uptime') || p.startsWith('proc/net/sockstat ') || p.startsWith('proc/net/netstat'))).toBe(false);
  });

  it('names a sample that is absent', () => {
    const { snapshot, problems } = assembleSnapshot(record([s('proc/uptime', '1.00\n', 0, 0), s('proc/uptime', '6.00\n', 0, 2)]));
    expect(snapshot.samples).toHaveLength(3);
    expect(snapshot.samples[1]?.sockstat).toEqual({ state: 'missing', detail: 'not in the probe output' });
    expect(problems).toContain('proc/uptime (sample 1): missing (not in the probe output)');
  });

  it('ignores a sample index no probe would print, rather than allocating for it', () => {
    const { snapshot, problems } = assembleSnapshot(record([s('proc/uptime', '1.00\n', 0, 0), s('proc/uptime', '2.00\n', 0, 4_000_000_000)]));
    expect(snapshot.samples).toHaveLength(1);
    expect(problems).toContain('proc/uptime (sample 4000000000): sample index out of range, ignored');
  });

  it('reads the command facts, and leaves initNetns absent when the init link is unreadable', () => {
    const { snapshot } = assembleSnapshot(
      record([s('uname-r', '5.15.0-91-generic-64k\n'), s('uname-m', 'aarch64\n'), s('pagesize', '65536\n'), s('ncpu', '64\n'), s('netns', 'self net:[4026531840]\n')]),
    );
    expect(snapshot).toMatchObject({ kernelRelease: '5.15.0-91-generic-64k', machine: 'aarch64', pageSize: 65536, cpus: 64 });
    expect(snapshot).not.toHaveProperty('initNetns');
    const child = assembleSnapshot(record([s('netns', 'self net:[4026532681]\ninit net:[4026531840]\n')])).snapshot;
    expect(child.initNetns).toBe(false);
  });

  it('says when a section was cut and when the probe version is unknown', () => {
    const { problems } = assembleSnapshot({ probeVersion: 7, sections: [{ name: 'kernel-log', status: 0, content: 'source dmesg\n', truncated: true }] });
    expect(problems).toContain('probe version 7 is not known (this sockaudit reads version 1)');
    expect(problems).toContain('kernel-log: cut at 262144 bytes');
  });

  it('keeps a sysctl section a newer probe adds', () => {
    const { snapshot } = assembleSnapshot(record([s('sysctl/net.core.mem_pcpu_rsv', '256\n')]));
    expect(snapshot.sysctl['net.core.mem_pcpu_rsv']).toEqual({ state: 'ok', value: [256] });
  });
});

describe('network namespace', () => {
  const frame = (tcpMemStatus: number, netns: string) =>
    parseProbeFrame(
      [
        'B sockaudit-probe 1',
        'B begin sysctl/net.ipv4.tcp_mem',
        tcpMemStatus === 0 ? '4096\t8192\t12288' : '',
        `B end sysctl/net.ipv4.tcp_mem status=${tcpMemStatus}`,
        'B begin netns',
        netns,
        'B end netns status=0',
        'B done',
        '',
      ].join('\n'),
      'B',
    );

  it('a missing tcp_mem means a child namespace even when PID 1 shares the links (own PID namespace)', () => {
    const f = frame(2, 'self net:[4026532200]\ninit net:[4026532200]');
    if (!f.ok) throw new Error(f.error);
    expect(assembleSnapshot(f.record).snapshot.initNetns).toBe(false);
  });

  it('a readable tcp_mem means the initial namespace', () => {
    const f = frame(0, 'self net:[4026531840]');
    if (!f.ok) throw new Error(f.error);
    expect(assembleSnapshot(f.record).snapshot.initNetns).toBe(true);
  });
});
