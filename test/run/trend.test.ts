import { rankRun } from '../../src/run/rank.js';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openFile } from '../support/browser.js';
import { buildView, renderHtml, renderMarkdown } from '../../src/report/index.js';
import { encodeSavedRunText } from '../../src/run/saved-run.js';
import { assembleDigest, diffRuns, worseHosts, type HostTrend, type Trend } from '../../src/run/trend.js';
import { judgeRun } from '../../src/run/judge.js';
import { renderTrendText } from '../../src/cli/summary.js';
import { gateOnTrend } from '../../src/run/judge.js';
import { expectValidReport } from '../support/schema.js';
import { counterOf, failedHost, recordedHost, recording, runOf, withBootId, withCounter, withSection, withUptime } from '../support/runs.js';

const WEEK = 7 * 24 * 3600;
const HOSTILE = '<b onmouseover=x>web|*2*</b>';

const healthy = recording('web-healthy-618');
const cacheHot = recording('cache-hot-61');

/** Last week: web-1 healthy, cache-1 with 37 aborts since boot, old-1 still there, gw-1 reachable. */
function baselineRun() {
  return runOf(
    [
      recordedHost('web-1', withCounter(healthy, 'TCPAbortOnMemory', 0)),
      recordedHost('cache-1', cacheHot),
      recordedHost('old-1', healthy),
      recordedHost('gw-1', healthy),
      recordedHost('same-1', healthy),
      recordedHost(HOSTILE, healthy),
    ],
    { startedAt: '2025-02-24T06:00:00.000Z' },
  );
}

/** This week: web-1 at 30 % of tcp_max_orphans with aborts, cache-1 rebooted, old-1 gone, new-1 new, gw-1 unreachable. */
function currentRun() {
  const web = withCounter(withUptime(withSection(healthy, 'proc/net/sockstat', (t) => t.replace('orphan 0', 'orphan 40000')), 392 + WEEK), 'TCPAbortOnMemory', 12);
  const cache = withCounter(withUptime(withBootId(cacheHot, '11111111-2222-4333-8444-555555555555'), 300), 'TCPAbortOnMemory', 5);
  return runOf([
    recordedHost('web-1', web),
    recordedHost('cache-1', cache),
    recordedHost('new-1', healthy),
    failedHost('gw-1', 'connect', 'connection refused'),
    recordedHost('same-1', healthy),
    recordedHost(HOSTILE, withSection(healthy, 'proc/net/sockstat', (t) => t.replace('orphan 0', 'orphan 40000'))),
  ]);
}

function trendOf(before = baselineRun(), after = currentRun()): Trend {
  return diffRuns(assembleDigest(before), assembleDigest(after));
}

function host(trend: Trend, name: string): HostTrend {
  const t = trend.hosts.find((h) => h.name === name);
  if (!t) throw new Error(`${name} not in the trend`);
  return t;
}

describe('diff of two runs', () => {
  const trend = trendOf();

  test('a host that became critical: worse, its new finding, the counter growth since the baseline', () => {
    const web = host(trend, 'web-1');
    expect(web.change).toBe('worse');
    expect(web.before?.level).toBe('ok');
    expect(web.after?.level).toBe('critical');
    expect(web.scoreDelta).toBe((web.after?.score ?? 0) - (web.before?.score ?? 0));
    expect(web.scoreDelta).toBeGreaterThan(0);
    expect(web.newFindings.map((f) => f.key)).toContain('orphans');
    expect(web.rebooted).toBe(false);
    expect(web.counters).toEqual([{ name: 'TCPAbortOnMemory', before: 0, after: 12, growth: 12, reset: null }]);
  });

  test('a host that rebooted: counters counted since the reboot, never a negative change', () => {
    const cache = host(trend, 'cache-1');
    expect(counterOf(currentRun().hosts[1]!, 'TCPAbortOnMemory')).toBeLessThan(counterOf(baselineRun().hosts[1]!, 'TCPAbortOnMemory'));
    expect(cache.rebooted).toBe(true);
    const aborts = cache.counters.find((c) => c.name === 'TCPAbortOnMemory');
    expect(aborts).toEqual({ name: 'TCPAbortOnMemory', before: 37, after: 5, growth: 5, reset: 'reboot' });
    for (const c of cache.counters) expect(Number(c.growth)).toBeGreaterThan(0);
  });

  test('a lower uptime alone also reads as a reboot', () => {
    const noBootId = { ...cacheHot, sections: cacheHot.sections.filter((s) => s.name !== 'boot-id') };
    const before = runOf([recordedHost('cache-1', noBootId)]);
    const after = runOf([recordedHost('cache-1', withCounter(withUptime(noBootId, 60), 'TCPAbortOnMemory', 2))]);
    const cache = host(trendOf(before, after), 'cache-1');
    expect(cache.rebooted).toBe(true);
    expect(cache.counters[0]).toMatchObject({ name: 'TCPAbortOnMemory', growth: 2, reset: 'reboot' });
  });

  test('a counter that went down with the same boot is read as restarted, not as negative', () => {
    const before = runOf([recordedHost('cache-1', cacheHot)]);
    const after = runOf([recordedHost('cache-1', withCounter(withUptime(cacheHot, 90000), 'TCPAbortOnMemory', 4))]);
    const cache = host(trendOf(before, after), 'cache-1');
    expect(cache.rebooted).toBe(false);
    expect(cache.counters[0]).toMatchObject({ name: 'TCPAbortOnMemory', before: 37, after: 4, growth: 4, reset: 'decrease' });
  });

  test('hosts removed and added, a host no longer audited, and unchanged hosts only counted', () => {
    expect(host(trend, 'old-1')).toMatchObject({ change: 'removed', after: null, before: { level: 'ok' } });
    expect(host(trend, 'new-1')).toMatchObject({ change: 'added', before: null, after: { level: 'ok' } });
    expect(host(trend, 'gw-1')).toMatchObject({ change: 'not-audited', after: { level: 'not-audited', score: null } });
    expect(trend.hosts.map((h) => h.name)).not.toContain('same-1');
    // cache-1 keeps its verdict (its aborts since boot still count): listed for its reboot and counters, counted as same.
    expect(host(trend, 'cache-1').change).toBe('same');
    expect(trend.counts).toMatchObject({ worse: 2, removed: 1, added: 1, 'not-audited': 1, same: 2, countersGrew: 2, rebooted: 1 });
  });

  test('most urgent first, in a stable order', () => {
    expect(trend.hosts.map((h) => h.change)).toEqual(['worse', 'worse', 'not-audited', 'added', 'removed', 'same']);
    expect(trendOf(baselineRun(), { ...currentRun(), hosts: [...currentRun().hosts].reverse() })).toEqual(trend);
  });

  test('--fail-on-worse names the hosts that got worse or had sockets killed', () => {
    expect(worseHosts(trend).sort()).toEqual([HOSTILE, 'cache-1', 'web-1'].sort());
    expect(worseHosts(trendOf(baselineRun(), baselineRun()))).toEqual([]);
  });
});

describe('the trend in the reports', () => {
  const run = { ...currentRun(), baseline: assembleDigest(baselineRun()) };
  const ranked = rankRun(run);
  const view = buildView(ranked);

  test('JSON: the baseline digest and the trend, valid against the schema', () => {
    const doc = JSON.parse(encodeSavedRunText(ranked)) as { baseline: { hosts: { name: string }[] }; trend: Trend };
    expectValidReport(doc);
    expect(doc.baseline.hosts.map((h) => h.name)).toEqual([HOSTILE, 'cache-1', 'gw-1', 'old-1', 'same-1', 'web-1'].sort());
    expect(doc.trend.hosts.map((h) => h.name)).toEqual(trendOf().hosts.map((h) => h.name));
  });

  test('JSON without a baseline has neither key, and is still valid', () => {
    const plain = currentRun();
    const doc = JSON.parse(encodeSavedRunText(rankRun(plain))) as Record<string, unknown>;
    expectValidReport(doc);
    expect(doc).not.toHaveProperty('trend');
    expect(doc).not.toHaveProperty('baseline');
  });

  test('HTML: a section of its own, hostile names as text, links to hosts still in the run', () => {
    const html = renderHtml(view);
    const section = html.slice(html.indexOf('<section aria-labelledby="trend-title">'), html.indexOf('</section>', html.indexOf('trend-title')));
    expect(section).toContain('Since the baseline');
    expect(section).toContain('data-change="worse"');
    expect(section).toContain('data-change="removed"');
    expect(section).toContain('TCPAbortOnMemory +5 (counted since the reboot)');
    expect(section).not.toContain('<b onmouseover');
    expect(section).toContain('&lt;b onmouseover&#x3D;x&gt;web|*2*&lt;/b&gt;');
    const webAnchor = view.hosts.find((h) => h.name === 'web-1')?.anchor;
    expect(section).toContain(`<a href="#${webAnchor}">web-1</a>`);
    expect(section).not.toMatch(/<a href="#[^"]*">old-1<\/a>/);
  });

  describe('HTML in headless chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    test('the trend section shows, worst change first, with no console error, request or dialog', async () => {
      const path = `/tmp/sockaudit-trend-${process.pid}.html`;
      writeFileSync(path, renderHtml(view));
      const loaded = await openFile(browser, path);
      const rows = loaded.page.locator('section[aria-labelledby="trend-title"] [data-change]');
      const changes = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-change')));
      expect(changes.length).toBeGreaterThan(3);
      expect(changes[0]).toBe('worse');
      expect(changes).toContain('removed');
      await expect(loaded.page.locator('section[aria-labelledby="trend-title"]').innerText()).resolves.toContain('<b onmouseover=x>web|*2*</b>');
      expect(await loaded.page.locator('b[onmouseover]').count()).toBe(0);
      expect(loaded.errors).toEqual([]);
      expect(loaded.dialogs).toEqual([]);
      expect(loaded.requests).toEqual([`file://${path}`]);
      await loaded.page.close();
    });
  });

  test('Markdown: verdict still first, a trend table without timestamps, names escaped', () => {
    const md = renderMarkdown(view);
    expect(md.split('\n')[0]).toBe(`# sockaudit: ${view.verdictLine}`);
    const part = md.slice(md.indexOf('## Since the baseline'));
    expect(part).toContain('| `web-1` | ↑ worse | ok');
    const rows = part.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Host'));
    expect(rows).toHaveLength(trendOf().hosts.length);
    for (const r of rows) expect(r).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    // Names are code spans: literal text, the pipe escaped for the table.
    expect(part).toContain('`<b onmouseover=x>web\\|*2*</b>`');
  });
});

describe('gates and text', () => {
  const run = { ...currentRun(), baseline: assembleDigest(baselineRun()), failOn: 'never' as const };
  const passing = judgeRun(run, { failOn: 'never', allowUnaudited: true });

  test('--fail-on-worse turns a passing run into exit 1 only when asked and only when something got worse', () => {
    expect(passing.exitCode).toBe(0);
    const trend = rankRun(run).trend;
    expect(gateOnTrend(passing, trend, false)).toBe(passing);
    expect(gateOnTrend(passing, trend, true)).toMatchObject({ exitCode: 1, reason: '3 host(s) worse than the baseline (--fail-on-worse)' });
    const steady = { ...baselineRun(), baseline: assembleDigest(baselineRun()) };
    expect(gateOnTrend(judgeRun(steady, { failOn: 'never', allowUnaudited: true }), rankRun(steady).trend, true).exitCode).toBe(0);
  });

  test('the terminal text: one line per changed host, no raw control characters', () => {
    const hostile = { ...currentRun(), hosts: [...currentRun().hosts, recordedHost('x\u001b]0;pwn\u0007y', healthy)] };
    const text = renderTrendText(diffRuns(assembleDigest(baselineRun()), assembleDigest(hostile)));
    expect(text.split('\n')[0]).toBe('sockaudit diff: 2 worse, 1 no longer audited, 2 added, 1 removed; counters grew on 2 hosts, 1 rebooted');
    expect(text).toMatch(/↑ worse +web-1 +ok \d+ → critical \d+ \(\+\d+\)/);
    expect(text).toContain('TCPAbortOnMemory +12 (0 → 12)');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
