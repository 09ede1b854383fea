// End to end: the real audit() command, with --samples 3, over SSH against the in-process recorded
// fleet (strict host keys from a known_hosts file, a client key of its own), then the JSON it wrote
// and the HTML charts in headless chromium.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openFile, type Loaded } from '../support/browser.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { audit, type AuditResult } from '../../src/commands/audit.js';
import { captureIo } from '../support/io.js';
import { serveRecordedTargets, type ServedFleet } from '../../src/demo/hosts.js';
import { servedFleetAudit } from '../../src/commands/demo.js';
import { craftRecording, readRecording } from '../support/craft.js';

const SCREENSHOT_HOST = '/tmp/sockaudit-sampling-host.png';
const SCREENSHOT_CHART = '/tmp/sockaudit-sampling-chart.png';
const SCREENSHOT_PAGE = '/tmp/sockaudit-sampling-report.png';

const healthy = readRecording('web-healthy-618');
const quiet = { orphan: 10, tw: 20, mem: 300 };
const ABORTS = [0, 2, 6];
const ORPHANS = [900, 40_000, 1200];
const HOSTS = [
  { name: 'batch-abort-515', recording: readRecording('batch-abort-515') },
  // Healthy gauges; only TCPAbortOnMemory grows, so nothing but the growth can make it critical.
  { name: 'aborts-growing', recording: craftRecording(healthy, ABORTS.map((n) => ({ tcp: quiet, tcpExt: { TCPAbortOnMemory: n } }))) },
  { name: 'peak-in-middle', recording: craftRecording(healthy, ORPHANS.map((orphan, k) => ({ tcp: { ...quiet, orphan, tw: 20 + k } }))) },
  { name: 'web-healthy-618', recording: healthy },
];

interface JsonHost {
  name: string;
  status: string;
  verdict: string;
  decidedBy: string | null;
  findings: { id: string; level: string; figures: Record<string, unknown> }[];
  snapshot: { samples: { uptimeSeconds?: number; sockstat: { state: string; value?: { tcp?: Record<string, number> } } }[] };
}

let tmp: string;
let served: ServedFleet;
let result: AuditResult;
let hosts: Map<string, JsonHost>;
let html: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sockaudit-sampling-'));
  served = await serveRecordedTargets(HOSTS, { user: 'sampler', group: 'sampling' });
  result = await audit(
    servedFleetAudit(served, { concurrency: 4, hostTimeoutSeconds: 20, samples: 3, intervalSeconds: 1, outDir: join(tmp, 'out'), formats: ['html', 'json'] }),
    captureIo(),
  );
  const doc = JSON.parse(await readFile(join(tmp, 'out', 'report.json'), 'utf8')) as { run: { samples: number }; hosts: JsonHost[] };
  expect(doc.run.samples).toBe(3);
  hosts = new Map(doc.hosts.map((h) => [h.name, h]));
  html = await readFile(join(tmp, 'out', 'report.html'), 'utf8');
});

afterAll(async () => {
  await served?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function host(name: string): JsonHost {
  const h = hosts.get(name);
  if (!h) throw new Error(`no host ${name} in the JSON report`);
  return h;
}

function finding(name: string, id: string): JsonHost['findings'][number] {
  const f = host(name).findings.find((x) => x.id === id);
  if (!f) throw new Error(`${name}: no finding ${id}`);
  return f;
}

function sampled(name: string, field: string): number[] {
  return host(name).snapshot.samples.map((s) => s.sockstat.value?.tcp?.[field] as number);
}

describe('audit --samples 3 over SSH', () => {
  test('audits every host, with the samples each recording holds', () => {
    expect([...hosts.values()].map((h) => h.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    for (const name of ['batch-abort-515', 'aborts-growing', 'peak-in-middle']) expect(host(name).snapshot.samples).toHaveLength(3);
    expect(host('web-healthy-618').snapshot.samples).toHaveLength(1);
  });

  test('a host whose TCPAbortOnMemory grows between samples is critical, decided by that growth', () => {
    const h = host('aborts-growing');
    expect(h.verdict).toBe('critical');
    expect(h.decidedBy).toBe('incidents');
    expect(finding('aborts-growing', 'incidents').figures.abortsGrowth).toBe(ABORTS[2]! - ABORTS[0]!);
    expect(finding('aborts-growing', 'orphans').level).toBe('ok');
    expect(result.judgement.atOrAboveGate).toContain('aborts-growing');
    expect(result.judgement.exitCode).toBe(1);
  });

  test('the peak gauges are the maxima of the samples', () => {
    for (const name of ['batch-abort-515', 'peak-in-middle']) {
      expect(finding(name, 'orphans').figures.orphan).toBe(Math.max(...sampled(name, 'orphan')));
      expect(finding(name, 'time-wait').figures.tw).toBe(Math.max(...sampled(name, 'tw')));
      expect(finding(name, 'tcp-memory').figures.memAsPrinted).toBe(Math.max(...sampled(name, 'mem')));
    }
    expect(finding('peak-in-middle', 'orphans').figures.orphan).toBe(ORPHANS[1]);
    expect(finding('peak-in-middle', 'orphans').level).toBe('critical');
    expect(finding('batch-abort-515', 'incidents').level).toBe('critical');
  });
});

describe('the HTML charts in headless chromium', () => {
  let browser: Browser;
  let page: Page;
  let loaded: Loaded;

  beforeAll(async () => {
    browser = await launchChromium();
    loaded = await openFile(browser, join(tmp, 'out', 'report.html'), { width: 1100, height: 900 });
    page = loaded.page;
  });

  afterAll(async () => {
    await browser?.close();
  });

  const article = (name: string) => page.locator('article.host').filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

  test('loads with no console error and no request but the file', () => {
    expect([...loaded.errors, ...loaded.warnings]).toEqual([]);
    expect(loaded.requests).toEqual([expect.stringMatching(/^file:\/\/.*report\.html$/)]);
    expect(html).not.toMatch(/<script/i);
  });

  test('draws three charts of three points for each sampled host, none for one sample', async () => {
    for (const name of ['batch-abort-515', 'aborts-growing', 'peak-in-middle']) {
      const charts = article(name).locator('figure.chart');
      expect(await charts.count()).toBe(3);
      expect(await charts.evaluateAll((figs) => figs.map((f) => f.getAttribute('data-chart')))).toEqual(['orphans', 'tcp-memory', 'time-wait']);
      for (let i = 0; i < 3; i++) {
        expect(await charts.nth(i).locator('svg circle.point').count()).toBe(3);
        expect(await charts.nth(i).locator('table tbody tr').count()).toBe(3);
      }
    }
    // A healthy host is a row of the compact table, with no card and so no chart.
    expect(await article('web-healthy-618').count()).toBe(0);
    const row = page.locator('table.healthy tbody tr').filter({ has: page.locator('.name', { hasText: /^web-healthy-618$/ }) });
    expect(await row.count()).toBe(1);
    expect(await page.locator('figure.chart').count()).toBe(9);
  });

  test('puts the middle sample highest and the limits on the orphan chart', async () => {
    const svg = article('peak-in-middle').locator('figure[data-chart="orphans"] svg');
    const cys = await svg.locator('circle.point').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
    expect(cys[1]).toBeLessThan(cys[0]!);
    expect(cys[1]).toBeLessThan(cys[2]!);
    expect(await svg.locator('circle.point.peak').getAttribute('cy')).toBe(String(cys[1]));
    const labels = await svg.locator('text.limit-label').allTextContents();
    expect(labels.map((l) => l.split(' ')[0])).toEqual(['tcp_max_orphans', 'quarter']);
    const box = await svg.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(80);
  });

  test('names the numbers for assistive technology, with a table fallback', async () => {
    const svg = article('peak-in-middle').locator('figure[data-chart="orphans"] svg');
    expect(await svg.getAttribute('role')).toBe('img');
    // The image is named by its <title>, once in the page rather than again in an aria-label.
    const label = (await svg.locator('title').first().textContent()) ?? '';
    for (const v of ORPHANS) expect(label).toContain(v.toLocaleString('en-US'));
    expect(await page.getByRole('img', { name: label, exact: true }).count()).toBe(1);
    const cells = await article('peak-in-middle').locator('figure[data-chart="orphans"] table tbody tr td:nth-child(3)').allTextContents();
    expect(cells).toEqual(ORPHANS.map((v) => v.toLocaleString('en-US')));
  });

  test('screenshots of a sampled host and the whole report', async () => {
    const target = article('batch-abort-515');
    await target.locator('figure.chart details').first().evaluate((d) => d.setAttribute('open', ''));
    await target.screenshot({ path: SCREENSHOT_HOST });
    await article('peak-in-middle').locator('figure[data-chart="orphans"]').screenshot({ path: SCREENSHOT_CHART });
    await page.screenshot({ path: SCREENSHOT_PAGE, fullPage: true });
    const png = await readFile(SCREENSHOT_HOST);
    // PNG signature, and a picture of some size.
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });
});
