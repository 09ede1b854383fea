import { describe, expect, test } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { HOST_KEY_OFF_WARNING, rankRun } from '../../src/run/rank.js';
import { assembleDigest, diffRuns } from '../../src/run/trend.js';
import { failedHost, recordedHost, recording, runOf, withCounter } from '../support/runs.js';

const hosts = () => [
  recordedHost('web-1', recording('web-healthy-618')),
  failedHost('gw-2', 'auth', 'denied'),
  recordedHost('cache-1', recording('cache-hot-61')),
  failedHost('gw-1', 'connect', 'refused'),
  recordedHost('api-1', recording('api-pressure-419')),
];

describe('rankRun', () => {
  test('orders the hosts once, not audited first by name, then worst verdict and highest score, ranks from 1', () => {
    const ranked = rankRun(runOf(hosts()));
    expect(ranked.hosts.map((h) => h.rank)).toEqual([1, 2, 3, 4, 5]);
    const names = ranked.hosts.map((h) => h.result.outcome.target.name);
    expect(names.slice(0, 2)).toEqual(['gw-1', 'gw-2']);
    const audited = ranked.hosts.slice(2).map((h) => h.result.verdict);
    for (let i = 1; i < audited.length; i++) {
      const [a, b] = [audited[i - 1]!, audited[i]!];
      const order = ['ok', 'notice', 'unknown', 'warning', 'critical'];
      const byVerdict = order.indexOf(a.verdict) - order.indexOf(b.verdict);
      expect(byVerdict > 0 || (byVerdict === 0 && a.score >= b.score)).toBe(true);
    }
    // The same hosts in any input order rank the same.
    expect(rankRun(runOf([...hosts()].reverse())).hosts.map((h) => h.result.outcome.target.name)).toEqual(names);
  });

  test('judges the run by its own gate: unaudited hosts exit 3 unless allowed, findings at the gate exit 1', () => {
    const never = rankRun(runOf(hosts(), { failOn: 'never' }));
    expect(never.judgement).toMatchObject({ exitCode: EXIT.unaudited, notAudited: ['gw-2', 'gw-1'], atOrAboveGate: [] });
    expect(rankRun(runOf(hosts(), { failOn: 'never' }), { allowUnaudited: true }).judgement.exitCode).toBe(EXIT.ok);
    const gated = rankRun(runOf(hosts(), { failOn: 'notice' }));
    const atOrAbove = gated.hosts.filter((h) => h.result.verdict && h.result.verdict.verdict !== 'ok').map((h) => h.result.outcome.target.name);
    expect(atOrAbove.length).toBeGreaterThan(0);
    expect([...gated.judgement.atOrAboveGate].sort()).toEqual([...atOrAbove].sort());
    expect(gated.judgement.exitCode).toBe(EXIT.findings);
  });

  test('computes the trend against the run’s baseline, or one given, and applies --fail-on-worse to the judgement', () => {
    const before = runOf([recordedHost('api-1', recording('api-pressure-419'))], { failOn: 'never' });
    const grown = recordedHost('api-1', withCounter(recording('api-pressure-419'), 'TCPAbortOnMemory', 1_000_000));
    const after = runOf([grown], { failOn: 'never' });
    expect(rankRun(after).trend).toBeNull();

    const baseline = assembleDigest(before);
    const viaRun = rankRun({ ...after, baseline });
    const viaOption = rankRun(after, { baseline });
    expect(viaRun.trend).toEqual(diffRuns(baseline, assembleDigest(after)));
    expect(viaOption.trend).toEqual(viaRun.trend);
    expect(viaOption.run.baseline).toBe(baseline);
    expect(viaRun.judgement.exitCode).toBe(EXIT.ok);
    expect(rankRun({ ...after, baseline }, { failOnWorse: true }).judgement).toMatchObject({ exitCode: EXIT.findings, reason: '1 host(s) worse than the baseline (--fail-on-worse)' });
  });

  test('states the run warnings once: the host-key one first when checking was off, host text cleaned', () => {
    const off = rankRun(runOf([], { hostKeyPolicy: 'off', warnings: ['other \u001b[2Jthing', HOST_KEY_OFF_WARNING] }));
    expect(off.warnings).toEqual([HOST_KEY_OFF_WARNING, 'other thing']);
    expect(rankRun(runOf([], { warnings: ['a\u0007b'] })).warnings).toEqual(['ab']);
    expect(rankRun(runOf([])).hosts).toEqual([]);
  });
});
