// The report reads the figures the real evaluator writes: the bars and the deciding figure come
// out of evaluateHost's findings, not only out of hand-built ones.
import { rankRun } from '../../src/run/rank.js';
import { expect, test } from 'vitest';
import { evaluateHost, defaultConfig } from '../../src/evaluate/index.js';
import { buildView, renderHtml } from '../../src/report/index.js';
import { snapshot } from '../support/snapshot.js';
import { auditRun } from '../support/fleet.js';

test('bars and deciding figure from a real verdict', () => {
  const base = auditRun().hosts.find((h) => h.outcome.target.name === 'web-1');
  if (!base || base.outcome.status === 'failed') throw new Error('fleet has no audited web-1');
  const snap = snapshot({ sockstat: { orphan: 21_564, mem: 1894 }, sysctl: { 'net.ipv4.tcp_max_orphans': [65_536], 'net.ipv4.tcp_mem': [3_093_984, 4_125_312, 6_187_968] } });
  const verdict = evaluateHost(snap, defaultConfig);
  const view = buildView(rankRun(auditRun({ hosts: [{ outcome: { ...base.outcome, snapshot: snap }, verdict }] })));
  const host = view.hosts[0];
  expect(host?.level).toBe(verdict.verdict);
  expect(host?.deciding).toBe(verdict.findings.find((f) => f.id === verdict.decidedBy)?.summary);
  const orphans = host?.bars.find((b) => b.id === 'orphans');
  expect(orphans?.valuePct).toBeCloseTo((21_564 / 65_536) * 100, 1);
  const memory = host?.bars.find((b) => b.id === 'tcp-memory');
  expect(memory?.marks.map((m) => m.label)).toEqual(['low', 'pressure', 'high']);
  expect(memory?.valuePct).toBeCloseTo((1894 / 6_187_968) * 100, 1);
  expect(renderHtml(view)).toContain('data-bar="orphans"');
});
