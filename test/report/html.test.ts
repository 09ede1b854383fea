// The HTML report in a real headless browser: ranking, escaping, no network, the bars.
import { rankRun } from '../../src/run/rank.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { launchChromium, openFile, type Loaded } from '../support/browser.js';
import { writeFileSync } from 'node:fs';
import { buildView, renderHtml } from '../../src/report/index.js';
import { HOST_KEY_OFF_WARNING } from '../../src/report/view-model.js';
import { auditRun, HOSTILE_HTML_NAME } from '../support/fleet.js';
import { recordedHost, recording, runOf } from '../support/runs.js';
import { ruleById } from '../../src/evaluate/rules/index.js';

const SCREENSHOT = '/tmp/sockaudit-report.png';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/**
 * The text of an element as a reader sees it. Cards off screen are not rendered until scrolled to
 * (`content-visibility: auto`) and have no innerText till the frame after that.
 */
async function shownText(locator: Locator): Promise<string> {
  await locator.scrollIntoViewIfNeeded();
  await expect.poll(() => locator.innerText()).not.toBe('');
  return locator.innerText();
}

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
      trs.map((tr) => ({ rank: tr.querySelector('td')?.textContent?.trim(), host: tr.querySelector('td.host a, th.name')?.textContent })),
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
    const rows = await loaded.page.$$eval('table.healthy tbody tr', (trs) => trs.map((tr) => [...tr.children].map((cell) => cell.firstChild?.textContent?.trim())));
    const ok = view.hosts.find((h) => h.name === 'app-ok');
    expect(rows).toEqual([[String(ok?.rank), 'app-ok', String(ok?.score), ok?.deciding, ok?.endpoint]]);
    // Its notes on demand, folded until opened.
    const details = loaded.page.locator(`#${ok?.anchor} details.notes`);
    expect(await details.getAttribute('open')).toBeNull();
    expect(await details.locator('ul').isVisible()).toBe(false);
    await details.locator('summary').click();
    expect(await details.locator('ul').textContent()).toContain('nf_conntrack_max');
  });

  test('holds every host once, by its rank, in a card or a row', async () => {
    const ranks = await loaded.page.$$eval('article.host[data-rank], table.healthy tr[data-rank]', (els) => els.map((e) => Number(e.getAttribute('data-rank'))));
    expect(ranks).toEqual(view.hosts.map((h) => h.rank));
  });

  test('keeps in the card a rationale or remediation that is not the rule\'s own', async () => {
    // The fleet's findings carry texts of their own: each stays in its card, and no rule is linked.
    const web = view.hosts.find((h) => h.name === 'web-1');
    const orphans = web?.findings.find((f) => f.id === 'orphans');
    const section = loaded.page.locator(`#${web?.anchor} section.finding`, { hasText: 'orphans at' }).first();
    const body = await shownText(section);
    expect(body).toContain(`Why it matters: ${orphans?.rationale}`);
    expect(body).toContain(`What to do: ${orphans?.remediation}`);
    expect(await loaded.page.locator('.rule-ref').count()).toBe(0);
    expect(await loaded.page.locator('#rules-title').count()).toBe(0);
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

describe('HTML report of evaluated hosts: the Rules section and brief ok findings', () => {
  // Real evaluations: their texts are the rules' own, except where the evaluator adds to one (an
  // old kernel's note before the incidents remediation on varnish-tsuna-2638).
  const names = ['batch-abort-515', 'varnish-tsuna-2638', 'web-healthy-618'];
  const view = buildView(rankRun(runOf(names.map((n) => recordedHost(n, recording(n))))));
  const html = renderHtml(view);
  const card = (name: string) => loaded.page.locator('article.host').filter({ has: loaded.page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });
  let loaded: Loaded;

  beforeAll(async () => {
    loaded = await load(html);
    await loaded.page.setViewportSize({ width: 1200, height: 900 });
  });

  afterAll(async () => {
    await loaded?.page.close();
  });

  test('links a finding to its rule, whose section holds the rule\'s rationale and remediation once', async () => {
    const link = card('batch-abort-515').locator('section.finding', { hasText: 'TCPAbortOnMemory grew' }).locator('.rule-ref a');
    expect(await link.getAttribute('href')).toBe('#rule-incidents');
    await link.click();
    expect(loaded.page.url()).toMatch(/#rule-incidents$/);
    const target = loaded.page.locator(':target');
    expect(await target.getAttribute('id')).toBe('rule-incidents');
    const text = await target.innerText();
    expect(text).toContain(`Why it matters: ${ruleById('incidents').rationale}`);
    expect(text).toContain(`What to do: ${ruleById('incidents').remediation}`);
    expect(await target.isVisible()).toBe(true);
    // Each text once in the page, however many cards link to it.
    const pageText = await loaded.page.evaluate<string>('document.body.textContent');
    expect(pageText.split(ruleById('incidents').rationale).length - 1).toBe(1);
    // Every link resolves to a section of the page.
    const hrefs = await loaded.page.$$eval('.rule-ref a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.length).toBeGreaterThan(3);
    // Rule ids hold dots (`neighbours.conntrack`): the id is matched as an attribute, not a CSS #id.
    for (const href of new Set(hrefs)) expect(await loaded.page.locator(`section.rule[id="${href.slice(1)}"]`).count(), href).toBe(1);
  });

  test('keeps a remediation the evaluator changed in the card, and links the rationale', async () => {
    const incidents = view.hosts.find((h) => h.name === 'varnish-tsuna-2638')?.findings.find((f) => f.id === 'incidents');
    expect(incidents?.remediation).not.toBe(ruleById('incidents').remediation);
    const section = card('varnish-tsuna-2638').locator('section.finding', { has: loaded.page.locator('.finding-id', { hasText: /^incidents$/ }) });
    const text = await shownText(section);
    expect(text).toContain(`What to do: ${incidents?.remediation}`);
    expect(text).not.toContain(ruleById('incidents').rationale);
    expect(await section.locator('.rule-ref').innerText()).toBe('Why it matters: rule incidents');
  });

  test('shows a finding at ok as one line, without figures or thresholds', async () => {
    const host = view.hosts.find((h) => h.name === 'batch-abort-515');
    const ok = host?.findings.filter((f) => f.level === 'ok') ?? [];
    expect(ok.length).toBeGreaterThan(3);
    const lines = card('batch-abort-515').locator('ul.findings-ok li');
    expect(await lines.count()).toBe(ok.length);
    for (let i = 0; i < ok.length; i++) {
      const line = lines.nth(i);
      expect((await line.textContent())?.replace(/\s+/g, ' ')).toBe(`✔ ok ${ok[i]?.key} ${ok[i]?.summary}`);
      expect(await line.locator('dl, .thresholds').count()).toBe(0);
      // One line at this width: no taller than the badge's line.
      const box = await line.boundingBox();
      expect(box?.height).toBeLessThan(40);
    }
    // Findings above ok keep their figures and thresholds.
    const notOk = host?.findings.filter((f) => f.level !== 'ok') ?? [];
    expect(await card('batch-abort-515').locator('section.finding dl.kv').count()).toBe(notOk.length);
  });

  test('gives the healthy host its row, not a card', async () => {
    expect(await card('web-healthy-618').count()).toBe(0);
    expect(await loaded.page.locator('table.healthy th.name').allInnerTexts()).toEqual(['web-healthy-618']);
    expect(loaded.errors).toEqual([]);
  });
});
