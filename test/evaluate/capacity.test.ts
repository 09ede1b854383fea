// Orphans and TCP memory: the two ways a host reaches "Out of socket memory".
import { describe, expect, it } from 'vitest';
import { evaluateHost, defaultConfig } from '../../src/evaluate/index.js';
import { snapshot } from '../support/snapshot.js';
import { findingOf, judge } from '../support/evaluate.js';

describe('Tsuna\'s published case (2.6.38, 32 GB)', () => {
  const host = snapshot({
    kernel: '2.6.38-8-server',
    pageSize: 4096,
    meminfo: 32 * 1024 ** 3,
    sockstat: { inuse: 35938, orphan: 21564, tw: 70529, alloc: 35942, mem: 1894 },
    // tcp_max_tw_buckets is not in the post: 180000 was the default of that era.
    sysctl: {
      'net.ipv4.tcp_mem': [3093984, 4125312, 6187968],
      'net.ipv4.tcp_max_orphans': 65536,
      'net.ipv4.tcp_max_tw_buckets': 180000,
    },
  });
  const verdict = evaluateHost(host, defaultConfig);

  it('is critical by orphans: 21564 is past a quarter of 65536', () => {
    const orphans = findingOf(verdict, 'orphans');
    expect(orphans.level).toBe('critical');
    expect(orphans.figures.percentOfLimit).toBeCloseTo((100 * 21564) / 65536, 2);
    expect(orphans.figures.crossed).toBe('25 %');
    expect(orphans.summary).toContain('21564 of 65536');
    // Tsuna's advice: 4 x the peak orphans, rounded up.
    expect(orphans.figures.suggestedMaxOrphans).toBeGreaterThanOrEqual(4 * 21564);
    expect(orphans.summary).toContain(`at least ${orphans.figures.suggestedMaxOrphans}`);
  });

  it('is ok by memory: 1894 pages against 4125312 pressure', () => {
    const memory = findingOf(verdict, 'tcp-memory');
    expect(memory.level).toBe('ok');
    expect(memory.figures.percentOfHigh).toBeCloseTo((100 * 1894) / 6187968, 2);
  });

  it('makes the host critical, decided by orphans', () => {
    expect(verdict.verdict).toBe('critical');
    expect(verdict.decidedBy).toBe('orphans');
    expect(verdict.findings[0]?.id).toBe('orphans');
  });
});

describe('orphans against tcp_max_orphans (notice > 12.5 %, warning > 20 %, critical > 25 %)', () => {
  const at = (orphan: number) => judge(snapshot({ sockstat: { orphan }, sysctl: { 'net.ipv4.tcp_max_orphans': 10000 } }), 'orphans');

  it.each([
    [1250, 'ok'], // 12.5 %: the line itself is not crossed
    [1300, 'notice'], // 13 %
    [2000, 'notice'], // 20 %
    [2001, 'warning'],
    [2400, 'warning'], // 24 %
    [2500, 'warning'], // 25 %: the kernel compares strictly
    [2501, 'critical'],
    [2600, 'critical'], // 26 %
  ] as const)('%i of 10000 is %s', (orphan, level) => {
    expect(at(orphan).level).toBe(level);
  });

  it('says when 50 % and 100 % are crossed', () => {
    expect(at(5001).figures.crossed).toBe('50 %');
    expect(at(5001).summary).toMatch(/one penalty/);
    expect(at(10001).figures.crossed).toBe('100 %');
    expect(at(10001).summary).toMatch(/every socket is reset at close/);
    expect(at(2400).figures.crossed).toBeNull();
  });

  it('uses the peak over samples, and says how many samples', () => {
    const f = judge(
      snapshot({
        sysctl: { 'net.ipv4.tcp_max_orphans': 10000 },
        samples: [{ sockstat: { orphan: 100 } }, { sockstat: { orphan: 2600 } }, { sockstat: { orphan: 300 } }],
      }),
      'orphans',
    );
    expect(f.level).toBe('critical');
    expect(f.figures.orphan).toBe(2600);
    expect(f.figures.orphanFirst).toBe(100);
    expect(f.figures.orphanLast).toBe(300);
    expect(f.figures.samples).toBe(3);
    expect(f.summary).toContain('peak of 3 samples');
  });

  it('orders closeness by distance to the critical line, then past it toward the limit', () => {
    expect(at(2400).closeness).toBeGreaterThan(at(2100).closeness);
    expect(at(9000).closeness).toBeGreaterThan(at(3000).closeness);
    expect(at(10000).closeness).toBe(1);
  });
});

describe('tcp memory against tcp_mem (notice > 75 % of pressure, warning > pressure, critical > 90 % of high)', () => {
  const at = (mem: number) =>
    judge(snapshot({ sockstat: { mem }, sysctl: { 'net.ipv4.tcp_mem': [7500, 10000, 15000] } }), 'tcp-memory');

  it.each([
    [7500, 'ok'], // exactly 75 % of pressure
    [7600, 'notice'], // 76 % of pressure
    [10000, 'notice'], // at pressure, not above it
    [10001, 'warning'], // in pressure mode
    [13500, 'warning'], // exactly 90 % of high
    [13501, 'critical'],
    [15001, 'critical'], // above high
  ] as const)('mem %i is %s', (mem, level) => {
    expect(at(mem).level).toBe(level);
  });

  it('states the thresholds in pages, the unit of the figure', () => {
    expect(at(100).thresholds).toEqual({ notice: 7500, warning: 10000, critical: 13500 });
  });

  it('says what each zone means', () => {
    expect(at(10001).summary).toMatch(/memory-pressure mode/);
    expect(at(13501).summary).toMatch(/close to tcp_mem high/);
    expect(at(15001).summary).toMatch(/allocations fail/);
  });
});

describe('the sockstat mem unit', () => {
  const host = (kernel: string) =>
    snapshot({ kernel, pageSize: 65536, sockstat: { mem: 42000 }, sysctl: { 'net.ipv4.tcp_mem': [23233, 30978, 46467] } });

  it('reads 4096-byte quanta on 5.15 with 64 KiB pages: about 5.7 % of high, ok', () => {
    const f = judge(host('5.15.0-1051-aws'), 'tcp-memory');
    expect(f.figures.memUnit).toBe('4096-byte quanta');
    expect(f.figures.mem).toBeCloseTo(42000 / 16, 2);
    expect(f.figures.percentOfHigh).toBeCloseTo((100 * 42000) / 16 / 46467, 2);
    expect(f.figures.percentOfHigh as number).toBeGreaterThan(5.6);
    expect(f.figures.percentOfHigh as number).toBeLessThan(5.7);
    expect(f.level).toBe('ok');
    expect(f.assumptions.join(' ')).toContain('4096-byte quanta (kernel 5.15.0-1051-aws, 65536-byte pages): 16 quanta per page');
    expect(f.uncertain).toBeUndefined();
  });

  it('reads pages on 6.1 with the same figures: above 90 % of high, critical', () => {
    const f = judge(host('6.1.0-18-arm64'), 'tcp-memory');
    expect(f.figures.memUnit).toBe('pages');
    expect(f.figures.percentOfHigh).toBeCloseTo((100 * 42000) / 46467, 2);
    expect(f.level).toBe('critical');
  });

  it('assumes pages when the release is unknown on large pages, and marks the figure less certain', () => {
    const f = judge(snapshot({ kernel: null, pageSize: 65536, sockstat: { mem: 42000 }, sysctl: { 'net.ipv4.tcp_mem': [23233, 30978, 46467] } }), 'tcp-memory');
    expect(f.figures.memUnit).toBe('pages');
    expect(f.uncertain).toBe(true);
    expect(f.assumptions.join(' ')).toMatch(/unknown, so pages are assumed/);
  });
});
