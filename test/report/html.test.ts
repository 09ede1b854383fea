// The HTML report in a real headless browser: ranking, escaping, no network, the bars.
import { rankRun } from '../../src/run/rank.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openFile, type Loaded } from '../support/browser.js';
import { writeFileSync } from 'node:fs';
import { buildView, renderHtml } from '../../src/report/index.js';
import { HOST_KEY_OFF_WARNING } from '../../src/report/view-model.js';
import { auditRun, HOSTILE_HTML_NAME } from '../support/fleet.js';

const SCREENSHOT = '/tmp/sockaudit-report.png';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

function load(html: string): Promise<Loaded> {
  const path = `/tmp/sockaudit-report-${process.pid}.html`;
  writeFileSync(path, html);
  return openFile(browser, path);
}

describe('HTML report', () => {
  const run = auditRun({ hostKeyPolicy: 'off' });
  const view = buildView(rankRun(run));
  const html = renderHtml(view);
  let loaded: Loaded;

  beforeAll(async () => {
    loaded = await load(html);
  });

  afterAll(async () => {
    await loaded?.page.close();
  });

  test('lists the hosts in ranked order', async () => {
    const rows = await loaded.page.$$eval('table.ranking tbody tr', (trs) =>
      trs.map((tr) => ({ rank: tr.querySelector('td')?.textContent?.trim(), host: tr.querySelector('td.host a, td.host .name')?.textContent })),
    );
    expect(rows.map((r) => r.host)).toEqual(view.hosts.map((h) => h.name));
    expect(rows.map((r) => Number(r.rank))).toEqual(view.hosts.map((_, i) => i + 1));
    // The order itself: not audited first, then critical down to ok.
    const firstAudited = view.hosts.findIndex((h) => h.level !== 'not-audited');
    expect(view.hosts.slice(0, firstAudited).every((h) => h.level === 'not-audited')).toBe(true);
    expect(view.hosts[firstAudited]?.name).toBe('web-1');
    expect(view.hosts.at(-1)?.name).toBe('app-ok');
  });

  test('gives hosts that need attention a card each and healthy ones a row in one compact table', async () => {
    const healthy = view.hosts.filter((h) => h.level === 'ok').map((h) => h.name);
    expect(healthy).toEqual(['app-ok']);
    const cards = await loaded.page.$$eval('article.host .name', (els) => els.map((e) => e.textContent));
    expect(cards).toEqual(view.hosts.filter((h) => !healthy.includes(h.name)).map((h) => h.name));
    const rows = await loaded.page.$$eval('table.healthy tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.querySelector('summary')?.textContent ?? td.textContent?.trim())));
    const ok = view.hosts.find((h) => h.name === 'app-ok');
    expect(rows).toEqual([[String(ok?.rank), 'app-ok', String(ok?.score), ok?.deciding]]);
    // Its facts and notes on demand, folded until opened.
    const details = loaded.page.locator(`#${ok?.anchor} details`);
    expect(await details.getAttribute('open')).toBeNull();
    expect(await details.locator('.where').isVisible()).toBe(false);
    await details.locator('summary').click();
    expect(await details.locator('.where').textContent()).toContain(ok?.endpoint);
    expect(await details.locator('.notes').textContent()).toContain('nf_conntrack_max');
  });

  test('makes no network request and logs no error', () => {
    expect(loaded.requests).toHaveLength(1);
    expect(loaded.requests[0]).toMatch(/^file:\/\/.*\.html$/);
    expect(loaded.errors).toEqual([]);
  });

  test('shows a hostile host name as text', async () => {
    expect(await loaded.page.locator('img').count()).toBe(0);
    expect(loaded.dialogs).toEqual([]);
    const names = await loaded.page.$$eval('article.host .name', (els) => els.map((e) => e.textContent));
    expect(names).toContain(HOSTILE_HTML_NAME);
    expect(html).not.toContain(HOSTILE_HTML_NAME);
  });

  test('draws the orphan and memory bars for an audited host', async () => {
    const web = view.hosts.find((h) => h.name === 'web-1');
    expect(web).toBeDefined();
    const article = loaded.page.locator(`#${web?.anchor}`);
    const bar = article.locator('figure[data-bar="orphans"] svg');
    expect(await bar.count()).toBe(1);
    const fillWidth = await bar.locator('rect.fill').getAttribute('width');
    // 21,564 of 65,536 orphans.
    expect(Number(fillWidth?.replace('%', ''))).toBeCloseTo((21_564 / 65_536) * 100, 1);
    expect(await bar.locator('line.mark').count()).toBe(3);
    const box = await bar.boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(await article.locator('figure[data-bar="tcp-memory"] svg').count()).toBe(1);
  });

  test('states the gate and the host-key warning visibly', async () => {
    const alert = loaded.page.locator('[role="alert"]');
    expect(await alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toContain(HOST_KEY_OFF_WARNING);
    expect(await loaded.page.locator('header.top').textContent()).toContain('--fail-on warning');
  });

  test('shows each failure with its stage and message', async () => {
    const hostKey = view.hosts.find((h) => h.name === 'gw-hostkey');
    const text = await loaded.page.locator(`#${hostKey?.anchor} .failure`).textContent();
    expect(text).toContain('host-key');
    expect(text).toContain('host key mismatch for 127.0.0.10');
    expect(text).toContain('SHA256:AAAAexpected');
  });

  test('follows the light and dark colour schemes', async () => {
    // A string expression: the test's TypeScript has no DOM library.
    const background = () => loaded.page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
    await loaded.page.setViewportSize({ width: 1200, height: 900 });
    await loaded.page.emulateMedia({ colorScheme: 'light' });
    const light = await background();
    await loaded.page.screenshot({ path: SCREENSHOT });
    await loaded.page.locator('article.host.lvl-critical').screenshot({ path: SCREENSHOT.replace('.png', '-host.png') });
    await loaded.page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    await loaded.page.screenshot({ path: SCREENSHOT.replace('.png', '-dark.png') });
    expect(light).toBe('rgb(255, 255, 255)');
    expect(dark).not.toBe(light);
  });
});
