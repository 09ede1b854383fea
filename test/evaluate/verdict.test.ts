// A host's verdict: unknown data, containers, the score bands, order and determinism.
import { describe, expect, it } from 'vitest';
import { SCORE_BANDS, VERDICT_ORDER, defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import type { Snapshot } from '../../src/procfs/types.js';
import { invalid, logLine, missing, snapshot, unreadable } from '../support/snapshot.js';
import { findingOf } from '../support/evaluate.js';

describe('missing or unparsable sockstat', () => {
  it.each([
    ['missing', missing()],
    ['invalid', invalid('line 2: odd number of key/value tokens (3)')],
    ['unreadable', unreadable()],
  ] as const)('a %s sockstat is unknown, not ok', (_, reading) => {
    const v = evaluateHost(snapshot({ sockstat: reading }), defaultConfig);
    expect(v.verdict).toBe('unknown');
    expect(findingOf(v, 'orphans').level).toBe('unknown');
    expect(findingOf(v, 'tcp-memory').level).toBe('unknown');
    expect(findingOf(v, 'orphans').figures.orphan).toBeNull();
    expect(findingOf(v, 'orphans').summary).toMatch(/not zero/);
    expect(v.score).toBeGreaterThanOrEqual(SCORE_BANDS.unknown[0]);
    expect(v.score).toBeLessThanOrEqual(SCORE_BANDS.unknown[1]);
  });

  it('unknown does not hide something worse', () => {
    const v = evaluateHost(
      snapshot({ sockstat: missing(), uptime: 10_000, kernelLog: [logLine('tcp-memory', 9_000)] }), defaultConfig,
    );
    expect(v.verdict).toBe('critical');
    expect(v.decidedBy).toBe('incidents');
  });

  it('one good sample among failed ones still gives a figure', () => {
    const f = findingOf(
      evaluateHost(snapshot({ samples: [{ sockstat: invalid() }, { sockstat: { orphan: 7 } }] }), defaultConfig),
      'orphans',
    );
    expect(f.level).toBe('ok');
    expect(f.figures.orphan).toBe(7);
  });
});

describe('a container host', () => {
  const v = evaluateHost(snapshot({ container: true, sockstat: { orphan: 300, mem: 5000 } }), defaultConfig);

  it('says the host-level budget could not be read, for orphans and tcp memory', () => {
    for (const id of ['orphans', 'tcp-memory']) {
      const f = findingOf(v, id);
      expect(f.level).toBe('unknown');
      expect(f.summary).toContain('host-level budget could not be read');
    }
  });

  it('invents no default limit', () => {
    expect(findingOf(v, 'orphans').figures.tcpMaxOrphans).toBeNull();
    expect(findingOf(v, 'orphans').figures.orphan).toBe(300);
    expect(findingOf(v, 'tcp-memory').figures.tcpMemHigh).toBeNull();
    expect(findingOf(v, 'tcp-memory').figures.mem).toBe(5000);
    expect(v.findings.map((f) => f.id)).not.toContain('limits-vs-ram');
    expect(v.notes).toContainEqual(expect.stringMatching(/^limits-vs-ram: not checked, host-level budget could not be read/));
  });

  it('is unknown overall', () => {
    expect(v.verdict).toBe('unknown');
  });

  it('the global sysctls missing are enough to call it a container', () => {
    const f = findingOf(
      evaluateHost(snapshot({ initNetns: null, sysctl: { 'net.ipv4.tcp_mem': missing(), 'net.ipv4.tcp_max_orphans': missing() } }), defaultConfig),
      'orphans',
    );
    expect(f.summary).toContain('host-level budget could not be read');
  });
});

describe('score and order', () => {
  const host = (orphan: number, mem = 100) =>
    evaluateHost(snapshot({ sockstat: { orphan, mem }, sysctl: { 'net.ipv4.tcp_max_orphans': 10000, 'net.ipv4.tcp_mem': [7500, 10000, 15000] } }), defaultConfig);

  it('the verdict picks the band', () => {
    const cases: Array<[Snapshot, string]> = [
      [snapshot(), 'ok'],
      [snapshot({ sockstat: { orphan: 1300 }, sysctl: { 'net.ipv4.tcp_max_orphans': 10000 } }), 'notice'],
      [snapshot({ sockstat: missing() }), 'unknown'],
      [snapshot({ sockstat: { orphan: 2400 }, sysctl: { 'net.ipv4.tcp_max_orphans': 10000 } }), 'warning'],
      [snapshot({ sockstat: { orphan: 2600 }, sysctl: { 'net.ipv4.tcp_max_orphans': 10000 } }), 'critical'],
    ];
    for (const [snap, verdict] of cases) {
      const v = evaluateHost(snap, defaultConfig);
      expect(v.verdict).toBe(verdict);
      const [lo, hi] = SCORE_BANDS[v.verdict];
      expect(v.score).toBeGreaterThanOrEqual(lo);
      expect(v.score).toBeLessThanOrEqual(hi);
    }
  });

  it('bands rise with the verdict order and do not overlap', () => {
    const bands = VERDICT_ORDER.map((v) => SCORE_BANDS[v]);
    for (let i = 1; i < bands.length; i++) expect(bands[i]?.[0]).toBeGreaterThan(bands[i - 1]?.[1] as number);
    expect(bands[0]?.[0]).toBe(0);
    expect(bands[bands.length - 1]?.[1]).toBe(100);
  });

  it('orphans at 24 % of the limit score above tcp memory at 50 % of pressure', () => {
    const orphans = host(2400, 100);
    const memory = host(0, 5000);
    expect(orphans.decidedBy).toBe('orphans');
    expect(memory.decidedBy).toBe('tcp-memory');
    expect(orphans.score).toBeGreaterThan(memory.score);
  });

  it('within a band, closeness to the critical line orders', () => {
    expect(host(2400).verdict).toBe('warning');
    expect(host(2100).verdict).toBe('warning');
    expect(host(2400).score).toBeGreaterThan(host(2100).score);
    expect(host(9000).score).toBeGreaterThan(host(3000).score);
  });

  it('findings come worst first, ties by closeness then id', () => {
    const v = evaluateHost(
      snapshot({
        sockstat: { orphan: 2600, mem: 10001, tw: 10 },
        sysctl: { 'net.ipv4.tcp_max_orphans': 10000, 'net.ipv4.tcp_mem': [7500, 10000, 15000] },
        netstat: { TcpExt: { ListenOverflows: 3 } },
      }), defaultConfig,
    );
    const ranks = v.findings.map((f) => VERDICT_ORDER.indexOf(f.level));
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(v.findings[0]?.id).toBe('orphans');
    expect(v.findings[1]?.id).toBe('tcp-memory');
  });
});

describe('determinism', () => {
  it('the same snapshot gives the same verdict, and the snapshot is not changed', () => {
    const snap = snapshot({ sockstat: { orphan: 2600 }, kernelLog: [logLine('tcp-orphans', 1000)] });
    const before = JSON.stringify(snap, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const a = evaluateHost(deepFreeze(snap), defaultConfig);
    const b = evaluateHost(snap, defaultConfig);
    expect(a).toEqual(b);
    expect(JSON.stringify(snap, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(before);
  });

  it('every finding carries its rationale and remediation', () => {
    for (const f of evaluateHost(snapshot(), defaultConfig).findings) {
      expect(f.rationale.length).toBeGreaterThan(50);
      expect(f.remediation.length).toBeGreaterThan(50);
    }
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
