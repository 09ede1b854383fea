// Limits against RAM, TIME_WAIT and the neighbours, at the edges of their thresholds.
import { describe, expect, it } from 'vitest';
import { evaluateHost, defaultConfig } from '../../src/evaluate/index.js';
import { GiB, invalid, missing, snapshot } from '../support/snapshot.js';
import { judge } from '../support/evaluate.js';

describe('limits vs RAM (16 GiB, 4 KiB pages)', () => {
  const PAGES_IN_RAM = (16 * GiB) / 4096; // 4194304
  const ORPHANS_IN_RAM = (16 * GiB) / 65536; // 262144
  const at = (high: number, maxOrphans: number) =>
    judge(
      snapshot({
        meminfo: 16 * GiB,
        sysctl: { 'net.ipv4.tcp_mem': [high / 2, (high * 2) / 3, high], 'net.ipv4.tcp_max_orphans': maxOrphans },
      }),
      'limits-vs-ram',
    );

  it.each([
    [PAGES_IN_RAM, ORPHANS_IN_RAM, 'ok'], // both exactly at MemTotal
    [PAGES_IN_RAM, ORPHANS_IN_RAM + 1, 'notice'], // orphans x 64 KiB above RAM, tcp_mem within
    [PAGES_IN_RAM + 3, 65536, 'warning'], // tcp_mem high x page above RAM
    [PAGES_IN_RAM + 3, ORPHANS_IN_RAM + 1, 'warning'],
  ] as const)('tcp_mem high %i, tcp_max_orphans %i: %s', (high, orphans, level) => {
    expect(at(high, orphans).level).toBe(level);
  });

  it('uses the host page size', () => {
    const f = judge(
      snapshot({ pageSize: 65536, meminfo: 16 * GiB, sysctl: { 'net.ipv4.tcp_mem': [100000, 200000, 300000] } }),
      'limits-vs-ram',
    );
    // 300000 x 64 KiB = 18.3 GiB > 16 GiB; with 4 KiB pages it would be 1.1 GiB.
    expect(f.level).toBe('warning');
    expect(f.figures.tcpMemHighBytes).toBe(300000 * 65536);
  });

  it('with the page size unknown, uses 4096 as a lower bound and says so', () => {
    const f = judge(snapshot({ pageSize: null }), 'limits-vs-ram');
    expect(f.level).toBe('ok');
    expect(f.uncertain).toBe(true);
    expect(f.assumptions.join(' ')).toMatch(/lower bound/);
  });
});

describe('time-wait (notice > 50 %, warning > 80 % or overflow > 0, critical >= 100 %)', () => {
  const at = (tw: number, overflow = 0) =>
    judge(
      snapshot({
        sockstat: { tw },
        sysctl: { 'net.ipv4.tcp_max_tw_buckets': 1000 },
        netstat: { TcpExt: { TCPTimeWaitOverflow: overflow } },
      }),
      'time-wait',
    );

  it.each([
    [500, 'ok'],
    [501, 'notice'],
    [800, 'notice'],
    [801, 'warning'],
    [999, 'warning'],
    [1000, 'critical'], // at the limit: overflowing
  ] as const)('%i of 1000 is %s', (tw, level) => {
    expect(at(tw).level).toBe(level);
  });

  it('an overflow since boot is a warning even with few TIME_WAITs', () => {
    expect(at(10, 1).level).toBe('warning');
    expect(at(10, 1).figures.overflowsSinceBoot).toBe(1);
  });

  it('overflows growing between samples are critical', () => {
    const f = judge(
      snapshot({
        sysctl: { 'net.ipv4.tcp_max_tw_buckets': 1000 },
        samples: [
          { sockstat: { tw: 10 }, netstat: { TcpExt: { TCPTimeWaitOverflow: 5 } } },
          { sockstat: { tw: 10 }, netstat: { TcpExt: { TCPTimeWaitOverflow: 8 } } },
        ],
      }),
      'time-wait',
    );
    expect(f.level).toBe('critical');
    expect(f.figures.overflowGrowth).toBe(3);
  });
});

describe('neighbours', () => {
  const conntrack = (count: number) =>
    judge(
      snapshot({ sysctl: { 'net.netfilter.nf_conntrack_count': count, 'net.netfilter.nf_conntrack_max': 1000 } }),
      'neighbours.conntrack',
    );
  const fileNr = (allocated: number) => judge(snapshot({ sysctl: { 'fs.file-nr': [allocated, 0, 1000] } }), 'neighbours.file-nr');
  const listen = (n: number) => judge(snapshot({ netstat: { TcpExt: { ListenOverflows: n } } }), 'neighbours.listen-overflows');

  it.each([
    [500, 'ok'],
    [501, 'notice'],
    [800, 'notice'],
    [801, 'warning'],
    [950, 'warning'],
    [951, 'critical'],
  ] as const)('conntrack %i of 1000 is %s', (n, level) => {
    expect(conntrack(n).level).toBe(level);
    expect(conntrack(n).item).toBe('conntrack');
  });

  it.each([
    [500, 'ok'],
    [501, 'notice'],
    [700, 'notice'],
    [701, 'warning'],
    [900, 'warning'],
    [901, 'critical'],
  ] as const)('file-nr %i of 1000 is %s', (n, level) => {
    expect(fileNr(n).level).toBe(level);
  });

  it('an unlimited fs.file-max (LONG_MAX) is ok and shown as such', () => {
    const f = judge(snapshot(), 'neighbours.file-nr');
    expect(f.level).toBe('ok');
    expect(f.summary).toContain('about 9.22e+18');
  });

  it.each([
    [0, 'ok'],
    [1, 'notice'],
  ] as const)('ListenOverflows %i is %s', (n, level) => {
    expect(listen(n).level).toBe(level);
  });

  it('without nf_conntrack, notes it rather than judging', () => {
    const v = evaluateHost(snapshot(), defaultConfig);
    expect(v.findings.map((f) => f.id)).not.toContain('neighbours.conntrack');
    expect(v.notes).toContainEqual(expect.stringMatching(/^neighbours\.conntrack: not checked, nf_conntrack is not loaded/));
  });

  it('an unreadable conntrack count is unknown but does not make the host unknown', () => {
    const v = evaluateHost(
      snapshot({ sysctl: { 'net.netfilter.nf_conntrack_count': invalid(), 'net.netfilter.nf_conntrack_max': 1000 } }), defaultConfig,
    );
    expect(v.findings.find((f) => f.id === 'neighbours.conntrack')?.level).toBe('unknown');
    expect(v.verdict).toBe('ok');
  });

  it('a missing tcp_max_tw_buckets is a note', () => {
    const v = evaluateHost(snapshot({ sysctl: { 'net.ipv4.tcp_max_tw_buckets': missing() } }), defaultConfig);
    expect(v.notes).toContainEqual(expect.stringMatching(/^time-wait: not checked/));
  });
});
