import { rankRun } from '../../src/run/rank.js';
import { expect, test } from 'vitest';
import { buildView, MARKDOWN_MAX_BYTES, renderMarkdown } from '../../src/report/index.js';
import { assembleDigest, type RunDigest } from '../../src/run/trend.js';
import { auditRun, manyHosts } from '../support/fleet.js';
import { mdCode } from '../../src/report/markdown-text.js';

test('5,000 hosts with a trend: under 1 MiB, verdict first, the worst hosts and changes first, stable', () => {
  const run = auditRun({ hosts: manyHosts(5000) });
  const digest = assembleDigest(run);
  // Last week every host was ok and 500 more hosts existed: most hosts are now worse, 500 removed.
  const baseline: RunDigest = {
    ...digest,
    hosts: [
      ...digest.hosts.map((h) => ({ ...h, verdict: 'ok' as const, score: 1, stage: null, findings: [] })),
      ...Array.from({ length: 500 }, (_, i) => ({ ...digest.hosts[0]!, name: `gone-${i}`, verdict: 'ok' as const })),
    ],
  };
  const view = buildView(rankRun({ ...run, baseline }));
  const md = renderMarkdown(view);

  expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
  expect(md.split('\n')[0]).toBe(`# sockaudit: ${view.verdictLine}`);
  const rows = md.split('\n').filter((l) => /^\| \d+ \| /.test(l));
  expect(rows.length).toBeGreaterThan(10);
  expect(rows.slice(0, 10).map((r) => r.split(' | ')[1])).toEqual(view.hosts.slice(0, 10).map((h) => mdCode(h.name, { table: true })));
  const trend = md.slice(md.indexOf('## Since the baseline'));
  const trendRows = trend.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Host'));
  expect(trendRows.length).toBeGreaterThan(0);
  expect(trendRows[0]).toContain('↑ worse');
  expect(trendRows[0]).toContain('critical');
  expect(trend).toMatch(/\n\d+ more changed hosts in report\.html\n/);
  expect(renderMarkdown(buildView(rankRun({ ...run, hosts: [...run.hosts].reverse(), baseline })))).toBe(md);
});
