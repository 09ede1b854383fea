// Debian's chromium, driven by playwright-core, for the HTML pages: never a downloaded browser.
import { chromium, type Browser, type Page } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page and what it did while loading: requests made, errors logged, dialogs opened. */
export interface Loaded {
  page: Page;
  requests: string[];
  errors: string[];
  warnings: string[];
  dialogs: string[];
}

export async function openFile(browser: Browser, path: string, viewport?: { width: number; height: number }): Promise<Loaded> {
  const page = await browser.newPage(viewport ? { viewport } : {});
  const loaded: Loaded = { page, requests: [], errors: [], warnings: [], dialogs: [] };
  page.on('request', (r) => loaded.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') loaded.errors.push(m.text());
    if (m.type() === 'warning') loaded.warnings.push(m.text());
  });
  page.on('pageerror', (e) => loaded.errors.push(e.message));
  page.on('dialog', (d) => {
    loaded.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`file://${path}`, { waitUntil: 'load' });
  return loaded;
}
