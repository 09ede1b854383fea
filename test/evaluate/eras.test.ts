// Verdicts that depend on the kernel era, one test per fact. Each names the kernel fact and where it
// was read (research/kernel-eras.md, RISK-MODEL.md); every host below is synthetic.
import { describe, expect, it } from 'vitest';
import { defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import { assembleWhatIf, parseSetItems } from '../../src/evaluate/whatif.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { RawSection } from '../../src/procfs/sections.js';
import { logLine, unreadable } from '../support/snapshot.js';
import { findingOf, judge } from '../support/evaluate.js';
import { sockstatFrom, syntheticHost, withUdp } from '../support/synthetic.js';

const DAY = 86400;
const UPTIME = 20 * DAY;

describe('1. sockstat mem counts 4096-byte quanta from 4.10.0 to 5.19.x', () => {
  it('a 4.14 host on 64 KiB pages at 5.7 % of tcp_mem high is ok, not critical at 91.6 %', () => {
    // bd68a2a854ad ("net: set SK_MEM_QUANTUM to 4096") first shipped in 4.10 (absent in 4.9.337,
    // present in 4.10.17); sk_prot_mem_limits() shifts tcp_mem by PAGE_SHIFT - 12 (kernel-eras.md 1(a)).
    // 27480 quanta x 4096 / 65536 = 1717.5 pages of 30000: 5.725 %; the naive ratio is 91.6 %.
    const f = judge(
      syntheticHost({ kernel: '4.14.0-115.el7a.aarch64', pageSize: 65536, sockstat: { mem: 27480 }, sysctl: { 'net.ipv4.tcp_mem': [10000, 20000, 30000] } }),
      'tcp-memory',
    );
    expect(f.level).toBe('ok');
    expect(f.figures.percentOfHigh).toBe(5.73);
    expect(f.figures.memUnit).toBe('4096-byte quanta');
    expect(f.uncertain).toBeUndefined();
  });

  it('on 16 KiB pages a 4.19 host is read 4 times lower than the naive ratio', () => {
    // Same commit: 16 KiB pages make 4 quanta per page (kernel-eras.md 1(a)).
    const f = judge(
      syntheticHost({ kernel: '4.19.0-20-arm64', pageSize: 16384, sockstat: { mem: 100000 }, sysctl: { 'net.ipv4.tcp_mem': [50000, 80000, 100000] } }),
      'tcp-memory',
    );
    // 100000 quanta = 25000 pages: 25 % of high, not 100 %.
    expect(f.figures.percentOfHigh).toBe(25);
    expect(f.level).toBe('ok');
  });

  it('4.9 on 64 KiB pages is pages, certainly, with no "times too high" caveat', () => {
    // 4.9.0 and 4.9.337 still #define SK_MEM_QUANTUM ((int)PAGE_SIZE) (kernel-eras.md 1(a)).
    const f = judge(
      syntheticHost({ kernel: '4.9.0-19-arm64', pageSize: 65536, sockstat: { mem: 27480 }, sysctl: { 'net.ipv4.tcp_mem': [10000, 20000, 30000] } }),
      'tcp-memory',
    );
    expect(f.figures.memUnit).toBe('pages');
    expect(f.figures.percentOfHigh).toBe(91.6);
    expect(f.level).toBe('critical');
    expect(f.uncertain).toBeUndefined();
    expect(f.assumptions.join(' ')).not.toMatch(/times too high/);
  });

  it('release and data disagreeing (a 5.14 kernel with tcp_wmem[0] at the page size) is uncertain and says so', () => {
    // The boot default of tcp_wmem[0]/tcp_rmem[0] is SK_MEM_QUANTUM: 4096 up to 5.19, PAGE_SIZE from 6.0
    // (tcp_init in 4.0.5/4.2 and 6.0.0, kernel-eras.md 1(a)); a backported revert shows the page size.
    const f = judge(
      syntheticHost({
        kernel: '5.14.0-70.13.1.el9_0.aarch64+64k',
        pageSize: 65536,
        sockstat: { mem: 27480 },
        sysctl: { 'net.ipv4.tcp_mem': [10000, 20000, 30000], 'net.ipv4.tcp_wmem': [65536, 16384, 4194304], 'net.ipv4.tcp_rmem': [65536, 131072, 6291456] },
      }),
      'tcp-memory',
    );
    expect(f.uncertain).toBe(true);
    expect(f.figures.memUnit).toBe('pages');
    expect(f.assumptions[0]).toMatch(/release says 4096-byte quanta but tcp_wmem\[0\] 65536, tcp_rmem\[0\] 65536 says pages-era code/);
    expect(f.assumptions[0]).toMatch(/16 times too high/);
  });

  it('data that agrees with the release keeps it certain, and an unknown release takes the data, uncertain', () => {
    const spec = { pageSize: 65536, sockstat: { mem: 27480 }, sysctl: { 'net.ipv4.tcp_mem': [10000, 20000, 30000], 'net.ipv4.tcp_wmem': [4096, 16384, 4194304] } };
    const agreed = judge(syntheticHost({ ...spec, kernel: '5.15.0-91-generic-64k' }), 'tcp-memory');
    expect(agreed.uncertain).toBeUndefined();
    expect(agreed.assumptions[0]).toMatch(/agrees/);
    const unknown = judge(syntheticHost({ ...spec, kernel: null }), 'tcp-memory');
    expect(unknown.figures.memUnit).toBe('4096-byte quanta');
    expect(unknown.uncertain).toBe(true);
  });
});

const section = (name: string, content: string, status = 0): RawSection => ({ name, status, content });

/** A 3.x container's probe output: a tcp_mem copy far below the host's, and no sockstat pressure. */
function probeOfContainer(release: string, sections: RawSection[]): RawSection[] {
  return [
    section('uname-r', `${release}\n`),
    section('pagesize', '4096\n'),
    section('proc/net/sockstat', 'sockets: used 90\nTCP: inuse 30 orphan 10 tw 5 alloc 40 mem 9000\nUDP: inuse 2 mem 3\n'),
    section('sysctl/net.ipv4.tcp_mem', '1000\t2000\t3000\n'),
    ...sections,
  ];
}

describe('2. containers on 3.3 - 3.12 see a tcp_mem copy the kernel does not enforce', () => {
  it('3.10 (RHEL 7): tcp_mem present, tcp_max_orphans absent marks a child namespace; that tcp_mem is discarded', () => {
    // tcp_mem sits in ipv4_net_table (a per-netns copy from tcp_init_mem(net)) while the kernel enforces
    // init_net's (af_inet.c inet_init); tcp_max_orphans is registered for init_net only from 3.5
    // (3.5.0, 3.10.99 and 3.10.0-1160.el7 read; kernel-eras.md 1(f)).
    const { snapshot } = assembleSnapshot({
      probeVersion: 1,
      sections: probeOfContainer('3.10.0-1160.el7.x86_64', [section('sysctl/net.ipv4.tcp_max_orphans', '', 2), section('sysctl/net.ipv4.udp_mem', '', 2)]),
    });
    expect(snapshot.initNetns).toBe(false);
    const v = evaluateHost(snapshot, defaultConfig);
    const memory = findingOf(v, 'tcp-memory');
    // 9000 pages against the copy's 3000 would be "critical at 300 %": the copy is not the limit.
    expect(memory.level).toBe('unknown');
    expect(memory.summary).toMatch(/own copy: kernels 3\.3 to 3\.12 give every namespace one and enforce only the initial namespace's/);
    expect(memory.figures.tcpMemHigh).toBeNull();
    const orphans = findingOf(v, 'orphans');
    expect(orphans.summary).toMatch(/not visible in this network namespace \(a container\)/);
    expect(v.notes?.join(' ')).toMatch(/limits-vs-ram: not checked, .*own copy/);
  });

  it('3.10 with tcp_max_orphans beside tcp_mem is the initial namespace, and its tcp_mem is judged', () => {
    const { snapshot } = assembleSnapshot({
      probeVersion: 1,
      sections: probeOfContainer('3.10.0-1160.el7.x86_64', [section('sysctl/net.ipv4.tcp_max_orphans', '4096\n')]),
    });
    expect(snapshot.initNetns).toBe(true);
    expect(findingOf(evaluateHost(snapshot, defaultConfig), 'tcp-memory').level).toBe('critical');
  });

  it('3.4: both sysctls exist in a child namespace, so only the namespace links can tell', () => {
    // Up to 3.4 ipv4_table went through register_sysctl_paths() and was visible in every namespace
    // (3.4.113 read; kernel-eras.md 1(b), 1(f)).
    const unknownLinks = assembleSnapshot({
      probeVersion: 1,
      sections: probeOfContainer('3.4.113', [section('sysctl/net.ipv4.tcp_max_orphans', '4096\n')]),
    }).snapshot;
    expect(unknownLinks.initNetns).toBeUndefined();
    const unsure = findingOf(evaluateHost(unknownLinks, defaultConfig), 'tcp-memory');
    expect(unsure.uncertain).toBe(true);
    expect(unsure.assumptions.join(' ')).toMatch(/on 3\.3 and 3\.4 a container sees its own tcp_mem copy/);

    const child = assembleSnapshot({
      probeVersion: 1,
      sections: probeOfContainer('3.4.113', [section('sysctl/net.ipv4.tcp_max_orphans', '4096\n'), section('netns', 'self net:[4026532210]\ninit net:[4026531956]\n')]),
    }).snapshot;
    expect(child.initNetns).toBe(false);
    expect(findingOf(evaluateHost(child, defaultConfig), 'tcp-memory').level).toBe('unknown');
  });

  it('what-if flags a tcp_mem change in a 3.10 container instead of calling it an improvement', () => {
    // A write in a child netns changes only that copy (kernel-eras.md 1(f); RISK-MODEL.md section 6).
    const { snapshot } = assembleSnapshot({
      probeVersion: 1,
      sections: probeOfContainer('3.10.0-1160.el7.x86_64', [section('sysctl/net.ipv4.tcp_max_orphans', '', 2)]),
    });
    const proposal = parseSetItems(['net.ipv4.tcp_mem=100000 200000 300000'], '--set');
    const out = assembleWhatIf([{ name: 'pod', groups: [], snapshot }], { settings: proposal.value, groups: [], flags: [] }, defaultConfig);
    const host = out.hosts[0]!;
    expect(host.settings[0]?.applied).toBe(false);
    expect(host.flags.map((f) => f.id)).toContain('global-in-netns');
    expect(host.flags.find((f) => f.id === 'global-in-netns')?.message).toMatch(/own copy, which the kernel does not enforce/);
    expect(host.change).toBe('same');
  });
});

describe('3. counters are per network namespace', () => {
  it('TCPAbortOnMemory 0 with other namespaces and the kernel log unreadable is no evidence: unknown', () => {
    // tcp_check_oom's callers do __NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTONMEMORY): the count
    // lands in the killed socket's namespace (6.13.7 read; kernel-eras.md 1(d)).
    const blind = judge(syntheticHost({ netnsCount: 14, kernelLog: unreadable('dmesg: read kernel buffer failed: Operation not permitted') }), 'incidents');
    expect(blind.level).toBe('unknown');
    expect(blind.summary).toMatch(/^no socket killed for lack of memory since boot in this network namespace \(TCPAbortOnMemory 0\)/);
    expect(blind.summary).toMatch(/13 other network namespaces exist.*no host-wide witness/);
    expect(blind.figures.otherNetworkNamespaces).toBe(13);
  });

  it('with the kernel log readable, or no other namespace, the zero stands', () => {
    expect(judge(syntheticHost({ netnsCount: 14 }), 'incidents').level).toBe('ok');
    expect(judge(syntheticHost({ netnsCount: 1, kernelLog: unreadable() }), 'incidents').level).toBe('ok');
  });

  it('pressure episodes are quoted "in this network namespace", and a zero among other namespaces is uncertain', () => {
    // tcp_enter_memory_pressure() counts in sock_net(sk) while the pressure state is global (6.13.7).
    const f = judge(syntheticHost({ netnsCount: 5 }), 'pressure-history');
    expect(f.level).toBe('ok');
    expect(f.uncertain).toBe(true);
    expect(f.summary).toMatch(/in this network namespace; 4 other network namespaces count their own sockets' episodes/);
  });
});

describe('4. TIME_WAIT overflow on 2.6.32 - 2.6.36 exists only as a log line', () => {
  const oldHost = (lineAge: number | undefined) =>
    syntheticHost({
      kernel: '2.6.32-754.35.1.el6.x86_64',
      uptime: UPTIME,
      // No TCPTimeWaitOverflow before 2.6.37: the counter replaced the line (2.6.32.9 vs 2.6.37 read).
      netstat: { TcpExt: { TCPTimeWaitOverflow: undefined, TCPMemoryPressuresChrono: undefined } },
      kernelLog: [logLine('tw-overflow', lineAge === undefined ? undefined : UPTIME - lineAge)],
    });

  it('a line in the last hour makes time-wait critical', () => {
    const f = judge(oldHost(10 * 60), 'time-wait');
    expect(f.level).toBe('critical');
    expect(f.figures.overflowLogLines).toBe(1);
    expect(f.summary).toMatch(/time wait bucket table overflow" \(newest 10 min old\): TIME_WAIT is being skipped now/);
  });

  it('says tw and its limit are host-wide before 4.11, per namespace after', () => {
    // Namespaced by "Namespaceify tcp_tw_recycle and tcp_max_tw_buckets knob" (4.10.17 vs 4.11.0 read).
    expect(judge(oldHost(2 * DAY), 'time-wait').assumptions[0]).toMatch(/host-wide on this kernel/);
    expect(judge(syntheticHost({ kernel: '4.11.0' }), 'time-wait').assumptions[0]).toMatch(/network namespace that was read/);
  });

  it('an older or undated line is a warning, as an overflow counter above 0 is', () => {
    expect(judge(oldHost(2 * DAY), 'time-wait').level).toBe('warning');
    expect(judge(oldHost(undefined), 'time-wait').level).toBe('warning');
  });
});

describe('5. before 3.3 both old log strings mean either cause', () => {
  it('"too many of orphaned sockets" is not pinned on orphans; the remediation points at both limits', () => {
    // 2.6.32.9 - 3.2.7: tcp_too_many_orphans() returns orphans > max || (queued && memory > tcp_mem[2])
    // and tcp_close prints this string for either (kernel-eras.md 1(c)).
    const f = judge(
      syntheticHost({ kernel: '3.2.0-4-amd64', uptime: UPTIME, kernelLog: [logLine('tcp-orphans', UPTIME - DAY, 'TCP: too many of orphaned sockets')] }),
      'incidents',
    );
    expect(f.figures.orphanLines).toBe(0);
    expect(f.figures.eitherCauseLines).toBe(1);
    expect(f.remediation).toMatch(/^Before 3\.3 these log lines do not say which limit was hit: check both tcp_max_orphans .* and tcp_mem/);
  });

  it('from 3.3 "too many orphaned sockets" is the orphan cause alone', () => {
    const f = judge(syntheticHost({ kernel: '5.15.0', uptime: UPTIME, kernelLog: [logLine('tcp-orphans', UPTIME - DAY)] }), 'incidents');
    expect(f.figures.orphanLines).toBe(1);
    expect(f.figures.eitherCauseLines).toBe(0);
    expect(f.remediation).not.toMatch(/Before 3\.3/);
  });
});

describe('6. UDP memory against udp_mem', () => {
  it('a host dropping 5 M datagrams at udp_mem high is critical', () => {
    // Above udp_mem[2] __sk_mem_raise_allocated fails in __udp_enqueue_schedule_skb, counted in
    // Udp MemErrors (5.15 read) and InErrors; no log line (kernel-eras.md 1(f) item 4).
    const snap = withUdp(syntheticHost({ sysctl: { 'net.ipv4.udp_mem': [100000, 150000, 200000] } }), 200000, {
      MemErrors: 5_000_000,
      InErrors: 5_000_100,
      RcvbufErrors: 0,
    });
    const f = judge(snap, 'udp-memory');
    expect(f.level).toBe('critical');
    expect(f.figures.percentOfHigh).toBe(100);
    expect(f.summary).toMatch(/5000000 datagrams dropped for udp_mem \(MemErrors\)/);
  });

  it('drops alone are a notice; above 90 % of high a warning; below pressure ok', () => {
    const host = (mem: number, errors: number) =>
      judge(withUdp(syntheticHost({ sysctl: { 'net.ipv4.udp_mem': [100000, 150000, 200000] } }), mem, { MemErrors: errors }), 'udp-memory').level;
    expect(host(1000, 7)).toBe('notice');
    expect(host(1000, 0)).toBe('ok');
    expect(host(180001, 0)).toBe('warning');
    expect(host(150001, 0)).toBe('notice');
  });

  it('sockstat UDP mem is in 4096-byte quanta on 4.10 - 5.19, as TCP mem is', () => {
    // The quantum applies to every protocol using __sk_mem_raise_allocated (kernel-eras.md 1(a)).
    const snap = withUdp(syntheticHost({ kernel: '5.15.0-1051-aws', pageSize: 65536, sysctl: { 'net.ipv4.udp_mem': [1000, 1500, 2000] } }), 16000);
    const f = judge(snap, 'udp-memory');
    expect(f.figures.mem).toBe(1000);
    expect(f.level).toBe('ok');
  });

  it('an old kernel without a UDP mem field is a note, not a finding', () => {
    const v = evaluateHost(withUdp(syntheticHost({ kernel: '2.6.32' }), undefined), defaultConfig);
    expect(v.findings.map((f) => f.id)).not.toContain('udp-memory');
    expect(v.notes?.join(' ')).toMatch(/udp-memory: not checked, proc\/net\/sockstat: no UDP mem field/);
  });
});

describe('7. wording and precision', () => {
  it('exactly a quarter of tcp_max_orphans is a warning at "25.0 %"; one more is critical and prints more digits', () => {
    // orphans << shift > tcp_max_orphans is strict in every release from 2.6.32 to 6.13 (kernel-eras.md 1(b)).
    const at = judge(syntheticHost({ sockstat: { orphan: 16384 }, sysctl: { 'net.ipv4.tcp_max_orphans': 65536 } }), 'orphans');
    expect(at.level).toBe('warning');
    expect(at.summary).toMatch(/^orphans at 25\.0 % of tcp_max_orphans/);
    const past = judge(syntheticHost({ sockstat: { orphan: 16385 }, sysctl: { 'net.ipv4.tcp_max_orphans': 65536 } }), 'orphans');
    expect(past.level).toBe('critical');
    expect(past.summary).toMatch(/^orphans at 25\.002 % of tcp_max_orphans/);
    expect(past.figures.percentOfLimit).toBe(25.002);
  });

  it('the critical orphans text says orphans can be killed, and how late the kernel may see the count', () => {
    // 2.6.37 - 5.15.2 read a per-CPU estimate first (lag < ncpu x max(32, 2 x ncpu)); 5.16+ and stable
    // backports of 19757cebf0c5 read a count cached every 100 ms (kernel-eras.md 1(b)).
    const lagging = judge(syntheticHost({ kernel: '5.4.0-150-generic', cpus: 64, sockstat: { orphan: 20000 }, sysctl: { 'net.ipv4.tcp_max_orphans': 65536 } }), 'orphans');
    expect(lagging.summary).toMatch(/can be killed when their timers fire/);
    expect(lagging.summary).not.toMatch(/are being reset/);
    expect(lagging.assumptions.join(' ')).toMatch(/kills can come later than this count shows \(by less than 8192 orphans with 64 CPUs\)/);
    const cached = judge(syntheticHost({ kernel: '6.1.0', sockstat: { orphan: 20000 }, sysctl: { 'net.ipv4.tcp_max_orphans': 65536 } }), 'orphans');
    expect(cached.assumptions.join(' ')).toMatch(/cached every 100 ms/);
  });

  it('a critical incidents finding opens with the evidence, not with "no socket reset"', () => {
    const f = judge(syntheticHost({ uptime: UPTIME, kernelLog: [logLine('tcp-memory', UPTIME - 60)] }), 'incidents');
    expect(f.level).toBe('critical');
    expect(f.summary).toMatch(/^1 kernel log line about killed sockets \(newest 1 min old\)/);
  });

  it('on 3.3 - 4.4 the remediation says "consider tuning tcp_mem" may be a cgroup-v1 TCP limit', () => {
    // tcp_out_of_memory() used the memcg's TCP usage and limits with cgroup-v1 kmem accounting
    // (3.3.8, 3.10.99, RHEL 7, 4.4.155 read; gone by 4.9.0: kernel-eras.md 1(f) item 3).
    const old = judge(syntheticHost({ kernel: '3.10.0-1160.el7.x86_64', uptime: UPTIME, kernelLog: [logLine('tcp-memory', UPTIME - DAY)] }), 'incidents');
    expect(old.remediation).toMatch(/^On kernels 3\.3 to 4\.4 with cgroup-v1 kmem TCP limits/);
    const recent = judge(syntheticHost({ kernel: '5.15.0', uptime: UPTIME, kernelLog: [logLine('tcp-memory', UPTIME - DAY)] }), 'incidents');
    expect(recent.remediation).not.toMatch(/cgroup-v1/);
  });

  it('TCPMemoryPressuresChrono is named as a 4.13 counter when the kernel lacks it', () => {
    // 0604475119de added it: absent in 4.12.4, present in 4.13.9 (kernel-eras.md 1(d)).
    const f = judge(syntheticHost({ kernel: '4.9.0', netstat: { TcpExt: { TCPMemoryPressures: 3, TCPMemoryPressuresChrono: undefined } } }), 'pressure-history');
    expect(f.summary).toMatch(/time in pressure not counted \(TCPMemoryPressuresChrono exists since 4\.13\)/);
  });
});

describe('impossible figures are unknown with the reason, never ok', () => {
  it('tcp_max_orphans 0 with tcp_mem 0 0 0 makes the host unknown', () => {
    const v = evaluateHost(syntheticHost({ sysctl: { 'net.ipv4.tcp_max_orphans': 0, 'net.ipv4.tcp_mem': [0, 0, 0] } }), defaultConfig);
    expect(v.verdict).toBe('unknown');
    expect(findingOf(v, 'orphans').summary).toMatch(/net\.ipv4\.tcp_max_orphans is 0: an impossible limit/);
    expect(findingOf(v, 'tcp-memory').summary).toMatch(/net\.ipv4\.tcp_mem is 0 0 0: an impossible limit/);
  });

  it('a negative gauge is unknown, not "orphans at -762.9 %"', () => {
    const f = judge(syntheticHost({ sockstat: { orphan: -500 }, sysctl: { 'net.ipv4.tcp_max_orphans': 65536 } }), 'orphans');
    expect(f.level).toBe('unknown');
    expect(f.summary).toMatch(/TCP orphan -500 is an impossible figure \(a negative count\)/);
  });

  it('a sockstat value beyond 2^53 is named as such, not as a missing field', () => {
    const sockstat = sockstatFrom('sockets: used 90\nTCP: inuse 30 orphan 1152921504606846976 tw 5 alloc 40 mem 9\nUDP: inuse 2 mem 3\n');
    const f = judge(syntheticHost({ sockstat }), 'orphans');
    expect(f.level).toBe('unknown');
    expect(f.summary).toMatch(/TCP orphan 1152921504606846976 is an impossible figure \(beyond 2\^53/);
  });

  it('a zero limit in a count-over-limit rule is unknown', () => {
    const f = judge(syntheticHost({ sysctl: { 'net.ipv4.tcp_max_tw_buckets': 0 } }), 'time-wait');
    expect(f.level).toBe('unknown');
    expect(f.summary).toMatch(/tcp_max_tw_buckets is 0: an impossible limit/);
  });

  it('udp_mem 0 0 0 is unknown for udp-memory', () => {
    const f = judge(withUdp(syntheticHost({ sysctl: { 'net.ipv4.udp_mem': [0, 0, 0] } }), 10), 'udp-memory');
    expect(f.level).toBe('unknown');
  });
});

