// How long Debian's headless chromium takes to open a report.html, and what jumping within it
// costs afterwards. For each file, N loads in a fresh page each: the time to the load event, and
// the renderer's own CPU, layout and style time (Chrome's Performance metrics, so that a machine
// shared with other work inflates the wall time, not these). After the last load it jumps to the
// healthy table, a row in the middle of it, the last healthy row and the Rules section, and prints what
// each jump cost (layout skipped at load is paid when its part is scrolled to).
//
//   npx tsc -p tsconfig.json && node dist/bench/html-load.js [--runs N] FILE.html...
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';

let runs = 3;
const files: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i]?.startsWith('--')) throw new Error(`unknown option ${argv[i]} (--runs N FILE...)`);
  else files.push(resolve(argv[i]!));
}
if (files.length === 0) throw new Error('usage: html-load [--runs N] FILE.html...');

type Metrics = Record<string, number>;

async function metricsOf(page: Page): Promise<() => Promise<Metrics>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
}

const s = (n: number | undefined): string => `${(n ?? NaN).toFixed(2)} s`;
const FRAMES = 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))';
/** Where a reader goes after the top of the page; each selector is tried as given. */
const JUMPS = ['#healthy-title', 'table.healthy tr[data-rank]:nth-child(100)', 'div.rows:last-of-type tr:last-child', '#rules-title'];

const browser = await launchChromium();
try {
  for (const file of files) {
    console.log(`${file} (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB)`);
    for (let r = 0; r < runs; r++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const metrics = await metricsOf(page);
      const t = performance.now();
      await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 600_000 });
      const wall = (performance.now() - t) / 1000;
      await page.evaluate(FRAMES);
      const m = await metrics();
      const elements = await page.evaluate<number>('document.getElementsByTagName("*").length');
      console.log(
        `  load ${r + 1}: ${s(wall)} to the load event; renderer CPU ${s(m.ProcessTime)} (layout ${s(m.LayoutDuration)}, style ${s(m.RecalcStyleDuration)}); ${elements} elements`,
      );
      if (r === runs - 1) {
        for (const selector of JUMPS) {
          if ((await page.locator(selector).count()) === 0) continue;
          const before = await metrics();
          const t0 = performance.now();
          await page.evaluate(`(document.querySelector(${JSON.stringify(selector)}).scrollIntoView(), ${FRAMES})`);
          const after = await metrics();
          console.log(
            `  jump to ${selector}: ${s((performance.now() - t0) / 1000)}; renderer CPU ${s((after.ProcessTime ?? 0) - (before.ProcessTime ?? 0))} (layout ${s((after.LayoutDuration ?? 0) - (before.LayoutDuration ?? 0))})`,
          );
        }
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
}
