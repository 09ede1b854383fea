// Who holds the sockets, end to end over SSH: a synthetic recording made by the real probe and
// the real awk (test/support/holders-recording.ts) and a healthy recording, served by the
// in-process fleet on loopback, audited through the CLI; the one line must be in report.json,
// report.md and the HTML card as chromium shows it, and only for the host that has holders.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { launchChromium, openFile } from '../support/browser.js';
import { expectValidReport } from '../support/schema.js';
import { generateEd25519KeyPair, startRecordedFleet, type RecordedFleet } from '../support/faults.js';
import { SYNTHETIC_SENTENCE, syntheticHoldersRecording } from '../support/holders-recording.js';
import { repoRoot, runCli, tempDir, type Captured } from './helpers.js';

interface HostDoc {
  name: string;
  status: string;
  verdict: string | null;
  holders?: { sentence: string; available: boolean; gateReasons: string[] | null; remediation: string[] };
  snapshot: { holders?: { state: string; value?: { groups: Array<{ state: string; count: number }> } } } | null;
}

describe('holders over SSH (in-process fleet)', () => {
  const dir = tempDir('holders');
  let fleet: RecordedFleet;
  let result: Captured;
  let hosts: HostDoc[];
  let browser: Browser | undefined;

  beforeAll(async () => {
    const key = generateEd25519KeyPair();
    const keyFile = join(dir.path, 'id_ed25519');
    writeFileSync(keyFile, key.private, { mode: 0o600 });
    fleet = await startRecordedFleet({
      authorizedKeys: `${key.public}\n`,
      hosts: [
        { name: 'synthetic-holders', recording: syntheticHoldersRecording() },
        { name: 'web-healthy', recording: readFileSync(join(repoRoot, 'inventory', 'recorded', 'web-healthy-618.probe'), 'utf8') },
      ],
    });
    writeFileSync(join(dir.path, 'known_hosts'), fleet.knownHosts);
    const inventory = { defaults: { user: 'audit', identityFile: keyFile }, hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })) };
    writeFileSync(join(dir.path, 'fleet.yml'), stringify(inventory));
    result = await runCli([
      'audit', '-i', join(dir.path, 'fleet.yml'), '--no-ssh-config', '--known-hosts', join(dir.path, 'known_hosts'),
      '--host-timeout', '30', '-o', join(dir.path, 'out'), '--format', 'json,md,html', '--fail-on', 'never', '-q',
    ]);
    const text = readFileSync(join(dir.path, 'out', 'report.json'), 'utf8');
    expectValidReport(text);
    hosts = (JSON.parse(text) as { hosts: HostDoc[] }).hosts;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    dir.cleanup();
  });

  const host = (name: string): HostDoc => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`${name} not in the report`);
    return h;
  };

  it('report.json carries the line, why the host looked, and the table in the snapshot', () => {
    expect(result.code, result.stderr).toBe(0);
    const h = host('synthetic-holders');
    expect(h.status).toBe('ok');
    expect(h.holders?.sentence).toBe(SYNTHETIC_SENTENCE);
    expect(h.holders?.available).toBe(true);
    expect(h.holders?.gateReasons).toEqual(['orphans']);
    expect(h.holders?.remediation[0]).toMatch(/^FIN_WAIT1 with data queued/);
    expect(h.snapshot?.holders?.state).toBe('ok');
    expect(h.snapshot?.holders?.value?.groups.map((g) => [g.state, g.count])).toEqual([
      ['FIN_WAIT1', 21600],
      ['LAST_ACK', 2400],
    ]);
    // The healthy recording has no holders section: nothing is said, nothing is made up.
    expect(host('web-healthy').holders).toBeUndefined();
  });

  it('report.md says it in one line under the host, with the table', () => {
    const md = readFileSync(join(dir.path, 'out', 'report.md'), 'utf8');
    const lines = md.split('\n');
    const at = lines.indexOf(`Who holds the sockets: ${SYNTHETIC_SENTENCE.replaceAll('_', '\\_')}`);
    expect(at, md).toBeGreaterThan(0);
    // Under the synthetic host's heading, not another's.
    const heading = lines.slice(0, at).reverse().find((l) => l.startsWith('### '));
    expect(heading).toContain('synthetic-holders');
    expect(lines).toContain('| FIN\\_WAIT1 | 10.20.0.5:443 | 21,600 | 90 % | 337 MiB | 198.51.100.7 (9,000), 198.51.100.8 (7,000), 203.0.113.9 (5,600) |');
    expect(md.match(/Who holds the sockets:/g)).toHaveLength(1);
  });

  it('the HTML card shows the line in chromium, on the synthetic host only', async () => {
    browser = await launchChromium();
    const loaded = await openFile(browser, join(dir.path, 'out', 'report.html'));
    expect(loaded.errors).toEqual([]);
    // Off screen a card is not rendered (content-visibility) until scrolled to and the next frame.
    await loaded.page.locator('.holders-line').first().scrollIntoViewIfNeeded();
    await expect.poll(() => loaded.page.locator('.holders-line').allInnerTexts()).toEqual([`Who holds the sockets: ${SYNTHETIC_SENTENCE}`]);
    const card = loaded.page.locator('article.host', { has: loaded.page.locator('.holders-line') });
    await expect(card.locator('.name').innerText()).resolves.toBe('synthetic-holders');
    expect(await card.locator('.holders-line').isVisible()).toBe(true);
    const firstRow = await card.locator('.holders-table').first().locator('tbody tr').first().locator('td').allInnerTexts();
    expect(firstRow).toEqual(['FIN_WAIT1', '10.20.0.5:443', '21,600', '90 %', '337 MiB', '198.51.100.7 (9,000), 198.51.100.8 (7,000), 203.0.113.9 (5,600)']);
  });
});
