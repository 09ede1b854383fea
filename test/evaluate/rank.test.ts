// Ranking a fleet and the verdict helpers for exit codes.
import { describe, expect, it } from 'vitest';
import { atOrAbove, evaluateHost, rankHosts, worstVerdict, defaultConfig } from '../../src/evaluate/index.js';
import type { RankKey, Verdict } from '../../src/evaluate/index.js';
import { snapshot } from '../support/snapshot.js';

interface Host {
  name: string;
  audited: boolean;
  verdict?: Verdict;
  score?: number;
}
const key = (h: Host): RankKey => h;

/** A fixed permutation generator (no Math.random: the test must be repeatable). */
function permutations(n: number, count: number): number[][] {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    return order;
  });
}

describe('rankHosts', () => {
  const fleet: Host[] = [
    { name: 'web-3', audited: true, verdict: 'ok', score: 3 },
    { name: 'db-1', audited: false },
    { name: 'web-1', audited: true, verdict: 'critical', score: 82 },
    { name: 'web-2', audited: true, verdict: 'critical', score: 95 },
    { name: 'cache-1', audited: true, verdict: 'unknown', score: 50 },
    { name: 'app-1', audited: false },
    { name: 'app-2', audited: true, verdict: 'warning', score: 70 },
    { name: 'app-3', audited: true, verdict: 'notice', score: 40 },
    { name: 'app-4', audited: true, verdict: 'warning', score: 70 },
  ];

  it('puts hosts not audited first, then verdict, then score, then name', () => {
    expect(rankHosts(fleet, key).map((h) => h.name)).toEqual([
      'app-1',
      'db-1',
      'web-2',
      'web-1',
      'app-2',
      'app-4',
      'cache-1',
      'app-3',
      'web-3',
    ]);
  });

  it('gives the same order for any input order', () => {
    const expected = rankHosts(fleet, key).map((h) => h.name);
    for (const order of permutations(fleet.length, 50)) {
      const shuffled = order.map((i) => fleet[i] as Host);
      expect(rankHosts(shuffled, key).map((h) => h.name)).toEqual(expected);
    }
  });

  it('does not change its input', () => {
    const copy = [...fleet];
    rankHosts(fleet, key);
    expect(fleet).toEqual(copy);
  });

  it('orders by code units, not locale', () => {
    const hosts: Host[] = ['b', 'B', 'a', 'é', 'A'].map((name) => ({ name, audited: true, verdict: 'ok', score: 0 }));
    expect(rankHosts(hosts, key).map((h) => h.name)).toEqual(['A', 'B', 'a', 'b', 'é']);
  });

  it('ranks evaluated hosts: orphans at 24 % above tcp memory at 50 % of pressure', () => {
    const sysctl = { 'net.ipv4.tcp_max_orphans': 10000, 'net.ipv4.tcp_mem': [7500, 10000, 15000] };
    const hosts = [
      { name: 'a-memory', v: evaluateHost(snapshot({ sockstat: { mem: 5000 }, sysctl }), defaultConfig) },
      { name: 'z-orphans', v: evaluateHost(snapshot({ sockstat: { orphan: 2400 }, sysctl }), defaultConfig) },
      { name: 'm-down', v: undefined },
    ];
    const ranked = rankHosts(hosts, (h) => ({
      audited: h.v !== undefined,
      ...(h.v === undefined ? {} : { verdict: h.v.verdict, score: h.v.score }),
      name: h.name,
    }));
    expect(ranked.map((h) => h.name)).toEqual(['m-down', 'z-orphans', 'a-memory']);
  });
});

describe('verdict helpers', () => {
  it('worstVerdict follows ok < notice < unknown < warning < critical', () => {
    expect(worstVerdict(['ok', 'notice'])).toBe('notice');
    expect(worstVerdict(['notice', 'unknown', 'ok'])).toBe('unknown');
    expect(worstVerdict(['unknown', 'warning'])).toBe('warning');
    expect(worstVerdict(['critical', 'warning'])).toBe('critical');
    expect(worstVerdict([])).toBeUndefined();
  });

  it('atOrAbove compares against a threshold', () => {
    expect(atOrAbove('warning', 'warning')).toBe(true);
    expect(atOrAbove('critical', 'warning')).toBe(true);
    expect(atOrAbove('unknown', 'warning')).toBe(false);
    expect(atOrAbove('unknown', 'notice')).toBe(true);
    expect(atOrAbove('ok', 'notice')).toBe(false);
  });
});
