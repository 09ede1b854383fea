// Host keys in every report, through the built binary against the tests' own OpenSSH sshd: the
// policy each host got and why (an ssh config's StrictHostKeyChecking no; the command's own
// checking with --exec through the real OpenSSH client; none for this machine), the mark on a
// newly accepted key, and known_hosts warnings in the summary and the report, not only stderr.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openFile } from '../support/browser.js';
import { expectValidReport } from '../support/schema.js';
import { SSH, makeClientKey, sshConfigBlock, startSshd, type ClientKey, type Sshd } from '../support/sshd.js';
import { runBinary, tempDir } from './helpers.js';

interface JsonHost {
  name: string;
  address: string;
  status: string;
  hostKey: { policy: string; reason: string } | null;
  hostKeyVerified: string | null;
  snapshot: { hostname?: string } | null;
}
interface Json {
  run: { warnings: string[] };
  hosts: JsonHost[];
}

/** Reached and probed: `partial` when a /proc file is unreadable here, which is no concern of these tests. */
const audited = expect.stringMatching(/^(ok|partial)$/);

describe('host keys in every report (the built binary, real sshd)', () => {
  const dir = tempDir('host-keys');
  let key: ClientKey;
  let sshd: Sshd;
  let browser: Browser | undefined;
  const json = (out: string) => JSON.parse(readFileSync(join(dir.path, out, 'report.json'), 'utf8')) as Json;
  const file = (out: string, name: string) => readFileSync(join(dir.path, out, name), 'utf8');

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    sshd = await startSshd({ authorizedKeys: key.publicKey });
  });

  afterAll(async () => {
    await browser?.close();
    await sshd?.stop();
    key?.cleanup();
    dir.cleanup();
  });

  it('StrictHostKeyChecking no in an ssh config: accept-new from that line, the key marked newly accepted; a missing --known-hosts file warned in the summary and the reports', async () => {
    const recorded = join(dir.path, 'recorded_known_hosts');
    const config = join(dir.path, 'lenient.config');
    writeFileSync(
      config,
      // StrictHostKeyChecking is the block's line 9.
      sshConfigBlock(sshd, key.privateKeyPath, 'fresh', [`UserKnownHostsFile ${recorded}`, 'StrictHostKeyChecking no']),
    );
    const inventory = join(dir.path, 'hosts.ini');
    writeFileSync(inventory, 'fresh\nhere ansible_connection=local\n');
    const missing = join(dir.path, 'no-such-known-hosts');
    const r = await runBinary(['audit', '-F', config, '-i', inventory, '--known-hosts', missing, '-o', join(dir.path, 'lenient'), '--format', 'json,html,md', '--fail-on', 'never', '-q'], {
      cwd: dir.path,
      env: { SSH_AUTH_SOCK: '' },
    });
    expect(r.code).toBe(0);
    const text = file('lenient', 'report.json');
    expectValidReport(text);
    const doc = JSON.parse(text) as Json;
    const fresh = doc.hosts.find((h) => h.name === 'fresh')!;
    const here = doc.hosts.find((h) => h.name === 'here')!;
    const reason = `accept-new from StrictHostKeyChecking no (ssh config ${config} line 9), read as accept-new: a changed key is still refused; new keys are recorded in ${recorded}`;
    expect(fresh).toMatchObject({ status: audited, hostKey: { policy: 'accept-new', reason }, hostKeyVerified: 'accepted-new' });
    // ansible_connection=local: this machine, without ssh, and the report says so.
    expect(here).toMatchObject({ status: audited, address: 'local', hostKey: { policy: 'none', reason: 'this machine: no connection, no host key' }, hostKeyVerified: null });
    const warning = `${missing}: known_hosts file not found`;
    expect(doc.run.warnings).toContain(warning);

    // The summary: the policies in use, the warning, and the newly accepted host with its reason.
    expect(r.stdout).toContain('host keys: accept-new for 1 host (ssh config), none for 1 host');
    // Wrapped to the width, never cut: the file and the reason are the point.
    const unwrapped = r.stdout.replace(/\n {3}/g, ' ');
    expect(unwrapped).toContain(`WARNING: ${warning}`);
    expect(unwrapped).toContain(`fresh: host key newly accepted (${reason}; key seen for the first time and accepted)`);
    expect(r.stderr).toContain(warning);

    // Markdown: the header, the mark in the row, the entry with the policy and why.
    const md = file('lenient', 'report.md');
    expect(md).toContain('host keys: accept-new for 1 host (ssh config), none for 1 host');
    // Host names are code spans, so GitHub never links them.
    expect(md).toMatch(/\| `fresh` \(⚠ host key newly accepted\) \|/);
    expect(md).toContain(`Host key: accept-new from StrictHostKeyChecking no (ssh config ${config} line 9)`);
    expect(md).toContain(`> **⚠ Warning:** ${missing}: known\\_hosts file not found`);

    // HTML, as a browser shows it.
    browser = await launchChromium();
    const { page, errors, requests } = await openFile(browser, join(dir.path, 'lenient', 'report.html'));
    try {
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      const header = await page.locator('dl.meta div', { hasText: 'Host keys' }).locator('dd').innerText();
      expect(header).toBe('accept-new for 1 host (ssh config), none for 1 host');
      const row = page.locator('table.ranking tr', { hasText: 'fresh' });
      expect(await row.locator('.key-mark').innerText()).toContain('host key newly accepted');
      expect(await row.locator('.key-mark').isVisible()).toBe(true);
      expect(await page.locator('table.ranking tr', { hasText: 'here' }).locator('.key-mark').count()).toBe(0);
      const card = page.locator('article.host', { has: page.locator('.name', { hasText: /^fresh$/ }) });
      const line = await card.locator('.host-key').innerText();
      expect(line).toContain(reason);
      expect(line).toContain('key seen for the first time and accepted');
      expect(await card.locator('.host-key').isVisible()).toBe(true);
      // A healthy host is a row of the compact table, its host-key line in the row.
      const hereRow = page.locator('table.ranking.healthy tr', { hasText: 'here' });
      // Off screen it is not rendered (content-visibility) until scrolled to and the next frame.
      await hereRow.scrollIntoViewIfNeeded();
      await expect.poll(() => hereRow.locator('.host-key').innerText()).toBe('Host key: none: this machine: no connection, no host key');
      expect(await page.locator('.warnings').innerText()).toContain(warning);
    } finally {
      await page.close();
    }
  });

  it('--exec through the real OpenSSH client and an ssh config (ssh -F CONFIG %h sh -s): audited, and the report says the command checked the key', async () => {
    const knownHosts = join(dir.path, 'exec_known_hosts');
    writeFileSync(knownHosts, sshd.knownHosts);
    const config = join(dir.path, 'exec.config');
    writeFileSync(
      config,
      sshConfigBlock(sshd, key.privateKeyPath, 'web-1', [`UserKnownHostsFile ${knownHosts}`, 'StrictHostKeyChecking yes', 'BatchMode yes']),
    );
    const r = await runBinary(['audit', '--exec', `${SSH} -F ${config} %h sh -s`, '-H', 'web-1', '--no-ssh-config', '-o', join(dir.path, 'exec'), '--format', 'json,md', '--fail-on', 'never', '-q'], { cwd: dir.path });
    expect(r.code).toBe(0);
    const host = json('exec').hosts[0]!;
    expect(host).toMatchObject({ name: 'web-1', status: audited, hostKey: { policy: 'by-command', reason: 'sockaudit did not check keys: the command did' }, hostKeyVerified: null });
    // The probe ran on the far side of sshd, which is this machine.
    expect(host.snapshot?.hostname).toBe(hostname());
    expect(r.stdout).toContain('host keys: by the command for 1 host');
    expect(file('exec', 'report.md')).toContain('host keys: by the command for 1 host');
  });

  it('--exec: ssh refusing an unknown key fails the host at command with ssh\'s words', async () => {
    const empty = join(dir.path, 'empty_known_hosts');
    writeFileSync(empty, '');
    const template = `${SSH} -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${empty} -o GlobalKnownHostsFile=/dev/null -i ${key.privateKeyPath} -p %p %u@%H sh -s`;
    const r = await runBinary(['audit', '--exec', template, '-H', `${sshd.user}@127.0.0.1:${sshd.port}`, '--no-ssh-config', '-o', join(dir.path, 'exec-refused'), '--format', 'json', '-q'], { cwd: dir.path });
    expect(r.code).toBe(3);
    const host = json('exec-refused').hosts[0]!;
    expect(host).toMatchObject({ status: 'failed', stage: 'command', hostKey: { policy: 'by-command' } });
    expect((host as unknown as { message: string }).message).toMatch(/host key verification failed/i);
  });
});
