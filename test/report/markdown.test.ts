import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { buildView, renderMarkdown, escapeMarkdown, MARKDOWN_MAX_BYTES } from '../../src/report/index.js';
import { packageVersion } from '../../src/paths.js';
import { auditRun, manyHosts, PIPE_NAME, HOSTILE_HTML_NAME, MARKDOWN_NAME } from '../support/fleet.js';
import { expectGolden, normalise } from './golden.js';

function tableRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| # '))
    // Split on pipes not escaped with a backslash, as GFM does.
    .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

describe('Markdown report', () => {
  const version = packageVersion();
  const run = auditRun({ version, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), hostKeyPolicy: 'off' });
  const view = buildView(rankRun(run));
  const md = renderMarkdown(view);

  test('matches the golden file (times and version normalised)', () => {
    expectGolden('report.md', normalise(md, version));
  });

  test('puts the verdict on the first line', () => {
    const first = md.split('\n')[0] ?? '';
    expect(first).toContain(view.verdictLine);
    expect(first.startsWith('# ')).toBe(true);
  });

  test('keeps the table whole for a host named a|b', () => {
    const rows = tableRows(md);
    expect(rows).toHaveLength(view.hosts.length);
    for (const r of rows) expect(r).toHaveLength(5);
    const pipe = rows.find((r) => r[1] === escapeMarkdown(PIPE_NAME));
    expect(pipe).toBeDefined();
    expect(rows.map((r) => Number(r[0]))).toEqual(view.hosts.map((h) => h.rank));
  });

  test('escapes markup and HTML from hosts', () => {
    expect(md).not.toContain(HOSTILE_HTML_NAME);
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(md).not.toContain('[link](');
    expect(md).not.toContain('*bold*');
    // A newline in a name does not start a new line of the document.
    expect(md).not.toMatch(/^second line/m);
    expect(escapeMarkdown(MARKDOWN_NAME)).not.toMatch(/\n/);
    expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  test('states the gate and the host-key warning', () => {
    expect(md).toContain('--fail-on warning');
    expect(md).toMatch(/^> \*\*⚠ Warning:\*\* Host key checking was OFF/m);
  });

  test('keeps timestamps out of the table', () => {
    for (const row of tableRows(md)) expect(row.join(' ')).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  });

  test('stays under 1 MiB for 5,000 hosts and lists the worst first', () => {
    const big = buildView(rankRun(auditRun({ hosts: manyHosts(5000) })));
    const text = renderMarkdown(big);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThan(1024 * 1024);
    const rows = tableRows(text);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(big.hosts.length);
    // The rows shown are the top of the ranking, in order.
    expect(rows.map((r) => Number(r[0]))).toEqual(big.hosts.slice(0, rows.length).map((h) => h.rank));
    expect(rows[0]?.[2]).toContain('not audited');
    const firstAudited = rows.find((r) => !r[2]?.includes('not audited'));
    expect(firstAudited?.[2]).toContain('critical');
    const lastLine = text.trimEnd().split('\n').at(-1);
    expect(lastLine).toBe(`${big.hosts.length - rows.length} more hosts in report.html`);
  });

  test('shows fewer hosts in detail when their findings are long, and says so', () => {
    const hosts = manyHosts(400).map((h) =>
      h.verdict
        ? { ...h, verdict: { ...h.verdict, verdict: 'critical' as const, findings: Array.from({ length: 12 }, (_, i) => ({ ...h.verdict!.findings[0]!, id: `rule-${i}`, level: 'critical' as const, summary: 's'.repeat(2000), remediation: 'r'.repeat(4000) })) } }
        : h,
    );
    const text = renderMarkdown(buildView(rankRun(auditRun({ hosts }))));
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    const shownInDetail = text.split('\n').filter((l) => l.startsWith('### ')).length;
    expect(shownInDetail).toBeGreaterThan(0);
    expect(text).toContain(`Findings for ${hosts.length - shownInDetail} more hosts in report.html`);
  });

  test('stays under 1 MiB when host strings are huge', () => {
    const hosts = manyHosts(1000).map((h) => ({ ...h, outcome: { ...h.outcome, target: { ...h.outcome.target, name: `${h.outcome.target.name}${'|'.repeat(5000)}` } } }));
    const text = renderMarkdown(buildView(rankRun(auditRun({ hosts }))));
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
  });
});
