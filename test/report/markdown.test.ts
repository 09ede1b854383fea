import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { buildView, renderMarkdown, escapeMarkdown, MARKDOWN_MAX_BYTES } from '../../src/report/index.js';
import { packageVersion } from '../../src/paths.js';
import { auditRun, manyHosts, PIPE_NAME, HOSTILE_HTML_NAME, MARKDOWN_NAME } from '../support/fleet.js';
import { expectGolden, normalise } from './golden.js';
import { renderGfm } from '../support/gfm.js';
import { mdCode } from '../../src/report/markdown-text.js';

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
    const pipe = rows.find((r) => r[1] === mdCode(PIPE_NAME, { table: true }));
    expect(pipe).toBeDefined();
    // As GitHub renders it: one row per host, five cells each, the name whole in one of them.
    const html = renderGfm(md);
    const bodyRows = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>')).split('<tr>').slice(1);
    expect(bodyRows).toHaveLength(view.hosts.length);
    for (const r of bodyRows) expect(r.match(/<td[ >]/g)).toHaveLength(5);
    expect(html).toContain('<td><code>a|b</code></td>');
    expect(rows.map((r) => Number(r[0]))).toEqual(view.hosts.map((h) => h.rank));
  });

  test('escapes markup and HTML from hosts', () => {
    // Host names are code spans: shown literally, never markup, as GitHub renders them.
    const html = renderGfm(md);
    expect(html).not.toContain(HOSTILE_HTML_NAME);
    expect(html).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(html).not.toMatch(/<(a|em|del|img)[\s>]/);
    expect(html).toContain('<code>*bold* _em_ [link](http://example.invalid) `code` ~x~ #1 second line</code>');
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
    // The count of hosts left out comes before the footer, which stays last.
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^sockaudit \S+, run /);
    expect(lines.at(-2)).toBe('---');
    expect(lines).toContain(`${big.hosts.length - rows.length} more hosts in report.html`);
    expect(lines.indexOf(`${big.hosts.length - rows.length} more hosts in report.html`)).toBeLessThan(lines.length - 2);
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

describe('Markdown as GitHub renders it', () => {
  // Addresses GFM would link by itself: an email-shaped user@host, a www. name, a URL.
  const base = auditRun().hosts;
  const withTarget = (i: number, name: string, user: string, address: string) => {
    const h = base[i]!;
    return { ...h, outcome: { ...h.outcome, target: { ...h.outcome.target, name, user, address } } };
  };
  const gw = base.find((h) => h.outcome.target.name === 'gw-connect')!;
  const hosts = [
    withTarget(base.indexOf(base.find((h) => h.outcome.target.name === 'web-1')!), 'www.web1.example.com', 'deploy', 'web01.example.com'),
    {
      ...gw,
      outcome: {
        ...gw.outcome,
        target: { ...gw.outcome.target, user: 'demo', address: 'db.example.com', port: 37383 },
        message: 'via jump host: root@bastion.example.com:22 refused the connection; see https://example.com/runbook or www.example.com',
      },
    },
  ];
  const md = renderMarkdown(buildView(rankRun(auditRun({ hosts }))));
  const html = renderGfm(md);

  test('never turns user@host, www. names or URLs from hosts into links', () => {
    expect(md).toContain('`demo@db.example.com:37383`');
    expect(html).not.toContain('<a ');
    expect(html).not.toContain('mailto:');
    expect(html).toContain('<code>demo@db.example.com:37383</code>');
    expect(html).toContain('<code>root@bastion.example.com:22</code> refused');
    expect(html).toContain('<code>https://example.com/runbook</code>');
    expect(html).toContain('<code>www.web1.example.com</code>');
  });

  test('the renderer does link them when written as plain escaped text', () => {
    // So the test above can fail: the same strings, escaped but not in code spans, become links.
    const plain = renderGfm(`${escapeMarkdown('demo@db.example.com:37383 and www.example.com and https://example.com/x')}\n`);
    expect(plain).toContain('href="mailto:demo@db.example.com"');
    expect(plain).toContain('href="http://www.example.com"');
    expect(plain).toContain('href="https://example.com/x"');
  });
});

test('gives each remediation once, with the hosts it applies to, worst first', () => {
  const big = buildView(rankRun(auditRun({ hosts: manyHosts(700) })));
  const text = renderMarkdown(big);
  const needing = big.hosts.filter((h) => h.level !== 'ok');
  const orphanRemedies = [...new Set(needing.flatMap((h) => h.findings.filter((f) => f.id === 'orphans' && f.level !== 'ok').map((f) => f.remediation)))];
  expect(orphanRemedies.length).toBeGreaterThan(0);
  for (const r of orphanRemedies) {
    // Written once, whatever the number of hosts it applies to.
    expect(text.split(escapeMarkdown(r)).length - 1).toBe(1);
    const applies = needing.filter((h) => h.findings.some((f) => f.id === 'orphans' && f.level !== 'ok' && f.remediation === r));
    const line = text.split('\n').find((l) => l.startsWith('- ') && l.includes('**`orphans`** on '));
    expect(line).toContain(`on ${applies.length} hosts (`);
    // The first hosts named are the worst, in ranking order, and the rest are counted.
    expect(line).toContain(`${mdCode(applies[0]!.name)}, ${mdCode(applies[1]!.name)}`);
    expect(line).toMatch(new RegExp(` and ${applies.length - 20} more$`));
  }
  const section = text.slice(text.indexOf('## What to do, by finding'), text.indexOf('## Hosts needing attention'));
  expect(section.length).toBeGreaterThan(0);
  expect(text.slice(text.indexOf('## Hosts needing attention'))).not.toContain('What to do:');
});
