// The what-if and compare pages in a real headless browser: no console errors, no network, hostile
// host names shown as text, the link back to report.html.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openFile, type Loaded } from '../support/browser.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../../src/commands/outputs.js';
import { rankRun } from '../../src/run/rank.js';
import { whatif } from '../../src/commands/whatif.js';
import { compare } from '../../src/commands/compare.js';
import { captureIo } from '../support/io.js';
import { HOSTILE_NAME, savedRun } from '../support/saved-fleet.js';

let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockaudit-pages-'));
  const run = savedRun([
    { name: 'web-1', groups: ['web'], orphans: Math.round(0.3 * 65536) },
    { name: 'web-2', groups: ['web'], ramGiB: 8 },
    { name: HOSTILE_NAME, groups: ['web'], sysctl: { 'net.ipv4.tcp_max_orphans': '16384' } },
    { name: 'pod', groups: ['k8s'], container: true },
    { name: 'gw', groups: ['edge'], failed: 'connect ECONNREFUSED' },
  ]);
  await writeReports(rankRun(run), dir, ['html', 'json']);
  const from = join(dir, 'report.json');
  writeFileSync(join(dir, 'p.conf'), 'net.ipv4.tcp_max_orphans = 262144\nnet.ipv4.tcp_mem = 3145728 4194304 6291456\n');
  const base = { from, set: [], outDir: dir, formats: ['html' as const], quiet: true };
  await whatif({ ...base, sysctlFile: join(dir, 'p.conf'), setFor: [{ group: 'web', item: 'net.core.somaxconn=8192' }] }, captureIo());
  await compare({ from, by: 'group', outDir: dir, formats: ['html'], quiet: true }, captureIo());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function load(file: string): Promise<Loaded> {
  return openFile(browser, join(dir, file));
}

describe.each(['whatif.html', 'compare.html'])('%s', (file) => {
  let loaded: Loaded;
  beforeAll(async () => {
    loaded = await load(file);
  });
  afterAll(async () => {
    await loaded?.page.close();
  });

  test('opens without console errors or network requests', () => {
    expect(loaded.errors).toEqual([]);
    expect(loaded.requests).toEqual([`file://${join(dir, file)}`]);
  });

  test('shows the hostile host name as text', async () => {
    expect(await loaded.page.locator('img').count()).toBe(0);
    expect(loaded.dialogs).toEqual([]);
    const names = await loaded.page.$$eval('.name', (els) => els.map((e) => e.textContent));
    expect(names).toContain(HOSTILE_NAME);
    expect(readFileSync(join(dir, file), 'utf8')).not.toContain(HOSTILE_NAME);
  });

  test('links back to report.html', async () => {
    expect(await loaded.page.locator('nav.pages a').getAttribute('href')).toBe('report.html');
  });
});

describe('what-if page', () => {
  test('lists harm first and shows the flags of each host', async () => {
    const { page } = await load('whatif.html');
    const changes = await page.$$eval('table.ranking tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-change')));
    expect(changes[0]).toBe('worse');
    expect(await page.locator('article#whatif-1 [data-flag]').count()).toBeGreaterThan(0);
    // The pod was audited in a container: neither global key can be set there.
    expect(await page.locator('[data-flag="global-in-netns"]').count()).toBe(2);
    expect(await page.locator('[data-flag="tcp-mem-above-ram"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/sockaudit-whatif.png', fullPage: true });
    await page.close();
  });
});

describe('compare page', () => {
  test('marks the drifting cell of the one host that differs within its group', async () => {
    const { page } = await load('compare.html');
    const drift = await page.$$eval('td.drift', (tds) => tds.map((td) => ({ host: td.closest('tr')?.querySelector('.name')?.textContent, text: td.textContent })));
    expect(drift).toEqual([{ host: HOSTILE_NAME, text: '▲ 16384' }]);
    await page.screenshot({ path: '/tmp/sockaudit-compare.png', fullPage: true });
    await page.close();
  });
});
