// Host-sized arrays never go through a spread call or recursion: 150,000 hosts (more arguments
// than V8 takes in one call) through rank, trend, view, every report format and the saved-run
// encoder; a host with 200,000 kernel log lines through the evaluator. Built in memory: the
// probe frame refuses logs that long, but a saved run or a library caller need not go through it.
import { describe, expect, test } from 'vitest';
import { maxOf, minOf, appendAll } from '../../src/arrays.js';
import { defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import { buildView, renderSummary } from '../../src/report/index.js';
import { REPORT_FORMATS } from '../../src/report/formats.js';
import { groupHosts } from '../../src/report/html.js';
import { rankRun } from '../../src/run/rank.js';
import { assembleDigest } from '../../src/run/trend.js';
import type { HostResult } from '../../src/run/types.js';
import { logLine, snapshot } from '../support/snapshot.js';
import { auditRun, manyHosts } from '../support/fleet.js';

// Past V8's limit on the arguments of one call (about 120,000 on x86-64 with the default stack).
const HOSTS = 150_000;

test('the array folds agree with Math.max/min and push, and survive a million items', () => {
  const xs = [3, -2, 7, 7, 0];
  expect(maxOf(xs)).toBe(Math.max(...xs));
  expect(minOf(xs)).toBe(Math.min(...xs));
  expect(maxOf([])).toBe(-Infinity);
  expect(minOf([], 42)).toBe(42);
  const big = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_003);
  expect(() => Math.max(...big)).toThrow(RangeError);
  expect(maxOf(big)).toBe(big.reduce((a, b) => (b > a ? b : a)));
  expect(appendAll([1], big)).toHaveLength(1_000_001);
});

test('a host with 200,000 dated kernel kill lines is evaluated, the newest one found', () => {
  const uptime = 1_000_000;
  const lines = Array.from({ length: 200_000 }, (_, i) => logLine('tcp-orphans', uptime - 200_000 + i));
  const verdict = evaluateHost(snapshot({ kernelLog: lines, uptime }), defaultConfig);
  const incidents = verdict.findings.find((f) => f.id === 'incidents');
  expect(incidents?.level).toBe('critical');
  expect(JSON.stringify(incidents?.figures)).toContain('200000');
});

describe(`${HOSTS.toLocaleString('en-US')} hosts`, () => {
  // Mostly hosts that could not be audited (the cheapest to build and render), one in a hundred
  // audited, of every verdict: the arrays are host-sized either way.
  const kinds = manyHosts(8);
  const failed = kinds.find((h) => h.outcome.status === 'failed')!;
  const audited = kinds.filter((h) => h.outcome.status !== 'failed');
  const hosts: HostResult[] = Array.from({ length: HOSTS }, (_, i) => {
    const kind = i % 100 === 0 ? audited[(i / 100) % audited.length]! : failed;
    const name = `h${String(i).padStart(6, '0')}.example.invalid`;
    return { ...kind, outcome: { ...kind.outcome, target: { ...kind.outcome.target, name } } } as HostResult;
  });
  const healthyCount = hosts.filter((h) => h.verdict?.verdict === 'ok').length;
  const run = auditRun({ hosts });

  test('rank, trend against a baseline, view and every format; every host in the saved run', { timeout: 240_000 }, () => {
    const baseline = assembleDigest({ ...run, hosts: hosts.slice(0, HOSTS - 1000) });
    const ranked = rankRun(run, { baseline });
    expect(ranked.hosts).toHaveLength(HOSTS);
    expect(ranked.trend?.counts.added).toBe(1000);
    const view = buildView(ranked);
    const { attention, healthy } = groupHosts(view.hosts);
    expect(attention.length + healthy.length).toBe(HOSTS);
    expect(healthy.length).toBe(healthyCount);
    expect(healthyCount).toBeGreaterThan(HOSTS / 1000);

    const summary = renderSummary(view, { color: false, top: HOSTS });
    expect(summary).toContain(view.hosts.at(-1)?.name.slice(0, 20));

    const bytes: Record<string, number> = {};
    let jsonHosts = 0;
    for (const format of REPORT_FORMATS) {
      const out = format.render(ranked, view);
      let n = 0;
      let last = '';
      for (const part of typeof out === 'string' ? [out] : out) {
        const chunk = typeof part === 'string' ? part : Buffer.from(part).toString('utf8');
        n += Buffer.byteLength(chunk, 'utf8');
        if (format.id === 'json' && chunk.includes('"rank":')) jsonHosts++;
        last = chunk.length > 0 ? chunk : last;
      }
      bytes[format.id] = n;
      expect(last.length).toBeGreaterThan(0);
    }
    expect(jsonHosts).toBe(HOSTS);
    // report.md is bounded; the others hold every host.
    expect(bytes.md).toBeLessThanOrEqual(1 << 20);
    for (const id of ['html', 'junit', 'prom']) expect(bytes[id]).toBeGreaterThan(HOSTS * 30);
  });
});
