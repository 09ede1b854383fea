// compare: a key missing on older kernels is not a value, relative limits coloured by the checks'
// lines, --by group by default when the inventory has groups; and compare.html in chromium: the host
// column stays in view when the table scrolls right, the relative limits sit beside it, and sysctl
// keys never break mid-word.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, openFile } from '../support/browser.js';
import { assembleCompare, defaultCompareBy } from '../../src/run/compare.js';
import { writeReports } from '../../src/commands/outputs.js';
import { compare } from '../../src/commands/compare.js';
import { buildCompareView } from '../../src/report/compare-render.js';
import { rankRun } from '../../src/run/rank.js';
import type { AuditRun } from '../../src/run/types.js';
import { captureIo } from '../support/io.js';
import { savedRun } from '../support/saved-fleet.js';

const CONNTRACK = 'net.netfilter.nf_conntrack_max';

/** web: two hosts with conntrack, three on an older kernel without it; one with tcp_mem above its RAM. */
function fleetRun(): AuditRun {
  const run = savedRun([
    { name: 'web-1', groups: ['web'], sysctl: { [CONNTRACK]: '262144' } },
    { name: 'web-2', groups: ['web'], sysctl: { [CONNTRACK]: '262144' } },
    { name: 'web-old-1', groups: ['web'], kernel: '3.10.0-1160.el7.x86_64' },
    { name: 'web-old-2', groups: ['web'], kernel: '3.10.0-1160.el7.x86_64' },
    { name: 'web-old-3', groups: ['web'], kernel: '3.10.0-1160.el7.x86_64', ramGiB: 1 },
    { name: 'db-1', groups: ['db'], orphans: 20_000 },
  ]);
  for (const h of run.hosts) {
    if (h.outcome.status !== 'failed' && h.outcome.target.name.startsWith('web-old')) h.outcome.snapshot.sysctl[CONNTRACK] = { state: 'missing' };
  }
  return run;
}

describe('compare model', () => {
  test('a key missing on older kernels is not the most common value, and not drift', () => {
    const model = assembleCompare(fleetRun(), 'group');
    const web = model.groups.find((g) => g.name === 'web');
    const row = web?.keys.find((k) => k.key === CONNTRACK);
    expect(row?.common).toBe('262144');
    expect(row?.drift).toEqual([]);
    expect(row?.absent.map((a) => a.host).sort()).toEqual(['web-old-1', 'web-old-2', 'web-old-3']);
    expect(row?.absent.every((a) => a.value === 'missing')).toBe(true);
    expect(model.driftingHosts).toBe(0);
  });

  test('relative limits carry the level of the check that judges them', () => {
    const model = assembleCompare(fleetRun(), 'fleet');
    const hosts = model.groups.flatMap((g) => g.hosts);
    const small = hosts.find((h) => h.name === 'web-old-3');
    // 371,130 pages x 4096 of 1 GiB: 141.6 % of RAM, above limits-vs-ram's warning line.
    expect(small?.limits.tcpMemHighOfRam.value).toBeCloseTo(141.57, 1);
    expect(small?.limits.tcpMemHighOfRam.level).toBe('warning');
    expect(hosts.find((h) => h.name === 'web-1')?.limits.tcpMemHighOfRam.level).toBe('ok');
    // 20,000 of 65,536 orphans: 30.5 %, past orphans' critical line; and under 4 x the peak.
    const db = hosts.find((h) => h.name === 'db-1');
    expect(db?.limits.orphansOfLimit.level).toBe('critical');
    expect(db?.limits.maxOrphansOfPeak.level).toBe('critical');
  });

  test('a config moves the lines that colour them, as it moves the checks', () => {
    const model = assembleCompare(fleetRun(), 'fleet', { thresholds: { 'limits-vs-ram': { notice: 100, warning: 200 } }, skip: [] });
    const small = model.groups.flatMap((g) => g.hosts).find((h) => h.name === 'web-old-3');
    expect(small?.limits.tcpMemHighOfRam.level).toBe('ok');
    expect(model.limitColumns[0]?.judgedBy).toBe('limits-vs-ram: warning above 200 % of RAM');
  });

  test("each host's cells: its value cleaned, drift and absence marked, the row's common value as title", () => {
    const run = fleetRun();
    const web2 = run.hosts.find((h) => h.outcome.target.name === 'web-2')!;
    if (web2.outcome.status !== 'failed') web2.outcome.snapshot.sysctl['net.core.somaxconn'] = { state: 'ok', value: [9999] };
    const view = buildCompareView(assembleCompare(run, 'group'), { tool: run.tool, from: null, auditedAt: run.startedAt, reportHref: null, warnings: [] }, []);
    const web = view.groups.find((g) => g.name === 'web')!;
    const col = (key: string) => web.columns.findIndex((c) => c.key === key);
    const cell = (host: string, key: string) => web.hosts.find((h) => h.name === host)!.cells[col(key)]!;
    expect(cell('web-old-1', CONNTRACK)).toEqual({ value: 'missing', drift: false, absent: true, title: 'common: 262144' });
    expect(cell('web-1', CONNTRACK)).toEqual({ value: '262144', drift: false, absent: false, title: 'common: 262144' });
    const common = cell('web-1', 'net.core.somaxconn').value;
    expect(cell('web-2', 'net.core.somaxconn')).toEqual({ value: '9999', drift: true, absent: false, title: `common: ${common}` });
    expect(web.hosts.find((h) => h.name === 'web-2')!.driftCount).toBe(1);
  });

  test('--by defaults to group when the inventory has groups, else to the fleet', () => {
    expect(defaultCompareBy(fleetRun())).toBe('group');
    expect(assembleCompare(fleetRun()).by).toBe('group');
    const ungrouped = savedRun([{ name: 'a' }, { name: 'b' }]);
    expect(defaultCompareBy(ungrouped)).toBe('fleet');
  });
});

describe('compare.html in chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sockaudit-compare-'));
    await writeReports(rankRun(fleetRun()), dir, ['html', 'json']);
    // Written by the command too, without --by: grouped by inventory group.
    await compare({ from: join(dir, 'report.json'), outDir: join(dir, 'cmd'), formats: ['json'], quiet: true }, captureIo());
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the audit and the command group by inventory group without --by', async () => {
    const doc = JSON.parse(readFileSync(join(dir, 'cmd', 'compare.json'), 'utf8'));
    expect(doc.by).toBe('group');
    expect(readFileSync(join(dir, 'compare.html'), 'utf8')).toContain("each host&#x27;s first inventory group");
  });

  test('keeps the host column in view after scrolling the table right', async () => {
    const { page, errors } = await openFile(browser, join(dir, 'compare.html'), { width: 700, height: 900 });
    const scroller = page.locator('section.group').first().locator('.scroll:has(table.matrix)');
    const before = await page.locator('section.group').first().locator('table.matrix tbody th.host').first().boundingBox();
    const moved = await scroller.evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
      return { left: el.scrollLeft, box: el.getBoundingClientRect().toJSON() as { x: number; width: number } };
    });
    // The table is wider than the viewport, so the scroll really moved.
    expect(moved.left).toBeGreaterThan(200);
    const host = await page.locator('section.group').first().locator('table.matrix tbody th.host').first().boundingBox();
    expect(host).not.toBeNull();
    expect(before).not.toBeNull();
    expect(host!.x).toBeCloseTo(before!.x, 0);
    expect(host!.x).toBeGreaterThanOrEqual(moved.box.x - 1);
    expect(host!.x + host!.width).toBeLessThanOrEqual(moved.box.x + moved.box.width);
    // And it is on top: the point at its centre belongs to the host cell, not a scrolled cell under it.
    const hit = await page.evaluate<boolean>(`document.elementFromPoint(${host!.x + host!.width / 2}, ${host!.y + 8})?.closest('th.host') !== null`);
    expect(hit).toBe(true);
    await page.screenshot({ path: '/tmp/sockaudit-compare-scrolled.png' });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('puts the relative limits next to the host column, coloured by level', async () => {
    const { page } = await openFile(browser, join(dir, 'compare.html'), { width: 1200, height: 900 });
    const heads = await page.locator('table.matrix').first().locator('thead th').allTextContents();
    expect(heads[0]).toBe('Host');
    expect(heads.slice(1, 6)).toEqual([
      'tcp_mem high, % of RAM',
      'udp_mem high, % of RAM',
      'peak orphans, % of tcp_max_orphans',
      'tcp_max_orphans, times the peak orphans',
      'tcp_max_orphans x 64 KiB, % of RAM',
    ]);
    const warned = page.locator('tr:has(.name:text-is("web-old-3")) td.limit').first();
    expect(await warned.getAttribute('data-level')).toBe('warning');
    const colours = await page.evaluate<{ warningBg: string; cell: string | null; ok: string | null }>(`(() => {
      const probe = document.createElement('span');
      probe.className = 'lvl-warning';
      probe.style.background = 'var(--lvl-bg)';
      document.body.append(probe);
      const warningBg = getComputedStyle(probe).backgroundColor;
      const rowOf = (name) => [...document.querySelectorAll('tr')].find((tr) => tr.querySelector('.name')?.textContent === name);
      const cell = rowOf('web-old-3')?.querySelector('td.limit');
      const okCell = rowOf('web-1')?.querySelector('td.limit');
      return { warningBg, cell: cell ? getComputedStyle(cell).backgroundColor : null, ok: okCell ? getComputedStyle(okCell).backgroundColor : null };
    })()`);
    expect(colours.cell).toBe(colours.warningBg);
    expect(colours.ok).not.toBe(colours.warningBg);
    await page.close();
  });

  test('sysctl keys are never broken mid-word, even in a narrow window', async () => {
    const { page } = await openFile(browser, join(dir, 'compare.html'), { width: 360, height: 800 });
    const lines = await page.$$eval('code.key', (els) => els.map((e) => ({ text: e.textContent, lines: e.getClientRects().length })));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toEqual({ text: l.text, lines: 1 });
    // Column titles too: the text of each key heading lies on one line.
    const headLines = await page.$$eval('table.matrix thead th.key', (els) =>
      els.map((e) => {
        const range = e.ownerDocument.createRange();
        range.selectNodeContents(e);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      }),
    );
    expect(headLines.length).toBeGreaterThan(0);
    expect(new Set(headLines)).toEqual(new Set([1]));
    await page.close();
  });

  test('says which hosts lack a key instead of marking them as drift', async () => {
    const { page } = await openFile(browser, join(dir, 'compare.html'));
    const lines = await page.locator(`.absent-line[data-absent="${CONNTRACK}"]`).allTextContents();
    const web = lines.find((l) => l.includes('web-old-1'));
    expect(web).toContain('web-old-2');
    expect(web).toContain('web-old-3');
    expect(web).not.toContain('web-1 ');
    expect(await page.locator('td.drift').count()).toBe(0);
    await page.close();
  });
});
